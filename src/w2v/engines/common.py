"""What every engine shares: the initial weights, the learning-rate schedule, the report hook.

Keeping these in one place is what makes the engines train *the same model*: a change to the
initialisation or the schedule reaches the numba, torch and reference engines at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2v.config import INIT_SCALES, TrainConfig

# Called with each history record while training (e.g. a progress bar).
Report = Callable[[dict[str, Any]], None]


@dataclass
class EngineResult:
    """Trained tables and the history of a run.

    Attributes
    ----------
    input_vectors, output_vectors : np.ndarray
        float32 (V, D): the word vectors (the result) and the context vectors.
    history : list of dict
        Records built by :func:`history_entry`.
    """

    input_vectors: np.ndarray
    output_vectors: np.ndarray
    history: list[dict[str, Any]] = field(default_factory=list)


def initial_input_vectors(rng: np.random.Generator, vocab_size: int, config: TrainConfig,
                          dtype: type = np.float32) -> np.ndarray:
    """Initial input (center) vectors: v ~ U(-s/D, s/D), shape (V, D).

    ``s`` is 0.5 for ``config.init == "word2vec"`` (word2vec.c) and 1 for ``"gensim"``
    (gensim 4). Output vectors start at zero in every engine and are not drawn here.

    Parameters
    ----------
    rng : numpy.random.Generator
        Consumed for V x D uniforms of ``dtype`` (float32 engines and the float64
        reference engine therefore draw different tables from the same seed).
    vocab_size : int
    config : TrainConfig
        ``vector_size`` (D) and ``init`` are read.
    dtype : numpy float type
    """
    dim = config.vector_size
    table = (rng.random((vocab_size, dim), dtype=dtype) - 0.5) / dim
    scale = INIT_SCALES[config.init] / 0.5
    if scale != 1.0:  # scaling after the division keeps the default bit-identical
        table *= dtype(scale)
    return table.astype(dtype, copy=False)


def learning_rate(config: TrainConfig, progress: float) -> float:
    """Learning rate after ``progress`` (0..1) of all epochs: linear from alpha to min_alpha.

    This is word2vec.c's and gensim's schedule; progress past 1 stays at ``min_alpha``.
    """
    return config.alpha - (config.alpha - config.min_alpha) * min(max(progress, 0.0), 1.0)


def history_entry(kind: str, epoch: int, words_done: int, loss_sum: float, pairs: int,
                  words: float, seconds: float, alpha: float, elapsed_s: float) -> dict[str, Any]:
    """One record of ``Model.history``, the same in every engine.

    Parameters
    ----------
    kind : {"interval", "epoch"}
    epoch : int
        0-based epoch; stored 1-based.
    words_done : int
        Corpus words read so far, all epochs.
    loss_sum, pairs : float, int
        Summed loss and number of trained examples (skip-gram pairs or CBOW windows) in the
        record's span; the record stores their mean (NaN when nothing was trained).
    words, seconds : float
        Words read and wall-clock seconds in the record's span (for ``words_per_s``).
    alpha : float
        Learning rate at the end of the span.
    elapsed_s : float
        Seconds since training started.
    """
    return {"kind": kind, "epoch": epoch + 1, "words_done": int(words_done),
            "loss": float(loss_sum / pairs) if pairs else float("nan"), "pairs": int(pairs),
            "words_per_s": float(words / max(seconds, 1e-9)), "alpha": float(alpha),
            "elapsed_s": float(elapsed_s)}
