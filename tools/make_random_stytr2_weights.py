#!/usr/bin/env python3
"""Writes a StyTr² weight file with seeded random values (numpy only, no torch), for runs that
exercise the engine without the official checkpoints: leak checks, batch smoke tests.

    python3 tools/make_random_stytr2_weights.py OUT.safetensors [--d-model 64 --heads 4 --ffn 128 --layers 1 --cnn-width 16]

The layout is the official one (patch 8, CNN convs 1,5,…,28 with ×2 upsamples before 5, 18, 25);
d_model, heads, FFN width, layers per stack and the CNN's widest channel count are options.
"""
import argparse
import sys

import numpy as np

from convert_weights import CAPE_POOL, FORMAT, FORMAT_VERSION, _transformer_shapes, write_safetensors

CNN_CONVS = (1, 5, 8, 11, 14, 18, 21, 25, 28)
CNN_UPSAMPLE_BEFORE = (5, 18, 25)
PATCH = 8


def shapes(d, ffn, layers, cnn_width):
    """name → shape for every tensor; the CNN halves cnn_width at the same places as the official one (256, 128, 64)."""
    s = {"transformer." + k: v for k, v in _transformer_shapes(d, ffn, dict(encoder_c=layers, encoder_s=layers, decoder=layers)).items()}
    s["embedding.proj.weight"] = (d, 3, PATCH, PATCH)
    s["embedding.proj.bias"] = (d,)
    widths = [cnn_width] * 4 + [cnn_width // 2] * 2 + [cnn_width // 4] * 2 + [3]
    channels = d
    for index, out in zip(CNN_CONVS, widths):
        s[f"cnn_decoder.{index}.weight"] = (out, channels, 3, 3)
        s[f"cnn_decoder.{index}.bias"] = (out,)
        channels = out
    return s


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("output")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=128)
    p.add_argument("--layers", type=int, default=1, help="layers in each of encoder_c, encoder_s and decoder")
    p.add_argument("--cnn-width", type=int, default=16, help="channels of the CNN decoder's first convs (official: 256)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.d_model % a.heads or a.cnn_width < 4:
        p.error("heads must divide d-model, and cnn-width must be at least 4")
    rng = np.random.default_rng(a.seed)
    tensors = {}
    for name, shape in shapes(a.d_model, a.ffn, a.layers, a.cnn_width).items():
        if "norm" in name:
            # LayerNorm: unit gain, zero shift, as freshly initialised.
            tensors[name] = np.ones(shape, np.float32) if name.endswith("weight") else np.zeros(shape, np.float32)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            tensors[name] = (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)
    metadata = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "model": "stytr2",
        "d_model": str(a.d_model), "heads": str(a.heads), "encoder_c_layers": str(a.layers),
        "encoder_s_layers": str(a.layers), "decoder_layers": str(a.layers), "ffn": str(a.ffn),
        "patch_size": str(PATCH), "cape_pool": str(CAPE_POOL),
        "cnn_decoder_convs": ",".join(map(str, CNN_CONVS)),
        "cnn_decoder_upsample_before": ",".join(map(str, CNN_UPSAMPLE_BEFORE)),
        "source": f"random seed {a.seed}",
    }
    write_safetensors(a.output, tensors, metadata)


if __name__ == "__main__":
    sys.exit(main())
