#!/usr/bin/env python3
"""Makes the image fixtures that StyleIO's tests cannot produce with the engine's own encoders.

    python3 tools/make_image_fixtures.py jpeg       # prints the JPEG literals of ImageFileTests.swift
    python3 tools/make_image_fixtures.py formats    # rewrites Tests/ImageFixtures/formats/

`jpeg`: tiny grayscale, progressive and Adobe CMYK JPEGs, printed as Swift base64 literals to paste
into Tests/StyleIOTests/ImageFileTests.swift (enum JPEGFixtures). Every image is 16×16 made of flat
8×8 blocks, so JPEG's error away from block edges is tiny.

`formats`: one small file per case of each read-only format (WebP, HEIC, AVIF, TIFF, GIF, BMP), made
by the formats' own tools (cwebp, heif-enc, ImageMagick's convert) or Pillow, each with a reference
NAME.npy, (3,H,W) float32 in [0,1]: the file decoded by Pillow (pillow-heif for HEIC; Pillow's own
AVIF plugin for AVIF, as pillow-heif's wheels carry no AV1 decoder), EXIF orientation applied by
ImageOps.exif_transpose where the format carries one, alpha composited over white as
c·a + (1 − a). Cases Pillow cannot read at full precision (48-bit RGB TIFF) are written here and
their reference is the source samples. manifest.json lists each file, its reference and the
tolerance the Swift test allows (in 8-bit levels; 0 means equal up to float rounding), with why.
Needs Pillow, pillow-heif and numpy (pip install pillow pillow-heif numpy) and the Debian packages
webp, libheif-examples and imagemagick; CI never runs this.
"""
import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ImageFixtures", "formats")


# MARK: - JPEG literals


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


def print_jpeg_literals():
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


# MARK: - Sources

W, H = 12, 8  # not square, so a missed or doubled rotation changes the shape


def rgb_source(w=W, h=H):
    """Every pixel distinct: red across, green down, blue from both."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x * 37 + y * 91) % 256], axis=-1).astype(np.uint8)


def alpha_source(w=W, h=H):
    """Opaque left column to transparent right column, so every compositing weight appears."""
    y, x = np.mgrid[0:h, 0:w]
    return (255 - x * 255 // (w - 1)).astype(np.uint8)


def rgba_image():
    return Image.fromarray(np.dstack([rgb_source(), alpha_source()]), "RGBA")


def exif_orientation(o):
    exif = Image.Exif()
    exif[0x0112] = o
    return exif.tobytes()


# MARK: - References


def over_white(im):
    """(3,H,W) float32 of a Pillow image: RGB, alpha over white in float64 (as the decoders do in float32)."""
    if im.mode == "I;16":
        v = np.asarray(im, dtype=np.float64) / 65535.0
        return np.stack([v, v, v]).astype(np.float32)
    rgba = np.asarray(im.convert("RGBA"), dtype=np.float64) / 255.0
    c, a = rgba[..., :3], rgba[..., 3:]
    return np.transpose(c * a + (1.0 - a), (2, 0, 1)).astype(np.float32)


def pillow_reference(path, transpose=True):
    with Image.open(path) as im:
        im.seek(0)
        im.load()
        if transpose:
            im = ImageOps.exif_transpose(im)
        return over_white(im)


def heif_reference(path):
    # pillow-heif applies irot/imir itself and resets the EXIF orientation to 1: no exif_transpose.
    with Image.open(path) as im:
        im.load()
        return over_white(im)


# MARK: - Writers


CONVERT = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") else "convert"  # Debian's ImageMagick


def run(*command):
    command = [CONVERT if command[0] == "convert" else command[0], *command[1:]]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tiff_48bit(path, samples, orientation):
    """An uncompressed big-endian 16-bit RGB TIFF, one strip, with an orientation tag (Pillow writes
    no 48-bit RGB): header, pixel data, then one IFD."""
    h, w, _ = samples.shape
    pixels = samples.astype(">u2").tobytes()
    entries = [  # tag, type (3 SHORT, 4 LONG), count, value
        (256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, 8), (274, 3, 1, orientation), (277, 3, 1, 3), (278, 4, 1, h), (279, 4, 1, len(pixels)),
    ]
    ifd_at = 8 + len(pixels)
    bits_at = ifd_at + 2 + 12 * len(entries) + 4
    out = b"MM\x00\x2a" + struct.pack(">I", ifd_at) + pixels + struct.pack(">H", len(entries))
    for tag, kind, count, value in entries:
        if value is None:
            out += struct.pack(">HHII", tag, kind, count, bits_at)
        elif kind == 3:
            out += struct.pack(">HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack(">HHII", tag, kind, count, value)
    out += struct.pack(">I", 0) + struct.pack(">HHH", 16, 16, 16)
    with open(path, "wb") as f:
        f.write(out)


def set_heif_exif_orientation(path, orientation):
    """Rewrites the EXIF orientation inside a HEIF file's Exif item in place (same length), so a
    file carries irot and EXIF orientation both, as phone photos do."""
    data = bytearray(open(path, "rb").read())
    for sig, fmt in ((b"MM\x00\x2a", ">"), (b"II\x2a\x00", "<")):
        at = data.find(sig)
        if at < 0:
            continue
        ifd = at + struct.unpack(fmt + "I", data[at + 4:at + 8])[0]
        for i in range(struct.unpack(fmt + "H", data[ifd:ifd + 2])[0]):
            e = ifd + 2 + 12 * i
            if struct.unpack(fmt + "H", data[e:e + 2])[0] == 0x0112:
                data[e + 8:e + 10] = struct.pack(fmt + "H", orientation)
                open(path, "wb").write(bytes(data))
                return
    raise SystemExit(f"{path}: no EXIF orientation to rewrite")


# MARK: - Fixtures


def make_formats():
    import pillow_heif

    pillow_heif.register_heif_opener()  # HEIC only: Pillow's own plugin reads AVIF
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    tmp = tempfile.mkdtemp()
    rgb_png = os.path.join(tmp, "rgb.png")
    rgba_png = os.path.join(tmp, "rgba.png")
    Image.fromarray(rgb_source()).save(rgb_png)
    rgba_image().save(rgba_png)
    manifest = []

    def add(name, reference, tolerance=0, why="lossless: equal"):
        np.save(os.path.join(OUT, os.path.splitext(name)[0] + ".npy"), np.ascontiguousarray(reference, dtype=np.float32))
        manifest.append({"file": name, "reference": os.path.splitext(name)[0] + ".npy", "tolerance": tolerance, "why": why})

    def path(name):
        return os.path.join(OUT, name)

    def pillow_save(name, im, fmt, **options):
        im.save(path(name), fmt, **options)
        return path(name)

    # WebP: cwebp for the still files, Pillow for EXIF and animation.
    run("cwebp", "-quiet", "-lossless", "-exact", rgb_png, "-o", path("webp-lossless.webp"))
    add("webp-lossless.webp", pillow_reference(path("webp-lossless.webp")))
    run("cwebp", "-quiet", "-q", "80", rgb_png, "-o", path("webp-lossy.webp"))
    add("webp-lossy.webp", pillow_reference(path("webp-lossy.webp")), 1,
        "lossy: the same VP8 bitstream decoded by this libwebp and Pillow's; YUV to RGB may round apart")
    run("cwebp", "-quiet", "-lossless", "-exact", rgba_png, "-o", path("webp-alpha.webp"))
    add("webp-alpha.webp", pillow_reference(path("webp-alpha.webp")))
    pillow_save("webp-exif6.webp", Image.fromarray(rgb_source()), "WEBP", lossless=True, exact=True, exif=exif_orientation(6))
    add("webp-exif6.webp", pillow_reference(path("webp-exif6.webp")))
    frames = [Image.fromarray(rgb_source()), Image.fromarray(255 - rgb_source())]
    pillow_save("webp-animated.webp", frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True, duration=100)
    add("webp-animated.webp", pillow_reference(path("webp-animated.webp")), 0, "lossless: equal (the first frame)")

    # HEIC: heif-enc for a plain file; pillow-heif for irot (with EXIF orientation 6 beside it) and alpha.
    heic_why = "lossy: the same HEVC bitstream decoded by this libheif/libde265 and pillow-heif's; YUV to RGB may round apart"
    run("heif-enc", "-q", "90", rgb_png, "-o", path("heic-plain.heic"))
    add("heic-plain.heic", heif_reference(path("heic-plain.heic")), 2, heic_why)
    pillow_save("heic-irot.heic", Image.fromarray(rgb_source()), "HEIF", quality=90, exif=exif_orientation(6))
    set_heif_exif_orientation(path("heic-irot.heic"), 6)
    add("heic-irot.heic", heif_reference(path("heic-irot.heic")), 2, heic_why + "; irot applied once, EXIF orientation not")
    pillow_save("heic-alpha.heic", rgba_image(), "HEIF", quality=90)
    add("heic-alpha.heic", heif_reference(path("heic-alpha.heic")), 2, heic_why)

    # 10-bit HEIC from a 16-bit PNG (heif-enc's 10-bit AVIF trips an assertion in Debian 12's libaom).
    deep_png = os.path.join(tmp, "deep.png")
    run("convert", rgb_png, "-depth", "16", "PNG48:" + deep_png)
    run("heif-enc", "-q", "90", "-b", "10", deep_png, "-o", path("heic-10bit.heic"))
    add("heic-10bit.heic", heif_reference(path("heic-10bit.heic")), 3,
        heic_why + "; pillow-heif rounds 10 bits to 8 (half a level more), the decoder keeps 10")

    # AVIF: heif-enc (libaom), with and without alpha, 4:4:4: libheif 1.15 upsamples 4:2:0 chroma by
    # repetition and libavif bilinearly, 30+ levels apart on these pixels (each equally far from the source).
    avif_why = ("lossy: the same AV1 bitstream (4:4:4) decoded by this libheif (dav1d) and Pillow's libavif; "
                "YUV to RGB may round apart")
    run("heif-enc", "-q", "90", "-p", "chroma=444", rgb_png, "-o", path("avif-plain.avif"))
    add("avif-plain.avif", pillow_reference(path("avif-plain.avif")), 2, avif_why)
    run("heif-enc", "-q", "90", "-p", "chroma=444", rgba_png, "-o", path("avif-alpha.avif"))
    add("avif-alpha.avif", pillow_reference(path("avif-alpha.avif")), 2, avif_why)

    # TIFF: Pillow (strips, LZW), ImageMagick (planar, tiled, CMYK), a hand-written 48-bit RGB file.
    rgb = Image.fromarray(rgb_source())
    pillow_save("tiff-rgb8-lzw.tif", rgb, "TIFF", compression="tiff_lzw")
    add("tiff-rgb8-lzw.tif", pillow_reference(path("tiff-rgb8-lzw.tif")))
    gray16 = Image.fromarray(((rgb_source()[..., 0].astype(np.uint16) * 257) ^ 0x00A5).astype(np.uint16))  # mode I;16
    pillow_save("tiff-gray16.tif", gray16, "TIFF")
    add("tiff-gray16.tif", pillow_reference(path("tiff-gray16.tif")), 0, "lossless: equal at 16 bits")
    pillow_save("tiff-rgba8.tif", rgba_image(), "TIFF", compression="tiff_deflate")
    add("tiff-rgba8.tif", pillow_reference(path("tiff-rgba8.tif")))
    pillow_save("tiff-cmyk.tif", rgb.convert("CMYK"), "TIFF")
    add("tiff-cmyk.tif", pillow_reference(path("tiff-cmyk.tif")), 1,
        "CMYK to RGB: Pillow rounds (1 − C)(1 − K) to 8 bits, the decoder keeps it in float")
    pillow_save("tiff-orient6.tif", rgb, "TIFF", tiffinfo={274: 6})
    add("tiff-orient6.tif", pillow_reference(path("tiff-orient6.tif")))
    pillow_save("tiff-palette-orient3.tif", rgb.quantize(16), "TIFF", tiffinfo={274: 3})
    add("tiff-palette-orient3.tif", pillow_reference(path("tiff-palette-orient3.tif")), 0,
        "lossless: equal (libtiff's RGBA reader, rows as stored, then orientation)")
    run("convert", rgb_png, "-interlace", "plane", "-compress", "none", "tiff:" + path("tiff-planar.tif"))
    add("tiff-planar.tif", pillow_reference(path("tiff-planar.tif")))
    run("convert", rgb_png, "-define", "tiff:tile-geometry=16x16", "-compress", "zip", "tiff:" + path("tiff-tiled.tif"))
    add("tiff-tiled.tif", pillow_reference(path("tiff-tiled.tif")))
    pages = [rgb, Image.fromarray(255 - rgb_source())]
    pages[0].save(path("tiff-two-pages.tif"), "TIFF", save_all=True, append_images=pages[1:])
    add("tiff-two-pages.tif", pillow_reference(path("tiff-two-pages.tif")), 0, "lossless: equal (the first page)")
    deep = (rgb_source().astype(np.uint32) * 257 ^ 0x1234).astype(np.uint16)  # low bytes differ from high
    tiff_48bit(path("tiff-rgb16-orient6.tif"), deep, 6)
    add("tiff-rgb16-orient6.tif", np.transpose(np.rot90(deep, k=-1) / 65535.0, (2, 0, 1)).astype(np.float32), 0,
        "lossless: equal at 16 bits to the source samples (Pillow reads 48-bit RGB at 8 bits), orientation 6")

    # GIF: Pillow (a palette file, transparency with interlacing, an animation's first frame).
    pillow_save("gif-plain.gif", rgb.quantize(64), "GIF")
    add("gif-plain.gif", pillow_reference(path("gif-plain.gif")))
    big = Image.fromarray(rgb_source(20, 18)).quantize(32)
    pillow_save("gif-interlaced-transparent.gif", big, "GIF", interlace=True, transparency=3)
    add("gif-interlaced-transparent.gif", pillow_reference(path("gif-interlaced-transparent.gif")))
    anim = [rgb.quantize(32), Image.fromarray(255 - rgb_source()).quantize(32)]
    anim[0].save(path("gif-animated.gif"), "GIF", save_all=True, append_images=anim[1:], duration=100, loop=0)
    add("gif-animated.gif", pillow_reference(path("gif-animated.gif")), 0, "lossless: equal (the first frame)")

    # BMP: Pillow (24-bit, 8/4/1-bit palettes, 32-bit with alpha), ImageMagick (RLE8, RGB565).
    pillow_save("bmp-24.bmp", rgb, "BMP")
    add("bmp-24.bmp", pillow_reference(path("bmp-24.bmp")))
    pillow_save("bmp-8.bmp", rgb.quantize(200), "BMP")
    add("bmp-8.bmp", pillow_reference(path("bmp-8.bmp")))
    pillow_save("bmp-1.bmp", rgb.convert("1"), "BMP")
    add("bmp-1.bmp", pillow_reference(path("bmp-1.bmp")))
    pillow_save("bmp-32-bgrx.bmp", rgba_image(), "BMP")  # plain 32-bit: the fourth byte is padding, alpha dropped
    add("bmp-32-bgrx.bmp", pillow_reference(path("bmp-32-bgrx.bmp")))
    run("convert", rgba_png, "BMP:" + path("bmp-v5-alpha.bmp"))  # V5 header, bit fields with an alpha mask
    add("bmp-v5-alpha.bmp", pillow_reference(path("bmp-v5-alpha.bmp")))
    run("convert", rgb_png, "-colors", "16", "-compress", "RLE", "BMP3:" + path("bmp-rle8.bmp"))
    add("bmp-rle8.bmp", pillow_reference(path("bmp-rle8.bmp")))
    run("convert", rgb_png, "-define", "bmp:subtype=RGB565", "BMP:" + path("bmp-565.bmp"))
    add("bmp-565.bmp", pillow_reference(path("bmp-565.bmp")), 1,
        "5/6-bit fields: Pillow widens them to 8 bits by bit replication, the decoder scales exactly")
    top_down = bytearray(open(path("bmp-24.bmp"), "rb").read())  # the same pixels stored top row first
    offset, = struct.unpack("<I", top_down[10:14])
    height, = struct.unpack("<i", top_down[22:26])
    stride = (W * 3 + 3) // 4 * 4
    rows = [top_down[offset + r * stride:offset + (r + 1) * stride] for r in range(height)]
    top_down[22:26] = struct.pack("<i", -height)
    top_down[offset:offset + stride * height] = b"".join(reversed(rows))
    open(path("bmp-24-top-down.bmp"), "wb").write(bytes(top_down))
    add("bmp-24-top-down.bmp", pillow_reference(path("bmp-24-top-down.bmp")))

    for entry in manifest:
        size = os.path.getsize(path(entry["file"]))
        assert size < 8_000, (entry["file"], size)
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    shutil.rmtree(tmp)
    print(f"{len(manifest)} fixtures in {os.path.relpath(OUT, ROOT)}")

    # The page's browser test uploads a phone-style photo: HEIC, rotated by irot (EXIF orientation 6
    # beside it), 96×64 stored so 64×96 displayed.
    photo = os.path.join(ROOT, "Tests", "browser", "fixtures", "photo.heic")
    os.makedirs(os.path.dirname(photo), exist_ok=True)
    with Image.open(os.path.join(ROOT, "tools", "samples", "chelsea.png")) as cat:
        cat.convert("RGB").resize((96, 64), Image.LANCZOS).save(photo, "HEIF", quality=70, exif=exif_orientation(6))
    set_heif_exif_orientation(photo, 6)
    assert os.path.getsize(photo) < 12_000
    print(f"{os.path.relpath(photo, ROOT)}: {os.path.getsize(photo)} bytes")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "jpeg":
        print_jpeg_literals()
    elif what == "formats":
        make_formats()
    else:
        raise SystemExit("usage: make_image_fixtures.py jpeg|formats")
