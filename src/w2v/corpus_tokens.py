"""The corpus scan of a large file in compiled code: its tokens as provisional ids.

:func:`w2v.corpus_scan.scan_corpus` gives every distinct token a provisional id in order of
first occurrence. For a file this module does it with the kernel of
:mod:`w2v.engines.token_kernels` on the text's UTF-8 bytes, instead of ``str.split`` and a
dict (about 100 ns a token in Python). Decoding stays in Python (:func:`w2v.corpus.
whole_token_text`: compression, encodings, invalid bytes counted and replaced), so the
kernel sees valid UTF-8 cut at whitespace, and the result is the Python scan's exactly.

The kernel is compiled once per installation (about half a second) and cached by numba.
Small corpora keep the Python scan (:data:`MIN_BYTES`): reading them is quicker than that
compile, and a first run on a small corpus should not wait for it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from w2v.compression import HEAD_BYTES, compression_of
from w2v.corpus import CorpusStats, IdSink, warn_invalid_bytes, whole_token_text
from w2v.sources import corpus_files

# Corpora of fewer bytes of text (all files together) are scanned in Python.
MIN_BYTES = 8 << 20
# Text bytes a compressed byte is taken for: gzip packs English text about 3:1 (the text8
# prefix: 12.6 MB in 4.2 MB), bzip2 and xz more. A low guess only keeps the Python scan.
COMPRESSED_TEXT_RATIO = 3


def worth_compiling(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (a file or folder) is large enough for the compiled scan."""
    total = 0
    for file in corpus_files(path):
        total += _text_bytes(file)
        if total >= MIN_BYTES:
            return True
    return False


def _text_bytes(file: os.PathLike[str]) -> int:
    """About how many bytes of text ``file`` holds: its size, times a ratio if compressed."""
    try:
        with open(file, "rb") as probe:
            compressed = compression_of(probe.read(HEAD_BYTES)) is not None
            return probe.seek(0, os.SEEK_END) * (COMPRESSED_TEXT_RATIO if compressed else 1)
    except OSError:
        return 0  # the reading that follows names the file and the reason


class TokenTable:
    """Distinct tokens and their provisional ids, in arrays the kernel reads and grows into.

    Attributes
    ----------
    state : int64 (4,)
        Distinct tokens, bytes stored, tokens of the open sentence, longest sentence.
    """

    def __init__(self, max_sentence_length: int) -> None:
        self.slots = np.full(1 << 16, -1, dtype=np.int64)
        self.starts = np.zeros(1 << 14, dtype=np.int64)
        self.lengths = np.zeros(1 << 14, dtype=np.int64)
        self.hashes = np.zeros(1 << 14, dtype=np.uint64)
        self.store = np.zeros(1 << 17, dtype=np.uint8)
        self.state = np.array([0, 0, 0, max_sentence_length], dtype=np.int64)

    def feed(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Tokenise ``text`` (whole tokens): (its ids uint32, lengths of the sentences it ended).

        A sentence still open at the end of ``text`` goes on in the next call.
        """
        from w2v.engines.token_kernels import scan_tokens

        buf = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        ids = np.empty(len(buf) // 2 + 1, dtype=np.uint32)
        ends = np.empty(len(buf) // 2 + 1, dtype=np.int64)
        id_parts, end_parts = [], []
        while len(buf):
            consumed, n_ids, n_ends = scan_tokens(buf, self.slots, self.starts, self.lengths,
                                                  self.hashes, self.store, self.state, ids,
                                                  ends)
            id_parts.append(ids[:n_ids].copy())
            end_parts.append(ends[:n_ends].copy())
            buf = buf[consumed:]
            if len(buf):
                self._grow(len(buf))
        if len(id_parts) == 1:
            return id_parts[0], end_parts[0]
        return (np.concatenate(id_parts) if id_parts else ids[:0].copy(),
                np.concatenate(end_parts) if end_parts else ends[:0].copy())

    def end_file(self) -> int:
        """Close the open sentence (a file's end ends it): its length, 0 if none was open."""
        open_length = int(self.state[2])
        self.state[2] = 0
        return open_length

    def words(self) -> list[str]:
        """Provisional id -> token."""
        distinct, used = int(self.state[0]), int(self.state[1])
        blob = self.store[:used].tobytes()
        starts = self.starts[:distinct].tolist()
        ends = (self.starts[:distinct] + self.lengths[:distinct]).tolist()
        return [blob[a:b].decode("utf-8") for a, b in zip(starts, ends, strict=True)]

    def _grow(self, pending: int) -> None:
        """Double whatever the kernel ran out of (``pending`` bytes of text are left)."""
        from w2v.engines.token_kernels import rehash

        distinct, used = int(self.state[0]), int(self.state[1])
        if distinct >= len(self.starts):
            size = 2 * len(self.starts)
            self.starts, self.lengths, self.hashes = (
                np.concatenate([a, np.zeros(size - len(a), dtype=a.dtype)])
                for a in (self.starts, self.lengths, self.hashes))
        if used + pending > len(self.store):  # the next token fits, however long
            self.store = np.concatenate(
                [self.store, np.zeros(max(len(self.store), pending), dtype=np.uint8)])
        if 2 * (distinct + 1) > len(self.slots):
            self.slots = np.full(2 * len(self.slots), -1, dtype=np.int64)
            rehash(self.slots, self.hashes, distinct)


def scan_path(path: str | os.PathLike[str], max_sentence_length: int, stats: CorpusStats,
              sink: IdSink, warn: bool = True) -> tuple[list[str], list[int]]:
    """Scan a corpus file or folder: (provisional id -> token, sentence lengths).

    The ids go to ``sink`` in corpus order; ``stats`` is filled as
    :func:`w2v.corpus.iter_sentences` fills it, and the same warning is given for bytes that
    were not valid UTF-8.
    """
    table = TokenTable(max_sentence_length)
    lengths: list[int] = []
    for file in corpus_files(path):
        stats.files += 1
        for text in whole_token_text(Path(file), stats):
            ids, ends = table.feed(text)
            if len(ids):
                sink.append(ids)
            lengths.extend(ends.tolist())
        last = table.end_file()
        if last:
            lengths.append(last)
    stats.sentences += len(lengths)
    stats.tokens += sum(lengths)
    if warn:
        warn_invalid_bytes(path, stats, stacklevel=4)
    return table.words(), lengths
