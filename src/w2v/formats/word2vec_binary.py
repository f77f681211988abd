"""The word2vec.c binary format: ``V D\\n``, then per word its UTF-8 bytes, a space and D
little-endian float32.

word2vec.c writes a newline after each row, gensim does not; both are read. The format has
no row length, so a word holding a space (which it cannot store) shifts everything after it:
the reader checks each row's boundary so that such a file is refused instead of loading as
garbage. In word2vec.c's layout every row must end with a newline, which catches a shifted
row for certain. In gensim's layout (no newline) two marks are checked: the next word must not
start with bytes a word cannot hold (NUL, tab, line breaks) nor be invalid UTF-8, and the
shifted row's values must not have absurd magnitudes; together they catch about 99.5% of
shifted rows (docs/formats.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from w2v.atomic import atomic_write
from w2v.dtypes import REAL
from w2v.errors import FormatError
from w2v.formats.word2vec_fields import MAX_WORD_BYTES, decode_word, parse_header

_READ_BYTES = 1 << 20  # bytes read from the stream at a time
_HEADER_BYTES = 1024  # a header "V D\n" is a few bytes; a file without one is not binary
_GROWTH_BYTES = 64 << 20  # first matrix allocation when the file size says nothing
_CHECK_ROWS = 65_536  # rows checked at a time by _check_magnitudes
# bytes word2vec.c never puts into a word: it splits words at space, tab and newline, drops
# CR, and keeps words as C strings (no NUL)
_NOT_IN_WORDS = b"\x00\t\n\r"
_MISALIGNED = ("a word contains a space (the binary format cannot store one), or the header's "
               "dimension is wrong")


def write_binary(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    """Write ``keys`` and ``matrix`` (V, D) in word2vec.c's layout, atomically."""
    count, dim = matrix.shape
    rows = np.ascontiguousarray(matrix, dtype="<f4")
    with atomic_write(path, "wb") as out:
        out.write(f"{count} {dim}\n".encode())
        for key, row in zip(keys, rows, strict=True):
            # word2vec.c's layout, newline after each row included
            out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")


def read_binary(handle: BinaryIO, path: Path, limit: int | None, unicode_errors: str,
                size: int | None = None) -> tuple[list[str], np.ndarray]:
    """Keys and the float32 (V, D) matrix of the binary file open as ``handle``.

    ``size`` is the number of bytes the stream holds when known (an uncompressed file): it
    bounds the first allocation, so a lying header fails as a truncated row instead of
    allocating a huge matrix.
    """
    data = _Window(handle)
    end_of_header = data.find(b"\n", _HEADER_BYTES)
    if end_of_header < 0:
        raise FormatError(f"{path}: no header line 'V D' found (is this a word2vec binary "
                          f"file?).")
    count, dim = parse_header(data.take(end_of_header + 1), path)
    wanted = count if limit is None else min(limit, count)
    row_bytes = 4 * dim
    if size is not None and wanted * (row_bytes + 2) > size:  # a 1-byte word, a space, floats
        raise FormatError(f"{path}: the header says {count} words of {dim} dimensions, but the "
                          f"file has only {size} bytes (truncated file, or a wrong header).")
    rows = _Rows(wanted, dim, None if size is None else (size - data.offset) // (row_bytes + 1))
    keys: list[str] = []
    seen: set[str] = set()
    newline_layout = False
    matrix = rows.data
    # the loop runs once per word (3M for GoogleNews): the window's fast paths are inlined
    for i in range(wanted):
        start, raw = data.next_word()
        if raw is None or (len(data.buffer) - data.pos < row_bytes and not data.has(row_bytes)):
            raise _truncated_or_not_binary(path, data, start, i, count, row_bytes, raw)
        if not raw or raw.translate(None, _NOT_IN_WORDS) != raw:
            raise FormatError(f"{path}, byte {start}: row {i + 1} starts with "
                              f"{raw[:20]!r}, which is not a word: {_MISALIGNED}.")
        try:
            word = raw.decode("utf-8", unicode_errors)
        except UnicodeDecodeError:
            hint = "" if newline_layout or i == 0 else f" (or the file is misaligned: " \
                                                       f"{_MISALIGNED})"
            word = decode_word(raw, path, f"byte {start}", unicode_errors, hint)  # raises
        if word in seen:
            raise FormatError(f"{path}, byte {start}: duplicate word {word!r} (row {i + 1}).")
        seen.add(word)
        keys.append(word)
        if i == len(matrix):
            matrix = rows.grow()
        matrix[i] = np.frombuffer(data.buffer, dtype="<f4", count=dim, offset=data.pos)
        data.pos += row_bytes
        after = data.buffer[data.pos:data.pos + 1] or data.peek()
        if i == 0:
            newline_layout = after == b"\n"
        elif newline_layout and after != b"\n" and not (after == b"" and i == wanted - 1):
            raise FormatError(f"{path}, byte {data.offset}: row {i + 1} ({word!r}) does not end "
                              f"with a line break as the rows before it do: {_MISALIGNED}.")
    if not newline_layout:
        _check_magnitudes(rows.data[:len(keys)], keys, path)
    data.skip_line_breaks()
    if limit is None and data.peek():
        more = "more bytes" if size is None else f"{size - data.offset} more bytes"
        raise FormatError(f"{path}, byte {data.offset}: the header says {count} words but "
                          f"{more} follow the last row.")
    return keys, rows.matrix(len(keys))


def _check_magnitudes(matrix: np.ndarray, keys: list[str], path: Path) -> None:
    """Refuse rows read from shifted bytes, by the marks the shift leaves in their values.

    In gensim's layout nothing separates rows, so a word holding a space ("new york") is read
    as "new" and its floats start with the bytes "york ". Either most of the row's values then
    have absurd magnitudes (outside [1e-15, 1e15]: exponent bytes taken from text or mantissa
    bits), or the row starts with text and a space and its first value is absurd. Trained
    vectors show neither (a single extreme value, as a test may store, is not enough).
    """
    for start in range(0, len(matrix), _CHECK_ROWS):
        block = np.abs(matrix[start:start + _CHECK_ROWS], dtype=REAL)  # (B, D)
        with np.errstate(invalid="ignore"):
            absurd = np.isfinite(block) & ((block > 1e15) | ((block < 1e-15) & (block > 0)))
        most = (absurd.mean(axis=1) > 0.5) & (block.shape[1] >= 4)
        for row in np.flatnonzero(most | absurd[:, 0]).tolist():
            if most[row] or _starts_with_text(matrix[start + row].tobytes()):
                raise FormatError(f"{path}: row {start + row + 1} ({keys[start + row]!r}) "
                                  f"holds values no word vector has: {_MISALIGNED}.")


def _starts_with_text(raw: bytes) -> bool:
    """Whether ``raw`` starts with printable ASCII and then a space (a word's tail)."""
    space = raw.find(b" ", 0, 64)
    return space > 0 and all(0x21 <= byte <= 0x7e for byte in raw[:space])


def _truncated_or_not_binary(path: Path, data: _Window, start: int, i: int, count: int,
                             row_bytes: int, raw: bytes | None) -> FormatError:
    """The error for row ``i`` (0-based) when its word or its floats are not all there."""
    if raw is None and not data.exhausted:
        return FormatError(f"{path}, byte {start}: no space within {MAX_WORD_BYTES:,} bytes "
                           f"(row {i + 1}): not a word2vec binary file, or a word longer than "
                           f"w2v reads.")
    return FormatError(f"{path}, byte {start}: truncated row {i + 1} of {count} "
                       f"(expected a word, a space and {row_bytes} bytes of floats).")


class _Window:
    """A sliding window over a binary stream, refilled as the reader moves on."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.buffer = b""
        self.pos = 0  # index in buffer of the next unread byte
        self.base = 0  # offset in the stream of buffer[0]
        self.exhausted = False

    @property
    def offset(self) -> int:
        """Offset in the stream of the next unread byte."""
        return self.base + self.pos

    def _refill(self, at_least: int) -> None:
        chunk = self.handle.read(max(at_least, _READ_BYTES))
        if not chunk:
            self.exhausted = True
            return
        self.buffer = self.buffer[self.pos:] + chunk
        self.base += self.pos
        self.pos = 0

    def has(self, n: int) -> bool:
        """Whether ``n`` unread bytes are available (reading more if needed)."""
        while len(self.buffer) - self.pos < n and not self.exhausted:
            self._refill(n - (len(self.buffer) - self.pos))
        return len(self.buffer) - self.pos >= n

    def find(self, byte: bytes, within: int) -> int:
        """Index, from the next unread byte, of ``byte`` within ``within`` bytes; -1 if none."""
        searched = 0
        while True:
            found = self.buffer.find(byte, self.pos + searched, self.pos + within)
            if found >= 0:
                return found - self.pos
            searched = len(self.buffer) - self.pos
            if searched >= within or self.exhausted:
                return -1
            self._refill(_READ_BYTES)

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end of the stream)."""
        self.has(n)
        piece = self.buffer[self.pos:self.pos + n]
        self.pos += len(piece)
        return piece

    def next_word(self) -> tuple[int, bytes | None]:
        """Skip CR and LF, then take a word and the space after it.

        Returns the offset of the word and its bytes, or None (the window left at the word)
        when no space follows within ``MAX_WORD_BYTES + 1`` bytes.
        """
        buffer, pos, end = self.buffer, self.pos, len(self.buffer)
        while pos < end and buffer[pos] in (10, 13):  # "\n", "\r"
            pos += 1
        space = buffer.find(b" ", pos, min(end, pos + MAX_WORD_BYTES + 1))
        if space >= 0:  # the common case: the word is in the buffer
            self.pos = space + 1
            return self.base + pos, buffer[pos:space]
        self.pos = pos  # the word may go on past the buffer: read more
        self.skip_line_breaks()
        start = self.offset
        found = self.find(b" ", MAX_WORD_BYTES + 1)
        if found < 0:
            return start, None
        return start, self.take(found + 1)[:-1]

    def peek(self) -> bytes:
        """The next byte without consuming it (b"" at the end of the stream)."""
        self.has(1)
        return self.buffer[self.pos:self.pos + 1]

    def skip_line_breaks(self) -> None:
        """Skip CR and LF bytes (word2vec.c writes a newline after each row; gensim does not)."""
        while self.peek() in (b"\n", b"\r"):
            self.pos += 1


class _Rows:
    """The (V, D) float32 matrix, grown as rows arrive when the file size is unknown."""

    def __init__(self, wanted: int, dim: int, fits: int | None) -> None:
        # No more rows than the file can hold: a lying header fails as a truncated row
        # instead of allocating a huge matrix. A compressed stream's size is unknown: start
        # with _GROWTH_BYTES and double (ndarray.resize reallocates in place where it can).
        first = min(wanted, fits) if fits is not None else min(wanted, max(
            1, _GROWTH_BYTES // (4 * dim)))
        self.wanted = wanted
        self.data = np.empty((first, dim), dtype=REAL)

    def grow(self) -> np.ndarray:
        """The matrix with room for more rows (up to ``wanted``)."""
        rows = min(self.wanted, max(2 * len(self.data), 1))
        self.data.resize((rows, self.data.shape[1]), refcheck=False)
        return self.data

    def matrix(self, count: int) -> np.ndarray:
        """The first ``count`` rows (all of them unless the file ended early)."""
        if count < len(self.data):
            self.data.resize((count, self.data.shape[1]), refcheck=False)
        return self.data
