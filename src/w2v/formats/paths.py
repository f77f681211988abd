"""Checks of vectors paths, made before any work: what may be read, and where a save may write.

Reading refuses anything but a regular file or a folder: a character device such as
``/dev/zero`` would be read until memory runs out, and a FIFO would block until another
process writes to it. Writing refuses paths that a save would destroy or could not replace
whole: a device or FIFO (the rename of an atomic write would replace the device node itself),
a folder where a file is expected, a file where the native folder goes, and a folder of the
user's that w2v did not write.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from w2v.atomic import check_folder_target, check_writable_dir
from w2v.errors import FormatError, InputNotFoundError, OutputError

_ACCEPTED_INPUT = ("a word2vec text or binary file (optionally .gz, .bz2 or .xz compressed) or "
                   "a native vectors folder")


def kind_of(mode: int) -> str:
    """What a ``st_mode`` is, in words: ``"a FIFO (named pipe)"``, ``"a folder"``, ..."""
    kinds = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def check_input(path: str | os.PathLike[str], what: str = "vectors file") -> Path:
    """Check that ``path`` exists and is a regular file or a folder, without opening it.

    Parameters
    ----------
    path : path-like
        The input; symbolic links are followed.
    what : str
        How messages name it (e.g. "vectors file", "vocabulary of the native folder").

    Returns
    -------
    Path

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If it is a device, a FIFO or a socket.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputNotFoundError(f"The {what} '{path}' does not exist.") from None
    except OSError as exc:
        raise FormatError(f"Cannot read the {what} '{path}': {exc.strerror or exc}.") from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise FormatError(f"The {what} '{path}' is {kind_of(mode)}, not a file; give "
                          f"{_ACCEPTED_INPUT}.")
    return path


def open_input_file(path: str | os.PathLike[str], what: str = "vectors file") -> BinaryIO:
    """Open a regular file for binary reading; refuse anything else without blocking.

    The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor,
    so a FIFO swapped in after :func:`check_input` cannot block the open either.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If it is not a regular file (a folder, a device, a FIFO) or cannot be opened.
    """
    path = check_input(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FormatError(f"Cannot read the {what} '{path}': {exc.strerror or exc}.") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise FormatError(f"The {what} '{path}' is {kind_of(mode)}, not a file; give "
                          f"{_ACCEPTED_INPUT}.")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def check_output(path: str | os.PathLike[str], format: str = "text") -> Path:
    """Check, before any work (e.g. training), that a save in ``format`` may write ``path``.

    Parameters
    ----------
    path : path-like
        Where :func:`~w2v.formats.save_vectors` will write.
    format : {"text", "binary", "native"}
        "text" and "binary" write a file: ``path`` must be absent or a regular file (replaced
        atomically), and its folder must exist and be writable. "native" writes a folder:
        ``path`` must be absent (its parent folder writable), an empty folder, or a native
        vectors folder (holding ``w2v.json``), which a save replaces whole.

    Returns
    -------
    Path

    Raises
    ------
    FormatError
        If ``format`` is unknown.
    OutputError
        If the save would be refused; nothing is written by this check.
    """
    from w2v.formats.native import NATIVE_HEADER
    from w2v.formats.vectors_io import check_format

    format = check_format(format)
    if format == "native":
        return check_folder_target(path, NATIVE_HEADER, "native vectors folder")
    return check_output_file(path, "output file", f"the {format} format")


def check_output_file(path: str | os.PathLike[str], what: str = "output file",
                      writer: str = "it") -> Path:
    """Check that an atomic write (:func:`~w2v.atomic.atomic_write`) may create or replace ``path``.

    Parameters
    ----------
    path : path-like
        The file to write.
    what : str
        How messages name the path.
    writer : str
        How messages name what writes a file (e.g. "the text format").

    Raises
    ------
    OutputError
        If ``path`` is a folder, a device, a FIFO or a socket, or its folder is missing or not
        writable.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"Cannot write the {what} '{path}': {exc.strerror or exc}.") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"The {what} '{path}' is a folder; {writer} writes a file: give a "
                          f"file name.")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"The {what} '{path}' is {kind_of(mode)}, not a regular file; give "
                          f"a file name.")
    check_writable_dir(path.parent if str(path.parent) else Path("."), f"folder of the {what}")
    return path


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(os.path.realpath(path)))
