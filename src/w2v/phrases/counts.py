"""Counting words and phrase candidates over a corpus, in bounded memory.

Tokens become ids through one dictionary (the only per-token Python work, done by
``map``); the rest is numpy over id arrays: word counts by ``bincount``, candidate counts
by sorting the candidates' keys (``a << 31 | b``, plus the gap code) and summing runs of
equal keys. Each chunk's counts are one sorted run; runs are merged when the pending ones
outgrow the merged table, so the total cost is that of sorting the corpus's candidates.

**Pruning.** With ``max_vocab_size``, whenever words plus candidates held pass it, entries
of small count are dropped and the cut rises by one each time, as each original does:
word2vec.c's ``ReduceVocab`` drops counts ``<= min_reduce``, gensim's ``prune_vocab``
counts ``< min_reduce`` (so its first prune drops nothing). Both originals check after
every token (word2phrase) or sentence (gensim); here the check is made after every chunk,
so pruned counts can differ from theirs, and memory is bounded by ``max_vocab_size`` plus
one chunk. A candidate never outlives one of its words: its count is at most theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from w2v.phrases.spans import GapCodec, candidates
from w2v.phrases.stream import LINE, TokenChunk

_SHIFT = 31  # a candidate's key is a << 31 | b: ids below 2^31


@dataclass
class PhraseCounts:
    """What a counting pass saw.

    Attributes
    ----------
    words : list of str
        (V,) every word held (connector words included, with count 0).
    counts : np.ndarray
        int64, (V,): count of each word (connector words are not counted, as gensim).
    left, right, codes : np.ndarray
        int64, (P,): the candidates' two word ids and gap codes, sorted.
    pair_counts : np.ndarray
        int64, (P,): count of each candidate.
    total_words : int
        Tokens read, connector words and pruned words included.
    entries : int
        Words (of count > 0) plus candidates held: gensim's ``len(vocab)``.
    codec : GapCodec
        Decodes the gap codes.
    min_reduce : int
        The pruning cut the next prune would use (1 if nothing was pruned).
    """

    words: list[str]
    counts: np.ndarray
    left: np.ndarray
    right: np.ndarray
    codes: np.ndarray
    pair_counts: np.ndarray
    total_words: int
    entries: int
    codec: GapCodec
    min_reduce: int


def _grouped(keys: np.ndarray, codes: np.ndarray,
             counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort ``(keys, codes)`` rows and sum the counts of equal rows (count 1 each if None)."""
    if not len(keys):
        return keys, codes, np.zeros(0, dtype=np.int64)
    if counts is None and not codes.any():
        unique, tally = np.unique(keys, return_counts=True)
        return unique, np.zeros(len(unique), dtype=np.int64), tally.astype(np.int64)
    order = np.lexsort((codes, keys)) if codes.any() else np.argsort(keys, kind="stable")
    keys, codes = keys[order], codes[order]
    counts = np.ones(len(keys), dtype=np.int64) if counts is None else counts[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (codes[1:] != codes[:-1])
    starts = np.flatnonzero(first)
    return keys[starts], codes[starts], np.add.reduceat(counts, starts)


class _Lexicon(dict):
    """Word -> id, in first-occurrence order; looking up an unseen word adds it.

    One ``map(lexicon.__getitem__, tokens)`` both finds and adds ids, the only pass over
    the tokens in Python; the words added are listed in ``added`` for the caller.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.added: list[str] = []

    def __missing__(self, word: str) -> int:
        self[word] = number = len(self)
        self.added.append(word)
        return number


class PhraseCounter:
    """Counts words and candidates chunk by chunk (see the module docstring).

    Parameters
    ----------
    connector_words : iterable of str
        gensim's connector words: not counted, never the first or last word of a phrase.
    across_sentences : bool
        Count candidates across sentence breaks too (word2phrase does: it pairs the last
        word of a line with the first of the next); gensim does not.
    max_vocab_size : int or None
        Prune when words plus candidates pass this; None for never.
    prune_inclusive : bool
        Prune counts ``<= min_reduce`` (word2vec.c) rather than ``< min_reduce`` (gensim).
    """

    def __init__(self, connector_words: Iterable[str] = (), across_sentences: bool = False,
                 max_vocab_size: int | None = None, prune_inclusive: bool = False,
                 compact: bool = True) -> None:
        self.codec = GapCodec(connector_words)
        self.across = across_sentences
        self.max_vocab_size = max_vocab_size
        self.prune_inclusive = prune_inclusive
        # compact: a prune forgets pruned words (their ids change); otherwise ids stay valid
        # (for id arrays kept by the caller) and pruned words only lose their counts
        self.compact = compact
        self.min_reduce = 1
        self.words: list[str] = []
        self.index = _Lexicon()
        self.counts = np.zeros(0, dtype=np.int64)
        self.conn = np.zeros(0, dtype=np.int64)  # connector number of each id (0: none)
        for word in self.codec.words:
            self._add_words([word])
        self.total_words = 0
        self.merged = (np.zeros(0, np.int64),) * 3  # keys, codes, counts (sorted)
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending_size = 0
        self.carry: tuple[list[str], np.ndarray] = ([], np.zeros(0, dtype=np.int8))
        self.id_carry = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8))

    def fresh(self) -> PhraseCounter:
        """A new, empty counter with the same options that shares this one's word ids."""
        other = PhraseCounter(self.codec.words, self.across, self.max_vocab_size,
                              self.prune_inclusive, self.compact)
        other.words, other.index, other.conn = self.words, self.index, self.conn
        other.counts = np.zeros(len(self.words), dtype=np.int64)
        return other

    def _add_words(self, new: list[str]) -> None:
        for word in new:
            self.index[word]  # noqa: B018 - a lookup adds an unseen word
        self._extend()

    def _extend(self) -> None:
        """Give the words the index added since the last call their count and connector slots."""
        new, self.index.added = self.index.added, []
        if not new:
            return
        self.words.extend(new)
        self.counts = np.concatenate([self.counts, np.zeros(len(new), dtype=np.int64)])
        local = [self.codec.local.get(word, 0) for word in new]
        self.conn = np.concatenate([self.conn, np.asarray(local, dtype=np.int64)])

    def ids_of(self, tokens: list[str]) -> np.ndarray:
        """int64 ids of ``tokens``, adding unseen words (first-occurrence order)."""
        ids = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int64,
                          count=len(tokens))
        self._extend()
        return ids

    def add(self, chunk: TokenChunk) -> None:
        """Count the words and candidates of one chunk."""
        carried, carried_flags = self.carry
        tokens = carried + chunk.tokens
        flags = np.concatenate([carried_flags, chunk.flags])
        last = self._count(self.ids_of(tokens), flags, len(carried))
        self.carry = (tokens[last:], flags[last:])

    def add_ids(self, ids: np.ndarray, flags: np.ndarray) -> None:
        """Count a chunk given as ids of this counter's words (``compact=False`` keeps them)."""
        carried, carried_flags = self.id_carry
        ids = np.concatenate([carried, ids.astype(np.int64)])
        flags = np.concatenate([carried_flags, flags])
        last = self._count(ids, flags, len(carried))
        self.id_carry = (ids[last:], flags[last:])

    def _count(self, ids: np.ndarray, flags: np.ndarray, n_carried: int) -> int:
        """Count ``ids`` (the first ``n_carried`` counted before as words); return the carry."""
        if len(self.counts) < len(self.words):  # words added since (e.g. by ids_of)
            self.counts = np.concatenate(
                [self.counts, np.zeros(len(self.words) - len(self.counts), dtype=np.int64)])
        conn = self.conn[ids]
        fresh = ids[n_carried:]
        self.counts += np.bincount(fresh[conn[n_carried:] == 0], minlength=len(self.words))
        self.total_words += len(fresh)
        found = candidates(conn, None if self.across else flags > 0, self.codec)
        keep = found.valid
        keys = (ids[found.left[keep]] << _SHIFT) | ids[found.right[keep]]
        run = _grouped(keys, found.codes[keep], None)
        self.pending.append(run)
        self.pending_size += len(run[0])
        if self.pending_size > len(self.merged[0]):
            self._merge()
        if self.max_vocab_size is not None and self._held_bound() > self.max_vocab_size:
            self._merge()
            if self._held() > self.max_vocab_size:
                self._prune()
        # the last word and the connectors after it may pair with the next chunk's first word
        return int(found.heads[-1]) if len(found.heads) else len(ids)

    def _held_bound(self) -> int:
        return len(self.words) + len(self.merged[0]) + self.pending_size

    def _held(self) -> int:
        return int(np.count_nonzero(self.counts)) + len(self.merged[0])

    def _merge(self) -> None:
        runs = [self.merged, *self.pending]
        self.merged = _grouped(np.concatenate([r[0] for r in runs]),
                               np.concatenate([r[1] for r in runs]),
                               np.concatenate([r[2] for r in runs]))
        self.pending, self.pending_size = [], 0

    def _prune(self) -> None:
        cut = self.min_reduce
        drop_word = (self.counts <= cut) if self.prune_inclusive else (self.counts < cut)
        keep_word = ~drop_word | (self.conn > 0)
        keys, codes, counts = self.merged
        keep = (counts > cut) if self.prune_inclusive else (counts >= cut)
        keys, codes, counts = keys[keep], codes[keep], counts[keep]
        self.min_reduce += 1
        if not self.compact:
            self.merged = (keys, codes, counts)
            self.counts[drop_word] = 0
            return
        # new ids keep the order of the old: the keys stay sorted
        new_id = np.cumsum(keep_word) - 1
        left, right = new_id[keys >> _SHIFT], new_id[keys & ((1 << _SHIFT) - 1)]
        self.merged = ((left << _SHIFT) | right, codes, counts)
        self.words = [w for w, k in zip(self.words, keep_word.tolist(), strict=True) if k]
        self.index = _Lexicon((w, i) for i, w in enumerate(self.words))
        self.counts, self.conn = self.counts[keep_word], self.conn[keep_word]

    def result(self) -> PhraseCounts:
        """The counts so far (merging pending runs)."""
        self._merge()
        keys, codes, counts = self.merged
        return PhraseCounts(
            words=list(self.words), counts=self.counts.copy(), left=keys >> _SHIFT,
            right=keys & ((1 << _SHIFT) - 1), codes=codes, pair_counts=counts,
            total_words=self.total_words, entries=self._held(), codec=self.codec,
            min_reduce=self.min_reduce)


def count_phrases(chunks: Iterator[TokenChunk] | Iterable[TokenChunk],
                  connector_words: Iterable[str] = (), across_sentences: bool = False,
                  max_vocab_size: int | None = None,
                  prune_inclusive: bool = False) -> PhraseCounts:
    """Count the words and phrase candidates of a corpus read as chunks.

    Parameters
    ----------
    chunks : iterable of TokenChunk
        The corpus (:func:`w2v.phrases.stream.token_chunks`).
    connector_words, across_sentences, max_vocab_size, prune_inclusive
        As for :class:`PhraseCounter`.

    Returns
    -------
    PhraseCounts
    """
    counter = PhraseCounter(connector_words, across_sentences, max_vocab_size, prune_inclusive)
    for chunk in chunks:
        counter.add(chunk)
    return counter.result()


__all__ = ["LINE", "PhraseCounter", "PhraseCounts", "count_phrases"]
