#!/usr/bin/env python3
"""Reference values for the GramStyle Swift tests, computed with PyTorch autograd.

    python3 tools/gram_reference.py [-o Tests/GramStyleTests/Fixtures]

A VGG-19 is rebuilt here with the layer structure of Sources/GramStyle/VGG19.swift (conv1_1 …
conv5_1 with ReLUs and 2×2 max-pools, in the `normalised` layout: 1×1 preprocess conv, reflection
padding, ceil-mode pools; or the `torchvision` layout: ImageNet mean/std, zero padding, floor
pools). Its weights come from `seeded_tensor` (tools/stytr2_reference.py), the twin of the Swift
`SeededWeights.generate`, so no weights are committed: only small images, the cases (JSON) and
PyTorch's results (.npy):

- small network (widths 4/8/8/16/16), 32×40 content, 28×36 style, both layouts: every ReLU output
  for the content image; loss and image gradient of α·content + β·style (+ τ·TV) for each distance
  metric (float64 autograd);
- full-size VGG-19 (64/128/256/512/512) at 64×64, both layouts: loss and gradient (MSE);
- 10 steps of torch.optim.LBFGS (strong Wolfe and fixed step; max_iter=1 per step, float32) and
  of torch.optim.Adam on the small network: the loss after each step and the final image;
- Adam on a separable quadratic whose gradient is exact in float32, for a bit-level comparison;
- issue 19: the KL style metric, the normalised loss scale (each term divided by its target's
  magnitude) and the patch (MRF) style term, alone and mixed with the Gram term, on the small network
  (both layouts); and the patch term on bare feature maps (style stride 1 and 2).

Needs torch and numpy; CI does not run this script.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stytr2_reference import seeded_tensor  # noqa: E402

CONVS_PER_BLOCK = [2, 2, 4, 4, 1]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
SMALL = [4, 8, 8, 16, 16]
FULL = [64, 128, 256, 512, 512]
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT_LAYERS = ["relu4_2"]


def conv_list(widths):
    out, channels = [], 3
    for block, count in enumerate(CONVS_PER_BLOCK):
        for i in range(count):
            out.append((f"conv{block + 1}_{i + 1}", channels, widths[block], i == count - 1 and block < 4))
            channels = widths[block]
    return out


class VGG:
    """VGG-19 up to relu5_1; forward returns the requested ReLU outputs by name."""

    def __init__(self, widths, layout, seed, dtype):
        self.layout = layout
        t = lambda name, shape: torch.tensor(seeded_tensor(name, shape, seed), dtype=dtype)
        self.pre = (t("preprocess.weight", [3, 3, 1, 1]), t("preprocess.bias", [3])) if layout == "normalised" else None
        self.convs = [(name, t(f"{name}.weight", [o, i, 3, 3]), t(f"{name}.bias", [o]), pool)
                      for name, i, o, pool in conv_list(widths)]
        self.mean = torch.tensor(IMAGENET_MEAN, dtype=dtype).view(3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD, dtype=dtype).view(3, 1, 1)

    def forward(self, image, layers):
        x = image.unsqueeze(0)
        x = F.conv2d(x, *self.pre) if self.pre else (x - self.mean) / self.std
        out = {}
        deepest = max(i for i, c in enumerate(self.convs) if "relu" + c[0][4:] in layers)
        for i, (name, w, b, pool) in enumerate(self.convs[:deepest + 1]):
            if self.layout == "normalised":
                x = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), w, b)
            else:
                x = F.conv2d(x, w, b, padding=1)
            x = F.relu(x)
            relu = "relu" + name[4:]
            if relu in layers:
                out[relu] = x[0]
            if pool and i < deepest:
                x = F.max_pool2d(x, 2, 2, ceil_mode=self.layout == "normalised")
        return out


def gram(f):
    c = f.shape[0]
    m = f.reshape(c, -1)
    return m @ m.T / f.numel()


def distance(metric, a, b):
    if metric == "mse":
        return F.mse_loss(a, b)
    if metric == "l1":
        return F.l1_loss(a, b)
    if metric == "cosine":
        return 1 - (a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12)
    if metric == "frobenius":
        return torch.linalg.norm((a - b).flatten())
    if metric == "kl":
        # KL(b‖a) of a⁺ and b⁺ normalised to sum 1, each plus ε = 1e-6/n (DistanceMetric.kl).
        eps = 1e-6 / a.numel()
        u, v = a.clamp_min(0), b.clamp_min(0)
        q, p = u / u.sum() + eps, v / v.sum() + eps
        return (p * (p.log() - q.log())).sum()
    raise ValueError(metric)


def magnitude(metric, t):
    """What a target's term is divided by with the normalised loss scale (DistanceMetric.magnitude)."""
    m = {"mse": lambda: (t * t).mean(), "l1": lambda: t.abs().mean(), "frobenius": lambda: torch.linalg.norm(t.flatten()),
         "cosine": lambda: torch.tensor(1.0), "kl": lambda: torch.tensor(1.0)}[metric]()
    return m if float(m) > 0 else torch.tensor(1.0)


def style_patches(features, stride):
    """(Ns, C·9) 3×3 patches of each (C,H,W) map at positions 0, stride, 2·stride, … (PatchLoss.swift)."""
    return torch.cat([F.unfold(f[None], 3, stride=stride)[0].T for f in features])


def patch_loss(f, patches, normalized):
    """Li & Wand's term: mean ‖pᵢ − s_NN(i)‖² over the image's 3×3 patches, NN by normalised
    cross-correlation (style patches as conv filters), matches fixed (no gradient through argmax)."""
    c = f.shape[0]
    norms = patches.norm(dim=1)
    filters = patches / torch.where(norms > 0, norms, torch.ones_like(norms))[:, None]
    with torch.no_grad():
        match = F.conv2d(f[None], filters.view(-1, c, 3, 3))[0].flatten(1).argmax(0)
    image_patches = F.unfold(f[None], 3)[0]
    loss = ((image_patches - patches[match].T) ** 2).mean()
    return loss / (patches ** 2).mean() if normalized else loss


def total_variation(x):
    return ((x[:, 1:, :] - x[:, :-1, :]) ** 2).mean() + ((x[:, :, 1:] - x[:, :, :-1]) ** 2).mean()


class Objective:
    """α·Σ content + β·Σ w·style + τ·TV, exactly as GramObjective.swift."""

    def __init__(self, net, content, style, case):
        self.net, self.case = net, case
        self.content_layers = case.get("content_layers", CONTENT_LAYERS)
        kind = case.get("style_loss", "gram")
        self.style_layers = [] if kind == "mrf" else case.get("style_layers", [[n, 1.0] for n in STYLE_LAYERS])
        self.patch_layers = [] if kind == "gram" else case.get("mrf_layers", ["relu3_1", "relu4_1"])
        self.normalized = case.get("loss_scale", "tutorial") == "normalized"
        with torch.no_grad():
            self.targets = net.forward(content, set(self.content_layers))
            sf = net.forward(style, {n for n, _ in self.style_layers} | set(self.patch_layers))
            self.grams = {n: gram(sf[n]) for n, _ in self.style_layers}
            self.patches = {n: style_patches([sf[n]], case.get("mrf_stride", 2)) for n in self.patch_layers}
        self.layers = set(self.content_layers) | {n for n, _ in self.style_layers} | set(self.patch_layers)

    def scale(self, metric, target):
        return magnitude(metric, target) if self.normalized else 1.0

    def __call__(self, x):
        c = self.case
        f = self.net.forward(x, self.layers)
        cm, sm = c["content_metric"], c["style_metric"]
        content = sum(distance(cm, f[n], self.targets[n]) / self.scale(cm, self.targets[n]) for n in self.content_layers)
        style = sum(w * distance(sm, gram(f[n]), self.grams[n]) / self.scale(sm, self.grams[n]) for n, w in self.style_layers)
        loss = c["alpha"] * content + c["beta"] * style
        if self.patch_layers:
            loss = loss + c["mrf_weight"] * sum(patch_loss(f[n], self.patches[n], self.normalized) for n in self.patch_layers)
        if c.get("tv", 0):
            loss = loss + c["tv"] * total_variation(x)
        return loss


def smooth_image(rng, h, w):
    """A smooth random RGB image in [0,1]: a few blobs and gradients, no flat regions."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((3, h, w))
    for ch in range(3):
        for _ in range(4):
            cy, cx, s, a = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(3, 12), rng.uniform(-1, 1)
            img[ch] += a * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
        img[ch] += rng.uniform(-0.3, 0.3) * xx / w + rng.uniform(-0.3, 0.3) * yy / h
    img += 0.05 * rng.standard_normal(img.shape)
    img = (img - img.min()) / (img.max() - img.min())
    return img.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "GramStyleTests", "Fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    def save(name, array):
        np.save(os.path.join(args.out, name + ".npy"), np.ascontiguousarray(np.asarray(array, dtype=np.float32)))

    rng = np.random.default_rng(7)
    content, style, start = smooth_image(rng, 32, 40), smooth_image(rng, 28, 36), smooth_image(rng, 32, 40)
    start = (0.5 * content + 0.5 * start).astype(np.float32)  # near the content, but not on it
    for name, img in [("content", content), ("style", style), ("start", start)]:
        save(name, img)
    big_content, big_style = smooth_image(rng, 64, 64), smooth_image(rng, 64, 64)
    big_start = (0.5 * big_content + 0.5 * smooth_image(rng, 64, 64)).astype(np.float32)
    for name, img in [("full_content", big_content), ("full_style", big_style), ("full_start", big_start)]:
        save(name, img)

    seed = 11
    cases = {"seed": seed, "small_widths": SMALL, "full_widths": FULL, "gradient_cases": [], "optimiser_cases": []}
    all_relus = ["relu" + n[4:] for n, *_ in conv_list(SMALL)]
    for layout in ["normalised", "torchvision"]:
        net64 = VGG(SMALL, layout, seed, torch.float64)
        x64 = lambda a: torch.tensor(a, dtype=torch.float64)
        acts = net64.forward(x64(content), set(all_relus))
        for n in all_relus:
            save(f"small_{layout}_{n}", acts[n].numpy())
        # β puts the style term on the same order as the content term for these random networks.
        beta = 1e2 if layout == "normalised" else 1e4
        for metric in ["mse", "l1", "cosine", "frobenius"]:
            case = {"name": f"small_{layout}_{metric}", "widths": "small", "layout": layout, "alpha": 1.0,
                    "beta": beta if metric in ("mse", "l1") else 1.0, "content_metric": metric, "style_metric": metric,
                    "tv": 0.5 if metric == "mse" else 0.0, "image": "start", "content": "content", "style": "style"}
            if metric == "l1":
                case["content_layers"] = ["relu3_2", "relu4_2"]
                case["style_layers"] = [["relu1_1", 0.5], ["relu2_1", 1.0], ["relu3_1", 2.0], ["relu4_2", 1.0]]
            run_gradient_case(case, net64, content, style, start, save, cases)
        # Issue 19: KL style metric, normalised loss scale, patch term (alone, and mixed with Gram).
        common = {"widths": "small", "layout": layout, "alpha": 1.0, "content_metric": "mse", "style_metric": "mse",
                  "tv": 0.0, "image": "start", "content": "content", "style": "style"}
        for case in [{**common, "name": f"small_{layout}_kl", "beta": 10.0, "style_metric": "kl"},
                     {**common, "name": f"small_{layout}_mse_normalized", "beta": 1e3, "loss_scale": "normalized"},
                     {**common, "name": f"small_{layout}_kl_normalized", "beta": 10.0, "style_metric": "kl",
                      "content_metric": "l1", "loss_scale": "normalized"},
                     {**common, "name": f"small_{layout}_mrf", "beta": 0.0, "style_loss": "mrf", "mrf_weight": 5.0,
                      "mrf_layers": ["relu3_1", "relu4_1"], "mrf_stride": 1, "loss_scale": "normalized"},
                     {**common, "name": f"small_{layout}_both", "beta": beta, "style_loss": "both", "mrf_weight": 1e2,
                      "mrf_layers": ["relu2_1", "relu3_1"], "mrf_stride": 2}]:
            run_gradient_case(case, net64, content, style, start, save, cases)
        net64 = VGG(FULL, layout, seed, torch.float64)
        case = {"name": f"full_{layout}_mse", "widths": "full", "layout": layout, "alpha": 1.0,
                "beta": 1e2 if layout == "normalised" else 1e4, "content_metric": "mse", "style_metric": "mse",
                "tv": 0.0, "image": "full_start", "content": "full_content", "style": "full_style"}
        run_gradient_case(case, net64, big_content, big_style, big_start, save, cases)

    # Optimisers on the small network, float32 as PyTorch runs them.
    layout = "torchvision"
    net32 = VGG(SMALL, layout, seed, torch.float32)
    case = {"layout": layout, "alpha": 1.0, "beta": 1e4, "content_metric": "mse", "style_metric": "mse", "tv": 0.0}
    objective = Objective(net32, torch.tensor(content), torch.tensor(style), case)
    # L-BFGS: the loss after k iterations is the result of a fresh step(closure) with max_iter = k; with
    # the same max_eval every run follows the same path, so these are the losses after each iteration.
    runs = [("lbfgs_strong_wolfe", {"line_search_fn": "strong_wolfe", "max_eval": 1000}),
            ("lbfgs_fixed_step", {"lr": 0.25, "max_eval": 1000})]
    for name, kwargs in runs:
        losses = []
        for k in range(1, 11):
            x = torch.tensor(start).requires_grad_(True)
            opt = torch.optim.LBFGS([x], max_iter=k, **kwargs)
            opt.step(lambda: closure(opt, objective, x))
            with torch.no_grad():
                losses.append(float(objective(x)))
        save(f"{name}_final", x.detach().numpy())
        cases["optimiser_cases"].append({"name": name, **case, **kwargs, "iterations": 10, "losses": losses})
        print(name, ["%.6g" % v for v in losses])
    # PyTorch's default evaluation budget (max_iter·5/4) with strong Wolfe: only the final state.
    x = torch.tensor(start).requires_grad_(True)
    opt = torch.optim.LBFGS([x], max_iter=10, line_search_fn="strong_wolfe")
    opt.step(lambda: closure(opt, objective, x))
    with torch.no_grad():
        losses = [float(objective(x))]
    save("lbfgs_default_budget_final", x.detach().numpy())
    cases["optimiser_cases"].append({"name": "lbfgs_default_budget", **case, "line_search_fn": "strong_wolfe",
                                     "iterations": 10, "losses": losses, "func_evals": opt.state[x]["func_evals"]})
    print("lbfgs_default_budget", losses, opt.state[x]["func_evals"])
    # Adam: 10 steps, the loss after each.
    x = torch.tensor(start).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=0.01)
    losses = []
    for _ in range(10):
        closure(opt, objective, x)
        opt.step()
        with torch.no_grad():
            losses.append(float(objective(x)))
    save("adam_final", x.detach().numpy())
    cases["optimiser_cases"].append({"name": "adam", **case, "lr": 0.01, "iterations": 10, "losses": losses})
    print("adam", ["%.6g" % v for v in losses])

    # Adam on f(x) = Σ c·(x − t)²/2, gradient c·(x − t): exact in float32 on both sides.
    qr = np.random.default_rng(3)
    c, t, x0 = [qr.uniform(lo, hi, 257).astype(np.float32) for lo, hi in [(0.1, 10), (-1, 1), (-1, 1)]]
    x = torch.tensor(x0.copy(), requires_grad=True)
    opt = torch.optim.Adam([x], lr=0.05)
    for _ in range(25):
        x.grad = torch.tensor(c) * (x.detach() - torch.tensor(t))
        opt.step()
    save("adam_quadratic", np.stack([c, t, x0, x.detach().numpy()]))

    # The patch term on bare feature maps (ReLU-like: half the values 0), style stride 1 and 2, both scales.
    fr = np.random.default_rng(5)
    f_map = np.maximum(fr.standard_normal((5, 9, 11)), 0).astype(np.float32)
    s_map = np.maximum(fr.standard_normal((5, 8, 10)) + 0.2, 0).astype(np.float32)
    save("mrf_features", f_map)
    save("mrf_style", s_map)
    cases["mrf_cases"] = []
    for stride in [1, 2]:
        for scale in ["tutorial", "normalized"]:
            f = torch.tensor(f_map, dtype=torch.float64, requires_grad=True)
            patches = style_patches([torch.tensor(s_map, dtype=torch.float64)], stride)
            loss = patch_loss(f, patches, scale == "normalized")
            loss.backward()
            name = f"mrf_stride{stride}_{scale}"
            save(name + "_gradient", f.grad.numpy())
            cases["mrf_cases"].append({"name": name, "stride": stride, "loss_scale": scale, "loss": loss.item()})
            print(name, "loss %.8g" % float(loss))

    with open(os.path.join(args.out, "gram_cases.json"), "w") as f:
        json.dump(cases, f, indent=1)


def closure(opt, objective, x):
    opt.zero_grad()
    loss = objective(x)
    loss.backward()
    return loss


def run_gradient_case(case, net, content, style, start, save, cases):
    x64 = lambda a: torch.tensor(a, dtype=torch.float64)
    objective = Objective(net, x64(content), x64(style), case)
    x = x64(start).requires_grad_(True)
    loss = objective(x)
    loss.backward()
    case["loss"] = loss.item()
    save(case["name"] + "_gradient", x.grad.numpy())
    cases["gradient_cases"].append(case)
    print(case["name"], "loss %.8g" % float(loss), "|grad|max %.4g" % float(x.grad.abs().max()))


if __name__ == "__main__":
    main()
