"""Each rank's share of the corpus: byte ranges of files cut at whitespace, or whole files.

The corpus's files (:func:`w2v.sources.corpus_files`, in reading order) are laid end to end
and the total size is cut into ``world_size`` equal byte ranges. Every rank computes the
same plan from file sizes and a few bytes read at each cut, so no rank reads another's text
and no message is needed to agree on it:

- an **uncompressed UTF-8 file** is cut where a range ends, moved forward to just after the
  next line break (within :data:`LINE_LOOKAHEAD` bytes) or, in a file of very long lines
  such as text8, after the next ASCII whitespace byte. A token therefore belongs to exactly
  one rank, and the shares together hold exactly the tokens of the corpus: the vocabulary
  reduced from them is the single-process one. A cut at a space splits one line into two
  sentences, which loses the context pairs across that one cut;
- a **compressed file** (or UTF-16/32 text) cannot be entered in the middle: it goes whole
  to the rank whose range holds its middle byte.

Ranks follow the corpus order (rank 0 first), which the vocabulary's tie order relies on
(:mod:`w2v.distributed.vocab`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.compression import HEAD_BYTES, compression_of
from w2v.corpus import CorpusStats, byte_range_sentences, iter_sentences
from w2v.errors import CorpusError
from w2v.sources import corpus_files, is_pipe

# How far past a cut a line break is looked for before a space is taken instead.
LINE_LOOKAHEAD = 1 << 20
_WHITESPACE = re.compile(rb"[ \t\n\r\x0b\x0c]")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@dataclass(frozen=True)
class Piece:
    """Part of one corpus file: bytes ``[start, end)``, or the whole file when ``end`` is None."""

    path: Path
    start: int = 0
    end: int | None = None

    @property
    def size(self) -> int:
        """Bytes of the file this piece covers (on disk, compressed or not)."""
        return (self.end - self.start) if self.end is not None else self.path.stat().st_size


class Share:
    """The sentences of one rank's pieces, in corpus order; iterable more than once.

    Attributes
    ----------
    pieces : list of Piece
    max_sentence_length : int
    stats : CorpusStats
        What the last complete pass saw (tokens, sentences, invalid bytes).
    """

    def __init__(self, pieces: list[Piece], max_sentence_length: int = 10_000) -> None:
        self.pieces = pieces
        self.max_sentence_length = max_sentence_length
        self.stats = CorpusStats()

    def __iter__(self) -> Iterator[list[str]]:
        stats = CorpusStats()
        for piece in self.pieces:
            if piece.end is None:
                yield from iter_sentences(piece.path, self.max_sentence_length, stats=stats,
                                          warn=False)
            else:
                yield from byte_range_sentences(piece.path, piece.start, piece.end,
                                                self.max_sentence_length, stats=stats)
        self.stats = stats

    @property
    def bytes(self) -> int:
        """Bytes of corpus files this share covers."""
        return sum(piece.size for piece in self.pieces)


def plan_shares(corpus: str | os.PathLike[str], world_size: int,
                max_sentence_length: int = 10_000) -> list[Share]:
    """Cut a corpus file or folder into ``world_size`` shares of about equal bytes.

    Parameters
    ----------
    corpus : path-like
        A corpus file or folder (not a pipe: every rank must be able to read its part).
    world_size : int
        Number of ranks.
    max_sentence_length : int
        As in :func:`w2v.corpus.iter_sentences`.

    Returns
    -------
    list of Share
        Share ``r`` is rank ``r``'s, in corpus order.

    Raises
    ------
    InputNotFoundError, CorpusError
        If the corpus is missing or unreadable, is a pipe, or leaves a rank without text
        (e.g. one compressed file for two ranks).
    """
    if is_pipe(corpus):
        raise CorpusError(f"Corpus '{corpus}' is a pipe, which only one process can read; "
                          f"distributed training needs a file or a folder that every rank "
                          f"can open.")
    files = corpus_files(corpus)
    sizes = [file.stat().st_size for file in files]
    total = sum(sizes)
    bounds = [total * r // world_size for r in range(world_size + 1)]
    pieces: list[list[Piece]] = [[] for _ in range(world_size)]
    offset = 0
    for file, size in zip(files, sizes, strict=True):
        if size and _splittable(file):
            cuts = [_aligned_cut(file, min(max(b - offset, 0), size), size) for b in bounds]
            for rank in range(world_size):
                if cuts[rank] < cuts[rank + 1]:
                    pieces[rank].append(Piece(file, cuts[rank], cuts[rank + 1]))
        elif size:
            middle = offset + size // 2
            owner = min(int(np.searchsorted(bounds, middle, side="right")) - 1, world_size - 1)
            pieces[owner].append(Piece(file))
        offset += size
    _check_every_rank_has_text(corpus, pieces, len(files))
    return [Share(p, max_sentence_length) for p in pieces]


def _splittable(path: Path) -> bool:
    """Whether a file can be read from the middle: uncompressed, not UTF-16/32."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(max(HEAD_BYTES, 4))
    except OSError as exc:
        raise CorpusError(f"Cannot read corpus file '{path}': {exc.strerror or exc}.") from None
    return compression_of(head) is None and not head.startswith(_WIDE_BOMS)


def _aligned_cut(path: Path, offset: int, size: int) -> int:
    """The first position at or after ``offset`` just past a line break (or a space).

    Position 0 and the end of the file are cuts already. A line break is looked for in the
    next :data:`LINE_LOOKAHEAD` bytes; failing that (one very long line), the next ASCII
    whitespace byte is taken; failing that, the end of the file.
    """
    if offset <= 0 or offset >= size:
        return min(max(offset, 0), size)
    with open(path, "rb") as handle:
        handle.seek(offset - 1)
        window = handle.read(LINE_LOOKAHEAD + 1)
        newline = window.find(b"\n")
        if newline >= 0:
            return offset + newline
        position = offset - 1
        while window:
            space = _WHITESPACE.search(window)
            if space is not None:
                return position + space.start() + 1
            position += len(window)
            window = handle.read(LINE_LOOKAHEAD)
    return size


def _check_every_rank_has_text(corpus: str | os.PathLike[str], pieces: list[list[Piece]],
                               n_files: int) -> None:
    for rank, own in enumerate(pieces):
        if not own:
            raise CorpusError(
                f"Corpus '{corpus}' ({n_files} file(s)) cannot be shared by {len(pieces)} "
                f"ranks: rank {rank} gets no text (a compressed file is read whole by one "
                f"rank). Give at least as many files as ranks, uncompressed text, or fewer "
                f"ranks.")
