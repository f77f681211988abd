"""The word2vec text format: a header line ``V D``, then ``word v1 ... vD`` per line.

Written by word2vec.c (``-binary 0``), gensim (``save_word2vec_format``) and fastText
(``.vec``, with a trailing space on every row). Floats are written with ``%.9g``, which
round-trips float32 exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from w2v.atomic import atomic_write
from w2v.dtypes import REAL
from w2v.errors import FormatError
from w2v.formats.word2vec_fields import decode_word, parse_header

BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, written by some Windows editors
MAX_LINE_BYTES = 16 << 20  # a longest word (1 MiB) and 100,000 numbers fit with room to spare
_ROWS_PER_CHUNK = 20_000  # text rows parsed per numpy call: bounds peak memory of the parser
# Rows formatted per write: each becomes Python floats and strings first (~100 bytes a
# number), so a small block keeps the writer's extra memory to a few MB.
_ROWS_PER_WRITE = 1_000


def write_text(keys: list[str], matrix: np.ndarray, path: Path, header: bool = True) -> None:
    """Write ``keys`` and float32 ``matrix`` (V, D) to ``path``, atomically (``header``: with
    the ``V D`` line first)."""
    count, dim = matrix.shape
    with atomic_write(path, "w", encoding="utf-8") as out:
        if header:
            out.write(f"{count} {dim}\n")
        # repr-precise floats ("%.9g" round-trips float32 exactly); one format call per row
        row_format = " ".join(["%.9g"] * dim)
        for start in range(0, count, _ROWS_PER_WRITE):
            block = matrix[start:start + _ROWS_PER_WRITE]
            lines = [f"{key} {row_format % tuple(row)}\n"
                     for key, row in zip(keys[start:start + _ROWS_PER_WRITE], block.tolist(),
                                         strict=True)]
            out.write("".join(lines))


def read_text(handle: BinaryIO, path: Path, limit: int | None, header: bool,
              unicode_errors: str) -> tuple[list[str], np.ndarray]:
    """Keys and the float32 (V, D) matrix of the text file open as ``handle`` (binary mode)."""
    lines = _Lines(handle, path)
    count = dim = None
    if header:
        first = lines.next_line()
        if first is None or not first.strip():
            raise FormatError(f"{path}: the file is empty or starts with a blank line; "
                              f"expected a header 'V D'.")
        count, dim = parse_header(first, path, glove_hint=True)
    wanted = count if limit is None else (limit if count is None else min(limit, count))
    keys: list[str] = []
    blocks: list[np.ndarray] = []
    seen: dict[str, int] = {}
    while wanted is None or len(keys) < wanted:
        chunk_size = _ROWS_PER_CHUNK if wanted is None else min(_ROWS_PER_CHUNK,
                                                                wanted - len(keys))
        rows, numbers = lines.rows(chunk_size)
        if not rows:
            break
        if dim is None:
            dim = len(rows[0].split()) - 1
            if dim < 1:
                raise FormatError(f"{path}, line {numbers[0]}: expected a word followed by "
                                  f"numbers, got {rows[0][:60]!r}.")
        blocks.append(_parse_text_rows(rows, numbers, dim, path, keys, seen, unicode_errors))
    if count is not None and limit is None:
        if len(keys) < count:
            raise FormatError(f"{path}: the header says {count} words but the file has "
                              f"{len(keys)} rows (truncated file, or a wrong header).")
        extra, numbers = lines.rows(1)
        if extra:
            raise FormatError(f"{path}, line {numbers[0]}: the header says {count} words "
                              f"but the file has more rows.")
    if dim is None:
        raise FormatError(f"{path}: the file is empty; expected word vectors.")
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=REAL)
    return keys, matrix


class _Lines:
    """The lines of a binary stream with their numbers: a BOM skipped, huge lines refused."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self.handle, self.path, self.number = handle, path, 0

    def next_line(self) -> bytes | None:
        """The next line (None at the end); a line longer than MAX_LINE_BYTES is refused."""
        # a bounded readline: a file without line breaks (or a decompression bomb) cannot
        # make one line fill the memory
        line = self.handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        self.number += 1
        if len(line) > MAX_LINE_BYTES:
            raise FormatError(f"{self.path}, line {self.number}: longer than "
                              f"{MAX_LINE_BYTES >> 20} MiB without a line break; this is not "
                              f"a word2vec text file.")
        return line.removeprefix(BOM) if self.number == 1 else line

    def rows(self, n: int) -> tuple[list[bytes], list[int]]:
        """Up to ``n`` non-blank lines and their line numbers."""
        rows: list[bytes] = []
        numbers: list[int] = []
        while len(rows) < n:
            line = self.next_line()
            if line is None:
                break
            if line.strip():
                rows.append(line)
                numbers.append(self.number)
        return rows, numbers


def _parse_text_rows(rows: list[bytes], numbers: list[int], dim: int, path: Path,
                     keys: list[str], seen: dict[str, int], unicode_errors: str) -> np.ndarray:
    """Parse rows into float32 (len(rows), dim); append their words to ``keys``."""
    values: list[bytes] = []
    for row, where in zip(rows, numbers, strict=True):
        parts = row.split()
        if len(parts) != dim + 1:
            raise FormatError(f"{path}, line {where}: expected a word and {dim} numbers "
                              f"({dim + 1} columns), got {len(parts)} columns.")
        word = decode_word(parts[0], path, f"line {where}", unicode_errors)
        if word in seen:
            raise FormatError(f"{path}, line {where}: duplicate word {word!r} "
                              f"(first at line {seen[word]}).")
        seen[word] = where
        keys.append(word)
        values.extend(parts[1:])
    try:
        # one C-level conversion per chunk instead of a Python loop over the floats
        return np.array(values, dtype=REAL).reshape(len(rows), dim)
    except ValueError:
        pass
    for row, where in zip(rows, numbers, strict=True):
        try:
            np.array(row.split()[1:], dtype=REAL)
        except ValueError:
            raise FormatError(f"{path}, line {where}: non-numeric value in "
                              f"{row[:60].decode('utf-8', 'replace')!r}...") from None
    raise AssertionError("unreachable: some row failed to convert")  # pragma: no cover
