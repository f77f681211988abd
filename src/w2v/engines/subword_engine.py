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

from collections.abc import Callable

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.dtypes import REAL
from w2v.engines.common import initial_w_hs, initial_w_in
from w2v.engines.contract import Control, EngineResult, Report, TrainingState
from w2v.engines.numba_engine import _Run, train_run
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
    states = rng.integers(1, 2**63, size=(config.workers, 1), dtype=np.uint64)
    return TrainingState(w_in=w_in, w_out=w_out, rng_states=states,
                         w_hs=initial_w_hs(index.nwords, config))


class _SubwordRun(_Run):
    """A :class:`~w2v.engines.numba_engine._Run` whose chunks run the subword kernel."""

    def __init__(self, encoded: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                 state: TrainingState, index: SubwordIndex) -> None:
        super().__init__(encoded, vocab, config, state)
        self.subwords = (index.ids, index.offsets)

    def chunk_trainer(self) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                                        None]:
        """One thread's call of the subword kernel (:meth:`_Run.chunk_trainer`)."""
        from w2v.engines.row_width import kernel_width
        from w2v.engines.subword_kernels import train_subword_chunk

        weights = (self.state.w_in, self.state.w_out, self._w_hs())
        width = kernel_width(self.state.w_in.shape[1])

        def train(starts: np.ndarray, alphas: np.ndarray, rng_state: np.ndarray,
                  counters: np.ndarray) -> None:
            train_subword_chunk(self.ids, starts, weights, self.tables, self.subwords,
                                self.options, alphas, rng_state, counters, width)

        return train


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
    index = build_subword_index(vocab.words, config.min_n, config.max_n, config.bucket)
    state = state if state is not None else init_state(index, config)
    result = train_run(_SubwordRun(corpus, vocab, config, state, index), report, control)
    result.details["subwords"] = index
    return result
