"""Compressed vectors files: gzip, bzip2 and xz, recognised by their first bytes and read through.

GoogleNews-vectors-negative300.bin.gz and many fastText ``.vec.gz`` files ship compressed; the
readers see the decompressed bytes. The suffix does not matter: a gzip file named ``.txt`` is
read as gzip, and a plain file named ``.gz`` as plain.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from w2v.compression import (
    DECOMPRESSION_ERRORS,
    HEAD_BYTES,
    READABLE,
    compression_of,
    decompressed,
)
from w2v.errors import FormatError, W2VError
from w2v.formats.paths import open_input_file


@contextlib.contextmanager
def open_decompressed(path: str | os.PathLike[str],
                      what: str = "vectors file") -> Iterator[tuple[BinaryIO, str | None, int]]:
    """Open a regular file and yield ``(stream, compression, size)``.

    ``stream`` yields the decompressed bytes (the file itself when it is not compressed);
    ``size`` is the size of the file on disk. Errors of a corrupt or truncated compressed
    stream, raised while the block reads, become one :class:`FormatError` naming the file.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If it is not a regular file, or its compressed stream is corrupt or truncated.
    """
    path = Path(path)
    with open_input_file(path, what) as raw:
        size = os.fstat(raw.fileno()).st_size
        compression = compression_of(raw.read(HEAD_BYTES))
        raw.seek(0)
        if compression not in READABLE:  # plain, or a format the sniffer names and refuses
            compression = None
        if compression is None:
            with reading(path, None):
                yield raw, None, size
            return
        with reading(path, compression), decompressed(raw, compression) as stream:
            yield stream, compression, size


@contextlib.contextmanager
def reading(path: Path, compression: str | None) -> Iterator[None]:
    """Turn the errors of reading ``path`` (I/O, corrupt compressed data) into FormatError."""
    try:
        yield
    except W2VError:
        raise
    except DECOMPRESSION_ERRORS as exc:
        kind = f"{compression}-compressed " if compression else ""
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise FormatError(f"Cannot read the {kind}vectors file '{path}': {reason} (a truncated "
                          f"or corrupt file?).") from None
