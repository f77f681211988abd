"""The word2vec.c binary format: ``V D\\n``, then per word its UTF-8 bytes, a space and D
little-endian float32.

word2vec.c writes a newline after each row, gensim does not; both are read.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import FormatError
from w2v.formats.word2vec_fields import decode_word, parse_header


def write_binary(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    count, dim = matrix.shape
    rows = np.ascontiguousarray(matrix, dtype="<f4")
    with atomic_write(path, "wb") as out:
        out.write(f"{count} {dim}\n".encode())
        for key, row in zip(keys, rows, strict=True):
            # word2vec.c's layout, newline after each row included
            out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")


def read_binary(path: Path, limit: int | None,
                 unicode_errors: str) -> tuple[list[str], np.ndarray]:
    if path.stat().st_size == 0:
        raise FormatError(f"{path}: the file is empty; expected a header 'V D'.")
    # a memory map: only the pages of the rows read are loaded (limit= reads a prefix)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _parse_binary(data, path, limit, unicode_errors)


def _parse_binary(data: mmap.mmap, path: Path, limit: int | None,
                  unicode_errors: str) -> tuple[list[str], np.ndarray]:
    end_of_header = data.find(b"\n")
    if end_of_header < 0:
        raise FormatError(f"{path}: no header line 'V D' found (is this a word2vec binary file?).")
    count, dim = parse_header(data[:end_of_header + 1], path)
    wanted = count if limit is None else min(limit, count)
    row_bytes = 4 * dim
    if wanted * (row_bytes + 2) > len(data):  # each row needs at least a 1-byte word and a space
        raise FormatError(f"{path}: the header says {count} words of {dim} dimensions, but the "
                          f"file has only {len(data)} bytes (truncated file, or a wrong header).")
    # No more rows than the file can hold (>= row_bytes + 1 bytes each): a lying header then
    # fails as a truncated row below instead of allocating a huge matrix (MemoryError).
    matrix = np.empty((min(wanted, (len(data) - end_of_header - 1) // (row_bytes + 1)), dim),
                      dtype=np.float32)
    keys: list[str] = []
    seen: set[str] = set()
    pos = end_of_header + 1
    for i in range(wanted):
        pos = _skip_line_breaks(data, pos)
        space = data.find(b" ", pos, pos + 10_000)
        if space < 0 or space + 1 + row_bytes > len(data):
            raise FormatError(f"{path}, byte {pos}: truncated row {i + 1} of {count} "
                              f"(expected a word, a space and {row_bytes} bytes of floats).")
        word = decode_word(data[pos:space], path, f"byte {pos}", unicode_errors)
        if word in seen:
            raise FormatError(f"{path}, byte {pos}: duplicate word {word!r} (row {i + 1}).")
        seen.add(word)
        keys.append(word)
        matrix[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)  # no copy
        pos = space + 1 + row_bytes
    pos = _skip_line_breaks(data, pos)
    if limit is None and data[pos:].strip():
        raise FormatError(f"{path}, byte {pos}: the header says {count} words but "
                          f"{len(data) - pos} more bytes follow the last row.")
    return keys, matrix


def _skip_line_breaks(data: mmap.mmap, pos: int) -> int:
    """Position of the first byte at or after ``pos`` that is not CR or LF.

    word2vec.c writes a newline after each row; gensim does not.
    """
    while pos < len(data) and data[pos:pos + 1] in (b"\n", b"\r"):
        pos += 1
    return pos


