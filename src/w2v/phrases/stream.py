"""A corpus as chunks of tokens with their sentence breaks, for phrase counting.

Phrase detection needs to know where a sentence ends (no phrase crosses one) but works on
many tokens at once, so a corpus is read as :class:`TokenChunk` s of a few hundred
thousand tokens each, every token flagged with the break before it:

- ``LINE`` (2): the token starts a line of a file, or a sentence of an in-memory corpus.
- ``PIECE`` (1): the token starts a piece of a line longer than ``max_sentence_length``
  tokens, the cut training makes (and gensim's ``LineSentence``); word2phrase ignores it.
- ``NONE`` (0): the token follows another of the same sentence.

Files are read as training reads them (:func:`w2v.corpus.decoded_text`: compression and
encoding by content, tokens separated by whitespace, a newline ends a line).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from w2v.corpus import CorpusStats, InvalidUTF8Warning, decoded_text
from w2v.errors import CorpusError
from w2v.sources import corpus_files

NONE, PIECE, LINE = 0, 1, 2
# Tokens per chunk: enough to amortise the numpy passes, little next to the tables counted.
CHUNK_TOKENS = 1 << 19
_WHITESPACE = re.compile(r"\s")


@dataclass
class TokenChunk:
    """Consecutive tokens of a corpus.

    Attributes
    ----------
    tokens : list of str
        (n,) the tokens, in corpus order.
    flags : np.ndarray
        int8, (n,): the break before each token, ``LINE``, ``PIECE`` or ``NONE``.
    """

    tokens: list[str]
    flags: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)


def token_chunks(source: Any, max_sentence_length: int = 10_000,
                 chunk_tokens: int | None = None,
                 stats: CorpusStats | None = None) -> Iterator[TokenChunk]:
    """Read a corpus as chunks of tokens with their breaks.

    Parameters
    ----------
    source : path-like or iterable of list of str
        A corpus file (plain, .gz, .bz2, .xz) or folder, or sentences in memory (each a
        list or tuple of str; each is a ``LINE``, never cut into pieces).
    max_sentence_length : int
        A file's line is cut into pieces of this many tokens (``PIECE`` breaks).
    chunk_tokens : int, optional
        About how many tokens a chunk holds (default :data:`CHUNK_TOKENS`).
    stats : CorpusStats, optional
        Filled in while reading (files, tokens, invalid bytes).

    Yields
    ------
    TokenChunk
        Non-empty chunks; a chunk may end in the middle of a sentence.

    Raises
    ------
    InputNotFoundError, CorpusError
        For a path that does not exist or cannot be read, or an in-memory corpus that is
        not an iterable of token lists.
    """
    stats = stats if stats is not None else CorpusStats()
    chunk_tokens = CHUNK_TOKENS if chunk_tokens is None else chunk_tokens
    if isinstance(source, (str, os.PathLike)):
        yield from _path_chunks(source, max_sentence_length, chunk_tokens, stats)
    elif isinstance(source, Iterable):
        yield from _memory_chunks(source, chunk_tokens, stats)
    else:
        raise CorpusError(f"A corpus must be a path or an iterable of token lists. Got "
                          f"{type(source).__name__}.")


def _memory_chunks(source: Iterable[Any], chunk_tokens: int,
                   stats: CorpusStats) -> Iterator[TokenChunk]:
    tokens: list[str] = []
    starts: list[int] = []
    for n, sentence in enumerate(source):
        if isinstance(sentence, str) or not isinstance(sentence, (list, tuple)):
            raise CorpusError(
                f"Sentence {n} of the corpus must be a list of str tokens. "
                f"Got {type(sentence).__name__}; split strings with str.split() first.")
        if not sentence:
            continue
        starts.append(len(tokens))
        tokens.extend(sentence)
        stats.sentences += 1
        if len(tokens) >= chunk_tokens:
            yield _chunk(tokens, starts)
            tokens, starts = [], []
    if tokens:
        yield _chunk(tokens, starts)


def _chunk(tokens: list[str], starts: list[int]) -> TokenChunk:
    flags = np.zeros(len(tokens), dtype=np.int8)
    flags[np.asarray(starts, dtype=np.int64)] = LINE
    return TokenChunk(tokens, flags)


class _LineReader:
    """Tokens of files with line starts, and the position of each token within its line."""

    def __init__(self, max_len: int) -> None:
        self.max_len = max_len
        self.tokens: list[str] = []
        self.line_starts: list[int] = []
        self.at_line_start = True  # the next token starts a line
        self.line_pos = 0  # position in its line of the first token of this chunk

    def add_line_piece(self, text: str, new_line: bool) -> None:
        """Add the tokens of ``text``, which starts a new line if ``new_line``."""
        if new_line:
            self.at_line_start = True
        words = text.split()
        if words:
            if self.at_line_start:
                self.line_starts.append(len(self.tokens))
                self.at_line_start = False
            self.tokens.extend(words)

    def take(self) -> TokenChunk:
        """The tokens so far as a chunk, flagged; the reader continues the open line."""
        n = len(self.tokens)
        starts = np.asarray(self.line_starts, dtype=np.int64)
        # position in line = index - index of the last line start (or continue the open one)
        last = np.full(n, -1, dtype=np.int64)
        last[starts] = starts
        last = np.maximum.accumulate(last)
        pos = np.where(last >= 0, np.arange(n) - last, np.arange(n) + self.line_pos)
        flags = np.where(pos % self.max_len == 0, PIECE, NONE).astype(np.int8)
        flags[starts] = LINE
        self.line_pos = int(pos[-1]) + 1 if n else self.line_pos
        chunk = TokenChunk(self.tokens, flags)
        self.tokens, self.line_starts = [], []
        return chunk


def _path_chunks(path: str | os.PathLike[str], max_len: int, chunk_tokens: int,
                 stats: CorpusStats) -> Iterator[TokenChunk]:
    reader = _LineReader(max_len)
    for file in corpus_files(path):
        stats.files += 1
        reader.at_line_start = True  # a file starts a line
        carry = ""  # the last, possibly incomplete, token of the text so far
        for text in decoded_text(file, stats):
            match = _WHITESPACE.search(text[::-1])
            if match is None:
                carry += text
                continue
            cut = len(text) - match.start()
            head, carry = carry + text[:cut], text[cut:]
            for i, line in enumerate(head.split("\n")):
                reader.add_line_piece(line, new_line=i > 0)
            if len(reader.tokens) >= chunk_tokens:
                stats.tokens += len(reader.tokens)
                yield reader.take()
        reader.add_line_piece(carry, new_line=False)
    if reader.tokens:
        stats.tokens += len(reader.tokens)
        yield reader.take()
    if stats.invalid_bytes:
        warnings.warn(
            f"Corpus '{path}': {stats.invalid_bytes} byte(s) were not valid UTF-8 and were "
            "replaced by U+FFFD.", InvalidUTF8Warning, stacklevel=3)
