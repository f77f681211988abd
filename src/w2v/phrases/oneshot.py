"""Learn the phrases of a corpus and write it rewritten, reading the text only once.

The streaming route (``Phrases(path)`` then ``transform_corpus``) reads and tokenises the
corpus once per pass and once more to rewrite it, with memory bounded by the counting
tables. This route, what ``w2v phrases`` runs, tokenises once and keeps the corpus as word
ids (int32 plus one byte of break flags: 5 bytes a token, 10 MB for the 2.1M-word text8
prefix); every pass after it counts and rewrites ids with numpy, and the text is written
once at the end. The output is the same (a test checks it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.phrases.counts import PhraseCounter
from w2v.phrases.stream import TokenChunk, token_chunks
from w2v.phrases.table import PhraseTable

if TYPE_CHECKING:
    from w2v.phrases.model import Phrases

IdChunk = tuple[np.ndarray, np.ndarray]  # ids (int32, (n,)), flags (int8, (n,))


def learn_and_rewrite(phrases: Phrases, source: Any, output: str | os.PathLike[str]) -> int:
    """Learn ``phrases.options.passes`` tables from ``source`` and write it rewritten.

    Parameters
    ----------
    phrases : Phrases
        Its options are used; its tables and counts are replaced by the learnt ones.
    source : path-like or iterable of list of str
        The corpus.
    output : path-like
        The text file to write (atomically).

    Returns
    -------
    int
        Tokens written.
    """
    from w2v.phrases.model import _phrases_of, _table, write_chunks

    opts = phrases.options
    counter = PhraseCounter(opts.connector_words, across_sentences=opts.word2phrase,
                            max_vocab_size=opts.vocab_limit, prune_inclusive=opts.word2phrase,
                            compact=False)
    stored: list[IdChunk] = []
    for chunk in token_chunks(source, opts.max_sentence_length):
        ids = counter.ids_of(chunk.tokens)
        counter.add_ids(ids, chunk.flags)
        stored.append((ids.astype(np.int32), chunk.flags))
    phrases.layers, phrases.counts = [], []
    for number in range(opts.passes):
        if number:
            counter = counter.fresh()
            for ids, flags in stored:
                counter.add_ids(ids, flags)
        counts = counter.result()
        table = _table(_phrases_of(counts, opts), opts)
        phrases.counts.append(counts)
        phrases.layers.append(table)
        stored = list(_rewritten_ids(table, stored, counter, opts.delimiter))
    words = np.array(counter.words, dtype=object)
    chunks = (TokenChunk(words[ids].tolist(), flags) for ids, flags in stored)
    return write_chunks(chunks, output)


def _rewritten_ids(table: PhraseTable, stored: list[IdChunk], counter: PhraseCounter,
                   delimiter: str) -> Iterator[IdChunk]:
    """The id chunks with each phrase joined into one id (a word of ``counter``, added)."""
    phrase_ids = counter.ids_of([delimiter.join(p.words) for p in table.sorted_phrases])
    number_of = table.index_of(counter.words)  # (V,) the table's number of each word id
    carry_ids = np.zeros(0, dtype=np.int32)
    carry_flags = np.zeros(0, dtype=np.int8)
    for position, (chunk_ids, chunk_flags) in enumerate(stored):
        ids = np.concatenate([carry_ids, chunk_ids])
        flags = np.concatenate([carry_flags, chunk_flags])
        final = position == len(stored) - 1
        starts, ends, rows, used = table.joins(number_of[ids], flags, final)
        out = ids[:used].copy()
        out[starts] = phrase_ids[rows]
        drop = np.zeros(used + 1, dtype=np.int64)
        np.add.at(drop, starts + 1, 1)
        np.add.at(drop, ends + 1, -1)
        keep = np.cumsum(drop[:used]) == 0
        carry_ids, carry_flags = ids[used:], flags[used:]
        yield out[keep], flags[:used][keep]
