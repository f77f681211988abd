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
from w2v.errors import FormatError
from w2v.formats.word2vec_fields import decode_word, parse_header

_ROWS_PER_CHUNK = 20_000  # text rows parsed per numpy call: bounds peak memory of the parser
# Rows formatted per write: each becomes Python floats and strings first (~100 bytes a
# number), so a small block keeps the writer's extra memory to a few MB.
_ROWS_PER_WRITE = 1_000


def write_text(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    count, dim = matrix.shape
    with atomic_write(path, "w", encoding="utf-8") as out:
        out.write(f"{count} {dim}\n")
        # repr-precise floats ("%.9g" round-trips float32 exactly); one format call per row
        row_format = " ".join(["%.9g"] * dim)
        for start in range(0, count, _ROWS_PER_WRITE):
            block = matrix[start:start + _ROWS_PER_WRITE]
            lines = [f"{key} {row_format % tuple(row)}\n"
                     for key, row in zip(keys[start:start + _ROWS_PER_WRITE], block.tolist(),
                                         strict=True)]
            out.write("".join(lines))


def read_text(path: Path, limit: int | None, header: bool,
               unicode_errors: str) -> tuple[list[str], np.ndarray]:
    with open(path, "rb") as handle:
        line_no = 0
        count = dim = None
        if header:
            first = handle.readline()
            line_no = 1
            if not first.strip():
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
            rows = _read_rows(handle, chunk_size)
            if not rows:
                break
            if dim is None:
                dim = len(rows[0].split()) - 1
                if dim < 1:
                    raise FormatError(f"{path}, line {line_no + 1}: expected a word followed by "
                                      f"numbers, got {rows[0][:60]!r}.")
            block = _parse_text_rows(rows, dim, path, line_no, keys, seen, unicode_errors)
            blocks.append(block)
            line_no += len(rows)
        if count is not None and limit is None:
            if len(keys) < count:
                raise FormatError(f"{path}: the header says {count} words but the file has "
                                  f"{len(keys)} rows (truncated file, or a wrong header).")
            extra = _read_rows(handle, 1)
            if extra:
                raise FormatError(f"{path}, line {line_no + 1}: the header says {count} words "
                                  f"but the file has more rows.")
    if dim is None:
        raise FormatError(f"{path}: the file is empty; expected word vectors.")
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
    return keys, matrix


def _read_rows(handle: BinaryIO, n: int) -> list[bytes]:
    """Read up to ``n`` non-blank lines."""
    rows: list[bytes] = []
    while len(rows) < n:
        line = handle.readline()
        if not line:
            break
        if line.strip():
            rows.append(line)
    return rows


def _parse_text_rows(rows: list[bytes], dim: int, path: Path, line_no: int, keys: list[str],
                     seen: dict[str, int], unicode_errors: str) -> np.ndarray:
    """Parse rows into float32 (len(rows), dim); append their words to ``keys``."""
    numbers: list[bytes] = []
    for offset, row in enumerate(rows):
        parts = row.split()
        where = line_no + offset + 1
        if len(parts) != dim + 1:
            raise FormatError(f"{path}, line {where}: expected a word and {dim} numbers "
                              f"({dim + 1} columns), got {len(parts)} columns.")
        word = decode_word(parts[0], path, f"line {where}", unicode_errors)
        if word in seen:
            raise FormatError(f"{path}, line {where}: duplicate word {word!r} "
                              f"(first at line {seen[word]}).")
        seen[word] = where
        keys.append(word)
        numbers.extend(parts[1:])
    try:
        # one C-level conversion per chunk instead of a Python loop over the floats
        block = np.array(numbers, dtype=np.float32)
    except ValueError:
        block = None
    if block is None:
        for offset, row in enumerate(rows):
            try:
                np.array(row.split()[1:], dtype=np.float32)
            except ValueError:
                raise FormatError(f"{path}, line {line_no + offset + 1}: non-numeric value in "
                                  f"{row[:60].decode('utf-8', 'replace')!r}...") from None
    return block.reshape(len(rows), dim)


