"""Export to the TensorBoard Embedding Projector (https://projector.tensorflow.org).

The projector reads two tab-separated files: ``vectors.tsv`` (one vector per line, D numbers
separated by tabs, no header) and ``metadata.tsv`` (one label per line, same order; with a
single column the file must not have a header line). Load them with "Load" on
projector.tensorflow.org, or point TensorBoard's projector plugin at them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_write, check_writable_dir
from w2v.errors import ConfigError, FormatError
from w2v.vectors import Vectors

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"


def export_projector(vectors: Vectors, folder: str | os.PathLike[str],
                     limit: int | None = 10_000) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the Embedding Projector into ``folder``.

    Parameters
    ----------
    vectors : Vectors
        The vectors; rows are written in order (most frequent first).
    folder : path-like
        An existing folder; the two files are written atomically inside it.
    limit : int or None
        Export only the first ``limit`` words (the web projector slows down past ~10^5 points).

    Returns
    -------
    (Path, Path)
        The vectors file and the metadata file.

    Raises
    ------
    ConfigError
        If ``limit`` is not a positive int or None.
    FormatError
        If a word contains a tab or a line break (it would break the TSV layout).
    OutputError
        If the folder is missing or not writable.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"The 'limit' parameter must be an int >= 1 or None. Got {limit!r}.")
    out = check_writable_dir(folder, "projector output folder")
    words = vectors.index_to_key[:limit]
    for word in words:
        if any(ch in word for ch in "\t\n\r"):
            raise FormatError(f"The word {word!r} contains a tab or line break and cannot be "
                              f"written to {METADATA_FILE}.")
    matrix = np.asarray(vectors.vectors[:limit], dtype=np.float32)  # (n, D)
    vectors_path, metadata_path = out / VECTORS_FILE, out / METADATA_FILE
    with atomic_write(vectors_path, "w", encoding="utf-8") as handle:
        # "%.6g": the projector works in float32 and 6 digits keep files compact
        np.savetxt(handle, matrix, fmt="%.6g", delimiter="\t")
    with atomic_write(metadata_path, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{word}\n" for word in words))
    return vectors_path, metadata_path
