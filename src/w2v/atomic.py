"""Atomic file writes: a temporary file in the target folder, then ``os.replace``.

A reader never sees a half-written file, and a failed write (disk full, Ctrl-C)
leaves the previous file, if any, untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from w2v.errors import OutputError


def check_writable_dir(folder: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Return ``folder`` as a Path after checking that it exists and can be written.

    Parameters
    ----------
    folder : path-like
        The folder to check.
    what : str
        How error messages name the folder (e.g. "checkpoint folder").

    Returns
    -------
    Path
        ``folder`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputError
        If the folder is missing, is not a folder, or is not writable.
    """
    path = Path(folder)
    if not path.exists():
        raise OutputError(f"The {what} '{path}' does not exist; create it first.")
    if not path.is_dir():
        raise OutputError(f"The {what} '{path}' is not a folder.")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"The {what} '{path}' is not writable.")
    return path


def make_output_dir(folder: str | os.PathLike[str], what: str = "output folder",
                    parents: bool = True) -> Path:
    """Create ``folder`` if missing (and its parents, unless ``parents=False``) and check it.

    Raises
    ------
    OutputError
        If the folder cannot be created (e.g. a file is in the way) or is not writable.
    """
    path = Path(folder)
    try:
        path.mkdir(parents=parents, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the {what} '{path}': {exc.strerror or exc}.") from exc
    return check_writable_dir(path, what)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb",
                 encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    ``OSError`` raised while writing (e.g. disk full) becomes :class:`OutputError`
    naming the file.

    Parameters
    ----------
    path : path-like
        The file to write; its folder must exist and be writable.
    mode : str
        Mode of the temporary file, ``"wb"`` or ``"w"`` (then give ``encoding``).
    encoding : str or None
        Text encoding for ``"w"``.

    Yields
    ------
    file object
        The open temporary file; it is flushed, synced and renamed over ``path`` on exit.

    Raises
    ------
    OutputError
        If the folder is missing or not writable, or writing fails.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    check_writable_dir(folder, "folder of the output file")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp creates the file 0600; give it the permissions a plain open() would.
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove_quietly(tmp_name)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"Cannot write '{target}': {exc.strerror or exc}.") from exc
    except BaseException:
        _remove_quietly(tmp_name)
        raise


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(name)
