#!/usr/bin/env python3
"""A He-initialised random VGG-19 (torchvision layout, conv1_1 … conv5_1) as a stylize weights file.

    python3 tools/experiments/random_vgg19.py -o out/experiments/random_vgg19.safetensors [--seed 0]

Weights ~ N(0, 2/fan_in) (He et al. 2015, fan_in = 9·C_in), biases 0, from numpy's seeded generator:
the "random He-initialised VGG-19" of the design notes' question, for `stylize --weights FILE`.
Needs numpy only.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from convert_weights import FORMAT, FORMAT_VERSION, write_safetensors  # noqa: E402

WIDTHS = [64, 128, 256, 512, 512]
CONVS_PER_BLOCK = [2, 2, 4, 4, 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    tensors, names, channels = {}, [], 3
    for block, count in enumerate(CONVS_PER_BLOCK):
        for i in range(count):
            name, out = f"conv{block + 1}_{i + 1}", WIDTHS[block]
            tensors[f"{name}.weight"] = (rng.standard_normal((out, channels, 3, 3)) * np.sqrt(2 / (9 * channels))).astype(np.float32)
            tensors[f"{name}.bias"] = np.zeros(out, np.float32)
            names.append(name)
            channels = out
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_safetensors(args.out, tensors, {"format": FORMAT, "format_version": FORMAT_VERSION, "model": "vgg19",
                                          "layout": "torchvision", "convs": ",".join(names),
                                          "source": f"He-initialised random, numpy seed {args.seed}"})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
