"""Compressed files, recognised by their first bytes (the extension is only a hint).

gzip, bzip2 and xz are read through the standard library, for corpora and vectors files
alike. zstd, zip and 7z are recognised so that they can be refused with a line that says
what the file is, instead of being read as text.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from typing import BinaryIO

# Formats this project reads.
READABLE = ("gzip", "bz2", "xz")
# Leading bytes of the other formats it recognises.
_OTHERS = ((b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"), (b"7z\xbc\xaf\x27\x1c", "7z"))
# Bytes enough to recognise every format above.
HEAD_BYTES = 16
# What the decompressors raise on corrupt or truncated data (gzip raises zlib.error for bad
# deflate data, EOFError for a cut stream; OSError for a bad header).
DECOMPRESSION_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error,
                                                         lzma.LZMAError)


def compression_of(head: bytes) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"``, ``"zstd"``, ``"zip"``, ``"7z"`` or None (plain bytes).

    Parameters
    ----------
    head : bytes
        The first :data:`HEAD_BYTES` bytes of the file (fewer for a short file).
    """
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # "BZh", a block size digit, then a block ("1AY&SY", BCD pi) or the end marker (sqrt pi):
    # a text file that happens to start with "BZh" is not taken for bzip2.
    if head[:3] == b"BZh" and len(head) >= 10 and head[3:4] in b"123456789" and \
            head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    for magic, name in _OTHERS:
        if head.startswith(magic):
            return name
    return None


def decompressed(raw: BinaryIO, compression: str) -> BinaryIO:
    """A stream of the decompressed bytes of the open file ``raw`` (one of :data:`READABLE`).

    Closing the stream leaves ``raw`` open: the caller closes it.
    """
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    raise ValueError(f"cannot read {compression} data")  # callers check READABLE first


def open_compressed(path: str | os.PathLike[str], compression: str) -> BinaryIO:
    """Open the file at ``path`` as a stream of its decompressed bytes (closing closes it)."""
    opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}.get(compression)
    if opener is None:
        raise ValueError(f"cannot read {compression} data")  # callers check READABLE first
    return opener(path, "rb")
