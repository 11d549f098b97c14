#!/usr/bin/env python3
"""Temporal figures of stylised clips against the plain per-frame result (numpy only; ffmpeg decodes).

    python3 tools/video_metrics.py INPUT_CLIP PLAIN_FRAMES_DIR [OTHER_FRAMES_DIR …]

Frame directories hold .npy frames (3,H,W) float32 in [0,1] written by `stylize video … -o DIR/%04d.npy`.
For each directory, one markdown table row:
- flicker: Σ|out_t − out_{t−1}| / Σ|in_t − in_{t−1}| (the figure `stylize video` prints, recomputed here),
- still flicker / moving flicker: the same ratio restricted to pixels whose input changed by < 0.02 /
  ≥ 0.1 (per channel, max) between the two frames,
- sharpness: mean |∇out| (horizontal + vertical differences) relative to the plain frames' (1 = as sharp),
- lag in moving pixels: mean |out − plain| ×255 where the input changed by ≥ 0.1 (trails, ghosting;
  0 for plain).
"""
import os
import subprocess
import sys

import numpy as np


def input_frames(clip, h, w):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-noautorotate", "-i", clip, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3).astype(np.float32) / 255
    return frames.transpose(0, 3, 1, 2)


def load(directory):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".npy"))
    return np.stack([np.load(os.path.join(directory, n)) for n in names])


def sharpness(frames):
    return float(np.abs(np.diff(frames, axis=3)).mean() + np.abs(np.diff(frames, axis=2)).mean())


def main(argv):
    clip, plain_dir, *others = argv
    plain = load(plain_dir)
    inputs = input_frames(clip, plain.shape[2], plain.shape[3])[: len(plain)]
    din = np.abs(np.diff(inputs, axis=0))
    change = din.max(axis=1, keepdims=True)
    still, moving = change < 0.02, change >= 0.1
    print("| frames | flicker | still flicker | moving flicker | sharpness | lag in moving pixels (/255) |")
    print("|---|---|---|---|---|---|")
    for directory in [plain_dir] + others:
        out = load(directory)
        dout = np.abs(np.diff(out, axis=0))
        ratio = lambda mask: float((dout * mask).sum() / max((din * mask).sum(), 1e-12))
        lag = float((np.abs(out[1:] - plain[1:]) * moving).sum() / max(moving.sum() * 3, 1) * 255)
        print(f"| {os.path.basename(directory.rstrip('/'))} | {dout.sum() / din.sum():.3f} | {ratio(still):.3f} | {ratio(moving):.3f} "
              f"| {sharpness(out) / sharpness(plain):.3f} | {lag:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
