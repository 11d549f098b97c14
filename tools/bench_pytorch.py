#!/usr/bin/env python3
"""The PyTorch side of tools/bench.sh: the same work as `stylize bench`, timed in PyTorch (CPU).

    python3 tools/bench_pytorch.py stytr2 --size 512 [--official PATH]
    python3 tools/bench_pytorch.py gram --size 512 [--steps 5]

stytr2: one forward pass at official dimensions with the seeded weights of the Swift bench,
using the official modules when --official names their code, else the equal stand-in of
tools/stytr2_reference.py. gram: VGG-19 to relu5_1 (seeded, vgg_normalised layout), Gatys loss
(content relu4_2, Gram at relu1_1…relu5_1), torch.optim.LBFGS(max_iter=1) steps; prints the mean
seconds per step. Prints one JSON line: {"seconds": …, "peak_rss_mb": …}.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stytr2_reference as ref  # noqa: E402


def bench_stytr2(size, official):
    if official:
        sys.path.insert(0, ref.official_checkout(official))
        import models.transformer as transformer_module
    else:
        transformer_module = ref.plain_transformer_module(torch, nn)
    cfg = dict(ref.CONFIGS["full"], seed=2022)
    embedding, trans, cnn = ref.build(torch, nn, transformer_module, cfg)
    rng = np.random.default_rng(0)
    c, s = (torch.from_numpy(ref.test_image(rng, size, size))[None] for _ in range(2))
    with torch.no_grad():
        t0 = time.time()
        ref.forward(torch, F, embedding, trans, cnn, c, s, 8)
        return time.time() - t0


def bench_gram(size, steps):
    import gram_reference as gram
    vgg = gram.VGG(gram.FULL, "normalised", 2022, torch.float32)
    rng = np.random.default_rng(0)
    content = torch.from_numpy(ref.test_image(rng, size, size))
    style = torch.from_numpy(ref.test_image(rng, size, size))
    style_layers, content_layers = gram.STYLE_LAYERS, gram.CONTENT_LAYERS
    with torch.no_grad():
        target_c = vgg.forward(content, set(content_layers))
        target_g = {k: gram_matrix(v) for k, v in vgg.forward(style, set(style_layers)).items()}
    image = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([image], max_iter=1)

    def closure():
        opt.zero_grad()
        feats = vgg.forward(image, set(style_layers) | set(content_layers))
        loss = sum(F.mse_loss(feats[k], target_c[k]) for k in content_layers)
        loss = loss + 1e3 * sum(F.mse_loss(gram_matrix(feats[k]), target_g[k]) for k in style_layers)
        loss.backward()
        return loss

    opt.step(closure)  # warm-up
    t0 = time.time()
    for _ in range(steps):
        opt.step(closure)
    return (time.time() - t0) / steps


def gram_matrix(f):
    c = f.shape[0]
    x = f.reshape(c, -1)
    return x @ x.t() / x.numel()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", choices=["stytr2", "gram"])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--official", default=os.environ.get("STYTR2_OFFICIAL"))
    args = ap.parse_args()
    seconds = bench_stytr2(args.size, args.official) if args.work == "stytr2" else bench_gram(args.size, args.steps)
    print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
