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
