"""A fastText ``.bin`` as a whole :class:`~w2v.training.Model`: queried, and trained further.

fastText's ``.bin`` keeps what training needs (:mod:`w2v.formats.fasttext_bin`): the
arguments, the vocabulary with counts, the input table of word and n-gram rows and the
output rows. :func:`model_from_fasttext` turns one into a subword model (gensim's
``load_facebook_model``), whose ``train`` goes on from those weights and whose
``build_vocab`` adds new words; a model trained here is written back with
``model.save(path, format="fasttext")``.

The arguments map to w2v's options as fastText names them:

==================  ==============================================================
fastText            w2v (:class:`~w2v.config.TrainConfig`)
==================  ==============================================================
dim, ws, epoch      vector_size, window, epochs
minCount, neg, t    min_count, negative, sample
minn, maxn, bucket  min_n, max_n, bucket
model 1 / 2         sg False (CBOW) / True (skip-gram)
loss 2 (ns)         negative sampling; loss 1 (hs): ``hs=True, negative=0``
==================  ==============================================================

The file does not keep the learning rate: training further uses w2v's default for
subwords (fastText's 0.05) unless one is given. Classifiers (``-supervised``) and models
trained with the full softmax or one-vs-all loss are refused: they are not this model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.config import TrainConfig
from w2v.dtypes import REAL
from w2v.errors import FormatError

if TYPE_CHECKING:
    from w2v.formats.fasttext_bin import FastTextModel
    from w2v.training import Model

_HS, _NS = 1, 2  # fastText's loss numbers
_CBOW, _SKIPGRAM = 1, 2  # and its model numbers


def is_fasttext_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that begins as a fastText model does (its magic number, or
    an unmarked file's arguments: :func:`~w2v.formats.fasttext_bin.is_fasttext_bin`)."""
    from w2v.formats.fasttext_bin import is_fasttext_bin

    if not Path(path).is_file():
        return False
    try:
        with open(path, "rb") as handle:
            return is_fasttext_bin(handle.read(64))
    except OSError:
        return False


def model_from_fasttext(path: str | os.PathLike[str], **options: Any) -> Model:
    """The subword :class:`~w2v.training.Model` a fastText ``.bin`` holds.

    Parameters
    ----------
    path : path-like
        A ``.bin`` written by fastText (``fasttext skipgram``/``cbow``, Facebook's published
        models) or by w2v.
    **options
        w2v options for later training (``alpha``, ``workers``, ``seed``, ...); those the
        file defines (the table above) cannot be given.

    Returns
    -------
    Model
        Its vectors are :class:`~w2v.subword_vectors.SubwordVectors` over the file's input
        table (memory-mapped: training further copies it); ``epochs_done`` is the file's
        epochs (a finished schedule: ``train`` starts a new one).

    Raises
    ------
    FormatError
        If the file is not a fastText model w2v reads (see
        :func:`~w2v.formats.fasttext_bin.read_fasttext_bin`), or is a classifier, or was
        trained with a loss w2v does not train.
    ConfigError
        If an option is unknown, out of range, or defined by the file.
    """
    from w2v.formats.fasttext_bin import read_fasttext_bin
    from w2v.training import Model, vectors_from_tables
    from w2v.vocab import Vocab

    stored = read_fasttext_bin(path)
    config = fasttext_config(stored, path, options)
    vocab = Vocab(words=list(stored.words), counts=np.maximum(stored.counts, 1),
                  total_words=max(int(stored.ntokens), int(stored.counts.sum())))
    w_out, w_hs = _output_tables(stored, config)
    vectors = vectors_from_tables(vocab, config, stored.input_matrix, w_out, w_hs)
    return Model(vectors=vectors, output_vectors=w_out, config=config, vocab=vocab,
                 epochs_done=config.epochs, hs_vectors=w_hs,
                 stats={"tokens": int(stored.ntokens), "fasttext_file": str(path)})


def fasttext_config(stored: FastTextModel, path: str | os.PathLike[str],
                    options: dict[str, Any]) -> TrainConfig:
    """The :class:`TrainConfig` of a read ``.bin``'s arguments, with ``options`` added."""
    from w2v.errors import ConfigError

    args = stored.args
    if args["model"] not in (_CBOW, _SKIPGRAM) or stored.labels:
        raise FormatError(f"{path}: a fastText classifier (-supervised), not word vectors; "
                          f"w2v reads and trains the unsupervised models (skipgram, cbow).")
    if args["loss"] not in (_HS, _NS):
        from w2v.formats.fasttext_bin import LOSSES

        raise FormatError(f"{path}: trained with fastText's {LOSSES.get(args['loss'], '?')} "
                          f"loss; w2v trains subword models with ns or hs only.")
    hs = args["loss"] == _HS
    defined = {"subwords": True, "vector_size": args["dim"], "window": args["ws"],
               "epochs": args["epoch"], "min_count": args["minCount"],
               "negative": 0 if hs else args["neg"], "hs": hs,
               "sg": args["model"] == _SKIPGRAM, "sample": args["t"], "min_n": args["minn"],
               "max_n": args["maxn"], "bucket": args["bucket"]}
    for name in options:
        if name in defined:
            raise ConfigError("The {" + name + "} is defined by the fastText model '{path}' "
                              "and cannot be given when it is read.", path=str(path))
    return TrainConfig.from_options(**defined, **options)


def _output_tables(stored: FastTextModel, config: TrainConfig
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """(w_out (V, D), w_hs (V - 1, D) or None) from the file's output matrix.

    With hierarchical softmax fastText's output row n is inner node n of the Huffman tree
    of the sorted counts, the tree w2v builds too (its last row is never used); the
    negative-sampling rows are then zero.
    """
    output = np.asarray(stored.output_matrix)
    words, dim = len(stored.words), config.vector_size
    if output.shape != (words, dim):
        raise FormatError(f"The fastText model's output matrix is {output.shape[0]:,} x "
                          f"{output.shape[1]}; a model of {words:,} words needs {words:,} x "
                          f"{dim}.")
    if config.hs:
        return np.zeros((words, dim), dtype=REAL), output[:max(words - 1, 0)]
    return output, None
