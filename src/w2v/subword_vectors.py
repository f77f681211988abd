"""Vectors of a subword (fastText) model: every word has one, seen in training or not.

:class:`SubwordVectors` is a :class:`~w2v.vectors.Vectors` whose rows are the vocabulary's
word vectors, each the mean of the word's own input row and its n-gram rows (fastText's
``get_word_vector``; what fastText writes to its ``.vec`` file), and which keeps the whole
input table (nwords + bucket, D) so that a word outside the vocabulary gets the mean of its
n-gram rows. Queries (``most_similar``, ``similarity``, ``analogy``) accept such words;
they search the vocabulary. ``word in vectors`` still means "in the vocabulary"
(:meth:`SubwordVectors.has_vector` says whether a vector can be made).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, UnknownWordError
from w2v.subwords import SubwordIndex, build_subword_index
from w2v.vectors import Vectors

if TYPE_CHECKING:
    from w2v.config import TrainConfig
    from w2v.vocab import Vocab


class SubwordVectors(Vectors):
    """Word vectors composed from subword rows, with vectors for unseen words.

    Parameters
    ----------
    keys : list of str
        The vocabulary, in row order (the first ``len(keys)`` rows of ``input_table``).
    input_table : ndarray, shape (len(keys) + bucket, D)
        fastText's input matrix: word rows, then hash rows (:mod:`w2v.subwords`).
    min_n, max_n, bucket : int
        The n-gram lengths and hash rows the table was trained with.
    index : SubwordIndex, optional
        The vocabulary's subword rows, if already computed (training has them).
    output_vectors : ndarray, shape (len(keys), D), optional
        The output vectors, kept so that the fastText ``.bin`` written by :meth:`save` is a
        whole model (zeros are written without them).
    counts : ndarray of int, (len(keys),), optional
        Corpus counts of the words (for the ``.bin``).
    fasttext_args : dict, optional
        fastText arguments to write into a ``.bin`` (window, epochs, ...).

    Raises
    ------
    ConfigError
        If the table's rows are not ``len(keys) + bucket``, or an option is out of range.
    """

    def __init__(self, keys: Sequence[str], input_table: np.ndarray, min_n: int, max_n: int,
                 bucket: int, *, index: SubwordIndex | None = None,
                 output_vectors: np.ndarray | None = None, counts: np.ndarray | None = None,
                 fasttext_args: dict[str, Any] | None = None) -> None:
        keys = list(keys)
        table = input_table if input_table.dtype == REAL else input_table.astype(REAL)
        if table.ndim != 2 or table.shape[0] != len(keys) + bucket:
            raise ConfigError("The {input_table} must have len(keys) + bucket = {want:,} rows "
                              "of vectors. Got shape {shape} instead.",
                              want=len(keys) + bucket, shape=table.shape)
        self.index = index if index is not None else build_subword_index(keys, min_n, max_n,
                                                                         bucket)
        from w2v.engines.subword_kernels import mean_rows

        words = np.empty((len(keys), table.shape[1]), dtype=REAL)
        mean_rows(table, self.index.ids, self.index.offsets, words)
        super().__init__(keys, words)
        self.input_table = table
        self.output_vectors = output_vectors
        self.counts = counts
        if counts is not None:
            self.expandos["count"] = np.asarray(counts)
        self.fasttext_args = dict(fasttext_args or {})

    def _reorder_refusal(self) -> str:
        """The rows follow the input table and the n-gram index: never reordered alone."""
        return ("SubwordVectors cannot be reordered: their rows follow the input table and "
                "the n-gram index. Sort a copy of the word vectors: "
                "w2v.Vectors(sv.index_to_key, sv.vectors.copy()).")

    def unit_normalize_all(self) -> None:
        """Refused: the word vectors are composed from the input table (a copy can be)."""
        raise ConfigError("The vectors of SubwordVectors are composed from the input table and "
                          "cannot be normalised in place. Normalise a copy: "
                          "w2v.Vectors(sv.index_to_key, sv.vectors.copy()).")

    def _set_vectors(self, matrix: np.ndarray) -> None:
        raise ConfigError("The {vectors} of SubwordVectors are composed from the input table; "
                          "build a new SubwordVectors from a changed input table instead.")

    # Read as Vectors' property; setting it is refused (the rows are derived).
    vectors = property(Vectors.vectors.fget, _set_vectors, doc=Vectors.vectors.__doc__)

    @property
    def min_n(self) -> int:
        return self.index.min_n

    @property
    def max_n(self) -> int:
        return self.index.max_n

    @property
    def bucket(self) -> int:
        return self.index.bucket

    def __repr__(self) -> str:
        return (f"SubwordVectors({len(self)} words x {self.vector_size} dims, n-grams "
                f"{self.min_n}..{self.max_n} in {self.bucket:,} buckets)")

    def _unseen_word_hint(self) -> str:
        return ""

    # --- lookup -----------------------------------------------------------------------------

    def subword_rows(self, word: str) -> np.ndarray:
        """Rows of the input table whose mean is ``word``'s vector, int32 (k,)."""
        return self.index.ids_of(word, self.key_to_index.get(word))

    def has_vector(self, word: str) -> bool:
        """Whether ``word`` has a vector: it is in the vocabulary or has an n-gram."""
        return len(self.subword_rows(word)) > 0

    def _has_vector_for(self, key: Any) -> bool:
        """Unseen words with n-grams have vectors too (:meth:`Vectors.get_mean_vector`)."""
        if isinstance(key, str) and key not in self.key_to_index:
            return self.has_vector(key)
        return super()._has_vector_for(key)

    def get_vector(self, key: str | int, norm: bool = False) -> np.ndarray:
        """The vector of any word, shape (D,): its row, or the mean of its n-gram rows (a row
        number gives its row, as for :class:`Vectors`)."""
        if not isinstance(key, str) or key in self.key_to_index:
            return super().get_vector(key, norm)
        rows = self.subword_rows(key)
        if not len(rows):
            raise UnknownWordError(self._unknown_message(key) + " It has no character "
                                   f"n-gram of {self.min_n}..{self.max_n} characters either, "
                                   "so no vector can be composed for it.")
        vector = self.input_table[rows].mean(axis=0, dtype=np.float64).astype(REAL)
        if norm:
            length = float(np.linalg.norm(vector))
            return vector / length if length > 0 else vector
        return vector

    def __getitem__(self, key: str | int | Iterable[str | int]) -> np.ndarray:
        """The vector of any word or row number, shape (D,), or of a list of them, (k, D)."""
        if isinstance(key, str) or not isinstance(key, Iterable):
            return self.get_vector(key)
        return np.stack([self.get_vector(k) for k in key])

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words, seen or unseen, in [-1, 1]."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def _term_vector(self, item: Any, exclude: set[int]) -> np.ndarray:
        """A query term's (D,) vector; an unseen word is its unit n-gram vector."""
        if isinstance(item, str) and item not in self.key_to_index:
            return self.get_vector(item, norm=True)
        return super()._term_vector(item, exclude)

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], format: str = "fasttext") -> None:
        """Write to ``path`` atomically: ``"fasttext"`` (a ``.bin`` model fastText loads) or
        a word vectors format (``"text"`` is fastText's ``.vec``; see
        :func:`w2v.formats.save_vectors`)."""
        from w2v.formats import save_vectors

        save_vectors(self, path, format)

    def to_fasttext(self):
        """The :class:`~w2v.formats.fasttext_bin.FastTextModel` that :meth:`save` writes."""
        from w2v.formats.fasttext_bin import FastTextModel

        n, dim = len(self), self.vector_size
        output = self.output_vectors if self.output_vectors is not None else \
            np.zeros((n, dim), dtype=REAL)
        counts = self.counts if self.counts is not None else np.ones(n, dtype=np.int64)
        args = {**self.fasttext_args, "dim": dim, "bucket": self.bucket, "minn": self.min_n,
                "maxn": self.max_n}
        return FastTextModel(args, list(self.index_to_key), np.asarray(counts, np.int64),
                             self.input_table, np.asarray(output, dtype=REAL),
                             ntokens=int(np.sum(counts)))

    @classmethod
    def from_training(cls, vocab: Vocab, config: TrainConfig, w_in: np.ndarray,
                      w_out: np.ndarray, w_hs: np.ndarray | None,
                      index: SubwordIndex | None = None) -> SubwordVectors:
        """The vectors of a subword run's tables (at its end, or at a checkpoint).

        ``w_in`` (nwords + bucket, D), ``w_out`` (nwords, D), ``w_hs`` (nwords - 1, D) or
        None. The output rows kept for fastText's ``.bin`` are those of its loss: with
        hierarchical softmax alone (fastText's ``-loss hs``) the inner-node rows, row n for
        inner node n as fastText numbers them (its tree is word2vec.c's, built from the same
        sorted counts), plus the one unused row fastText allocates; else the
        negative-sampling rows.
        """
        hs_only = config.hs and config.negative == 0
        args = {"ws": config.window, "epoch": config.epochs, "minCount": config.min_count,
                "neg": config.negative, "model": 2 if config.sg else 1, "t": config.sample,
                "loss": 1 if hs_only else 2}
        output = np.asarray(w_out)
        if hs_only and w_hs is not None:
            output = np.zeros_like(output)
            output[:len(w_hs)] = w_hs
        return cls(list(vocab.words), np.asarray(w_in), config.min_n, config.max_n,
                   config.bucket, index=index, output_vectors=output, counts=vocab.counts,
                   fasttext_args=args)

    @classmethod
    def from_fasttext(cls, model) -> SubwordVectors:
        """Vectors of a :class:`~w2v.formats.fasttext_bin.FastTextModel` (a read ``.bin``)."""
        args = model.args
        output = model.output_matrix if model.output_matrix.shape[0] == len(model.words) \
            else None  # a classifier's output rows are its labels
        return cls(model.words, model.input_matrix, args["minn"], args["maxn"],
                   args["bucket"], output_vectors=output, counts=model.counts,
                   fasttext_args=args)
