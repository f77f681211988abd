"""``train(corpus, **config) -> Model``: count, encode, ask the registry for the engine, wrap.

Every engine receives the same :class:`~w2v.corpus.EncodedCorpus`, :class:`~w2v.vocab.Vocab`
and :class:`~w2v.config.TrainConfig` and returns an
:class:`~w2v.engines.contract.EngineResult`; this module turns it into a :class:`Model`.
Training to files, with checkpoints and save on interrupt, is :func:`w2v.job.train_to_path`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.callbacks import Callback, CallbackList
from w2v.config import TrainConfig
from w2v.corpus import CorpusStats, EncodedCorpus, encode_corpus, sentences_from
from w2v.corpus_scan import scan_corpus
from w2v.engines import registry
from w2v.engines.contract import EngineResult, HistoryRecord, TrainingState
from w2v.errors import ConfigError, CorpusError
from w2v.logs import log_vocab
from w2v.sources import readable_corpus
from w2v.vectors import Vectors
from w2v.vocab import TrimRule, Vocab, build_vocab, vocab_from_counts

if TYPE_CHECKING:
    from w2v.checkpoint import Checkpointer


@dataclass
class Model:
    """A trained model.

    Attributes
    ----------
    vectors : Vectors
        The input ("word") vectors ``w_in``, float32 (V, D), row i is ``vocab.words[i]``.
        One object for the model's life: training further (and each epoch, for callbacks)
        and a vocabulary update renew its contents in place, so a reference to it always
        sees the model as it is (as gensim's ``model.wv``).
    output_vectors : np.ndarray
        float32 (V, D): the output vectors ``w_out``, same row order.
    config : TrainConfig
        The options it was trained with.
    vocab : Vocab
        Words, counts and ids.
    history : list of HistoryRecord
        One record per reporting interval (kind "interval") and per epoch (kind "epoch"),
        of every training call (a loaded model keeps the epoch records).
    stats : dict
        Facts of the last training call: corpus tokens read, in-vocabulary words, invalid
        UTF-8 bytes, training seconds, epochs trained, trained examples, the device, and
        the engine's own details.
    epochs_done : int
        Epochs of the learning-rate schedule (``config.epochs`` epochs, ``alpha`` to
        ``min_alpha``) trained so far; fewer than ``config.epochs`` after an early stop,
        and then :meth:`train` without ``epochs`` finishes the schedule.
    rng_states : np.ndarray or None
        uint64 (workers, 1): the numba kernels' RNG states where training stopped (None
        after an engine that cannot resume).
    stop_training : bool
        Set it to True in a callback's ``on_epoch_end`` to stop after that epoch.
    hs_vectors : np.ndarray or None
        float32 (V - 1, D): the hierarchical softmax's inner-node vectors ``w_hs``, row n
        is inner node n of ``vocab.huffman_tree()`` (``hs=True``; None otherwise).
    """

    vectors: Vectors
    output_vectors: np.ndarray
    config: TrainConfig
    vocab: Vocab
    history: list[HistoryRecord] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    epochs_done: int = 0
    rng_states: np.ndarray | None = field(default=None, repr=False)
    stop_training: bool = False
    hs_vectors: np.ndarray | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "vectors":
            value = self._renewed(value)
        object.__setattr__(self, name, value)
        if name in ("vectors", "vocab"):
            self._share_counts()

    def _renewed(self, vectors: Vectors) -> Vectors:
        """The vectors object to keep for new ``vectors``: the model's own object, now holding
        their state (:meth:`Vectors._take_state_of`), when it is of their class or a
        subclass of it; else ``vectors`` themselves."""
        current = self.__dict__.get("vectors")
        if current is None or current is vectors or not isinstance(current, type(vectors)):
            return vectors
        current._take_state_of(vectors)
        return current

    def use_vectors(self, vectors: Vectors) -> None:
        """Make ``vectors`` (the vocabulary's words in row order, of this model's kind and
        dimension) the model's vectors object, whose rows training then goes on from
        (gensim's ``model.wv = kv``).

        Raises
        ------
        ConfigError
            If their words, their order, their dimension or their kind (subword or not)
            differ from the model's.
        """
        from w2v.subword_vectors import SubwordVectors

        subwords = bool(self.config.subwords)
        if not isinstance(vectors, Vectors) or isinstance(vectors, SubwordVectors) != subwords \
                or vectors.vector_size != self.config.vector_size \
                or list(vectors.index_to_key) != list(self.vocab.words) \
                or (subwords and vectors.input_table.shape != self.input_table.shape):
            raise ConfigError("The model's vectors can only be replaced by vectors of its own "
                              "words in its row order, of its dimension and kind ({n:,} "
                              "words x {d}, {kind}); to start from other vectors, train a "
                              "model whose vocabulary is theirs, or copy rows in with "
                              "intersect_word2vec_format.", n=len(self.vocab),
                              d=self.config.vector_size,
                              kind="subword vectors" if subwords else "word vectors")
        object.__setattr__(self, "vectors", vectors)
        self._share_counts()

    def _share_counts(self) -> None:
        """Give the vectors the vocabulary's counts as their ``"count"`` attribute (gensim's
        ``wv.get_vecattr(word, "count")``): the same array, not a copy, once both exist."""
        vectors, vocab = self.__dict__.get("vectors"), self.__dict__.get("vocab")
        if vectors is not None:
            vectors.of_model = True
        if vectors is not None and vocab is not None and len(vocab.counts) == len(vectors):
            vectors.expandos["count"] = vocab.counts

    @property
    def input_table(self) -> np.ndarray:
        """The input weight table the engine trains, float32: ``vectors.vectors`` (V, D), or
        for a subword model the whole table of word and n-gram rows (V + bucket, D)."""
        if self.config.subwords:
            return self.vectors.input_table
        return self.vectors.vectors

    def save(self, path: str | os.PathLike[str], format: str = "model") -> None:
        """Save the whole model (``"model"``, the default) or only its input vectors.

        Parameters
        ----------
        path : path-like
            A folder for ``"model"`` and ``"native"``, a file for ``"text"``/``"binary"``
            (and ``"fasttext"``, a subword model as fastText's ``.bin``).
        format : {"model", "text", "binary", "native", "fasttext"}
            ``"model"`` writes everything needed to continue training, subword models too
            (:mod:`w2v.model_file`; read it back with :func:`w2v.load_model`); the others
            write the input vectors (:meth:`Vectors.save`).

        Raises
        ------
        OutputError
            If the path cannot be written (an old model there is left whole).
        """
        if format == "model":
            from w2v.model_file import save_model

            save_model(self, path)
        else:
            self.vectors.save(path, format=format)

    @classmethod
    def load(cls, path: str | os.PathLike[str], mmap: bool = True) -> Model:
        """Read a model folder written by :meth:`save` (see :func:`w2v.model_file.load_model`)."""
        from w2v.model_file import load_model

        return load_model(path, mmap=mmap)

    def train(self, corpus: Any, *, epochs: int | None = None, update_vocab: bool = False,
              callbacks: Sequence[Callback] = (), **options: Any) -> Model:
        """Train further on ``corpus``; see :func:`w2v.continuing.continue_training`."""
        from w2v.continuing import continue_training

        return continue_training(self, corpus, epochs=epochs, update_vocab=update_vocab,
                                 callbacks=callbacks, **options)

    def build_vocab(self, corpus: Any, update: bool = True, **options: Any) -> int:
        """Add a corpus's words and counts (gensim's ``build_vocab(update=True)``).

        See :func:`w2v.continuing.update_vocab`; returns the number of new words.
        """
        from w2v.continuing import update_vocab

        if not update:
            raise ConfigError("A trained model's vocabulary can only grow ({update}=True); "
                              "train a new model with w2v.train for a new vocabulary.")
        return update_vocab(self, corpus, **options)

    def epoch_losses(self) -> list[float]:
        """Mean loss per trained example of each epoch."""
        return [record.loss for record in self.history if record.kind == "epoch"]


def vectors_from_tables(vocab: Vocab, config: TrainConfig, w_in: np.ndarray,
                        w_out: np.ndarray, w_hs: np.ndarray | None,
                        index: Any = None) -> Vectors:
    """The :class:`Vectors` of a model's tables: the rows of ``w_in`` (V, D), or for a
    subword model (``config.subwords``, ``w_in`` (V + bucket, D)) the words composed from
    their subword rows, with vectors for unseen words (``index``: the vocabulary's
    :class:`~w2v.subwords.SubwordIndex` if already built)."""
    if config.subwords:
        from w2v.subword_vectors import SubwordVectors

        return SubwordVectors.from_training(vocab, config, w_in, w_out, w_hs, index=index)
    return Vectors(list(vocab.words), w_in)


def train(corpus: Any, *, callbacks: Sequence[Callback] = (),
          checkpoint: Checkpointer | None = None, max_memory: int | None = None,
          trim_rule: TrimRule | None = None, distributed: Any = False,
          **config: Any) -> Model:
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
    trim_rule : callable, optional
        gensim's ``trim_rule(word, count, min_count)``, returning ``w2v.vocab.RULE_KEEP``,
        ``RULE_DISCARD`` or ``RULE_DEFAULT`` (or gensim's own ``gensim.utils.RULE_*``):
        which words the vocabulary keeps. Not an option of the config (a callable is not
        saved with a model or a checkpoint).
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
        if trim_rule is not None:
            raise ConfigError("A distributed run counts its vocabulary on every rank and "
                              "takes no {trim_rule} yet; leave it out.")
        return _train_distributed(corpus, distributed, callbacks, checkpoint, max_memory,
                                  config)
    cfg = TrainConfig.from_options(**config)
    check_engine(cfg, checkpoint, callbacks)
    is_path = isinstance(corpus, (str, os.PathLike))
    if not is_path and isinstance(corpus, Iterable) and iter(corpus) is corpus:
        corpus = list(corpus)  # a generator would be empty on the second pass
    name = f"Corpus '{corpus}'" if is_path else "The corpus"
    with collector_paused():
        if not cfg.subwords:  # the word kernels compile (or load) while the corpus is read
            registry.get(cfg.engine).prepare(cfg)
        # A pipe is read once into a temporary file: a vocabulary pruned while counting
        # (max_vocab_size) reads the corpus twice.
        with readable_corpus(corpus) if is_path else contextlib.nullcontext(corpus) as source:
            vocab, encoded, stats = _read_corpus(name, source, cfg, trim_rule, max_memory)
    _check_trainable(name, vocab, encoded, cfg)
    state = checkpoint.start(cfg, vocab, encoded) if checkpoint is not None else None
    return run_engine(name, encoded, vocab, cfg, callbacks, stats=stats, state=state,
                      checkpoint=checkpoint)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside, as it was after.

    Reading a corpus makes a few hundred thousand small objects (the words, their counts, the
    vocabulary), none of them in a cycle, so the collector finds nothing; but they trigger its
    full collections, each of which walks every object of the process, numba's loaded
    kernels among them: 50-90 ms of a CBOW run on the text8 prefix (2.0 s). Objects are still
    freed as their last reference goes; a cycle made inside waits for the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_corpus(name: str, source: Any, cfg: TrainConfig, trim_rule: TrimRule | None,
                 max_memory: int | None) -> tuple[Vocab, EncodedCorpus, CorpusStats]:
    """The corpus's vocabulary and its encoding, from one pass over it where possible.

    One pass (:mod:`w2v.corpus_scan`) unless ``max_vocab_size`` prunes the counts while
    reading; then the corpus is counted, and read again to encode it. Either way the
    vocabulary is checked (text, memory) before the encoded corpus is built.
    """
    stats = CorpusStats()
    threshold = {} if max_memory is None else {"memmap_threshold": max(max_memory // 4, 1)}
    vocab_options = {"source_name": name, "trim_rule": trim_rule,
                     "sorted_vocab": cfg.sorted_vocab}
    if cfg.max_vocab_size is None:
        scanned = scan_corpus(source, cfg.max_sentence_length, stats, **threshold)
        vocab = vocab_from_counts(scanned.counts(), stats.tokens, cfg.min_count,
                                  cfg.max_final_vocab, **vocab_options)
    else:
        vocab = build_vocab(sentences_from(source, cfg.max_sentence_length, stats=stats),
                            cfg.min_count, cfg.max_vocab_size, cfg.max_final_vocab,
                            **vocab_options)
    log_vocab(vocab, cfg)
    _check_text(name, stats)
    check_fits_in_memory(vocab, stats.tokens, cfg)
    if cfg.max_vocab_size is None:
        return vocab, scanned.encode(vocab, **threshold), stats
    return vocab, encode_corpus(source, vocab, cfg.max_sentence_length, **threshold), stats


def run_engine(name: str, encoded: EncodedCorpus, vocab: Vocab, cfg: TrainConfig,
               callbacks: Sequence[Callback], *, stats: CorpusStats,
               state: TrainingState | None = None, checkpoint: Checkpointer | None = None,
               model: Model | None = None) -> Model:
    """Train an encoded corpus with the config's engine; the trained :class:`Model`.

    ``state`` (numba engine) is where training starts: a checkpoint, or the weights of a
    model that training continues (``model``, which is then updated in place and returned).
    ``checkpoint`` is the engine's control between chunks that also catches SIGINT/SIGTERM
    (``catch_signals()``): a :class:`~w2v.checkpoint.Checkpointer`, or
    :class:`w2v.job.StopOnSignal`. The callbacks are told about the run, its records and
    its epochs.
    """
    from w2v.epochs import EpochControl
    from w2v.logs import TrainingLog

    engine = registry.get(cfg.engine)
    observers = CallbackList(callbacks)
    observers.callbacks.append(TrainingLog(cfg, len(vocab)))
    control = EpochControl(observers, vocab, cfg, inner=checkpoint, model=model)
    observers.on_train_begin(int(len(encoded.ids)), cfg.epochs)
    extra: dict[str, Any] = {}
    if engine.checkpoints:
        extra["state"] = state
    if engine.checkpoints or engine.epoch_callbacks:
        extra["control"] = control  # the checkpointer, if any, is asked through it
    start_epoch = state.epoch if state is not None else 0
    engine_train = engine.load_subwords() if cfg.subwords else engine.load()
    t0 = time.perf_counter()
    with checkpoint.catch_signals() if checkpoint is not None else contextlib.nullcontext():
        result = engine_train(encoded, vocab, cfg, report=control.on_record, **extra)
    seconds = time.perf_counter() - t0
    _check_trained(name, result, cfg)
    epochs = (result.state.epoch if result.state is not None else
              start_epoch + sum(r.kind == "epoch" for r in result.history)) - start_epoch
    run_stats = _run_stats(stats, encoded, vocab, seconds, result, epochs)
    model = control.finish(result, start_epoch, run_stats)
    observers.on_train_end(model)
    return model


def check_engine(cfg: TrainConfig, checkpoint: Checkpointer | None,
                 callbacks: Sequence[Callback]) -> None:
    """Refuse a checkpoint or an epoch callback that the config's engine cannot serve."""
    engine = registry.get(cfg.engine)
    if checkpoint is not None and not engine.checkpoints:
        raise ConfigError("The {engine} {name!r} cannot checkpoint or resume; only the 'numba' "
                          "engine can.", name=cfg.engine)
    _check_subwords(cfg, engine)
    if not engine.epoch_callbacks:
        from w2v.callbacks import uses_epochs

        for callback in callbacks:
            if uses_epochs(callback):
                raise ConfigError("The {engine} {name!r} calls no epoch callbacks, and "
                                  "{callback} defines on_epoch_begin/on_epoch_end; use the "
                                  "'numba' or 'numpy' engine.", name=cfg.engine,
                                  callback=type(callback).__name__)


def reusable(corpus: Any) -> Any:
    """The corpus in a form that can be read twice (a one-shot iterator is read into a list)."""
    is_path = isinstance(corpus, (str, os.PathLike))
    if not is_path and isinstance(corpus, Iterable) and iter(corpus) is corpus:
        return list(corpus)  # a generator would be empty on the second pass
    return corpus


def corpus_name(corpus: Any) -> str:
    """How messages name the corpus."""
    return f"Corpus '{corpus}'" if isinstance(corpus, (str, os.PathLike)) else "The corpus"


def readable(corpus: Any) -> contextlib.AbstractContextManager[Any]:
    """A context giving a source that can be read twice (a pipe is copied to a file once)."""
    if isinstance(corpus, (str, os.PathLike)):
        return readable_corpus(corpus)
    return contextlib.nullcontext(corpus)


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


def _run_stats(stats: CorpusStats, encoded: EncodedCorpus, vocab: Vocab, seconds: float,
               result: EngineResult, epochs: int) -> dict[str, Any]:
    # Speed counts the epochs this call trained: a resumed finished run trained none.
    return {"tokens": stats.tokens, "sentences": stats.sentences,
            "train_words": int(len(encoded.ids)),
            "invalid_utf8_bytes": stats.invalid_bytes, "vocab_size": len(vocab),
            "train_seconds": seconds, "epochs_trained": epochs,
            "words_per_s": stats.tokens * epochs / max(seconds, 1e-9) if epochs else 0.0,
            "examples": result.examples, "device": result.device,
            **{k: v for k, v in result.details.items() if k != "subwords"}}


def _check_subwords(cfg: TrainConfig, engine: registry.EngineInfo) -> None:
    """Refuse a subword run that the engine cannot train (another engine's)."""
    if cfg.subwords and engine.subwords is None:
        raise ConfigError("The {engine} {name!r} cannot train subword models (the "
                          "{subwords}); use the 'numba' engine.", parameter="engine",
                          name=cfg.engine)


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
    tables = 3 if cfg.hs else 2  # hierarchical softmax adds w_hs, (V - 1, D)
    need = tables * len(vocab) * cfg.vector_size * 4 + tokens * 4
    if cfg.subwords:  # the n-gram rows of the input table
        need += cfg.bucket * cfg.vector_size * 4
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
