"""Hostile input through the real ``w2v`` command line (issue 7, item 4).

Every bad input must give: a non-zero exit, exactly one line on stderr naming the file or
option, no traceback, no output file and no temporary file left, and the input untouched
(hashed before and after). Each case runs ``python -m w2v.cli`` in a subprocess; the few
faults that cannot be produced from outside (read-only folder as root, full disk) patch the
process from a ``python -c`` wrapper that then calls the real entry point.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

CORPUS = "\n".join(["the quick brown fox jumps over the lazy dog"] * 40) + "\n"
FAST = ["--dim", "8", "--window", "2", "--negative", "2", "--min-count", "1", "--epochs", "1",
        "--workers", "1", "--seed", "3", "--quiet"]


def run_w2v(args: list[str], patch: str = "") -> subprocess.CompletedProcess:
    """Run the CLI; ``patch`` is Python run first in the same process (to simulate faults)."""
    if patch:
        code = textwrap.dedent(patch) + "\nimport sys\nfrom w2v.cli import main\n" \
            "sys.argv = ['w2v', *sys.argv[1:]]\nmain()\n"
        command = [sys.executable, "-c", code, *args]
    else:
        command = [sys.executable, "-m", "w2v.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (the inputs of a case)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_clean_failure(result: subprocess.CompletedProcess, names: tuple[str, ...],
                         inputs: Path, before: dict[str, str], outputs: Path) -> None:
    """The contract of every hostile case."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("w2v: error: "), lines[0]
    assert any(name in lines[0] for name in names), f"{lines[0]!r} names none of {names}"
    left = [p.name for p in outputs.rglob("*")] if outputs.exists() else []
    assert left == [], f"files left in the output folder: {left}"
    assert snapshot(inputs) == before, "the input was modified"


@pytest.fixture
def case(tmp_path):
    """An input folder (hashed) and an empty output folder."""
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    (inputs / "corpus.txt").write_text(CORPUS)
    return inputs, outputs


def _train_fails(case, corpus: Path, names: tuple[str, ...], extra: list[str] | None = None,
                 out: Path | None = None, patch: str = "") -> None:
    inputs, outputs = case
    before = snapshot(inputs)
    out = out if out is not None else outputs / "vectors.txt"
    result = run_w2v(["train", str(corpus), "-o", str(out), *(extra or FAST)], patch=patch)
    assert_clean_failure(result, names, inputs, before, outputs)


# --- bad corpora ------------------------------------------------------------------------------

def test_missing_corpus(case):
    _train_fails(case, case[0] / "nope.txt", ("nope.txt",))


def test_folder_without_files(case):
    (case[0] / "empty_folder").mkdir()
    _train_fails(case, case[0] / "empty_folder", ("empty_folder",))


@pytest.mark.parametrize(("name", "content"), [
    ("empty.txt", b""),
    ("blank.txt", b" \n\t\r\n   \n\x0b\x0c\n"),
    ("empty.gz", gzip.compress(b"")),
])
def test_corpus_without_tokens(case, name, content):
    (case[0] / name).write_bytes(content)
    _train_fails(case, case[0] / name, (name,))


def test_binary_garbage(case):
    # Random bytes: long, all-distinct "words" of replacement characters; nothing reaches
    # the default min_count of 5.
    garbage = np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    (case[0] / "garbage.bin").write_bytes(garbage)
    _train_fails(case, case[0] / "garbage.bin", ("garbage.bin",), extra=["--quiet"])


def test_truncated_gzip(case):
    data = gzip.compress(CORPUS.encode() * 20)
    (case[0] / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    _train_fails(case, case[0] / "cut.txt.gz", ("cut.txt.gz",))


def test_vocabulary_empty_after_min_count(case):
    _train_fails(case, case[0] / "corpus.txt", ("min_count", "min-count"),
                 extra=["--min-count", "1000", "--quiet"])


def test_invalid_utf8_still_trains_and_reports_the_count(case):
    inputs, outputs = case
    (inputs / "latin1.txt").write_bytes(CORPUS.replace("fox", "caf\xe9").encode("latin-1"))
    before = snapshot(inputs)
    out = outputs / "vectors.txt"
    result = run_w2v(["train", str(inputs / "latin1.txt"), "-o", str(out), *FAST])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "40 byte(s) were not valid UTF-8" in result.stderr
    assert "caf\ufffd" in out.read_text(encoding="utf-8")
    assert snapshot(inputs) == before


def test_single_50_million_character_line(case):
    # 5M words of 9 letters on one line: read in chunks, split into 10,000-token sentences,
    # no token dropped (the summary counts all of them).
    inputs, outputs = case
    words = np.frombuffer(b"".join(bytes([c]) * 9 + b" " for c in b"abcdefghij"),
                          dtype=np.uint8).reshape(10, 10)
    line = words[np.random.default_rng(0).integers(0, 10, 5_000_000)].tobytes()
    assert len(line) == 50_000_000 and b"\n" not in line
    (inputs / "line.txt").write_bytes(line)
    out = outputs / "vectors.txt"
    result = run_w2v(["train", str(inputs / "line.txt"), "-o", str(out), "--epochs", "1",
                      "--sample", "1e-6", "--workers", "1", "--dim", "8", "--quiet"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "5,000,000 tokens" in result.stdout
    assert out.read_text().startswith("10 8\n")


# --- options out of range ---------------------------------------------------------------------

BASE = ["--min-count", "1", "--quiet"]


@pytest.mark.parametrize(("options", "names"), [
    (["--dim", "0"], ("--dim", "vector_size")),
    (["--window", "-1"], ("--window", "window")),
    (["--negative", "0", "--loss", "neg"], ("--negative", "negative")),
    (["--sample", "-1"], ("--sample", "sample")),
    (["--epochs", "0"], ("--epochs", "epochs")),
    (["--workers", "0"], ("--workers", "workers")),
    (["--alpha", "nan"], ("--alpha", "alpha")),
    (["--format", "pickle"], ("--format", "format")),
])
def test_option_out_of_range(case, options, names):
    _train_fails(case, case[0] / "corpus.txt", names, extra=[*BASE, *options])


# --- outputs that cannot be written -----------------------------------------------------------

def test_output_in_missing_folder(case):
    _train_fails(case, case[0] / "corpus.txt", ("missing_folder",),
                 out=case[1] / "missing_folder" / "v.txt")


def test_output_under_a_file(case):
    # A path whose "folder" is a file: what a read-only or bogus output path looks like to root.
    inputs, _ = case
    _train_fails(case, inputs / "corpus.txt", ("corpus.txt",), out=inputs / "corpus.txt" / "v.txt")


def test_output_in_read_only_folder(case):
    inputs, outputs = case
    if os.geteuid() != 0:
        outputs.chmod(0o555)
        try:
            _train_fails(case, inputs / "corpus.txt", (str(outputs),))
        finally:
            outputs.chmod(0o755)
        return
    # root ignores permission bits: make os.access report the folder as read-only instead.
    patch = f"""
        import os
        _access = os.access
        def _read_only(p, mode, **kw):
            return False if str(p) == {str(outputs)!r} else _access(p, mode, **kw)
        os.access = _read_only
    """
    _train_fails(case, inputs / "corpus.txt", (str(outputs),), patch=patch)


@pytest.mark.parametrize("fmt", ["text", "native"])
def test_full_disk(case, fmt):
    # ENOSPC when the vectors are flushed to disk: the temporary file must go, nothing stays.
    patch = """
        import errno, os
        def _full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync = _full
    """
    inputs, outputs = case
    name = "vectors.txt" if fmt != "native" else "vectors_native"
    _train_fails(case, inputs / "corpus.txt", (name,), extra=[*FAST, "--format", fmt],
                 out=outputs / name, patch=patch)


def test_output_is_an_existing_folder(case):
    inputs, outputs = case
    (outputs / "taken").mkdir()
    before = snapshot(inputs)
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(outputs / "taken"), *FAST])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(lines) == 1 and "taken" in lines[0]
    assert [p.name for p in outputs.rglob("*")] == ["taken"]
    assert snapshot(inputs) == before


# --- bad vector files -------------------------------------------------------------------------

def _vector_files(folder: Path) -> dict[str, Path]:
    from w2v.formats import save_vectors
    from w2v.vectors import Vectors

    vectors = Vectors(["the", "fox", "dog"], np.eye(3, 4, dtype=np.float32))
    paths = {"text": folder / "v.txt", "binary": folder / "v.bin", "native": folder / "v_nat"}
    for fmt, path in paths.items():
        save_vectors(vectors, path, fmt)
    return paths


CORRUPTIONS = {
    "text-truncated": ("text", lambda b: b[: len(b) // 2]),
    "text-not-numbers": ("text", lambda b: b.replace(b"0", b"x", 3)),
    "text-bad-header": ("text", lambda b: b"three four\n" + b.split(b"\n", 1)[1]),
    "binary-truncated": ("binary", lambda b: b[:-7]),
    "binary-lying-header": ("binary", lambda b: b"99999999 99999\n" + b.split(b"\n", 1)[1]),
    "empty": ("text", lambda b: b""),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_vector_file(case, corruption):
    inputs, outputs = case
    fmt, mutate = CORRUPTIONS[corruption]
    path = _vector_files(inputs)[fmt]
    path.write_bytes(mutate(path.read_bytes()))
    before = snapshot(inputs)
    result = run_w2v(["info", str(path)])
    assert_clean_failure(result, (path.name,), inputs, before, outputs)


def test_native_folder_without_header(case):
    inputs, outputs = case
    path = _vector_files(inputs)["native"]
    (path / "w2v.json").unlink()
    before = snapshot(inputs)
    result = run_w2v(["info", str(path)])
    assert_clean_failure(result, (path.name,), inputs, before, outputs)


# --- bad checkpoints --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def finished_checkpoint(tmp_path_factory) -> Path:
    """The checkpoint folder of a finished run on CORPUS (made once, copied into each case)."""
    scratch = tmp_path_factory.mktemp("ck_source")
    (scratch / "corpus.txt").write_text(CORPUS)
    result = run_w2v(["train", str(scratch / "corpus.txt"), "-o", str(scratch / "v.txt"),
                      "--checkpoint-dir", str(scratch / "ck"), "--checkpoint-every", "0", *FAST])
    assert result.returncode == 0, result.stderr
    return scratch / "ck"


@pytest.fixture
def checkpoint(case, finished_checkpoint) -> Path:
    """A copy of the finished checkpoint inside the (hashed) input folder."""
    import shutil

    return Path(shutil.copytree(finished_checkpoint, case[0] / "ck"))


CHECKPOINT_DAMAGE = {
    "truncated-weights": lambda f: (f / "w_in.npy").write_bytes(
        (f / "w_in.npy").read_bytes()[:-9]),
    "corrupt-weights": lambda f: (f / "w_out.npy").write_bytes(
        (f / "w_out.npy").read_bytes()[:-4] + b"\x00\x00\xc0\x7f"),
    "truncated-state": lambda f: (f / "checkpoint.json").write_bytes(
        (f / "checkpoint.json").read_bytes()[:40]),
    "garbage-state": lambda f: (f / "checkpoint.json").write_bytes(b"\x00\xff" * 50),
    "missing-state": lambda f: (f / "checkpoint.json").unlink(),
}


@pytest.mark.parametrize("damage", sorted(CHECKPOINT_DAMAGE))
def test_damaged_checkpoint(case, checkpoint, damage):
    CHECKPOINT_DAMAGE[damage](checkpoint)
    _train_fails(case, case[0] / "corpus.txt", (str(checkpoint),),
                 extra=["--resume", str(checkpoint), "--quiet"])


def test_checkpoint_from_another_config(case, checkpoint):
    _train_fails(case, case[0] / "corpus.txt", ("window",),
                 extra=["--resume", str(checkpoint), "--window", "4", "--quiet"])


def test_checkpoint_from_another_corpus(case, checkpoint):
    (case[0] / "other.txt").write_text(CORPUS.replace("lazy", "sleepy"))
    _train_fails(case, case[0] / "other.txt", ("another corpus",),
                 extra=["--resume", str(checkpoint), "--quiet"])


def test_resume_from_missing_folder(case):
    _train_fails(case, case[0] / "corpus.txt", ("no_such_ck",),
                 extra=["--resume", str(case[1] / "no_such_ck"), "--quiet"])


@pytest.mark.parametrize(("options", "name"), [
    (["--checkpoint-every", "5"], "--checkpoint-dir"),
    (["--checkpoint-dir", "CK", "--checkpoint-every", "-1"], "--checkpoint-every"),
])
def test_bad_checkpoint_options(case, options, name):
    options = [str(case[1] / "ck") if o == "CK" else o for o in options]
    _train_fails(case, case[0] / "corpus.txt", (name,), extra=[*FAST, *options])
