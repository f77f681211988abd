"""``w2v info``: facts about a vectors file (format, size, V, D, norms)."""

from __future__ import annotations

import os

import numpy as np

from w2v.formats.paths import check_input
from w2v.formats.sniff import sniff
from w2v.formats.vectors_io import check_format, load_vectors

_ROWS_PER_BLOCK = 65_536  # rows whose norms are taken in float64 at a time


def describe_vectors(path: str | os.PathLike[str], format: str | None = None,
                     header: bool = True, unicode_errors: str = "strict") -> dict:
    """Facts about a vectors file: format, size on disk, V, D and statistics of the row norms.

    Parameters
    ----------
    path, format, header, unicode_errors
        As in :func:`~w2v.formats.load_vectors`.

    Returns
    -------
    dict
        ``path``, ``format``, ``compression`` (None, "gzip", "bz2" or "xz"), ``bytes`` (on
        disk), ``words``, ``dim``, ``norm_min``, ``norm_mean``, ``norm_median``, ``norm_max``
        (Euclidean norms of the rows without NaN or inf; None when there is no such row),
        ``zero_vectors``, ``non_finite`` (rows holding NaN or inf) and ``first_words`` (up to
        10). Every number is finite or None, so the dict is valid JSON.

    Raises
    ------
    InputNotFoundError, ConfigError, FormatError
        As :func:`~w2v.formats.load_vectors`.
    """
    path = check_input(path)
    found = sniff(path, header)
    format = found.format if format is None else check_format(format)
    vectors = load_vectors(path, format=format, header=header, unicode_errors=unicode_errors)
    norms, finite = _norms(vectors.vectors)
    kept = norms[finite]
    stats = {"norm_min": None, "norm_mean": None, "norm_median": None, "norm_max": None}
    if len(kept):
        stats = {"norm_min": float(kept.min()), "norm_mean": float(kept.mean()),
                 "norm_median": float(np.median(kept)), "norm_max": float(kept.max())}
    size = (sum(f.stat().st_size for f in path.iterdir() if f.is_file()) if path.is_dir()
            else path.stat().st_size)
    return {"path": str(path), "format": format, "compression": found.compression,
            "bytes": int(size), "words": len(vectors), "dim": vectors.vector_size, **stats,
            "zero_vectors": int((norms[finite] == 0).sum()), "non_finite": int((~finite).sum()),
            "first_words": vectors.index_to_key[:10]}


def _norms(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row norms in float64 (V,) and which rows are finite (V,), block by block.

    float64 because a float32 row of values near 3e38 has a finite norm only in float64.
    """
    norms = np.empty(len(matrix), dtype=np.float64)
    finite = np.empty(len(matrix), dtype=bool)
    for start in range(0, len(matrix), _ROWS_PER_BLOCK):
        block = np.asarray(matrix[start:start + _ROWS_PER_BLOCK], dtype=np.float64)
        finite[start:start + len(block)] = np.isfinite(block).all(axis=1)
        with np.errstate(invalid="ignore", over="ignore"):  # NaN and inf rows: left out
            norms[start:start + len(block)] = np.sqrt(np.einsum("vd,vd->v", block, block))
    return norms, finite
