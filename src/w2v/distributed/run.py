"""A distributed run in memory: every rank trains its share and ends with the same model.

:func:`train` is what ``w2v.train(corpus, distributed=True)`` runs on every rank of a
torchrun launch, and what :func:`w2v.distributed.job.train_to_path` wraps:

1. each rank plans the shares (:mod:`~w2v.distributed.shares`) and reads only its own;
2. the vocabulary is counted per rank and reduced (:mod:`~w2v.distributed.vocab`);
3. each rank encodes its share and trains it with the numba engine, whose control
   (:class:`~w2v.distributed.sync.SyncControl`) syncs the tables ``S`` times an epoch;
4. after the last sync every rank holds the same tables; rank 0's history and the summed
   counts make the :class:`~w2v.training.Model`.

After each sync the ranks agree (one small all-reduce) on whether to stop (a signal reached
some rank) or to checkpoint (rank 0's clock says one is due); rank 0 then writes the
checkpoint (:mod:`~w2v.distributed.checkpoints`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from w2v.callbacks import Callback, CallbackList
from w2v.config import TrainConfig
from w2v.corpus import CorpusStats, encode_corpus
from w2v.corpus_scan import scan_corpus
from w2v.distributed import checkpoints
from w2v.distributed.group import DEFAULT_TIMEOUT_S, Group, init_group
from w2v.distributed.shares import plan_shares
from w2v.distributed.sync import (
    MAX_OVERSHOOT,
    SCHEMES,
    SyncControl,
    chunk_limit,
    frequent_rows,
    make_sync,
)
from w2v.distributed.vocab import reduce_counts, reduce_vocab
from w2v.engines import registry
from w2v.engines.contract import TrainingState
from w2v.errors import ConfigError, DivergenceError
from w2v.stop_signals import catch_stop_signals
from w2v.training import Model, _check_text, _check_trainable, _check_trained, check_fits_in_memory
from w2v.validation import Choice, Float, Int
from w2v.vectors import Vectors

# Corpus words (all ranks together) between two syncs. Calibrated on the text8 prefix
# (docs/distributed.md, three seeds): at this interval 2 and 4 ranks of the default scheme
# are within 1 point of one process on analogy, WS-353 and SimLex; at 200,000 words 4 ranks
# lost 1 to 2 points. Many fast ranks on a slow network need a longer interval (the cost
# model in docs/distributed.md), at a cost in quality.
DEFAULT_SYNC_EVERY = 50_000


@dataclass(frozen=True)
class DistributedOptions:
    """How a distributed run keeps its ranks consistent.

    Attributes
    ----------
    sync : {"split", "deltas", "average", "delta-sum", "delta-mean", "delta-norm", "momentum"}
        The scheme (:mod:`w2v.distributed.sync`): sum each row's changes since the last
        sync, capped at twice their mean for the rows of frequent words only (default);
        capped for every row; average the whole tables; sum the changes; average them over
        the ranks that changed the row; or the two measured alternatives.
    sync_every : int
        Corpus words, all ranks together, between syncs: ``S = ceil(words / sync_every)``
        syncs an epoch.
    timeout_s : float
        Seconds a collective waits for the other ranks before the run stops.
    """

    sync: str = "split"
    sync_every: int = DEFAULT_SYNC_EVERY
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        Choice(SCHEMES).check("sync", self.sync)
        Int(1).check("sync_every", self.sync_every)
        Float(1.0).check("timeout_s", self.timeout_s)

    @classmethod
    def of(cls, value: Any) -> DistributedOptions:
        """Options from ``distributed=``: True (the defaults), a dict, or an instance."""
        if isinstance(value, cls):
            return value
        if value is True:
            return cls()
        if isinstance(value, dict):
            return cls(**value)
        raise ConfigError("The {distributed} must be True, a dict of DistributedOptions or a "
                          "DistributedOptions. Got {got} instead.", got=repr(value)[:60])


@dataclass(frozen=True)
class CheckpointPlan:
    """Where and when rank 0 checkpoints (the same on every rank).

    ``every_minutes`` None: only when a signal stops the run. ``resume``: start from the
    checkpoint in ``folder`` (which every rank reads).
    """

    folder: Path
    every_minutes: float | None = None
    resume: bool = False


def train(corpus: str | os.PathLike[str], *, options: DistributedOptions | None = None,
          group: Group | None = None, callbacks: Sequence[Callback] = (),
          checkpoint: CheckpointPlan | None = None, max_memory: int | None = None,
          **config: Any) -> Model:
    """Train on every rank of a torchrun launch; every rank returns the same model.

    Parameters
    ----------
    corpus : path-like
        A corpus file or folder, at the same path on every rank.
    options : DistributedOptions, optional
    group : Group, optional
        The process group (default: joined from torchrun's environment).
    callbacks : sequence of Callback
        Called on rank 0 only (a progress bar shows rank 0's share).
    checkpoint : CheckpointPlan, optional
    max_memory : int, optional
        As in :func:`w2v.train`, for each rank's share.
    **config
        Options of :class:`~w2v.config.TrainConfig` (the numba engine; ``workers`` threads
        on each rank).

    Returns
    -------
    Model
        ``stats["distributed"]`` holds the ranks, scheme, syncs and their cost.

    Raises
    ------
    ConfigError, CorpusError, InputNotFoundError
        On every rank, if any rank finds the input or an option bad.
    DistributedError
        If the run was not launched by torchrun, or a rank failed or was lost.
    TrainingInterrupted
        On every rank, after SIGINT/SIGTERM reached one and rank 0 wrote a checkpoint.
    """
    options = options if options is not None else DistributedOptions()
    cfg = TrainConfig.from_options(**config)
    engine = registry.get(cfg.engine).name
    if engine not in ("numba", "torch"):
        raise ConfigError("Distributed training runs the 'numba' engine (CPU ranks) or the "
                          "'torch' engine (GPU ranks) on every rank; the {engine} {name!r} "
                          "cannot pause between steps to sync.", name=cfg.engine)
    if engine == "torch" and checkpoint is not None and checkpoint.resume:
        raise ConfigError("Distributed runs of the 'torch' engine cannot resume yet (it "
                          "starts every epoch at its beginning); leave out the {resume}.")
    for name in ("hs", "subwords"):  # tables the syncs do not carry yet
        if getattr(cfg, name):
            raise ConfigError("Distributed training syncs the word tables w_in and w_out "
                              "only; the {" + name + "} cannot be used with it yet.")
    if not cfg.sorted_vocab:
        raise ConfigError("Distributed training builds a sorted vocabulary from the ranks' "
                          "counts; the {sorted_vocab} must stay True.")
    if group is None:
        with init_group(cfg.device, options.timeout_s).session() as own:
            return train(corpus, options=options, group=own, callbacks=callbacks,
                         checkpoint=checkpoint, max_memory=max_memory, **config)
    name = f"Corpus '{corpus}'"
    shares = group.together(lambda: plan_shares(corpus, group.world_size,
                                                cfg.max_sentence_length),
                            "the planning of the corpus shares")
    share = shares[group.rank]
    threshold = {} if max_memory is None else {"memmap_threshold": max(max_memory // 4, 1)}
    scanned = None
    if cfg.max_vocab_size is None:  # the share read once: counted and kept as ids
        scanned = group.together(lambda: scan_corpus(share, cfg.max_sentence_length,
                                                     **threshold), "the vocabulary count")
        vocab = reduce_counts(group, scanned.counts(), scanned.stats.tokens, cfg.min_count,
                              cfg.max_final_vocab, name)
    else:  # pruned while counting: a pass of its own
        vocab = reduce_vocab(group, share, cfg.min_count, cfg.max_vocab_size,
                             cfg.max_final_vocab, name)
    stats = _global_stats(group, share.stats)
    group.together(lambda: (_check_text(name, stats),
                            check_fits_in_memory(vocab, share.stats.tokens, cfg)),
                   "the corpus checks")
    encoded = group.together(
        lambda: scanned.encode(vocab, **threshold) if scanned is not None else
        encode_corpus(share, vocab, cfg.max_sentence_length, **threshold), "the encoding")
    group.together(lambda: _check_trainable(f"{name} (rank {group.rank}'s share)", vocab,
                                            encoded, cfg), "the corpus checks")
    words = int(group.all_reduce_control(np.array([len(encoded.ids)]), "sum",
                                         "the word count")[0])
    syncs_per_epoch = max(1, math.ceil(words / options.sync_every))
    state, fraction = _start_state(group, cfg, vocab, checkpoint)
    start_words = 0
    if fraction > 0:
        state.position, start_words = checkpoints.start_positions(
            encoded, cfg, len(vocab), fraction,
            chunk_limit(len(encoded.ids), syncs_per_epoch, cfg.workers))
    state.counters = np.zeros((cfg.workers, 3))
    stopper = _Stopper(group, cfg, vocab, options, syncs_per_epoch, checkpoint)
    frequent = frequent_rows(vocab.counts, options.sync_every, group.world_size)
    # A torch rank's step already sums as many of a frequent word's examples as one
    # process safely can (w2v.engines.torch.schedule): summed over ranks it diverges, so
    # its frequent rows move by the ranks' mean change.
    limit = 1.0 if engine == "torch" else MAX_OVERSHOOT
    control = SyncControl(group, make_sync(options.sync, group, state, frequent, limit), state,
                          len(encoded.ids), syncs_per_epoch,
                          start_sync=math.floor(fraction * syncs_per_epoch + 1e-9),
                          start_words=start_words, after_sync=stopper)
    observers = CallbackList(callbacks if group.is_root else ())
    observers.on_train_begin(int(len(encoded.ids)), cfg.epochs)
    t0 = time.perf_counter()
    with stopper.catch_signals():
        result = registry.get(engine).load()(encoded, vocab, _rank_config(cfg, engine),
                                             report=observers.on_record, state=state,
                                             control=control)
    finish = getattr(control.scheme, "finish", None)
    if finish is not None:  # the schemes that keep state across syncs settle it
        finish(state)
    seconds = time.perf_counter() - t0
    sync_seconds, wait_seconds, transfer_seconds = group.all_reduce_control(
        np.array([control.stats.seconds, control.stats.wait_seconds,
                  control.stats.transfer_seconds]), "max", "the run's totals")
    result.examples = int(group.all_reduce_control(np.array([result.examples]), "sum",
                                                   "the run's totals")[0])
    _check_trained(name, result, cfg)
    model = Model(vectors=Vectors(list(vocab.words), np.asarray(result.w_in)),
                  output_vectors=np.asarray(result.w_out), config=cfg, vocab=vocab,
                  history=list(result.history),
                  stats={"tokens": stats.tokens, "train_words": words,
                         "invalid_utf8_bytes": stats.invalid_bytes, "vocab_size": len(vocab),
                         "train_seconds": seconds,
                         "words_per_s": stats.tokens * cfg.epochs / max(seconds, 1e-9),
                         "examples": result.examples, "device": result.device,
                         "distributed": _sync_facts(group, options, control, syncs_per_epoch,
                                                    (float(sync_seconds), float(wait_seconds),
                                                     float(transfer_seconds)), seconds)})
    observers.on_train_end(model)
    return model


def _rank_config(cfg: TrainConfig, engine: str) -> TrainConfig:
    """The config a rank's engine trains with: a torch rank on CUDA uses its own GPU."""
    if engine == "torch" and cfg.device == "cuda":
        return dataclasses.replace(cfg, device=f"cuda:{os.environ.get('LOCAL_RANK', '0')}")
    return cfg


def _global_stats(group: Group, local: CorpusStats) -> CorpusStats:
    """The corpus statistics of all shares together."""
    summed = group.all_reduce_control(
        np.array([local.files, local.sentences, local.tokens, local.invalid_bytes,
                  local.characters], dtype=np.int64), "sum", "the corpus statistics")
    return CorpusStats(*(int(x) for x in summed))


def _start_state(group: Group, cfg: TrainConfig, vocab: Any,
                 plan: CheckpointPlan | None) -> tuple[TrainingState, float]:
    """A fresh state (rank 0's initial tables everywhere) or the checkpoint's, and its fraction."""
    if plan is not None and plan.resume:
        return group.together(lambda: checkpoints.load(plan.folder, cfg, vocab, group.rank),
                              "the resume")
    from w2v.engines.numba_engine import init_state

    state = init_state(len(vocab), cfg)
    state.rng_states = checkpoints.rank_rng_states(cfg.seed, group.rank, cfg.workers)
    group.broadcast_(state.w_in, "the initial tables")
    return state, 0.0


def _sync_facts(group: Group, options: DistributedOptions, control: SyncControl,
                syncs_per_epoch: int, sync_times: tuple[float, float, float],
                seconds: float) -> dict[str, Any]:
    """What the syncs cost: counts, bytes, and seconds (the most of any rank)."""
    sync_seconds, wait_seconds, transfer_seconds = sync_times
    done = max(control.stats.syncs, 1)
    return {"world_size": group.world_size, "backend": group.backend, "sync": options.sync,
            "sync_every": options.sync_every, "syncs_per_epoch": syncs_per_epoch,
            "syncs": control.stats.syncs,
            "bytes_per_sync": control.stats.payload_bytes / done,
            "rows_per_sync": control.stats.touched_rows / done,
            "sync_seconds": sync_seconds, "wait_seconds": wait_seconds,
            "transfer_seconds": transfer_seconds,
            "sync_share": sync_seconds / max(seconds, 1e-9)}


class _Stopper:
    """After every sync: agree on stopping and checkpointing; rank 0 writes the checkpoint."""

    def __init__(self, group: Group, cfg: TrainConfig, vocab: Any, options: DistributedOptions,
                 syncs_per_epoch: int, plan: CheckpointPlan | None) -> None:
        self.group, self.cfg, self.vocab, self.plan = group, cfg, vocab, plan
        self.position = {"world_size": group.world_size, "syncs_per_epoch": syncs_per_epoch,
                         "scheme": options.sync, "sync_every": options.sync_every}
        self.every_s = (None if plan is None or plan.every_minutes is None
                        else plan.every_minutes * 60.0)
        self.interrupted: int | None = None
        self.saves = 0
        self._last = time.monotonic()

    def __call__(self, state: TrainingState, epoch: int, done: int) -> None:
        due = (self.group.is_root and self.every_s is not None
               and time.monotonic() - self._last >= self.every_s)
        stop, save = self.group.all_reduce_control(
            np.array([self.interrupted or 0, int(due)], dtype=np.int64), "max",
            "the agreement after a sync")
        if self.plan is None or not (stop or save):
            return
        at_end = done == self.position["syncs_per_epoch"]
        epochs_done, sync = (epoch + 1, 0) if at_end else (epoch, done)
        self.group.together(lambda: self._save(state, epochs_done, sync), "a checkpoint")
        if stop:
            from w2v.checkpoint import TrainingInterrupted

            raise TrainingInterrupted(int(stop), self.plan.folder,
                                      Vectors(list(self.vocab.words), state.w_in.copy()),
                                      min(epochs_done + 1, self.cfg.epochs))

    def _save(self, state: TrainingState, epoch: int, sync: int) -> None:
        # A non-finite parameter must never overwrite the last good checkpoint.
        if not (np.isfinite(state.w_in).all() and np.isfinite(state.w_out).all()):
            raise DivergenceError("Training diverged in epoch {epoch}: a parameter is not "
                                  "finite after a sync. Lower the {alpha}, or sync more "
                                  "often (a smaller {sync_every}).", epoch=epoch + 1)
        if self.group.is_root and self.plan is not None:
            checkpoints.save(self.plan.folder, state, self.cfg, self.vocab, epoch, sync,
                             self.position)
            self.saves += 1
        self._last = time.monotonic()

    def catch_signals(self) -> contextlib.AbstractContextManager[None]:
        """With a checkpoint plan, SIGINT/SIGTERM stop every rank at the next sync."""
        if self.plan is None:
            return contextlib.nullcontext()
        return catch_stop_signals(lambda signum: setattr(self, "interrupted", signum),
                                  lambda: self.interrupted is not None)
