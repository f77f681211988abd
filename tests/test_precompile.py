"""Kernels compiled ahead (w2v.engines.precompile, setup.py): what they cover, and the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import w2v.corpus_tokens
from w2v.corpus_scan import scan_corpus
from w2v.engines import row_scores, token_kernels
from w2v.engines.precompile import compile_ahead
from w2v.vectors import Vectors

ROOT = Path(__file__).resolve().parents[1]


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown kernel parts"):
        compile_ahead(["train", "everything"])


def test_the_scan_and_the_rows_it_compiles_are_the_ones_real_calls_use(tmp_path, monkeypatch):
    """After compile_ahead, a compiled scan that grows its table and queries over some rows
    of a matrix add no specialisation (each would be a compile in a user's first run)."""
    seconds = compile_ahead(["scan", "rows"])
    assert set(seconds) == {"scan", "rows"}
    kernels = [token_kernels.scan_tokens, token_kernels.rehash, row_scores.scaled_row_dots,
               row_scores.best_rows]
    compiled = [list(kernel.signatures) for kernel in kernels]
    assert all(compiled)
    corpus = tmp_path / "corpus.txt"  # 40,000 distinct words: the hash table is regrown
    corpus.write_text("\n".join(" ".join(f"w{i}" for i in range(start, start + 1000))
                                for start in range(0, 40_000, 1000)))
    monkeypatch.setattr(w2v.corpus_tokens, "MIN_BYTES", 0)  # the compiled scan, however small
    assert len(scan_corpus(str(corpus), 10_000).words) == 40_000
    matrix = np.random.default_rng(0).standard_normal((50, 8)).astype(np.float32)
    vectors = Vectors([f"w{i}" for i in range(50)], matrix)
    vectors.cosines(matrix[3], rows=[1, 2, 5])
    vectors.nearest_of(matrix[3], np.array([4, 1, -1, 9]), topn=2, exclude={3})
    assert [list(kernel.signatures) for kernel in kernels] == compiled


def _signatures(*modules):
    """Every numba dispatcher of ``modules`` with its compiled signatures."""
    return {(module.__name__, name): list(value.signatures) for module in modules
            for name, value in vars(module).items() if hasattr(value, "signatures")}


@pytest.mark.parametrize(("part", "options"), [
    ("hs", {"hs": True, "negative": 0, "sg": True}),
    ("hs", {"hs": True, "negative": 0, "sg": False}),
    ("subwords", {"subwords": True, "sg": True}),
    ("subwords", {"subwords": True, "sg": False}),
])
def test_the_training_parts_compile_what_a_run_from_a_file_uses(tmp_path, part, options):
    from w2v.engines import numba_hs, numba_kernels, subword_kernels
    from w2v.training import train

    compile_ahead([part])
    before = _signatures(numba_kernels, numba_hs, subword_kernels)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(f"w{(i * 7 + j) % 60}" for j in range(40))
                                for i in range(50)))
    train(str(corpus), epochs=1, min_count=1, vector_size=8, workers=2, bucket=1000,
          **options)
    assert _signatures(numba_kernels, numba_hs, subword_kernels) == before


def _project_copy(folder: Path) -> Path:
    """The files a wheel is built from, without any compiled cache of the checkout's."""
    copy = folder / "project"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def _wheel(project: Path, folder: Path, **env: str) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(folder), str(project)],
                   env={**os.environ, **env}, check=True, capture_output=True, timeout=900)
    return next(folder.glob("*.whl"))


FIRST_RUN = """
import json, sys
from numba.core import event
import w2v
assert w2v.__file__.startswith(sys.argv[1]), w2v.__file__
with event.install_recorder("numba:compile") as recorder:
    for sg in (True, False):
        model = w2v.train(sys.argv[2], sg=sg, epochs=1, min_count=1, vector_size=8,
                          workers=2)
compiled = {e.data["dispatcher"].py_func.__name__ for _, e in recorder.buffer if e.is_start}
print(json.dumps(sorted(compiled)))
"""


@pytest.mark.slow
def test_a_wheel_brings_the_kernels_so_the_first_run_compiles_nothing(tmp_path):
    """``pip install .`` builds a wheel: its build compiles the kernels into it, and the first
    training run from the installed package loads them (no compile event at all); a wheel
    built with W2V_NO_PRECOMPILE=1 has none, and its first run compiles."""
    pytest.importorskip("setuptools")
    project = _project_copy(tmp_path)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(f"w{(i * 7 + j) % 60}" for j in range(40))
                                for i in range(50)))
    runs = {}
    for kind, env in (("kernels", {}), ("none", {"W2V_NO_PRECOMPILE": "1"})):
        wheel = _wheel(project, tmp_path / f"wheel-{kind}", **env)
        cached = [name for name in zipfile.ZipFile(wheel).namelist() if name.endswith(".nbi")]
        target = tmp_path / f"site-{kind}"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(target), str(wheel)], check=True, capture_output=True, timeout=600)
        child_env = {key: value for key, value in os.environ.items()
                     if key not in ("NUMBA_CACHE_DIR", "W2V_NO_PRECOMPILE")}
        child_env.update(PYTHONPATH=str(target), XDG_CACHE_HOME=str(tmp_path / f"user-{kind}"))
        out = subprocess.run([sys.executable, "-c", FIRST_RUN, str(target), str(corpus)],
                             env=child_env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr
        runs[kind] = cached, json.loads(out.stdout.splitlines()[-1])
    cached, compiled = runs["kernels"]
    for kernel in ("engines/__pycache__/numba_kernels.train_chunk",
                   "engines/__pycache__/token_kernels.scan_tokens",
                   "engines/__pycache__/row_scores.best_rows", "seed/__pycache__/kernels."):
        assert any(name.startswith(f"w2v/{kernel}") for name in cached), kernel
    assert compiled == []
    cached, compiled = runs["none"]
    assert cached == [] and "train_chunk" in compiled
