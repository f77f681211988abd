"""The assignment's dummy fixture (spec §7.2) for tests: five tokens, a seeded dataset, ten vectors.

>>> fixture = dummy_objects()          # random.seed(31415), vectors from seed 9265
>>> fixture.vectors.shape
(10, 3)

Import it from a test as ``from dummy_dataset import dummy_objects`` (pytest puts ``tests/`` on
``sys.path``). The fixture itself lives in :mod:`w2v.gradcheck` because ``w2v gradcheck`` uses it.
"""

from __future__ import annotations

from w2v.gradcheck import DUMMY_TOKENS, DummyDataset, DummyFixture, make_dummy_fixture

__all__ = ["DUMMY_TOKENS", "DummyDataset", "DummyFixture", "dummy_objects"]


def dummy_objects(seed_python: bool = True) -> DummyFixture:
    """The §7.2 fixture; with ``seed_python`` Python's ``random`` is seeded with 31415 first."""
    return make_dummy_fixture(seed_python=seed_python)
