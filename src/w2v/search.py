"""Exact search over a (V, D) matrix in blocks of rows, without a unit-length copy of it.

A cosine is ``(v_w . q) / |v_w|`` for a query ``q`` of unit length. Dividing each block's dot
products by the stored row norms gives the same numbers as multiplying by a normalised copy
of the matrix (gensim computes them this way too), but the only temporaries are one block of
scores: a memory-mapped matrix is read in place and its size is never allocated again.

Rows holding NaN or inf have no direction: their scores are NaN, which ranks last and is
never returned (see :func:`top_indices`).
"""

from __future__ import annotations

import numpy as np

from w2v.dtypes import REAL

# Rows per block: 65,536 x 300 float32 is 75 MB of (already mapped) matrix, and the block's
# scores are 65,536 x B floats, so the temporaries stay a few MB whatever V is.
BLOCK_ROWS = 65_536


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """Euclidean norms of the rows, float32 (V,), computed block by block.

    NaN or inf for rows holding NaN or inf. ``np.linalg.norm(matrix, axis=1)`` would
    allocate a (V, D) temporary of squares; the blocks bound it.
    """
    norms = np.empty(matrix.shape[0], dtype=REAL)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite rows: see finite_mask
        for start in range(0, matrix.shape[0], BLOCK_ROWS):
            block = matrix[start:start + BLOCK_ROWS]
            norms[start:start + len(block)] = np.linalg.norm(block, axis=1)
    return norms


def finite_mask(matrix: np.ndarray) -> np.ndarray:
    """Which rows hold only finite numbers, bool (V,), computed block by block."""
    finite = np.empty(matrix.shape[0], dtype=bool)
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = matrix[start:start + BLOCK_ROWS]
        finite[start:start + len(block)] = np.isfinite(block).all(axis=1)
    return finite


def scaled_dots(matrix: np.ndarray, norms: np.ndarray, finite: np.ndarray,
                queries: np.ndarray, stop: int | None = None) -> np.ndarray:
    """``(queries @ matrix[:stop].T) / norms[:stop]``: cosines when the queries are unit length.

    Parameters
    ----------
    matrix : ndarray, shape (V, D)
        The word vectors (a memory map is read in place).
    norms : ndarray, shape (V,)
        Their norms (:func:`row_norms`); a zero row scores 0.
    finite : ndarray of bool, shape (V,)
        :func:`finite_mask`; other rows score NaN.
    queries : ndarray, shape (B, D)
        The query directions; scores are cosines if they have unit length (3CosMul's raw
        query vectors keep their length, as in gensim).
    stop : int or None
        Score only the first ``stop`` rows.

    Returns
    -------
    ndarray, shape (B, R), float32
        R = ``stop`` or V.
    """
    rows = matrix.shape[0] if stop is None else min(stop, matrix.shape[0])
    queries = np.asarray(queries, dtype=REAL)
    out = np.empty((queries.shape[0], rows), dtype=REAL)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, rows, BLOCK_ROWS):
            end = min(start + BLOCK_ROWS, rows)
            scale = norms[start:end]
            block = queries @ matrix[start:end].T  # (B, D) @ (D, b) -> (B, b)
            block /= np.where(scale > 0, scale, 1.0)
            block[:, ~finite[start:end]] = np.nan
            out[:, start:end] = block
    return out


def top_indices(scores: np.ndarray, wanted: int) -> np.ndarray:
    """Indices of the ``wanted`` highest scores of a (R,) array, best first; NaN sorts last."""
    wanted = min(wanted, scores.shape[0])
    if wanted <= 0:
        return np.zeros(0, dtype=np.int64)
    if wanted < scores.shape[0]:
        best = np.argpartition(-scores, wanted - 1)[:wanted]
        return best[np.argsort(-scores[best], kind="stable")]
    return np.argsort(-scores, kind="stable")
