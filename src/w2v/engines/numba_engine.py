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

The run's whole state is a :class:`~w2v.engines.contract.TrainingState` (weights, RNG
states, epoch, position, counters), so that a checkpoint restores a run exactly.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.dtypes import REAL
from w2v.engines.common import initial_w_hs, initial_w_in, learning_rate
from w2v.engines.contract import Control, EngineResult, HistoryRecord, Report, TrainingState
from w2v.errors import DivergenceError
from w2v.huffman import build_huffman_tree
from w2v.vocab import Vocab, alias_table

# Words per kernel call: the granularity of reports, NaN checks and the stop flag
# (about 10 ms of work), large enough that the call overhead does not show.
CHUNK_WORDS = 50_000
# Wall seconds between interval records in the history.
REPORT_SECONDS = 1.0



def init_state(vocab_size: int, config: TrainConfig) -> TrainingState:
    """Initial weights and per-thread RNG states.

    Input vectors v ~ U(-s/D, s/D) with s from ``config.init`` (0.5 as word2vec.c by
    default, 1 as gensim 4), output vectors u = 0 (and the inner-node vectors ``w_hs``,
    (V - 1, D), with ``hs``).
    """
    rng = np.random.default_rng(config.seed)
    w_in = initial_w_in(rng, vocab_size, config)
    w_out = np.zeros((vocab_size, config.vector_size), dtype=REAL)
    states = rng.integers(1, 2**63, size=(config.workers, 1), dtype=np.uint64)
    return TrainingState(w_in=w_in, w_out=w_out, rng_states=states,
                         w_hs=initial_w_hs(vocab_size, config))


def shard_bounds(sentence_starts: np.ndarray, workers: int) -> list[tuple[int, int]]:
    """Split sentences into ``workers`` contiguous ranges of about equal word counts.

    Returns a list of (first sentence, end sentence) pairs; some may be empty.
    """
    total = int(sentence_starts[-1])
    targets = [total * k // workers for k in range(workers + 1)]
    cuts = np.searchsorted(sentence_starts, targets, side="left")
    cuts[0], cuts[-1] = 0, len(sentence_starts) - 1
    return [(int(cuts[k]), int(max(cuts[k], cuts[k + 1]))) for k in range(workers)]


def chunk_words(config: TrainConfig, vocab_size: int) -> int:
    """Words per kernel call: CHUNK_WORDS at the default cost per word, fewer where a word
    costs more (a wide window, many negatives, the full softmax), so that a chunk -- the
    step at which a signal or a checkpoint is answered -- stays about as short."""
    outputs = vocab_size if config.loss == "softmax" else config.negative + 1
    if config.hs:  # a path of about log2(V) inner nodes
        outputs += max(1, int(math.log2(max(vocab_size, 2))))
    default_cost = 5 * 6  # window 5, 5 negatives + the positive
    cost = config.window * outputs
    return max(1, min(CHUNK_WORDS, CHUNK_WORDS * default_cost // max(cost, 1)))


def _chunks(starts: np.ndarray, first: int, end: int, words: int) -> list[tuple[int, int]]:
    """Cut sentences [first, end) into runs of about ``words`` words."""
    out, begin = [], first
    while begin < end:
        stop = int(np.searchsorted(starts, starts[begin] + words, side="left"))
        stop = min(max(stop, begin + 1), end)
        out.append((begin, stop))
        begin = stop
    return out


def scratch(config: TrainConfig, vocab_size: int) -> tuple[np.ndarray | None, ...]:
    """The kernel's optional scratch arrays, which also select the update it compiles:
    (scores (V,) float64 for the full softmax or None, h (D,) float32 for CBOW with negative
    sampling or None, hs_grad (2 * window, D) float32 for hierarchical softmax or CBOW on
    the sum of the contexts, or None, sg_context (1,) int64 for skip-gram with negative
    sampling or None)."""
    softmax = config.loss == "softmax"
    tree_path = not softmax and (config.hs or not (config.sg or config.cbow_mean))
    scores = np.empty(vocab_size, dtype=np.float64) if softmax else None
    plain = not (softmax or tree_path)  # negative sampling alone
    cbow_h = np.empty(config.vector_size, dtype=REAL) if plain and not config.sg else None
    hs_grad = (np.empty((2 * config.window, config.vector_size), dtype=REAL) if tree_path
               else None)
    sg_context = np.empty(1, dtype=np.int64) if plain and config.sg else None
    return scores, cbow_h, hs_grad, sg_context


def options_array(config: TrainConfig) -> np.ndarray:
    """The kernel's int options: (window, negative, sg, softmax, shared_negatives, hs,
    cbow_mean, shrink_windows, mean_gradient)."""
    return np.array([config.window, config.negative if config.loss == "neg" else 0,
                     int(config.sg), int(config.loss == "softmax"),
                     int(config.shared_negatives), int(config.hs), int(config.cbow_mean),
                     int(config.shrink_windows), int(config.cbow_gradient == "mean")],
                    dtype=np.int64)


def tree_tables(vocab: Vocab, config: TrainConfig) -> tuple[np.ndarray, np.ndarray,
                                                             np.ndarray]:
    """The kernel's Huffman tree (codes, points, offsets); empty paths without ``hs``."""
    if config.hs:
        tree = vocab.huffman_tree()
        return tree.codes, tree.points, tree.offsets
    return (np.zeros(0, np.uint8), np.zeros(0, np.int32),
            np.zeros(len(vocab) + 1, np.int64))


class _Run:
    """One training run: shared tables, per-thread counters, the stop flag."""

    def __init__(self, encoded: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                 state: TrainingState) -> None:
        self.config, self.state = config, state
        self.ids = np.ascontiguousarray(encoded.ids)
        self.starts = np.asarray(encoded.sentence_starts, dtype=np.int64)
        accept, alias = alias_table(vocab.noise_distribution(config.ns_exponent))
        keep = vocab.keep_probabilities(config.sample).astype(REAL)
        self.tables = (keep, accept, alias, *tree_tables(vocab, config))
        self.options = options_array(config)
        self.shards = shard_bounds(self.starts, config.workers)
        self.chunk_words = chunk_words(config, len(vocab))
        if state.counters is None:
            state.counters = np.zeros((config.workers, 3), dtype=np.float64)
        if state.position is None:
            state.position = np.zeros(config.workers, dtype=np.int64)
        self.counters = state.counters  # loss, examples, words of each thread
        self.control = Control()
        self.stop = threading.Event()
        self.diverged = False

    def alpha_at(self, progress: float) -> float:
        return learning_rate(self.config, progress)

    def _w_hs(self) -> np.ndarray:
        """The inner-node table for the kernel: w_hs, or one without rows when the run has
        no hierarchical softmax (the kernel's argument types stay the same)."""
        if self.state.w_hs is None:
            return np.zeros((0, self.state.w_in.shape[1]), dtype=REAL)
        return self.state.w_hs

    def chunk_trainer(self) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                                        None]:
        """One thread's kernel call: ``train(starts, alphas, rng_state, counters)`` trains
        the sentences of ``starts`` (a chunk's offsets) on this run's tables, with its own
        scratch arrays. A run of another model overrides this and nothing else."""
        from w2v.engines.numba_kernels import train_chunk
        from w2v.engines.row_width import kernel_width

        weights = (self.state.w_in, self.state.w_out, self._w_hs())
        scratches = scratch(self.config, len(self.state.w_in))
        width = kernel_width(self.state.w_in.shape[1])

        def train(starts: np.ndarray, alphas: np.ndarray, rng_state: np.ndarray,
                  counters: np.ndarray) -> None:
            train_chunk(self.ids, starts, weights, self.tables, self.options, alphas,
                        rng_state, counters, width, *scratches)

        return train

    def work(self, worker: int, epoch: int) -> bool:
        """Train one shard for one epoch, chunk by chunk (runs in a thread).

        Starts at chunk ``state.position[worker]``; returns True when the shard is done,
        False when parked at a chunk boundary (stop flag or ``control.wants_pause()``).
        """
        first, end = self.shards[worker]
        if first == end:
            return True
        base = self.starts[first]
        shard_words = max(int(self.starts[end] - base), 1)
        epochs = self.config.epochs
        chunks = _chunks(self.starts, first, end, self.chunk_words)
        train = self.chunk_trainer()
        start = int(self.state.position[worker])
        for k in range(start, len(chunks)):
            # At least one chunk per call, so that a pause after every chunk still progresses.
            if self.stop.is_set() or (k > start and self.control.wants_pause()):
                return False
            a, b = chunks[k]
            p0 = (epoch + (self.starts[a] - base) / shard_words) / epochs
            p1 = (epoch + (self.starts[b] - base) / shard_words) / epochs
            alphas = np.array([self.alpha_at(p0), self.alpha_at(p1)])
            row = self.counters[worker]
            train(self.starts[a:b + 1], alphas, self.state.rng_states[worker], row)
            if not math.isfinite(row[0]):
                self.diverged = True
                self.stop.set()
                return False
            self.state.position[worker] = k + 1
            self.state.alpha = float(alphas[1])
        return True


def compile_kernels(config: TrainConfig | None = None) -> float:
    """Compile the training kernel a run with ``config`` uses (default: skip-gram with
    negative sampling), or load it from numba's on-disk cache; returns seconds.

    Runs :func:`~w2v.engines.numba_kernels.train_chunk` once on a four-word corpus with
    arguments of the types such a run passes, so numba compiles the specialisation that
    training uses: one for skip-gram, one for CBOW (negative sampling), one for the full
    softmax (:func:`scratch`), each for the run's row width if that is one of
    :data:`~w2v.engines.row_width.CONSTANT_WIDTHS` and for any other width otherwise; every
    other option is a runtime value. The first call after
    installing compiles (a few seconds) and writes numba's cache: next to the module, or
    where the package folder is read-only, in the user's cache folder (``NUMBA_CACHE_DIR``
    to choose); later processes load it in a fraction of a second.
    """
    t0 = time.perf_counter()
    from w2v.engines.numba_kernels import train_chunk
    from w2v.engines.row_width import kernel_width

    config = config or TrainConfig()
    # a toy run: tiny rows, unless the run's width is compiled as a constant
    dim = config.vector_size if kernel_width(config.vector_size) else 4
    config = config.replace(window=1, negative=1, workers=1, vector_size=dim)
    accept, alias = alias_table(np.array([0.5, 0.5]))
    tree = build_huffman_tree(np.array([1, 1]))
    tables = (np.ones(2, dtype=REAL), accept, alias, tree.codes, tree.points, tree.offsets)
    weights = (np.zeros((2, dim), dtype=REAL), np.zeros((2, dim), dtype=REAL),
               np.zeros((1, dim), dtype=REAL))
    ids = np.array([0, 1, 0, 1], dtype=np.uint32)
    train_chunk(ids, np.array([0, 4], dtype=np.int64), weights, tables, options_array(config),
                np.array([0.025, 0.025]), np.ones(1, dtype=np.uint64), np.zeros(3),
                kernel_width(dim), *scratch(config, 2))
    return time.perf_counter() - t0


def prepare(config: TrainConfig | None = None) -> threading.Thread:
    """Start :func:`compile_kernels` in a background thread, e.g. while the corpus is read.

    The compilation runs under numba's lock: a training call that comes first waits for it
    and then finds the kernel compiled. An error is left for that call to raise.
    """

    def run() -> None:
        with contextlib.suppress(Exception):  # the training call compiles again and raises it
            compile_kernels(config)

    thread = threading.Thread(target=run, name="w2v-compile", daemon=True)
    thread.start()
    return thread


def train(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
          report: Report | None = None, state: TrainingState | None = None,
          control: Control | None = None) -> EngineResult:
    """Train with the numba kernels.

    Parameters
    ----------
    corpus : EncodedCorpus
        The corpus as ids (uint32, (N,)) and sentence offsets.
    vocab : Vocab
        Gives the subsampling and noise distributions.
    config : TrainConfig
    report : callable, optional
        Called with each history record as it is made (for progress display).
    state : TrainingState, optional
        Start from this state (e.g. a checkpoint) instead of a fresh initialisation.
    control : Control, optional
        Asked between chunks whether to park the threads, and called while they are parked
        and at each epoch's end (checkpoints, interruption).

    Returns
    -------
    EngineResult
        ``w_in`` and ``w_out`` float32 (V, D), and the history (interval and epoch
        records).

    Raises
    ------
    DivergenceError
        If the loss becomes NaN or infinite (learning rate too high).
    """
    state = state if state is not None else init_state(len(vocab), config)
    return train_run(_Run(corpus, vocab, config, state), report, control)


def train_run(run: _Run, report: Report | None = None,
              control: Control | None = None) -> EngineResult:
    """Train a prepared run to its last epoch: the threads, the epochs, the pauses at the
    control's request, the history. Every model of this engine (words, subwords) trains
    through here; only its :meth:`_Run.chunk_trainer` differs."""
    state, config = run.state, run.config
    run.control = control if control is not None else run.control
    if run.control.max_chunk_words is not None:
        run.chunk_words = max(1, min(run.chunk_words, run.control.max_chunk_words))
    history: list[HistoryRecord] = []
    clock = _Clock(run, history, report)
    with ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="w2v") as pool:
        for epoch in range(state.epoch, config.epochs):
            run.control.epoch_begin(epoch, state)
            while not _train_epoch(run, pool, clock, epoch):
                run.control.paused(state, epoch_end=False)  # threads parked mid-epoch
            clock.record("epoch", epoch)
            state.epoch, state.position[:] = epoch + 1, 0
            run.control.paused(state, epoch_end=True)
            if run.control.epoch_end(epoch, state):  # a callback stopped training early
                break
    examples = int(run.counters[:, 1].sum())
    return EngineResult(state.w_in, state.w_out, history, examples=examples, state=state,
                        w_hs=state.w_hs)


def _train_epoch(run: _Run, pool: ThreadPoolExecutor, clock: _Clock, epoch: int) -> bool:
    """Run every thread until its shard is done (True) or it parks (False)."""
    futures = [pool.submit(run.work, w, epoch) for w in range(run.config.workers)]
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=REPORT_SECONDS)
        clock.record("interval", epoch)
    finished = [future.result() for future in futures]  # re-raises a bug in a thread
    if run.diverged:
        lr = run.state.alpha if run.state.alpha is not None else run.config.alpha
        raise DivergenceError("Training diverged in epoch {epoch}: the loss is not finite "
                              "(learning rate {lr:.4g}). Lower the {alpha} (now {now}).",
                              epoch=epoch + 1, lr=lr, now=run.config.alpha)
    return all(finished)


class _Clock:
    """Turns the counter table into history records (interval and per-epoch means)."""

    def __init__(self, run: _Run, history: list[HistoryRecord], report: Report | None) -> None:
        self.run, self.history, self.report = run, history, report
        self.t0 = time.perf_counter()
        # A resumed run starts from the restored counters.
        self.last = (self.t0, run.counters.sum(axis=0))
        self.epoch_start = self.last
        self.total_words = max(int(run.starts[-1]), 1)

    def record(self, kind: str, epoch: int) -> None:
        now, totals = time.perf_counter(), self.run.counters.sum(axis=0)
        since_t, since = self.last if kind == "interval" else self.epoch_start
        loss, examples, words = totals - since
        if kind == "interval" and words == 0:
            return
        done = totals[2]
        progress = done / (self.total_words * self.run.config.epochs)
        entry = HistoryRecord.of_span(kind, epoch, done, loss, examples, words, now - since_t,
                                      self.run.alpha_at(progress), now - self.t0)
        self.history.append(entry)
        self.last = (now, totals)
        if kind == "epoch":
            self.epoch_start = (now, totals)
        if self.report is not None:
            self.report(entry)
