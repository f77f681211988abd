"""The CPU engine of the subword (fastText) model: the numba engine's driver, subword kernels.

Shards, chunks, threads, the learning-rate schedule, randomness and history are those of
:mod:`w2v.engines.numba_engine` (one copy of each); only the tables and the kernel differ:

- ``w_in`` is (nwords + bucket, D) in fastText's row layout (:mod:`w2v.subwords`), every
  row drawn as the word rows of the word-level model (``config.init``); ``w_out`` is
  (nwords, D), zero.
- the subword rows of every vocabulary word are computed once
  (:func:`w2v.subwords.build_subword_index`) and handed to every chunk;
- each chunk runs :func:`w2v.engines.subword_kernels.train_subword_chunk`.

The result's ``w_in`` is the whole input table; ``details["subwords"]`` holds the index, from
which :class:`w2v.subword_vectors.SubwordVectors` composes word vectors.
"""

from __future__ import annotations

import math

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.dtypes import REAL
from w2v.engines.common import initial_w_in
from w2v.engines.contract import Control, EngineResult, HistoryRecord, Report, TrainingState
from w2v.engines.numba_engine import _chunks, _Clock, _Run, _train_epoch
from w2v.subwords import SubwordIndex, build_subword_index
from w2v.vocab import Vocab

_INIT_BLOCK = 65_536  # rows drawn at a time


def init_state(index: SubwordIndex, config: TrainConfig) -> TrainingState:
    """Initial tables: w_in (nwords + bucket, D) uniform as the word model's, w_out zero,
    and with hierarchical softmax w_hs (nwords - 1, D) zero (fastText's output rows)."""
    rng = np.random.default_rng(config.seed)
    # In blocks: one draw of 2M rows would hold two more (rows, D) temporaries (1.6 GB).
    w_in = np.empty((index.rows, config.vector_size), dtype=REAL)
    for start in range(0, index.rows, _INIT_BLOCK):
        stop = min(start + _INIT_BLOCK, index.rows)
        w_in[start:stop] = initial_w_in(rng, stop - start, config)
    w_out = np.zeros((index.nwords, config.vector_size), dtype=REAL)
    w_hs = (np.zeros((max(index.nwords - 1, 0), config.vector_size), dtype=REAL)
            if config.hs else None)
    states = rng.integers(1, 2**63, size=(config.workers, 1), dtype=np.uint64)
    return TrainingState(w_in=w_in, w_out=w_out, rng_states=states, w_hs=w_hs)


class _SubwordRun(_Run):
    """A :class:`~w2v.engines.numba_engine._Run` whose chunks run the subword kernel."""

    def __init__(self, encoded: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                 state: TrainingState, index: SubwordIndex) -> None:
        super().__init__(encoded, vocab, config, state)
        self.subwords = (index.ids, index.offsets)

    def work(self, worker: int, epoch: int) -> bool:
        """Train one shard for one epoch, chunk by chunk (as the word-level engine)."""
        from w2v.engines.subword_kernels import train_subword_chunk

        first, end = self.shards[worker]
        if first == end:
            return True
        base = self.starts[first]
        shard_words = max(int(self.starts[end] - base), 1)
        weights = (self.state.w_in, self.state.w_out, self._w_hs())
        epochs = self.config.epochs
        chunks = _chunks(self.starts, first, end, self.chunk_words)
        start = int(self.state.position[worker])
        for k in range(start, len(chunks)):
            if self.stop.is_set() or (k > start and self.control.wants_pause()):
                return False
            a, b = chunks[k]
            p0 = (epoch + (self.starts[a] - base) / shard_words) / epochs
            p1 = (epoch + (self.starts[b] - base) / shard_words) / epochs
            alphas = np.array([self.alpha_at(p0), self.alpha_at(p1)])
            row = self.counters[worker]
            train_subword_chunk(self.ids, self.starts[a:b + 1], weights, self.tables,
                                self.subwords, self.options, alphas,
                                self.state.rng_states[worker], row)
            if not math.isfinite(row[0]):
                self.diverged = True
                self.stop.set()
                return False
            self.state.position[worker] = k + 1
            self.state.alpha = float(alphas[1])
        return True


def train(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
          report: Report | None = None, state: TrainingState | None = None,
          control: Control | None = None) -> EngineResult:
    """Train the subword model with the numba kernels (the engine contract's signature).

    Returns
    -------
    EngineResult
        ``w_in`` float32 (nwords + bucket, D), ``w_out`` float32 (nwords, D), the history,
        and ``details["subwords"]``, the :class:`~w2v.subwords.SubwordIndex` of the vocabulary.

    Raises
    ------
    DivergenceError
        If the loss becomes NaN or infinite.
    """
    from concurrent.futures import ThreadPoolExecutor

    index = build_subword_index(vocab.words, config.min_n, config.max_n, config.bucket)
    state = state if state is not None else init_state(index, config)
    run = _SubwordRun(corpus, vocab, config, state, index)
    run.control = control if control is not None else run.control
    history: list[HistoryRecord] = []
    clock = _Clock(run, history, report)
    with ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="w2v") as pool:
        for epoch in range(state.epoch, config.epochs):
            while not _train_epoch(run, pool, clock, epoch):
                run.control.paused(state, epoch_end=False)
            clock.record("epoch", epoch)
            state.epoch, state.position[:] = epoch + 1, 0
            run.control.paused(state, epoch_end=True)
    examples = int(run.counters[:, 1].sum())
    return EngineResult(state.w_in, state.w_out, history, examples=examples,
                        details={"subwords": index}, w_hs=state.w_hs)
