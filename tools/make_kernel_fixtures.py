#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for the StyleCore kernel tests.

Usage:  python3 tools/make_kernel_fixtures.py [output-dir]
Default output: Tests/StyleCoreTests/Fixtures/kernels/ (relative to the repository root).

Every file is a float32, C-order .npy array without a batch dimension (images are (C,H,W),
token sequences (N,D)). Each case <name> writes its inputs and parameters (<name>_x, <name>_w,
<name>_b, ...) and PyTorch's result <name>_out (gradients: <name>_dx). Inputs come from a seeded
NumPy generator and PyTorch runs single-threaded and deterministic, so running the script again
rewrites the same bytes. The hyper-parameters (stride, padding, sizes) of each case are listed in
CASES below and repeated in the Swift tests that read the files.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "StyleCoreTests", "Fixtures", "kernels")

torch.manual_seed(0)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
rng = np.random.default_rng(20240611)
os.makedirs(OUT, exist_ok=True)

written = []


def randn(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def save(name, array):
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    array = np.ascontiguousarray(array, dtype=np.float32)
    path = os.path.join(OUT, name + ".npy")
    np.save(path, array, allow_pickle=False)
    written.append((name, array.shape, os.path.getsize(path)))


# ---------------------------------------------------------------------------------------------
# Convolution: forward (zero / reflect padding, 1×1, patch embedding, stride 2, ReLU) and the
# input gradient d/dx sum(conv(x) * G).

def conv_forward(x, w, b, stride, pad, reflect, relu):
    xt = t(x)[None]
    if reflect and pad > 0:
        xt = F.pad(xt, (pad, pad, pad, pad), mode="reflect")  # = nn.ReflectionPad2d(pad)
        pad = 0
    y = F.conv2d(xt, t(w), t(b) if b is not None else None, stride=stride, padding=pad)
    return (F.relu(y) if relu else y)[0]


CONV_CASES = [
    # name,             C, H,  W,  OC, K, stride, pad, reflect, relu
    ("conv3x3_zero",     3, 7,  9,  4, 3, 1, 1, False, False),
    ("conv3x3_reflect",  3, 7,  9,  4, 3, 1, 1, True,  False),
    ("conv1x1",          5, 6,  5,  3, 1, 1, 0, False, False),
    ("conv8x8_s8",       3, 16, 24, 6, 8, 8, 0, False, False),
    ("conv3x3_s2_odd",   3, 9,  11, 4, 3, 2, 1, False, False),
    ("conv3x3_relu",     4, 6,  7,  5, 3, 1, 1, False, True),
]

for name, c, h, w, oc, k, stride, pad, reflect, relu in CONV_CASES:
    x = randn(c, h, w)
    wt = randn(oc, c, k, k, scale=(2.0 / (c * k * k)) ** 0.5)
    b = randn(oc, scale=0.1)
    save(name + "_x", x)
    save(name + "_w", wt)
    save(name + "_b", b)
    save(name + "_out", conv_forward(x, wt, b, stride, pad, reflect, relu))

CONV_BACKWARD_CASES = [
    # name,                   C, H, W,  OC, K, stride, pad, reflect
    ("convbwd_zero",           3, 7, 9,  4, 3, 1, 1, False),
    ("convbwd_reflect",        3, 7, 9,  4, 3, 1, 1, True),
    ("convbwd_reflect_s2",     3, 9, 11, 4, 3, 2, 1, True),
    ("convbwd_1x1",            5, 6, 5,  3, 1, 1, 0, False),
]

for name, c, h, w, oc, k, stride, pad, reflect in CONV_BACKWARD_CASES:
    x = randn(c, h, w)
    wt = randn(oc, c, k, k, scale=(2.0 / (c * k * k)) ** 0.5)
    xt = t(x).requires_grad_(True)
    xin = xt[None]
    p = pad
    if reflect and pad > 0:
        xin = F.pad(xin, (pad, pad, pad, pad), mode="reflect")
        p = 0
    y = F.conv2d(xin, t(wt), None, stride=stride, padding=p)[0]
    g = randn(*y.shape)
    (y * t(g)).sum().backward()
    save(name + "_w", wt)
    save(name + "_g", g)
    save(name + "_dx", xt.grad)

# ---------------------------------------------------------------------------------------------
# Pooling: 2×2 max-pool (floor and ceil_mode on odd sizes) with its gradient; adaptive average.

for name, ceil in (("maxpool_floor", False), ("maxpool_ceil", True)):
    x = randn(3, 7, 9)
    xt = t(x).requires_grad_(True)
    y = F.max_pool2d(xt[None], kernel_size=2, stride=2, ceil_mode=ceil)[0]
    g = randn(*y.shape)
    (y * t(g)).sum().backward()
    save(name + "_x", x)
    save(name + "_out", y)
    save(name + "_g", g)
    save(name + "_dx", xt.grad)

for name, (h, w) in (("adaptive_5x7", (5, 7)), ("adaptive_32x40", (32, 40)), ("adaptive_18x18", (18, 18))):
    x = randn(2, h, w)
    save(name + "_x", x)
    save(name + "_out", F.adaptive_avg_pool2d(t(x)[None], (18, 18))[0])

# ---------------------------------------------------------------------------------------------
# Resizing: nearest ×2 (and its gradient), bilinear with an output size, antialiased bilinear.

x = randn(3, 4, 5)
xt = t(x).requires_grad_(True)
y = F.interpolate(xt[None], scale_factor=2, mode="nearest")[0]
g = randn(*y.shape)
(y * t(g)).sum().backward()
save("nearest2x_x", x)
save("nearest2x_out", y)
save("nearest2x_g", g)
save("nearest2x_dx", xt.grad)

BILINEAR_CASES = [
    # name,                  input (C,H,W), output (H,W)
    ("bilinear_18x18_5x7",   (2, 18, 18), (5, 7)),
    ("bilinear_18x18_32x24", (2, 18, 18), (32, 24)),
    ("bilinear_7x5_18x18",   (2, 7, 5),   (18, 18)),
    ("bilinear_9x13_6x20",   (2, 9, 13),  (6, 20)),
]
for name, shape, size in BILINEAR_CASES:
    x = randn(*shape)
    save(name + "_x", x)
    save(name + "_out", F.interpolate(t(x)[None], size=size, mode="bilinear", align_corners=False)[0])

ANTIALIAS_CASES = [
    ("antialias_40x30_17x13", (3, 40, 30), (17, 13)),  # downscale ×2.35 / ×2.31
    ("antialias_20x9_7x14",   (3, 20, 9),  (7, 14)),   # down in H, up in W
    ("antialias_7x5_18x18",   (3, 7, 5),   (18, 18)),  # upscale: plain bilinear
]
for name, shape, size in ANTIALIAS_CASES:
    x = randn(*shape)
    save(name + "_x", x)
    save(name + "_out", F.interpolate(t(x)[None], size=size, mode="bilinear", align_corners=False,
                                      antialias=True)[0])

# ---------------------------------------------------------------------------------------------
# Token kernels: LayerNorm(x + residual), linear, nn.MultiheadAttention.

n, d = 7, 16
x, r = randn(n, d), randn(n, d)
ln = torch.nn.LayerNorm(d, eps=1e-5)
with torch.no_grad():
    ln.weight.copy_(t(1 + randn(d, scale=0.2)))
    ln.bias.copy_(t(randn(d, scale=0.1)))
    save("layernorm_x", x)
    save("layernorm_residual", r)
    save("layernorm_weight", ln.weight)
    save("layernorm_bias", ln.bias)
    save("layernorm_out", ln(t(x) + t(r)))

x, w, b = randn(7, 12), randn(9, 12, scale=12 ** -0.5), randn(9, scale=0.1)
save("linear_x", x)
save("linear_w", w)
save("linear_b", b)
save("linear_out", F.linear(t(x), t(w), t(b)))

d, heads, nq, nk = 16, 4, 11, 13
mha = torch.nn.MultiheadAttention(d, heads)
with torch.no_grad():
    mha.in_proj_weight.copy_(t(randn(3 * d, d, scale=d ** -0.5)))
    mha.in_proj_bias.copy_(t(randn(3 * d, scale=0.1)))
    mha.out_proj.weight.copy_(t(randn(d, d, scale=d ** -0.5)))
    mha.out_proj.bias.copy_(t(randn(d, scale=0.1)))
    q, k, v = randn(nq, d), randn(nk, d), randn(nk, d)
    qpos, kpos = randn(nq, d, scale=0.5), randn(nk, d, scale=0.5)
    # Sequence-first (L, N=1, E), as the module expects without batch_first.
    out, _ = mha(t(q + qpos)[:, None], t(k + kpos)[:, None], t(v)[:, None], need_weights=False)
    for suffix, a in (("query", q), ("key", k), ("value", v), ("query_pos", qpos), ("key_pos", kpos),
                      ("in_proj_weight", mha.in_proj_weight), ("in_proj_bias", mha.in_proj_bias),
                      ("out_proj_weight", mha.out_proj.weight), ("out_proj_bias", mha.out_proj.bias),
                      ("out", out[:, 0])):
        save("mha_" + suffix, a)

total = sum(size for _, _, size in written)
print(f"wrote {len(written)} arrays ({total} bytes) to {OUT}")
