"""The curl commands of the Service article (Sources/StyleTransfer/StyleTransfer.docc/Service.md), run in order
against a running `stylize serve` (tools/ci/serve.sh sets STYLIZE_URL): the docs' address becomes the
server's, `ID` the id the job request answered, photo.jpg and style.png small copies of the samples."""
import json
import os
import pathlib
import re
import subprocess

import pytest

URL = os.environ.get("STYLIZE_URL")
ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not URL, reason="needs a running server: STYLIZE_URL (tools/ci/serve.sh)")


def curl_lines():
    text = (ROOT / "Sources/StyleTransfer/StyleTransfer.docc/Service.md").read_text()
    blocks = re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
    return [line.split(" #")[0].strip() for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def test_the_service_article_curl_commands_work(tmp_path):
    lines = curl_lines()
    assert len(lines) == 5, lines
    for name, sample in [("photo.jpg", "chelsea.png"), ("style.png", "strokes.png")]:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(ROOT / "tools/samples" / sample), "-vf", "scale=64:-2",
                        str(tmp_path / name)], check=True)
    job_id = None
    for line in lines:
        command = line.replace("http://127.0.0.1:8080", URL)
        if job_id:
            command = command.replace("/ID/", f"/{job_id}/")
        run = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"`{command}` exited {run.returncode}: {run.stderr}"
        if command.endswith("/v1/jobs"):
            job_id = json.loads(run.stdout)["id"]
        if command.endswith("/events"):
            assert "\"state\":\"done\"" in run.stdout.replace(" ", ""), run.stdout[-1000:]
        if "-o mosaic.jpg" in command:
            assert (tmp_path / "mosaic.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
        if "-o out.png" in command:
            assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert job_id
