"""The CPU engine: word2vec.c's model trained by ``workers`` threads running numba kernels.

The driver owns everything but the inner loops (:mod:`w2v.engines.numba_kernels`):

- **Shards.** The id array is cut at sentence boundaries into ``workers`` shards of about
  equal word counts. Each thread trains its shard, chunk by chunk, Hogwild (no locks):
  the kernels release the GIL, so threads run truly in parallel on shared weights.
- **Schedule.** The learning rate decays linearly from ``alpha`` to ``min_alpha`` over all
  epochs, as a function of each shard's own progress, so it does not depend on thread timing.
- **Randomness.** One ``np.random.Generator(seed)`` draws the initial weights and one
  64-bit state per thread; the kernels advance those states. With ``workers=1`` a run is
  bit-identical for a given seed; with more, the order of Hogwild updates varies.
- **Reports and checks.** After each chunk a thread adds its loss, pair and word counts to
  its row of a counter table; the main thread turns them into history records (mean loss
  per trained pair) and stops training on the first non-finite loss.

:class:`EngineState` holds every piece of state a checkpoint would need (weights, RNG
states, epoch) so that a resume can restore a run exactly.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.errors import DivergenceError
from w2v.vocab import Vocab, alias_table

# Words per kernel call: the granularity of reports, NaN checks and the stop flag
# (about 10 ms of work), large enough that the call overhead does not show.
CHUNK_WORDS = 50_000
# Wall seconds between interval records in the history.
REPORT_SECONDS = 1.0

Report = Callable[[dict[str, Any]], None]


@dataclass
class EngineState:
    """Everything needed to continue a run exactly where it stopped.

    Attributes
    ----------
    syn0, syn1 : np.ndarray
        float32 (V, D): input vectors (the result) and output (context) vectors.
    rng_states : np.ndarray
        uint64 (workers, 1): one kernel RNG state per thread.
    epoch : int
        Epochs completed.
    """

    syn0: np.ndarray
    syn1: np.ndarray
    rng_states: np.ndarray
    epoch: int = 0


@dataclass
class EngineResult:
    """Trained tables and the history of a run."""

    input_vectors: np.ndarray
    output_vectors: np.ndarray
    history: list[dict[str, Any]] = field(default_factory=list)


def init_state(vocab_size: int, config: TrainConfig) -> EngineState:
    """Weights as word2vec.c (v ~ U(-0.5/D, 0.5/D), u = 0) and per-thread RNG states."""
    rng = np.random.default_rng(config.seed)
    dim = config.vector_size
    syn0 = ((rng.random((vocab_size, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    syn1 = np.zeros((vocab_size, dim), dtype=np.float32)
    states = rng.integers(1, 2**63, size=(config.workers, 1), dtype=np.uint64)
    return EngineState(syn0=syn0, syn1=syn1, rng_states=states)


def shard_bounds(sentence_starts: np.ndarray, workers: int) -> list[tuple[int, int]]:
    """Split sentences into ``workers`` contiguous ranges of about equal word counts.

    Returns a list of (first sentence, end sentence) pairs; some may be empty.
    """
    total = int(sentence_starts[-1])
    targets = [total * k // workers for k in range(workers + 1)]
    cuts = np.searchsorted(sentence_starts, targets, side="left")
    cuts[0], cuts[-1] = 0, len(sentence_starts) - 1
    return [(int(cuts[k]), int(max(cuts[k], cuts[k + 1]))) for k in range(workers)]


def _chunks(starts: np.ndarray, first: int, end: int) -> list[tuple[int, int]]:
    """Cut sentences [first, end) into runs of about CHUNK_WORDS words."""
    out, begin = [], first
    while begin < end:
        stop = int(np.searchsorted(starts, starts[begin] + CHUNK_WORDS, side="left"))
        stop = min(max(stop, begin + 1), end)
        out.append((begin, stop))
        begin = stop
    return out


def options_array(config: TrainConfig) -> np.ndarray:
    """The kernel's int options: (window, negative, sg, softmax, shared_negatives)."""
    return np.array([config.window, config.negative if config.loss == "neg" else 0,
                     int(config.sg), int(config.loss == "softmax"),
                     int(config.shared_negatives)], dtype=np.int64)


class _Run:
    """One training run: shared tables, per-thread counters, the stop flag."""

    def __init__(self, encoded: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                 state: EngineState) -> None:
        self.config, self.state = config, state
        self.ids = np.ascontiguousarray(encoded.ids)
        self.starts = np.asarray(encoded.sentence_starts, dtype=np.int64)
        accept, alias = alias_table(vocab.noise_distribution(config.ns_exponent))
        keep = vocab.keep_probabilities(config.sample).astype(np.float32)
        self.tables = (keep, accept, alias)
        self.options = options_array(config)
        self.shards = shard_bounds(self.starts, config.workers)
        self.counters = np.zeros((config.workers, 3), dtype=np.float64)  # loss, pairs, words
        self.stop = threading.Event()
        self.diverged = False

    def alpha_at(self, progress: float) -> float:
        cfg = self.config
        return cfg.alpha - (cfg.alpha - cfg.min_alpha) * min(progress, 1.0)

    def work(self, worker: int, epoch: int) -> None:
        """Train one shard for one epoch, chunk by chunk (runs in a thread)."""
        from w2v.engines.numba_kernels import train_chunk

        first, end = self.shards[worker]
        if first == end:
            return
        base = self.starts[first]
        shard_words = max(int(self.starts[end] - base), 1)
        weights = (self.state.syn0, self.state.syn1)
        epochs = self.config.epochs
        for a, b in _chunks(self.starts, first, end):
            if self.stop.is_set():
                return
            p0 = (epoch + (self.starts[a] - base) / shard_words) / epochs
            p1 = (epoch + (self.starts[b] - base) / shard_words) / epochs
            alphas = np.array([self.alpha_at(p0), self.alpha_at(p1)])
            row = self.counters[worker]
            train_chunk(self.ids, self.starts[a:b + 1], weights, self.tables, self.options,
                        alphas, self.state.rng_states[worker], row)
            if not math.isfinite(row[0]):
                self.diverged = True
                self.stop.set()
                return


def train(encoded: EncodedCorpus, vocab: Vocab, config: TrainConfig,
          report: Report | None = None, state: EngineState | None = None) -> EngineResult:
    """Train with the numba kernels.

    Parameters
    ----------
    encoded : EncodedCorpus
        The corpus as ids (uint32, (N,)) and sentence offsets.
    vocab : Vocab
        Gives the subsampling and noise distributions.
    config : TrainConfig
    report : callable, optional
        Called with each history record as it is made (for progress display).
    state : EngineState, optional
        Start from this state (e.g. a checkpoint) instead of a fresh initialisation.

    Returns
    -------
    EngineResult
        ``input_vectors`` and ``output_vectors`` float32 (V, D), and ``history``: records
        with keys kind ("interval" or "epoch"), epoch (1-based), words_done (words read
        so far, all epochs), loss (mean loss per trained pair in the interval or epoch),
        pairs, words_per_s (wall clock), alpha (at the end), elapsed_s.

    Raises
    ------
    DivergenceError
        If the loss becomes NaN or infinite (learning rate too high).
    """
    state = state if state is not None else init_state(len(vocab), config)
    run = _Run(encoded, vocab, config, state)
    history: list[dict[str, Any]] = []
    clock = _Clock(run, history, report)
    with ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="w2v") as pool:
        for epoch in range(state.epoch, config.epochs):
            futures = [pool.submit(run.work, w, epoch) for w in range(config.workers)]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=REPORT_SECONDS)
                clock.record("interval", epoch)
            for future in futures:
                future.result()  # re-raise a bug in a thread here
            if run.diverged:
                raise DivergenceError(
                    f"Training diverged in epoch {epoch + 1}: the loss is not finite. Lower "
                    f"alpha (now {config.alpha}).")
            clock.record("epoch", epoch)
            state.epoch = epoch + 1
    return EngineResult(state.syn0, state.syn1, history)


class _Clock:
    """Turns the counter table into history records (interval and per-epoch means)."""

    def __init__(self, run: _Run, history: list[dict[str, Any]], report: Report | None) -> None:
        self.run, self.history, self.report = run, history, report
        self.t0 = time.perf_counter()
        self.last = (self.t0, np.zeros(3))
        self.epoch_start = (self.t0, np.zeros(3))
        self.total_words = max(int(run.starts[-1]), 1)

    def record(self, kind: str, epoch: int) -> None:
        now, totals = time.perf_counter(), self.run.counters.sum(axis=0)
        since_t, since = self.last if kind == "interval" else self.epoch_start
        loss, pairs, words = totals - since
        if kind == "interval" and words == 0:
            return
        done = totals[2]
        progress = done / (self.total_words * self.run.config.epochs)
        entry = {
            "kind": kind, "epoch": epoch + 1, "words_done": int(done),
            "loss": float(loss / pairs) if pairs else float("nan"), "pairs": int(pairs),
            "words_per_s": float(words / max(now - since_t, 1e-9)),
            "alpha": float(self.run.alpha_at(progress)), "elapsed_s": now - self.t0,
        }
        self.history.append(entry)
        self.last = (now, totals)
        if kind == "epoch":
            self.epoch_start = (now, totals)
        if self.report is not None:
            self.report(entry)
