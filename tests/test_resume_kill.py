"""Kill and resume through the real command line: the result is bit-identical.

``w2v train --checkpoint-every 0`` checkpoints after every chunk (~50,000 words). A run is
killed with SIGKILL at an arbitrary point (after a seeded-random number of checkpoints, plus a
random delay, so mid-chunk and mid-save are both hit over runs), resumed with ``--resume``,
and its vectors (word2vec binary: exact float32 bytes) compared with an uninterrupted run's.
SIGINT and SIGTERM must exit 130 / 143 with one line saying where things are, and resume too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

OPTIONS = ["--dim", "24", "--window", "4", "--negative", "3", "--min-count", "2",
           "--epochs", "6", "--workers", "1", "--seed", "11", "--format", "binary", "--quiet"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """About 250,000 Zipf-distributed words: 5 chunks an epoch, 30 checkpoints a run."""
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(3000)])
    ids = rng.zipf(1.25, 250_000) % 3000
    lines = [" ".join(words[ids[i:i + 20]]) for i in range(0, len(ids), 20)]
    path = tmp_path_factory.mktemp("kill") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def w2v(*args: str) -> list[str]:
    return [sys.executable, "-m", "w2v.cli", *args]


@pytest.fixture(scope="module")
def uninterrupted(corpus) -> bytes:
    out = corpus.parent / "plain.bin"
    result = subprocess.run(w2v("train", str(corpus), "-o", str(out), *OPTIONS),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _step(folder: Path) -> int:
    try:
        return json.loads((folder / "checkpoint.json").read_text())["step"]
    except (OSError, ValueError, KeyError):
        return 0


def _start_and_wait(corpus: Path, folder: Path, out: Path, steps: int) -> subprocess.Popen:
    """Start a checkpointing run and return once ``steps`` checkpoints are on disk."""
    proc = subprocess.Popen(w2v("train", str(corpus), "-o", str(out), "--checkpoint-dir",
                                str(folder), "--checkpoint-every", "0", *OPTIONS),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _step(folder) < steps:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run ended before {steps} checkpoints: {proc.communicate()}")
        time.sleep(0.002)
    return proc


def _resume(corpus: Path, folder: Path, out: Path) -> bytes:
    result = subprocess.run(w2v("train", str(corpus), "-o", str(out), "--resume", str(folder),
                                "--quiet", "--format", "binary"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out.read_bytes()


@pytest.mark.parametrize("trial", [0, 1])
def test_sigkill_then_resume_is_bit_identical(tmp_path, corpus, uninterrupted, trial):
    rng = random.Random(trial)
    folder, out = tmp_path / "ck", tmp_path / "v.bin"
    proc = _start_and_wait(corpus, folder, out, steps=rng.randint(2, 20))
    time.sleep(rng.uniform(0.0, 0.03))  # somewhere inside the next chunk or save
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # killed before the end: no vectors, and no partial file
    assert _resume(corpus, folder, out) == uninterrupted


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_sigterm_save_and_say_how_to_resume(tmp_path, corpus, uninterrupted, signum,
                                                    status):
    folder, out = tmp_path / "ck", tmp_path / "v.bin"
    proc = _start_and_wait(corpus, folder, out, steps=3)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr
    assert str(out) in lines[0] and str(folder) in lines[0] and "--resume" in lines[0]
    assert signal.Signals(signum).name in lines[0]
    partial = out.read_bytes()  # the vectors so far, a complete file
    assert partial[:8] == uninterrupted[:8] and len(partial) == len(uninterrupted)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert _resume(corpus, folder, out) == uninterrupted


def test_interrupt_without_checkpoint_dir_uses_output_dot_checkpoint(tmp_path, corpus):
    from w2v.checkpoint import read_header

    out = tmp_path / "v.bin"
    # 500 epochs: far longer than the waits below, on any machine (killed long before the
    # end). On a loaded machine the first wait may end before training begins: then the
    # run stops with its one-line "interrupted" and the test waits longer.
    for wait in (2.5, 6.0, 15.0):
        proc = subprocess.Popen(w2v("train", str(corpus), "-o", str(out), *OPTIONS,
                                    "--epochs", "500"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(wait)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        if stderr != "w2v: error: interrupted\n":
            break
    folder = Path(f"{out}.checkpoint")
    assert str(folder) in stderr and os.path.isfile(folder / "checkpoint.json")
    assert read_header(folder)["epoch"] < 500 and out.is_file()


def test_ctrl_c_before_training_begins_is_one_line(tmp_path, corpus):
    """Typer would turn it into a silent exit 130; the CLI says it was interrupted."""
    proc = subprocess.Popen(w2v("train", str(corpus), "-o", str(tmp_path / "v.bin"),
                                *OPTIONS, "--epochs", "500"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Once the CLI's entry point runs (before or while training; either way one line): two
    # runs of 'w2v --help' take twice as long as getting there.
    for _ in range(2):
        subprocess.run(w2v("--help"), capture_output=True, timeout=60)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr and "interrupted" in lines[0]
