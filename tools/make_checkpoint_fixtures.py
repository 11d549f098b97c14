#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures of Tests/tools/test_convert_weights.py.

Usage:  python3 tools/make_checkpoint_fixtures.py [output-dir] [--official PATH]
Default output: Tests/tools/fixtures/ (relative to the repository root).

Needs torch; CI does not run it (the tests read the files it wrote, without torch). The models
are the official StyTr² and VGG-19 module trees (module and attribute names as in the official
models/transformer.py and models/StyTR.py, so the state-dict keys are the official ones), built
here with tiny sizes and random weights: StyTr² with d_model 16, ffn 32, patch 8, and a CNN
decoder with the official nn.Sequential layout and channels 16→8→…→3; VGG-19 with the real
layer structure and block widths 4, 5, 6, 6, 6. Only parameters matter for a state dict, so the
modules have no forward().

Each checkpoint is saved in both torch formats (zip and legacy `_use_new_zipfile_serialization=False`)
and the values the converter must produce are saved as .npz (float32, keyed by output tensor
name) for a bit-exact comparison without torch. Further cases: views with offsets and strides,
float16/bfloat16/float64 tensors, an nn.Parameter, shared storages, a `module.` prefix, a wrapped
state dict, broken checkpoints (missing key, wrong shape, truncated VGG) and two malicious
pickles (built by pickling objects whose __reduce__ names os.system / builtins.eval; never run).

Weights are seeded, so running it again gives the same values (not the same bytes: torch writes
storage addresses and a random id into the files).

--official PATH (a checkout or bare git dir of github.com/diyiiyiii/StyTR-2) also checks that the
transformer built here has the official keys and shapes at the official sizes.
"""
import argparse
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "tools", "fixtures")

# Tiny sizes; the tests repeat them.
D_MODEL, HEADS, FFN, PATCH = 16, 2, 32, 8
CNN_WIDTHS = (8, 6, 4)          # official: 256, 128, 64
VGG_WIDTHS = (4, 5, 6, 6, 6)    # official: 64, 128, 256, 512, 512
ITERATION = 100
# The malicious pickles would create these files in the working directory if ever executed.
MARKER_SYSTEM = "convert_weights_pwned_system"
MARKER_EVAL = "convert_weights_pwned_eval"


# ---- StyTr² (official module tree, tiny sizes) ----------------------------------------------

class TransformerEncoderLayer(nn.Module):
    """Parameters of the official post-norm encoder layer."""

    def __init__(self, d_model, nhead, dim_feedforward):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=0.1)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(0.1)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)


class TransformerDecoderLayer(nn.Module):
    """Parameters of the official decoder layer (two attention blocks, three norms)."""

    def __init__(self, d_model, nhead, dim_feedforward):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=0.1)
        self.multihead_attn = nn.MultiheadAttention(d_model, nhead, dropout=0.1)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(0.1)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)


class LayerStack(nn.Module):
    """TransformerEncoder / TransformerDecoder: `layers` and an optional final `norm`."""

    def __init__(self, make_layer, num_layers, norm=None):
        super().__init__()
        self.layers = nn.ModuleList(make_layer() for _ in range(num_layers))
        self.norm = norm


class Transformer(nn.Module):
    """The official Transformer: encoder_c, encoder_s, decoder (with final norm), CAPE's new_ps."""

    def __init__(self, d_model, nhead, dim_feedforward, enc_c=3, enc_s=3, dec=3):
        super().__init__()
        self.encoder_c = LayerStack(lambda: TransformerEncoderLayer(d_model, nhead, dim_feedforward), enc_c)
        self.encoder_s = LayerStack(lambda: TransformerEncoderLayer(d_model, nhead, dim_feedforward), enc_s)
        self.decoder = LayerStack(lambda: TransformerDecoderLayer(d_model, nhead, dim_feedforward), dec,
                                  nn.LayerNorm(d_model))
        self.new_ps = nn.Conv2d(d_model, d_model, (1, 1))
        self.averagepooling = nn.AdaptiveAvgPool2d(18)


class PatchEmbed(nn.Module):
    """The official patch embedding: `proj` (and a parameterless `up1`)."""

    def __init__(self, patch_size, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")


def cnn_decoder(d_model, widths):
    """The official CNN decoder Sequential (convs at 1,5,8,11,14,18,21,25,28) with channels d→w0…→3."""
    w0, w1, w2 = widths
    pad = lambda: nn.ReflectionPad2d((1, 1, 1, 1))  # noqa: E731
    up = lambda: nn.Upsample(scale_factor=2, mode="nearest")  # noqa: E731
    return nn.Sequential(
        pad(), nn.Conv2d(d_model, w0, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(w0, w0, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(w0, w0, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(w0, w0, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(w0, w1, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(w1, w1, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(w1, w2, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(w2, w2, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(w2, 3, (3, 3)),
    )


# ---- VGG-19 -------------------------------------------------------------------------------------

CONVS_PER_BLOCK = (2, 2, 4, 4, 4)


def vgg_normalised(widths):
    """vgg_normalised.pth's Sequential: 1×1 conv, then (pad, conv, ReLU) triples and ceil-mode pools."""
    layers, channels = [nn.Conv2d(3, 3, (1, 1))], 3
    for block, (count, width) in enumerate(zip(CONVS_PER_BLOCK, widths)):
        for _ in range(count):
            layers += [nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(channels, width, (3, 3)), nn.ReLU()]
            channels = width
        if block < 4:
            layers.append(nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True))
    return nn.Sequential(*layers)


class VGG19Torchvision(nn.Module):
    """torchvision's vgg19: `features` (conv+ReLU, pools), `avgpool`, `classifier` (tiny widths)."""

    def __init__(self, widths, hidden=8, classes=5):
        super().__init__()
        layers, channels = [], 3
        for count, width in zip(CONVS_PER_BLOCK, widths):
            for _ in range(count):
                layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(channels * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(),
            nn.Linear(hidden, classes))


VGG_NAMES = [f"conv{b + 1}_{i + 1}" for b, n in enumerate(CONVS_PER_BLOCK) for i in range(n)]


# ---- helpers ----------------------------------------------------------------------------------------

def randomised(module):
    """Every parameter drawn from N(0, 1), so that a swapped or mis-read tensor cannot go unnoticed."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_()
    return module


def save_both(state, directory, name):
    """Saves `state` as <directory>/zip/<name> and <directory>/legacy/<name>."""
    torch.save(state, os.path.join(directory, "zip", name))
    torch.save(state, os.path.join(directory, "legacy", name), _use_new_zipfile_serialization=False)


def expected(state, prefix="", rename=None):
    """Output name → float32 values that the converter must write for `state`."""
    out = {}
    for key, t in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        out[prefix + (rename[key] if rename else key)] = t.detach().float().numpy().copy()
    return out


def vgg_rename(layout, count=len(VGG_NAMES)):
    """Checkpoint key → output name for the first `count` convs (and the preprocess conv)."""
    indices, i = [], (2 if layout == "normalised" else 0)
    for block, n in enumerate(CONVS_PER_BLOCK):
        for _ in range(n):
            indices.append(i)
            i += 3 if layout == "normalised" else 2
        i += 1  # the max-pool
    prefix = "" if layout == "normalised" else "features."
    rename = {f"{prefix}{index}.{p}": f"{name}.{p}" for name, index in zip(VGG_NAMES[:count], indices)
              for p in ("weight", "bias")}
    if layout == "normalised":
        rename.update({"0.weight": "preprocess.weight", "0.bias": "preprocess.bias"})
    return rename


class _Call:
    """Pickles as a call of `function(*args)`; used only to *write* the malicious fixtures."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def legacy_stream(payload):
    """A legacy checkpoint whose state-dict pickle is `payload` (the three header pickles are real)."""
    out = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001,
                   {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, out, protocol=2)
    out.write(payload)
    pickle.dump([], out, protocol=2)
    return out.getvalue()


def check_official(path):
    """Compares the key → shape map of Transformer() here and in the official code at official sizes."""
    if not os.path.isdir(os.path.join(path, "models")):
        tmp = tempfile.mkdtemp(prefix="stytr2-official-")
        archive = subprocess.run(["git", "--git-dir", path, "archive", "HEAD"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        path = tmp
    sys.path.insert(0, path)
    import models.transformer as official  # noqa: E402  (the official file imports only torch, numpy, function.py)
    theirs = {k: tuple(v.shape) for k, v in official.Transformer().state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in Transformer(512, 8, 2048).state_dict().items()}
    if theirs != ours:
        sys.exit(f"key/shape mismatch with the official Transformer: {sorted(set(theirs.items()) ^ set(ours.items()))}")
    print(f"official Transformer: {len(theirs)} keys, identical keys and shapes")


# ---- main -------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=DEFAULT_OUT)
    parser.add_argument("--official", metavar="PATH")
    args = parser.parse_args()
    if args.official:
        check_official(args.official)

    out = args.out
    torch.manual_seed(20240611)
    for sub in ("stytr2/zip", "stytr2/legacy", "stytr2_dataparallel", "vgg/zip", "vgg/legacy",
                "misc/zip", "misc/legacy", "bad"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    # StyTr², official layer counts (3+3 encoder, 3 decoder).
    embedding = randomised(PatchEmbed(PATCH, D_MODEL)).state_dict()
    transformer = randomised(Transformer(D_MODEL, HEADS, FFN)).state_dict()
    decoder = randomised(cnn_decoder(D_MODEL, CNN_WIDTHS)).state_dict()
    stytr2 = os.path.join(out, "stytr2")
    save_both(embedding, stytr2, f"embedding_iter_{ITERATION}.pth")
    save_both(transformer, stytr2, f"transformer_iter_{ITERATION}.pth")
    save_both(decoder, stytr2, f"decoder_iter_{ITERATION}.pth")
    np.savez(os.path.join(out, "stytr2_expected.npz"),
             **expected(embedding, "embedding."), **expected(transformer, "transformer."),
             **expected(decoder, "cnn_decoder."))

    # Other layer counts (1 + 2 encoder, 1 decoder; values already checked with the files above),
    # and two broken 1+1+1 variants.
    small = randomised(Transformer(D_MODEL, HEADS, FFN, enc_c=1, enc_s=2, dec=1)).state_dict()
    torch.save(small, os.path.join(out, "stytr2_small_transformer.pth"), _use_new_zipfile_serialization=False)
    tiny = randomised(Transformer(D_MODEL, HEADS, FFN, enc_c=1, enc_s=1, dec=1)).state_dict()
    missing = {k: v for k, v in tiny.items() if k != "decoder.layers.0.norm3.bias"}
    torch.save(missing, os.path.join(out, "bad", "transformer_missing_key.pth"), _use_new_zipfile_serialization=False)
    wrong = dict(tiny)
    wrong["encoder_s.layers.0.linear2.weight"] = torch.randn(D_MODEL, FFN - 1)
    torch.save(wrong, os.path.join(out, "bad", "transformer_wrong_shape.pth"))
    channels = dict(decoder)
    channels["8.weight"] = torch.randn(CNN_WIDTHS[0], CNN_WIDTHS[0] - 1, 3, 3)
    torch.save(channels, os.path.join(out, "bad", "decoder_wrong_channels.pth"), _use_new_zipfile_serialization=False)

    # DataParallel-style: 'module.' prefixes, a wrapped float16 embedding, a bfloat16 decoder.
    dp = os.path.join(out, "stytr2_dataparallel")
    emb16 = {"module." + k: v.half() for k, v in embedding.items()}
    torch.save({"state_dict": emb16, "epoch": 7}, os.path.join(dp, f"embedding_iter_{ITERATION}.pth"))
    dec16 = {"module." + k: v.bfloat16() for k, v in decoder.items()}
    torch.save(dec16, os.path.join(dp, f"decoder_iter_{ITERATION}.pth"), _use_new_zipfile_serialization=False)
    np.savez(os.path.join(out, "stytr2_dataparallel_expected.npz"),
             **expected(emb16, "embedding."), **expected(dec16, "cnn_decoder."))

    # VGG-19, both layouts; a vgg_normalised cut after relu5_1 (as StyTr²'s test.py uses it) and after relu4_1.
    normalised = randomised(vgg_normalised(VGG_WIDTHS))
    torchvision = randomised(VGG19Torchvision(VGG_WIDTHS)).state_dict()
    vgg = os.path.join(out, "vgg")
    save_both(normalised.state_dict(), vgg, "vgg_normalised.pth")
    save_both(torchvision, vgg, "vgg19_torchvision.pth")
    np.savez(os.path.join(out, "vgg_normalised_expected.npz"),
             **expected(normalised.state_dict(), rename=vgg_rename("normalised")))
    conv_keys = {k: v for k, v in torchvision.items() if k.startswith("features.")}
    np.savez(os.path.join(out, "vgg19_torchvision_expected.npz"), **expected(conv_keys, rename=vgg_rename("torchvision")))
    torch.save(nn.Sequential(*list(normalised.children())[:44]).state_dict(),
               os.path.join(vgg, "vgg_normalised_relu5_1.pth"), _use_new_zipfile_serialization=False)
    torch.save(nn.Sequential(*list(normalised.children())[:31]).state_dict(),
               os.path.join(out, "bad", "vgg_normalised_relu4_1.pth"), _use_new_zipfile_serialization=False)

    # Tensors that exercise the reader: views, dtypes, parameters, shared storage, a scalar, an empty tensor.
    base = torch.randn(6, 10)
    misc = {
        "view_offset": base[1:5, 2:9:2],        # offset 12, strides (10, 2)
        "view_transposed": base.t()[3:7],       # strides (1, 10)
        "base": base,                           # shares its storage with both views
        "expanded": torch.randn(3, 1).expand(3, 4),  # stride 0
        "half": torch.tensor([0.0, -0.0, 1.5, -2.25, 65504.0, 6e-8, float("inf"), float("nan")]).half(),
        "bfloat16": torch.tensor([1.0, -3.140625, 1e30, -1e-30, float("-inf"), float("nan"), 0.0]).bfloat16(),
        "bfloat16_view": torch.randn(4, 6).bfloat16()[:, 1::2],
        "double": torch.randn(2, 3, dtype=torch.float64) * 1e3,
        "parameter": nn.Parameter(torch.randn(5)),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save_both(misc, os.path.join(out, "misc"), "misc.pth")
    np.savez(os.path.join(out, "misc_expected.npz"), **expected(misc))

    # Malicious pickles: objects that pickle as os.system(...) / builtins.eval(...) calls. Pickling
    # only records the call; nothing here runs it.
    system_payload = pickle.dumps({"weight": _Call(os.system, f"touch {MARKER_SYSTEM}")}, protocol=2)
    with open(os.path.join(out, "bad", "malicious_system_legacy.pth"), "wb") as f:
        f.write(legacy_stream(system_payload))
    eval_payload = pickle.dumps({"weight": _Call(eval, f"open({MARKER_EVAL!r}, 'w').close()")}, protocol=2)
    with zipfile.ZipFile(os.path.join(out, "bad", "malicious_eval_zip.pth"), "w") as z:
        z.writestr("malicious_eval_zip/data.pkl", eval_payload)
        z.writestr("malicious_eval_zip/byteorder", "little")
        z.writestr("malicious_eval_zip/version", "3\n")

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out) for f in files)
    print(f"wrote fixtures to {out}: {total / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
