#!/usr/bin/env python3
"""End-to-end check of the transformer mode against PyTorch, from official-format checkpoints.

    python3 tools/check_stytr2_checkpoint.py --official PATH [--legacy] [--sizes 512x512,384x640]

1. Builds the official StyTr² modules (PATH: checkout or bare git dir of the official code) at
   full size with seeded random weights and saves them under the official file
   names (embedding_/transformer_/decoder_iter_160000.pth; --legacy: pre-1.6 pickle format).
2. Converts them with tools/convert_weights.py stytr2 --from DIR.
3. For each size, runs `stylize --mode transformer --style-size 0` on .npy inputs and compares
   the .npy output with PyTorch's: max |ours − ref| ≤ 1e-4 · max |ref|. Prints time and peak RSS
   of both (same machine, same run).
Needs torch; not run in CI (the committed parity fixtures cover CI).
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stytr2_reference as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official", required=True)
    ap.add_argument("--legacy", action="store_true", help="save checkpoints in the legacy (non-zip) format")
    ap.add_argument("--sizes", default="512x512,384x640", help="HxW list")
    ap.add_argument("--stylize", default=os.path.join(HERE, "..", ".build", "release", "stylize"))
    args = ap.parse_args()
    import torch
    import torch.nn.functional as F
    from torch import nn

    sys.path.insert(0, ref.official_checkout(args.official))
    import models.transformer as transformer_module

    torch.set_grad_enabled(False)
    # The official modules, with seeded weights (PyTorch's default init makes a near-constant
    # output, which would make the comparison weak).
    embedding, trans, cnn = ref.build(torch, nn, transformer_module, ref.CONFIGS["full"])

    work = tempfile.mkdtemp(prefix="stytr2-check-")
    zip_format = not args.legacy
    torch.save({"proj." + k: v for k, v in embedding.state_dict().items()}, os.path.join(work, "embedding_iter_160000.pth"),
               _use_new_zipfile_serialization=zip_format)
    torch.save(trans.state_dict(), os.path.join(work, "transformer_iter_160000.pth"), _use_new_zipfile_serialization=zip_format)
    torch.save(cnn.state_dict(), os.path.join(work, "decoder_iter_160000.pth"), _use_new_zipfile_serialization=zip_format)
    weights = os.path.join(work, "stytr2.safetensors")
    subprocess.run([sys.executable, os.path.join(HERE, "convert_weights.py"), "stytr2", "--from", work, "-o", weights], check=True)

    rng = np.random.default_rng(5)
    ok = True
    for size in args.sizes.split(","):
        h, w = map(int, size.split("x"))
        content, style = ref.test_image(rng, h, w), ref.test_image(rng, h, w)
        paths = {k: os.path.join(work, f"{k}_{h}x{w}.npy") for k in ("content", "style", "out")}
        np.save(paths["content"], content)
        np.save(paths["style"], style)
        t0 = time.time()
        stages, _ = ref.forward(torch, F, embedding, trans, cnn, torch.from_numpy(content)[None], torch.from_numpy(style)[None], 8)
        torch_seconds = time.time() - t0
        expected = stages["output"].numpy()
        t0 = time.time()
        run = subprocess.run(["/usr/bin/time", "-f", "%M", args.stylize, paths["content"], paths["style"], "-o", paths["out"],
                              "--mode", "transformer", "--weights", weights, "--style-size", "0", "-q"],
                             capture_output=True, text=True)
        ours_seconds = time.time() - t0
        if run.returncode != 0:
            print(f"{h}x{w}: stylize failed: {run.stderr.strip()}")
            ok = False
            continue
        rss_mb = int(run.stderr.strip().splitlines()[-1]) / 1024
        ours = np.load(paths["out"])
        err, scale = float(np.abs(ours - expected).max()), float(np.abs(expected).max())
        passed = err <= 1e-4 * scale
        ok &= passed
        print(f"{h}x{w} ({'legacy' if args.legacy else 'zip'} checkpoints): max error {err:.3g} vs scale {scale:.3g} "
              f"({'PASS' if passed else 'FAIL'}); stylize {ours_seconds:.2f} s, {rss_mb:.0f} MB peak; "
              f"PyTorch {torch_seconds:.2f} s (process peak so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
