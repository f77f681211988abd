"""Exact scores of chosen rows (the re-scoring of an approximate index's candidates)."""

from __future__ import annotations

import numpy as np
import pytest

import w2v.vectors
from w2v.vectors import Vectors


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(7)
    rows = rng.standard_normal((500, 24)).astype(np.float32)
    rows[10] = 0.0  # a zero row scores 0
    rows[11] = np.nan  # a diverged row is never an answer
    rows[12, 3] = np.inf
    rows[40] = rows[30] * 2  # the same direction: equal cosines
    return Vectors([f"w{i}" for i in range(500)], rows)


def expected(vectors, query, rows, topn, exclude):
    """The answer written plainly: every distinct candidate scored, sorted by (-score, row)."""
    unit = query / np.linalg.norm(query)
    scores = {}
    for row in set(int(r) for r in rows):
        vector = vectors.vectors[row]
        if row < 0 or row >= len(vectors) or row in exclude or not np.isfinite(vector).all():
            continue
        norm = np.linalg.norm(vector)
        scores[row] = float(vector @ unit / norm) if norm > 0 else 0.0
    ranked = sorted(scores, key=lambda r: (-scores[r], r))[:topn]
    return ranked, [scores[r] for r in ranked]


@pytest.mark.parametrize("topn", [1, 5, 40, 600])
@pytest.mark.parametrize("compiled", [True, False])
def test_nearest_of_candidates(vectors, monkeypatch, topn, compiled):
    if not compiled:  # the numpy path, where numba cannot load
        monkeypatch.setattr(w2v.vectors, "_row_kernels", lambda: None)
    rng = np.random.default_rng(topn)
    query = rng.standard_normal(24).astype(np.float32)
    rows = np.concatenate([rng.permutation(500)[:300], [10, 11, 12, 30, 40, 40, -1, -1]])
    rng.shuffle(rows)
    exclude = {int(rows[0]), int(rows[1])}
    found, scores = vectors.nearest_of(query, rows, topn, exclude)
    want_rows, want_scores = expected(vectors, query, rows, topn, exclude)
    assert found.tolist() == want_rows
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    assert found.dtype == np.int64 and scores.dtype == np.float32


@pytest.mark.parametrize("compiled", [True, False])
def test_equal_cosines_rank_the_lower_row_first(vectors, monkeypatch, compiled):
    if not compiled:
        monkeypatch.setattr(w2v.vectors, "_row_kernels", lambda: None)
    found, scores = vectors.nearest_of(vectors.vectors[30], np.array([40, 7, 30, 40]), 3)
    assert found[:2].tolist() == [30, 40] and scores[0] == scores[1]
    assert len(found) == 3 and 7 in found
    # ties cut by topn: rows 4 and 5 score exactly 1, and only one of them fits
    tied = Vectors([f"t{i}" for i in range(6)], np.array(
        [[0, 1], [0, 1], [0, 1], [0, 1], [2, 0], [1, 0]], dtype=np.float32))
    assert tied.nearest_of(np.array([1.0, 0.0]), np.array([5, 0, 4, 1]), 1)[0].tolist() == [4]
    assert tied.nearest_of(np.array([1.0, 0.0]), np.array([5, 0, 4, 1]), 3)[0].tolist() == \
        [4, 5, 0]


def test_many_answers_are_sorted_rather_than_kept_one_by_one(vectors):
    # above NEAREST_KERNEL_TOPN answers, the scores are sorted after (O(K log K)), the same
    rng = np.random.default_rng(9)
    query = rng.standard_normal(24).astype(np.float32)
    rows = np.concatenate([rng.permutation(500), [-1, 11, 30]])
    found, scores = vectors.nearest_of(query, rows, 450, {3})
    want_rows, want_scores = expected(vectors, query, rows, 450, {3})
    assert found.tolist() == want_rows
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)


def test_nothing_to_answer(vectors):
    assert vectors.nearest_of(np.ones(24), np.array([11, 12, -1]), 5)[0].size == 0
    assert vectors.nearest_of(np.ones(24), np.arange(50), 0)[0].size == 0
    nan_query = np.full(24, np.nan, dtype=np.float32)
    assert vectors.nearest_of(nan_query, np.arange(50), 5)[0].size == 0


def test_row_cosines_score_rows_in_place(vectors):
    from w2v.engines.row_scores import row_cosines

    query = np.linspace(-1, 1, 24).astype(np.float32)
    query /= np.linalg.norm(query)
    rows = np.array([3, 10, 11, 499, 3, -1])
    scores = row_cosines(vectors.vectors, rows, vectors.norms, vectors.finite_rows, query)
    want = vectors.vectors[[3, 499]] @ query / np.linalg.norm(vectors.vectors[[3, 499]], axis=1)
    np.testing.assert_allclose(scores[[0, 3, 4, 5]], [want[0], want[1], want[0], want[1]],
                               atol=1e-6)
    assert scores[1] == 0.0 and np.isnan(scores[2])
    with pytest.raises(IndexError, match="outside"):
        row_cosines(vectors.vectors, np.array([500]), vectors.norms, vectors.finite_rows, query)
