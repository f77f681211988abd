"""Vocabulary: word counts, ids by frequency, subsampling and the noise distribution.

Built in one counting pass over the corpus. Ids are ordered by descending count; among
words of equal count the one that occurred **last** for the first time comes first, as
gensim orders them (its ``sort_by_descending_frequency`` breaks ties by descending
insertion index), so that the same corpus gives gensim's ids. ``sorted_vocab=False`` keeps
the order of first occurrence (gensim ``sorted_vocab=0``).

Which words are kept follows gensim: ``min_count``, raised by ``max_final_vocab`` to the
least count that keeps at most that many words (a tie at the boundary drops the whole tied
group, so it may keep fewer), and a ``trim_rule(word, count, min_count)`` returning
:data:`RULE_KEEP`, :data:`RULE_DISCARD` or :data:`RULE_DEFAULT` (gensim's values: its own
``gensim.utils.RULE_*`` work here too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, CorpusError
from w2v.huffman import HuffmanTree, build_huffman_tree_any_order

# What a trim rule returns (gensim.utils' values).
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2
# trim_rule(word, count, min_count) -> RULE_DEFAULT | RULE_DISCARD | RULE_KEEP
TrimRule = Callable[[str, int, int], int]


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

    def huffman_tree(self) -> HuffmanTree:
        """word2vec.c's Huffman tree over the counts (hierarchical softmax, :mod:`w2v.huffman`).

        Counts out of order (``sorted_vocab=False``, or words added by a vocabulary update)
        get the tree of the counts sorted stably, each word keeping its own path.
        """
        return build_huffman_tree_any_order(self.counts)


def keep_word(word: str, count: int, min_count: int, trim_rule: TrimRule | None = None) -> bool:
    """Whether a word is kept: ``count >= min_count`` unless the rule says otherwise (gensim).

    Raises
    ------
    ConfigError
        If the rule returns something other than a ``RULE_*`` value.
    """
    default = count >= min_count
    if trim_rule is None:
        return default
    verdict = trim_rule(word, count, min_count)
    if verdict not in (RULE_DEFAULT, RULE_DISCARD, RULE_KEEP) or isinstance(verdict, bool):
        raise ConfigError("The {trim_rule} must return RULE_DEFAULT (0), RULE_DISCARD (1) or "
                          "RULE_KEEP (2). Got {got} for the word {word!r} instead.",
                          got=repr(verdict)[:40], word=word[:40])
    return default if verdict == RULE_DEFAULT else verdict == RULE_KEEP


def load_trim_rule(spec: str) -> TrimRule:
    """Import a trim rule named ``"module:function"`` (the command line's ``--trim-rule``).

    The current folder is searched first, so ``rules.py`` beside the corpus is found.

    Raises
    ------
    ConfigError
        If the spec is not ``module:function``, or the module or function is missing or
        not callable.
    """
    import importlib
    import sys

    module_name, _, function = spec.partition(":")
    if not module_name or not function:
        raise ConfigError("The {trim_rule} must be MODULE:FUNCTION (e.g. rules:keep_names). "
                          "Got {got} instead.", got=repr(spec))
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError("The {trim_rule} {got}: cannot import module {module!r} ({why}).",
                          got=repr(spec), module=module_name, why=str(exc)[:120]) from None
    rule = getattr(module, function, None)
    if not callable(rule):
        raise ConfigError("The {trim_rule} {got}: module {module!r} has no function "
                          "{function!r}.", got=repr(spec), module=module_name,
                          function=function)
    return rule


def effective_min_count(counts: Counter, min_count: int, max_final_vocab: int | None) -> int:
    """gensim's min_count under ``max_final_vocab``: one more than the count of the
    (max_final_vocab + 1)-th most frequent word, if that is above ``min_count``.

    So the vocabulary never holds more than ``max_final_vocab`` words, and never keeps part
    of a group of equal counts: with 14 words tied at the boundary of 1,000 it keeps 986.
    """
    if max_final_vocab is None or max_final_vocab >= len(counts):
        return min_count
    boundary = sorted(counts.values(), reverse=True)[max_final_vocab]
    return max(boundary + 1, min_count)


def count_words(sentences: Iterable[list[str]], max_vocab_size: int | None = None,
                trim_rule: TrimRule | None = None) -> tuple[Counter, int]:
    """Count tokens in one pass; insertion order is first occurrence.

    With ``max_vocab_size``, words of count <= 1, then <= 2, ... are pruned whenever the
    table grows past it (word2vec.c's ReduceVocab), so counts of rare words are approximate.

    Parameters
    ----------
    sentences : iterable of list of str
        The corpus, read once.
    max_vocab_size : int or None
        Bound on the number of distinct words held while counting; None for no bound.
    trim_rule : callable, optional
        As in :func:`build_vocab`; also decides, at each prune, which words survive it.

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
            # A word survives a prune with a count above min_reduce, or if the trim rule
            # keeps it (gensim applies the rule while pruning too), called with the count
            # the default needs, min_reduce + 1.
            counts = Counter({w: c for w, c in counts.items()
                              if keep_word(w, c, min_reduce + 1, trim_rule)})
            min_reduce += 1
    return counts, total


def build_vocab(sentences: Iterable[list[str]], min_count: int = 5,
                max_vocab_size: int | None = None,
                max_final_vocab: int | None = None, source_name: str = "The corpus", *,
                trim_rule: TrimRule | None = None, sorted_vocab: bool = True) -> Vocab:
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
        Keep at most this many words, raising ``min_count`` as gensim does
        (:func:`effective_min_count`): ties at the boundary are all dropped.
    source_name : str
        How error messages name the corpus (e.g. "Corpus 'text8.gz'").
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` -> ``RULE_KEEP``, ``RULE_DISCARD`` or
        ``RULE_DEFAULT`` (gensim's); called on every counted word with the effective
        ``min_count``.
    sorted_vocab : bool
        Ids by descending count, ties as gensim (True), or by first occurrence.

    Returns
    -------
    Vocab

    Raises
    ------
    CorpusError
        If the corpus has no token, or no word reaches ``min_count``.
    """
    # The total is counted apart: pruning drops counts, not tokens read.
    counts, total = count_words(sentences, max_vocab_size, trim_rule)
    return vocab_from_counts(counts, total, min_count, max_final_vocab, source_name,
                             trim_rule=trim_rule, sorted_vocab=sorted_vocab)


def vocab_from_counts(counts: Counter, total: int, min_count: int = 5,
                      max_final_vocab: int | None = None,
                      source_name: str = "The corpus", *, trim_rule: TrimRule | None = None,
                      sorted_vocab: bool = True) -> Vocab:
    """The vocabulary of counted words: what :func:`build_vocab` keeps of its counts.

    Parameters
    ----------
    counts : Counter
        Word -> count, in order of first occurrence (ties keep this order).
    total : int
        Tokens read.
    min_count, max_final_vocab, source_name, trim_rule, sorted_vocab
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
    least = effective_min_count(counts, min_count, max_final_vocab)
    kept = [(w, c) for w, c in counts.items() if keep_word(w, c, least, trim_rule)]
    if sorted_vocab:
        # sorted() is stable: on the reversed first-occurrence order, equal counts come
        # last-seen first, as gensim's sort.
        kept = sorted(reversed(kept), key=lambda wc: -wc[1])
    if not kept and least > min_count:
        raise CorpusError(
            "{source}: the {max_final_vocab} ({limit}) leaves no word: words tied at its "
            "boundary are all dropped (gensim's rule), and here the most frequent words "
            "tie. Raise the {max_final_vocab}.", source=source_name, limit=max_final_vocab)
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
