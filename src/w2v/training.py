"""``train(corpus, **config) -> Model``: count, encode, ask the registry for the engine, wrap.

Every engine receives the same :class:`~w2v.corpus.EncodedCorpus`, :class:`~w2v.vocab.Vocab`
and :class:`~w2v.config.TrainConfig` and returns an
:class:`~w2v.engines.contract.EngineResult`; this module turns it into a :class:`Model`.
Training to files, with checkpoints and save on interrupt, is :func:`w2v.job.train_to_path`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.callbacks import Callback, CallbackList
from w2v.config import TrainConfig
from w2v.corpus import CorpusStats, EncodedCorpus, encode_corpus, sentences_from
from w2v.engines import registry
from w2v.engines.contract import EngineResult, HistoryRecord
from w2v.errors import ConfigError, CorpusError
from w2v.sources import readable_corpus
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
        The input ("word") vectors ``w_in``, float32 (V, D), row i is ``vocab.words[i]``.
    output_vectors : np.ndarray
        float32 (V, D): the output vectors ``w_out``, same row order.
    config : TrainConfig
        The options it was trained with.
    vocab : Vocab
        Words, counts and ids.
    history : list of HistoryRecord
        One record per reporting interval (kind "interval") and per epoch (kind "epoch").
    stats : dict
        Facts of the run: corpus tokens read, in-vocabulary words, invalid UTF-8 bytes,
        training seconds, trained examples, the device, and the engine's own details.
    """

    vectors: Vectors
    output_vectors: np.ndarray
    config: TrainConfig
    vocab: Vocab
    history: list[HistoryRecord] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | os.PathLike[str], format: str = "text") -> None:
        """Save the input vectors as ``"text"``, ``"binary"`` or ``"native"`` (``Vectors.save``)."""
        self.vectors.save(path, format=format)

    def epoch_losses(self) -> list[float]:
        """Mean loss per trained example of each epoch."""
        return [record.loss for record in self.history if record.kind == "epoch"]


def train(corpus: Any, *, callbacks: Sequence[Callback] = (),
          checkpoint: Checkpointer | None = None, max_memory: int | None = None,
          distributed: Any = False, **config: Any) -> Model:
    """Train word2vec on a corpus.

    Parameters
    ----------
    corpus : path, list of list of str, or iterable of list of str
        A text file (``.gz``/``.bz2`` too) or folder, or sentences as token lists.
        A one-shot iterator is read into memory first (it is needed twice).
    callbacks : sequence of w2v.callbacks.Callback, optional
        Told when training begins, given each history record, and given the model at the
        end (e.g. :class:`w2v.progress.TrainingProgress`).
    checkpoint : w2v.checkpoint.Checkpointer, optional
        Saves checkpoints between chunks, resumes from one, and turns SIGINT/SIGTERM into a
        checkpoint and :class:`~w2v.checkpoint.TrainingInterrupted`. Only engines whose
        registry entry says ``checkpoints`` take one (the numba engine).
    max_memory : int, optional
        Bytes the encoded id array (4 bytes a word) may take in memory; a larger corpus is
        encoded to a memory-mapped temporary file. None: the corpus module's default
        (:data:`w2v.corpus.MEMMAP_THRESHOLD` ids).
    distributed : bool, dict or w2v.distributed.DistributedOptions
        True (or sync options) in a script launched by torchrun: every rank trains its
        share of the corpus (a path) and returns the same model
        (:func:`w2v.distributed.train`; checkpoints go through :mod:`w2v.distributed.job`).
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
        For an unknown or out-of-range option, or a checkpoint with an engine that cannot
        take one.
    InputNotFoundError, CorpusError
        If the corpus is missing or empty, has no word left after ``min_count``, or gives
        no training example.
    DivergenceError
        If the loss becomes non-finite.
    """
    if distributed is not False:
        return _train_distributed(corpus, distributed, callbacks, checkpoint, max_memory,
                                  config)
    cfg = TrainConfig.from_options(**config)
    engine = registry.get(cfg.engine)
    if checkpoint is not None and not engine.checkpoints:
        raise ConfigError("The {engine} {name!r} cannot checkpoint or resume; only the 'numba' "
                          "engine can.", name=cfg.engine)
    is_path = isinstance(corpus, (str, os.PathLike))
    if not is_path and isinstance(corpus, Iterable) and iter(corpus) is corpus:
        corpus = list(corpus)  # a generator would be empty on the second pass
    name = f"Corpus '{corpus}'" if is_path else "The corpus"
    # A pipe is read once into a temporary file: counting and encoding both read the corpus.
    with readable_corpus(corpus) if is_path else contextlib.nullcontext(corpus) as source:
        stats = CorpusStats()
        vocab = build_vocab(sentences_from(source, cfg.max_sentence_length, stats=stats),
                            cfg.min_count, cfg.max_vocab_size, cfg.max_final_vocab,
                            source_name=name)
        _check_text(name, stats)
        check_fits_in_memory(vocab, stats.tokens, cfg)
        threshold = {} if max_memory is None else {"memmap_threshold": max(max_memory // 4, 1)}
        encoded = encode_corpus(source, vocab, cfg.max_sentence_length, **threshold)
    _check_trainable(name, vocab, encoded, cfg)
    observers = CallbackList(callbacks)
    observers.on_train_begin(int(len(encoded.ids)), cfg.epochs)
    engine_train = engine.load()
    t0 = time.perf_counter()
    if checkpoint is None:
        result = engine_train(encoded, vocab, cfg, report=observers.on_record)
    else:  # the checkpointer is the engine's control between chunks
        state = checkpoint.start(cfg, vocab, encoded)
        with checkpoint.catch_signals():
            result = engine_train(encoded, vocab, cfg, report=observers.on_record, state=state,
                                  control=checkpoint)
    seconds = time.perf_counter() - t0
    _check_trained(name, result, cfg)
    model = Model(vectors=Vectors(list(vocab.words), np.asarray(result.w_in)),
                  output_vectors=np.asarray(result.w_out), config=cfg, vocab=vocab,
                  history=list(result.history),
                  stats=_run_stats(stats, encoded, vocab, cfg, seconds, result))
    observers.on_train_end(model)
    return model


def _train_distributed(corpus: Any, distributed: Any, callbacks: Sequence[Callback],
                       checkpoint: Checkpointer | None, max_memory: int | None,
                       config: dict[str, Any]) -> Model:
    """``train(..., distributed=...)``: every rank of a torchrun launch trains its share."""
    from w2v.distributed import DistributedOptions
    from w2v.distributed import train as train_ranks

    if checkpoint is not None:
        raise ConfigError("A distributed run checkpoints through w2v.distributed.job."
                          "train_to_path (rank 0 writes); the {checkpoint} cannot be given.")
    if not isinstance(corpus, (str, os.PathLike)):
        raise ConfigError("A distributed run reads its corpus by shares of files: give a path, "
                          "not sentences in memory ({distributed}).")
    return train_ranks(corpus, options=DistributedOptions.of(distributed), callbacks=callbacks,
                       max_memory=max_memory, **config)


def _run_stats(stats: CorpusStats, encoded: EncodedCorpus, vocab: Vocab, cfg: TrainConfig,
               seconds: float, result: EngineResult) -> dict[str, Any]:
    return {"tokens": stats.tokens, "train_words": int(len(encoded.ids)),
            "invalid_utf8_bytes": stats.invalid_bytes, "vocab_size": len(vocab),
            "train_seconds": seconds,
            "words_per_s": stats.tokens * cfg.epochs / max(seconds, 1e-9),
            "examples": result.examples, "device": result.device, **result.details}


# Above this share of invalid bytes a file is not text in UTF-8 (a binary file, Latin-1 is
# far below it: one byte in a few words).
MAX_INVALID_SHARE = 0.2


def _check_text(name: str, stats: CorpusStats) -> None:
    """Refuse a corpus that is mostly bytes that are not UTF-8 (a binary file)."""
    if stats.characters and stats.invalid_bytes > MAX_INVALID_SHARE * stats.characters:
        raise CorpusError("{name} is not UTF-8 text: {share:.0%} of its bytes are invalid. "
                          "Give a text file (w2v reads UTF-8, UTF-16 or UTF-32 with a "
                          "byte-order mark).", name=name,
                          share=stats.invalid_bytes / stats.characters)


def check_fits_in_memory(vocab: Vocab, tokens: int, cfg: TrainConfig) -> None:
    """Refuse, before any allocation, a run whose tables cannot fit in the free memory.

    The estimate counts the two float32 (V, D) tables, the id array (4 bytes a token, all
    of it, though a large corpus is memory-mapped) and, for negatives, each worker's
    buffers; the available memory is Linux's MemAvailable (no check elsewhere).

    Raises
    ------
    ConfigError
        If the tables need more memory than is available.
    """
    need = 2 * len(vocab) * cfg.vector_size * 4 + tokens * 4
    available = available_memory()
    if available is not None and need > available:
        gib = 1 << 30
        raise ConfigError("The run needs about {need:.1f} GiB of memory (two tables of {v:,} "
                          "words x {d} dims, and {n:,} word ids) but {free:.1f} GiB are "
                          "available. Lower the {vector_size} or raise the {min_count}.",
                          parameter="vector_size", need=need / gib, v=len(vocab),
                          d=cfg.vector_size, n=tokens, free=available / gib)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_trainable(name: str, vocab: Vocab, encoded: EncodedCorpus, cfg: TrainConfig) -> None:
    """Refuse a corpus that gives no training pair (it would 'train' to a NaN loss)."""
    lengths = np.diff(encoded.sentence_starts)
    if not len(lengths) or lengths.max() < 2:
        raise CorpusError(
            "{name} has no sentence with two in-vocabulary words, so no (center, context) "
            "pair to train on; give more text or lower the {min_count} (now {now}).",
            name=name, now=cfg.min_count)
    if len(vocab) < 2:
        raise CorpusError(
            "{name} has a single word ({word!r}) with count >= {now}; word2vec needs at "
            "least two. Lower the {min_count} or give more text.", name=name,
            word=vocab.words[0], now=cfg.min_count)
    if cfg.loss == "neg" and cfg.negative > len(vocab):
        raise ConfigError("The {negative} ({k}) exceeds the vocabulary ({v} words): every "
                          "center would draw each word several times. Use at most {v}.",
                          k=cfg.negative, v=len(vocab))


def _check_trained(name: str, result: EngineResult, cfg: TrainConfig) -> None:
    """Refuse a run in which subsampling left nothing to train (its vectors are untrained)."""
    if result.examples == 0:
        raise CorpusError(
            "{name} gave no training example in {epochs} epoch(s): subsampling dropped "
            "nearly every word of so small a corpus. Give more text, or raise the {sample} "
            "(now {now}; 0 keeps every word).", name=name, epochs=cfg.epochs, now=cfg.sample)
