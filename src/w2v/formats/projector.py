"""Export to the TensorBoard Embedding Projector (https://projector.tensorflow.org).

The projector reads two tab-separated files: ``vectors.tsv`` (one vector per line, D numbers
separated by tabs, no header) and ``metadata.tsv`` (one label per line, same order; with a
single column the file must not have a header line). Load them with "Load" on
projector.tensorflow.org, or point TensorBoard's projector plugin at them.

The folder is the user's (often a TensorBoard log folder holding other files), so it is not
replaced as a whole (:func:`w2v.atomic.atomic_folder` is for folders w2v owns): each file is
written with :func:`w2v.atomic.atomic_write`, and both temporary files are complete and
synced before either replaces its predecessor, so a failed export leaves the previous pair.
A missing folder is created (with its parents) and removed again if the export fails.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from w2v.atomic import atomic_write, check_writable_dir
from w2v.dtypes import REAL
from w2v.errors import ConfigError, FormatError, OutputError
from w2v.formats.paths import check_output_file

if TYPE_CHECKING:
    from w2v.vectors import Vectors

VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"
_WHAT = "projector output folder"


def export_projector(vectors: Vectors, folder: str | os.PathLike[str],
                     limit: int | None = 10_000) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the Embedding Projector into ``folder``.

    Parameters
    ----------
    vectors : Vectors
        The vectors; rows are written in order (most frequent first).
    folder : path-like
        The folder, created with its parents if missing; other files in it are left alone.
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
        If the folder cannot be created or written (see :func:`check_projector_folder`).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError("The {limit} must be an int >= 1 or None. Got {got} instead.",
                          got=repr(limit))
    words = vectors.index_to_key[:limit]
    for word in words:
        if any(ch in word for ch in "\t\n\r"):
            raise FormatError(f"The word {word!r} contains a tab or line break and cannot be "
                              f"written to {METADATA_FILE}.")
    out = check_projector_folder(folder)
    matrix = np.asarray(vectors.vectors[:limit], dtype=REAL)  # (n, D)
    vectors_path, metadata_path = out / VECTORS_FILE, out / METADATA_FILE
    with (_created_folders(out),
          atomic_write(vectors_path, "w", encoding="utf-8") as vectors_out,
          atomic_write(metadata_path, "w", encoding="utf-8") as metadata_out):
        # "%.6g": the projector works in float32 and 6 digits keep files compact
        np.savetxt(vectors_out, matrix, fmt="%.6g", delimiter="\t")
        metadata_out.write("".join(f"{word}\n" for word in words))
        for handle in (vectors_out, metadata_out):  # both complete before either is renamed
            handle.flush()
            os.fsync(handle.fileno())
    return vectors_path, metadata_path


def check_projector_folder(folder: str | os.PathLike[str]) -> Path:
    """Check, before any work, that :func:`export_projector` may write into ``folder``.

    ``folder`` must be a writable folder, or missing with a writable folder as its nearest
    existing ancestor; ``vectors.tsv`` and ``metadata.tsv`` in it must be absent or regular
    files. Nothing is created.

    Raises
    ------
    OutputError
        Naming the path at fault.
    """
    out = Path(folder)
    existing = out
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent  # the nearest existing ancestor ("." for a relative path)
    if not existing.is_dir():
        raise OutputError(f"Cannot create the {_WHAT} '{out}': '{existing}' is not a folder.")
    check_writable_dir(existing, _WHAT if existing == out else f"folder above the {_WHAT}")
    if existing == out:
        for name in (VECTORS_FILE, METADATA_FILE):
            check_output_file(out / name, "projector file")
    return out


@contextlib.contextmanager
def _created_folders(folder: Path):
    """Create ``folder`` and its missing parents; remove them again if the block fails."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the {_WHAT} '{folder}': "
                          f"{exc.strerror or exc}.") from None
    try:
        yield
    except BaseException:
        for path in missing:  # deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
