"""The native format: a folder with ``vectors.npy``, ``vocab.txt`` and a ``w2v.json`` header.

``vectors.npy`` is float32 (V, D), memory-mapped on load; ``vocab.txt`` holds one word per
line (UTF-8, row order); ``w2v.json`` names the format, its version, V, D and the dtype.
No pickle anywhere.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import FormatError, OutputError

NATIVE_VERSION = 1
NATIVE_HEADER = "w2v.json"
NATIVE_MATRIX = "vectors.npy"
NATIVE_VOCAB = "vocab.txt"


def write_native(keys: list[str], matrix: np.ndarray, path: Path) -> None:
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


def read_native(path: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
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


