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
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines.prefetch import prefetch_row

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
