"""Corpus reading and encoding: tokenisation of text streamed in chunks, and word ids.

Where the bytes come from (files, folders, compressed files, pipes, encodings) is
:mod:`w2v.sources`.

Tokenisation follows word2vec.c: tokens are separated by whitespace and a newline ends
a sentence. Lines longer than ``max_sentence_length`` tokens are cut into consecutive
pieces; unlike gensim, no token is ever dropped. Invalid UTF-8 bytes become U+FFFD,
are counted, and are reported once per pass (a :class:`InvalidUTF8Warning`).

The training engines never see text: :func:`encode_corpus` turns the corpus into one
``uint32`` array of word ids (``EncodedCorpus.ids``) plus sentence offsets, built once
and reused by every epoch. Large corpora are encoded into a memory-mapped temporary file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from w2v.compression import DECOMPRESSION_ERRORS
from w2v.errors import CorpusError
from w2v.sources import corpus_files, open_corpus_file, text_encoding

if TYPE_CHECKING:
    from w2v.vocab import Vocab

# Bytes read per chunk: big enough to amortise Python overhead, small enough to stream.
CHUNK_BYTES = 1 << 20
# Encoded corpora with more ids than this go to a memory-mapped temporary file (64M ids = 256 MB).
MEMMAP_THRESHOLD = 64 * 1024 * 1024
# surrogateescape maps each undecodable byte to one lone surrogate in this range.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")


class InvalidUTF8Warning(UserWarning):
    """Some bytes of a corpus were not valid UTF-8 and were replaced by U+FFFD."""


@dataclass
class CorpusStats:
    """What one pass over a corpus saw.

    Attributes
    ----------
    files : int
        Files read.
    sentences : int
        Sentences yielded (after splitting long lines).
    tokens : int
        Tokens yielded, in and out of vocabulary.
    invalid_bytes : int
        Bytes that were not valid UTF-8 (each replaced by U+FFFD).
    characters : int
        Characters decoded from files (0 for a corpus in memory).
    """

    files: int = 0
    sentences: int = 0
    tokens: int = 0
    invalid_bytes: int = 0
    characters: int = 0


@dataclass
class EncodedCorpus:
    """A corpus as word ids, ready for the engines.

    Attributes
    ----------
    ids : np.ndarray
        uint32, (N,): in-vocabulary word ids in corpus order (out-of-vocabulary tokens removed).
    sentence_starts : np.ndarray
        int64, (S + 1,): sentence ``i`` is ``ids[sentence_starts[i]:sentence_starts[i + 1]]``;
        the first entry is 0 and the last is ``len(ids)``.
    raw_words : int
        Tokens read, including those not in the vocabulary.
    stats : CorpusStats
        What the encoding pass saw.
    """

    ids: np.ndarray
    sentence_starts: np.ndarray
    raw_words: int
    stats: CorpusStats

    @property
    def n_sentences(self) -> int:
        """Number of sentences (pieces of at most ``max_sentence_length`` tokens)."""
        return len(self.sentence_starts) - 1


def _decoded_chunks(path: Path, stats: CorpusStats,
                    handle: IO[bytes] | None = None) -> Iterator[str]:
    """Decoded text of one file, chunk by chunk; invalid bytes counted and replaced.

    Compression and encoding are recognised from the content (:mod:`w2v.sources`); a
    byte-order mark is skipped, never part of the first token. ``handle``, when given, is
    read instead of the file (a byte range of it, :func:`byte_range_sentences`).
    """
    try:
        with open_corpus_file(path) if handle is None else handle as handle:
            raw = handle.read(CHUNK_BYTES)
            encoding, bom = text_encoding(path, raw)
            # surrogateescape lets invalid UTF-8 bytes be counted; other codecs replace them.
            errors = "surrogateescape" if encoding.startswith("utf-8") else "replace"
            decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
            raw = raw[bom:] if encoding == "utf-8-sig" else raw
            while True:
                text = decoder.decode(raw, final=not raw)
                if _ESCAPED_BYTES.search(text):
                    text, n_bad = _ESCAPED_BYTES.subn("\ufffd", text)
                    stats.invalid_bytes += n_bad
                if text:
                    stats.characters += len(text)
                    yield text
                if not raw:
                    return
                raw = handle.read(CHUNK_BYTES)
    except DECOMPRESSION_ERRORS as exc:
        # A truncated or corrupt .gz/.bz2/.xz, or an unreadable file, is the user's input.
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise CorpusError(f"Cannot read corpus file '{path}': {reason} (a truncated or "
                          f"corrupt compressed file?).") from None


def decoded_text(path: Path, stats: CorpusStats) -> Iterator[str]:
    """Decoded text of one corpus file, chunk by chunk, as training reads it.

    The same decoding as :func:`iter_sentences` (compression and encoding by content,
    invalid UTF-8 counted in ``stats.invalid_bytes`` and replaced by U+FFFD), for readers
    that tokenise the text themselves (:mod:`w2v.phrases.stream`).
    """
    return _decoded_chunks(path, stats)


# str.split() and the regex class \s agree on what whitespace is (str.isspace).
_WHITESPACE = re.compile(r"\s")


def _after_last_space(text: str) -> int:
    """Index just after the last whitespace character of ``text`` (0 if there is none).

    Searches the reversed text, so the cost is one C-speed pass, even when the chunk is
    the middle of a single enormous token.
    """
    match = _WHITESPACE.search(text[::-1])
    return 0 if match is None else len(text) - match.start()


def whole_token_text(path: Path, stats: CorpusStats,
                     handle: IO[bytes] | None = None) -> Iterator[str]:
    """Decoded text of one file (or of ``handle``) in pieces that never cut a token: each
    piece but the last ends with whitespace (:func:`decoded_text` chunks, re-cut)."""
    # The last, possibly incomplete, token so far, kept in pieces so that a token longer than
    # a chunk is joined once rather than copied again with every chunk.
    carry: list[str] = []
    for chunk in _decoded_chunks(path, stats, handle):
        cut = _after_last_space(chunk)
        if cut == 0:
            carry.append(chunk)
            continue
        yield "".join(carry) + chunk[:cut]
        carry = [chunk[cut:]]
    yield "".join(carry)


def _file_sentences(path: Path, max_len: int, stats: CorpusStats,
                    handle: IO[bytes] | None = None) -> Iterator[list[str]]:
    """Sentences of one file (or of ``handle``): a newline ends one, ``max_len`` tokens cut one."""
    sentence: list[str] = []
    for head in whole_token_text(path, stats, handle):
        lines = head.split("\n")
        for i, line in enumerate(lines):
            sentence.extend(line.split())
            while len(sentence) >= max_len:
                yield sentence[:max_len]
                sentence = sentence[max_len:]
            # Every piece but the last ended with a newline; the last one goes on in the next chunk.
            if i < len(lines) - 1 and sentence:
                yield sentence
                sentence = []
    while sentence:
        yield sentence[:max_len]
        sentence = sentence[max_len:]


def iter_sentences(path: str | os.PathLike[str], max_sentence_length: int = 10_000,
                   stats: CorpusStats | None = None, warn: bool = True) -> Iterator[list[str]]:
    """Stream the sentences of a corpus file or folder as lists of tokens.

    Parameters
    ----------
    path : str or PathLike
        A text file (UTF-8; ``.gz`` and ``.bz2`` are decompressed) or a folder whose
        non-hidden files are read in sorted order.
    max_sentence_length : int
        Longer lines are split into consecutive pieces of at most this many tokens;
        no token is dropped.
    stats : CorpusStats, optional
        Filled in while iterating (files, sentences, tokens, invalid bytes).
    warn : bool
        Issue one :class:`InvalidUTF8Warning` at the end of the pass if bytes were replaced.

    Yields
    ------
    list of str
        The tokens of one sentence (never empty).

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    CorpusError
        If a folder holds no file or a file cannot be read.
    """
    files = corpus_files(path)
    stats = stats if stats is not None else CorpusStats()
    for file in files:
        stats.files += 1
        for sentence in _file_sentences(file, max_sentence_length, stats):
            stats.sentences += 1
            stats.tokens += len(sentence)
            yield sentence
    if warn:
        warn_invalid_bytes(path, stats, stacklevel=3)


def warn_invalid_bytes(path: str | os.PathLike[str], stats: CorpusStats,
                       stacklevel: int = 2) -> None:
    """One :class:`InvalidUTF8Warning` for a pass that replaced invalid bytes (none if none)."""
    if stats.invalid_bytes:
        warnings.warn(
            f"Corpus '{path}': {stats.invalid_bytes} byte(s) were not valid UTF-8 and were "
            "replaced by U+FFFD.", InvalidUTF8Warning, stacklevel=stacklevel)


class _ByteRange:
    """Bytes ``[start, end)`` of a file, read like a file that ends at ``end``."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self.file = open(path, "rb")  # noqa: SIM115 - closed by __exit__
        self.file.seek(start)
        self.left = max(end - start, 0)

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.file.read(size)
        self.left -= len(data)
        return data

    def __enter__(self) -> _ByteRange:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def byte_range_sentences(path: str | os.PathLike[str], start: int, end: int,
                         max_sentence_length: int = 10_000,
                         stats: CorpusStats | None = None) -> Iterator[list[str]]:
    """Sentences of bytes ``[start, end)`` of an uncompressed UTF-8 file.

    Tokenised as :func:`iter_sentences` tokenises the whole file; the caller chooses the
    bounds at whitespace (:mod:`w2v.distributed.shares`), so that no token is cut and the
    ranges of a file together give exactly its tokens. A byte-order mark is skipped only at
    offset 0.

    Raises
    ------
    CorpusError
        If the file cannot be read.
    """
    stats = stats if stats is not None else CorpusStats()
    try:
        handle = _ByteRange(Path(path), start, end)
    except OSError as exc:
        raise CorpusError(f"Cannot read corpus file '{path}': {exc.strerror or exc}.") from None
    stats.files += 1
    for sentence in _file_sentences(Path(path), max_sentence_length, stats, handle):
        stats.sentences += 1
        stats.tokens += len(sentence)
        yield sentence


def sentences_from(source: Any, max_sentence_length: int = 10_000,
                   stats: CorpusStats | None = None, warn: bool = True) -> Iterable[list[str]]:
    """Sentences of any corpus source: a path, or an iterable of token lists.

    An in-memory source is checked (each sentence a list or tuple of str) and its long
    sentences are split like a file's.

    Parameters
    ----------
    source : path-like or iterable of list of str
        A corpus file or folder (read with :func:`iter_sentences`), or sentences in memory.
    max_sentence_length : int
        Longer sentences are split into pieces of at most this many tokens.
    stats : CorpusStats, optional
        Filled in while iterating.
    warn : bool
        For a path: warn once about bytes that were not valid UTF-8.

    Returns
    -------
    iterable of list of str
        The sentences, each a non-empty list of tokens (long ones split).

    Raises
    ------
    CorpusError
        If ``source`` is neither a path nor an iterable of token lists.
    """
    if isinstance(source, (str, os.PathLike)):
        return iter_sentences(source, max_sentence_length, stats=stats, warn=warn)
    if not isinstance(source, Iterable):
        raise CorpusError(
            f"A corpus must be a path or an iterable of token lists. Got {type(source).__name__}.")
    return _checked_sentences(source, max_sentence_length,
                              stats if stats is not None else CorpusStats())


def _checked_sentences(source: Iterable[Any], max_len: int,
                       stats: CorpusStats) -> Iterator[list[str]]:
    for n, sentence in enumerate(source):
        if isinstance(sentence, str) or not isinstance(sentence, (list, tuple)):
            raise CorpusError(
                f"Sentence {n} of the corpus must be a list of str tokens. "
                f"Got {type(sentence).__name__}; split strings with str.split() first.")
        for start in range(0, len(sentence), max_len):
            piece = list(sentence[start:start + max_len])
            stats.sentences += 1
            stats.tokens += len(piece)
            yield piece


def encode_corpus(source: Any, vocab: Vocab, max_sentence_length: int = 10_000,
                  memmap_threshold: int = MEMMAP_THRESHOLD) -> EncodedCorpus:
    """Encode a corpus into an id array, dropping out-of-vocabulary tokens.

    Parameters
    ----------
    source : path or iterable of list of str
        The corpus, as accepted by :func:`sentences_from`.
    vocab : Vocab
        Word-to-id mapping (``vocab.key_to_index``).
    max_sentence_length : int
        Longer sentences are split (tokens kept).
    memmap_threshold : int
        Past this many ids, the array is written to a temporary file and memory-mapped
        (the file is unlinked at once, so nothing is left behind).

    Returns
    -------
    EncodedCorpus
        ``ids`` uint32 (N,), ``sentence_starts`` int64 (S + 1,). Sentences left empty
        by the vocabulary are dropped.

    Raises
    ------
    CorpusError
        If no token of the corpus is in the vocabulary.
    """
    stats = CorpusStats()
    lookup = vocab.key_to_index.get
    sink = IdSink(memmap_threshold)
    lengths: list[int] = []
    for sentence in sentences_from(source, max_sentence_length, stats=stats, warn=False):
        ids = np.fromiter(map(lookup, sentence, repeat(-1)), dtype=np.int64, count=len(sentence))
        ids = ids[ids >= 0]
        if len(ids):
            sink.append(ids.astype(np.uint32))
            lengths.append(len(ids))
    if not lengths:
        raise CorpusError("No token of the corpus is in the vocabulary; nothing to train on.")
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return EncodedCorpus(ids=sink.finish(), sentence_starts=starts,
                         raw_words=stats.tokens, stats=stats)


class IdSink:
    """Collects id chunks in memory, moving to a memory-mapped temporary file when large."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.chunks: list[np.ndarray] = []
        self.size = 0
        self.file: IO[bytes] | None = None

    def append(self, ids: np.ndarray) -> None:
        self.chunks.append(ids)
        self.size += len(ids)
        if self.file is None and self.size > self.threshold:
            try:
                self.file = tempfile.TemporaryFile(prefix="w2v-ids-")  # noqa: SIM115 - kept open
            except OSError as exc:
                raise self._failed(exc) from None
        if self.file is not None and len(self.chunks) >= 256:
            self._flush()

    def _flush(self) -> None:
        if self.file is None:
            raise RuntimeError("no id file to flush to")  # a bug, not the user's
        try:
            for chunk in self.chunks:
                self.file.write(chunk.tobytes())
        except OSError as exc:
            with contextlib.suppress(OSError):  # unlinked already: closing frees its space
                self.file.close()
            raise self._failed(exc) from None
        self.chunks = []

    def _failed(self, exc: OSError) -> CorpusError:
        return CorpusError(
            "The encoded corpus ({n:,} ids so far) went to a temporary file in '{folder}', which "
            "failed ({reason}). Set TMPDIR to a folder with room, or raise the {max_memory} so "
            "that it stays in memory.", n=self.size, folder=tempfile.gettempdir(),
            reason=exc.strerror or str(exc))

    def finish(self) -> np.ndarray:
        if self.file is None:
            return np.concatenate(self.chunks)
        self._flush()
        try:
            self.file.flush()
        except OSError as exc:
            raise self._failed(exc) from None
        # The mapping keeps the (already unlinked) temporary file alive; read-only is enough.
        mapped = np.memmap(self.file, dtype=np.uint32, mode="r", shape=(self.size,))
        self.file.close()
        return np.asarray(mapped)
