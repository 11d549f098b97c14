#!/usr/bin/env python3
"""Writes the bundled sample images into tools/samples/ (run once; the outputs are committed).

Content photos are copied (downscaled to 384 px on the long side) from the scikit-image wheel's
data folder (`pip install scikit-image pillow`): astronaut.png (NASA, public domain), coffee.png
and chelsea.png (CC0). Style images are drawn here procedurally (CC0, made for this project):
strokes.png (bold coloured brush strokes), mosaic.png (stained-glass tiles with dark leading).
"""
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")


def copy_photos():
    import skimage
    for name in ("astronaut.png", "coffee.png", "chelsea.png"):
        img = Image.open(os.path.join(skimage.data_dir, name)).convert("RGB")
        img.thumbnail((384, 384), Image.LANCZOS)
        img.save(os.path.join(OUT, name), optimize=True)


def strokes(size=384, seed=3):
    """Thick curved strokes in a warm/cool palette over a textured ground."""
    rng = np.random.default_rng(seed)
    palette = [(230, 180, 40), (200, 60, 30), (30, 70, 150), (20, 120, 140), (240, 230, 200), (40, 30, 60)]
    img = Image.new("RGB", (size, size), (60, 80, 120))
    draw = ImageDraw.Draw(img)
    for _ in range(700):
        x, y = rng.uniform(0, size, 2)
        angle = rng.uniform(0, np.pi) if rng.random() < 0.3 else np.sin(y / 40) + 0.6
        length, width = rng.uniform(15, 45), int(rng.integers(4, 10))
        color = palette[rng.integers(len(palette))]
        jitter = tuple(int(np.clip(c + rng.integers(-25, 25), 0, 255)) for c in color)
        pts = [(x + t * length * np.cos(angle + 0.3 * np.sin(t * 3)), y + t * length * np.sin(angle + 0.3 * np.sin(t * 3)))
               for t in np.linspace(0, 1, 6)]
        draw.line(pts, fill=jitter, width=width, joint="curve")
    return img.filter(ImageFilter.SMOOTH)


def mosaic(size=384, seed=5, tiles=90):
    """Voronoi tiles in saturated colours separated by dark lines."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, size, (tiles, 2))
    colors = rng.choice(np.array([[200, 40, 40], [240, 190, 40], [40, 90, 190], [30, 150, 90], [220, 120, 30],
                                  [120, 40, 150], [235, 235, 220]]), tiles)
    y, x = np.mgrid[0:size, 0:size]
    d = (x[..., None] - centers[:, 0]) ** 2 + (y[..., None] - centers[:, 1]) ** 2
    order = np.argsort(d, axis=-1)
    nearest, second = order[..., 0], order[..., 1]
    d1 = np.sqrt(np.take_along_axis(d, nearest[..., None], -1)[..., 0])
    d2 = np.sqrt(np.take_along_axis(d, second[..., None], -1)[..., 0])
    img = colors[nearest].astype(np.float32) * (0.85 + 0.15 * rng.random((size, size, 1)))
    img[(d2 - d1) < 3.0] = (25, 20, 20)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    copy_photos()
    strokes().save(os.path.join(OUT, "strokes.png"), optimize=True)
    mosaic().save(os.path.join(OUT, "mosaic.png"), optimize=True)
    print("wrote", sorted(os.listdir(OUT)))
