"""``w2v info``: facts about a vectors file (format, size, V, D, norms)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from w2v.errors import InputNotFoundError
from w2v.formats.sniff import detect_format
from w2v.formats.vectors_io import check_format, load_vectors


def describe_vectors(path: str | os.PathLike[str], format: str | None = None,
                     header: bool = True) -> dict:
    """Facts about a vectors file: format, size on disk, V, D and statistics of the row norms.

    Returns
    -------
    dict
        ``path``, ``format``, ``bytes``, ``words``, ``dim``, ``norm_min``, ``norm_mean``,
        ``norm_median``, ``norm_max`` (Euclidean norms of the rows), ``zero_vectors``,
        ``non_finite`` (rows holding NaN or inf) and ``first_words`` (up to 10).
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"The vectors file '{path}' does not exist.")
    format = detect_format(path, header=header) if format is None else check_format(format)
    vectors = load_vectors(path, format=format, header=header)
    norms = vectors.norms.astype(np.float64)  # (V,)
    size = (sum(f.stat().st_size for f in path.iterdir()) if path.is_dir()
            else path.stat().st_size)
    finite = np.isfinite(vectors.vectors).all(axis=1) if len(vectors) else np.zeros(0, bool)
    stats = ({"norm_min": float(norms.min()), "norm_mean": float(norms.mean()),
              "norm_median": float(np.median(norms)), "norm_max": float(norms.max())}
             if len(norms) else {})
    return {"path": str(path), "format": format, "bytes": int(size), "words": len(vectors),
            "dim": vectors.vector_size, **stats, "zero_vectors": int((norms == 0).sum()),
            "non_finite": int((~finite).sum()), "first_words": vectors.index_to_key[:10]}
