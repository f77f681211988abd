"""The model file: a folder with everything needed to go on training a model.

A model folder ``D`` holds::

    D/model.json    format "w2v-model", version, V, D, the options (TrainConfig), the
                    vocabulary's token total, the schedule position (epochs done of
                    ``config.epochs``), the numba kernels' RNG states, the epoch history and
                    the last run's facts, and the SHA-256 of the small files
    D/w_in.npy      float32 (V, D), C order: the input vectors (memory-mapped on load); a
                    subword model's whole input table, (V + bucket, D): the word rows,
                    then the n-gram rows (fastText's layout, :mod:`w2v.subwords`)
    D/w_out.npy     float32 (V, D), C order: the output vectors (memory-mapped on load)
    D/w_hs.npy      float32 (V - 1, D): hierarchical softmax's inner-node vectors (only
                    with hs=True; memory-mapped on load)
    D/counts.npy    int64 (V,): each word's count
    D/vocab.txt     one word a line, UTF-8, row order

No pickle anywhere: arrays are ``.npy`` files read with ``allow_pickle=False`` after their
headers are checked, and ``model.json`` is read through :func:`w2v.headers.read_json_header`.
A save builds the folder beside ``D`` and swaps it in whole (:func:`w2v.atomic.atomic_folder`,
as checkpoints and the native vectors format do): a crash, a full disk or SIGKILL at any
moment leaves the previous model whole or the new one complete, never a mix. The two weight
tables are not checksummed (reading hundreds of megabytes on every load would defeat the
memory map); their ``.npy`` headers must give the exact shape and type, and a truncated table
cannot be mapped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_folder
from w2v.config import TrainConfig
from w2v.dtypes import REAL
from w2v.engines.contract import HistoryRecord
from w2v.errors import FormatError, W2VError
from w2v.headers import check_fields, check_format, read_json_header

if TYPE_CHECKING:
    from w2v.training import Model

MODEL_FORMAT = "w2v-model"
MODEL_VERSION = 1
MODEL_HEADER = "model.json"
_SMALL = ("counts.npy", "vocab.txt")
_FIELDS = {"vocab_size": int, "dim": int, "config": dict, "total_words": int,
           "epochs_done": int, "history": list, "stats": dict, "sha256": dict}
# Options that only exist in Python (a callable) are not part of the file.
_PYTHON_ONLY = ("trim_rule",)


def save_model(model: Model, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` as the model folder ``path``, replacing an old model there whole.

    Parameters
    ----------
    model : Model
    path : path-like
        A new folder, an empty one, or a model folder (one holding ``model.json``).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        If the folder cannot be written (a file or a folder of the user's is there, the
        parent is missing, the disk is full); an old model there is left whole.
    FormatError
        If a word holds a line break (the vocabulary is one word a line).
    """
    words = list(model.vocab.words)
    _check_words(words)
    counts = _npy_bytes(np.asarray(model.vocab.counts, dtype="<i8"))
    vocab = "".join(f"{word}\n" for word in words).encode("utf-8", "surrogatepass")
    header = _header(model, {"counts.npy": counts, "vocab.txt": vocab})
    with atomic_folder(path, MODEL_HEADER, "model folder") as staging:
        # plain writes: nobody sees the staging folder until it is swapped in
        tables = {"w_in": model.input_table, "w_out": model.output_vectors,
                  "w_hs": model.hs_vectors}
        for name, table in tables.items():
            if table is None:  # no hierarchical softmax
                continue
            np.save(staging / f"{name}.npy", np.ascontiguousarray(table, dtype="<f4"),
                    allow_pickle=False)
        (staging / "counts.npy").write_bytes(counts)
        (staging / "vocab.txt").write_bytes(vocab)
        (staging / MODEL_HEADER).write_text(json.dumps(header, indent=1), encoding="utf-8")
    return Path(path)


def _check_words(words: list[str]) -> None:
    for word in words:
        if "\n" in word or "\r" in word:
            raise FormatError(f"The word {word[:40]!r} holds a line break; a model file keeps "
                              f"one word a line. Split or clean such tokens before training.")


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _header(model: Model, small: dict[str, bytes]) -> dict[str, Any]:
    config = {k: v for k, v in model.config.to_dict().items() if k not in _PYTHON_ONLY}
    states = model.rng_states
    return {
        "format": MODEL_FORMAT, "version": MODEL_VERSION,
        "vocab_size": len(model.vocab), "dim": int(model.vectors.vector_size),
        "config": config, "total_words": int(model.vocab.total_words),
        "epochs_done": int(model.epochs_done),
        # uint64 states as JSON integers: exact, unlike floats
        "rng_states": None if states is None else [int(s) for s in np.ravel(states)],
        "history": [_finite(r.to_dict()) for r in model.history if r.kind == "epoch"],
        "stats": _finite(json.loads(json.dumps(model.stats, default=str))),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in small.items()},
    }


def _finite(record: dict[str, Any]) -> dict[str, Any]:
    # JSON has no NaN: an epoch that trained nothing has a NaN loss, written as null.
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in record.items()}


# --- reading --------------------------------------------------------------------------------

def load_model(path: str | os.PathLike[str], mmap: bool = True) -> Model:
    """Read a model folder written by :func:`save_model` (``Model.save``), or a fastText
    ``.bin`` (:func:`w2v.fasttext_model.model_from_fasttext`, always memory-mapped).

    Parameters
    ----------
    path : path-like
        The model folder, or a fastText model file.
    mmap : bool
        Memory-map the two weight tables read-only (default: nothing is read until used;
        training further copies them into memory). False reads them into memory.

    Returns
    -------
    Model
        Ready for queries (``model.vectors``) and for :meth:`Model.train`.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    FormatError
        If the folder is not a w2v model of a version this w2v reads, or a file is missing,
        truncated, corrupt, or disagrees with ``model.json``.
    """
    from w2v.fasttext_model import is_fasttext_file, model_from_fasttext
    from w2v.training import Model, vectors_from_tables
    from w2v.vocab import Vocab

    if is_fasttext_file(path):
        return model_from_fasttext(path)
    root = Path(path)
    header = read_header(root)
    config = _config(root, header["config"])
    size, dim = header["vocab_size"], header["dim"]
    if dim != config.vector_size:
        raise FormatError(f"'{root / MODEL_HEADER}': dim {dim} but vector_size "
                          f"{config.vector_size} in its options.")
    words = _read_words(root, header, size)
    counts = _read_counts(root, header, size)
    input_rows = size + config.bucket if config.subwords else size
    w_in = _read_table(root / "w_in.npy", input_rows, dim, mmap)
    w_out = _read_table(root / "w_out.npy", size, dim, mmap)
    w_hs = (_read_table(root / "w_hs.npy", max(size - 1, 0), dim, mmap) if config.hs
            else None)
    vocab = Vocab(words=words, counts=counts, total_words=header["total_words"])
    model = Model(vectors=vectors_from_tables(vocab, config, w_in, w_out, w_hs),
                  output_vectors=w_out, config=config, vocab=vocab,
                  history=_history(root, header["history"]), stats=header["stats"],
                  epochs_done=header["epochs_done"],
                  rng_states=_rng_states(root, header.get("rng_states")), hs_vectors=w_hs)
    return model


def check_model(path: str | os.PathLike[str]) -> None:
    """Fail as :func:`load_model` would, before any work, unless ``path`` is a model folder
    whose header reads, or a fastText model file (checked whole when it is read)."""
    from w2v.fasttext_model import is_fasttext_file

    if not is_fasttext_file(path):
        read_header(Path(path))


def read_header(root: Path) -> dict[str, Any]:
    """The checked ``model.json`` of a model folder (see :func:`load_model` for errors)."""
    from w2v.errors import InputNotFoundError

    if not root.exists():
        raise InputNotFoundError(f"The model folder '{root}' does not exist.")
    if not root.is_dir():
        raise FormatError(f"'{root}' is not a model folder (a w2v model is a folder holding "
                          f"{MODEL_HEADER}, or a fastText .bin); a vectors file holds no "
                          f"model to train further (read it with w2v.Vectors.load, or query "
                          f"it with 'w2v similar').")
    file = root / MODEL_HEADER
    if not file.is_file():
        raise FormatError(f"'{root}' is not a w2v model folder ({MODEL_HEADER} is missing).")
    header = read_json_header(file, "model header", FormatError)
    check_format(header, file, "model", (MODEL_FORMAT, MODEL_VERSION), FormatError)
    check_fields(header, _FIELDS, file, FormatError)
    if header["vocab_size"] < 1 or header["dim"] < 1 or header["epochs_done"] < 0:
        raise FormatError(f"'{file}': vocab_size {header['vocab_size']}, dim {header['dim']} "
                          f"and epochs_done {header['epochs_done']} are not a model's.")
    return header


def _config(root: Path, options: dict[str, Any]) -> TrainConfig:
    try:
        return TrainConfig.from_options(**options)
    except W2VError as exc:
        raise FormatError(f"'{root / MODEL_HEADER}': its options are not valid here ({exc})."
                          ) from None


def _small_file(root: Path, name: str, header: dict[str, Any]) -> bytes:
    file = root / name
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FormatError(f"Model file '{file}' is missing or unreadable "
                          f"({exc.strerror or exc}).") from None
    if hashlib.sha256(data).hexdigest() != header["sha256"].get(name):
        raise FormatError(f"Model file '{file}' is corrupt or truncated (its SHA-256 does not "
                          f"match {MODEL_HEADER}).")
    return data


def _read_words(root: Path, header: dict[str, Any], size: int) -> list[str]:
    text = _small_file(root, "vocab.txt", header).decode("utf-8", "surrogatepass")
    words = text.split("\n")[:-1]
    if len(words) != size or len(set(words)) != size:
        raise FormatError(f"Model file '{root / 'vocab.txt'}': {len(words)} words "
                          f"({len(set(words))} distinct), expected {size}.")
    return words


def _read_counts(root: Path, header: dict[str, Any], size: int) -> np.ndarray:
    import io

    data = _small_file(root, "counts.npy", header)
    try:
        counts = np.load(io.BytesIO(data), allow_pickle=False)  # checksummed: np.save's bytes
    except ValueError:
        raise FormatError(f"Model file '{root / 'counts.npy'}' is not a .npy array.") from None
    if counts.dtype.kind != "i" or counts.shape != (size,) or (size and counts.min() < 1):
        raise FormatError(f"Model file '{root / 'counts.npy'}': expected {size} positive "
                          f"integer counts, got {counts.dtype} {counts.shape}.")
    return counts.astype(np.int64)


def _read_table(file: Path, size: int, dim: int, mmap: bool) -> np.ndarray:
    """A float32 (V, D) table, its .npy header checked before numpy reads it."""
    try:
        with open(file, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read(handle)
    except OSError as exc:
        raise FormatError(f"Model file '{file}' is missing or unreadable "
                          f"({exc.strerror or exc}).") from None
    except Exception:  # noqa: BLE001 - any unreadable header (ValueError, EOFError, ...)
        raise FormatError(f"Model file '{file}' is not a NumPy .npy table.") from None
    if dtype != np.dtype("<f4") or fortran or tuple(shape) != (size, dim):
        raise FormatError(f"Model file '{file}': expected little-endian float32 ({size}, "
                          f"{dim}) in C order, got {dtype} {tuple(shape)}.")
    try:
        table = np.load(file, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError):
        raise FormatError(f"Model file '{file}' is truncated (shorter than its header "
                          f"says).") from None
    return table if mmap else np.asarray(table, dtype=REAL)


def _history(root: Path, records: list[Any]) -> list[HistoryRecord]:
    try:
        return [HistoryRecord(**{k: float("nan") if v is None else v for k, v in r.items()})
                for r in records]
    except (TypeError, AttributeError):
        raise FormatError(f"'{root / MODEL_HEADER}': unreadable history.") from None


def _rng_states(root: Path, states: Any) -> np.ndarray | None:
    if states is None:
        return None
    try:
        array = np.array(states, dtype=np.uint64).reshape(-1, 1)
    except (ValueError, TypeError, OverflowError):
        raise FormatError(f"'{root / MODEL_HEADER}': bad RNG states.") from None
    return array
