"""tools/kubernetes/indexed-job.yaml cannot run here: check that it parses as the Indexed Job the
ClusterRuns.md describes, and run the binary with the variables a pod gets (JOB_COMPLETION_INDEX, the
STYLIZE_SHARD_COUNT the manifest sets) to check the shards cover the batch exactly once."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

sys.path.insert(0, os.path.dirname(__file__))
from slurm_array_check import ROOT, smooth_image, write_png  # noqa: E402

BINARY = os.environ.get("STYLIZE_BINARY") or os.path.join(ROOT, ".build/release/stylize")


@pytest.fixture(scope="module")
def job():
    with open(os.path.join(ROOT, "tools/kubernetes/indexed-job.yaml")) as f:
        return yaml.safe_load(f)


def container(job):
    (c,) = job["spec"]["template"]["spec"]["containers"]
    return c


def env(job):
    return {e["name"]: e["value"] for e in container(job)["env"]}


def test_manifest_is_an_indexed_job_whose_shard_count_matches(job):
    spec = job["spec"]
    assert (job["apiVersion"], job["kind"], spec["completionMode"]) == ("batch/v1", "Job", "Indexed")
    assert int(env(job)["STYLIZE_SHARD_COUNT"]) == spec["completions"] <= 100_000
    assert spec["parallelism"] <= spec["completions"]
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    args = container(job)["args"]
    assert args[args.index("--shard") + 1] == "auto" and "-o" in args and "--weights" in args
    resources = container(job)["resources"]
    assert resources["limits"]["cpu"] == resources["requests"]["cpu"], "the CPU limit is the quota stylize sizes its threads by"
    (rule,) = spec["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailIndex" and rule["onExitCodes"]["values"] == [2]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    assert os.access(BINARY, os.X_OK), f"{BINARY} is not built: swift build -c release first, or set STYLIZE_BINARY"
    work = tmp_path_factory.mktemp("k8s")
    rng = np.random.default_rng(3)
    for d, names in (("contents", ["a", "b", "c"]), ("styles", ["x", "y"])):
        os.makedirs(work / d)
        for n in names:
            write_png(str(work / d / f"{n}.png"), smooth_image(rng, 32))
    subprocess.run([sys.executable, os.path.join(ROOT, "tools/make_random_stytr2_weights.py"), str(work / "w.safetensors")], check=True)
    return work


def stylize(work, variables):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "JOB_COMPLETION", "STYLIZE_SHARD"))}
    return subprocess.run([BINARY, "contents", "styles", "-o", "out", "--weights", "w.safetensors", "--shard", "auto"],
                          cwd=work, env={**environment, **variables}, capture_output=True, text=True)


def test_pods_with_completion_indices_cover_every_pair_once(batch):
    count = 4  # 6 pairs: shards 0 and 1 get 2, shards 2 and 3 get 1
    for index in (3, 0, 2, 1):
        r = stylize(batch, {"JOB_COMPLETION_INDEX": str(index), "STYLIZE_SHARD_COUNT": str(count)})
        assert r.returncode == 0, r.stderr
        assert f"shard {index}/{count} (JOB_COMPLETION_INDEX={index} of STYLIZE_SHARD_COUNT={count})" in r.stderr.splitlines()[0]
    written = []
    for index in range(count):
        with open(batch / "out" / f"stylize-manifest-{index}-of-{count}.jsonl") as f:
            written += [json.loads(line)["output"] for line in f]
    assert sorted(written) == sorted(f"out/{c}_stylized_{s}.png" for c in "abc" for s in "xy")
    # The offset for Jobs past the completions limit: index 1 + offset 2 is shard 3 again, all current.
    r = stylize(batch, {"JOB_COMPLETION_INDEX": "1", "STYLIZE_SHARD_OFFSET": "2", "STYLIZE_SHARD_COUNT": str(count)})
    assert r.returncode == 0, r.stderr
    assert "shard 3/4 (JOB_COMPLETION_INDEX=1 + STYLIZE_SHARD_OFFSET=2 of STYLIZE_SHARD_COUNT=4)" in r.stderr
    assert r.stderr.splitlines()[-1] == "0 of 1 pairs written, 1 skipped (already current)"


def test_a_pod_without_the_count_cannot_run(batch):
    r = stylize(batch, {"JOB_COMPLETION_INDEX": "0"})
    assert r.returncode == 1
    assert r.stderr == ("error: --shard auto: JOB_COMPLETION_INDEX is set but STYLIZE_SHARD_COUNT is not: "
                        "set it in the Job's env to the Job's completions\n")
