"""Every command that README.md and the DocC articles (Sources/StyleTransfer/StyleTransfer.docc) show is
checked against the built binary:

- a `stylize` command runs in a scratch directory with small stand-ins for the files it names (tiny
  random StyTr² weights, so the transformer path runs in well under a second per command), once with
  every optional `[…]` group dropped, and must exit 0 and write what `-o` or `>` names;
- every `--flag` a command shows, inside `[…]` too, must be listed by that subcommand's `--help`;
- commands that cannot finish here (`serve`, `bench`, Gram mode's 512 px default, placeholders such as
  CONTENT or DIR) get only the flag check;
- `python3 tools/convert_weights.py SUB …` must name a subcommand whose `--help` lists its flags;
- every repository path the docs name (tools/…, Sources/…, Tests/…, weights/…) must exist;
- every `swift` block must appear verbatim in a test source file, which compiles and runs it.

Needs `swift build -c release -Xswiftc -enable-testing` first (as .ci/run does) and ffmpeg.
"""
import functools
import glob
import os
import re
import shlex
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = ["README.md"] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "Sources/StyleTransfer/StyleTransfer.docc/*.md")))
BIN = os.environ.get("STYLIZE_BIN", os.path.join(ROOT, ".build/release/stylize"))
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*$")
SUBCOMMANDS = {"video", "serve", "bench", "batch-report", "info"}
CHECK_ONLY = {"serve", "bench"}  # they serve until stopped, or time work: flags only


def code_blocks(doc):
    """(language, body) of each fenced block."""
    text = open(os.path.join(ROOT, doc)).read()
    return re.findall(r"^ *```(\w*)\n(.*?)^ *```", text, re.S | re.M)


def logical_lines(body):
    """Joins `\\` continuations and synopsis lines that start with whitespace and `[`; drops comments."""
    lines = []
    for raw in body.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if lines and (lines[-1].endswith("\\") or re.match(r"\s+\[", raw)):
            lines[-1] = lines[-1].rstrip("\\").rstrip() + " " + line.strip()
        elif line.strip():
            lines.append(line.strip())
    return lines


def doc_commands(prefix):
    return [(doc, line) for doc in DOCS for lang, body in code_blocks(doc) if lang in ("sh", "bash", "")
            for line in logical_lines(body) if line.startswith(prefix)]


def stylize_commands():
    return [(doc, re.sub(r"^\.build/release/stylize", "stylize", line)) for doc, line in
            doc_commands("stylize ") + doc_commands(".build/release/stylize ")]


def without_optional(line):
    """The command with every `[…]` group removed (innermost first)."""
    while True:
        shorter = re.sub(r"\s*\[[^\[\]]*\]", "", line)
        if shorter == line:
            return line
        line = shorter


def subcommand(line):
    words = line.split()
    return words[1] if len(words) > 1 and words[1] in SUBCOMMANDS else ""


@functools.lru_cache(maxsize=None)
def help_text(*args):
    run = subprocess.run([*args, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, f"{' '.join(args)} --help failed: {run.stderr}"
    return run.stdout


def unknown_flags(line, help_output):
    return sorted(f for f in set(FLAG.findall(line)) if not re.search(re.escape(f) + r"(?![\w-])", help_output))


def runnable(line):
    if subcommand(line) in CHECK_ONLY or re.search(r"--mode gram", line):
        return False
    plain = without_optional(line)
    return not any(PLACEHOLDER.match(word) for word in plain.split()[1:]) and "…" not in plain


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A directory holding every input the docs' commands name, made from the bundled samples, and a
    finished batch in out/ for `batch-report`."""
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"{BIN} is missing: run `swift build -c release -Xswiftc -enable-testing` first")
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is missing: run `source tools/setup-deps.sh`")
    work = tmp_path_factory.mktemp("docs")
    samples = os.path.join(ROOT, "tools/samples")

    def image(source, target, width=48):
        os.makedirs(os.path.dirname(work / target), exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(samples, source), "-vf", f"scale={width}:-2",
                        str(work / target)], check=True)

    image("astronaut.png", "photo.jpg")
    shutil.copy(os.path.join(ROOT, "Tests/browser/fixtures/photo.heic"), work / "photo.heic")  # a phone photo: HEIC with irot
    for name, source in [("style.png", "strokes"), ("a.png", "strokes"), ("b.png", "mosaic"), ("painting.png", "mosaic")]:
        image(source + ".png", name, 32)
    for name in ["astronaut", "coffee"]:
        image(name + ".png", f"photos/{name}.jpg")
    for name in ["strokes", "mosaic"]:
        image(name + ".png", f"styles/{name}.jpg", 32)
    (work / "photos.txt").write_text("photos/astronaut.jpg\nphotos/coffee.jpg\n")  # --list: content paths
    (work / "pairs.tsv").write_text("photos/astronaut.jpg\tstyles/mosaic.jpg\nphotos/coffee.jpg\tstyles/strokes.jpg\n")
    for clip, seconds in [("clip.mp4", 2), ("clip.mov", 6)]:  # clip.mov outlasts --start 5
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", os.path.join(samples, "chelsea.png"), "-t", str(seconds),
                        "-r", "2", "-vf", "scale=48:32", "-pix_fmt", "yuv420p", str(work / clip)], check=True)
    os.makedirs(work / "frames")
    for i in range(1, 4):
        image("coffee.png", f"frames/{i:05d}.png")
    os.makedirs(work / "weights")
    subprocess.run(["python3", os.path.join(ROOT, "tools/make_random_stytr2_weights.py"), str(work / "weights/stytr2.safetensors"),
                    "--d-model", "16", "--heads", "2", "--ffn", "32", "--layers", "1", "--cnn-width", "8"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([BIN, "photos/", "styles/", "-o", "out/", "-q"], cwd=work, check=True,
                   env=dict(os.environ, STYLIZE_WEIGHTS=str(work / "weights")))
    return work


@pytest.fixture
def scratch(inputs, tmp_path):
    """A fresh copy of the inputs for one command, so no command sees another's outputs."""
    shutil.copytree(inputs, tmp_path / "work")
    return tmp_path / "work"


def test_the_docs_show_stylize_commands():
    assert len(stylize_commands()) >= 15, stylize_commands()


@pytest.mark.parametrize("doc,line", stylize_commands())
def test_stylize_command(doc, line, scratch):
    sub = subcommand(line)
    if sub == "bench":  # `stylize bench A|B [--flag]`: the flags belong to the benchmarks named
        help_output = "".join(help_text(BIN, sub, name) for name in line.split()[2].split("|"))
    else:
        help_output = help_text(BIN, *([sub] if sub else []))
    assert unknown_flags(line, help_output) == [], f"{doc}: `{line}` shows flags that `stylize {sub} --help` does not list"
    if not runnable(line):
        return
    command = without_optional(line)
    env = dict(os.environ, STYLIZE_WEIGHTS=str(scratch / "weights"))
    if "--shard auto" in command:
        env.update(SLURM_ARRAY_TASK_ID="1", SLURM_ARRAY_TASK_COUNT="2", SLURM_ARRAY_TASK_MIN="0", SLURM_ARRAY_TASK_STEP="1")
    run = subprocess.run(["bash", "-c", shlex.quote(BIN) + command[len("stylize"):]], cwd=scratch, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{doc}: `{command}` exited {run.returncode}: {run.stderr[-2000:]}"
    words = shlex.split(command.split("<")[0].split(">")[0])
    outputs = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-o" and words[i + 1] != "-"]
    outputs += [w.strip() for w in re.findall(r">\s*(\S+)", command)]
    if not outputs:  # a report: it prints
        assert run.stdout.strip(), f"{doc}: `{command}` printed nothing"
    for out in outputs:
        path = scratch / out
        written = os.listdir(path) if path.is_dir() else [out] if path.is_file() and path.stat().st_size > 0 else []
        assert written, f"{doc}: `{command}` wrote nothing at {out}"


@pytest.mark.parametrize("doc,line", doc_commands("python3 tools/convert_weights.py "))
def test_converter_command(doc, line):
    sub = line.split()[2]
    help_output = help_text("python3", "tools/convert_weights.py", sub)
    assert unknown_flags(line, help_output) == [], f"{doc}: `{line}`"


def doc_paths():
    found = set()
    for doc in DOCS:
        text = open(os.path.join(ROOT, doc)).read()
        for path in re.findall(r"(?<![\w./-])((?:tools|Sources|Tests|weights)/[\w./-]*[\w/])", text):
            if not re.search(r"[*%]|\.\.\.|/ID/", path) and not path.startswith("weights/") or path == "weights/README.md":
                found.add((doc, path))
    return sorted(found)


@pytest.mark.parametrize("doc,path", doc_paths())
def test_named_path_exists(doc, path):
    assert os.path.exists(os.path.join(ROOT, path)), f"{doc} names {path}, which does not exist"


def test_swift_blocks_are_compiled_by_a_test():
    sources = "".join(open(p).read() for p in glob.glob(os.path.join(ROOT, "Tests/**/*.swift"), recursive=True))
    blocks = [(doc, body) for doc in DOCS for lang, body in code_blocks(doc) if lang == "swift"]
    assert blocks, "the docs show no Swift example"
    for doc, body in blocks:
        assert body.strip() in sources, f"a swift block of {doc} is not verbatim in any test source"
