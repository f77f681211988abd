"""``w2v.FastText``: gensim's ``FastText`` class over a w2v subword :class:`~w2v.training.Model`.

A script written for ``gensim.models.FastText`` runs after changing only its imports::

    from w2v import FastText                      # was: from gensim.models import FastText
    from w2v import load_facebook_model           # was: from gensim.models.fasttext import ...

    model = FastText(sentences, vector_size=100, window=5, min_count=1, min_n=3, max_n=6)
    model.wv["unseenword"]                        # a vector from its character n-grams
    model.build_vocab(more_sentences, update=True)
    model.train(more_sentences, total_examples=len(more_sentences), epochs=model.epochs)
    model = load_facebook_model("cc.en.300.bin")  # Facebook's model, trained further

Everything of :class:`w2v.Word2Vec` holds (gensim's defaults, callbacks, a new learning-rate
schedule for each ``train()`` call, ``save``/``load`` as a w2v model folder), plus gensim's
subword options (``min_n``, ``max_n``, ``bucket``; ``word_ngrams`` only 1, as in gensim) and
its :class:`FastTextKeyedVectors` (``vectors_vocab``, ``vectors_ngrams``, ``word in wv``
true for any word that has n-grams). The model is fastText's, trained by w2v's subword
engine (:mod:`w2v.engines.subword_engine`); its vectors are fastText's: a word's vector is
the mean of its own row and its n-gram rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from w2v.errors import ConfigError
from w2v.gensim_compat import Word2Vec
from w2v.subword_vectors import SubwordVectors
from w2v.training import Model
from w2v.vectors import Vectors

# gensim's settings for what a fastText file does not hold (load_facebook_model's model is
# gensim's FastText with its defaults).
_GENSIM_DEFAULTS = {"alpha": 0.025, "min_alpha": 0.0001, "workers": 3, "seed": 1,
                    "ns_exponent": 0.75, "init": "gensim"}


class FastTextKeyedVectors(SubwordVectors):
    """gensim's ``FastTextKeyedVectors``: :class:`SubwordVectors` with gensim's names.

    ``word in wv`` is true for every word when the model has n-gram rows (gensim's rule: a
    vector can be composed for it); ``word in wv.key_to_index`` asks the vocabulary.
    """

    @classmethod
    def view(cls, vectors: SubwordVectors) -> FastTextKeyedVectors:
        """The same vectors (the same arrays, nothing copied) under gensim's class."""
        view = cls.__new__(cls)
        view.__dict__.update(vectors.__dict__)
        return view

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: Any) -> FastTextKeyedVectors:
        """Read subword vectors (a fastText ``.bin``, or what ``save`` wrote) as this class.

        Raises
        ------
        FormatError
            If the file holds plain word vectors (no n-gram rows).
        """
        from w2v.errors import FormatError

        vectors = SubwordVectors.load(path, **options)
        if not isinstance(vectors, SubwordVectors):
            raise FormatError(f"'{path}' holds plain word vectors, with no n-gram rows; read "
                              f"it with w2v.Vectors.load (or KeyedVectors.load_word2vec_format).")
        return cls.view(vectors)

    def __contains__(self, word: object) -> bool:
        if self.bucket == 0:
            return word in self.key_to_index
        return True

    def get_vector(self, key: str | int, norm: bool = False) -> np.ndarray:
        """As :meth:`SubwordVectors.get_vector`, but a word with no n-gram at all gets the
        zero vector with a warning, as gensim and fastText give it (when the model has n-gram
        rows; without them an unseen word raises ``KeyError``)."""
        if isinstance(key, str) and key not in self.key_to_index and self.bucket > 0 \
                and not self.has_vector(key):
            import warnings

            warnings.warn(f"could not extract any ngrams from {key!r}, returning origin "
                          f"vector", stacklevel=2)
            return np.zeros(self.vector_size, dtype=np.float32)
        return super().get_vector(key, norm)

    @property
    def vectors_vocab(self) -> np.ndarray:
        """The words' own input rows, float32 (V, D) (not the composed word vectors)."""
        return self.input_table[:len(self)]

    @property
    def vectors_ngrams(self) -> np.ndarray:
        """The n-gram (hash bucket) rows, float32 (bucket, D)."""
        return self.input_table[len(self):]

    def get_sentence_vector(self, sentence: Sequence[str]) -> np.ndarray:
        """The mean of the words' unit vectors, float32 (D,) (gensim's method)."""
        return self.get_mean_vector(sentence)


class FastText(Word2Vec):
    """gensim's ``FastText`` on w2v's subword engine (see the module docstring).

    Parameters
    ----------
    min_n, max_n : int
        Character n-gram lengths (gensim's defaults 3 and 6); ``max_n < min_n``: no n-grams
        and no hash rows (``bucket`` becomes 0, as in gensim).
    bucket : int
        Hash rows of the n-grams (gensim's default 2,000,000).
    word_ngrams : int
        Only 1, as in gensim (fastText's word n-grams are for classifiers).
    sentences, corpus_file, ... : see :class:`w2v.Word2Vec`
        Every other argument is gensim's ``Word2Vec``'s, with gensim's defaults.

    Raises
    ------
    ConfigError
        For ``word_ngrams`` other than 1, or what :class:`w2v.Word2Vec` refuses.
    """

    def __init__(self, sentences: Iterable[list[str]] | None = None,
                 corpus_file: str | os.PathLike[str] | None = None, sg: int = 0, hs: int = 0,
                 vector_size: int = 100, alpha: float = 0.025, window: int = 5,
                 min_count: int = 5, max_vocab_size: int | None = None, word_ngrams: int = 1,
                 sample: float = 1e-3, seed: int = 1, workers: int = 3,
                 min_alpha: float = 0.0001, negative: int = 5, ns_exponent: float = 0.75,
                 cbow_mean: int = 1, hashfxn: Any = hash, epochs: int = 5,
                 null_word: int = 0, min_n: int = 3, max_n: int = 6, sorted_vocab: int = 1,
                 bucket: int = 2_000_000, trim_rule: Any = None, batch_words: int = 10000,
                 callbacks: Sequence[Any] = (), max_final_vocab: int | None = None,
                 shrink_windows: bool = True, **options: Any) -> None:
        if max_n < min_n:  # no n-grams: no hash rows either (gensim's rule)
            bucket = 0
        if word_ngrams != 1:
            raise ConfigError("The {word_ngrams} can only be 1 (gensim's only value too): "
                              "word n-grams are part of fastText's classifiers, not of its "
                              "word vectors.")
        super().__init__(sentences, corpus_file, vector_size=vector_size, alpha=alpha,
                         window=window, min_count=min_count, max_vocab_size=max_vocab_size,
                         sample=sample, seed=seed, workers=workers, min_alpha=min_alpha,
                         sg=sg, hs=hs, negative=negative, ns_exponent=ns_exponent,
                         cbow_mean=cbow_mean, hashfxn=hashfxn, epochs=epochs,
                         null_word=null_word, trim_rule=trim_rule, sorted_vocab=sorted_vocab,
                         batch_words=batch_words, callbacks=callbacks,
                         max_final_vocab=max_final_vocab, shrink_windows=shrink_windows,
                         subwords=True, min_n=min_n, max_n=max_n, bucket=bucket, **options)

    def _gensim_vectors(self, model: Model) -> Vectors:
        """The model's vectors, given gensim's class once (the model keeps that object)."""
        if not isinstance(model.vectors, FastTextKeyedVectors):
            model.vectors = FastTextKeyedVectors.view(model.vectors)
        return model.vectors

    def _empty_vectors(self) -> Vectors:
        """No words yet, and n-gram rows of zeros that take no memory (one row, broadcast)."""
        dim, bucket = self.vector_size, self._config.bucket
        zeros = np.broadcast_to(np.zeros((1, dim), dtype=np.float32), (bucket, dim))
        return FastTextKeyedVectors([], zeros, self._config.min_n, self._config.max_n, bucket)

    @classmethod
    def _of_model(cls, model: Model) -> Any:
        if not model.config.subwords:
            raise ConfigError("This is a word model, with no n-gram rows: read it with "
                              "w2v.Word2Vec.load (FastText.load reads subword models).")
        return super()._of_model(model)

    def __repr__(self) -> str:
        return (f"FastText<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"alpha={self.alpha}>")


def load_facebook_model(path: str | os.PathLike[str], encoding: str = "utf-8") -> FastText:
    """A fastText ``.bin`` as a :class:`FastText` model to query and train further
    (gensim's ``load_facebook_model``; :func:`w2v.fasttext_model.model_from_fasttext`).

    Options the file does not hold take gensim's defaults (alpha 0.025, 3 workers, seed 1).
    ``encoding`` must be UTF-8, the encoding fastText writes.

    Raises
    ------
    FormatError
        If the file is not an unsupervised fastText model w2v reads.
    """
    from w2v.fasttext_model import model_from_fasttext

    _check_encoding(encoding)
    return FastText._of_model(model_from_fasttext(path, **_GENSIM_DEFAULTS))


def load_facebook_vectors(path: str | os.PathLike[str],
                          encoding: str = "utf-8") -> FastTextKeyedVectors:
    """The vectors of a fastText ``.bin``, vectors for unseen words included (gensim's
    ``load_facebook_vectors``); the input table is memory-mapped, not read.

    Raises
    ------
    FormatError
        If the file is not a fastText model w2v reads.
    """
    from w2v.formats.fasttext_bin import read_fasttext_bin

    _check_encoding(encoding)
    return FastTextKeyedVectors.view(SubwordVectors.from_fasttext(read_fasttext_bin(path)))


def save_facebook_model(model: FastText, path: str | os.PathLike[str],
                        encoding: str = "utf-8", lr_update_rate: int = 100,
                        word_ngrams: int = 1) -> None:
    """Write ``model`` as a fastText ``.bin`` that fastText and :func:`load_facebook_model`
    read (gensim's ``save_facebook_model``); atomically, as every w2v output.

    Raises
    ------
    ConfigError
        For an ``encoding`` other than UTF-8 or ``word_ngrams`` other than 1.
    OutputError
        If the file cannot be written (an old file there is left whole).
    """
    _check_encoding(encoding)
    if word_ngrams != 1:
        raise ConfigError("The {word_ngrams} can only be 1: the model has no word n-grams.")
    vectors = model.model.vectors
    vectors.fasttext_args["lrUpdateRate"] = int(lr_update_rate)
    vectors.save(path, format="fasttext")


def _check_encoding(encoding: str) -> None:
    import codecs

    if codecs.lookup(encoding).name != "utf-8":
        raise ConfigError("The {encoding} must be UTF-8: fastText reads and writes its words "
                          "in UTF-8 (got {name!r}).", name=encoding)
