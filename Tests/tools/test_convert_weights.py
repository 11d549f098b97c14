"""Tests of tools/convert_weights.py. Run: python3 -m pytest -q Tests/tools (numpy and pytest; no torch).

The checkpoints in fixtures/ were written once by tools/make_checkpoint_fixtures.py with torch:
tiny StyTr² (d_model 16, 2 heads, ffn 32, patch 8, CNN decoder 16→8→…→3) and VGG-19 (block widths
4, 5, 6, 6, 6) models with the official key names, in both torch formats, with the values the
converter must write saved as .npz. A few hostile or unusual checkpoints are built here by hand
(pickle opcodes + zip / legacy container), because torch cannot write them.
"""
import contextlib
import io
import json
import os
import pickle
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "convert_weights.py"
FIX = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT / "tools"))
import convert_weights as cw  # noqa: E402

# Sizes of the fixture models (tools/make_checkpoint_fixtures.py).
D_MODEL, HEADS, FFN, PATCH = 16, 2, 32, 8
STYTR2 = {fmt: {part: FIX / "stytr2" / fmt / f"{part}_iter_100.pth" for part in ("embedding", "transformer", "decoder")}
          for fmt in ("zip", "legacy")}
VGG_CONVS = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv3_4",
             "conv4_1", "conv4_2", "conv4_3", "conv4_4", "conv5_1", "conv5_2", "conv5_3", "conv5_4"]
MARKERS = ("convert_weights_pwned_system", "convert_weights_pwned_eval")


# ---- helpers ------------------------------------------------------------------------------------

def run_process(*args, cwd=None):
    """Runs the converter as a program; returns the CompletedProcess (text mode)."""
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def run(*args):
    """Runs the converter's main() in this process (fast); same fields as a CompletedProcess.

    An unexpected exception propagates and fails the test, as a traceback would.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cw.main([str(a) for a in args])
        except SystemExit as e:  # argparse usage errors
            code = e.code
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def stytr2(tmp_path, embedding, transformer, decoder, *extra, name="out.safetensors"):
    out = tmp_path / name
    return run("stytr2", "--embedding", embedding, "--transformer", transformer, "--decoder", decoder,
               "-o", out, "--heads", HEADS, *extra), out


def assert_error(result, path, *fragments):
    """Exit status 1 and exactly one stderr line `error: <path>: …` holding every fragment, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""


def read_safetensors(path):
    """An independent reader that also checks the layout: (metadata, name → array)."""
    raw = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    assert (8 + length) % 8 == 0, "data section not 8-byte aligned"
    header = json.loads(raw[8:8 + length])
    metadata = header.pop("__metadata__")
    assert all(isinstance(v, str) for v in metadata.values())
    data = raw[8 + length:]
    names = list(header)
    assert names == sorted(names), "tensors not sorted by name"
    offset, arrays = 0, {}
    for name in names:
        entry = header[name]
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        assert begin == offset, f"{name}: data not contiguous"
        assert end - begin == 4 * int(np.prod(entry["shape"], dtype=np.int64))
        arrays[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        offset = end
    assert offset == len(data), "trailing bytes after the last tensor"
    return metadata, arrays


def assert_same_bits(actual, expected):
    """Equal names, shapes and float32 bit patterns (NaN payloads included)."""
    assert sorted(actual) == sorted(expected)
    for name in expected:
        a, e = np.asarray(actual[name]), np.asarray(expected[name])
        assert a.dtype == np.float32 and e.dtype == np.float32, name
        assert a.shape == e.shape, (name, a.shape, e.shape)
        assert np.array_equal(a.view(np.uint32), e.view(np.uint32)), name


def npz(name):
    with np.load(FIX / name) as f:
        return {k: f[k] for k in f.files}


# Hand-made checkpoints: a few pickle opcodes (protocol 2), in torch's two containers.

def _str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _int(i):
    return b"J" + struct.pack("<i", i)


def _tuple(*items):
    return b"(" + b"".join(items) + b"t"


def _global(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def tensor_ops(key, numel, offset, size, stride, storage="FloatStorage", legacy=False, view=None):
    """Opcodes of torch._utils._rebuild_tensor_v2(<storage key>, offset, size, stride, False, OrderedDict())."""
    pid = [_str("storage"), _global("torch", storage), _str(key), _str("cpu"), _int(numel)]
    if legacy:
        pid.append(_tuple(_str(view[0]), _int(view[1]), _int(view[2])) if view else b"N")
    args = _tuple(_tuple(*pid) + b"Q", _int(offset), _tuple(*map(_int, size)), _tuple(*map(_int, stride)),
                  b"\x89", _global("collections", "OrderedDict") + b")R")
    return _global("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def dict_pickle(items):
    """A pickled dict of name → opcodes that build the value."""
    return b"\x80\x02}(" + b"".join(_str(k) + v for k, v in items) + b"u."


def write_zip(path, pickle_bytes, storages, byteorder="little"):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("handmade/data.pkl", pickle_bytes)
        z.writestr("handmade/byteorder", byteorder)
        for key, raw in storages.items():
            z.writestr(f"handmade/data/{key}", raw)


def write_legacy(path, pickle_bytes, storages, little=True):
    """storages: [(key, numel, raw bytes)] in file order."""
    parts = [pickle.dumps(cw.LEGACY_MAGIC, protocol=2), pickle.dumps(cw.LEGACY_PROTOCOL, protocol=2),
             pickle.dumps({"protocol_version": 1001, "little_endian": little}, protocol=2), pickle_bytes,
             pickle.dumps([k for k, _, _ in storages], protocol=2)]
    for _, numel, raw in storages:
        parts += [struct.pack("<q" if little else ">q", numel), raw]
    Path(path).write_bytes(b"".join(parts))


def write_state_dict(path, tensors, fmt="zip"):
    """A float32 state dict, one contiguous storage per tensor, as torch would write it."""
    items, storages = [], {}
    for i, (name, a) in enumerate(tensors.items()):
        a = np.ascontiguousarray(a, dtype="<f4")
        stride = tuple(int(s // 4) for s in a.strides)
        items.append((name, tensor_ops(str(i), a.size, 0, a.shape, stride, legacy=fmt == "legacy")))
        storages[str(i)] = a.tobytes()
    if fmt == "zip":
        write_zip(path, dict_pickle(items), storages)
    else:
        write_legacy(path, dict_pickle(items), [(k, len(v) // 4, v) for k, v in storages.items()])


# ---- StyTr² ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_stytr2_round_trip_is_bit_exact(tmp_path, fmt):
    files = STYTR2[fmt]
    result, out = stytr2(tmp_path, files["embedding"], files["transformer"], files["decoder"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    metadata, tensors = read_safetensors(out)
    assert_same_bits(tensors, npz("stytr2_expected.npz"))
    assert metadata == {
        "format": "stylize-weights", "format_version": "1", "model": "stytr2",
        "d_model": "16", "heads": "2", "encoder_c_layers": "3", "encoder_s_layers": "3", "decoder_layers": "3",
        "ffn": "32", "patch_size": "8", "cape_pool": "18",
        "cnn_decoder_convs": "1,5,8,11,14,18,21,25,28", "cnn_decoder_upsample_before": "5,18,25",
        "source": "embedding_iter_100.pth,transformer_iter_100.pth,decoder_iter_100.pth",
    }
    assert result.stdout.startswith(f"wrote {out}: stytr2 d_model=16 heads=2 enc=3+3 dec=3 ffn=32 patch=8, "
                                    f"{len(tensors)} tensors, ")
    assert len(result.stdout.splitlines()) == 1
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert "transformer.encoder_c.layers.0.self_attn.in_proj_weight" in tensors
    assert tensors["embedding.proj.weight"].shape == (D_MODEL, 3, PATCH, PATCH)
    assert tensors["cnn_decoder.28.weight"].shape == (3, 4, 3, 3)


def test_both_formats_give_identical_files(tmp_path):
    outs = []
    for fmt in ("zip", "legacy"):
        files = STYTR2[fmt]
        result, out = stytr2(tmp_path, files["embedding"], files["transformer"], files["decoder"], name=f"{fmt}.st")
        assert result.returncode == 0, result.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_default_heads_is_8(tmp_path):
    files = STYTR2["zip"]
    out = tmp_path / "out.safetensors"
    result = run("stytr2", "--embedding", files["embedding"], "--transformer", files["transformer"],
                 "--decoder", files["decoder"], "-o", out)
    assert result.returncode == 0, result.stderr
    assert read_safetensors(out)[0]["heads"] == "8"


def test_heads_must_divide_d_model(tmp_path):
    files = STYTR2["zip"]
    result, out = stytr2(tmp_path, files["embedding"], files["transformer"], files["decoder"], "--heads", "3")
    assert_error(result, files["transformer"], "3 heads do not divide d_model 16")
    assert not out.exists()


def test_from_dir_takes_the_highest_iteration(tmp_path):
    for part, path in STYTR2["legacy"].items():
        (tmp_path / f"{part}_iter_1000.pth").write_bytes(path.read_bytes())
        # Higher as text, lower as a number; garbage, so picking it would fail.
        (tmp_path / f"{part}_iter_200.pth").write_bytes(b"not a checkpoint")
    (tmp_path / "embedding_iter_x.pth").write_bytes(b"ignored")
    out = tmp_path / "out.safetensors"
    result = run("stytr2", "--from", tmp_path, "-o", out, "--heads", HEADS)
    assert result.returncode == 0, result.stderr
    metadata, tensors = read_safetensors(out)
    assert metadata["source"] == "embedding_iter_1000.pth,transformer_iter_1000.pth,decoder_iter_1000.pth"
    assert_same_bits(tensors, npz("stytr2_expected.npz"))


def test_from_dir_warns_about_mixed_iterations(tmp_path):
    for part, iteration in (("embedding", 10), ("transformer", 20), ("decoder", 20)):
        (tmp_path / f"{part}_iter_{iteration}.pth").write_bytes(STYTR2["zip"][part].read_bytes())
    result = run("stytr2", "--from", tmp_path, "-o", tmp_path / "out.st", "--heads", HEADS)
    assert result.returncode == 0
    assert result.stderr.startswith(f"warning: {tmp_path}: the checkpoints come from different iterations: "
                                    "embedding_iter_10.pth, transformer_iter_20.pth, decoder_iter_20.pth")


def test_from_dir_without_a_part(tmp_path):
    for part in ("embedding", "decoder"):
        (tmp_path / f"{part}_iter_5.pth").write_bytes(STYTR2["zip"][part].read_bytes())
    result = run("stytr2", "--from", tmp_path, "-o", tmp_path / "out.st")
    assert_error(result, tmp_path, "no transformer_iter_*.pth")


def test_layer_counts_come_from_the_keys(tmp_path):
    files = STYTR2["zip"]
    result, out = stytr2(tmp_path, files["embedding"], FIX / "stytr2_small_transformer.pth", files["decoder"])
    assert result.returncode == 0, result.stderr
    metadata, tensors = read_safetensors(out)
    assert (metadata["encoder_c_layers"], metadata["encoder_s_layers"], metadata["decoder_layers"]) == ("1", "2", "1")
    assert "enc=1+2 dec=1" in result.stdout
    assert "transformer.encoder_s.layers.1.norm2.bias" in tensors
    assert not any(k.startswith("transformer.encoder_c.layers.1.") for k in tensors)
    # 12 tensors per encoder layer, 18 per decoder layer, decoder norm and new_ps: 4.
    assert sum(k.startswith("transformer.") for k in tensors) == 3 * 12 + 18 + 4


def test_module_prefix_wrapped_state_dict_and_half_precision(tmp_path):
    dp = FIX / "stytr2_dataparallel"
    # Embedding: {'state_dict': {'module.proj.weight': float16, …}, 'epoch': 7} (zip);
    # decoder: 'module.'-prefixed bfloat16 (legacy).
    result, out = stytr2(tmp_path, dp / "embedding_iter_100.pth", STYTR2["zip"]["transformer"],
                         dp / "decoder_iter_100.pth")
    assert result.returncode == 0, result.stderr
    _, tensors = read_safetensors(out)
    expected = npz("stytr2_expected.npz")
    expected.update(npz("stytr2_dataparallel_expected.npz"))
    assert_same_bits(tensors, expected)


def test_missing_transformer_key(tmp_path):
    files = STYTR2["zip"]
    bad = FIX / "bad" / "transformer_missing_key.pth"
    result, out = stytr2(tmp_path, files["embedding"], bad, files["decoder"])
    assert_error(result, bad, "missing key 'decoder.layers.0.norm3.bias'")
    assert not out.exists()


def test_wrong_transformer_shape(tmp_path):
    files = STYTR2["zip"]
    bad = FIX / "bad" / "transformer_wrong_shape.pth"
    result, _ = stytr2(tmp_path, files["embedding"], bad, files["decoder"])
    assert_error(result, bad, "'encoder_s.layers.0.linear2.weight' has shape [16, 31], expected [16, 32]")


def test_cnn_decoder_channel_mismatch(tmp_path):
    files = STYTR2["legacy"]
    bad = FIX / "bad" / "decoder_wrong_channels.pth"
    result, _ = stytr2(tmp_path, files["embedding"], files["transformer"], bad)
    assert_error(result, bad, "'8.weight' has shape [8, 7, 3, 3]", "'5.weight'")


def test_transformer_of_another_width(tmp_path):
    # A VGG conv is not an embedding: d_model comes from the embedding, so everything else must agree.
    emb = tmp_path / "embedding.pth"
    write_state_dict(emb, {"proj.weight": np.zeros((8, 3, 8, 8), np.float32), "proj.bias": np.zeros(8, np.float32)})
    files = STYTR2["zip"]
    result, _ = stytr2(tmp_path, emb, files["transformer"], files["decoder"])
    assert_error(result, files["transformer"], "'encoder_c.layers.0.linear1.weight' has shape [32, 16], expected [ffn, 8]")


@pytest.mark.parametrize("slot", ["embedding", "transformer", "decoder"])
def test_wrong_model_file_is_named(tmp_path, slot):
    files = dict(STYTR2["zip"])
    vgg = FIX / "vgg" / "zip" / "vgg19_torchvision.pth"
    files[slot] = vgg
    result, _ = stytr2(tmp_path, files["embedding"], files["transformer"], files["decoder"])
    expected = {"embedding": ("missing key 'proj.weight'", "not a StyTr² patch embedding"),
                "transformer": ("missing key 'encoder_c.layers.0.self_attn.in_proj_weight'", "not a StyTr² transformer"),
                "decoder": ("unexpected keys 'features.0.weight'", "not a StyTr² CNN decoder")}[slot]
    assert_error(result, vgg, *expected)


def test_unexpected_key_is_an_error(tmp_path):
    values = npz("stytr2_expected.npz")
    emb = tmp_path / "embedding.pth"
    write_state_dict(emb, {"proj.weight": values["embedding.proj.weight"], "proj.bias": values["embedding.proj.bias"],
                           "proj.extra": np.zeros(3, np.float32)}, fmt="legacy")
    files = STYTR2["zip"]
    result, _ = stytr2(tmp_path, emb, files["transformer"], files["decoder"])
    assert_error(result, emb, "unexpected key 'proj.extra'")


def test_handmade_writer_matches_torch(tmp_path):
    # The hand-made container of these tests reads like torch's own files.
    values = npz("stytr2_expected.npz")
    for fmt in ("zip", "legacy"):
        emb = tmp_path / f"embedding_{fmt}.pth"
        write_state_dict(emb, {"proj.weight": values["embedding.proj.weight"], "proj.bias": values["embedding.proj.bias"]}, fmt)
        files = STYTR2["zip"]
        result, out = stytr2(tmp_path, emb, files["transformer"], files["decoder"], name=f"{fmt}.st")
        assert result.returncode == 0, result.stderr
        assert_same_bits(read_safetensors(out)[1], values)


# ---- VGG-19 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["zip", "legacy"])
@pytest.mark.parametrize("layout,file", [("normalised", "vgg_normalised.pth"), ("torchvision", "vgg19_torchvision.pth")])
def test_vgg19_round_trip(tmp_path, fmt, layout, file):
    source = FIX / "vgg" / fmt / file
    out = tmp_path / "vgg19.safetensors"
    result = run("vgg19", source, "-o", out)
    assert result.returncode == 0, result.stderr
    metadata, tensors = read_safetensors(out)
    assert_same_bits(tensors, npz(file.replace(".pth", "_expected.npz")))
    assert metadata == {"format": "stylize-weights", "format_version": "1", "model": "vgg19", "layout": layout,
                        "convs": ",".join(VGG_CONVS), "source": file}
    assert ("preprocess.weight" in tensors) == (layout == "normalised")
    assert tensors["conv1_1.weight"].shape == (4, 3, 3, 3)
    assert tensors["conv5_4.bias"].shape == (6,)
    assert (("ignored 6 classifier.* tensors" in result.stdout) == (layout == "torchvision")), result.stdout
    assert result.stdout.startswith(f"wrote {out}: vgg19 layout={layout} ")


def test_vgg19_up_to_relu5_1(tmp_path):
    out = tmp_path / "vgg19.safetensors"
    result = run("vgg19", FIX / "vgg" / "vgg_normalised_relu5_1.pth", "-o", out)
    assert result.returncode == 0, result.stderr
    metadata, tensors = read_safetensors(out)
    assert metadata["convs"] == ",".join(VGG_CONVS[:13])
    full = npz("vgg_normalised_expected.npz")
    assert_same_bits(tensors, {k: v for k, v in full.items() if k.split(".")[0] in ["preprocess"] + VGG_CONVS[:13]})


def test_vgg19_that_stops_before_relu5_1(tmp_path):
    bad = FIX / "bad" / "vgg_normalised_relu4_1.pth"
    result = run("vgg19", bad, "-o", tmp_path / "vgg19.safetensors")
    assert_error(result, bad, "missing key '32.weight' (conv4_2", "relu5_1")


def test_vgg19_gap_and_unknown_keys(tmp_path):
    full = npz("vgg_normalised_expected.npz")
    index = dict(zip(VGG_CONVS, [2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51]))
    state = {"0.weight": full["preprocess.weight"], "0.bias": full["preprocess.bias"]}
    for name in VGG_CONVS:
        state[f"{index[name]}.weight"], state[f"{index[name]}.bias"] = full[f"{name}.weight"], full[f"{name}.bias"]
    gap = {k: v for k, v in state.items() if not k.startswith("45.")}
    write_state_dict(tmp_path / "gap.pth", gap)
    assert_error(run("vgg19", tmp_path / "gap.pth", "-o", tmp_path / "o.st"), tmp_path / "gap.pth",
                 "missing key '45.weight' (conv5_2")
    extra = dict(state, **{"53.weight": np.zeros(2, np.float32)})
    write_state_dict(tmp_path / "extra.pth", extra)
    assert_error(run("vgg19", tmp_path / "extra.pth", "-o", tmp_path / "o.st"), tmp_path / "extra.pth",
                 "unexpected key '53.weight'")


def test_vgg19_rejects_other_models(tmp_path):
    source = STYTR2["zip"]["transformer"]
    result = run("vgg19", source, "-o", tmp_path / "vgg19.safetensors")
    assert_error(result, source, "not a VGG-19 checkpoint", "'encoder_c.layers.0.self_attn.in_proj_weight'")


# ---- reading checkpoints -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_views_dtypes_parameters(fmt):
    ckpt = cw.load_checkpoint(FIX / "misc" / fmt / "misc.pth")
    expected = npz("misc_expected.npz")
    assert list(ckpt.state) == ["view_offset", "view_transposed", "base", "expanded", "half", "bfloat16",
                                "bfloat16_view", "double", "parameter", "scalar", "empty"]
    assert_same_bits({k: t.float32() for k, t in ckpt.state.items()}, expected)
    dtypes = {k: t.dtype for k, t in ckpt.state.items()}
    assert (dtypes["half"], dtypes["bfloat16"], dtypes["bfloat16_view"], dtypes["double"], dtypes["base"]) == \
        ("F16", "BF16", "BF16", "F64", "F32")
    assert ckpt.container == fmt


def test_legacy_storage_view_and_big_endian(tmp_path):
    # Files of torch < 1.0 could point a tensor at a view of a storage (offset 3, 5 elements).
    root = np.arange(10, dtype=np.float32)
    pkl = dict_pickle([("v", tensor_ops("root", 10, 1, (2, 2), (2, 1), legacy=True, view=("view", 3, 5)))])
    write_legacy(tmp_path / "view.pth", pkl, [("root", 10, root.astype("<f4").tobytes())])
    assert cw.load_checkpoint(tmp_path / "view.pth").state["v"].float32().tolist() == [[4, 5], [6, 7]]
    # The view may not reach past its 5 elements even though the root storage has more.
    pkl = dict_pickle([("v", tensor_ops("root", 10, 3, (3,), (1,), legacy=True, view=("view", 3, 5)))])
    write_legacy(tmp_path / "far.pth", pkl, [("root", 10, root.tobytes())])
    with pytest.raises(cw.ConvertError, match="reaches outside its storage of 5 elements"):
        cw.load_checkpoint(tmp_path / "far.pth")
    # A big-endian machine's legacy file.
    pkl = dict_pickle([("b", tensor_ops("0", 4, 0, (4,), (1,), storage="HalfStorage", legacy=True))])
    write_legacy(tmp_path / "be.pth", pkl, [("0", 4, np.array([1, -2, 0.5, 3], ">f2").tobytes())], little=False)
    assert cw.load_checkpoint(tmp_path / "be.pth").state["b"].float32().tolist() == [1, -2, 0.5, 3]
    write_zip(tmp_path / "be.zip", dict_pickle([("b", tensor_ops("0", 2, 0, (2,), (1,)))]),
              {"0": np.array([7, -8], ">f4").tobytes()}, byteorder="big")
    assert cw.load_checkpoint(tmp_path / "be.zip").state["b"].float32().tolist() == [7, -8]


@pytest.mark.parametrize("offset,size,stride", [(0, (5,), (1,)), (3, (2,), (1,)), (0, (2, 2), (3, 1)), (0, (2,), (4,))])
def test_view_outside_its_storage_is_refused(tmp_path, offset, size, stride):
    path = tmp_path / "oob.pth"
    write_zip(path, dict_pickle([("t", tensor_ops("0", 4, offset, size, stride))]), {"0": bytes(16)})
    with pytest.raises(cw.ConvertError, match="reaches outside its storage of 4 elements"):
        cw.load_checkpoint(path)


def test_storage_shorter_than_declared(tmp_path):
    path = tmp_path / "short.pth"
    write_zip(path, dict_pickle([("t", tensor_ops("0", 4, 0, (4,), (1,)))]), {"0": bytes(12)})
    assert_error(run("inspect", path), path, "storage '0' has 12 bytes")


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
@pytest.mark.parametrize("file,qualname", [("malicious_system_legacy.pth", "posix.system"),
                                           ("malicious_eval_zip.pth", "builtins.eval")])
def test_malicious_pickle_is_refused(tmp_path, monkeypatch, fmt, file, qualname):
    bad = FIX / "bad" / file
    path = tmp_path / f"{fmt}.pth"
    if fmt == "legacy" and file.endswith("zip.pth"):
        # The same payload moved into the other container.
        with zipfile.ZipFile(bad) as z:
            write_legacy(path, z.read("malicious_eval_zip/data.pkl"), [])
    elif fmt == "zip" and file.endswith("legacy.pth"):
        stream = io.BytesIO(bad.read_bytes())
        for _ in range(3):
            pickle.load(stream)  # the magic number, protocol and system info: plain values
        write_zip(path, stream.read(), {})
    else:
        path.write_bytes(bad.read_bytes())
    message = f"refusing to load: checkpoint references global '{qualname}' (only tensor data is allowed)"
    # As a program in tmp_path (where the payload would create its marker), and in this process.
    assert_error(run_process("inspect", path, cwd=tmp_path), path, message)
    monkeypatch.chdir(tmp_path)
    assert_error(run("vgg19", path, "-o", tmp_path / "o.st"), path, message)
    for marker in MARKERS:
        assert not (tmp_path / marker).exists()
        assert not (ROOT / marker).exists()
    assert not (tmp_path / "o.st").exists()


@pytest.mark.parametrize("module,name", [("torch.storage", "_load_from_bytes"), ("torch._utils", "_rebuild_from_type_v2"),
                                         ("numpy.core.multiarray", "_reconstruct"), ("builtins", "getattr")])
def test_other_globals_are_refused(tmp_path, module, name):
    path = tmp_path / "g.pth"
    write_zip(path, dict_pickle([("t", _global(module, name) + _tuple(_str("x")) + b"R")]), {})
    with pytest.raises(cw.ConvertError, match=f"references global '{module}.{name}'"):
        cw.load_checkpoint(path)


def test_unsupported_storage_type(tmp_path):
    path = tmp_path / "long.pth"
    write_zip(path, dict_pickle([("n", tensor_ops("0", 1, 0, (), (), storage="LongStorage"))]), {"0": bytes(8)})
    assert_error(run("inspect", path), path, "unsupported tensor type", "'torch.LongStorage'")


def test_setting_state_on_allowed_objects_is_refused(tmp_path):
    # BUILD on the OrderedDict stand-in, a storage type and a tensor: none may be altered by the pickle.
    for target in (_global("collections", "OrderedDict"), _global("torch", "FloatStorage"),
                   tensor_ops("0", 1, 0, (), ())):
        path = tmp_path / "build.pth"
        write_zip(path, dict_pickle([("t", target + b"}" + _str("dtype") + _str("x") + b"sb")]), {"0": bytes(4)})
        with pytest.raises(cw.ConvertError, match="sets state"):
            cw.load_checkpoint(path)


def test_non_tensor_entries_and_non_dicts(tmp_path):
    path = tmp_path / "int.pth"
    write_zip(path, dict_pickle([("epoch", _int(3))]), {})
    assert_error(run("inspect", path), path, "state dict entry 'epoch' is a int, not a tensor")
    write_zip(path, b"\x80\x02" + _int(3) + b".", {})
    assert_error(run("inspect", path), path, "holds a int, not a state dict")


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_truncated_checkpoints(tmp_path, fmt):
    source = STYTR2[fmt]["transformer"]
    data = source.read_bytes()
    message = "truncated or corrupt zip checkpoint" if fmt == "zip" else "truncated legacy checkpoint"
    for cut in (100, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        path = tmp_path / f"cut{cut}.pth"
        path.write_bytes(data[:cut])
        assert_error(run("inspect", path), path, message)
    result, _ = stytr2(tmp_path, STYTR2[fmt]["embedding"], path, STYTR2[fmt]["decoder"])
    assert_error(result, path, message)


def test_not_a_checkpoint(tmp_path):
    cases = {"empty.pth": b"", "text.pth": b"hello", "pickle.pth": b"\x80\x02K\x05."}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert_error(run("inspect", tmp_path / "empty.pth"), tmp_path / "empty.pth", "empty file")
    assert_error(run("inspect", tmp_path / "text.pth"), tmp_path / "text.pth", "not a PyTorch checkpoint")
    assert_error(run("inspect", tmp_path / "pickle.pth"), tmp_path / "pickle.pth", "not a PyTorch checkpoint")
    assert_error(run("inspect", tmp_path / "missing.pth"), tmp_path / "missing.pth", "No such file")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hi")
    assert_error(run("inspect", tmp_path / "other.zip"), tmp_path / "other.zip", "not a PyTorch checkpoint")


# ---- inspect -------------------------------------------------------------------------------------

def test_inspect_checkpoint():
    source = FIX / "stytr2_dataparallel" / "embedding_iter_100.pth"
    result = run("inspect", source)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{source}: PyTorch zip checkpoint, 2 tensors, state dict under 'state_dict', 'module.' prefix stripped"
    assert lines[1:] == ["tensors:", "  proj.weight  F16   [16, 3, 8, 8]", "  proj.bias    F16   [16]"]


def test_inspect_safetensors(tmp_path):
    out = tmp_path / "vgg19.safetensors"
    assert run("vgg19", FIX / "vgg" / "zip" / "vgg_normalised.pth", "-o", out).returncode == 0
    result = run("inspect", out)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.splitlines()[0].startswith(f"{out}: safetensors, 34 tensors, ")
    assert "  layout = normalised\n" in text and "  model = vgg19\n" in text
    assert "  conv1_1.weight     F32   [4, 3, 3, 3]\n" in text
    assert "  preprocess.weight  F32   [3, 3, 1, 1]\n" in text


# ---- writing ----------------------------------------------------------------------------------------

def test_failed_conversion_leaves_existing_output_alone(tmp_path):
    out = tmp_path / "out.safetensors"
    out.write_bytes(b"previous weights")
    files = STYTR2["zip"]
    result = run("stytr2", "--embedding", files["embedding"], "--transformer", FIX / "bad" / "transformer_missing_key.pth",
                 "--decoder", files["decoder"], "-o", out)
    assert result.returncode == 1
    assert out.read_bytes() == b"previous weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.safetensors"]


def test_successful_conversion_replaces_output(tmp_path):
    out = tmp_path / "out.safetensors"
    out.write_bytes(b"previous weights")
    assert run("vgg19", FIX / "vgg" / "zip" / "vgg_normalised.pth", "-o", out).returncode == 0
    assert read_safetensors(out)[0]["model"] == "vgg19"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.safetensors"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs an unprivileged POSIX user")
def test_unwritable_output_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run("vgg19", FIX / "vgg" / "zip" / "vgg_normalised.pth", "-o", locked / "vgg19.safetensors")
        assert_error(result, locked / "vgg19.safetensors", f"cannot write to directory '{locked}'", "Permission denied")
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc, where no one can create files")
def test_output_directory_that_refuses_files():
    # Works for root too (unlike a chmod-ed directory).
    out = Path("/proc/vgg19.safetensors")
    result = run("vgg19", FIX / "vgg" / "zip" / "vgg_normalised.pth", "-o", out)
    assert_error(result, out, "cannot write to directory '/proc'")


def test_missing_output_directory(tmp_path):
    out = tmp_path / "no" / "such" / "vgg19.safetensors"
    result = run("vgg19", FIX / "vgg" / "zip" / "vgg_normalised.pth", "-o", out)
    assert_error(result, out, "output directory", "does not exist")


# ---- command line and environment -----------------------------------------------------------------------

def test_as_a_program(tmp_path):
    # Exit status, one summary line on stdout, one error line on stderr, no traceback.
    out = tmp_path / "vgg19.safetensors"
    result = run_process("vgg19", FIX / "vgg" / "legacy" / "vgg_normalised.pth", "-o", out)
    assert result.returncode == 0 and result.stderr == "" and len(result.stdout.splitlines()) == 1
    bad = FIX / "bad" / "vgg_normalised_relu4_1.pth"
    assert_error(run_process("vgg19", bad, "-o", out), bad, "missing key")
    assert read_safetensors(out)[0]["source"] == "vgg_normalised.pth"


def test_usage_errors(tmp_path):
    files = STYTR2["zip"]
    result = run("stytr2", "--from", tmp_path, "--embedding", files["embedding"], "-o", tmp_path / "o.st")
    assert result.returncode == 2 and "--from cannot be combined with --embedding" in result.stderr
    result = run("stytr2", "--embedding", files["embedding"], "-o", tmp_path / "o.st")
    assert result.returncode == 2 and "give --from DIR" in result.stderr


def test_torch_is_never_imported(tmp_path):
    files = STYTR2["legacy"]
    out = tmp_path / "o.safetensors"
    # 'torch' set to None in sys.modules makes any `import torch` fail; then nothing may have loaded it.
    code = f"""
import sys
sys.modules["torch"] = None
sys.path.insert(0, {str(ROOT / "tools")!r})
import convert_weights
assert convert_weights.main(["stytr2", "--embedding", {str(files["embedding"])!r}, "--transformer",
    {str(files["transformer"])!r}, "--decoder", {str(files["decoder"])!r}, "-o", {str(out)!r}]) == 0
assert convert_weights.main(["vgg19", {str(FIX / "vgg" / "zip" / "vgg19_torchvision.pth")!r}, "-o", {str(out)!r}]) == 0
assert convert_weights.main(["inspect", {str(FIX / "misc" / "zip" / "misc.pth")!r}]) == 0
del sys.modules["torch"]
print("torch loaded:", any(m == "torch" or m.startswith("torch.") for m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "torch loaded: False"


def test_fixtures_stay_small():
    total = sum(p.stat().st_size for p in FIX.rglob("*") if p.is_file())
    assert total < 1_000_000, total
