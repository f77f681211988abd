"""Hostile input through the real ``w2v`` command line.

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
import signal
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
    # Random bytes are mostly invalid UTF-8: refused as not text, with the share of bad bytes.
    garbage = np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    (case[0] / "garbage.bin").write_bytes(garbage)
    _train_fails(case, case[0] / "garbage.bin", ("not UTF-8 text",), extra=["--quiet"])


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


# =============================================================================================
# Reliability II: nothing the user has is lost; every bad input gets one line.
# =============================================================================================

NOT_READ = """
    import w2v.sources
    def _must_not_read(*args, **kwargs):
        raise RuntimeError("the corpus was read before the outputs were checked")
    w2v.sources.corpus_files = _must_not_read
    import w2v.corpus
    w2v.corpus.corpus_files = _must_not_read
"""


def _tmpfs(folder: Path, size: str = "64k") -> Path:
    """Mount a small tmpfs at ``folder`` (root only); the test is skipped otherwise."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    return folder


@pytest.fixture
def mounts():
    mounted: list[Path] = []
    yield lambda folder, size="64k": mounted.append(_tmpfs(folder, size)) or folder
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# --- data loss: outputs that would replace what the user has ----------------------------------

def test_output_equal_to_the_corpus_is_refused_before_work(case):
    inputs, _ = case
    _train_fails(case, inputs / "corpus.txt", ("corpus.txt",), out=inputs / "corpus.txt",
                 patch=NOT_READ)


def test_output_inside_the_corpus_folder_is_refused(case):
    inputs, _ = case
    _train_fails(case, inputs, ("inside the corpus",), out=inputs / "vectors.txt",
                 patch=NOT_READ)


def test_native_output_never_overwrites_a_folder_of_the_user(case):
    inputs, outputs = case
    mine = inputs / "my_folder"
    mine.mkdir()
    for name in ("vocab.txt", "vectors.npy", "notes.md"):
        (mine / name).write_text("precious")
    _train_fails(case, inputs / "corpus.txt", ("my_folder",), out=mine,
                 extra=[*FAST, "--format", "native"], patch=NOT_READ)


def test_failed_native_save_on_a_full_disk_keeps_the_old_vectors(case, mounts):
    inputs, _ = case
    disk = mounts(case[1].parent / "disk", "600k")
    big = [*FAST[:1], "1000", *FAST[2:]]  # --dim 1000: 32 kB of vectors a save
    first = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(disk / "vecs"),
                     "--format", "native", *big])
    assert first.returncode == 0, first.stderr
    old = w2v_vectors(disk / "vecs")
    (disk / "filler").write_bytes(b"x" * (disk_free(disk) - 16384))
    again = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(disk / "vecs"),
                     "--format", "native", *big, "--seed", "4"])
    lines = [line for line in again.stderr.splitlines() if line.strip()]
    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert len(lines) == 1 and "No space left" in lines[0], lines
    np.testing.assert_array_equal(w2v_vectors(disk / "vecs"), old)
    assert sorted(p.name for p in disk.iterdir() if not p.name.endswith(".lock")) == [
        "filler", "vecs"]


def w2v_vectors(path: Path) -> np.ndarray:
    from w2v.vectors import Vectors

    return np.array(Vectors.load(path).vectors)


def disk_free(folder: Path) -> int:
    info = os.statvfs(folder)
    return info.f_bavail * info.f_frsize


@pytest.mark.parametrize("target", ["/dev/null", "FIFO"])
def test_a_non_regular_output_is_refused(case, target):
    inputs, outputs = case
    if target == "FIFO":
        target = str(outputs / "pipe")
        os.mkfifo(target)
    before = snapshot(inputs)
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", target, *FAST], patch=NOT_READ)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and "not a regular file" in lines[0]
    assert snapshot(inputs) == before
    assert not Path(target).is_file()


def test_checkpoint_cleanup_never_deletes_folders_of_the_user(case):
    inputs, outputs = case
    ck = outputs / "ck"
    ck.mkdir()
    (ck / "checkpoint.json").write_text("{}")  # looks like ours, but the user keeps things here
    for name in ("step-000001", "mine.tmp"):
        (ck / name).mkdir()
        (ck / name / "data").write_text("precious")
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(outputs / "v.txt"), *FAST,
                      "--checkpoint-dir", str(ck), "--checkpoint-every", "0"])
    assert result.returncode == 0, result.stderr
    for name in ("step-000001", "mine.tmp"):
        assert (ck / name / "data").read_text() == "precious"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_final_save_lets_it_finish(case, signum):
    inputs, outputs = case
    out = outputs / "vectors.txt"
    # The signal arrives while the first rows of the final save are being written.
    patch = f"""
        import os, w2v.formats
        _write = w2v.formats.save_vectors
        def _interrupted_save(*args, **kwargs):
            os.kill(os.getpid(), {int(signum)})
            return _write(*args, **kwargs)
        w2v.formats.save_vectors = _interrupted_save
    """
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(out), *FAST], patch=patch)
    assert result.returncode == 128 + signum  # the run was asked to stop, after the save
    assert "Traceback" not in result.stderr
    assert "the vectors were saved to" in result.stderr
    assert w2v_vectors(out).shape == (8, 8)  # whole and readable
    assert sorted(p.name for p in outputs.iterdir()) == ["vectors.txt"]  # no temporary file


def test_every_output_conflict_is_found_before_training(case):
    inputs, outputs = case
    (outputs / "afile").write_text("x")
    for out, extra, name in [
        (outputs / "v", ["--format", "native", "--checkpoint-dir", str(outputs / "v")], "also"),
        (outputs / "afile", ["--format", "native"], "afile"),
        (outputs / "nofolder" / "v.txt", [], "nofolder"),
    ]:
        result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(out), *FAST, *extra],
                         patch=NOT_READ)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode != 0 and len(lines) == 1 and name in lines[0], lines


# --- corpora that are not plain files -----------------------------------------------------------

def test_corrupt_deflate_data(case):
    data = bytearray(gzip.compress(CORPUS.encode() * 50))
    data[len(data) // 2: len(data) // 2 + 8] = b"\xff" * 8
    (case[0] / "bad.txt.gz").write_bytes(bytes(data))
    _train_fails(case, case[0] / "bad.txt.gz", ("bad.txt.gz",))


def test_truncated_bzip2(case):
    import bz2

    data = bz2.compress(CORPUS.encode() * 50)
    (case[0] / "cut.txt.bz2").write_bytes(data[: len(data) // 2])
    _train_fails(case, case[0] / "cut.txt.bz2", ("cut.txt.bz2",))


def test_compression_is_read_from_the_content(case):
    import lzma

    inputs, outputs = case
    (inputs / "no_suffix").write_bytes(gzip.compress(CORPUS.encode()))
    (inputs / "text8.xz").write_bytes(lzma.compress(CORPUS.encode()))
    for name in ("no_suffix", "text8.xz"):
        result = run_w2v(["train", str(inputs / name), "-o", str(outputs / f"{name}.txt"),
                          *FAST])
        assert result.returncode == 0 and "Trained 8 words" in result.stdout, result.stderr


def test_zstd_corpus_is_refused_by_content(case):
    (case[0] / "c.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 64)
    _train_fails(case, case[0] / "c.zst", ("zstd",))


def test_a_device_is_not_a_corpus(case):
    _train_fails(case, Path("/dev/zero"), ("/dev/zero", "character device"))


def test_a_fifo_corpus_is_read_once(case):
    import threading

    inputs, outputs = case
    fifo = outputs / "corpus.fifo"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as pipe:
            pipe.write(CORPUS)

    writer = threading.Thread(target=feed)
    writer.start()
    result = run_w2v(["train", str(fifo), "-o", str(outputs / "v.txt"), *FAST])
    writer.join(timeout=30)
    assert result.returncode == 0 and "Trained 8 words" in result.stdout, result.stderr


def test_stdin_as_corpus(case):
    outputs = case[1]
    result = subprocess.run([sys.executable, "-m", "w2v.cli", "train", "/dev/stdin", "-o",
                             str(outputs / "v.txt"), *FAST], input=CORPUS, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "Trained 8 words" in result.stdout, result.stderr


def test_temporary_copy_of_a_pipe_on_a_full_disk(case, mounts):
    tmp = mounts(case[1].parent / "tmpdisk", "16k")
    env = {**os.environ, "TMPDIR": str(tmp)}
    result = subprocess.run([sys.executable, "-m", "w2v.cli", "train", "/dev/stdin", "-o",
                             str(case[1] / "v.txt"), *FAST], input=CORPUS * 50,
                            capture_output=True, text=True, timeout=120, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and "TMPDIR" in lines[0], lines
    assert list(tmp.iterdir()) == []


def test_memory_mapped_ids_on_a_full_disk(case, mounts):
    tmp = mounts(case[1].parent / "tmpdisk", "8k")
    env = {**os.environ, "TMPDIR": str(tmp)}
    (case[0] / "big.txt").write_text(CORPUS * 100)
    result = subprocess.run([sys.executable, "-m", "w2v.cli", "train", str(case[0] / "big.txt"),
                             "-o", str(case[1] / "v.txt"), *FAST, "--max-memory", "0.001"],
                            capture_output=True, text=True, timeout=120, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(lines) == 1 and "max-memory" in lines[0], lines


def test_links_inside_a_corpus_folder(case):
    inputs, outputs = case
    folder = inputs / "books"
    folder.mkdir()
    (folder / "a.txt").write_text(CORPUS)
    elsewhere = inputs.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text(CORPUS.replace("fox", "cat"))
    (folder / "linked").symlink_to(elsewhere)
    (folder / "loop").symlink_to(folder)  # a cycle is read once
    result = run_w2v(["train", str(folder), "-o", str(outputs / "v.txt"), *FAST])
    assert result.returncode == 0, result.stderr
    assert "cat" in w2v_words(outputs / "v.txt")  # the linked folder was read
    (outputs / "v.txt").unlink()
    (folder / "dangling").symlink_to(outputs / "gone.txt")
    _train_fails(case, folder, ("dangling",))


def w2v_words(path: Path) -> list[str]:
    from w2v.vectors import Vectors

    return list(Vectors.load(path).index_to_key)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_decoded(case, encoding):
    inputs, outputs = case
    (inputs / "wide.txt").write_bytes(CORPUS.encode(encoding))
    result = run_w2v(["train", str(inputs / "wide.txt"), "-o", str(outputs / "v.txt"), *FAST])
    assert result.returncode == 0, result.stderr
    assert sorted(w2v_words(outputs / "v.txt")) == sorted(set(CORPUS.split()))


def test_utf16_without_a_bom_is_refused(case):
    (case[0] / "wide.txt").write_bytes(CORPUS.encode("utf-16-le"))
    _train_fails(case, case[0] / "wide.txt", ("wide.txt", "UTF-16"))


def test_a_utf8_bom_is_not_part_of_the_first_token(case):
    inputs, outputs = case
    (inputs / "bom.txt").write_bytes(b"\xef\xbb\xbf" + CORPUS.encode())
    result = run_w2v(["train", str(inputs / "bom.txt"), "-o", str(outputs / "v.txt"), *FAST])
    assert result.returncode == 0, result.stderr
    assert "the" in w2v_words(outputs / "v.txt")
    assert not any(w.startswith("\ufeff") for w in w2v_words(outputs / "v.txt"))


# --- extreme options ----------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "name"), [
    (["--dim", "10000000"], "--dim"),
    (["--dim", "1000000000000"], "--dim"),
    (["--window", "1000000000"], "--window"),
    (["--window", str(2**63)], "--window"),
    (["--negative", str(2**63)], "--negative"),
    (["--negative", "500"], "--negative"),  # far above the 8-word vocabulary
])
def test_extreme_options_are_refused_up_front(case, options, name):
    _train_fails(case, case[0] / "corpus.txt", (name,), extra=[*FAST, *options])


def test_a_run_that_needs_more_memory_than_there_is_says_how_much(case):
    patch = """
        import w2v.training
        w2v.training.available_memory = lambda: 1 << 20
    """
    _train_fails(case, case[0] / "corpus.txt", ("GiB",), extra=[*FAST[:1], "50000", *FAST[2:]],
                 patch=patch)


@pytest.mark.parametrize("text", ["one two three four five six seven eight nine ten\n",
                                  "a b\n" * 3])
def test_a_run_where_no_training_pair_survives_is_an_error(case, text):
    (case[0] / "tiny.txt").write_text(text)
    _train_fails(case, case[0] / "tiny.txt", ("tiny.txt",),
                 extra=["--min-count", "1", "--sample", "1e-6", "--epochs", "1", "--negative",
                        "1", "--quiet"])


# --- checkpoints -------------------------------------------------------------------------------

def test_resume_with_another_checkpoint_dir_blames_the_right_option(case, checkpoint):
    _train_fails(case, case[0] / "corpus.txt", ("--checkpoint-dir",),
                 extra=["--resume", str(checkpoint), "--checkpoint-dir",
                        str(case[1] / "ck2"), "--quiet"])


def test_resume_on_a_corpus_with_two_tokens_swapped(case, checkpoint):
    head, last = CORPUS.rstrip("\n").rsplit("\n", 1)  # the last line: same ranks, other order
    swapped = head + "\n" + last.replace("lazy dog", "dog lazy") + "\n"
    (case[0] / "swapped.txt").write_text(swapped)
    _train_fails(case, case[0] / "swapped.txt", ("another order",),
                 extra=["--resume", str(checkpoint), "--quiet"])


@pytest.mark.parametrize("content", ['{"epoch": 1e400}', "[" * 100_000 + "]" * 100_000,
                                     '{"name": "package.json"}'])
def test_tampered_checkpoint_json(case, checkpoint, content):
    (checkpoint / "checkpoint.json").write_text(content)
    _train_fails(case, case[0] / "corpus.txt", ("checkpoint.json",),
                 extra=["--resume", str(checkpoint), "--quiet"])


def test_two_runs_on_one_checkpoint_dir(case):
    inputs, outputs = case
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from w2v.checkpoint import Checkpointer
        with Checkpointer({str(outputs / "ck")!r}, every_minutes=1):
            print("held", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(outputs / "v.txt"),
                          *FAST, "--checkpoint-dir", str(outputs / "ck")])
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode != 0 and len(lines) == 1
        assert f"in use by process {holder.pid}" in lines[0], lines
    finally:
        holder.kill()
        holder.wait()


def test_vectors_that_cannot_be_written_name_the_kept_checkpoint(case):
    inputs, outputs = case
    patch = """
        import w2v.formats
        from w2v.errors import OutputError
        def _full(vectors, path, format="text"):
            raise OutputError(f"Cannot write '{path}': No space left on device.")
        w2v.formats.save_vectors = _full
    """
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(outputs / "v.txt"),
                      *FAST], patch=patch)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1
    assert "v.txt.checkpoint" in lines[0], lines
    assert (outputs / "v.txt.checkpoint" / "checkpoint.json").is_file()


def test_long_output_names_do_not_break_the_temporary_name(case):
    inputs, outputs = case
    out = outputs / ("v" * 250 + ".txt")
    result = run_w2v(["train", str(inputs / "corpus.txt"), "-o", str(out), *FAST])
    assert result.returncode == 0, result.stderr
    assert [p.name for p in outputs.iterdir()] == [out.name]


# --- query and plot options that Python would read as slices -----------------------------------

@pytest.mark.parametrize(("args", "name"), [
    (["similar", "V", "fox", "-n", "-3"], "--topn"),
    (["analogy", "V", "the", "fox", "dog", "-n", "0"], "--topn"),
    (["similar", "V", "fox", "--restrict-vocab", "-1"], "--restrict-vocab"),
    (["plot", "V", "-o", "OUT", "--tsne", "-5"], "--pca/--tsne"),
    (["plot", "V", "-o", "OUT", "--pca", "-2"], "--pca/--tsne"),
    (["plot", "V", "-o", "OUT", "--labels", "-1"], "--labels"),
])
def test_negative_counts_are_refused_not_sliced(case, args, name):
    from w2v.formats import save_vectors
    from w2v.vectors import Vectors

    inputs, outputs = case
    words = sorted(set(CORPUS.split()))
    save_vectors(Vectors(words, np.random.default_rng(0).normal(size=(8, 4))), inputs / "v.txt")
    before = snapshot(inputs)
    args = [str(inputs / "v.txt") if a == "V" else str(outputs / "p.png") if a == "OUT" else a
            for a in args]
    assert_clean_failure(run_w2v(args), (name,), inputs, before, outputs)


@pytest.mark.parametrize("score", ["nan", "inf", "-Infinity"])
def test_a_gold_score_that_is_not_finite(case, score):
    from w2v.formats import save_vectors
    from w2v.vectors import Vectors

    inputs, outputs = case
    words = sorted(set(CORPUS.split()))
    save_vectors(Vectors(words, np.random.default_rng(0).normal(size=(8, 4))), inputs / "v.txt")
    (inputs / "gold.txt").write_text(f"the fox 2\nthe dog {score}\nfox dog 1\n")
    before = snapshot(inputs)
    result = run_w2v(["eval", str(inputs / "v.txt"), "--similarity", str(inputs / "gold.txt"),
                      "--json"])
    assert_clean_failure(result, ("gold.txt, line 2",), inputs, before, outputs)
