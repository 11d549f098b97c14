#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora under tools/fuzz/corpus/<name>/ (small, committed; rerun to regenerate).

    python3 tools/fuzz/make_corpus.py

Needs numpy and Pillow (JPEG seeds). Each file is a few hundred bytes to a few KB: seeds only need
to show the fuzzer each structure (colour types, bit depths, interlacing, progressive JPEG, CMYK,
EXIF, .npy versions and dtypes, safetensors dtypes and metadata, zip and legacy checkpoints).
"""
import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(name, filename, data):
    d = CORPUS / name
    d.mkdir(parents=True, exist_ok=True)
    (d / filename).write_bytes(data)


# ------------------------------------------------------------------------------------------- PNG

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(width, height, color_type, depth, pixel, interlace=False, extra=b"", palette=None, trns=None):
    """pixel(x, y) -> tuple of samples (< 2**depth)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]

    def row(xs, y):
        bits = []
        for x in xs:
            bits.extend(pixel(x, y))
        out = bytearray([0])
        if depth >= 8:
            for s in bits:
                out += s.to_bytes(depth // 8, "big")
        else:
            acc, n = 0, 0
            for s in bits:
                acc, n = acc << depth | s, n + depth
                if n == 8:
                    out.append(acc)
                    acc, n = 0, 0
            if n:
                out.append(acc << (8 - n))
        return bytes(out)

    raw = b""
    if interlace:
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            xs = list(range(x0, width, dx))
            if not xs:
                continue
            for y in range(y0, height, dy):
                raw += row(xs, y)
    else:
        for y in range(height):
            raw += row(range(width), y)
    assert channels  # (documents the layout)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, int(interlace)))
    out += extra
    if palette:
        out += chunk(b"PLTE", palette)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return out


def make_png():
    write("png", "rgb8.png", png(8, 6, 2, 8, lambda x, y: ((x * 31) % 256, (y * 40) % 256, (x * y * 7) % 256)))
    write("png", "gray1_odd.png", png(9, 5, 0, 1, lambda x, y: ((x + y) % 2,)))
    write("png", "gray16.png", png(4, 4, 0, 16, lambda x, y: ((x * 16000 + y * 300) % 65536,)))
    pal = bytes(v for i in range(16) for v in (i * 16, 255 - i * 16, i * 8))
    write("png", "palette4_trns.png", png(7, 7, 3, 4, lambda x, y: ((x + 2 * y) % 16,), palette=pal, trns=b"\x00\x80\xff"))
    write("png", "rgba16.png", png(3, 3, 6, 16, lambda x, y: (x * 20000, y * 20000, 5000, (x + y) * 10000)))
    write("png", "graya8_interlaced.png", png(10, 9, 4, 8, lambda x, y: ((x * 25) % 256, (y * 28) % 256), interlace=True))
    write("png", "rgb8_interlaced_trns.png", png(5, 11, 2, 8, lambda x, y: (x * 50, y * 20, 7), interlace=True,
                                                  trns=b"\x00\x00\x00\x14\x00\x07"))
    text = (chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"Comment\x00seed")
            + chunk(b"zTXt", b"Title\x00\x00" + zlib.compress(b"compressed")) + chunk(b"iTXt", b"Author\x00\x00\x00\x00\x00\xc3\xa9")
            + chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00"))
    write("png", "gray8_text.png", png(4, 3, 0, 8, lambda x, y: (x * 60 + y,), extra=text))


# ------------------------------------------------------------------------------------------ JPEG

def exif_orientation(value):
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, value) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff


def make_jpeg():
    from PIL import Image

    def save(filename, image, **kw):
        buf = io.BytesIO()
        image.save(buf, "JPEG", **kw)
        write("jpeg", filename, buf.getvalue())

    grad = Image.new("RGB", (16, 8))
    grad.putdata([((x * 16) % 256, (y * 32) % 256, ((x + y) * 8) % 256) for y in range(8) for x in range(16)])
    save("rgb420.jpg", grad, quality=75)
    save("rgb444.jpg", grad, quality=95, subsampling=0)
    save("progressive.jpg", grad.resize((17, 9)), quality=80, progressive=True)
    save("gray.jpg", grad.convert("L"), quality=70)
    save("cmyk_adobe.jpg", grad.convert("CMYK"), quality=80)
    save("exif6.jpg", grad.resize((12, 20)), quality=60, exif=exif_orientation(6))
    save("restart.jpg", grad.resize((32, 16)), quality=50, restart_marker_blocks=1)


# ------------------------------------------------------------------------------------------- npy

def npy_bytes(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def make_npy():
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5) / 60
    write("npy", "f4_3x4x5.npy", npy_bytes(a))
    write("npy", "f8_3x2x3.npy", npy_bytes(np.linspace(-1, 2, 18).reshape(3, 2, 3)))
    write("npy", "fortran.npy", npy_bytes(np.asfortranarray(a[:, :2, :2])))
    write("npy", "big_endian.npy", npy_bytes(a[:, :1, :].astype(">f4")))
    write("npy", "int32.npy", npy_bytes(np.arange(12, dtype=np.int32).reshape(3, 2, 2)))
    write("npy", "v2.npy", npy_bytes(a[:, :2, :3], version=(2, 0)))
    write("npy", "v3.npy", npy_bytes(a[:, :1, :2], version=(3, 0)))
    write("npy", "empty.npy", npy_bytes(np.zeros((3, 0, 4), np.float32)))
    write("npy", "scalar.npy", npy_bytes(np.float32(1.5)))
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 1L, 1L), }"
    header += b" " * (64 - 10 - len(header) - 1) + b"\n"
    write("npy", "py2_long.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + np.ones(3, "<f4").tobytes())


# ----------------------------------------------------------------------------------- safetensors

def safetensors(entries, metadata=None, align=True):
    """entries: list of (name, dtype, shape, raw bytes)."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if align:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def make_safetensors():
    f32 = np.arange(6, dtype="<f4").tobytes()
    write("safetensors", "f32.safetensors", safetensors([("a.weight", "F32", [2, 3], f32)], {"format": "pt"}))
    write("safetensors", "mixed.safetensors", safetensors([
        ("h", "F16", [4], np.array([1, -2, 0.5, 65504], "<f2").tobytes()),
        ("b", "BF16", [2, 2], (np.array([1, 2, 3, 4], "<f4").view("<u4") >> 16).astype("<u2").tobytes()),
        ("n", "I64", [1], struct.pack("<q", 7)),
        ("z", "F32", [0, 3], b""),
        ("s", "F32", [], struct.pack("<f", 3.25)),
    ], {"model": "stytr2", "d_model": "16", "heads": "2"}))
    write("safetensors", "unaligned.safetensors", safetensors([("x", "F32", [3], np.ones(3, "<f4").tobytes())], align=False))
    write("safetensors", "escapes.safetensors", safetensors(
        [("na\u00efve \"name\"\\\n", "F32", [1, 1], struct.pack("<f", 1))], {"k\u00e9y": "v\u2603 \ud83c\udfa8", "empty": ""}))
    text = b'{"__metadata__":null,"t":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]}, "u": {"data_offsets": [4, 4], "shape": [0], "dtype": "C64"}}'
    write("safetensors", "null_meta.safetensors", struct.pack("<Q", len(text)) + text + b"\x01\x02\x03\x04")
    meta = {"format": "stylize-weights", "format_version": "1", "model": "vgg19", "layout": "torchvision"}
    write("safetensors", "vgg_meta.safetensors", safetensors([("conv1_1.bias", "F32", [2], np.zeros(2, "<f4").tobytes())], meta))


# ------------------------------------------------------------------------------------- unpickle

def make_unpickle():
    fixtures = ROOT / "Tests" / "tools" / "fixtures"
    # Mode byte 0: the file as it is (zip or legacy checkpoint).
    for name in ["misc/legacy/misc.pth", "misc/zip/misc.pth", "bad/malicious_system_legacy.pth", "bad/malicious_eval_zip.pth"]:
        write("unpickle", "file_" + name.replace("/", "_"), b"\x00" + (fixtures / name).read_bytes())
    # Mode byte 1: a bare data.pkl, which the harness wraps in a zip with storages data/0..data/15.
    for name in ["misc/zip/misc.pth", "stytr2/zip/embedding_iter_100.pth"]:
        with zipfile.ZipFile(fixtures / name) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            write("unpickle", "pkl_" + name.replace("/", "_"), b"\x01" + z.read(pkl))


# ----------------------------------------------------- WebP, HEIF/AVIF, TIFF, GIF and BMP

def make_formats():
    """The decoder test fixtures (tools/make_image_fixtures.py formats), each in its fuzzer's corpus."""
    fixtures = ROOT / "Tests" / "ImageFixtures" / "formats"
    corpus = {"webp": "webp", "heic": "heif", "avif": "heif", "tiff": "tiff", "gif": "gif", "bmp": "bmp"}
    for path in sorted(fixtures.iterdir()):
        kind = corpus.get(path.name.split("-")[0])
        if kind and path.suffix != ".npy":
            write(kind, path.name, path.read_bytes())


def main():
    make_png()
    make_jpeg()
    make_formats()
    make_npy()
    make_safetensors()
    make_unpickle()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{sum(1 for p in CORPUS.rglob('*') if p.is_file())} seed files, {total} bytes")
    return 0 if total < 200_000 else 1


if __name__ == "__main__":
    sys.exit(main())
