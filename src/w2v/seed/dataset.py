"""The assignment's dataset: SST sentences, read as CS224N's ``StanfordSentiment`` reads them.

:class:`StanfordSentiment` gives the same tokens, vocabulary order, frequencies, subsampling
("reject") probabilities, 1,000,000-slot negative-sampling table, 30x subsampled sentence list and
random contexts as ``utils/treebank.py`` of CS224N assignment 2 (2019-2021). It serves two paths:

- the **faithful** path, :meth:`~StanfordSentiment.sample_token_idx` and
  :meth:`~StanfordSentiment.get_random_context`, which consume Python's ``random`` stream exactly
  as the assignment does (the protocol that :mod:`w2v.reference` uses to replay the assignment);
- the **fast** path, plain numpy arrays for the kernels of :mod:`w2v.seed.kernels`:
  :meth:`~StanfordSentiment.subsampled_ids` (the subsampled sentences, flattened, with offsets)
  and :meth:`~StanfordSentiment.sample_table`.

Quirks of the original and what we do with them (all of them: ``docs/seed.md``):

- The file is read as UTF-8 explicitly (the original used the platform default, UTF-8 on Linux).
- Mojibake tokens such as ``clichã©s`` are kept, so that the vocabulary and every count match the
  assignment; 60 of 19,538 types are affected and none of the plotted words.
- ``UNK`` is kept: appended last with frequency 1, it is in the sampling table and can be drawn.
- ``sample_table()`` builds the subsampled sentences first, as the original does, so a replay
  consumes random numbers in the same order whichever is called first.
- ``reject_prob()`` works whenever it is called (the original needed ``tokens()`` first).
- ``get_random_context`` redraws in a loop instead of recursing (same random numbers, no
  recursion limit).
"""

from __future__ import annotations

import os
import random as _random_module
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from w2v.errors import CorpusError, InputNotFoundError
from w2v.validation import Int

#: Name of the sentences file inside an SST folder.
SENTENCES_FILE = "datasetSentences.txt"
#: How many back-to-back copies of the corpus the assignment subsamples (``sentences() * 30``).
SUBSAMPLE_COPIES = 30
#: Subsampling threshold as a fraction of the corpus size (word2vec's ``sample``).
SUBSAMPLE_RATE = 1e-5
#: Exponent of the unigram distribution used for negative sampling.
NOISE_EXPONENT = 0.75


def bundled_sentences_path() -> Path:
    """Path of the ``datasetSentences.txt`` bundled inside the package."""
    return Path(str(resources.files("w2v") / "data" / "sst" / SENTENCES_FILE))


def read_sentences(path: str | os.PathLike[str] | None = None) -> list[list[str]]:
    """Read SST sentences as the assignment does: skip the header, drop the index, lowercase.

    Parameters
    ----------
    path : path-like or None
        An SST folder (holding ``datasetSentences.txt``) or the file itself; ``None`` for the
        bundled copy.

    Returns
    -------
    list of list of str
        One token list per sentence, in file order (11,855 sentences for SST v1.0).

    Raises
    ------
    InputNotFoundError
        If the file does not exist.
    CorpusError
        If the file is not UTF-8 or holds no sentence.
    """
    file = bundled_sentences_path() if path is None else Path(path)
    if file.is_dir():
        file = file / SENTENCES_FILE
    if not file.is_file():
        raise InputNotFoundError(
            f"SST sentences file '{file}' does not exist; pass the folder that holds "
            f"{SENTENCES_FILE} or leave the path out to use the bundled copy."
        )
    try:
        # UTF-8 explicitly: the assignment used the locale default, which is UTF-8 on Linux.
        with open(file, encoding="utf-8") as handle:
            next(handle, None)  # header: sentence_index<TAB>sentence
            sentences = [[w.lower() for w in line.strip().split()[1:]] for line in handle]
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"'{file}' is not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from exc
    if not sentences:
        raise CorpusError(f"'{file}' holds no sentence after its header line.")
    return sentences


class StanfordSentiment:
    """The SST corpus as CS224N a2's ``StanfordSentiment`` sees it.

    Parameters
    ----------
    path : path-like or None
        SST folder or ``datasetSentences.txt``; ``None`` uses the copy bundled with w2v.
    table_size : int
        Slots of the negative-sampling table (the assignment's ``tablesize``).
    rng : random.Random or module, optional
        Source of the faithful path's random numbers; defaults to the global :mod:`random` module,
        which is what the assignment (and its expected numbers) use.

    Attributes
    ----------
    words : list of str
        Token of each index, in order of first appearance; ``"UNK"`` last (the ``_revtokens``).
    counts : np.ndarray
        int64 (N,) frequency of each token; UNK counts 1.
    word_count : int
        Corpus tokens plus one for UNK (the assignment's ``_wordcount``, 227,246 for SST).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, table_size: int = 1_000_000,
                 rng: Any = None) -> None:
        self.table_size = Int(low=1).check("table_size", table_size)
        self.rng = _random_module if rng is None else rng
        self._sentences = read_sentences(path)
        self._build_vocab()
        self._all_sentences: list[list[str]] | None = None
        self._all_ids: tuple[np.ndarray, np.ndarray] | None = None
        self._sample_table: np.ndarray | None = None

    # --- vocabulary -------------------------------------------------------------------------

    def _build_vocab(self) -> None:
        index: dict[str, int] = {}
        counts: list[int] = []
        for sentence in self._sentences:
            for word in sentence:
                i = index.setdefault(word, len(counts))
                if i == len(counts):
                    counts.append(0)
                counts[i] += 1
        # The assignment appends UNK with frequency 1 and counts it once in _wordcount.
        index["UNK"] = len(counts)
        counts.append(1)
        self._tokens = index
        self.words = list(index)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.word_count = int(self.counts.sum())
        self._sentence_ids = [np.fromiter((index[w] for w in s), dtype=np.int64, count=len(s))
                              for s in self._sentences]

    def tokens(self) -> dict[str, int]:
        """Word -> index, in order of first appearance, ``"UNK"`` last (a copy)."""
        return dict(self._tokens)

    def token_freq(self) -> dict[str, int]:
        """Word -> corpus frequency (the assignment's ``_tokenfreq``)."""
        return dict(zip(self.words, self.counts.tolist(), strict=True))

    def sentences(self) -> list[list[str]]:
        """The lowercased token lists of the file, in order (a copy)."""
        return [list(s) for s in self._sentences]

    def num_sentences(self) -> int:
        """Number of sentences in the file (11,855 for SST)."""
        return len(self._sentences)

    def __len__(self) -> int:
        return len(self.words)

    # --- subsampling ------------------------------------------------------------------------

    def reject_prob(self) -> np.ndarray:
        """Subsampling rejection probability of each token, float64 (N,).

        ``max(0, 1 - sqrt(t / f_i))`` with ``t = 1e-5 * word_count`` (word2vec's formula without the
        ``+ t/f`` term, as in the assignment).
        """
        threshold = SUBSAMPLE_RATE * self.word_count
        return np.maximum(0.0, 1.0 - np.sqrt(threshold / self.counts.astype(np.float64)))

    def all_sentences(self) -> list[list[str]]:
        """Thirty subsampled copies of the corpus, sentences of length <= 1 dropped (cached).

        The first call consumes one ``rng.random()`` per token occurrence whose reject probability
        is positive, in corpus order, exactly as the assignment's ``allSentences``; a word is kept
        when its draw is ``>=`` its reject probability.
        """
        if self._all_sentences is None:
            ids, starts = self.subsampled_ids()
            words = self.words
            self._all_sentences = [[words[i] for i in ids[a:b]]
                                   for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(),
                                                   strict=True)]
        return self._all_sentences

    def subsampled_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """The subsampled sentences as arrays for the fast path (cached; see :meth:`all_sentences`).

        Returns
        -------
        ids : np.ndarray
            int32 (T,) token ids of all kept words, sentence after sentence (1,523,942 for SST in
            the run.py random order).
        starts : np.ndarray
            int64 (S + 1,) offsets into ``ids``: sentence i is ``ids[starts[i]:starts[i + 1]]``;
            ``starts[0] == 0`` and ``starts[-1] == T`` (S = 299,303 in the run.py order).
        """
        if self._all_ids is None:
            self._all_ids = self._subsample()
        return self._all_ids

    def _subsample(self) -> tuple[np.ndarray, np.ndarray]:
        base = np.concatenate(self._sentence_ids)                     # (227245,)
        lengths = np.array([len(s) for s in self._sentence_ids], dtype=np.int64)
        ids = np.tile(base, SUBSAMPLE_COPIES)                          # (30 * 227245,)
        reject = self.reject_prob()[ids]
        drawn = reject > 0  # only these consume a random number (the `or` short-circuits)
        uniforms = _draw_uniforms(self.rng, int(drawn.sum()))
        keep = ~drawn
        keep[drawn] = uniforms >= reject[drawn]
        sentence_of = np.repeat(np.arange(SUBSAMPLE_COPIES * len(lengths)),
                                np.tile(lengths, SUBSAMPLE_COPIES))
        kept_lengths = np.bincount(sentence_of[keep], minlength=SUBSAMPLE_COPIES * len(lengths))
        # Sentences left with 0 or 1 word are dropped, as in the assignment.
        long_enough = kept_lengths > 1
        kept_ids = ids[keep & long_enough[sentence_of]].astype(np.int32)
        starts = np.zeros(int(long_enough.sum()) + 1, dtype=np.int64)
        np.cumsum(kept_lengths[long_enough], out=starts[1:])
        return kept_ids, starts

    # --- negative sampling ------------------------------------------------------------------

    def sample_table(self) -> np.ndarray:
        """The negative-sampling table, int32 (table_size,), cached.

        Token j fills a share ``f_j^0.75 / sum_k f_k^0.75`` of the slots: slot i holds the smallest
        j with ``cum[j] >= i``, where ``cum`` is the cumulative share times ``table_size`` (the
        assignment's loop, vectorised as a left-sided ``searchsorted``). Like the assignment, the
        first call builds :meth:`all_sentences` first, which consumes random numbers.
        """
        if self._sample_table is None:
            self.subsampled_ids()
            # Python's float ** (C pow) as in the assignment, so slot boundaries match bit for bit.
            weights = np.array([float(c) ** NOISE_EXPONENT for c in self.counts.tolist()])
            weights /= np.sum(weights)
            cumulative = np.cumsum(weights) * self.table_size
            table = np.searchsorted(cumulative, np.arange(self.table_size), side="left")
            # Rounding can leave the last cumulative value a hair below table_size - 1.
            self._sample_table = np.minimum(table, len(self.words) - 1).astype(np.int32)
        return self._sample_table

    # --- the faithful protocol (Python `random`) --------------------------------------------

    def sample_token_idx(self) -> int:
        """One negative sample, ``sample_table()[randint(0, table_size - 1)]`` as the assignment."""
        table = self.sample_table()
        return int(table[self.rng.randint(0, self.table_size - 1)])

    def get_random_context(self, C: int = 5) -> tuple[str, list[str]]:  # noqa: N803 (assignment's name)
        """A random center word and its context of up to ``C`` words each side.

        Draws a sentence and a position with ``rng.randint``; removes every context word equal to
        the center word; draws again (same ``C``) while the context is empty.

        Returns
        -------
        (str, list of str)
            The center word and its context words, left to right.
        """
        sentences = self.all_sentences()
        while True:
            sentence = sentences[self.rng.randint(0, len(sentences) - 1)]
            pos = self.rng.randint(0, len(sentence) - 1)
            context = sentence[max(0, pos - C):pos]
            if pos + 1 < len(sentence):
                context = context + sentence[pos + 1:min(len(sentence), pos + C + 1)]
            center = sentence[pos]
            context = [w for w in context if w != center]
            if context:
                return center, context


def _draw_uniforms(rng: Any, n: int) -> np.ndarray:
    """``n`` successive ``rng.random()`` values, float64 (n,), leaving ``rng`` where n calls would.

    Python's ``random`` and numpy's legacy ``RandomState`` are both MT19937 and build a double from
    two 32-bit words the same way, so copying the state into a ``RandomState`` draws the identical
    stream in one vectorised call instead of a Python loop; the final state is copied back.
    """
    version, internal, gauss = rng.getstate()
    mt = np.random.RandomState()
    mt.set_state(("MT19937", np.asarray(internal[:-1], dtype=np.uint32), internal[-1], 0, 0.0))
    values = mt.random_sample(n)
    _, keys, pos, _, _ = mt.get_state()
    rng.setstate((version, tuple(int(k) for k in keys) + (int(pos),), gauss))
    return values
