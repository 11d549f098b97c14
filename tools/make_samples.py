#!/usr/bin/env python3
"""Writes the sample images into tools/samples/ and the service's bundled styles into
Sources/StyleServer/Styles/ (run once; the outputs are committed).

Content photos are copied (downscaled to 384 px on the long side) from the scikit-image wheel's
data folder (`pip install scikit-image pillow`): astronaut.png (NASA, public domain), coffee.png
and chelsea.png (CC0). Style images are drawn here procedurally (CC0, made for this project):
strokes.png (bold coloured brush strokes), mosaic.png (stained-glass tiles with dark leading).

`--styles-only` (numpy and Pillow only) writes just the bundled styles that `stylize serve` lists at
GET /v1/styles: strokes and mosaic from tools/samples/ plus waves, dots, marble and shards drawn here,
each as a 384 px JPEG and a 128 px thumbnail, with styles.json naming them.
"""
import argparse
import json
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")
STYLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Sources", "StyleServer", "Styles")


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


def waves(size=384, seed=7):
    """Layered breaking waves in indigo and foam white, after woodblock prints."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    palette = np.array([[18, 38, 88], [30, 70, 140], [70, 120, 180], [150, 190, 215], [245, 240, 225]], np.float32)
    img = np.zeros((size, size, 3), np.float32) + (235, 225, 200)
    for band in range(9):
        phase, freq, amp = rng.uniform(0, 2 * np.pi), rng.uniform(6, 14), rng.uniform(0.015, 0.04)
        crest = 0.08 + band * 0.105 + amp * np.sin(freq * x * np.pi + phase) + 0.5 * amp * np.sin(3.1 * freq * x + phase)
        below = y > crest
        shade = palette[band % 4] * (0.8 + 0.4 * (y - crest).clip(0, 0.1) / 0.1)[..., None]
        img = np.where(below[..., None], shade, img)
        foam = np.abs(y - crest) < 0.006 + 0.004 * np.sin(40 * x + phase)
        img[foam] = palette[4]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.SMOOTH)


def dots(size=384, seed=11, count=5000):
    """Pointillist discs whose colours follow a smooth sunset field."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (size, size), (245, 238, 220))
    draw = ImageDraw.Draw(img)
    for _ in range(count):
        x, y = rng.uniform(0, size, 2)
        u, v = x / size, y / size
        base = np.array([250 - 120 * v, 150 + 80 * np.sin(3 * u + 2 * v) - 90 * v, 60 + 170 * v * (0.6 + 0.4 * np.cos(5 * u))])
        color = tuple(int(c) for c in np.clip(base + rng.normal(0, 35, 3), 0, 255))
        r = rng.uniform(1.5, 4.0)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
    return img


def marble(size=384, seed=13):
    """Marbled paper: veins of sines bent twice by sums of random waves (domain warping)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size

    def waves_sum(u, v, count, spread):
        out = np.zeros_like(u)
        for _ in range(count):
            kx, ky, ph = rng.uniform(-spread, spread, 2).tolist() + [rng.uniform(0, 2 * np.pi)]
            out += np.sin(kx * u + ky * v + ph) / count
        return out

    warp = waves_sum(x, y, 10, 8)
    warp2 = waves_sum(x + 0.3 * warp, y - 0.3 * warp, 10, 18)
    t = 0.5 + 0.5 * np.sin(10 * (x + 0.7 * y) + 7 * warp + 3 * warp2)
    veins = np.abs(np.sin(23 * (x - 0.5 * y) + 12 * warp + 5 * warp2)) ** 0.3
    low, high = np.array([30, 55, 75], np.float32), np.array([225, 210, 180], np.float32)
    img = low + (high - low) * t[..., None]
    img = img * veins[..., None] + np.array([170, 70, 40], np.float32) * (1 - veins[..., None])
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def shards(size=384, seed=17, cells=14):
    """Low-poly triangles: a jittered grid split along diagonals, coloured from a cool-to-warm ramp."""
    rng = np.random.default_rng(seed)
    step = size / cells
    grid = np.array([[(i * step + rng.uniform(-0.35, 0.35) * step * (0 < i < cells),
                       j * step + rng.uniform(-0.35, 0.35) * step * (0 < j < cells)) for i in range(cells + 1)]
                     for j in range(cells + 1)])
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    ramp = np.array([[25, 40, 90], [40, 120, 150], [240, 200, 80], [220, 80, 50]], np.float32)
    for j in range(cells):
        for i in range(cells):
            a, b, c, d = grid[j, i], grid[j, i + 1], grid[j + 1, i], grid[j + 1, i + 1]
            for tri in ((a, b, d), (a, d, c)):
                cx, cy = np.mean(tri, axis=0) / size
                s = np.clip(0.5 * cx + 0.5 * cy + rng.normal(0, 0.08), 0, 0.999) * (len(ramp) - 1)
                k = int(s)
                color = ramp[k] + (ramp[k + 1] - ramp[k]) * (s - k)
                draw.polygon([tuple(p) for p in tri], fill=tuple(int(v) for v in color), outline=(15, 15, 25))
    return img


# The bundled styles: (name, title, image). Names are URL path segments: lower-case letters and digits.
def bundled_styles():
    return [
        ("strokes", "Brush strokes", Image.open(os.path.join(OUT, "strokes.png")).convert("RGB")),
        ("mosaic", "Stained glass", Image.open(os.path.join(OUT, "mosaic.png")).convert("RGB")),
        ("waves", "Woodblock waves", waves()),
        ("dots", "Pointillist dots", dots()),
        ("marble", "Marbled paper", marble()),
        ("shards", "Low-poly shards", shards()),
    ]


def write_styles():
    os.makedirs(STYLES, exist_ok=True)
    manifest = []
    for name, title, img in bundled_styles():
        img.save(os.path.join(STYLES, name + ".jpg"), quality=90, optimize=True)
        thumb = img.copy()
        thumb.thumbnail((128, 128), Image.LANCZOS)
        thumb.save(os.path.join(STYLES, name + ".thumb.jpg"), quality=80, optimize=True)
        manifest.append({"name": name, "title": title, "file": name + ".jpg", "thumbnail": name + ".thumb.jpg",
                         "width": img.width, "height": img.height, "license": "CC0 (procedural, tools/make_samples.py)"})
    with open(os.path.join(STYLES, "styles.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print("wrote", sorted(os.listdir(STYLES)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--styles-only", action="store_true", help="write only the bundled styles (numpy and Pillow)")
    args = parser.parse_args()
    if not args.styles_only:
        os.makedirs(OUT, exist_ok=True)
        copy_photos()
        strokes().save(os.path.join(OUT, "strokes.png"), optimize=True)
        mosaic().save(os.path.join(OUT, "mosaic.png"), optimize=True)
        print("wrote", sorted(os.listdir(OUT)))
    write_styles()
