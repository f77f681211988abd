"""The measurement that sets up a pq index: recall on probe words.

A pq index (:mod:`w2v.ann`) has two choices that depend on the vectors, not only on their
shape: how finely to code them (numbers a 4-bit code) and how many candidates to re-score
exactly (``rerank``). On a million random 300-D vectors, 3 numbers a code and 2,000 candidates
give recall@10 0.97; on trained vectors whose rare words all point nearly one way (cosines of
0.97 with a thousand others), the same codes cannot tell those words apart, and 1 number a
code with 500 candidates does better and faster. So the build measures instead of guessing:
each coding is built, the smallest candidate count that reaches :data:`TARGET_RECALL` on the
probe words is found, and the coding whose query costs least at that count is kept
(:func:`w2v.ann.query_cost_ms`).

The probe words are a seeded sample of rows; their exact top 10 is computed once, by the
same exact search :meth:`Vectors.most_similar` runs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.search import top_indices

if TYPE_CHECKING:
    from w2v.vectors import Vectors

# the recall the probe words must reach. A word's recall@10 varies by about 0.1 between words,
# so 128 words measure the mean to about +-0.009, and 0.97 on them keeps the mean over other
# words above 0.95 (with 64 words, a probe at 0.975 once gave 0.954 on 200 other words)
TARGET_RECALL = 0.97
PROBE_WORDS = 128
TOPN = 10
# candidate counts tried grow by this factor: a candidate costs the query time (about 0.1 us
# a 300-D row), so the step stays fine enough not to overshoot by much
RERANK_STEP = 1.25
# scores this close to the 10th exact one are ties (float32 rounding of a cosine)
TIE_TOLERANCE = 1e-6
# exact answers are computed this many probe words at a time: (8, V) float32 scores
EXACT_BATCH = 8


class Probe:
    """Seeded probe rows of ``vectors`` and their exact top 10, to measure an index against.

    Attributes
    ----------
    rows : ndarray of int64, shape (P,)
        The probe words' rows (P = min(PROBE_WORDS, V) finite rows).
    queries : ndarray of float32, shape (P, D)
        Their unit vectors.
    tenth : list of float
        Each probe word's 10th best exact score (the word itself left out).
    """

    def __init__(self, vectors: Vectors) -> None:
        rng = np.random.default_rng(0)
        finite = np.flatnonzero(vectors.finite_rows & (vectors.norms > 0))
        self.rows = np.sort(rng.choice(finite, min(PROBE_WORDS, len(finite)), replace=False))
        self.queries = vectors.unit_rows(self.rows)
        self.tenth: list[float] = []
        for start in range(0, len(self.rows), EXACT_BATCH):
            scores = vectors.cosines(self.queries[start:start + EXACT_BATCH])  # (B, V)
            for row, line in zip(self.rows[start:start + EXACT_BATCH], scores, strict=True):
                line[row] = -np.inf
                best = top_indices(line, TOPN)
                self.tenth.append(float(line[best[-1]]) if len(best) else np.inf)

    def recall(self, found: np.ndarray, vectors: Vectors) -> float:
        """Mean recall@10 of candidate lists ``found`` (P, K) once re-scored exactly.

        A word found counts when its exact score reaches the probe word's 10th exact score
        (less float rounding): of words tied at the 10th place any is a right answer, as in
        exact search, which picks one of them too.
        """
        hits = []
        for row, query, candidates, tenth in zip(self.rows, self.queries, found, self.tenth,
                                                 strict=True):
            candidates = np.sort(candidates[(candidates >= 0) & (candidates != row)])
            scores = vectors.cosines(query, rows=candidates)
            best = scores[top_indices(scores, TOPN)]
            hits.append(min(int(np.sum(best >= tenth - TIE_TOLERANCE)), TOPN) / TOPN)
        return float(np.mean(hits)) if hits else 1.0

    def smallest_rerank(self, index: Any, padded: np.ndarray, vectors: Vectors,
                        start: int, limit: int) -> tuple[int, float]:
        """(candidates, recall): the fewest candidates, from ``start`` up by RERANK_STEP,
        that reach TARGET_RECALL on the probe words, or ``limit`` (at most V) with the
        recall it gives. ``index`` is searched with ``padded`` (P, width) queries, as a word
        query asks it: the word itself is one of the candidates."""
        rerank = min(start, len(vectors))
        limit = min(max(limit, rerank), len(vectors))
        while True:
            _, found = index.search(padded, rerank)
            recall = self.recall(found, vectors)
            if rerank >= limit or recall >= TARGET_RECALL:
                return rerank, recall
            rerank = min(math.ceil(rerank * RERANK_STEP), limit)
