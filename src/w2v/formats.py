"""Reading and writing word vectors: word2vec text, word2vec binary and the native format.

Formats
-------
``text``
    word2vec.c / gensim / fastText ``.vec`` text: a header line ``V D``, then one row per word,
    ``word v1 v2 ... vD``, separated by single spaces. Readers accept trailing spaces (fastText
    writes one), CRLF line endings, and files without a header (GloVe) when ``header=False``.
``binary``
    word2vec.c binary: the header line ``V D\\n``, then for each word its UTF-8 bytes, one space
    and D little-endian float32 (4·D bytes). word2vec.c writes a newline after each row,
    gensim does not; both are read.
``native``
    A folder ``PATH/`` holding ``vectors.npy`` (float32 (V, D), memory-mapped on load),
    ``vocab.txt`` (one word per line, UTF-8, row order) and ``w2v.json`` (a small header:
    format name, version, V, D, dtype). No pickle anywhere. ``w2v.json`` is written last, so
    a folder without it is an unfinished write.

Every malformed file raises :class:`~w2v.errors.FormatError` naming the file, the line (text)
or byte offset (binary) and what was wrong. Every file is written atomically.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import FormatError, InputNotFoundError, OutputError

if TYPE_CHECKING:
    from w2v.vectors import Vectors

FORMATS = ("text", "binary", "native")
NATIVE_VERSION = 1
NATIVE_HEADER = "w2v.json"
NATIVE_MATRIX = "vectors.npy"
NATIVE_VOCAB = "vocab.txt"
_TEXT_SUFFIXES = {".txt", ".vec", ".tsv", ".text", ".glove"}
_BINARY_SUFFIXES = {".bin", ".w2v"}
_ROWS_PER_CHUNK = 20_000  # text rows parsed per numpy call: bounds peak memory of the parser
# Rows formatted per write: each becomes Python floats and strings first (~100 bytes a
# number), so a small block keeps the writer's extra memory to a few MB.
_ROWS_PER_WRITE = 1_000


# --- public entry points ------------------------------------------------------------------

def save_vectors(vectors: Vectors, path: str | os.PathLike[str], format: str = "text") -> None:
    """Write ``vectors`` to ``path`` in ``format`` ("text", "binary" or "native"), atomically.

    Parameters
    ----------
    vectors : Vectors
        The keys and their float32 (V, D) matrix.
    path : path-like
        The file to write (for "native", the folder to create or replace files in).
    format : {"text", "binary", "native"}
        See the module docstring.

    Raises
    ------
    FormatError
        If ``format`` is unknown, or a key cannot be stored (empty, or containing whitespace,
        which the word2vec formats use as separators).
    OutputError
        If the file cannot be written.
    """
    format = _check_format(format)
    keys = list(vectors.index_to_key)
    matrix = np.asarray(vectors.vectors, dtype=np.float32)
    _check_keys_storable(keys, format)
    if format == "text":
        _write_text(keys, matrix, Path(path))
    elif format == "binary":
        _write_binary(keys, matrix, Path(path))
    else:
        _write_native(keys, matrix, Path(path))


def load_vectors(path: str | os.PathLike[str], format: str | None = None,
                 limit: int | None = None, header: bool = True,
                 unicode_errors: str = "strict") -> Vectors:
    """Read vectors from ``path``.

    Parameters
    ----------
    path : path-like
        A word2vec text or binary file (optionally ``.gz``/``.bz2`` compressed is not
        supported: decompress first), or a native folder.
    format : {"text", "binary", "native"} or None
        None detects the format from the path and the first bytes (see :func:`detect_format`).
    limit : int or None
        Read only the first ``limit`` words (files are usually sorted by frequency).
    header : bool
        Whether a text file starts with the ``V D`` line. False reads GloVe-style files.
    unicode_errors : str
        How undecodable bytes in words are handled ("strict", "replace", "ignore"), as in
        :meth:`bytes.decode`. word2vec.c truncates long words at a byte boundary, which can
        split a UTF-8 character; "replace" reads such files.

    Returns
    -------
    Vectors
        Keys in file order and a float32 (V, D) matrix (memory-mapped for "native").

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If the file is malformed; the message names the file and the line or byte offset.
    """
    from w2v.vectors import Vectors

    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"The vectors file '{path}' does not exist.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise FormatError(f"The 'limit' parameter must be an int >= 0 or None. Got {limit!r}.")
    format = detect_format(path, header=header) if format is None else _check_format(format)
    if path.is_dir() != (format == "native"):
        raise FormatError(f"'{path}' is a {'folder' if path.is_dir() else 'file'}, but the "
                          f"{format} format is a {'folder' if format == 'native' else 'file'}.")
    if format == "native":
        keys, matrix = _read_native(path, limit)
    elif format == "binary":
        keys, matrix = _read_binary(path, limit, unicode_errors)
    else:
        keys, matrix = _read_text(path, limit, header, unicode_errors)
    return Vectors(keys, matrix)


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
        count, dim = _parse_header(first, path)
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


# --- text -------------------------------------------------------------------------------

def _write_text(keys: list[str], matrix: np.ndarray, path: Path) -> None:
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


def _read_text(path: Path, limit: int | None, header: bool,
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
            count, dim = _parse_header(first, path, glove_hint=True)
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
        word = _decode_word(parts[0], path, f"line {where}", unicode_errors)
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


# --- binary -------------------------------------------------------------------------------

def _write_binary(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    count, dim = matrix.shape
    rows = np.ascontiguousarray(matrix, dtype="<f4")
    with atomic_write(path, "wb") as out:
        out.write(f"{count} {dim}\n".encode())
        for key, row in zip(keys, rows, strict=True):
            # word2vec.c's layout, newline after each row included
            out.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")


def _read_binary(path: Path, limit: int | None,
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
    count, dim = _parse_header(data[:end_of_header + 1], path)
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
        word = _decode_word(data[pos:space], path, f"byte {pos}", unicode_errors)
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


# --- native -------------------------------------------------------------------------------

def _write_native(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise OutputError(f"The native format writes a folder, but '{path}' is a file.")
    created = not path.exists()
    try:
        path.mkdir(parents=False, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the folder '{path}': {exc.strerror or exc}.") from None
    try:
        _write_native_files(keys, matrix, path)
    except BaseException:
        if created:  # leave nothing behind that this call made
            shutil.rmtree(path, ignore_errors=True)
        raise


def _write_native_files(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    header_path = path / NATIVE_HEADER
    if header_path.exists():
        header_path.unlink()  # the folder is incomplete until the new header is written
    with atomic_write(path / NATIVE_MATRIX, "wb") as out:
        np.save(out, matrix, allow_pickle=False)
    with atomic_write(path / NATIVE_VOCAB, "w", encoding="utf-8") as out:
        out.write("".join(f"{key}\n" for key in keys))
    header = {"format": "w2v-native", "version": NATIVE_VERSION, "count": int(matrix.shape[0]),
              "dim": int(matrix.shape[1]), "dtype": "float32", "matrix": NATIVE_MATRIX,
              "vocab": NATIVE_VOCAB}
    with atomic_write(header_path, "w", encoding="utf-8") as out:
        json.dump(header, out, indent=2)
        out.write("\n")


def _read_native(path: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    header_path = path / NATIVE_HEADER
    if not header_path.is_file():
        raise FormatError(f"{path}: not a native vectors folder ({NATIVE_HEADER} is missing; "
                          f"the write may not have finished).")
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
        version, count, dim = int(header["version"]), int(header["count"]), int(header["dim"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{header_path}: unreadable header ({exc}).") from None
    if header.get("format") != "w2v-native" or version > NATIVE_VERSION:
        raise FormatError(f"{header_path}: format {header.get('format')!r} version {version} "
                          f"is not supported (this w2v reads w2v-native up to version "
                          f"{NATIVE_VERSION}).")
    try:
        matrix = np.load(path / NATIVE_MATRIX, mmap_mode="r", allow_pickle=False)
    except Exception as exc:  # a corrupt .npy header raises EOFError,
        # SyntaxError, TypeError, tokenize errors...: all mean "not a readable matrix"
        raise FormatError(f"{path / NATIVE_MATRIX}: cannot read the matrix "
                          f"({type(exc).__name__}: {exc}).") from None
    if matrix.shape != (count, dim) or matrix.dtype != np.float32:
        raise FormatError(f"{path / NATIVE_MATRIX}: expected float32 ({count}, {dim}) as the "
                          f"header says, got {matrix.dtype} {matrix.shape}.")
    try:
        keys = (path / NATIVE_VOCAB).read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path / NATIVE_VOCAB}: not UTF-8 text (byte {exc.start}).") from None
    except OSError as exc:
        raise FormatError(f"{path / NATIVE_VOCAB}: cannot read the vocabulary "
                          f"({exc.strerror or exc}).") from None
    if keys and keys[-1] == "":
        keys.pop()
    if len(keys) != count:
        raise FormatError(f"{path / NATIVE_VOCAB}: expected {count} words as the header says, "
                          f"got {len(keys)}.")
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return keys, matrix


# --- shared checks ------------------------------------------------------------------------

def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise FormatError(f"The 'format' parameter must be one of {', '.join(FORMATS)}. "
                          f"Got {format!r} instead.")
    return format


def _parse_header(line: bytes, path: Path, glove_hint: bool = False) -> tuple[int, int]:
    parts = line.split()
    try:
        if len(parts) != 2:
            raise ValueError
        count, dim = int(parts[0]), int(parts[1])
        if count < 0 or dim < 1:
            raise ValueError
    except ValueError:
        hint = (" If the file has no header (GloVe style), pass header=False (--no-header)."
                if glove_hint else "")
        shown = line[:60].decode("utf-8", "replace").rstrip()
        raise FormatError(f"{path}, line 1: expected a header 'V D' (word count and dimension), "
                          f"got {shown!r}.{hint}") from None
    return count, dim


def _decode_word(raw: bytes, path: Path, where: str, unicode_errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}, {where}: the word {raw[:40]!r} is not valid UTF-8 "
                          f"({exc.reason}); pass unicode_errors='replace' to read it "
                          f"anyway.") from None


def _check_keys_storable(keys: list[str], format: str) -> None:
    # word2vec formats separate fields by whitespace; native separates words by line breaks
    forbidden = str.isspace if format != "native" else (lambda ch: ch in "\n\r")
    for index, key in enumerate(keys):
        if not key or any(forbidden(ch) for ch in key):
            raise FormatError(f"Word {index} ({key!r}) cannot be saved in the {format} format: "
                              f"words must be non-empty and contain no "
                              f"{'whitespace' if format != 'native' else 'line breaks'}.")


def describe_vectors(path: str | os.PathLike[str], format: str | None = None,
                     header: bool = True) -> dict:
    """Facts about a vectors file: format, size on disk, V, D and statistics of the row norms.

    Returns
    -------
    dict
        ``path``, ``format``, ``bytes``, ``words``, ``dim``, ``norm_min``, ``norm_mean``,
        ``norm_median``, ``norm_max`` (Euclidean norms of the rows), ``zero_vectors``,
        ``non_finite`` (rows holding NaN or inf) and ``first_words`` (up to 10).
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"The vectors file '{path}' does not exist.")
    format = detect_format(path, header=header) if format is None else _check_format(format)
    vectors = load_vectors(path, format=format, header=header)
    norms = vectors.norms.astype(np.float64)  # (V,)
    size = (sum(f.stat().st_size for f in path.iterdir()) if path.is_dir()
            else path.stat().st_size)
    finite = np.isfinite(vectors.vectors).all(axis=1) if len(vectors) else np.zeros(0, bool)
    stats = ({"norm_min": float(norms.min()), "norm_mean": float(norms.mean()),
              "norm_median": float(np.median(norms)), "norm_max": float(norms.max())}
             if len(norms) else {})
    return {"path": str(path), "format": format, "bytes": int(size), "words": len(vectors),
            "dim": vectors.vector_size, **stats, "zero_vectors": int((norms == 0).sum()),
            "non_finite": int((~finite).sum()), "first_words": vectors.index_to_key[:10]}
