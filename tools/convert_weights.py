#!/usr/bin/env python3
"""Converts PyTorch checkpoints of StyTr² and VGG-19 into the safetensors files the Swift engine reads.

    python3 tools/convert_weights.py stytr2 --embedding E.pth --transformer T.pth --decoder D.pth -o OUT [--heads 8]
    python3 tools/convert_weights.py stytr2 --from DIR -o OUT [--heads 8]
    python3 tools/convert_weights.py vgg19 VGG.pth -o OUT
    python3 tools/convert_weights.py inspect FILE

`--from DIR` takes embedding_iter_N.pth, transformer_iter_N.pth and decoder_iter_N.pth from DIR,
each with the highest N found. The VGG-19 layout (vgg_normalised.pth or torchvision's
`features.N`) is detected from the keys. `inspect` lists the tensors (name, dtype, shape) and
the metadata of a .safetensors file or a .pth checkpoint.

Needs Python 3 and numpy only; PyTorch is never imported. Both checkpoint formats are read:
the zip archive (torch >= 1.6) and the legacy pickle stream (`_use_new_zipfile_serialization=False`).
The pickle is read by an unpickler that resolves only the globals a state dict of float tensors
uses (OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter, the float storage
classes), each mapped to a numpy stand-in here, so a checkpoint cannot run code.

Output: safetensors (little-endian u64 header length, JSON header with `__metadata__`, raw data),
every tensor F32, names sorted, the data section starting at a multiple of 8 bytes, written
atomically. Tensor names and metadata keys are those of the Swift engine
(Sources/StyTr2/StyTr2Configuration.swift, Sources/GramStyle/VGG19.swift):
  stytr2: embedding.proj.*, transformer.<official key>, cnn_decoder.<Sequential index>.*
  vgg19:  preprocess.* (vgg_normalised only), conv1_1.* … conv5_4.*

Errors print one line, `error: <path>: <reason>`, on stderr and exit with status 1
(command-line usage errors are argparse's: a usage line and status 2).
"""
import _compat_pickle
import argparse
import collections
import json
import os
import pickle
import pickletools
import re
import struct
import sys
import tempfile
import zipfile

import numpy as np

FORMAT = "stylize-weights"
FORMAT_VERSION = "1"
# CAPE's AdaptiveAvgPool2d(18) has no parameters, so the checkpoint cannot tell; the official value.
CAPE_POOL = 18
# First pickle of a legacy checkpoint, and the protocol version that follows it.
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class ConvertError(Exception):
    """An expected failure: reported as `error: <path>: <reason>` without a traceback."""

    def __init__(self, path, reason):
        reason = " ".join(str(reason).split("\n"))  # one line, even when it quotes a wrapped exception
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class _Malformed(Exception):
    """Raised while unpickling; the loader adds the file's path."""


# ---------------------------------------------------------------------------------------------
# Reading PyTorch checkpoints
# ---------------------------------------------------------------------------------------------

class _StorageType:
    """Stand-in for one allowed `torch.<Name>Storage` class; only identifies the element type."""

    __slots__ = ("name", "dtype", "label")

    def __init__(self, name, dtype, label):
        self.name = name
        self.dtype = np.dtype(dtype)  # little-endian; byte-swapped for big-endian files
        self.label = label

    def __setstate__(self, state):
        raise _Malformed("the pickle sets state on a storage type (not produced by torch.save)")


# numpy has no bfloat16: its raw bits are kept as uint16 and widened by a shift.
_STORAGE_TYPES = {t.name: t for t in (
    _StorageType("FloatStorage", "<f4", "F32"),
    _StorageType("HalfStorage", "<f2", "F16"),
    _StorageType("BFloat16Storage", "<u2", "BF16"),
    _StorageType("DoubleStorage", "<f8", "F64"),
)}


class _Storage:
    """One flat storage of a checkpoint; `data` (a 1-D numpy array) is filled once read."""

    __slots__ = ("type", "key", "numel", "data")

    def __init__(self, storage_type, key, numel):
        self.type, self.key, self.numel, self.data = storage_type, key, numel, None

    def __setstate__(self, state):
        raise _Malformed("the pickle sets state on a storage (not produced by torch.save)")


class _StorageView:
    """A legacy-format view into another storage (files of torch < 1.0): element offset and size."""

    __slots__ = ("storage", "offset", "numel")

    def __init__(self, storage, offset, numel):
        self.storage, self.offset, self.numel = storage, offset, numel

    def __setstate__(self, state):
        raise _Malformed("the pickle sets state on a storage (not produced by torch.save)")


class Tensor:
    """A tensor of a checkpoint: its dtype label (F32, F16, BF16, F64), shape, and values.

    The values are read lazily, because a legacy file stores the data after the pickle.
    """

    __slots__ = ("_storage", "_offset", "shape", "_stride", "_values")

    def __init__(self, storage, offset, shape, stride):
        self._storage, self._offset, self.shape, self._stride = storage, offset, shape, stride
        self._values = None

    def __setstate__(self, state):
        raise _Malformed("the pickle sets state on a tensor (not produced by torch.save)")

    @property
    def dtype(self):
        return self._storage.type.label

    def values(self):
        """The values as a C-contiguous native-endian array (BF16: raw uint16 bits)."""
        if self._values is None:
            data = self._storage.data
            native = data.dtype.newbyteorder("=")
            if 0 in self.shape:
                self._values = np.zeros(self.shape, dtype=native)
            else:
                # Strides are in elements; bounds were checked in _rebuild_tensor_v2.
                view = np.lib.stride_tricks.as_strided(
                    data[self._offset:], shape=self.shape,
                    strides=[s * data.itemsize for s in self._stride], writeable=False)
                self._values = np.array(view, dtype=native, order="C")
        return self._values

    def float32(self):
        """The values widened (or, for F64, rounded) to float32."""
        v = self.values()
        if self.dtype == "BF16":
            return (v.astype(np.uint32) << 16).view(np.float32)
        return v.astype(np.float32, copy=False)


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """Stand-in for torch._utils._rebuild_tensor_v2: checks the view against its storage."""
    if isinstance(storage, _StorageView):
        base, start, limit = storage.storage, storage.offset, storage.numel
    elif isinstance(storage, _Storage):
        base, start, limit = storage, 0, storage.numel
    else:
        raise _Malformed(f"a tensor is rebuilt from a {type(storage).__name__}, not a storage")
    if not (_is_int(storage_offset) and storage_offset >= 0 and isinstance(size, tuple)
            and isinstance(stride, tuple) and len(size) == len(stride)
            and all(_is_int(n) and n >= 0 for n in size + stride)):
        raise _Malformed(f"malformed tensor view (offset {storage_offset!r}, size {size!r}, stride {stride!r})")
    if 0 not in size:
        # A crafted offset or stride must not let as_strided read past the storage.
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= limit:
            raise _Malformed(f"tensor view (offset {storage_offset}, size {list(size)}, stride {list(stride)}) "
                             f"reaches outside its storage of {limit} elements")
    return Tensor(base, start + storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    """Stand-in for torch._utils._rebuild_parameter: an nn.Parameter is its data."""
    if not isinstance(data, Tensor):
        raise _Malformed(f"a parameter wraps a {type(data).__name__}, not a tensor")
    return data


class _Allowed:
    """An allowed global as the pickle sees it: callable, but its state cannot be set (BUILD)."""

    __slots__ = ("_function",)

    def __init__(self, function):
        self._function = function

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)

    def __setstate__(self, state):
        raise _Malformed("the pickle sets state on a global (not produced by torch.save)")


_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): _Allowed(collections.OrderedDict),
    ("torch._utils", "_rebuild_tensor_v2"): _Allowed(_rebuild_tensor_v2),
    ("torch._utils", "_rebuild_parameter"): _Allowed(_rebuild_parameter),
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the allowed globals and 'storage' persistent ids; refuses everything else."""

    def __init__(self, file, path, storages, legacy):
        super().__init__(file)
        self._path, self._storages, self._legacy = path, storages, legacy

    def find_class(self, module, name):
        # Protocol-2 pickles may name Python 2 modules ('__builtin__'); judge and report the Python 3 name.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        if module == "torch" and name in _STORAGE_TYPES:
            return _STORAGE_TYPES[name]
        if module == "torch" and name.endswith("Storage"):
            raise ConvertError(self._path, f"unsupported tensor type: the checkpoint uses 'torch.{name}' "
                                           "(only float32, float16, bfloat16 and float64 tensors can be converted)")
        raise ConvertError(self._path, f"refusing to load: checkpoint references global '{module}.{name}' "
                                       "(only tensor data is allowed)")

    def persistent_load(self, pid):
        # ('storage', type, key, location, numel) in zip files; legacy files add view metadata.
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise _Malformed(f"unexpected persistent id {str(pid)[:80]}")
        storage_type, key, _location, numel = pid[1:5]
        view = pid[5] if len(pid) == 6 else None
        if not (isinstance(storage_type, _StorageType) and isinstance(key, str) and _is_int(numel) and numel >= 0):
            raise _Malformed(f"malformed storage reference {str(pid)[:80]}")
        storage = self._storages.get(key)
        if storage is None:
            storage = self._storages[key] = _Storage(storage_type, key, numel)
        elif storage.type is not storage_type or storage.numel != numel:
            raise _Malformed(f"storage '{key}' is referenced with two different types or sizes")
        if view is None:
            return storage
        if not (self._legacy and isinstance(view, tuple) and len(view) == 3 and _is_int(view[1])
                and _is_int(view[2]) and 0 <= view[1] and view[1] + view[2] <= numel):
            raise _Malformed(f"malformed storage view {str(view)[:80]}")
        return _StorageView(storage, view[1], view[2])


class Checkpoint:
    """A loaded checkpoint: `state` maps key → Tensor (after unwrapping and prefix stripping)."""

    def __init__(self, path, container, state, notes):
        self.path, self.container, self.state, self.notes = path, container, state, notes


# The C unpickler sizes its memo table by the largest index a PUT names, so a pickle of a few bytes
# could make it allocate and clear gigabytes; torch.save numbers memo entries from 0.
_MAX_MEMO_INDEX = 1 << 20


def _check_memo_indices(file):
    """Refuses a pickle (read from the file's position, which is restored) with absurd memo indices."""
    start = file.tell()
    try:
        for op, arg, _ in pickletools.genops(file):
            if op.name in ("PUT", "BINPUT", "LONG_BINPUT") and arg > _MAX_MEMO_INDEX:
                raise _Malformed(f"the pickle stores object number {arg} (a checkpoint numbers its objects from 0)")
    except ValueError:
        pass  # not a valid pickle: the unpickler itself reports what is wrong
    file.seek(start)


def _unpickle(file, path, storages, legacy):
    _check_memo_indices(file)
    return _RestrictedUnpickler(file, path, storages, legacy).load()


def _load_zip(path, f):
    """The object and storages of a zip checkpoint (entries `<stem>/data.pkl`, `<stem>/data/<key>`)."""
    try:
        archive = zipfile.ZipFile(f)
        names = archive.namelist()
        pickles = [n for n in names if n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1)]
        if len(pickles) != 1:
            raise ConvertError(path, "zip archive without exactly one '<name>/data.pkl': not a PyTorch checkpoint")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = "little"
        if prefix + "byteorder" in names:
            byteorder = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise ConvertError(path, f"unknown byte order '{byteorder[:20]}' in the archive")
        storages = {}
        with archive.open(pickles[0]) as pkl:
            obj = _unpickle(pkl, path, storages, legacy=False)
        for key, storage in storages.items():
            entry = f"{prefix}data/{key}"
            if entry not in names:
                raise ConvertError(path, f"storage '{key}' is missing from the archive (no '{entry}')")
            dtype = storage.type.dtype if byteorder == "little" else storage.type.dtype.newbyteorder(">")
            raw = archive.read(entry)
            if len(raw) < storage.numel * dtype.itemsize:
                raise ConvertError(path, f"storage '{key}' has {len(raw)} bytes, "
                                         f"its {storage.numel} elements need {storage.numel * dtype.itemsize}")
            storage.data = np.frombuffer(raw, dtype=dtype, count=storage.numel)
        return obj
    except (zipfile.BadZipFile, EOFError) as e:
        raise ConvertError(path, f"truncated or corrupt zip checkpoint ({e})") from None
    except pickle.UnpicklingError as e:
        raise ConvertError(path, f"corrupt pickle in the zip checkpoint ({e})") from None
    except (NotImplementedError, RuntimeError) as e:
        # zipfile: an unknown zip version or compression method, or an encrypted entry.
        if isinstance(e, RecursionError):
            raise
        raise ConvertError(path, f"unsupported zip archive ({e})") from None


def _load_legacy(path, f):
    """The object and storages of a legacy checkpoint: five pickles, then each storage's data."""
    size = os.fstat(f.fileno()).st_size
    storages = {}
    try:
        magic = _unpickle(f, path, storages, legacy=True)
        if magic != LEGACY_MAGIC:
            raise ConvertError(path, "not a PyTorch checkpoint (a pickle without the legacy magic number)")
        version = _unpickle(f, path, storages, legacy=True)
        if version != LEGACY_PROTOCOL:
            raise ConvertError(path, f"unsupported legacy checkpoint protocol {version!r} (expected {LEGACY_PROTOCOL})")
        sys_info = _unpickle(f, path, storages, legacy=True)
        little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
        obj = _unpickle(f, path, storages, legacy=True)
        keys = _unpickle(f, path, storages, legacy=True)
    except EOFError:
        raise ConvertError(path, "truncated legacy checkpoint (the file ends inside its pickles)") from None
    except pickle.UnpicklingError as e:
        if "truncated" in str(e):
            raise ConvertError(path, "truncated legacy checkpoint (the file ends inside its pickles)") from None
        raise ConvertError(path, f"corrupt legacy checkpoint ({e})") from None
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise ConvertError(path, "corrupt legacy checkpoint (its last pickle is not the list of storage keys)")
    # The data follows in the order of that list: an int64 element count, then the raw bytes.
    for key in keys:
        storage = storages.get(key)
        if storage is None:
            raise ConvertError(path, f"corrupt legacy checkpoint (data for storage '{key}' that no tensor uses)")
        dtype = storage.type.dtype if little else storage.type.dtype.newbyteorder(">")
        head = f.read(8)
        if len(head) < 8:
            raise ConvertError(path, f"truncated legacy checkpoint (the file ends before storage '{key}')")
        (count,) = struct.unpack("<q" if little else ">q", head)
        if count != storage.numel:
            raise ConvertError(path, f"corrupt legacy checkpoint (storage '{key}' has {count} elements, "
                                     f"its tensors say {storage.numel})")
        need = count * dtype.itemsize
        left = size - f.tell()
        if left < need:
            raise ConvertError(path, f"truncated legacy checkpoint (storage '{key}' needs {need} bytes, "
                                     f"only {left} are left in the file)")
        storage.data = np.frombuffer(f.read(need), dtype=dtype)
    missing = [k for k, s in storages.items() if s.data is None]
    if missing:
        raise ConvertError(path, f"corrupt legacy checkpoint (no data for storage '{missing[0]}')")
    return obj


def _looks_like_safetensors(head):
    return len(head) >= 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] > 1


def load_checkpoint(path):
    """Reads a .pth file (zip or legacy format) into a Checkpoint of key → Tensor.

    A dict holding the state dict under 'state_dict' or 'model' is unwrapped; a `module.`
    prefix (DataParallel) is stripped. Raises ConvertError for anything else.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(16)
            f.seek(0)
            if head.startswith(b"PK"):
                container, obj = "zip", _load_zip(path, f)
            elif head.startswith(b"\x80"):
                container, obj = "legacy", _load_legacy(path, f)
            elif _looks_like_safetensors(head):
                raise ConvertError(path, "this is a safetensors file, not a PyTorch checkpoint")
            elif not head:
                raise ConvertError(path, "empty file, not a PyTorch checkpoint")
            else:
                raise ConvertError(path, "not a PyTorch checkpoint (neither a zip archive nor a pickle)")
    except _Malformed as e:
        raise ConvertError(path, f"malformed checkpoint: {e}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError) as e:
        # A pickle that calls the allowed stand-ins with wrong arguments, or similar damage.
        raise ConvertError(path, f"malformed checkpoint ({type(e).__name__}: {e})") from None
    except MemoryError:
        # e.g. a BYTEARRAY8 or memo index claiming exabytes: the unpickler cannot even allocate it.
        raise ConvertError(path, "malformed checkpoint (it asks for more memory than is available)") from None
    except IsADirectoryError:
        raise ConvertError(path, "is a directory, not a checkpoint file") from None
    except OSError as e:
        raise ConvertError(path, f"cannot read: {e.strerror or e}") from None

    notes = []
    if isinstance(obj, dict):
        for wrapper in ("state_dict", "model"):
            if isinstance(obj.get(wrapper), dict):
                obj = obj[wrapper]
                notes.append(f"state dict under '{wrapper}'")
                break
    if not isinstance(obj, dict):
        raise ConvertError(path, f"the checkpoint holds a {type(obj).__name__}, not a state dict")
    state = collections.OrderedDict()
    stripped = False
    for key, value in obj.items():
        if not isinstance(key, str):
            raise ConvertError(path, f"state dict key {key!r} is not a string")
        if not isinstance(value, Tensor):
            raise ConvertError(path, f"state dict entry '{key}' is a {type(value).__name__}, not a tensor")
        name = key
        if name.startswith("module."):
            name, stripped = name[len("module."):], True
        if name in state:
            raise ConvertError(path, f"key '{name}' appears twice (with and without the 'module.' prefix)")
        state[name] = value
    if stripped:
        notes.append("'module.' prefix stripped")
    return Checkpoint(path, container, state, notes)


# ---------------------------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata):
    """Writes float32 `tensors` (name → array) with string `metadata`, atomically.

    The data goes to a temporary file in the target directory, which is then renamed over
    `path`, so an existing file is never left half-written.
    """
    names = sorted(tensors)
    header = {"__metadata__": dict(sorted(metadata.items()))}
    arrays, offset = [], 0
    for name in names:
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        arrays.append(a)
        offset += a.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # Spaces are JSON whitespace; they start the data at a multiple of 8 (aligned zero-copy reads).
    blob += b" " * (-(8 + len(blob)) % 8)

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ConvertError(path, f"output directory '{directory}' does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as e:
        raise ConvertError(path, f"cannot write to directory '{directory}': {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(blob)))
            f.write(blob)
            for a in arrays:
                f.write(a.data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file with mode 0600; weight files are meant to be shared.
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise ConvertError(path, f"cannot write: {e.strerror or e}") from None
        raise
    return 8 + len(blob) + offset


_SAFETENSORS_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                       "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}


def read_safetensors_header(path):
    """(metadata, [(name, dtype, shape, (begin, end))], file size) of a safetensors file, checked."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            if len(head) < 8:
                raise ConvertError(path, "too short for a safetensors file")
            (length,) = struct.unpack("<Q", head)
            if length > min(size - 8, 100_000_000):
                raise ConvertError(path, f"header length {length} does not fit the file (corrupt or not safetensors)")
            raw = f.read(length)
    except OSError as e:
        raise ConvertError(path, f"cannot read: {e.strerror or e}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ConvertError(path, f"safetensors header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ConvertError(path, "safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data_bytes = size - 8 - length
    entries = []
    for name, entry in header.items():
        try:
            dtype, shape, (begin, end) = entry["dtype"], [int(n) for n in entry["shape"]], entry["data_offsets"]
            count = int(np.prod(shape, dtype=np.int64))
            ok = dtype in _SAFETENSORS_DTYPES and 0 <= begin <= end <= data_bytes \
                and end - begin == count * _SAFETENSORS_DTYPES[dtype]
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise ConvertError(path, f"safetensors entry '{name}' is malformed or outside the data ({str(entry)[:120]})")
        entries.append((name, dtype, shape, (begin, end)))
    return metadata, entries, size


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------

def _shape(s):
    return "[" + ", ".join(str(n) for n in s) + "]"


def _names(keys, limit=8):
    """'a', 'b', 'c' and 5 more."""
    keys = list(keys)
    shown = ", ".join(f"'{k}'" for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _check_state(ckpt, expected, what, context):
    """Checks that `ckpt.state` has exactly the keys of `expected` (key → shape), with those shapes."""
    state = ckpt.state
    missing = [k for k in expected if k not in state]
    if missing:
        raise ConvertError(ckpt.path, f"missing key{'s' if len(missing) > 1 else ''} {_names(missing)} "
                                      f"(a {what} with {context} has them)")
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        raise ConvertError(ckpt.path, f"unexpected key{'s' if len(unexpected) > 1 else ''} {_names(unexpected)} "
                                      f"(not part of a {what} with {context})")
    for key, shape in expected.items():
        if tuple(state[key].shape) != tuple(shape):
            raise ConvertError(ckpt.path, f"'{key}' has shape {_shape(state[key].shape)}, "
                                          f"expected {_shape(shape)} ({context})")


def _require(ckpt, key, what):
    """state[key], or an error that says this does not look like a `what` checkpoint."""
    if key not in ckpt.state:
        found = f"its keys: {_names(ckpt.state, 6)}" if ckpt.state else "it has no tensors"
        raise ConvertError(ckpt.path, f"missing key '{key}': not a {what} checkpoint ({found})")
    return ckpt.state[key]


# ---------------------------------------------------------------------------------------------
# StyTr²
# ---------------------------------------------------------------------------------------------

_STACKS = (("encoder_c", ("self_attn",), 2), ("encoder_s", ("self_attn",), 2),
           ("decoder", ("self_attn", "multihead_attn"), 3))


def _transformer_shapes(d, ffn, counts):
    """Every official transformer key with its shape, for the given layer counts."""
    s = {}
    for stack, attentions, norms in _STACKS:
        for i in range(counts[stack]):
            p = f"{stack}.layers.{i}"
            for a in attentions:
                s[f"{p}.{a}.in_proj_weight"] = (3 * d, d)
                s[f"{p}.{a}.in_proj_bias"] = (3 * d,)
                s[f"{p}.{a}.out_proj.weight"] = (d, d)
                s[f"{p}.{a}.out_proj.bias"] = (d,)
            s[f"{p}.linear1.weight"] = (ffn, d)
            s[f"{p}.linear1.bias"] = (ffn,)
            s[f"{p}.linear2.weight"] = (d, ffn)
            s[f"{p}.linear2.bias"] = (d,)
            for n in range(1, norms + 1):
                s[f"{p}.norm{n}.weight"] = (d,)
                s[f"{p}.norm{n}.bias"] = (d,)
    s["decoder.norm.weight"] = (d,)
    s["decoder.norm.bias"] = (d,)
    s["new_ps.weight"] = (d, d, 1, 1)
    s["new_ps.bias"] = (d,)
    return s


def _check_cnn_decoder(ckpt, d, patch):
    """Conv indices, output channels and upsample positions of the official CNN decoder layout."""
    what = "StyTr² CNN decoder (nn.Sequential, keys '<index>.weight' and '<index>.bias')"
    pattern = re.compile(r"^(0|[1-9][0-9]*)\.(weight|bias)$")
    unexpected = [k for k in ckpt.state if not pattern.match(k)]
    if unexpected:
        raise ConvertError(ckpt.path, f"unexpected key{'s' if len(unexpected) > 1 else ''} {_names(unexpected)}: "
                                      f"not a {what}")
    indices = sorted({int(k.split(".")[0]) for k in ckpt.state})
    if not indices:
        raise ConvertError(ckpt.path, f"no tensors: not a {what}")
    for i in indices:
        for part, other in (("weight", "bias"), ("bias", "weight")):
            if f"{i}.{part}" not in ckpt.state:
                raise ConvertError(ckpt.path, f"missing key '{i}.{part}' (the file has '{i}.{other}')")
    channels, upsample_before = d, []
    for n, i in enumerate(indices):
        w, b = ckpt.state[f"{i}.weight"], ckpt.state[f"{i}.bias"]
        source = "d_model" if n == 0 else f"the output channels of '{indices[n - 1]}.weight'"
        if len(w.shape) != 4 or w.shape[1] != channels or w.shape[2:] != (3, 3):
            raise ConvertError(ckpt.path, f"'{i}.weight' has shape {_shape(w.shape)}, expected "
                                          f"[out, {channels}, 3, 3] (in-channels {channels} = {source})")
        if tuple(b.shape) != (w.shape[0],):
            raise ConvertError(ckpt.path, f"'{i}.bias' has shape {_shape(b.shape)}, expected {_shape(w.shape[:1])}")
        channels = w.shape[0]
        if n == 0:
            # Index 0 is the ReflectionPad2d in front of the first conv.
            if i != 1:
                raise ConvertError(ckpt.path, f"the first convolution is '{i}.weight', expected '1.weight' "
                                              "(ReflectionPad2d, Conv2d, …)")
            continue
        gap = i - indices[n - 1]
        # Conv, ReLU, [Upsample,] ReflectionPad2d, Conv: 3 apart, or 4 with an upsample between.
        if gap == 4:
            upsample_before.append(i)
        elif gap != 3:
            raise ConvertError(ckpt.path, f"convolutions '{indices[n - 1]}' and '{i}' are {gap} indices apart; "
                                          "the official decoder puts 3 (ReLU, ReflectionPad2d) or 4 "
                                          "(ReLU, Upsample, ReflectionPad2d) between them")
    if channels != 3:
        raise ConvertError(ckpt.path, f"the last convolution '{indices[-1]}.weight' outputs {channels} channels, "
                                      "expected 3 (RGB)")
    if 2 ** len(upsample_before) != patch:
        raise ConvertError(ckpt.path, f"{len(upsample_before)} ×2 upsamplings (before {upsample_before}) "
                                      f"do not undo the patch size {patch} of the embedding")
    return indices, upsample_before


def convert_stytr2(embedding, transformer, decoder, heads):
    """Checks three loaded checkpoints against one StyTr² configuration.

    Returns (tensors name → float32 array, metadata, description).
    """
    w = _require(embedding, "proj.weight", "StyTr² patch embedding")
    if len(w.shape) != 4 or w.shape[1] != 3 or w.shape[2] != w.shape[3] or w.shape[0] < 1:
        raise ConvertError(embedding.path, f"'proj.weight' has shape {_shape(w.shape)}, "
                                           "expected [d_model, 3, patch, patch]")
    d, patch = w.shape[0], w.shape[2]
    _check_state(embedding, {"proj.weight": (d, 3, patch, patch), "proj.bias": (d,)},
                 "StyTr² patch embedding", f"d_model {d}, patch {patch}")

    what = "StyTr² transformer"
    counts = {}
    for stack, _, _ in _STACKS:
        pattern = re.compile(rf"^{stack}\.layers\.(0|[1-9][0-9]*)\.")
        found = {int(m.group(1)) for m in map(pattern.match, transformer.state) if m}
        counts[stack] = max(found) + 1 if found else 0
        if not found:
            _require(transformer, f"{stack}.layers.0.self_attn.in_proj_weight", what)
    linear1 = _require(transformer, "encoder_c.layers.0.linear1.weight", what)
    if len(linear1.shape) != 2 or linear1.shape[1] != d:
        raise ConvertError(transformer.path, f"'encoder_c.layers.0.linear1.weight' has shape {_shape(linear1.shape)}, "
                                             f"expected [ffn, {d}] (d_model {d} from the embedding's proj.weight)")
    ffn = linear1.shape[0]
    context = (f"d_model {d} from the embedding, ffn {ffn}, {counts['encoder_c']}+{counts['encoder_s']} "
               f"encoder and {counts['decoder']} decoder layers")
    _check_state(transformer, _transformer_shapes(d, ffn, counts), what, context)
    if heads < 1 or d % heads:
        raise ConvertError(transformer.path, f"{heads} heads do not divide d_model {d} (see --heads)")

    convs, upsample_before = _check_cnn_decoder(decoder, d, patch)

    tensors = {}
    for prefix, ckpt in (("embedding.", embedding), ("transformer.", transformer), ("cnn_decoder.", decoder)):
        for key, t in ckpt.state.items():
            tensors[prefix + key] = t.float32()
    metadata = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "model": "stytr2",
        "d_model": str(d), "heads": str(heads),
        "encoder_c_layers": str(counts["encoder_c"]), "encoder_s_layers": str(counts["encoder_s"]),
        "decoder_layers": str(counts["decoder"]), "ffn": str(ffn), "patch_size": str(patch),
        "cape_pool": str(CAPE_POOL),
        "cnn_decoder_convs": ",".join(map(str, convs)),
        "cnn_decoder_upsample_before": ",".join(map(str, upsample_before)),
        "source": ",".join(os.path.basename(c.path) for c in (embedding, transformer, decoder)),
    }
    description = (f"stytr2 d_model={d} heads={heads} enc={counts['encoder_c']}+{counts['encoder_s']} "
                   f"dec={counts['decoder']} ffn={ffn} patch={patch}")
    return tensors, metadata, description


def find_stytr2_checkpoints(directory):
    """The embedding, transformer and decoder checkpoints of DIR, each of the highest iteration."""
    if not os.path.isdir(directory):
        raise ConvertError(directory, "not a directory")
    found = []
    for part in ("embedding", "transformer", "decoder"):
        pattern = re.compile(rf"^{part}_iter_([0-9]+)\.pth$")
        # Iterations compare as numbers: 'iter_1000' is newer than 'iter_200'.
        candidates = [(int(m.group(1)), name) for name in os.listdir(directory) if (m := pattern.match(name))]
        if not candidates:
            raise ConvertError(directory, f"no {part}_iter_*.pth in this directory")
        found.append(os.path.join(directory, max(candidates)[1]))
    return found


# ---------------------------------------------------------------------------------------------
# VGG-19
# ---------------------------------------------------------------------------------------------

# (name, index in vgg_normalised.pth's Sequential, index in torchvision's `features`).
VGG_CONVS = (
    ("conv1_1", 2, 0), ("conv1_2", 5, 2),
    ("conv2_1", 9, 5), ("conv2_2", 12, 7),
    ("conv3_1", 16, 10), ("conv3_2", 19, 12), ("conv3_3", 22, 14), ("conv3_4", 25, 16),
    ("conv4_1", 29, 19), ("conv4_2", 32, 21), ("conv4_3", 35, 23), ("conv4_4", 38, 25),
    ("conv5_1", 42, 28), ("conv5_2", 45, 30), ("conv5_3", 48, 32), ("conv5_4", 51, 34),
)
# The engine reads up to relu5_1.
VGG_REQUIRED = 13


def convert_vgg19(ckpt):
    """Detects the layout and checks a VGG-19 checkpoint. Returns (tensors, metadata, description)."""
    state = ckpt.state
    if any(k.startswith("features.") for k in state):
        layout, key_of = "torchvision", (lambda i: f"features.{i}")
    elif any(re.match(r"^[0-9]+\.(weight|bias)$", k) for k in state):
        layout, key_of = "normalised", str
    else:
        found = f"found {_names(state, 6)}" if state else "it has no tensors"
        raise ConvertError(ckpt.path, "not a VGG-19 checkpoint: expected keys 'N.weight' (vgg_normalised.pth) "
                                      f"or 'features.N.weight' (torchvision); {found}")
    column = 1 if layout == "normalised" else 2

    # Convs present must be conv1_1 … convK_L without gaps, reaching at least conv5_1.
    present = [any(f"{key_of(c[column])}.{p}" in state for p in ("weight", "bias")) for c in VGG_CONVS]
    count = present.index(False) if False in present else len(VGG_CONVS)
    if count < VGG_REQUIRED or any(present[count:]):
        name, index = VGG_CONVS[count][0], VGG_CONVS[count][column]
        why = "the engine uses VGG-19 up to relu5_1" if count < VGG_REQUIRED else "the file has later convolutions"
        raise ConvertError(ckpt.path, f"missing key '{key_of(index)}.weight' ({name}; {why})")

    expected, rename = {}, {}
    if layout == "normalised":
        expected.update({"0.weight": (3, 3, 1, 1), "0.bias": (3,)})
        rename.update({"0.weight": "preprocess.weight", "0.bias": "preprocess.bias"})
    channels, widths = 3, {}
    for name, *indices in VGG_CONVS[:count]:
        key = key_of(indices[column - 1])
        if f"{key}.weight" not in state:
            raise ConvertError(ckpt.path, f"missing key '{key}.weight' ({name}; its bias is there)")
        w = state[f"{key}.weight"]
        block = name[4]
        if len(w.shape) != 4 or w.shape[1] != channels or w.shape[2:] != (3, 3):
            raise ConvertError(ckpt.path, f"'{key}.weight' ({name}) has shape {_shape(w.shape)}, "
                                          f"expected [out, {channels}, 3, 3]")
        # The engine takes one width per block, as in VGG-19.
        if widths.setdefault(block, w.shape[0]) != w.shape[0]:
            raise ConvertError(ckpt.path, f"'{key}.weight' ({name}) has {w.shape[0]} output channels, "
                                          f"the block's first conv has {widths[block]}")
        channels = w.shape[0]
        expected[f"{key}.weight"] = tuple(w.shape)
        expected[f"{key}.bias"] = (channels,)
        rename[f"{key}.weight"], rename[f"{key}.bias"] = f"{name}.weight", f"{name}.bias"

    ignored = [k for k in state if layout == "torchvision" and k.startswith("classifier.")]
    kept = Checkpoint(ckpt.path, ckpt.container,
                      collections.OrderedDict((k, v) for k, v in state.items() if k not in ignored), ckpt.notes)
    _check_state(kept, expected, f"VGG-19 ({layout} layout)", f"convolutions conv1_1…{VGG_CONVS[count - 1][0]}")

    tensors = {rename[k]: t.float32() for k, t in kept.state.items()}
    convs = [c[0] for c in VGG_CONVS[:count]]
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": "vgg19", "layout": layout,
                "convs": ",".join(convs), "source": os.path.basename(ckpt.path)}
    description = f"vgg19 layout={layout} convs=conv1_1..{convs[-1]} ({count})"
    if ignored:
        description += f", ignored {len(ignored)} classifier.* tensors"
    return tensors, metadata, description


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def _size(n):
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.1f} kB"


def _write(output, tensors, metadata, description):
    size = write_safetensors(output, tensors, metadata)
    print(f"wrote {output}: {description}, {len(tensors)} tensors, {_size(size)}")


def cmd_stytr2(args):
    if args.from_dir:
        paths = find_stytr2_checkpoints(args.from_dir)
        iterations = {re.search(r"_iter_([0-9]+)\.pth$", p).group(1) for p in paths}
        if len(iterations) > 1:
            print(f"warning: {args.from_dir}: the checkpoints come from different iterations: "
                  + ", ".join(os.path.basename(p) for p in paths), file=sys.stderr)
    else:
        paths = [args.embedding, args.transformer, args.decoder]
    embedding, transformer, decoder = (load_checkpoint(p) for p in paths)
    _write(args.output, *convert_stytr2(embedding, transformer, decoder, args.heads))


def cmd_vgg19(args):
    _write(args.output, *convert_vgg19(load_checkpoint(args.checkpoint)))


def cmd_inspect(args):
    path = args.file
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise ConvertError(path, f"cannot read: {e.strerror or e}") from None
    if _looks_like_safetensors(head):
        metadata, entries, size = read_safetensors_header(path)
        print(f"{path}: safetensors, {len(entries)} tensors, {_size(size)}")
        if metadata:
            print("metadata:")
            for key in sorted(metadata):
                print(f"  {key} = {metadata[key]}")
        rows = [(name, dtype, shape) for name, dtype, shape, _ in sorted(entries, key=lambda e: e[3])]
    else:
        ckpt = load_checkpoint(path)
        notes = "".join(f", {n}" for n in ckpt.notes)
        print(f"{path}: PyTorch {ckpt.container} checkpoint, {len(ckpt.state)} tensors{notes}")
        rows = [(name, t.dtype, t.shape) for name, t in ckpt.state.items()]
    width = max((len(r[0]) for r in rows), default=0)
    print("tensors:")
    for name, dtype, shape in rows:
        print(f"  {name:<{width}}  {dtype:<4}  {_shape(shape)}")


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="convert_weights.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("stytr2", help="official StyTr² checkpoints → one safetensors file")
    p.add_argument("--embedding", metavar="E.pth", help="embedding_iter_*.pth")
    p.add_argument("--transformer", metavar="T.pth", help="transformer_iter_*.pth")
    p.add_argument("--decoder", metavar="D.pth", help="decoder_iter_*.pth (the CNN decoder)")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="take the three files (highest iteration) from DIR")
    p.add_argument("--heads", type=_positive, default=8, help="attention heads; not stored in checkpoints (default 8)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.safetensors")
    p.set_defaults(run=cmd_stytr2)

    p = sub.add_parser("vgg19", help="vgg_normalised.pth or a torchvision vgg19 state dict → safetensors")
    p.add_argument("checkpoint", metavar="VGG.pth")
    p.add_argument("-o", "--output", required=True, metavar="OUT.safetensors")
    p.set_defaults(run=cmd_vgg19)

    p = sub.add_parser("inspect", help="list the tensors and metadata of a .safetensors or .pth file")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=cmd_inspect)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "stytr2":
        given = [name for name in ("embedding", "transformer", "decoder") if getattr(args, name)]
        if args.from_dir and given:
            parser.error("--from cannot be combined with " + ", ".join("--" + g for g in given))
        if not args.from_dir and len(given) < 3:
            parser.error("give --from DIR, or all of --embedding, --transformer and --decoder")
    try:
        args.run(args)
    except ConvertError as e:
        print(f"error: {e.path}: {e.reason}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `inspect FILE | head`: the reader left; not an error worth a traceback.
        sys.stdout = None
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
