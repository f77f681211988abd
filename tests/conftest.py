"""Shared fixtures: where ../shared is, and a skip when it is absent."""

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
