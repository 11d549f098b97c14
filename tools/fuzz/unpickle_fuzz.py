#!/usr/bin/env python3
"""Atheris (libFuzzer) harness for the checkpoint reader of tools/convert_weights.py.

    python3 tools/fuzz/unpickle_fuzz.py [libFuzzer flags] [CORPUS_DIR...]     (run.sh passes them)

The first input byte picks how the rest is used:
  bit 0 clear: the rest is a whole checkpoint file (zip archive or legacy pickle stream);
  bit 0 set:   the rest is a bare `data.pkl`, which the harness wraps in a zip archive with
               storages data/0 … data/15 (so the fuzzer need not get zip CRCs right);
  bit 1 set:   (zip wrapping) the archive says byteorder "big".
The contract: `load_checkpoint` returns a Checkpoint or raises ConvertError, never anything else
(no other exception, no code execution, no hang); every tensor it returns can be read in full.
"""
import io
import os
import sys
import tempfile
import zipfile

import atheris

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

with atheris.instrument_imports(include=["convert_weights", "zipfile"]):
    import convert_weights as cw

_STORAGE_BYTES = [16384] + [1024] * 15
_STORAGES = [bytes((i * 37 + k) % 256 for k in range(n)) for i, n in enumerate(_STORAGE_BYTES)]

_directory = tempfile.mkdtemp(prefix="stylize-unpickle-fuzz-")
_path = os.path.join(_directory, "input.pth")


def _wrap(pickle_bytes, big):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "big" if big else "little")
        for i, data in enumerate(_STORAGES):
            z.writestr(f"archive/data/{i}", data)
    return buffer.getvalue()


def TestOneInput(data):
    if not data:
        return
    mode, body = data[0], data[1:]
    contents = _wrap(body, bool(mode & 2)) if mode & 1 else body
    with open(_path, "wb") as f:
        f.write(contents)
    try:
        checkpoint = cw.load_checkpoint(_path)
    except cw.ConvertError as e:
        assert "\n" not in str(e.reason), f"multi-line error: {e!r}"
        return
    # Everything returned must be readable as the converter reads it.
    for name, tensor in checkpoint.state.items():
        assert isinstance(name, str)
        assert tensor.dtype in ("F32", "F16", "BF16", "F64"), tensor.dtype
        values = tensor.float32()
        assert tuple(values.shape) == tuple(tensor.shape), (values.shape, tensor.shape)


def main():
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
