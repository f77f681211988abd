"""The assignment's run (CS224N a2 ``run.py``) behind ``w2v seed``: fast, or replayed exactly.

Skip-gram with negative sampling (K = 10) or the naive softmax on the bundled SST corpus:
10-dimensional vectors, windows of 1..5 words, SGD with step 0.3 halved every 20,000 iterations,
40,000 iterations of 50 windows, the assignment's initialisation.

- :func:`run_assignment` runs each iteration as exactly one step of
  ``sgd(word2vec_sgd_wrapper(skipgram, ...))`` in the kernels of :mod:`w2v.seed.kernels`. The
  windows and negatives come from the kernels' own generator instead of Python's ``random``, so
  the numbers follow the assignment's distribution but not its trajectory (``docs/seed.md``).
- :func:`replay_assignment` is run.py itself: :func:`w2v.reference.sgd` driven by Python's
  global ``random``, as slow as the original.

Both save the run every 5,000 iterations (:mod:`w2v.seed.saves`), continue from the latest save
with ``resume=True`` exactly as if never stopped, and end by writing the figure, the vectors and
the loss curve (:mod:`w2v.seed.outputs`).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import make_output_dir
from w2v.errors import CheckpointError, DivergenceError
from w2v.reference import ANNEAL_EVERY, SAVE_PARAMS_EVERY
from w2v.seed.outputs import write_outputs
from w2v.seed.saves import PYTHON_RANDOM, XOSHIRO, Save, SaveFolder
from w2v.validation import Choice, Flag, Int

__all__ = ["DEFAULT_RANDOM_SEED", "LOSSES", "RunResult", "replay_assignment", "run_assignment",
           "warm_up"]

DIM = 10               # run.py's dimVectors
WINDOW = 5             # run.py's C: each window draws its size in 1..5
NEGATIVES = 10         # K of negSamplingLossAndGradient
STEP = 0.3             # initial SGD step
PRINT_EVERY = 10       # sgd's print interval: the smoothed loss is updated every 10 iterations
SAVE_EVERY = SAVE_PARAMS_EVERY  # sgd's save interval (5,000)
CHUNK = 250            # iterations per kernel call: how often the progress bar moves
DEFAULT_RANDOM_SEED = 31415  # run.py seeds Python's random with 31415 ...
INIT_RANDOM_SEED = 9265      # ... and numpy's with 9265, which draws the initial vectors
LOSSES = ("neg", "softmax")
SAVES_DIR = "checkpoints"              # the fast run's saves, inside the output folder
FAITHFUL_SAVES_DIR = "checkpoints_faithful"

_OPTIONS = {"iterations": Int(low=1), "loss": Choice(LOSSES),
            # numpy's and Python's generators take any int; 2^64 keeps the saves' JSON small.
            "random_seed": Int(low=0, high=2**64 - 1), "save_every": Int(low=1),
            "resume": Flag(), "progress": Flag()}


@dataclass
class RunResult:
    """What a run did: timings in seconds, the final smoothed loss, the files written."""

    out: Path
    iterations: int
    loss: str
    start_iteration: int
    final_loss: float | None
    load_s: float
    compile_s: float
    train_s: float
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """One line: time, final smoothed loss and the assignment's sanity check."""
        done = self.iterations - self.start_iteration
        resumed = f", resumed at {self.start_iteration}" if self.start_iteration else ""
        final = "n/a" if self.final_loss is None else f"{self.final_loss:.3f}"
        return (f"w2v seed: {done} iterations ({self.loss}{resumed}) in {self.train_s:.1f} s "
                f"(+ {self.compile_s:.1f} s compile, {self.load_s:.1f} s corpus); final smoothed "
                f"loss {final} (sanity check: cost at convergence should be around or below 10); "
                f"wrote {self.out}")


@dataclass
class _State:
    """What the iterations change: parameters, the kernels' generator, the loss average."""

    params: np.ndarray  # float64 (2N, D): center vectors V over outside vectors U
    rng_state: np.ndarray  # uint64 (4,): the kernels' xoshiro256** state
    iteration: int = 0
    exploss: float | None = None
    history: list[tuple[int, float]] = field(default_factory=list)

    def to_save(self) -> Save:
        history = np.asarray(self.history, dtype=np.float64).reshape(-1, 2)
        return Save(self.iteration, self.params, self.rng_state.copy(), self.exploss, history)

    @classmethod
    def from_save(cls, save: Save) -> _State:
        return cls(save.params, save.random_state, save.iteration, save.exploss,
                   _history_of(save))


def run_assignment(iterations: int = 40_000, loss: str = "neg",
                   random_seed: int = DEFAULT_RANDOM_SEED,
                   out: str | os.PathLike[str] = Path("seed_run"), resume: bool = False,
                   progress: bool = True, *, save_every: int = SAVE_EVERY) -> RunResult:
    """Run the assignment's training on SST, fast, and write its figure, vectors and loss.

    Parameters
    ----------
    iterations : int
        SGD iterations (each a batch of 50 windows), >= 1.
    loss : {"neg", "softmax"}
        Negative sampling with K = 10, or the naive softmax (dense over the vocabulary, slower).
    random_seed : int
        Seeds the corpus subsampling (Python ``random``, as run.py), the windows and negatives
        (the kernels' generator) and the initialisation (numpy ``RandomState(random_seed -
        22150)``, so that the default 31415 gives run.py's ``np.random.seed(9265)``).
    out : path-like
        Output folder, created if missing; the saves go to ``out/checkpoints``.
    resume : bool
        Continue from the latest save in ``out/checkpoints`` (same ``random_seed`` and
        ``loss``). Without it the run starts afresh; the saves of an earlier run are removed
        once this run's first save is written, not before.
    progress : bool
        Show a progress bar (only when stderr is a terminal).
    save_every : int
        Iterations between saves; the last iteration is saved too.

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        For a bad iteration count, loss, random seed or ``save_every``.
    OutputError
        If ``out`` cannot be created or written.
    CheckpointError
        If ``resume`` finds no save, a corrupt one, or one of another run.
    DivergenceError
        If the loss becomes non-finite (the last save is kept).
    """
    _check_options(iterations=iterations, loss=loss, random_seed=random_seed,
                   save_every=save_every, resume=resume, progress=progress)
    out = _prepare_output(Path(out), SAVES_DIR)
    saves = SaveFolder(out / SAVES_DIR, resume=resume,
                       run={"random_seed": random_seed, "loss": loss})
    started = time.perf_counter()
    words, corpus = _load_corpus(random_seed)
    shape = (2 * len(words), DIM)
    state = (_State.from_save(_latest(saves, XOSHIRO, shape)) if resume
             else _initial_state(len(words), random_seed))
    load_s = time.perf_counter() - started
    compile_s = warm_up(loss)
    start_iteration = state.iteration
    started = time.perf_counter()
    _train(state, corpus, loss, iterations, save_every, saves, progress)
    train_s = time.perf_counter() - started
    files = write_outputs(out, words, state.params[:len(words)], state.history, state.iteration,
                          loss)
    final = state.history[-1][1] if state.history else None
    return RunResult(out, state.iteration, loss, start_iteration, final, load_s, compile_s,
                     train_s, files)


def replay_assignment(iterations: int = 40_000, loss: str = "neg",
                      out: str | os.PathLike[str] = Path("seed_run"), resume: bool = False,
                      progress: bool = True, *, save_every: int = SAVE_EVERY) -> RunResult:
    """Replay run.py itself: :mod:`w2v.reference` driven by Python's global ``random``.

    ``random.seed(31415)``, ``np.random.seed(9265)`` and then ``sgd(lambda x:
    word2vec_sgd_wrapper(skipgram, tokens, x, dataset, 5, loss), x0, 0.3, iterations,
    use_saved=True, print_every=10)`` on :class:`~w2v.seed.dataset.StanfordSentiment`,
    consuming random numbers in the assignment's order. Slow: numpy per window and a gradient
    dense over the vocabulary (``docs/benchmarks.md``). Sets the global ``random`` and numpy
    seeds, as run.py does. The saves (``sgd``'s) go to ``out/checkpoints_faithful``.

    Unlike the assignment, a resumed replay equals an uninterrupted one: the corpus is
    subsampled from the same random numbers as in the uninterrupted run before ``sgd``
    restores the saved random state (the assignment subsampled after it).

    Parameters, returns and raises as :func:`run_assignment`; the random seed is the
    assignment's.
    """
    from w2v import reference
    from w2v.progress import iteration_bar
    from w2v.seed.dataset import StanfordSentiment

    _check_options(iterations=iterations, loss=loss, save_every=save_every, resume=resume,
                   progress=progress)
    out = _prepare_output(Path(out), FAITHFUL_SAVES_DIR)
    saves = SaveFolder(out / FAITHFUL_SAVES_DIR, resume=resume, run={"loss": loss})
    started = time.perf_counter()
    dataset = StanfordSentiment()  # draws from the global `random`, as the assignment's
    tokens = dataset.tokens()
    random.seed(DEFAULT_RANDOM_SEED)
    np.random.seed(INIT_RANDOM_SEED)
    n_words = len(tokens)
    x0 = np.concatenate(((np.random.rand(n_words, DIM) - 0.5) / DIM, np.zeros((n_words, DIM))))
    start_iteration, history = 0, []
    if resume:
        earlier = _latest(saves, PYTHON_RANDOM, x0.shape)
        start_iteration, history = earlier.iteration, _history_of(earlier)
        # The uninterrupted run subsamples at its first window, right after randint(1, 5).
        random.randint(1, WINDOW)
        dataset.all_sentences()
    pair_loss = (reference.neg_sampling_loss_and_gradient if loss == "neg"
                 else reference.naive_softmax_loss_and_gradient)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with iteration_bar(progress, iterations, start_iteration) as advance:
        def report(iteration: int, exploss: float) -> None:
            history.append((iteration, exploss))
            advance(iteration, exploss)

        params = reference.sgd(
            lambda x: reference.word2vec_sgd_wrapper(reference.skipgram, tokens, x, dataset,
                                                     WINDOW, pair_loss),
            x0, STEP, iterations, use_saved=True, print_every=PRINT_EVERY, save_dir=saves,
            save_every=save_every, print_fn=report)
    train_s = time.perf_counter() - started
    done = max(iterations, start_iteration)
    label = f"{loss}, faithful"
    files = write_outputs(out, dataset.words, params[:n_words], history, done, label)
    final = history[-1][1] if history else None
    return RunResult(out, done, label, start_iteration, final, load_s, 0.0, train_s, files)


def warm_up(loss: str) -> float:
    """Compile the kernels of ``loss`` (or load them from numba's cache); returns seconds."""
    Choice(LOSSES).check("loss", loss)
    started = time.perf_counter()
    toy_corpus = (np.array([0, 1, 0, 1], dtype=np.int32), np.array([0, 4], dtype=np.int64),
                  np.array([0, 1], dtype=np.int32))  # ids, sentence starts, sampling table
    _run_kernel(loss, np.zeros((4, DIM)), np.array([1, 2, 3, 4], dtype=np.uint64), toy_corpus,
                STEP, np.zeros(1))
    return time.perf_counter() - started


# --- options, output folder, start ----------------------------------------------------------------

def _check_options(**values: Any) -> None:
    for name, value in values.items():
        _OPTIONS[name].check(name, value)


def _prepare_output(out: Path, saves_dir: str) -> Path:
    make_output_dir(out)
    make_output_dir(out / saves_dir, "checkpoint folder", parents=False)
    return out


def _load_corpus(random_seed: int) -> tuple[list[str], tuple[np.ndarray, ...]]:
    """The vocabulary and the kernels' corpus: ids, sentence starts, sampling table."""
    from w2v.seed.dataset import StanfordSentiment

    # run.py's order: seed, then randint(1, 5) for the first window, then the subsampling.
    rng = random.Random(random_seed)
    rng.randint(1, WINDOW)
    dataset = StanfordSentiment(rng=rng)
    ids, starts = dataset.subsampled_ids()
    return dataset.words, (ids, starts, dataset.sample_table())


def _initial_state(n_words: int, random_seed: int) -> _State:
    """run.py's initialisation and a fresh kernel generator; iteration 0."""
    init = np.random.RandomState((random_seed - DEFAULT_RANDOM_SEED + INIT_RANDOM_SEED) % 2**32)
    center = (init.rand(n_words, DIM) - 0.5) / DIM  # uniform on [-0.05, 0.05)
    params = np.vstack([center, np.zeros((n_words, DIM))])  # (2N, D): V over U
    rng_state = np.random.default_rng(random_seed).bit_generator.random_raw(4).astype(np.uint64)
    return _State(params, rng_state)


def _latest(saves: SaveFolder, random_state_kind: str, shape: tuple[int, ...]) -> Save:
    save = saves.latest(random_state_kind, params_shape=shape)
    if save is None:
        raise CheckpointError(f"There is no save to resume from in '{saves.folder}'; start a "
                              f"new run instead.")
    return save


def _history_of(save: Save) -> list[tuple[int, float]]:
    return [(int(it), float(value)) for it, value in save.history]


# --- training -------------------------------------------------------------------------------------

def _run_kernel(loss: str, params: np.ndarray, rng_state: np.ndarray,
                corpus: tuple[np.ndarray, ...], step: float, losses: np.ndarray) -> None:
    """``len(losses)`` iterations of the ``loss`` kernel; params, rng_state, losses in place."""
    from w2v.seed import kernels

    if loss == "neg":
        kernels.run_neg(params, rng_state, *corpus, WINDOW, NEGATIVES, step, losses)
    else:
        kernels.run_softmax(params, rng_state, *corpus, WINDOW, step, losses)


def _train(state: _State, corpus: tuple[np.ndarray, ...], loss: str, iterations: int,
           save_every: int, saves: SaveFolder, progress: bool) -> None:
    """Run iterations ``state.iteration + 1 .. iterations``, updating ``state`` in place."""
    from w2v.progress import iteration_bar

    with iteration_bar(progress, iterations, state.iteration) as advance:
        while state.iteration < iterations:
            it = state.iteration
            # A chunk ends at a save and at a halving of the step, so both fall between calls.
            stop = min(iterations, it + CHUNK, (it // save_every + 1) * save_every,
                       (it // ANNEAL_EVERY + 1) * ANNEAL_EVERY)
            step = STEP * 0.5 ** (it // ANNEAL_EVERY)  # whole halvings, also after a resume
            losses = np.empty(stop - it)
            _run_kernel(loss, state.params, state.rng_state, corpus, step, losses)
            if not np.isfinite(losses).all():
                raise DivergenceError(f"The loss became non-finite between iterations {it + 1} "
                                      f"and {stop}; the last save is kept.")
            _smooth(state, it, losses)
            state.iteration = stop
            if stop % save_every == 0 or stop == iterations:
                saves.write(state.to_save())
            advance(stop, state.exploss)


def _smooth(state: _State, first: int, losses: np.ndarray) -> None:
    """sgd's running loss: every 10th iteration, exploss = 0.95 exploss + 0.05 loss."""
    for offset in range(losses.shape[0]):
        it = first + offset + 1
        if it % PRINT_EVERY == 0:
            value = float(losses[offset])
            # As sgd: a running value of None (or exactly 0.0) restarts from the raw loss.
            state.exploss = value if not state.exploss else (
                0.95 * state.exploss + 0.05 * value)
            state.history.append((it, state.exploss))
