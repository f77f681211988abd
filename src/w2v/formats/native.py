"""The native format: a folder with ``vectors.npy``, ``vocab.txt`` and a ``w2v.json`` header.

``vectors.npy`` is float32 (V, D) in C order, memory-mapped on load; ``vocab.txt`` holds one
word per line (UTF-8, row order); ``w2v.json`` names the format, its version, V, D and the
dtype. The words' attributes (gensim's ``get_vecattr``: a trained model's counts, and any a
user set) are kept beside them: numeric ones in ``attributes.npz`` (one (V,) array each,
listed in the header under ``"attributes"``), others (text, say) in ``attributes.json`` (a
list of V values each, under ``"object_attributes"``). A folder without them (older versions
wrote none) reads as before. No pickle anywhere: an attribute JSON cannot hold is left out
with a warning.

A save builds the three files in a private folder beside the target and swaps it in whole
(:func:`w2v.atomic.atomic_folder`): a reader sees the old folder or the new one, never a mix,
and a failed save (disk full, an exception, Ctrl-C) leaves the old folder as it was. A save
writes only into a new folder, an empty one, or one holding ``w2v.json``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_folder
from w2v.errors import FormatError
from w2v.formats.paths import open_input_file

NATIVE_VERSION = 1
NATIVE_HEADER = "w2v.json"
NATIVE_MATRIX = "vectors.npy"
NATIVE_VOCAB = "vocab.txt"
NATIVE_ATTRIBUTES = "attributes.npz"
NATIVE_OBJECT_ATTRIBUTES = "attributes.json"
NATIVE_NAME = "w2v-native"  # the "format" field of the header
_BOM = "\ufeff"


def write_native(keys: list[str], matrix: np.ndarray, path: Path,
                 attributes: dict[str, np.ndarray] | None = None) -> None:
    """Create or replace the native folder ``path`` with ``keys``, float32 ``matrix`` (V, D)
    and the words' ``attributes`` (name -> (V,) array; see :func:`storable_attributes`)."""
    header = {"format": NATIVE_NAME, "version": NATIVE_VERSION, "count": int(matrix.shape[0]),
              "dim": int(matrix.shape[1]), "dtype": "float32", "matrix": NATIVE_MATRIX,
              "vocab": NATIVE_VOCAB}
    numeric, objects = storable_attributes(attributes or {}, len(keys), path)
    if numeric:
        header["attributes"] = sorted(numeric)
    if objects:
        header["object_attributes"] = sorted(objects)
    with atomic_folder(path, marker=NATIVE_HEADER, what="native vectors folder") as staging:
        # plain writes: nobody sees the staging folder until it is swapped in
        np.save(staging / NATIVE_MATRIX, np.ascontiguousarray(matrix, dtype="<f4"),
                allow_pickle=False)
        if numeric:
            np.savez(staging / NATIVE_ATTRIBUTES, **numeric)
        if objects:
            (staging / NATIVE_OBJECT_ATTRIBUTES).write_text(_objects_json(objects),
                                                            encoding="utf-8")
        with open(staging / NATIVE_VOCAB, "w", encoding="utf-8", newline="\n") as out:
            out.write("".join(f"{key}\n" for key in keys))
        with open(staging / NATIVE_HEADER, "w", encoding="utf-8") as out:
            json.dump(header, out, indent=2)
            out.write("\n")


def read_native(path: Path, limit: int | None
                ) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    """Keys, the memory-mapped float32 (V, D) matrix and the words' attributes (name ->
    (V,) array, empty for a folder without them) of the native folder ``path``."""
    count, dim, numeric, objects = _read_header(path)
    matrix = _read_matrix(path / NATIVE_MATRIX, count, dim)
    keys = _read_vocab(path / NATIVE_VOCAB, count)
    attributes = _read_attributes(path / NATIVE_ATTRIBUTES, numeric, count) if numeric else {}
    if objects:
        attributes.update(_read_object_attributes(path / NATIVE_OBJECT_ATTRIBUTES, objects,
                                                  count))
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
        attributes = {name: column[:limit] for name, column in attributes.items()}
    return keys, matrix, attributes


def storable_attributes(attributes: dict[str, np.ndarray], count: int, path: Path
                        ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(numeric attributes, others as JSON texts) of ``attributes``: what a native folder
    holds.

    Numbers and booleans go to ``np.savez`` as they are; other columns (text, as
    ``set_vecattr`` makes them, or mixed values) as JSON lists, written here once. A column
    JSON cannot hold, or of another length than the words, is left out with a warning
    naming it.
    """
    numeric, objects = {}, {}
    for name, column in attributes.items():
        column = np.asarray(column)
        if column.shape != (count,):
            warnings.warn(f"{path}: the attribute {name!r} is not saved: it has "
                          f"{column.shape} values for {count} words.", stacklevel=4)
        elif column.dtype.kind in "biuf":
            numeric[name] = column
        else:
            try:
                text = json.dumps(column.tolist(), ensure_ascii=False)
            except (TypeError, ValueError):
                warnings.warn(f"{path}: the attribute {name!r} is not saved (only numbers, "
                              f"text and JSON values are stored, never a pickle).",
                              stacklevel=4)
                continue
            objects[name] = text
    return numeric, objects


def _objects_json(objects: dict[str, str]) -> str:
    """The text of ``attributes.json``, {name: [one value a word]}, from each column's JSON."""
    members = (f"{json.dumps(name, ensure_ascii=False)}: {text}"
               for name, text in objects.items())
    return "{" + ", ".join(members) + "}\n"


def _read_attributes(file: Path, names: list[str], count: int) -> dict[str, np.ndarray]:
    """The numeric attributes ``names`` from ``file``, each a (count,) array."""
    try:
        with np.load(file, allow_pickle=False) as archive:
            attributes = {name: archive[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise FormatError(f"{file}: cannot read the attributes {NATIVE_HEADER} lists "
                          f"({type(exc).__name__}: {str(exc)[:80]}).") from None
    for name, column in attributes.items():
        if column.shape != (count,) or column.dtype.kind not in "biuf":
            raise FormatError(f"{file}: the attribute {name!r} should hold {count} numbers, "
                              f"one per word; it holds {column.dtype} {column.shape}.")
    return attributes


def _read_object_attributes(file: Path, names: list[str], count: int
                            ) -> dict[str, np.ndarray]:
    """The other attributes ``names`` from the JSON ``file``, each a (count,) object array."""
    with open_input_file(file, "attributes of the native folder") as handle:
        raw = handle.read()
    try:
        stored = json.loads(raw.decode("utf-8"))
        columns = {name: stored[name] for name in names}
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{file}: cannot read the attributes {NATIVE_HEADER} lists "
                          f"({type(exc).__name__}: {str(exc)[:80]}).") from None
    attributes = {}
    for name, values in columns.items():
        if not isinstance(values, list) or len(values) != count:
            raise FormatError(f"{file}: the attribute {name!r} should hold {count} values, "
                              f"one per word.")
        column = np.empty(count, dtype=object)
        column[:] = values
        attributes[name] = column
    return attributes


def _read_header(path: Path) -> tuple[int, int, list[str], list[str]]:
    header_path = path / NATIVE_HEADER
    if not header_path.exists():
        raise FormatError(f"{path}: not a native vectors folder ({NATIVE_HEADER} is missing; "
                          f"the write may not have finished).")
    with open_input_file(header_path, "header of the native folder") as handle:
        raw = handle.read(1 << 20)  # a header is ~200 bytes; a huge file is not one
    try:
        header = json.loads(raw.decode("utf-8"))
        version, count, dim = int(header["version"]), int(header["count"]), int(header["dim"])
        numeric = [str(name) for name in header.get("attributes", [])]
        objects = [str(name) for name in header.get("object_attributes", [])]
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{header_path}: unreadable header ({exc}).") from None
    if header.get("format") != NATIVE_NAME or version > NATIVE_VERSION:
        raise FormatError(f"{header_path}: format {header.get('format')!r} version {version} "
                          f"is not supported (this w2v reads {NATIVE_NAME} up to version "
                          f"{NATIVE_VERSION}).")
    if count < 0 or dim < 1:
        raise FormatError(f"{header_path}: count {count} and dim {dim} are not a matrix shape.")
    return count, dim, numeric, objects


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
