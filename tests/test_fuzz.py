"""Fuzzing the readers: arbitrary bytes never crash them with anything but a ``W2VError``.

Hypothesis writes arbitrary or mutated bytes to a temporary file and feeds it to the corpus
reader (plain and ``.gz``), the vocabulary and the encoder, and to the vector-file readers
(text, binary, native, and format detection). A reader may accept the input or raise a
:class:`~w2v.errors.W2VError` subclass; any other exception is a crash (a bug). Each test is
bounded (``max_examples``, ``deadline``) so the file runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.corpus import InvalidUTF8Warning, encode_corpus, iter_sentences
from w2v.errors import W2VError
from w2v.formats import detect_format, load_vectors, save_vectors
from w2v.vectors import Vectors
from w2v.vocab import build_vocab

FUZZ = settings(max_examples=150, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

# Bytes that stress a whitespace tokenizer and a UTF-8 decoder: separators, CR, NUL,
# continuation and lead bytes, a BOM, and ordinary letters.
CORPUS_ALPHABET = list(b" \t\n\r\x00\x0b\x0cab\xc3\xa9\xe6\x97\xa5\xff\xfe\x80\xef\xbb\xbf")
corpus_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(CORPUS_ALPHABET), max_size=400).map(bytes),
)


def _workdir() -> Path:
    # Hypothesis reruns the body many times; a function-scoped tmp_path would be shared.
    return Path(tempfile.mkdtemp(prefix="w2v-fuzz-"))


def _read_corpus(path: Path) -> None:
    """Everything a training run does with a corpus before the engine starts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InvalidUTF8Warning)
        sentences = list(iter_sentences(path, max_sentence_length=7))
        assert all(sentences) and all(len(s) <= 7 for s in sentences)
        vocab = build_vocab(iter_sentences(path, max_sentence_length=7), min_count=1)
        encoded = encode_corpus(path, vocab, max_sentence_length=7)
    assert encoded.ids.dtype == np.uint32
    assert encoded.sentence_starts[0] == 0 and encoded.sentence_starts[-1] == len(encoded.ids)
    assert int(encoded.ids.max()) < len(vocab)


@FUZZ
@given(data=corpus_bytes, compressed=st.booleans())
def test_corpus_reader_accepts_or_raises_w2v_error(data, compressed):
    folder = _workdir()
    try:
        path = folder / ("c.gz" if compressed else "c.txt")
        if compressed:
            path.write_bytes(gzip.compress(data))
        else:
            path.write_bytes(data)
        with contextlib.suppress(W2VError):
            _read_corpus(path)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(data=st.binary(min_size=1, max_size=300))
def test_gz_named_garbage_is_a_corpus_error(data):
    # A file named .gz that is not gzip (or is truncated gzip) must not escape as OSError.
    folder = _workdir()
    try:
        path = folder / "c.gz"
        path.write_bytes(data if data[:2] != b"\x1f\x8b" else gzip.compress(data)[:-3])
        with contextlib.suppress(W2VError):
            _read_corpus(path)
    finally:
        shutil.rmtree(folder)


# --- vector files --------------------------------------------------------------------------

_VALID: dict[str, dict[str, bytes]] = {}


def _valid_files(folder: Path) -> dict[str, Path]:
    """Valid text, binary and native files in ``folder`` (built once, then copied: fast)."""
    if not _VALID:
        keys = ["the", "of", "König", "日本", "x"]
        matrix = np.arange(len(keys) * 3, dtype=np.float32).reshape(len(keys), 3) / 7
        source = Path(tempfile.mkdtemp(prefix="w2v-fuzz-valid-"))
        for format, name in [("text", "v.txt"), ("binary", "v.bin"), ("native", "v_nat")]:
            save_vectors(Vectors(keys, matrix), source / name, format)
            path = source / name
            files = sorted(path.iterdir()) if path.is_dir() else [path]
            _VALID[format] = {str(f.relative_to(source)): f.read_bytes() for f in files}
        shutil.rmtree(source)
    paths = {}
    for format, files in _VALID.items():
        for name, data in files.items():
            (folder / name).parent.mkdir(exist_ok=True)
            (folder / name).write_bytes(data)
        paths[format] = folder / next(iter(files)).split("/")[0]
    return paths


def _load_all_ways(path: Path) -> None:
    """Every way a user can read a vectors file; only W2VError may escape."""
    attempts = [lambda: load_vectors(path), lambda: detect_format(path)]
    if not path.is_dir():  # a word2vec format forced on a folder: see the test below
        attempts += [
            lambda: load_vectors(path, format="text"),
            lambda: load_vectors(path, format="text", header=False),
            lambda: load_vectors(path, format="binary"),
            lambda: load_vectors(path, format="binary", limit=2),
            lambda: load_vectors(path, format="text", unicode_errors="replace"),
        ]
    for attempt in attempts:
        try:
            result = attempt()
        except W2VError:
            continue
        if isinstance(result, Vectors):
            assert result.vectors.ndim == 2
            assert len(result.index_to_key) == result.vectors.shape[0]


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, byte) edits: 0 flip a byte, 1 delete, 2 insert, 3 truncate."""
    buf = bytearray(data)
    for kind, position, value in edits:
        if not buf:
            break
        i = position % len(buf)
        if kind == 0:
            buf[i] = value
        elif kind == 1:
            del buf[i]
        elif kind == 2:
            buf.insert(i, value)
        else:
            del buf[i:]
    return bytes(buf)


edits = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)),
                 min_size=1, max_size=4)


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".txt", ".bin", ".vec", ""]))
def test_vector_readers_on_arbitrary_bytes(data, suffix):
    folder = _workdir()
    try:
        path = folder / f"v{suffix}"
        path.write_bytes(data)
        _load_all_ways(path)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(header=st.tuples(st.integers(-5, 10**12), st.integers(-5, 10**9)),
       body=st.binary(max_size=64), binary=st.booleans())
def test_vector_readers_on_lying_headers(header, body, binary):
    # A header announcing a huge matrix must be refused, not allocated (MemoryError).
    folder = _workdir()
    try:
        path = folder / ("v.bin" if binary else "v.txt")
        path.write_bytes(f"{header[0]} {header[1]}\n".encode() + body)
        _load_all_ways(path)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(format=st.sampled_from(["text", "binary"]), edit_list=edits)
def test_vector_readers_on_mutated_valid_files(format, edit_list):
    folder = _workdir()
    try:
        path = _valid_files(folder)[format]
        path.write_bytes(_mutate(path.read_bytes(), edit_list))
        _load_all_ways(path)
    finally:
        shutil.rmtree(folder)


NATIVE_PARTS = ["w2v.json", "vectors.npy", "vocab.txt"]


@pytest.mark.parametrize("part", NATIVE_PARTS)
@FUZZ
@given(edit_list=edits, remove=st.booleans())
def test_native_reader_on_mutated_folders(part, edit_list, remove):
    folder = _workdir()
    try:
        path = _valid_files(folder)["native"]
        target = path / part
        if remove:
            target.unlink()
        else:
            target.write_bytes(_mutate(target.read_bytes(), edit_list))
        _load_all_ways(path)
    finally:
        shutil.rmtree(folder)


@FUZZ
@given(header=st.dictionaries(st.sampled_from(["format", "version", "count", "dim", "dtype"]),
                              st.one_of(st.none(), st.integers(-3, 10**12), st.text(max_size=5),
                                        st.lists(st.integers(), max_size=2))))
def test_native_reader_on_arbitrary_headers(header):
    folder = _workdir()
    try:
        path = _valid_files(folder)["native"]
        (path / "w2v.json").write_text(json.dumps(header))
        _load_all_ways(path)
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("format", ["text", "binary"])
def test_word2vec_format_forced_on_a_folder(tmp_path, format):
    folder = _valid_files(tmp_path)["native"]
    with pytest.raises(W2VError):
        load_vectors(folder, format=format)


@pytest.mark.parametrize("format", ["text", "binary", "native"])
def test_unmutated_files_still_load(tmp_path, format):
    # The fuzz tests are only meaningful if the files they mutate are valid to start with.
    vectors = load_vectors(_valid_files(tmp_path)[format])
    assert vectors.index_to_key[2] == "König"
