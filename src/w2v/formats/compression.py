"""Compressed vectors files: gzip, bzip2 and xz, recognised by their first bytes and read through.

GoogleNews-vectors-negative300.bin.gz and many fastText ``.vec.gz`` files ship compressed; the
readers see the decompressed bytes. The suffix does not matter: a gzip file named ``.txt`` is
read as gzip, and a plain file named ``.gz`` as plain.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from w2v.errors import FormatError, W2VError
from w2v.formats.paths import open_input_file

COMPRESSIONS = ("gzip", "bz2", "xz")
_HEAD_BYTES = 16


def compression_of(head: bytes) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"`` or None, from the first bytes of a file."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # "BZh", a block size digit, then a block ("1AY&SY", BCD pi) or the end marker (sqrt pi)
    if head[:3] == b"BZh" and len(head) >= 10 and head[3:4] in b"123456789" and \
            head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return None


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
        compression = compression_of(raw.read(_HEAD_BYTES))
        raw.seek(0)
        if compression is None:
            with reading(path, None):
                yield raw, None, size
            return
        with reading(path, compression), _decompressor(raw, compression) as stream:
            yield stream, compression, size


def _decompressor(raw: BinaryIO, compression: str) -> BinaryIO:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    return lzma.LZMAFile(raw, mode="rb")


@contextlib.contextmanager
def reading(path: Path, compression: str | None) -> Iterator[None]:
    """Turn the errors of reading ``path`` (I/O, corrupt compressed data) into FormatError."""
    try:
        yield
    except W2VError:
        raise
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        kind = f"{compression}-compressed " if compression else ""
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise FormatError(f"Cannot read the {kind}vectors file '{path}': {reason} (a truncated "
                          f"or corrupt file?).") from None
