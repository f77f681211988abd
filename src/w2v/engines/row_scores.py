"""Cosines of a few chosen rows with one query, without gathering the rows first.

An approximate index (:mod:`w2v.ann`) proposes a few hundred to a few thousand candidate rows
scattered over a (V, D) matrix, and each is scored exactly. ``matrix[rows] @ query`` copies
the rows into a new array and reads them again; on a million 300-D rows the copy was half the
query's exact part (0.40 ms for 2,000 rows, against 0.19 ms here, one thread). This kernel
reads each row once, in place, so a memory-mapped matrix is never copied either, and asks for
the rows a few candidates ahead of the one it scores (:mod:`w2v.engines.prefetch`): each
row is a wait on memory otherwise (1,529 random rows of a million 300-D ones: 0.15 ms
against 0.21 ms without the hint).

The scores are those of :func:`w2v.search.scaled_dots` (``(row . query) / |row|``; a zero row
scores 0 and a non-finite one NaN), up to float32 rounding of the sum's order.

:func:`best_rows` also picks a query's best few as it goes (an approximate query wants the
top 10 of its ~2,000 candidates): no score array, no sort of the candidates, no selection
after, and the row's norm and finite flag asked for ahead with the row, as each is a wait on
memory too. On a million 300-D rows that took the re-scoring of 1,529 cold candidates, Python
included, from about 0.25 to 0.15 ms.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines.prefetch import prefetch_item, prefetch_row

# reassociating the sum lets LLVM vectorise the dot product; no NaN/inf assumption is made
# (non-finite rows are told by their mask, not by their values)
_FAST = {"reassoc", "contract", "nsz", "arcp"}
# Candidates between the row asked for and the row scored: enough to overlap the waits, few
# enough that a row asked for is still cached when it is read (4, 8 and 16 measured alike).
LOOKAHEAD = 8


@njit(cache=True, nogil=True, fastmath=_FAST)
def scaled_row_dots(matrix: np.ndarray, rows: np.ndarray, norms: np.ndarray,
                    finite: np.ndarray, query: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = (matrix[rows[i]] . query) / norms[rows[i]]``, NaN where not ``finite``.

    Parameters
    ----------
    matrix : ndarray, shape (V, D), float32
    rows : ndarray of int64, shape (K,)
        Rows to score (sorted reads the matrix in order, which is faster).
    norms : ndarray, shape (V,), float32
        Row norms; a zero norm leaves the dot product (0) unscaled.
    finite : ndarray of bool, shape (V,)
    query : ndarray, shape (D,), float32
    out : ndarray, shape (K,), float32
        Filled with the scores.
    """
    count = rows.shape[0]
    for i in range(min(LOOKAHEAD, count)):
        prefetch_row(matrix, rows[i])
    for i in range(count):
        if i + LOOKAHEAD < count:
            prefetch_row(matrix, rows[i + LOOKAHEAD])
        row = rows[i]
        if not finite[row]:
            out[i] = np.nan
            continue
        total = np.float32(0.0)
        for j in range(matrix.shape[1]):
            total += matrix[row, j] * query[j]
        scale = norms[row]
        out[i] = total / scale if scale > 0 else total


def row_cosines(matrix: np.ndarray, rows: np.ndarray, norms: np.ndarray, finite: np.ndarray,
                query: np.ndarray) -> np.ndarray:
    """:func:`scaled_row_dots` for one unit ``query`` (D,): the (K,) float32 scores.

    Raises
    ------
    IndexError
        If a row is outside the matrix (the kernel does not check: it would read beyond it);
        negative rows count from the end, as in numpy.
    """
    count = matrix.shape[0]
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) and (rows.min() < -count or rows.max() >= count):
        raise IndexError(f"a row is outside the matrix of {count} rows")
    rows = np.where(rows < 0, rows + count, rows)
    out = np.empty(len(rows), dtype=REAL)
    scaled_row_dots(np.asarray(matrix), rows, norms, finite,
                    np.ascontiguousarray(query, dtype=REAL), out)
    return out


@njit(cache=True, nogil=True, fastmath=_FAST)
def _ask_ahead(matrix, rows, norms, finite, i) -> None:
    """Prefetch candidate ``rows[i]``: its row, norm and finite flag (rows outside: nothing)."""
    row = rows[i]
    if 0 <= row < matrix.shape[0]:
        prefetch_row(matrix, row)
        prefetch_item(norms, row)
        prefetch_item(finite, row)


@njit(cache=True, nogil=True, fastmath=_FAST)
def best_rows(matrix: np.ndarray, rows: np.ndarray, norms: np.ndarray, finite: np.ndarray,
              query: np.ndarray, skip: np.ndarray, best: np.ndarray,
              best_scores: np.ndarray) -> int:
    """The candidates of ``rows`` with the highest scores, best first; returns how many.

    Scores as :func:`scaled_row_dots`. Left out: rows outside the matrix (faiss's -1 for
    "none"), rows in ``skip`` (the query words), rows not ``finite`` and NaN scores.
    Among equal scores the lower row comes first; a candidate given twice is kept once.

    Parameters
    ----------
    matrix : (V, D) float32; rows : (K,) int64, any order; norms : (V,) float32;
    finite : (V,) bool; query : (D,) float32 unit vector; skip : (S,) int64;
    best : (N,) int64 and best_scores : (N,) float32, filled (the first ``count``).
    """
    count, wanted, total = 0, best.shape[0], rows.shape[0]
    for i in range(min(LOOKAHEAD, total)):
        _ask_ahead(matrix, rows, norms, finite, i)
    for i in range(total):
        if i + LOOKAHEAD < total:
            _ask_ahead(matrix, rows, norms, finite, i + LOOKAHEAD)
        row = rows[i]
        if row < 0 or row >= matrix.shape[0] or not finite[row] or _contains(skip, row):
            continue
        dot = np.float32(0.0)
        for j in range(matrix.shape[1]):
            dot += matrix[row, j] * query[j]
        scale = norms[row]
        score = dot / scale if scale > 0 else dot
        if score != score:  # NaN: a NaN query
            continue
        place = count  # where it goes in the kept run, best first
        while place > 0 and _beats(score, row, best_scores[place - 1], best[place - 1]):
            place -= 1
        if place >= wanted or (place > 0 and best[place - 1] == row):  # not kept, or again
            continue
        for k in range(min(count, wanted - 1), place, -1):
            best[k], best_scores[k] = best[k - 1], best_scores[k - 1]
        best[place], best_scores[place] = row, score
        count = min(count + 1, wanted)
    return count


@njit(cache=True, nogil=True)
def _beats(score, row, other_score, other_row) -> bool:
    """Whether (score, row) ranks before (other_score, other_row): higher, then lower row."""
    return score > other_score or (score == other_score and row < other_row)


@njit(cache=True, nogil=True)
def _contains(values, value) -> bool:
    """Whether ``value`` is in the short array ``values``."""
    for v in values:  # noqa: SIM110 - a loop numba compiles; any() over a generator it may not
        if v == value:
            return True
    return False


def nearest_rows(matrix: np.ndarray, rows: np.ndarray, norms: np.ndarray,
                 finite: np.ndarray, query: np.ndarray, topn: int,
                 skip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`best_rows` for one unit ``query`` (D,): (rows int64 (n,), cosines float32
    (n,)), best first, n <= topn. ``rows`` outside the matrix are left out."""
    best = np.empty(max(topn, 0), dtype=np.int64)
    scores = np.empty(len(best), dtype=REAL)
    count = best_rows(np.asarray(matrix), np.asarray(rows, dtype=np.int64), norms, finite,
                      np.ascontiguousarray(query, dtype=REAL), skip, best, scores)
    return best[:count], scores[:count]
