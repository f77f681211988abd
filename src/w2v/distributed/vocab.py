"""The vocabulary counted by every rank on its share and reduced: the same on every rank.

Each rank counts its share (:func:`w2v.vocab.count_words`). The ranks then exchange their
word lists, each in its order of first occurrence, and merge them in rank order: since the
shares follow the corpus order, that merged list is the corpus's order of first occurrence,
which is what breaks ties between equal counts in a single process. The counts are summed
by one all-reduce over that list, and :func:`w2v.vocab.vocab_from_counts` applies
``min_count`` and ``max_final_vocab`` as a single process does. The result -- words, ids,
counts and total -- is the single-process vocabulary, on every rank.

Bytes exchanged once: every rank's distinct words (UTF-8, one a line) to every rank, and
8 bytes a distinct word of the corpus in the all-reduce.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from w2v.distributed.group import Group
from w2v.vocab import Vocab, count_words, vocab_from_counts


def merge_word_lists(lists: Iterable[list[str]]) -> dict[str, int]:
    """Index of each word in the concatenation of ``lists``, first occurrence kept."""
    index: dict[str, int] = {}
    for words in lists:
        for word in words:
            index.setdefault(word, len(index))
    return index


def reduce_vocab(group: Group, sentences: Iterable[list[str]], min_count: int,
                 max_vocab_size: int | None, max_final_vocab: int | None,
                 source_name: str) -> Vocab:
    """Count this rank's sentences and return the vocabulary of all ranks together.

    Parameters
    ----------
    group : Group
    sentences : iterable of list of str
        This rank's share, read once.
    min_count, max_vocab_size, max_final_vocab, source_name
        As in :func:`w2v.vocab.build_vocab` (``max_vocab_size`` prunes each rank's table
        on its own, so rare counts are approximate as they are in one process).

    Returns
    -------
    Vocab
        The same on every rank.

    Raises
    ------
    CorpusError
        On every rank, if the whole corpus has no token or no word reaches ``min_count``.
    DistributedError
        If a rank fails meanwhile.
    """
    counts, total = group.together(lambda: count_words(sentences, max_vocab_size),
                                   "the vocabulary count")
    return reduce_counts(group, counts, total, min_count, max_final_vocab, source_name)


def reduce_counts(group: Group, counts: Counter, total: int, min_count: int,
                  max_final_vocab: int | None, source_name: str) -> Vocab:
    """The vocabulary of all ranks together from this rank's ``counts`` (word -> count, in
    order of first occurrence) of its ``total`` tokens: :func:`reduce_vocab` once counted
    (e.g. by the scan that also encodes the share, :mod:`w2v.corpus_scan`)."""
    mine = list(counts)
    blobs = group.gather_bytes("\n".join(mine).encode("utf-8", "surrogatepass"),
                               "the vocabulary's word lists")
    index = merge_word_lists(blob.decode("utf-8", "surrogatepass").split("\n")
                             for blob in blobs if blob)
    local = np.zeros(len(index) + 1, dtype=np.int64)  # the last entry: tokens read
    local[[index[w] for w in mine]] = [counts[w] for w in mine]
    local[-1] = total
    summed = group.all_reduce_control(local, "sum", "the vocabulary's counts")
    merged = Counter(dict(zip(index, (int(c) for c in summed[:-1]), strict=True)))
    return group.together(lambda: vocab_from_counts(merged, int(summed[-1]), min_count,
                                                    max_final_vocab, source_name),
                          "the vocabulary")
