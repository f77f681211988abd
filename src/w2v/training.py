"""``train(corpus, **config) -> Model``: count, encode, pick the engine, wrap the result.

Every engine receives the same :class:`~w2v.corpus.EncodedCorpus`, :class:`~w2v.vocab.Vocab`
and :class:`~w2v.config.TrainConfig` and returns input vectors, output vectors and a
history; this module turns that into a :class:`Model`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import CorpusStats, EncodedCorpus, encode_corpus, sentences_from
from w2v.engines.common import Report
from w2v.errors import CorpusError
from w2v.vectors import Vectors
from w2v.vocab import Vocab, build_vocab

if TYPE_CHECKING:
    from w2v.checkpoint import Checkpointer



@dataclass
class Model:
    """A trained model.

    Attributes
    ----------
    vectors : Vectors
        The input ("word") vectors, float32 (V, D), row i is ``vocab.words[i]``.
    output_vectors : np.ndarray
        float32 (V, D): the output (context) vectors, same row order.
    config : TrainConfig
        The options it was trained with.
    vocab : Vocab
        Words, counts and ids.
    history : list of dict
        One record per reporting interval (kind "interval") and per epoch (kind "epoch"):
        epoch (1-based), words_done, loss (mean loss per trained pair: skip-gram
        (center, context) pair or CBOW window), pairs, words_per_s (wall clock), alpha,
        elapsed_s.
    stats : dict
        Facts of the run: corpus tokens read, in-vocabulary words, invalid UTF-8 bytes,
        training seconds.
    """

    vectors: Vectors
    output_vectors: np.ndarray
    config: TrainConfig
    vocab: Vocab
    history: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | os.PathLike[str], format: str = "text") -> None:
        """Save the input vectors as ``"text"``, ``"binary"`` or ``"native"`` (``Vectors.save``)."""
        self.vectors.save(path, format=format)

    def epoch_losses(self) -> list[float]:
        """Mean loss per trained pair of each epoch."""
        return [h["loss"] for h in self.history if h["kind"] == "epoch"]


def train(corpus: Any, *, report: Report | None = None, checkpoint: Checkpointer | None = None,
          max_memory: int | None = None, **config: Any) -> Model:
    """Train word2vec on a corpus.

    Parameters
    ----------
    corpus : path, list of list of str, or iterable of list of str
        A text file (``.gz``/``.bz2`` too) or folder, or sentences as token lists.
        A one-shot iterator is read into memory first (it is needed twice).
    report : callable, optional
        Called with each history record while training (e.g. a progress bar). If it has a
        ``start(total_words, epochs)`` method, that is called first, once the corpus is
        encoded (:class:`w2v.progress.TrainingProgress` does).
    max_memory : int, optional
        Bytes the encoded id array (4 bytes a word) may take in memory; a larger corpus is
        encoded to a memory-mapped temporary file. None: the corpus module's default
        (:data:`w2v.corpus.MEMMAP_THRESHOLD` ids).
    checkpoint : w2v.checkpoint.Checkpointer, optional
        Saves checkpoints between chunks, resumes from one, and turns SIGINT/SIGTERM into a
        checkpoint and :class:`~w2v.checkpoint.TrainingInterrupted` (numba engine only).
    **config
        Options of :class:`~w2v.config.TrainConfig` (gensim names: ``sg, vector_size,
        window, negative, sample, min_count, epochs, workers, alpha, min_alpha,
        ns_exponent, seed``, plus ``loss``, ``engine``, ``device``, ...).

    Returns
    -------
    Model

    Raises
    ------
    ConfigError
        For an unknown or out-of-range option.
    InputNotFoundError, CorpusError
        If the corpus is missing, empty, or has no word left after ``min_count``.
    DivergenceError
        If the loss becomes non-finite.
    """
    cfg = TrainConfig.from_options(**config)
    is_path = isinstance(corpus, (str, os.PathLike))
    if not is_path and isinstance(corpus, Iterable) and iter(corpus) is corpus:
        corpus = list(corpus)  # a generator would be empty on the second pass
    name = f"Corpus '{corpus}'" if is_path else "The corpus"
    stats = CorpusStats()
    vocab = build_vocab(sentences_from(corpus, cfg.max_sentence_length, stats=stats),
                        cfg.min_count, cfg.max_vocab_size, cfg.max_final_vocab, source_name=name)
    threshold = {} if max_memory is None else {"memmap_threshold": max(max_memory // 4, 1)}
    encoded = encode_corpus(corpus, vocab, cfg.max_sentence_length, **threshold)
    _check_trainable(name, vocab, encoded, cfg)
    if report is not None and hasattr(report, "start"):
        report.start(int(len(encoded.ids)), cfg.epochs)
    engine_train = _engine_train(cfg)
    t0 = time.perf_counter()
    if checkpoint is None:
        result = engine_train(encoded, vocab, cfg, report)
    else:  # the checkpoint module hooks into the driver between chunks
        state = checkpoint.start(cfg, vocab, encoded)
        with checkpoint.catch_signals():
            result = engine_train(encoded, vocab, cfg, report, state=state, control=checkpoint)
    seconds = time.perf_counter() - t0
    run_stats = {"tokens": stats.tokens, "train_words": int(len(encoded.ids)),
                 "invalid_utf8_bytes": stats.invalid_bytes, "vocab_size": len(vocab),
                 "train_seconds": seconds,
                 "words_per_s": stats.tokens * cfg.epochs / max(seconds, 1e-9)}
    return Model(vectors=Vectors(list(vocab.words), np.asarray(result.input_vectors)),
                 output_vectors=np.asarray(result.output_vectors), config=cfg, vocab=vocab,
                 history=list(result.history), stats=run_stats)


def _check_trainable(name: str, vocab: Vocab, encoded: EncodedCorpus, cfg: TrainConfig) -> None:
    """Refuse a corpus that gives no training pair (it would 'train' to a NaN loss)."""
    lengths = np.diff(encoded.sentence_starts)
    if not len(lengths) or lengths.max() < 2:
        raise CorpusError(
            f"{name} has no sentence with two in-vocabulary words, so no (center, context) "
            f"pair to train on; give more text or lower --min-count (now {cfg.min_count}).")
    if len(vocab) < 2:
        raise CorpusError(
            f"{name} has a single word ('{vocab.words[0]}') with count >= min_count="
            f"{cfg.min_count}; word2vec needs at least two. Lower --min-count or give more text.")


def _engine_train(cfg: TrainConfig) -> Callable[..., Any]:
    """The engine's ``train(encoded, vocab, config, report)``, imported on demand."""
    if cfg.engine == "numba":
        from w2v.engines.numba_engine import train as engine_train
    elif cfg.engine == "reference":
        from w2v.engines.reference import train as engine_train
    else:
        from w2v.engines.torch_engine import train as engine_train
    return engine_train
