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

from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.search import top_indices

if TYPE_CHECKING:
    from w2v.vectors import Vectors

# the recall the probe words must reach. A word's recall@10 varies by about 0.1 between words,
# so 512 words measure the mean to about +-0.0045, and 0.96 on them keeps the mean over other
# words above 0.95 with two of those margins to spare (128 words at 0.97 kept it there too,
# but chose 2,390 candidates on a million random 300-D vectors where 1,700 reach 0.96)
TARGET_RECALL = 0.96
PROBE_WORDS = 512
TOPN = 10
# the first candidate count searched, in multiples of the smallest one tried; each search that
# falls short of the target doubles it. One search measures every smaller count at once: the
# index returns its candidates best first, so the first k of them are what k would give.
FIRST_SEARCH = 4
# scores this close to the 10th exact one are ties (float32 rounding of a cosine)
TIE_TOLERANCE = 1e-6
# candidates the probe holds at once (rows x candidates searched): 8 Mi of them, ~100 MB
SEARCH_ENTRIES = 1 << 23
# exact answers are computed this many probe words at a time: (16, V) float32 scores
EXACT_BATCH = 16


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

    def recall_curve(self, index: Any, padded: np.ndarray, vectors: Vectors,
                     asked: int) -> np.ndarray:
        """Mean recall@10 when the first k of ``asked`` candidates the index gives each probe
        word are re-scored exactly, for every k: float (asked,).

        ``index`` is searched with ``padded`` (P, width) queries, as a word query asks it
        (the word itself is one of the candidates), a few words at a time: the candidate
        lists of all of them at once could take gigabytes. A word found counts when its
        exact score reaches the probe word's 10th exact score (less float rounding): of
        words tied at the 10th place any is a right answer, as in exact search, which picks
        one of them too. The top 10 of k re-scored candidates holds every such word among
        them, up to 10.
        """
        hits = np.zeros(asked)
        step = max(1, SEARCH_ENTRIES // asked)
        for first in range(0, len(self.rows), step):
            _, found = index.search(padded[first:first + step], asked)  # (B, asked), best first
            for i, candidates in enumerate(found, start=first):
                real = (candidates >= 0) & (candidates != self.rows[i])
                scores = np.full(asked, -np.inf, dtype=np.float32)
                scores[real] = vectors.cosines(self.queries[i], rows=candidates[real])
                hits += np.minimum(np.cumsum(scores >= self.tenth[i] - TIE_TOLERANCE), TOPN)
        return hits / (TOPN * len(self.rows)) if len(self.rows) else hits + 1.0

    def smallest_rerank(self, index: Any, padded: np.ndarray, vectors: Vectors,
                        start: int, limit: int) -> tuple[int, float]:
        """(candidates, recall): the fewest candidates, at least ``start``, that reach
        TARGET_RECALL on the probe words, or ``limit`` (at most V) with the recall it gives;
        ``index`` and ``padded`` as in :meth:`recall_curve`."""
        start = min(start, len(vectors))
        limit = min(max(limit, start), len(vectors))
        asked = min(start * FIRST_SEARCH, limit)
        while True:
            curve = self.recall_curve(index, padded, vectors, asked)
            reached = np.flatnonzero(curve[start - 1:] >= TARGET_RECALL)
            if len(reached):
                count = start + int(reached[0])
                return count, float(curve[count - 1])
            if asked >= limit:
                return asked, float(curve[asked - 1])
            asked = min(asked * 2, limit)
