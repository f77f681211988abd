"""fastText's ``.bin`` model file: read (fastText's output, Facebook's published models), write.

Layout (all little-endian; fastText writes its structs as the machine lays them out, and
every machine it runs on is little-endian):

==========  ===============================================================================
magic       int32 793712314, then the version, int32 (11 or 12); files written before
            fastText marked them (read as version 0) start at ``args``, have no
            ``pruneidx_size`` and no ``quantized`` flags
args        int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
            maxn, lrUpdateRate; float64 t (56 bytes). loss: 1 hs, 2 ns, 3 softmax, 4 ova;
            model: 1 cbow, 2 skipgram, 3 supervised
dictionary  int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; then ``size``
            entries: the word's UTF-8 bytes, a NUL, int64 count, int8 type (0 word, 1
            label), words first; then pruneidx_size pairs of int32 (-1: not pruned;
            quantized models only)
input       bool quantized; int64 rows m, int64 columns n; m x n float32, row-major:
            the nwords word rows, then the ``bucket`` n-gram rows
output      bool quantized; int64 m, int64 n; m x n float32
==========  ===============================================================================

The input matrix is memory-mapped, not read: Facebook's ``cc.en.300.bin`` holds 4M x 300
floats (4.8 GB). Quantized models (``.ftz``) are refused with one line, as are truncated files
and files of another kind; every error names the file and the byte offset.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import FormatError

MAGIC = 793712314
VERSION = 12
MAGIC_BYTES = struct.pack("<i", MAGIC)
_ARGS = struct.Struct("<12id")
_ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model",
              "bucket", "minn", "maxn", "lrUpdateRate", "t")
_DICT_HEADER = struct.Struct("<iiiqq")
_OLD_DICT_HEADER = struct.Struct("<iiiq")  # version 0: no pruned-index size
_MATRIX_HEADER = struct.Struct("<qq")
_ENTRY_TAIL = struct.Struct("<qb")
MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
# fastText's defaults for what w2v does not train (written into every file).
DEFAULT_ARGS: dict[str, Any] = {"dim": 100, "ws": 5, "epoch": 5, "minCount": 5, "neg": 5,
                                "wordNgrams": 1, "loss": 2, "model": 2, "bucket": 2_000_000,
                                "minn": 3, "maxn": 6, "lrUpdateRate": 100, "t": 1e-4}


@dataclass
class FastTextModel:
    """What a fastText ``.bin`` holds (unsupervised view).

    Attributes
    ----------
    args : dict
        fastText's arguments by their names (``dim``, ``minn``, ``maxn``, ``bucket``, ...).
    words : list of str
        The nwords words, in row order (fastText's ``</s>`` included when present).
    counts : np.ndarray
        int64 (nwords,).
    input_matrix : np.ndarray
        float32 (nwords + bucket, D), memory-mapped when read from a file.
    output_matrix : np.ndarray
        float32 (rows, D): the output vectors (nwords rows for an unsupervised model).
    ntokens : int
        Tokens of the training corpus.
    version : int
    """

    args: dict[str, Any]
    words: list[str]
    counts: np.ndarray
    input_matrix: np.ndarray
    output_matrix: np.ndarray
    ntokens: int = 0
    version: int = VERSION
    labels: list[str] = field(default_factory=list)


def is_fasttext_bin(sample: bytes) -> bool:
    """Whether the first bytes of a file (at least 56 of them) begin a fastText model: its
    magic number, or the arguments of a file older than the magic number
    (:func:`old_format_args`)."""
    return sample[:4] == MAGIC_BYTES or old_format_args(sample) is not None


def old_format_args(sample: bytes) -> dict[str, Any] | None:
    """fastText's arguments at the start of a file written before fastText marked its files
    (version 0 here: no magic number, no pruned-index size, no quantization flags), or None
    when the first 56 bytes cannot be such arguments.

    Such files (gensim's test model ``lee_fasttext.bin``, early published models) begin
    directly with ``dim, ws, epoch, ...``; every field must be in a range fastText allows,
    which 56 bytes of anything else (text, word2vec's header, another format) are not.
    """
    if len(sample) < _ARGS.size or sample[:4] == MAGIC_BYTES:
        return None
    args = dict(zip(_ARG_NAMES, _ARGS.unpack(sample[:_ARGS.size]), strict=True))
    bounded = {"dim": (1, 100_000), "ws": (1, 10_000), "epoch": (1, 100_000),
               "minCount": (0, 2**31 - 1), "neg": (0, 100_000), "wordNgrams": (1, 100),
               "loss": (1, 4), "model": (1, 3), "bucket": (0, 2**31 - 1), "minn": (0, 1000),
               "maxn": (0, 1000), "lrUpdateRate": (1, 2**31 - 1)}
    if all(low <= args[name] <= high for name, (low, high) in bounded.items()) \
            and 0.0 <= args["t"] < 1.0:
        return args
    return None


class _Reader:
    """Sequential reads of a file's bytes with offsets in every error message."""

    def __init__(self, path: Path, data: bytes | memoryview, size: int) -> None:
        self.path, self.data, self.size, self.offset = path, data, size, 0

    def fail(self, what: str) -> FormatError:
        return FormatError(f"{self.path}: {what} at byte {self.offset:,} (a fastText .bin "
                           f"model of {self.size:,} bytes).")

    def take(self, n: int, what: str) -> bytes:
        if self.offset + n > self.size:
            raise self.fail(f"the file ends inside the {what} (truncated file?)")
        out = bytes(self.data[self.offset:self.offset + n])
        self.offset += n
        return out

    def unpack(self, layout: struct.Struct, what: str) -> tuple:
        return layout.unpack(self.take(layout.size, what))


def read_fasttext_bin(path: str | Path) -> FastTextModel:
    """Read a fastText ``.bin`` model (unquantized), memory-mapping its input matrix.

    Raises
    ------
    FormatError
        If the file is not a fastText model, is of a newer version, is quantized, pruned or
        truncated, or its sizes disagree; the message names the file and the byte offset.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        mapped = np.memmap(handle, dtype=np.uint8, mode="r") if size else b""
    reader = _Reader(path, memoryview(mapped) if size else b"", size)
    magic, version = reader.unpack(struct.Struct("<ii"), "magic number")
    if magic != MAGIC:
        reader.offset = 0
        if old_format_args(reader.data[:_ARGS.size]) is None:
            raise reader.fail(f"no fastText magic number ({MAGIC}); this is not a fastText "
                              f"model")
        version = 0  # written before fastText numbered its files
    elif not 0 < version <= VERSION:
        raise reader.fail(f"version {version}; w2v reads fastText models of versions up to "
                          f"{VERSION}")
    args = dict(zip(_ARG_NAMES, reader.unpack(_ARGS, "arguments"), strict=True))
    if version in (0, 11) and args["model"] == 3:
        args["maxn"] = 0  # fastText: classifiers before version 12 have no character n-grams
    marked = version > 0  # the pruned-index size and the quantization flags
    words, counts, labels, ntokens = _read_dictionary(reader, marked)
    input_matrix = _read_matrix(reader, mapped, "input matrix", marked)
    output_matrix = _read_matrix(reader, mapped, "output matrix", marked)
    expected = (len(words) + args["bucket"], args["dim"])
    if input_matrix.shape != expected:
        raise FormatError(f"{path}: the input matrix is {input_matrix.shape[0]:,} x "
                          f"{input_matrix.shape[1]}, but {len(words):,} words, "
                          f"{args['bucket']:,} buckets and dim {args['dim']} need "
                          f"{expected[0]:,} x {expected[1]}.")
    if reader.offset != size:
        raise FormatError(f"{path}: {size - reader.offset:,} bytes follow the output matrix "
                          f"(a damaged file, or not a fastText model).")
    return FastTextModel(args, words, np.array(counts, dtype=np.int64), input_matrix,
                         output_matrix, ntokens, version, labels)


def _read_dictionary(reader: _Reader, marked: bool = True
                     ) -> tuple[list[str], list[int], list[str], int]:
    if marked:
        entries, nwords, nlabels, ntokens, pruned = reader.unpack(_DICT_HEADER,
                                                                  "dictionary header")
    else:  # a file of version 0 has no pruned-index size
        entries, nwords, nlabels, ntokens = reader.unpack(_OLD_DICT_HEADER,
                                                          "dictionary header")
        pruned = -1
    if entries < 0 or nwords < 0 or nlabels < 0 or nwords + nlabels != entries:
        raise reader.fail(f"a dictionary of {entries} entries with {nwords} words and "
                          f"{nlabels} labels")
    words, counts, labels = [], [], []
    data = reader.data
    for i in range(entries):
        end = _find_nul(data, reader.offset, reader.size)
        if end < 0:
            raise reader.fail(f"the file ends inside word {i + 1:,} of {entries:,} (truncated "
                              f"file?)")
        raw = bytes(data[reader.offset:end])
        reader.offset = end + 1
        count, kind = reader.unpack(_ENTRY_TAIL, f"entry of word {i + 1:,}")
        word = raw.decode("utf-8", errors="replace")
        if kind == 0:
            if labels:
                raise reader.fail("a word after the labels")
            words.append(word)
            counts.append(count)
        else:
            labels.append(word)
    if pruned > 0:
        raise reader.fail("a pruned dictionary (a quantized model, .ftz); w2v reads "
                          "unquantized .bin models")
    return words, counts, labels, ntokens


def _find_nul(data: bytes | memoryview, start: int, end: int) -> int:
    """Offset of the next NUL byte in data[start:end], or -1."""
    # Words are short: search a window, widening it for the rare long one.
    window = 256
    while True:
        stop = min(start + window, end)
        found = bytes(data[start:stop]).find(b"\0")
        if found >= 0:
            return start + found
        if stop == end:
            return -1
        window *= 16


def _read_matrix(reader: _Reader, mapped: Any, what: str, marked: bool = True) -> np.ndarray:
    (quantized,) = reader.take(1, f"{what} flag") if marked else (0,)
    if quantized:
        raise reader.fail(f"a quantized {what} (a .ftz model); w2v reads unquantized .bin "
                          f"models")
    rows, cols = reader.unpack(_MATRIX_HEADER, f"{what} header")
    if rows < 0 or cols <= 0:
        raise reader.fail(f"a {what} of {rows} x {cols}")
    need = rows * cols * 4
    if reader.offset + need > reader.size:
        raise reader.fail(f"the file ends inside the {what} ({rows:,} x {cols} floats need "
                          f"{need:,} bytes, {reader.size - reader.offset:,} are left; "
                          f"truncated file?)")
    start = reader.offset
    reader.offset += need
    return np.ndarray((rows, cols), dtype="<f4", buffer=mapped, offset=start)


def write_fasttext_bin(path: str | Path, model: FastTextModel) -> None:
    """Write ``model`` as a fastText ``.bin`` file (version 12), atomically.

    fastText's CLI and Python module load it (``fasttext.load_model``). Words are written by
    descending count (:func:`_count_order`), with their rows; a model without n-grams is
    written as fastText writes one (``minn`` and ``maxn`` 0).

    Raises
    ------
    FormatError
        If a word cannot be stored (empty, or holding a NUL or whitespace) or the shapes
        disagree with the arguments.
    OutputError
        If the file cannot be written; a previous file at ``path`` is left as it was.
    """
    args = {**DEFAULT_ARGS, **model.args}
    rows, dim = model.input_matrix.shape
    if rows != len(model.words) + args["bucket"] or dim != args["dim"]:
        raise FormatError(f"A fastText model of {len(model.words):,} words and "
                          f"{args['bucket']:,} buckets needs an input matrix of "
                          f"{len(model.words) + args['bucket']:,} x {args['dim']}; got "
                          f"{rows:,} x {dim}.")
    for word in model.words:
        if not word or any(c in word for c in "\0 \t\n\r\v\f"):
            raise FormatError(f"The word {word!r} cannot be stored in a fastText model "
                              f"(words are non-empty and hold no whitespace or NUL).")
    if args["bucket"] == 0 or args["maxn"] < args["minn"]:
        args["minn"] = args["maxn"] = 0  # fastText's "no n-grams" (it divides by bucket)
    nwords = len(model.words)
    order = _count_order(model.counts)
    words = model.words if order is None else [model.words[i] for i in order]
    counts = model.counts if order is None else np.asarray(model.counts)[order]
    with atomic_write(path, "wb") as out:
        out.write(struct.pack("<ii", MAGIC, VERSION))
        out.write(_ARGS.pack(*(args[name] for name in _ARG_NAMES)))
        # pruneidx_size -1: not pruned (fastText refuses a 0 in an unquantized model)
        out.write(_DICT_HEADER.pack(nwords, nwords, 0, int(model.ntokens), -1))
        out.write(b"".join(w.encode("utf-8") + b"\0" + _ENTRY_TAIL.pack(int(c), 0)
                           for w, c in zip(words, counts, strict=True)))
        for matrix, word_rows in ((model.input_matrix, nwords),
                                  (model.output_matrix, 0 if args["loss"] == 1 else nwords)):
            out.write(b"\0" + _MATRIX_HEADER.pack(*matrix.shape))
            if order is not None and word_rows:  # the word rows in the words' new order
                _write_rows(out, np.asarray(matrix[:word_rows])[order])
                _write_rows(out, matrix[word_rows:])
            else:
                _write_rows(out, matrix)


def _count_order(counts: np.ndarray) -> np.ndarray | None:
    """The words' order in the file: None when the counts do not increase anywhere, else by
    descending count, ties in their order (a stable sort).

    fastText builds its hierarchical softmax's tree from the counts as the file lists them,
    assuming them sorted; w2v builds its tree from the counts sorted this way
    (:func:`w2v.huffman.build_huffman_tree_any_order`), so in this order both trees, and
    the inner-node rows of the output matrix, are the same. A vocabulary grown by training
    further has new words after rarer ones.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if len(counts) < 2 or not np.any(np.diff(counts) > 0):
        return None
    return np.argsort(-counts, kind="stable")


def _write_rows(out: Any, matrix: np.ndarray) -> None:
    """Write a (m, n) matrix as little-endian float32, in blocks (no full copy)."""
    for start in range(0, matrix.shape[0], 65_536):
        block = np.ascontiguousarray(matrix[start:start + 65_536], dtype="<f4")
        out.write(block.tobytes())

