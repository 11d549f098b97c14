#!/usr/bin/env python3
"""Reference outputs of the official StyTr² PyTorch code, for the Swift parity tests.

    python3 tools/stytr2_reference.py --official PATH [-o Tests/StyTr2Tests/Fixtures]

PATH is a checkout of the official code (github.com/diyiiyiii/StyTR-2), or its bare git
directory (HEAD is extracted to a temporary folder). Its `models/transformer.py` is imported
as is; the patch embedding and the CNN decoder are plain nn.Conv2d / nn.Sequential, rebuilt
here exactly as in its `models/StyTR.py` (that file needs torchvision and torch._six, which
modern torch lacks), with the channel counts as a parameter so a tiny model can be tested.

Weights come from `seeded_tensor`, the same generator as SeededWeights in the Swift code, so
no weight file is committed: only images, the case list and PyTorch's outputs (.npy).
Needs torch and numpy; CI does not run this script.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

MASK64 = (1 << 64) - 1


def seeded_tensor(name, shape, seed):
    """SplitMix64 seeded with seed ^ FNV-1a(name); must stay identical to SeededWeights.swift."""
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK64
    # SplitMix64's i-th state is start + (i+1)·γ (mod 2⁶⁴): vectorised over i.
    n = int(np.prod(shape)) if shape else 1
    with np.errstate(over="ignore"):
        z = np.uint64(seed ^ h) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    out = (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24) * np.float32(2) - np.float32(1)
    parts = name.split(".")
    if name.endswith(".weight") and len(parts) >= 2 and parts[-2].startswith("norm"):
        out = np.float32(1) + np.float32(0.1) * out
    elif len(shape) == 1:
        out = np.float32(0.1) * out
    else:
        # Unit-variance gain keeps the post-norm residual stream varied across tokens; convs feed
        # ReLUs and take the He gain so that activations survive the CNN.
        fan_in = int(np.prod(shape[1:]))
        gain = 6.0 if len(shape) == 4 and shape[-1] > 1 else 3.0
        out = out * np.float32(np.sqrt(gain / fan_in))
    return out.reshape(shape)


def official_checkout(path):
    """A folder holding the official code: PATH itself, or HEAD of a bare git dir extracted."""
    if os.path.isdir(os.path.join(path, "models")):
        return path
    tmp = tempfile.mkdtemp(prefix="stytr2-official-")
    archive = subprocess.run(["git", "--git-dir", path, "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
    return tmp


def plain_transformer_module(torch, nn):
    """A module with a `Transformer` class equal to the official one (same key names, post-norm,
    decoder whose both attention blocks read the style memory), for when the official code is not
    at hand (benchmarks). Fixtures are always made with the official code."""
    import types

    class EncoderLayer(nn.Module):
        def __init__(self, d, heads, ffn):
            super().__init__()
            self.self_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
            self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)

        def forward(self, x, src_key_padding_mask=None, pos=None):
            q = x if pos is None else x + pos
            x = self.norm1(x + self.self_attn(q, q, x)[0])
            return self.norm2(x + self.linear2(torch.relu(self.linear1(x))))

    class DecoderLayer(nn.Module):
        def __init__(self, d, heads, ffn):
            super().__init__()
            self.self_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
            self.multihead_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
            self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
            self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

        def forward(self, t, memory, query_pos):
            t = self.norm1(t + self.self_attn(t + query_pos, memory, memory)[0])
            t = self.norm2(t + self.multihead_attn(t + query_pos, memory, memory)[0])
            return self.norm3(t + self.linear2(torch.relu(self.linear1(t))))

    class Stack(nn.Module):
        def __init__(self, layers, norm=None):
            super().__init__()
            self.layers = nn.ModuleList(layers)
            if norm is not None:
                self.norm = norm

        def forward(self, x, memory=None, src_key_padding_mask=None, memory_key_padding_mask=None, pos=None, query_pos=None):
            for layer in self.layers:
                x = layer(x, memory, query_pos) if memory is not None else layer(x, pos=pos)
            return self.norm(x).unsqueeze(0) if hasattr(self, "norm") else x

    class Transformer(nn.Module):
        def __init__(self, d_model=512, nhead=8, num_encoder_layers=3, num_decoder_layers=3, dim_feedforward=2048, dropout=0.0):
            super().__init__()
            enc = lambda: [EncoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_encoder_layers)]
            self.encoder_c, self.encoder_s = Stack(enc()), Stack(enc())
            self.decoder = Stack([DecoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_decoder_layers)], nn.LayerNorm(d_model))
            self.new_ps = nn.Conv2d(d_model, d_model, (1, 1))
            self.averagepooling = nn.AdaptiveAvgPool2d(18)

    return types.SimpleNamespace(Transformer=Transformer)


def build(torch, nn, transformer_module, cfg):
    """Official modules with the configuration's sizes (official: d 512, heads 8, ffn 2048)."""
    d, p = cfg["d_model"], cfg["patch_size"]
    embedding = nn.Conv2d(3, d, kernel_size=p, stride=p)  # PatchEmbed.proj
    trans = transformer_module.Transformer(d_model=d, nhead=cfg["heads"], num_encoder_layers=cfg["encoder_layers"],
                                           num_decoder_layers=cfg["decoder_layers"], dim_feedforward=cfg["ffn"],
                                           dropout=0.0)
    if d != 512:
        trans.new_ps = nn.Conv2d(d, d, (1, 1))  # the official class hard-codes 512 here
    ch = cfg["cnn_channels"]
    layers, inc = [], d
    # The official decoder Sequential: ReflectionPad, Conv, ReLU, with Upsample after convs 0, 4, 6.
    for i, outc in enumerate(ch):
        layers += [nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(inc, outc, (3, 3))]
        if i < len(ch) - 1:
            layers.append(nn.ReLU())
        if i in (0, 4, 6):
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        inc = outc
    cnn = nn.Sequential(*layers)
    assert [k for k in cnn.state_dict() if k.endswith(".weight")] == [f"{i}.weight" for i in (1, 5, 8, 11, 14, 18, 21, 25, 28)]
    seed = cfg["seed"]
    for prefix, module in (("embedding.proj", embedding), ("transformer", trans), ("cnn_decoder", cnn)):
        state = {k: torch.from_numpy(seeded_tensor(f"{prefix}.{k}", list(v.shape), seed))
                 for k, v in module.state_dict().items()}
        module.load_state_dict(state)
        module.eval()
    return embedding, trans, cnn


def forward(torch, F, embedding, trans, cnn, content, style, patch):
    """The generalised forward of the engine (reflect-pad to whole patches, CAPE on the content grid)."""
    def pad(x):
        h, w = x.shape[-2:]
        return F.pad(x, (0, (-w) % patch, 0, (-h) % patch), mode="reflect")

    emb_c, emb_s = embedding(pad(content)), embedding(pad(style))
    pos = F.interpolate(trans.new_ps(trans.averagepooling(emb_c)), mode="bilinear", size=emb_c.shape[-2:])
    tokens = lambda x: x.flatten(2).permute(2, 0, 1)  # (1,D,h,w) → (N,1,D)
    s = trans.encoder_s(tokens(emb_s), src_key_padding_mask=None, pos=None)
    c = trans.encoder_c(tokens(emb_c), src_key_padding_mask=None, pos=tokens(pos))
    hs = trans.decoder(c, s, memory_key_padding_mask=None, pos=None, query_pos=tokens(pos))[0]
    h, w = emb_c.shape[-2:]
    out = cnn(hs.permute(1, 2, 0).reshape(1, -1, h, w))[..., : content.shape[-2], : content.shape[-1]]
    return dict(content_embedding=emb_c[0], content_position=tokens(pos)[:, 0], encoded_content=c[:, 0],
                encoded_style=s[:, 0], decoded=hs[:, 0], output=out[0]), hs


def test_image(rng, h, w):
    """(3,h,w) in [0,1]: waves of random direction and frequency plus noise, so tokens differ."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((3, h, w), dtype=np.float32)
    for c in range(3):
        fy, fx, phase = rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(0, 6.3)
        img[c] = 0.5 + 0.35 * np.sin(fy * y + fx * x + phase) + 0.15 * rng.uniform(-1, 1, (h, w))
    return np.clip(img, 0, 1).astype(np.float32)


def check_plain_equals_official(torch, nn, F, transformer_module):
    """The benchmark's stand-in must compute exactly what the official code computes."""
    cfg = CONFIGS["tiny"]
    ours = build(torch, nn, plain_transformer_module(torch, nn), cfg)
    official = build(torch, nn, transformer_module, cfg)
    assert list(ours[1].state_dict()) == list(official[1].state_dict()), "state dict keys differ"
    rng = np.random.default_rng(9)
    c, s = (torch.from_numpy(test_image(rng, 40, 56))[None] for _ in range(2))
    a, b = forward(torch, F, *ours, c, s, 8)[0]["output"], forward(torch, F, *official, c, s, 8)[0]["output"]
    assert torch.allclose(a, b, rtol=0, atol=1e-6 * float(b.abs().max())), "plain transformer differs from the official one"


CONFIGS = {
    "tiny": dict(d_model=32, heads=4, encoder_layers=3, decoder_layers=3, ffn=64, patch_size=8,
                 cnn_channels=[16, 16, 16, 16, 8, 8, 8, 8, 3], seed=1,  # a seed where no ReLU layer is all dead
                 cases={"square": [[64, 64], [64, 64]], "nonsquare": [[48, 80], [48, 80]],
                        "mixed": [[60, 44], [40, 72]]},
                 stages=["content_embedding", "content_position", "encoded_content", "encoded_style", "decoded", "output"]),
    "full": dict(d_model=512, heads=8, encoder_layers=3, decoder_layers=3, ffn=2048, patch_size=8,
                 cnn_channels=[256, 256, 256, 256, 128, 128, 64, 64, 3], seed=2022,
                 cases={"square": [[64, 64], [64, 64]], "nonsquare": [[48, 80], [48, 80]]},
                 stages=["output"]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official", required=True, help="checkout or bare git dir of the official StyTr² code")
    ap.add_argument("-o", "--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "StyTr2Tests", "Fixtures"))
    args = ap.parse_args()
    import torch
    import torch.nn.functional as F
    from torch import nn

    sys.path.insert(0, official_checkout(args.official))
    import models.transformer as transformer_module

    torch.set_grad_enabled(False)
    check_plain_equals_official(torch, nn, F, transformer_module)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(1234)
    manifest = {}
    for cname, cfg in CONFIGS.items():
        embedding, trans, cnn = build(torch, nn, transformer_module, cfg)
        manifest[cname] = {k: v for k, v in cfg.items() if k != "cases"}
        manifest[cname]["cases"] = {}
        for case, (csize, ssize) in cfg["cases"].items():
            content, style = test_image(rng, *csize), test_image(rng, *ssize)
            stages, hs = forward(torch, F, embedding, trans, cnn, torch.from_numpy(content)[None],
                                 torch.from_numpy(style)[None], cfg["patch_size"])
            if csize == ssize and csize[0] == csize[1]:
                # Where the official forward works (equal square grids), it must agree with ours.
                official = trans(embedding(torch.from_numpy(style)[None]), None, embedding(torch.from_numpy(content)[None]), None, None)
                ref = hs.permute(1, 2, 0).reshape(official.shape)
                assert torch.equal(official, ref), "official Transformer.forward differs from the staged forward"
            prefix = f"{cname}_{case}"
            np.save(os.path.join(args.out, f"{prefix}_content.npy"), content)
            np.save(os.path.join(args.out, f"{prefix}_style.npy"), style)
            for stage in cfg["stages"]:
                np.save(os.path.join(args.out, f"{prefix}_{stage}.npy"), np.ascontiguousarray(stages[stage].numpy(), dtype=np.float32))
            manifest[cname]["cases"][case] = {"content": csize, "style": ssize}
            print(f"{prefix}: output {tuple(stages['output'].shape)}, max |out| {stages['output'].abs().max():.4g}")
    with open(os.path.join(args.out, "stytr2_cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
