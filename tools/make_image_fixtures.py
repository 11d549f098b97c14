#!/usr/bin/env python3
"""Makes the tiny JPEG fixtures that StyleIO's tests cannot produce with the engine's own encoder
(grayscale, progressive, Adobe CMYK), and prints them as Swift base64 literals to paste into
Tests/StyleIOTests/ImageFileTests.swift (enum JPEGFixtures). Needs Pillow; run once:

    python3 tools/make_image_fixtures.py

Every image is 16×16 made of flat 8×8 blocks, so JPEG's error away from block edges is tiny and
the tests can compare block centres with a small tolerance.
"""
import base64
import io

from PIL import Image


def quadrants(mode, tl, tr, bl, br):
    img = Image.new(mode, (16, 16))
    for y in range(16):
        for x in range(16):
            img.putpixel((x, y), (tl, tr, bl, br)[(y >= 8) * 2 + (x >= 8)])
    return img


def jpeg(img, **options):
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95, **options)
    return buffer.getvalue()


fixtures = {
    # Left half 64, right half 192 (one component, no colour conversion).
    "gray": jpeg(quadrants("L", 64, 192, 64, 192)),
    # Red, green / blue, white, 4:4:4, progressive scans.
    "progressive": jpeg(quadrants("RGB", (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)),
                        progressive=True, subsampling=0),
    # Cyan, magenta / yellow, 50% black ink. Pillow writes CMYK with an Adobe APP14 marker and
    # inverted values, as Photoshop does.
    "cmyk": jpeg(quadrants("CMYK", (255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 128))),
}

for name, data in fixtures.items():
    assert len(data) < 10_000, name
    print(f'    static let {name} = "{base64.b64encode(data).decode()}"')
