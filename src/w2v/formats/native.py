"""The native format: a folder with ``vectors.npy``, ``vocab.txt`` and a ``w2v.json`` header.

``vectors.npy`` is float32 (V, D) in C order, memory-mapped on load; ``vocab.txt`` holds one
word per line (UTF-8, row order); ``w2v.json`` names the format, its version, V, D and the
dtype. No pickle anywhere.

A save builds the three files in a private folder beside the target and swaps it in whole
(:func:`w2v.atomic.atomic_folder`): a reader sees the old folder or the new one, never a mix,
and a failed save (disk full, an exception, Ctrl-C) leaves the old folder as it was. A save
writes only into a new folder, an empty one, or one holding ``w2v.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_folder
from w2v.errors import FormatError
from w2v.formats.paths import open_input_file

NATIVE_VERSION = 1
NATIVE_HEADER = "w2v.json"
NATIVE_MATRIX = "vectors.npy"
NATIVE_VOCAB = "vocab.txt"
NATIVE_NAME = "w2v-native"  # the "format" field of the header
_BOM = "\ufeff"


def write_native(keys: list[str], matrix: np.ndarray, path: Path) -> None:
    """Create or replace the native folder ``path`` with ``keys`` and float32 ``matrix`` (V, D)."""
    header = {"format": NATIVE_NAME, "version": NATIVE_VERSION, "count": int(matrix.shape[0]),
              "dim": int(matrix.shape[1]), "dtype": "float32", "matrix": NATIVE_MATRIX,
              "vocab": NATIVE_VOCAB}
    with atomic_folder(path, marker=NATIVE_HEADER, what="native vectors folder") as staging:
        # plain writes: nobody sees the staging folder until it is swapped in
        np.save(staging / NATIVE_MATRIX, np.ascontiguousarray(matrix, dtype="<f4"),
                allow_pickle=False)
        with open(staging / NATIVE_VOCAB, "w", encoding="utf-8", newline="\n") as out:
            out.write("".join(f"{key}\n" for key in keys))
        with open(staging / NATIVE_HEADER, "w", encoding="utf-8") as out:
            json.dump(header, out, indent=2)
            out.write("\n")


def read_native(path: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    """Keys and the memory-mapped float32 (V, D) matrix of the native folder ``path``."""
    count, dim = _read_header(path)
    matrix = _read_matrix(path / NATIVE_MATRIX, count, dim)
    keys = _read_vocab(path / NATIVE_VOCAB, count)
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return keys, matrix


def _read_header(path: Path) -> tuple[int, int]:
    header_path = path / NATIVE_HEADER
    if not header_path.exists():
        raise FormatError(f"{path}: not a native vectors folder ({NATIVE_HEADER} is missing; "
                          f"the write may not have finished).")
    with open_input_file(header_path, "header of the native folder") as handle:
        raw = handle.read(1 << 20)  # a header is ~200 bytes; a huge file is not one
    try:
        header = json.loads(raw.decode("utf-8"))
        version, count, dim = int(header["version"]), int(header["count"]), int(header["dim"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{header_path}: unreadable header ({exc}).") from None
    if header.get("format") != NATIVE_NAME or version > NATIVE_VERSION:
        raise FormatError(f"{header_path}: format {header.get('format')!r} version {version} "
                          f"is not supported (this w2v reads {NATIVE_NAME} up to version "
                          f"{NATIVE_VERSION}).")
    if count < 0 or dim < 1:
        raise FormatError(f"{header_path}: count {count} and dim {dim} are not a matrix shape.")
    return count, dim


def _read_matrix(file: Path, count: int, dim: int) -> np.ndarray:
    """Memory-map ``file`` after checking its .npy header ourselves.

    numpy's own errors for a foreign .npy (object arrays, pickles) advise loading it with
    ``allow_pickle=True``, which would run code from the file: this format never does.
    """
    with open_input_file(file, "matrix of the native folder") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        except Exception:  # noqa: BLE001 - any unreadable header (ValueError, EOFError, ...)
            raise FormatError(f"{file}: not a NumPy .npy matrix (its header cannot be read); "
                              f"expected float32 ({count}, {dim}).") from None
    if dtype != np.dtype("<f4") or fortran or tuple(shape) != (count, dim):
        order = "Fortran" if fortran else "C"
        raise FormatError(f"{file}: expected a little-endian float32 ({count}, {dim}) matrix "
                          f"in C order, as {NATIVE_HEADER} says; got {_dtype_name(dtype)} "
                          f"{tuple(shape)} in {order} order.")
    try:
        return np.load(file, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:  # e.g. shorter than its header says
        raise FormatError(f"{file}: cannot memory-map the matrix "
                          f"({exc.strerror if isinstance(exc, OSError) else 'truncated'}).") \
            from None


def _dtype_name(dtype: np.dtype) -> str:
    if dtype.hasobject:
        return "Python objects"
    return f"{'big-endian ' if dtype.byteorder == '>' else ''}{dtype.name}"


def _read_vocab(file: Path, count: int) -> list[str]:
    with open_input_file(file, "vocabulary of the native folder") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{file}: not UTF-8 text (byte {exc.start}).") from None
    keys = text.removeprefix(_BOM).split("\n")
    if keys and keys[-1] == "":
        keys.pop()
    if len(keys) != count:
        raise FormatError(f"{file}: expected {count} words as {NATIVE_HEADER} says, "
                          f"got {len(keys)}.")
    seen: dict[str, int] = {}
    for line, key in enumerate(keys, start=1):
        if key.endswith("\r"):  # edited on Windows: CRLF line ends
            key = keys[line - 1] = key[:-1]
        if not key:
            raise FormatError(f"{file}, line {line}: empty word.")
        if key in seen:
            raise FormatError(f"{file}, line {line}: duplicate word {key!r} "
                              f"(first at line {seen[key]}).")
        seen[key] = line
    return keys
