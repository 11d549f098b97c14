#!/usr/bin/env python3
"""Runs a sharded stylize batch as a Slurm job array on the running cluster (tools/ci/slurm.sh
starts it), SIGKILLs one task in the middle of a pair, resubmits that index, and checks:
every pair written exactly once (manifests), outputs byte-identical to a one-process batch,
the manifests agree with each other and with the one-process run, no temporary file left,
`stylize batch-report` totals. Any failed check raises, so the script exits non-zero.

    python3 Tests/cluster/slurm_array_check.py --work DIR --binary .build/release/stylize --sbatch tools/slurm/stylize-array.sbatch
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARDS = 4
CONTENTS = [f"c{i}" for i in range(6)]
STYLES = [f"s{i}" for i in range(3)]
SLOW = "c4"         # the one larger content (384 px): the pair the kill lands in takes seconds, not 0.1 s
KILLED_SHARD = 0    # its second pair (style-major order) is (c4, s0): see killed_position()


def write_png(path, rgb):
    """8-bit RGB PNG (numpy (H,W,3) uint8), no filters."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def smooth_image(rng, side):
    """Smooth random colours: a coarse grid of random values, upsampled."""
    coarse = rng.random((6, 6, 3))
    idx = np.arange(side) * 6 // side
    return (coarse[idx][:, idx] * 255).astype(np.uint8)


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def pairs():
    """(content, style) in the order shards are cut from: sorted by content, then style."""
    return [(c, s) for c in CONTENTS for s in STYLES]


def shard_order(shard):
    """Pairs shard `shard` processes, in its order: styles in turn, contents sorted."""
    mine = [p for k, p in enumerate(pairs()) if k % SHARDS == shard]
    return [p for s in STYLES for p in mine if p[1] == s]


def killed_position():
    order = shard_order(KILLED_SHARD)
    position = [p[0] for p in order].index(SLOW)
    assert position >= 1, f"shard {KILLED_SHARD} starts with the slow pair; choose another shard ({order})"
    return position


def job_state(job):
    """JobState and ExitCode of one array task ("123_0") from scontrol (no accounting needed)."""
    out = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True).stdout
    fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
    return fields.get("JobState", "GONE"), fields.get("ExitCode", "?")


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def manifest_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f.read().splitlines() if line.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True)
    p.add_argument("--binary", required=True)
    p.add_argument("--sbatch", required=True)
    a = p.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(f"{work}/contents"); os.makedirs(f"{work}/styles"); os.makedirs(f"{work}/logs")
    rng = np.random.default_rng(17)
    for c in CONTENTS:
        write_png(f"{work}/contents/{c}.png", smooth_image(rng, 384 if c == SLOW else 96))
    for s in STYLES:
        write_png(f"{work}/styles/{s}.png", smooth_image(rng, 96))
    os.makedirs(f"{work}/weights")
    run([sys.executable, f"{ROOT}/tools/make_random_stytr2_weights.py", f"{work}/weights/stytr2.safetensors",
         "--d-model", "512", "--heads", "8", "--ffn", "2048", "--layers", "3", "--cnn-width", "256"])
    args = ["--style-size", "96", "--mode", "transformer"]

    # The reference: the whole batch in one process, same relative paths, one thread like the tasks.
    started = time.time()
    run([a.binary, "contents", "styles", "-o", "reference", "--weights", "weights", "-q"] + args, cwd=work,
        env={**os.environ, "SLURM_CPUS_PER_TASK": "1"})
    print(f"reference batch: {len(pairs())} pairs in {time.time() - started:.1f} s")

    export = ",".join(["ALL", f"STYLIZE_SHARD_COUNT={SHARDS}", "CONTENT=contents", "STYLES=styles", "OUT=out",
                       "WEIGHTS=weights", f"STYLIZE={a.binary}", "STYLIZE_ARGS=" + " ".join(args)])
    def submit(array):
        out = run(["sbatch", "--parsable", f"--array={array}", "--cpus-per-task=1", f"--chdir={work}",
                   f"--output={work}/logs/%A_%a.out", f"--export={export}", a.sbatch])
        return out.strip().split(";")[0]

    # The array; kill shard 0 while it stylises its slow pair (after `position` manifest lines).
    def log(job_id, index):
        with open(f"{work}/logs/{job_id}_{index}.out") as f:
            return f.read()

    job = submit(f"0-{SHARDS - 1}")
    killed = f"{job}_{KILLED_SHARD}"
    manifest0 = f"{work}/out/stylize-manifest-{KILLED_SHARD}-of-{SHARDS}.jsonl"
    position = killed_position()
    wait_for(lambda: len(manifest_lines(manifest0)) >= position, 600, f"{position} manifest lines from {killed}")
    time.sleep(0.5)
    run(["scancel", "--signal=KILL", "--full", killed])
    wait_for(lambda: job_state(killed)[0] not in ("RUNNING", "COMPLETING"), 60, f"{killed} to stop")
    state, _ = job_state(killed)
    assert state in ("CANCELLED", "FAILED"), f"{killed} ended {state} after SIGKILL, expected CANCELLED/FAILED"
    first_run = manifest_lines(manifest0)
    assert len(first_run) == position, (f"the kill did not land mid-pair: {killed} had written {len(first_run)} manifest lines, "
                                        f"expected exactly {position} (the slow pair {SLOW} must still have been running)")
    slow_output = f"{work}/out/{SLOW}_stylized_{shard_order(KILLED_SHARD)[position][1]}.png"
    assert not os.path.exists(slow_output), f"{slow_output} exists although its task was killed before writing it"
    print(f"killed {killed} ({state}) after {position} pair(s), in the middle of {SLOW}")

    def finished(task_ids):
        return all(job_state(t)[0] not in ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING") for t in task_ids)
    others = [f"{job}_{i}" for i in range(SHARDS) if i != KILLED_SHARD]
    wait_for(lambda: finished(others), 900, "the other array tasks")
    for i in range(SHARDS):
        if i != KILLED_SHARD:
            assert job_state(f"{job}_{i}") == ("COMPLETED", "0:0"), f"{job}_{i}: {job_state(f'{job}_{i}')}; log: {log(job, i)}"

    # Resubmit the killed index on its own: it must skip what it wrote and finish the rest.
    again = submit(str(KILLED_SHARD))
    rerun = f"{again}_{KILLED_SHARD}"
    wait_for(lambda: finished([rerun]), 900, f"the resubmitted {rerun}")
    assert job_state(rerun) == ("COMPLETED", "0:0"), f"{rerun}: {job_state(rerun)}; log: {log(again, KILLED_SHARD)}"

    # Every pair written exactly once, and nothing else in the output directory.
    outputs = {f"{c}_stylized_{s}.png" for c, s in pairs()}
    manifests = {f"stylize-manifest-{i}-of-{SHARDS}.jsonl" for i in range(SHARDS)}
    names = set(os.listdir(f"{work}/out"))
    assert names == outputs | manifests, f"unexpected files in out/: extra {sorted(names - outputs - manifests)}, missing {sorted(outputs | manifests - names)}"
    entries = {i: manifest_lines(f"{work}/out/stylize-manifest-{i}-of-{SHARDS}.jsonl") for i in range(SHARDS)}
    writes = {}
    for i, lines in entries.items():
        for line in lines:
            assert line["shard"] == f"{i}/{SHARDS}" and line["shard_pairs"] == len(shard_order(i)), f"shard {i}: {line}"
            assert line["status"] in ("written", "skipped"), f"shard {i}: {line}"
            if line["status"] == "written":
                writes[os.path.basename(line["output"])] = writes.get(os.path.basename(line["output"]), 0) + 1
    assert writes == {o: 1 for o in outputs}, f"writes per output: {writes}"
    expected0 = [("written", p) for p in shard_order(0)[:position]] + [("skipped", p) for p in shard_order(0)[:position]] \
        + [("written", p) for p in shard_order(0)[position:]]
    got0 = [(l["status"], (os.path.basename(l["content"])[:-4], os.path.basename(l["style"])[:-4])) for l in entries[0]]
    assert got0 == expected0, f"shard 0's manifest: {got0}, expected {expected0}"
    for i in range(1, SHARDS):
        got = [(l["status"], (os.path.basename(l["content"])[:-4], os.path.basename(l["style"])[:-4])) for l in entries[i]]
        assert got == [("written", p) for p in shard_order(i)], f"shard {i}'s manifest: {got}"

    # The same pairs, inputs and bytes as the one-process run.
    reference = manifest_lines(f"{work}/reference/stylize-manifest-0-of-1.jsonl")
    key = lambda l: (l["content"], l["style"], os.path.basename(l["output"]))
    assert sorted(map(key, reference)) == sorted({key(l) for lines in entries.values() for l in lines}), "the manifests list different pairs"
    for name in sorted(outputs):
        with open(f"{work}/out/{name}", "rb") as f, open(f"{work}/reference/{name}", "rb") as g:
            assert f.read() == g.read(), f"out/{name} differs from the one-process run's"

    report = subprocess.run([a.binary, "batch-report", "out", "--json"], cwd=work, capture_output=True, text=True)
    assert report.returncode == 0, f"batch-report exited {report.returncode}: {report.stderr}{report.stdout}"
    totals = json.loads(report.stdout)
    assert (totals["pairs"], totals["expected_pairs"], totals["written"], totals["skipped"], totals["failed"], totals["writes"],
            totals["missing_shards"]) == (18, 18, 18 - position, position, 0, 18, []), f"batch-report: {totals}"
    print(f"slurm array check passed: {len(outputs)} pairs in {SHARDS} shards, one killed and resubmitted; "
          "every pair written once, byte-identical to the one-process run")
    print("slurm: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
