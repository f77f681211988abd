"""Keeping the ranks' tables consistent: the sync schemes and the pause points that run them.

Every rank trains its share with its local engine on its own copy of ``w_in`` and
``w_out``. At ``S`` points of every epoch (:class:`SyncControl`), the same on every rank,
the engine's threads park and the copies are made equal again by one of these schemes:

``"split"`` (:class:`DeltaSync`, the default)
    As ``"deltas"`` below for the rows of frequent words (the first
    :func:`frequent_rows` rows of the sorted vocabulary: words expected more than
    :data:`FREQUENT_OCCURRENCES` times in a rank's ``sync_every / W`` words), the plain sum
    of the ranks' changes for every other row. At 2 ranks it is ``"deltas"`` (the cap
    never binds). Same bytes as ``"deltas"``.
``"deltas"``
    Each rank keeps the tables as they were at the last sync (``ref``). The rows that
    changed on some rank since then are found, with how many ranks changed each (``n``, a
    V-byte count per table, summed); the ranks sum their changes of those rows and every
    rank sets ``w = ref + min(1, 2/n) sum_r (w_r - ref)``: the sum of the changes, as if the
    ranks were threads of one Hogwild run reading one interval late, but never more than
    twice their mean. A word seen by one or two ranks keeps every update (whole-table
    averaging divides them by W); a frequent word, which every rank moves towards the same
    target within an interval, is moved at most twice as far as one rank moved it (the
    plain sum, n times as far, diverges at 4 ranks). Bytes a rank contributes per sync:
    ``2 V + (R_in + R_out) D 4``, with ``R`` the rows changed on some rank (centres and
    contexts for ``w_in``, contexts and negatives for ``w_out``).
``"delta-norm"``
    The sum, cut only where the ranks' changes agree (:func:`norm_factors`); one more
    float a row is sent. Measured: diverges at 4 ranks like the sum.
``"momentum"`` (:class:`MomentumSync`)
    The ranks' mean change filtered by a block momentum ``1 - 1/W``. Measured: stable at 4
    ranks, 3 to 5 points below one process.
``"delta-sum"``, ``"delta-mean"``
    The same rows, with the changes summed (every update in full; diverges at 4 ranks on the
    text8 prefix) or averaged over the ranks that changed each row (stable, but a row that
    every rank changed progresses as under whole-table averaging).
``"average"`` (:class:`AverageSync`)
    The whole tables are all-reduced and divided by the number of ranks (periodic model
    averaging, as Spark MLlib's Word2Vec does once per iteration). Each update counts
    ``1/W``: the learning progress of an epoch shrinks with the number of ranks.
    Bytes per sync: ``2 V D 4``.

The sync points are fractions ``k/S`` of each rank's share (``S = ceil(words / sync_every)``),
so every rank calls the same collectives in the same order, and at each one all ranks stand
at the same fraction of the epoch: the learning rate, which the engine computes from that
fraction, follows the global progress of the run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from w2v.distributed.group import Group
from w2v.engines.contract import Control, TrainingState

SCHEMES = ("deltas", "average", "delta-sum", "delta-mean", "delta-norm", "momentum",
           "split")
# The "deltas" scheme moves a row at most this many times its ranks' mean change: the sum
# (2 ranks) kept one process's quality on the text8 prefix, the sum of 4 ranks diverged.
MAX_OVERSHOOT = 2.0
# The "delta-norm" scheme moves a row at most sqrt(NORM_SLACK) times the length the sum of
# its ranks' changes would have if they were orthogonal (sqrt of their squared lengths'
# sum): 2 lets the sum through whole at 2 ranks, as the capped scheme does.
NORM_SLACK = 2.0
# The "split" scheme caps (as "deltas" does) only the rows of words expected more than this
# many times in a rank's share between two syncs, and sums the changes of the others.
# Measured at 4 ranks on the text8 prefix (docs/benchmarks.md): 5 and 10 alike, 40 diverged.
FREQUENT_OCCURRENCES = 5.0


def frequent_rows(counts: np.ndarray, sync_every: int, world_size: int) -> int:
    """Leading rows (a vocabulary sorted by count) of words expected more than
    :data:`FREQUENT_OCCURRENCES` times in a rank's ``sync_every / world_size`` words.

    ``counts`` (V,) int: the corpus counts, largest first. A word seen ``k`` times by each
    rank between syncs is moved towards the same target by every rank; past a few tens of
    updates each rank's change nears the whole way there, and the sum of ``W`` such changes
    overshoots ``W - 1`` times (the sum diverges at 4 ranks). Rarer words' changes add up.
    """
    total = max(int(counts.sum()), 1)
    expected = counts * (sync_every / world_size) / total
    return int(np.count_nonzero(expected > FREQUENT_OCCURRENCES))


def norm_factors(summed: np.ndarray, squares: np.ndarray,
                 slack: float = NORM_SLACK) -> np.ndarray:
    """Per row, ``min(1, sqrt(slack * sum_r |d_r|^2) / |sum_r d_r|)`` (1 for a zero sum).

    ``summed`` (R, D): the ranks' changes summed; ``squares`` (R,): their squared lengths
    summed. Changes in independent directions add up to about the orthogonal length and
    keep factor 1; changes that agree (every rank moved a frequent row towards the same
    target) add up to ``n`` times one and are cut to ``sqrt(slack n)`` times one.
    """
    length = np.sqrt((summed.astype(np.float64) ** 2).sum(axis=1))
    bound = np.sqrt(slack * np.maximum(squares.astype(np.float64), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(length > bound, bound / np.where(length > 0, length, 1.0), 1.0)
    return factors.astype(summed.dtype)


@dataclass
class SyncStats:
    """What the syncs cost on this rank.

    Attributes
    ----------
    syncs : int
    payload_bytes : int
        Bytes this rank gave to all-reduces (a ring all-reduce sends about twice this).
    seconds : float
        Wall seconds in syncs, waiting for slower ranks included.
    wait_seconds : float
        The part of ``seconds`` spent waiting for the slowest rank to reach the sync point
        (imbalance, not communication).
    transfer_seconds : float
        The part of ``seconds`` spent inside the scheme's collectives (what the cost model
        predicts); the rest is finding, gathering and applying the rows.
    touched_rows : int
        Rows exchanged by the deltas scheme (both tables), summed over syncs.
    """

    syncs: int = 0
    payload_bytes: int = 0
    seconds: float = 0.0
    wait_seconds: float = 0.0
    transfer_seconds: float = 0.0
    touched_rows: int = 0
    per_sync_bytes: list[int] = field(default_factory=list)


class AverageSync:
    """Whole-table averaging: ``w = (1/W) sum_r w_r`` for both tables."""

    name = "average"

    def __init__(self, group: Group, state: TrainingState) -> None:
        self.group = group

    def __call__(self, state: TrainingState, stats: SyncStats) -> int:
        scale = np.float32(1.0 / self.group.world_size)
        for table in (state.w_in, state.w_out):
            self.group.all_reduce_(table, "the table sync")
            table *= scale
        return state.w_in.nbytes + state.w_out.nbytes


class DeltaSync:
    """Row deltas: each changed row moves by the sum of the ranks' changes, times a factor.

    ``mode`` "capped" (the ``"deltas"`` scheme): ``min(1, MAX_OVERSHOOT / n)`` for a row
    that ``n`` ranks changed; "sum" (``"delta-sum"``): 1; "mean" (``"delta-mean"``): ``1/n``;
    "norm" (``"delta-norm"``): :func:`norm_factors`, from each row's squared change lengths
    summed over the ranks, sent as one more column of the deltas (4 bytes a row); "split"
    (``"split"``): as "capped" for the first ``frequent`` rows (:func:`frequent_rows`), with
    ``frequent_limit`` in place of MAX_OVERSHOOT, and 1 for the others.
    """

    def __init__(self, group: Group, state: TrainingState, mode: str = "capped",
                 frequent: int = 0, frequent_limit: float = MAX_OVERSHOOT) -> None:
        self.group, self.mode, self.frequent = group, mode, frequent
        self.frequent_limit = frequent_limit
        self.name = {"capped": "deltas", "sum": "delta-sum", "mean": "delta-mean",
                     "norm": "delta-norm", "split": "split"}[mode]
        self.ref_in, self.ref_out = state.w_in.copy(), state.w_out.copy()
        # Touch counts per row are summed over the ranks: one byte a row up to 255 ranks.
        self.count_type = np.uint8 if group.world_size < 256 else np.int32

    def __call__(self, state: TrainingState, stats: SyncStats) -> int:
        vocab_size = len(state.w_in)
        touched = np.concatenate([(state.w_in != self.ref_in).any(axis=1),
                                  (state.w_out != self.ref_out).any(axis=1)])
        counts = self.group.all_reduce_control(touched.astype(self.count_type), "sum",
                                               "the table sync (touched rows)")
        rows_in = np.flatnonzero(counts[:vocab_size])
        rows_out = np.flatnonzero(counts[vocab_size:])
        n_in = len(rows_in)
        deltas = np.concatenate([state.w_in[rows_in] - self.ref_in[rows_in],
                                 state.w_out[rows_out] - self.ref_out[rows_out]])
        if self.mode == "norm":
            deltas = np.concatenate([deltas, (deltas ** 2).sum(axis=1, keepdims=True)], axis=1)
        if len(deltas):
            self.group.all_reduce_(deltas, "the table sync (row deltas)")
        sent = counts.nbytes + deltas.nbytes
        if self.mode == "norm":
            deltas = deltas[:, :-1] * norm_factors(deltas[:, :-1], deltas[:, -1])[:, None]
        elif self.mode != "sum":
            n = np.concatenate([counts[rows_in], counts[vocab_size + rows_out]])
            limit = {"capped": MAX_OVERSHOOT, "split": self.frequent_limit}.get(self.mode, 1.0)
            factors = np.minimum(1.0, limit / n.astype(np.float32))
            if self.mode == "split":  # rare rows: the plain sum
                factors[np.concatenate([rows_in, rows_out]) >= self.frequent] = 1.0
            deltas *= factors[:, None]
        for table, ref, rows, part in ((state.w_in, self.ref_in, rows_in, deltas[:n_in]),
                                       (state.w_out, self.ref_out, rows_out, deltas[n_in:])):
            ref[rows] += part
            table[rows] = ref[rows]
        stats.touched_rows += len(deltas)
        return sent


class MomentumSync(DeltaSync):
    """Block momentum over the row deltas: the ranks' mean change, filtered across syncs.

    ``m = eta m + (1/W) sum_r (w_r - ref)`` per row (``eta = 1 - 1/W``), then
    ``w = ref + m`` for every row with momentum. A row moved the same way sync after sync
    reaches the sum of the changes (the filter's gain is ``1/(1 - eta) = W``); a row that
    every rank moves to the same target (which the plain sum overshoots ``W`` times)
    settles instead of diverging. The momentum tables (``V x D`` each) stay on every rank
    and are computed alike everywhere: nothing more is sent than for the deltas.
    """

    def __init__(self, group: Group, state: TrainingState) -> None:
        super().__init__(group, state, "sum")
        self.name = "momentum"
        self.eta = np.float32(1.0 - 1.0 / group.world_size)
        self.mom_in, self.mom_out = np.zeros_like(state.w_in), np.zeros_like(state.w_out)

    def __call__(self, state: TrainingState, stats: SyncStats) -> int:
        ref_before = (self.ref_in.copy(), self.ref_out.copy())
        sent = super().__call__(state, stats)  # ref and the tables now hold ref + sum
        scale = np.float32(1.0 / self.group.world_size)
        for table, ref, before, mom in ((state.w_in, self.ref_in, ref_before[0], self.mom_in),
                                        (state.w_out, self.ref_out, ref_before[1],
                                         self.mom_out)):
            mom *= self.eta
            mom += (ref - before) * scale
            np.add(before, mom, out=ref)
            table[...] = ref
        return sent

    def finish(self, state: TrainingState) -> None:
        """After the last sync: add what the momentum would still have applied,
        ``m (eta + eta^2 + ...) = m eta / (1 - eta)``, so the last intervals' changes count
        in full (every rank alike)."""
        gain = self.eta / (np.float32(1.0) - self.eta)
        for table, mom in ((state.w_in, self.mom_in), (state.w_out, self.mom_out)):
            table += mom * gain
            mom[...] = 0.0


class NoSync:
    """One rank: nothing to exchange (the sync points still serve checkpoints and stops)."""

    name = "none"

    def __call__(self, state: TrainingState, stats: SyncStats) -> int:
        return 0


def make_sync(name: str, group: Group, state: TrainingState, frequent: int = 0,
              frequent_limit: float = MAX_OVERSHOOT
              ) -> AverageSync | DeltaSync | MomentumSync | NoSync:
    """The scheme called ``name`` (one of :data:`SCHEMES`), starting from ``state``;
    ``frequent``: the leading rows that "split" caps (:func:`frequent_rows`) at
    ``frequent_limit`` times their ranks' mean change."""
    if group.world_size == 1:
        return NoSync()
    if name == "average":
        return AverageSync(group, state)
    if name == "momentum":
        return MomentumSync(group, state)
    mode = {"deltas": "capped", "delta-sum": "sum", "delta-mean": "mean",
            "delta-norm": "norm", "split": "split"}[name]
    return DeltaSync(group, state, mode, frequent, frequent_limit)


# Chunks per thread between two sync points, at least: a thread passes a sync point by
# less than a chunk, so this bounds the overshoot to a quarter of an interval.
CHUNKS_PER_INTERVAL = 4
# ... but no chunk is cut below this many words (the cost of a kernel call shows below).
MIN_CHUNK_WORDS = 1_000


def chunk_limit(local_words: int, syncs_per_epoch: int, workers: int) -> int:
    """Words per engine chunk so that each thread passes every sync point within a quarter
    of an interval."""
    interval = local_words / max(syncs_per_epoch * workers, 1)
    return max(MIN_CHUNK_WORDS, int(interval // CHUNKS_PER_INTERVAL))


# Called after every sync with (state, epoch (0-based), syncs done in that epoch); decides
# on checkpoints and stops (w2v.distributed.run).
AfterSync = Callable[[TrainingState, int, int], None]


class SyncControl(Control):
    """The engine's control in a distributed run: park at the sync points and sync there.

    Parameters
    ----------
    group : Group
    scheme : AverageSync or DeltaSync
    state : TrainingState
        The state given to the engine; its ``counters`` (words read, column 2) give the
        progress through the epoch.
    local_words : int
        Words of this rank's share (one epoch).
    syncs_per_epoch : int
        ``S``, the same on every rank.
    start_sync : int
        Syncs already done in the first epoch (a resumed run).
    start_words : int
        Words of this rank's share already trained in the first epoch (a resumed run).
    after_sync : callable, optional
        Called after every sync (checkpoints, stop on a signal).
    """

    def __init__(self, group: Group, scheme: AverageSync | DeltaSync | NoSync,
                 state: TrainingState, local_words: int, syncs_per_epoch: int,
                 start_sync: int = 0,
                 start_words: int = 0, after_sync: AfterSync | None = None) -> None:
        self.group, self.scheme, self.state = group, scheme, state
        self.local_words = max(local_words, 1)
        self.syncs_per_epoch = syncs_per_epoch
        self.done = start_sync
        self.base = self._words_read() - start_words
        self.after_sync = after_sync
        self.stats = SyncStats()
        self.max_chunk_words = chunk_limit(local_words, syncs_per_epoch, len(state.rng_states))

    def _words_read(self) -> float:
        counters = self.state.counters
        return 0.0 if counters is None else float(counters[:, 2].sum())

    def _due(self) -> int:
        """Sync points this rank has passed in the epoch (the last one is the epoch's end)."""
        fraction = (self._words_read() - self.base) / self.local_words
        return min(math.floor(fraction * self.syncs_per_epoch + 1e-9), self.syncs_per_epoch - 1)

    def wants_pause(self) -> bool:
        """True once the rank has passed a sync point not synced yet (any thread)."""
        return self._due() > self.done

    def paused(self, state: TrainingState, epoch_end: bool) -> None:
        """Sync at each point passed (at an epoch's end: up to the last one)."""
        target = self.syncs_per_epoch if epoch_end else self._due()
        epoch = state.epoch - 1 if epoch_end else state.epoch
        while self.done < target:
            t0 = time.perf_counter()
            self.group.wait("the wait for a sync point")
            t1, in_collectives = time.perf_counter(), getattr(self.group, "collective_seconds", 0.0)
            sent = self.scheme(state, self.stats)
            self.stats.transfer_seconds += (getattr(self.group, "collective_seconds", 0.0)
                                            - in_collectives)
            self.stats.wait_seconds += t1 - t0
            self.stats.seconds += time.perf_counter() - t0
            self.stats.syncs += 1
            self.stats.payload_bytes += sent
            self.stats.per_sync_bytes.append(sent)
            self.done += 1
            if self.after_sync is not None:
                self.after_sync(state, epoch, self.done)
        if epoch_end:
            self.done, self.base = 0, self._words_read()
