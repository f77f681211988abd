"""Which format a vectors path holds: a folder is native; a file is sniffed."""

from __future__ import annotations

import os
from pathlib import Path

from w2v.errors import FormatError
from w2v.formats.word2vec_fields import parse_header

_TEXT_SUFFIXES = {".txt", ".vec", ".tsv", ".text", ".glove"}
_BINARY_SUFFIXES = {".bin", ".w2v"}


def detect_format(path: str | os.PathLike[str], header: bool = True) -> str:
    """Guess the format of ``path``: "native" for a folder, else by extension, else by content.

    Content sniffing reads the header ``V D`` and the bytes of the first row: if they decode as
    a text row of D numbers the file is "text", otherwise "binary". Without a header
    (``header=False``) the file is "text": the binary format always has one.

    Parameters
    ----------
    path : path-like
        An existing vectors file or native folder.
    header : bool
        Whether a text file starts with the ``V D`` line.

    Returns
    -------
    str
        ``"text"``, ``"binary"`` or ``"native"``.
    """
    path = Path(path)
    if path.is_dir():
        return "native"
    suffix = path.suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        return "binary"
    if suffix in _TEXT_SUFFIXES or not header:
        return "text"
    with open(path, "rb") as handle:
        first = handle.readline(256)
        sample = handle.read(4096)
    try:
        count, dim = parse_header(first, path)
    except FormatError:
        return "text"  # let the text reader explain what is wrong with the first line
    row = sample.split(b"\n", 1)[0]
    try:
        # a text row (even one with the wrong number of columns, which the text reader will
        # then report by line) is UTF-8 with numbers after the word; float32 bytes rarely are
        numbers = [float(x) for x in row.decode("utf-8").split()[1:]]
        if count == 0 or numbers:
            return "text"
    except (UnicodeDecodeError, ValueError):
        pass
    return "binary"


