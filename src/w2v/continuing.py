"""Training a model further: more text, more epochs, new words.

:func:`update_vocab` is gensim's ``build_vocab(corpus, update=True)``: the words of a new
corpus are counted; words the model knows keep their rows and ids and their counts add up;
new words reaching ``min_count`` in the new corpus get new rows at the end, initialised as
new rows are (input vectors U(-s/D, s/D) as ``config.init`` says, output vectors zero).
Subsampling and the noise distribution follow the updated counts (every run derives them
from the vocabulary). ``continue_training(..., update_vocab=True)`` counts and encodes the
corpus in one reading (:mod:`w2v.corpus_scan`), with the same result as the two.

:func:`continue_training` trains an existing model (the numba engine: it starts from given
weights and RNG states). Its learning-rate semantics:

- ``epochs=None`` on a model whose schedule is unfinished (``model.epochs_done <
  config.epochs``: an early stop) **resumes** that schedule: epochs ``epochs_done`` ..
  ``config.epochs - 1`` at the learning rates an uninterrupted run would have used. With
  ``workers=1``, the same corpus and the same vocabulary, the result is bit-identical to the
  uninterrupted run, saved and loaded or not.
- Otherwise (``epochs=M``, or a finished schedule) it is **a new schedule**, as each gensim
  ``train()`` call: ``alpha`` decays linearly to ``min_alpha`` over ``M`` epochs (default:
  ``config.epochs``), from the model's weights and RNG states. Two calls of N and M epochs
  are therefore not one run of N + M epochs (whose rate would not rise again).

Options that define the tables cannot change (:data:`FIXED`); the others (epochs, alpha,
min_alpha, window, negative, sample, ns_exponent, workers, ...) apply from this call on and
are kept in ``model.config``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus, encode_corpus, sentences_from
from w2v.corpus_scan import scan_corpus
from w2v.dtypes import REAL
from w2v.engines import registry
from w2v.engines.common import initial_w_in
from w2v.engines.contract import TrainingState
from w2v.errors import ConfigError, CorpusError
from w2v.logs import logger
from w2v.vocab import TrimRule, Vocab, count_words, keep_word

if TYPE_CHECKING:
    from w2v.callbacks import Callback
    from w2v.training import Model

# Options a trained model cannot change: they define the shape and meaning of its tables (a
# subword model's n-gram rows are where its n-grams hash to).
FIXED = ("vector_size", "sg", "loss", "hs", "subwords", "min_n", "max_n", "bucket")


def check_changes(config: TrainConfig, options: dict[str, Any]) -> TrainConfig:
    """The model's config with ``options`` applied, refusing a change of a :data:`FIXED` one.

    Raises
    ------
    ConfigError
        Naming the option that cannot change, or an unknown or invalid option.
    """
    for name in FIXED:
        if name in options and hasattr(config, name) and options[name] != getattr(config, name):
            raise ConfigError("The {" + name + "} cannot change when a model trains further "
                              "(the model has {old!r}, {new!r} was given): it defines the "
                              "weight tables. Train a new model for another value.",
                              old=getattr(config, name), new=options[name])
    TrainConfig.from_options(**{**config.to_dict(), **options})  # unknown names, ranges
    return config.replace(**options)


def update_vocab(model: Model, corpus: Any, *, min_count: int | None = None,
                 max_vocab_size: int | None = None, trim_rule: TrimRule | None = None) -> int:
    """Add the words and counts of ``corpus`` to ``model`` (gensim's ``update=True``).

    Parameters
    ----------
    model : Model
        Updated in place: vocabulary, ``vectors`` and ``output_vectors`` (new rows at the end).
    corpus : path or iterable of list of str
    min_count : int, optional
        A new word joins when it occurs this often in ``corpus`` (default: the model's).
    max_vocab_size : int, optional
        Bound on the counting table, as when building a vocabulary.
    trim_rule : callable, optional
        gensim's ``trim_rule(word, count, min_count)``, asked for each new word.

    Returns
    -------
    int
        Words added.

    Raises
    ------
    InputNotFoundError, CorpusError
        If the corpus is missing or empty.

    Notes
    -----
    gensim adds a known word's new count only when it reaches ``min_count`` in the new
    corpus; here every occurrence counts (the noise and subsampling tables then match the
    text the model has seen).
    """
    from w2v.training import collector_paused, corpus_name, readable, reusable

    cfg = model.config
    corpus = reusable(corpus)
    with readable(corpus) as source, collector_paused():
        counts, total = count_words(sentences_from(source, cfg.max_sentence_length),
                                    max_vocab_size)
    return add_counted_words(model, counts, total, corpus_name(corpus), min_count=min_count,
                             trim_rule=trim_rule)


def add_counted_words(model: Model, counts: Counter, total: int, name: str, *,
                      min_count: int | None = None, trim_rule: TrimRule | None = None) -> int:
    """:func:`update_vocab` for a corpus already counted: ``counts`` (word -> count, in
    order of first occurrence) of its ``total`` tokens; ``name`` for messages. Returns the
    words added."""
    if total == 0:
        raise CorpusError(f"{name} is empty: it contains no token.")
    min_count = model.config.min_count if min_count is None else min_count
    vocab = model.vocab
    old_counts = vocab.counts.copy()
    known = [(vocab.key_to_index[w], c) for w, c in counts.items() if w in vocab.key_to_index]
    for index, count in known:
        old_counts[index] += count
    # sorted() is stable: equal counts keep first-occurrence order, as a new vocabulary does.
    new = sorted(((w, c) for w, c in counts.items()
                  if w not in vocab.key_to_index and keep_word(w, c, min_count, trim_rule)),
                 key=lambda wc: -wc[1])
    words = [*vocab.words, *(w for w, _ in new)]
    model.vocab = Vocab(words=words, counts=np.concatenate(
        [old_counts, np.array([c for _, c in new], dtype=np.int64)]),
        total_words=vocab.total_words + total)
    _grow_tables(model, len(vocab), len(new))
    logger.info("vocabulary update: %s tokens, %s known words counted again, %s new words "
                "(min_count=%d); %s words now", f"{total:,}", f"{len(known):,}",
                f"{len(new):,}", min_count, f"{len(words):,}")
    return len(new)


def new_model(vocab: Vocab, config: TrainConfig) -> Model:
    """An untrained model of ``vocab``: the initial tables and RNG states of a new run (a
    subword model's too, with ``config.subwords``).

    Training it with :func:`continue_training` (``epochs_done`` is 0) is the same run as
    :func:`w2v.train` on the corpus that gave ``vocab``, bit for bit with ``workers=1``.
    """
    from w2v.training import Model, vectors_from_tables

    if config.subwords:
        from w2v.engines.subword_engine import init_state as subword_state
        from w2v.subwords import build_subword_index

        index = build_subword_index(vocab.words, config.min_n, config.max_n, config.bucket)
        state = subword_state(index, config)
    else:
        from w2v.engines.numba_engine import init_state

        index, state = None, init_state(len(vocab), config)
    vectors = vectors_from_tables(vocab, config, state.w_in, state.w_out, state.w_hs, index)
    return Model(vectors=vectors, output_vectors=state.w_out, config=config, vocab=vocab,
                 rng_states=state.rng_states, hs_vectors=state.w_hs)


def _grow_tables(model: Model, old: int, added: int) -> None:
    """Add ``added`` word rows: input vectors drawn as at initialisation, output vectors zero.

    The new rows follow the old words' (a subword model's n-gram rows stay after them, as
    fastText lays out its table, and keep their values: an n-gram of a new word already
    has its trained row). With hierarchical softmax the tree is rebuilt over the new
    counts, so inner node n may stand for another set of words than before; its vector is
    kept (as gensim keeps its ``syn1`` rows) and the ``added`` new inner nodes start at zero.
    """
    from w2v.training import vectors_from_tables

    cfg = model.config
    # Seeded by the seed and the old size: the same growth of the same model draws the same.
    rng = np.random.default_rng((cfg.seed, old, added))
    table = np.asarray(model.input_table, dtype=REAL)
    w_in = np.concatenate([table[:old], initial_w_in(rng, added, cfg), table[old:]])
    w_out = np.concatenate([np.asarray(model.output_vectors, dtype=REAL),
                            np.zeros((added, cfg.vector_size), dtype=REAL)])
    if model.hs_vectors is not None:
        model.hs_vectors = np.concatenate([np.asarray(model.hs_vectors, dtype=REAL),
                                           np.zeros((added, cfg.vector_size), dtype=REAL)])
    attributes = {name: np.concatenate([column, np.zeros(added, column.dtype)])
                  for name, column in model.vectors.expandos.items() if name != "count"}
    grown = vectors_from_tables(model.vocab, cfg, w_in, w_out, model.hs_vectors)
    grown.expandos.update(attributes)  # a user's attributes; "count" is the vocabulary's
    model.vectors = grown
    model.output_vectors = w_out


def continue_training(model: Model, corpus: Any, *, epochs: int | None = None,
                      update_vocab: bool = False, callbacks: Sequence[Callback] = (),
                      control: Any = None, trim_rule: TrimRule | None = None,
                      encoded: EncodedCorpus | None = None, **options: Any) -> Model:
    """Train ``model`` further on ``corpus`` (the learning-rate semantics: module docstring).

    Parameters
    ----------
    model : Model
        Trained, or loaded with :func:`w2v.load_model`; updated in place and returned.
    corpus : path or iterable of list of str
        Tokens not in the vocabulary are skipped (pass ``update_vocab=True`` to add them).
    epochs : int, optional
        A new schedule of this many epochs; None resumes an unfinished schedule, or starts
        a new one of ``config.epochs``.
    update_vocab : bool
        First add the corpus's words and counts (:func:`update_vocab`).
    trim_rule : callable, optional
        With ``update_vocab``: gensim's rule, asked for each new word.
    callbacks : sequence of Callback
        As in :func:`w2v.train`; ``on_epoch_end`` gets ``model`` itself.
    control : Control with ``catch_signals()``, optional
        Asked between chunks (e.g. :class:`w2v.job.StopOnSignal`).
    encoded : EncodedCorpus, optional
        ``corpus`` already in the model's ids (from the scan that made the vocabulary,
        :mod:`w2v.corpus_scan`): it is not read again. Not with ``update_vocab``.
    **options
        Options to change (e.g. ``alpha``, ``min_alpha``, ``workers``, ``window``).

    Returns
    -------
    Model
        ``model``, trained.

    Raises
    ------
    ConfigError
        For an option that cannot change (``vector_size``, ``sg``, ``loss``), an unknown one,
        or an engine that cannot start from given weights.
    CorpusError
        If no token of the corpus is in the vocabulary.
    """
    from w2v.training import (
        check_engine,
        collector_paused,
        corpus_name,
        readable,
        reusable,
        run_engine,
    )

    cfg = check_changes(model.config, options)
    if not registry.get(cfg.engine).checkpoints:
        raise ConfigError("The {engine} {name!r} cannot start from a model's weights; train "
                          "further with engine='numba'.", name=cfg.engine)
    check_engine(cfg, None, callbacks)
    corpus = reusable(corpus)
    name = corpus_name(corpus)
    # A pipe is read once into a temporary file (readable): the encoding, or the update's
    # scan, reads it from there.
    if encoded is None:
        with readable(corpus) as source, collector_paused():
            if update_vocab:  # counted and encoded in one reading (w2v.corpus_scan)
                model.config = cfg
                scanned = scan_corpus(source, cfg.max_sentence_length)
                add_counted_words(model, scanned.counts(), scanned.stats.tokens, name,
                                  trim_rule=trim_rule)
                encoded = scanned.encode(model.vocab)
            else:
                encoded = encode_corpus(source, model.vocab, cfg.max_sentence_length)
    elif update_vocab:
        raise ValueError("an encoded corpus is already in the model's vocabulary")  # a bug
    if np.diff(encoded.sentence_starts).max() < 2:
        raise CorpusError("{name} has no sentence with two in-vocabulary words, so nothing "
                          "to train on.", name=name)
    resume = epochs is None and model.epochs_done < cfg.epochs
    if not resume:
        cfg = cfg.replace(epochs=cfg.epochs if epochs is None else epochs)
    start = model.epochs_done if resume else 0
    # The words of the epochs done, so that the records' progress and learning rate are
    # those of the schedule (the loss of a record is a difference: it starts from 0).
    counters = np.zeros((cfg.workers, 3), dtype=np.float64)
    counters[0, 2] = start * len(encoded.ids)
    state = TrainingState(w_in=_writable(model.input_table),
                          w_out=_writable(model.output_vectors),
                          rng_states=_kernel_states(model, cfg), epoch=start,
                          counters=counters,
                          w_hs=None if model.hs_vectors is None else _writable(model.hs_vectors))
    logger.info("%s training: %s", "resuming" if resume else "continuing",
                f"epochs {state.epoch + 1}..{cfg.epochs} of the schedule" if resume
                else f"a new schedule of {cfg.epochs} epochs, alpha {cfg.alpha:g} -> "
                     f"{cfg.min_alpha:g}")
    model.config = cfg
    return run_engine(name, encoded, model.vocab, cfg, callbacks, stats=encoded.stats,
                      state=state, checkpoint=control, model=model)


def _writable(table: np.ndarray) -> np.ndarray:
    """The table as a writable float32 C array (a copy only of a memory map or another type)."""
    return np.require(table, dtype=REAL, requirements=["C", "W"])


def _kernel_states(model: Model, cfg: TrainConfig) -> np.ndarray:
    """One kernel RNG state per worker: the model's, or new ones drawn from them and the seed."""
    states = model.rng_states
    if states is not None and states.shape == (cfg.workers, 1):
        return np.array(states, dtype=np.uint64)
    # Another number of workers (or a model from an engine that keeps none): derive states
    # from what the model has, so that the same model and options draw the same numbers.
    seed = [cfg.seed, model.epochs_done, len(model.vocab)]
    if states is not None:
        seed += [int(s) for s in np.ravel(states)]
    rng = np.random.default_rng(seed)
    return rng.integers(1, 2**63, size=(cfg.workers, 1), dtype=np.uint64)
