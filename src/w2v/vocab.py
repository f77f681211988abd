"""Vocabulary: word counts, ids by frequency, subsampling and the noise distribution.

Built in one counting pass over the corpus. Ids are ordered by descending count; ties
keep the order of first occurrence in the corpus (what a stable sort of insertion-ordered
counts gives), so the same corpus always gives the same ids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, CorpusError


@dataclass
class Vocab:
    """Words kept for training and their counts.

    Attributes
    ----------
    words : list of str
        (V,): word of each id, most frequent first.
    counts : np.ndarray
        int64, (V,): corpus count of each word.
    key_to_index : dict of str to int
        Id of each word.
    total_words : int
        Tokens counted in the corpus, **before** ``min_count`` filtering (what progress
        and words/s are measured against). ``counts.sum()`` is the retained total.
    """

    words: list[str]
    counts: np.ndarray
    total_words: int
    key_to_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if not self.key_to_index:
            self.key_to_index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    @property
    def retained_words(self) -> int:
        """Corpus tokens that are in the vocabulary (``counts.sum()``)."""
        return int(self.counts.sum())

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """Probability of keeping each occurrence of each word under subsampling.

        word2vec.c's formula with ``t = sample * retained_words`` and ``f`` the word's count:
        ``p_keep = (sqrt(f / t) + 1) * t / f``, clipped to 1. ``sample = 0`` keeps everything.

        Parameters
        ----------
        sample : float
            Subsampling threshold (word2vec.c's ``-sample``), >= 0.

        Returns
        -------
        np.ndarray
            float64, (V,), values in (0, 1].
        """
        if sample < 0:
            raise ConfigError("The {sample} must be >= 0. Got {got} instead.", got=repr(sample))
        if sample == 0:
            return np.ones(len(self), dtype=np.float64)
        threshold = sample * self.retained_words
        f = self.counts.astype(np.float64)
        keep = (np.sqrt(f / threshold) + 1.0) * threshold / f
        return np.minimum(keep, 1.0)

    def noise_distribution(self, ns_exponent: float = 0.75) -> np.ndarray:
        """Distribution negatives are drawn from: ``count ** ns_exponent``, normalised.

        Returns
        -------
        np.ndarray
            float64, (V,), non-negative, summing to 1.
        """
        weights = self.counts.astype(np.float64) ** ns_exponent
        return weights / weights.sum()


def count_words(sentences: Iterable[list[str]],
                max_vocab_size: int | None = None) -> tuple[Counter, int]:
    """Count tokens in one pass; insertion order is first occurrence.

    With ``max_vocab_size``, words of count <= 1, then <= 2, ... are pruned whenever the
    table grows past it (word2vec.c's ReduceVocab), so counts of rare words are approximate.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus, read once.
    max_vocab_size : int or None
        Bound on the number of distinct words held while counting; None for no bound.

    Returns
    -------
    counts : Counter
        Word -> count, in order of first occurrence.
    total : int
        Tokens read, pruned words included.
    """
    counts: Counter = Counter()
    total = 0
    min_reduce = 1
    for sentence in sentences:
        counts.update(sentence)
        total += len(sentence)
        if max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = Counter({w: c for w, c in counts.items() if c > min_reduce})
            min_reduce += 1
    return counts, total


def build_vocab(sentences: Iterable[list[str]], min_count: int = 5,
                max_vocab_size: int | None = None,
                max_final_vocab: int | None = None, source_name: str = "The corpus") -> Vocab:
    """Count a corpus and keep the words seen at least ``min_count`` times.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus (e.g. :func:`w2v.corpus.iter_sentences`), read once.
    min_count : int
        Drop words with a lower count.
    max_vocab_size : int, optional
        Bound on the counting table (prunes rare words while counting).
    max_final_vocab : int, optional
        Keep at most this many of the most frequent words.
    source_name : str
        How error messages name the corpus (e.g. "Corpus 'text8.gz'").

    Returns
    -------
    Vocab

    Raises
    ------
    CorpusError
        If the corpus has no token, or no word reaches ``min_count``.
    """
    # The total is counted apart: pruning drops counts, not tokens read.
    counts, total = count_words(sentences, max_vocab_size)
    return vocab_from_counts(counts, total, min_count, max_final_vocab, source_name)


def vocab_from_counts(counts: Counter, total: int, min_count: int = 5,
                      max_final_vocab: int | None = None,
                      source_name: str = "The corpus") -> Vocab:
    """The vocabulary of counted words: what :func:`build_vocab` keeps of its counts.

    Parameters
    ----------
    counts : Counter
        Word -> count, in order of first occurrence (ties keep this order).
    total : int
        Tokens read.
    min_count, max_final_vocab, source_name
        As in :func:`build_vocab`.

    Returns
    -------
    Vocab

    Raises
    ------
    CorpusError
        If ``total`` is 0, or no word reaches ``min_count``.
    """
    if total == 0:
        raise CorpusError(f"{source_name} is empty: it contains no token.")
    # sorted() is stable: equal counts keep first-occurrence order.
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: -wc[1])
    if max_final_vocab is not None:
        kept = kept[:max_final_vocab]
    if not kept:
        top = max(counts.values())
        raise CorpusError(
            "{source}: no word occurs {now} times or more (the {min_count}); the most frequent "
            "occurs {top} times. Lower the {min_count}.", source=source_name, now=min_count,
            top=top)
    return Vocab(words=[w for w, _ in kept], counts=np.array([c for _, c in kept]),
                 total_words=total)


def alias_table(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table to draw from a discrete distribution in O(1).

    Draw ``i`` uniform in [0, V) and ``u`` uniform in [0, 1): the sample is ``i`` if
    ``u < accept[i]`` else ``alias[i]``. Exact up to float rounding, and two arrays of
    V entries instead of word2vec.c's 1e8-entry table (whose random reads miss the cache).

    Parameters
    ----------
    probabilities : np.ndarray
        float64, (V,), summing to 1.

    Returns
    -------
    accept : np.ndarray
        float32, (V,).
    alias : np.ndarray
        int32, (V,).
    """
    n = len(probabilities)
    scaled = np.asarray(probabilities, dtype=np.float64) * n
    accept = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        accept[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # Leftovers are 1 up to rounding: they always accept themselves.
    return accept.astype(REAL), alias
