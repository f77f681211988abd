"""What makes the engines train the same model: the initial weights and the learning rate.

One copy of each, so that a change to the initialisation or the schedule reaches the numba,
torch and numpy engines at once.
"""

from __future__ import annotations

import numpy as np

from w2v.config import INIT_SCALES, TrainConfig
from w2v.dtypes import REAL


def initial_w_in(rng: np.random.Generator, vocab_size: int, config: TrainConfig,
                          dtype: type = REAL) -> np.ndarray:
    """Initial input vectors ``w_in``: v ~ U(-s/D, s/D), shape (V, D).

    ``s`` is 0.5 for ``config.init == "word2vec"`` (word2vec.c) and 1 for ``"gensim"``
    (gensim 4). Output vectors start at zero in every engine and are not drawn here.

    Parameters
    ----------
    rng : numpy.random.Generator
        Consumed for V x D uniforms of ``dtype`` (float32 engines and the float64
        numpy engine therefore draw different tables from the same seed).
    vocab_size : int
    config : TrainConfig
        ``vector_size`` (D) and ``init`` are read.
    dtype : numpy float type
    """
    dim = config.vector_size
    table = rng.random((vocab_size, dim), dtype=dtype)
    table -= 0.5  # in place: no second (V, D) table at the peak of memory
    table /= dim
    scale = INIT_SCALES[config.init] / 0.5
    if scale != 1.0:  # scaling after the division keeps the default bit-identical
        table *= dtype(scale)
    return table.astype(dtype, copy=False)


def initial_w_hs(vocab_size: int, config: TrainConfig) -> np.ndarray | None:
    """The inner-node table of hierarchical softmax at the start, (V - 1, D) float32 zeros
    (word2vec.c's syn1, fastText's hs output rows), or None without ``config.hs``."""
    if not config.hs:
        return None
    return np.zeros((max(vocab_size - 1, 0), config.vector_size), dtype=REAL)


def learning_rate(config: TrainConfig, progress: float) -> float:
    """Learning rate after ``progress`` (0..1) of all epochs: linear from alpha to min_alpha.

    This is word2vec.c's and gensim's schedule; progress past 1 stays at ``min_alpha``.
    """
    return config.alpha - (config.alpha - config.min_alpha) * min(max(progress, 0.0), 1.0)
