"""Shared fixtures: where ../shared is (a skip when it is absent), running the command line,
and PyTorch (a skip when it is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder ``../shared/data`` beside the repository; skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is not beside the repository ({SHARED_DATA} missing)")
    return SHARED_DATA


@pytest.fixture
def run_w2v():
    """``run_w2v(*args)`` runs ``python -m w2v.cli ARGS`` as a user would (CompletedProcess)."""
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "w2v.cli", *args], capture_output=True,
                              text=True, timeout=120)

    return run


@pytest.fixture(scope="session")
def torch():
    """PyTorch (the optional ``gpu`` extra); skips the test when it is not installed."""
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'w2v[gpu]')")


@pytest.fixture(scope="module")
def blobs():
    """Vectors of three well-separated clusters of 20 words each in 10-D (a0..a19, b.., c..)."""
    import numpy as np

    from w2v.vectors import Vectors

    rng = np.random.default_rng(2)
    centers = rng.normal(scale=6.0, size=(3, 10))
    rows = np.concatenate([c + rng.normal(size=(20, 10)) for c in centers])
    keys = [f"{name}{i}" for name in ("a", "b", "c") for i in range(20)]
    return Vectors(keys, rows.astype(np.float32))
