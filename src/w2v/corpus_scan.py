"""A corpus read once: its word counts and its tokens as ids, before the vocabulary exists.

Training needs the corpus twice, once to count the words (:func:`w2v.vocab.build_vocab`)
and once to write it as vocabulary ids (:func:`w2v.corpus.encode_corpus`). Reading and
splitting the text is most of the time of both, about 15% of a whole skip-gram run on the
text8 prefix. :func:`scan_corpus` reads it once (a large file in compiled code,
:mod:`w2v.corpus_tokens`): every distinct token gets a provisional
id in order of first occurrence, the tokens are stored as those ids, and the counts follow
from the ids. Once the vocabulary is chosen, :meth:`ScannedCorpus.encode` maps provisional
ids to vocabulary ids in one numpy pass, dropping the tokens outside it.

The result is the two passes' exactly: the same counts in the same first-occurrence order
(so the same vocabulary and tie order), the same ids and sentences. Counting with
``max_vocab_size`` prunes the table while reading, which provisional ids cannot follow;
that case keeps the two passes (:func:`w2v.training.train`).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.corpus import MEMMAP_THRESHOLD, CorpusStats, EncodedCorpus, IdSink, sentences_from
from w2v.corpus_tokens import scan_path, worth_compiling
from w2v.errors import CorpusError

if TYPE_CHECKING:
    from w2v.vocab import Vocab

# Provisional ids remapped per block: bounds the temporaries (5 bytes an id: the mapped ids
# and the kept mask) for any corpus. At 2^24, with a running count of the mask besides, the
# text8 prefix's 2.1M ids made a 45 MB peak of a 221 MB run.
_BLOCK_IDS = 1 << 20


@dataclass
class ScannedCorpus:
    """A corpus as provisional ids (one per distinct token, in order of first occurrence).

    Attributes
    ----------
    words : list of str
        Provisional id -> token.
    ids : np.ndarray
        uint32 (N,): every token of the corpus as its provisional id.
    sentence_starts : np.ndarray
        int64 (S + 1,): sentence i is ``ids[sentence_starts[i]:sentence_starts[i + 1]]``.
    stats : CorpusStats
        What the pass saw (tokens, sentences, invalid bytes).
    """

    words: list[str]
    ids: np.ndarray
    sentence_starts: np.ndarray
    stats: CorpusStats

    def counts(self) -> Counter:
        """Token -> count, in order of first occurrence (what ``count_words`` returns)."""
        per_id = np.zeros(len(self.words), dtype=np.int64)
        for a in range(0, len(self.ids), _BLOCK_IDS):
            per_id += np.bincount(self.ids[a:a + _BLOCK_IDS], minlength=len(self.words))
        return Counter(dict(zip(self.words, per_id.tolist(), strict=True)))

    def encode(self, vocab: Vocab, memmap_threshold: int = MEMMAP_THRESHOLD) -> EncodedCorpus:
        """The corpus in ``vocab``'s ids, as :func:`w2v.corpus.encode_corpus` gives it.

        Tokens outside the vocabulary are dropped, and sentences left empty with them.

        Raises
        ------
        CorpusError
            If no token of the corpus is in the vocabulary.
        """
        # -1 (as uint32: never a vocabulary id) marks the tokens to drop.
        to_vocab = np.full(len(self.words), np.iinfo(np.uint32).max, dtype=np.uint32)
        lookup = vocab.key_to_index.get
        for provisional, word in enumerate(self.words):
            index = lookup(word)
            if index is not None:
                to_vocab[provisional] = index
        sink = IdSink(memmap_threshold)
        lengths: list[np.ndarray] = []
        starts = self.sentence_starts
        # Whole sentences per block, so that each block's lengths are its own.
        first = 0
        while first < len(starts) - 1:
            last = int(np.searchsorted(starts, starts[first] + _BLOCK_IDS, side="right")) - 1
            last = max(last, first + 1)
            kept, kept_lengths = self._encode_block(to_vocab, starts[first:last + 1])
            if len(kept):
                sink.append(kept)
            lengths.append(kept_lengths[kept_lengths > 0])
            first = last
        all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
        if not len(all_lengths):
            raise CorpusError("No token of the corpus is in the vocabulary; nothing to train on.")
        sentence_starts = np.zeros(len(all_lengths) + 1, dtype=np.int64)
        np.cumsum(all_lengths, out=sentence_starts[1:])
        return EncodedCorpus(ids=sink.finish(), sentence_starts=sentence_starts,
                             raw_words=self.stats.tokens, stats=self.stats)

    def _encode_block(self, to_vocab: np.ndarray,
                      starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kept vocabulary ids, kept tokens per sentence) of sentences ``starts[:-1]``."""
        mapped = to_vocab[self.ids[starts[0]:starts[-1]]]
        keep = mapped != np.iinfo(np.uint32).max
        # Kept tokens of each sentence: sums of the mask over the sentences (an empty
        # sentence sums to 0, where reduceat would give the next item). Not a running count
        # of the whole block: that was 16 bytes an id of its 21-byte peak.
        offsets = starts[:-1] - starts[0]
        lengths = np.zeros(len(offsets), dtype=np.int64)
        filled = np.diff(starts) > 0
        if len(keep):
            lengths[filled] = np.add.reduceat(keep.view(np.uint8), offsets[filled],
                                              dtype=np.int64)
        return mapped[keep], lengths


def scan_corpus(source: Any, max_sentence_length: int = 10_000,
                stats: CorpusStats | None = None, memmap_threshold: int = MEMMAP_THRESHOLD,
                warn: bool = True) -> ScannedCorpus:
    """Read a corpus once into provisional ids (see the module docstring).

    Parameters
    ----------
    source : path or iterable of list of str
        As :func:`w2v.corpus.sentences_from` takes it.
    max_sentence_length : int
        Longer sentences are split (tokens kept).
    stats : CorpusStats, optional
        Filled in while reading.
    memmap_threshold : int
        Past this many ids the provisional ids go to a memory-mapped temporary file.
    warn : bool
        For a path: warn once about bytes that were not valid UTF-8.
    """
    stats = stats if stats is not None else CorpusStats()
    if isinstance(source, (str, os.PathLike)) and worth_compiling(source):
        sink = IdSink(memmap_threshold)
        words, lengths = scan_path(source, max_sentence_length, stats, sink, warn)
        return ScannedCorpus(words=words, ids=_finished(sink, lengths),
                             sentence_starts=_starts(lengths), stats=stats)
    # A missing token gets the next id: defaultdict calls the factory in C, so the lookup
    # of a whole sentence runs without a Python-level loop.
    provisional: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    get_id = provisional.__getitem__
    sink = IdSink(memmap_threshold)
    lengths: list[int] = []
    for sentence in sentences_from(source, max_sentence_length, stats=stats, warn=warn):
        sink.append(np.fromiter(map(get_id, sentence), dtype=np.uint32, count=len(sentence)))
        lengths.append(len(sentence))
    return ScannedCorpus(words=list(provisional), ids=_finished(sink, lengths),
                         sentence_starts=_starts(lengths), stats=stats)


def _starts(lengths: list[int]) -> np.ndarray:
    """Sentence offsets (S + 1,) int64 from the sentences' lengths."""
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return starts


def _finished(sink: IdSink, lengths: list[int]) -> np.ndarray:
    """The ids the sink holds, uint32 (N,) (none if no sentence was read)."""
    return sink.finish() if lengths else np.zeros(0, dtype=np.uint32)
