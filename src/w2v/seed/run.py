"""The assignment's run (CS224N a2 ``run.py``), fast: ``w2v seed``.

Skip-gram with negative sampling (K = 10) or the naive softmax on the bundled SST corpus:
10-dimensional vectors, windows of 1..5 words, SGD with step 0.3 halved every 20,000 iterations,
40,000 iterations of 50 windows, the assignment's initialisation. Each iteration is exactly one
step of ``sgd(word2vec_sgd_wrapper(skipgram, ...))`` (see :mod:`w2v.engines.seed_kernels`); the
windows and negatives come from the kernels' own random generator instead of Python's ``random``,
so the numbers are not the assignment's bit for bit but follow the same distribution
(``docs/seed.md``). The run ends with ``word_vectors.png``, ``vectors.txt``, ``loss.png`` and
``loss.tsv`` in the output folder, and saves a checkpoint every 5,000 iterations from which
``resume=True`` continues bit-identically.
"""

from __future__ import annotations

import math
import os
import random
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import atomic_write, make_output_dir
from w2v.errors import CheckpointError, ConfigError, DivergenceError
from w2v.reference import ANNEAL_EVERY, SAVE_PARAMS_EVERY  # the step halves every 20,000
from w2v.seed.saves import PARAMS_FILE_RE, params_path

DIM = 10               # run.py's dimVectors
WINDOW = 5             # run.py's C: each window draws its size in 1..5
NEGATIVES = 10         # K of negSamplingLossAndGradient
STEP = 0.3             # initial SGD step
PRINT_EVERY = 10       # the smoothed loss is updated every 10 iterations, as sgd's print
SAVE_EVERY = SAVE_PARAMS_EVERY  # sgd's checkpoint interval (5,000)
CHUNK = 250            # iterations per kernel call (progress-bar granularity)
DEFAULT_SEED = 31415   # run.py seeds Python's random with 31415 ...
NUMPY_SEED = 9265      # ... and numpy with 9265 (the initialisation)
LOSSES = ("neg", "softmax")
CHECKPOINT_DIR = "checkpoints"
_STATE_RE = re.compile(r"^saved_state_(\d+)\.npz$")


@dataclass
class SeedRunResult:
    """What :func:`run_seed` did: timings in seconds, the final smoothed loss, the files written."""

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


def run_seed(iterations: int = 40_000, loss: str = "neg", seed: int = DEFAULT_SEED,
             out: str | os.PathLike[str] = Path("seed_run"), resume: bool = False,
             progress: bool = True, *, save_every: int = SAVE_EVERY) -> SeedRunResult:
    """Run the assignment's training on SST and write its figure, vectors and loss curve.

    Parameters
    ----------
    iterations : int
        SGD iterations (each a batch of 50 windows), >= 1.
    loss : {"neg", "softmax"}
        Negative sampling with K = 10, or the naive softmax (dense over the vocabulary, slower).
    seed : int
        Seeds the corpus subsampling (Python ``random``, as run.py), the windows and negatives
        (the kernels' generator) and the initialisation (numpy ``RandomState(seed - 22150)``, so
        that the default 31415 gives run.py's ``np.random.seed(9265)``).
    out : path-like
        Output folder, created if missing.
    resume : bool
        Continue from the latest checkpoint in ``out/checkpoints`` (same ``seed`` and ``loss``).
    progress : bool
        Show a progress bar (only when stderr is a terminal).
    save_every : int
        Iterations between checkpoints.

    Returns
    -------
    SeedRunResult

    Raises
    ------
    ConfigError
        For a bad iteration count, loss, seed or ``save_every``.
    OutputError
        If ``out`` cannot be created or written.
    CheckpointError
        If ``resume`` finds no checkpoint, a corrupt one, or one of another run.
    DivergenceError
        If the loss becomes non-finite.
    """
    _check_options(iterations, loss, seed, save_every)
    out = _prepare_output(Path(out))
    checkpoints = out / CHECKPOINT_DIR
    start = time.perf_counter()
    from w2v.seed.dataset import StanfordSentiment

    # run.py's order: seed, then randint(1, 5) for the first window, then the subsampling.
    rng = random.Random(seed)
    rng.randint(1, WINDOW)
    dataset = StanfordSentiment(rng=rng)
    corpus = (*dataset.subsampled_ids(), dataset.sample_table())
    n_words = len(dataset.words)
    if resume:
        state = _load_latest(checkpoints, seed, loss, (2 * n_words, DIM))
    else:
        _remove_checkpoints(checkpoints)
        state = _initial_state(n_words, seed)
    load_s = time.perf_counter() - start
    compile_s = _warm_up(loss)
    start_iteration = state["iteration"]
    start = time.perf_counter()
    _train(state, corpus, loss, iterations, save_every, checkpoints, progress, seed)
    train_s = time.perf_counter() - start
    files = _write_outputs(out, dataset, state, iterations, loss)
    final = state["history"][-1][1] if state["history"] else None
    return SeedRunResult(out, max(iterations, start_iteration), loss, start_iteration, final,
                         load_s, compile_s, train_s, files)


def run_seed_faithful(iterations: int = 40_000, loss: str = "neg",
                      out: str | os.PathLike[str] = Path("seed_run"), resume: bool = False,
                      progress: bool = True) -> SeedRunResult:
    """Replay run.py itself: :mod:`w2v.reference` driven by Python's global ``random``.

    ``random.seed(31415)``, ``np.random.seed(9265)`` and then ``sgd(lambda x:
    word2vec_sgd_wrapper(skipgram, tokens, x, dataset, 5, loss), x0, 0.3, iterations,
    use_saved=True, print_every=10)`` on :class:`~w2v.sst.StanfordSentiment`, consuming random
    numbers in the assignment's order. Slow (numpy per window, the gradient dense over the
    vocabulary): about 50 minutes for the 40,000 iterations with ``neg`` on one core. Sets the
    global ``random`` and numpy seeds, as run.py does. Checkpoints (``reference.sgd``'s format)
    go to ``out/checkpoints_faithful``; ``resume`` continues from the latest, but the loss
    history written to ``loss.tsv`` then starts at the resumed iteration.

    Parameters, returns and raises as :func:`run_seed` (the seed is the assignment's).
    """
    from w2v import reference
    from w2v.progress import iteration_bar
    from w2v.seed.dataset import StanfordSentiment

    _check_options(iterations, loss, DEFAULT_SEED, SAVE_EVERY)
    out = _prepare_output(Path(out))
    save_dir = out / "checkpoints_faithful"
    save_dir.mkdir(exist_ok=True)
    if resume and reference.latest_save_iteration(save_dir) == 0:
        raise CheckpointError(f"No checkpoint to resume from in '{save_dir}'; run without "
                              f"--resume to start afresh.")
    if not resume:
        for path in save_dir.glob("saved_*"):
            path.unlink()
    start = time.perf_counter()
    dataset = StanfordSentiment()  # the global `random`, as the assignment
    tokens = dataset.tokens()
    random.seed(DEFAULT_SEED)
    np.random.seed(NUMPY_SEED)
    n_words = len(tokens)
    x0 = np.concatenate(((np.random.rand(n_words, DIM) - 0.5) / DIM, np.zeros((n_words, DIM))))
    pair_loss = (reference.neg_sampling_loss_and_gradient if loss == "neg"
                 else reference.naive_softmax_loss_and_gradient)
    start_iteration = reference.latest_save_iteration(save_dir)
    load_s = time.perf_counter() - start
    state: dict[str, Any] = {"history": [], "iteration": start_iteration}
    start = time.perf_counter()
    with iteration_bar(progress, iterations, start_iteration) as advance:
        def report(iteration: int, exploss: float) -> None:
            state["history"].append((iteration, exploss))
            advance(iteration, exploss)

        state["params"] = reference.sgd(
            lambda x: reference.word2vec_sgd_wrapper(reference.skipgram, tokens, x, dataset,
                                                     WINDOW, pair_loss),
            x0, STEP, iterations, use_saved=True, print_every=PRINT_EVERY, save_dir=save_dir,
            save_every=SAVE_EVERY, print_fn=report)
    train_s = time.perf_counter() - start
    state["iteration"] = max(iterations, start_iteration)
    files = _write_outputs(out, dataset, state, iterations, f"{loss}, faithful")
    final = state["history"][-1][1] if state["history"] else None
    return SeedRunResult(out, state["iteration"], f"{loss}, faithful", start_iteration, final,
                         load_s, 0.0, train_s, files)


# --- options and output folder ------------------------------------------------------------------

def _check_options(iterations: Any, loss: Any, seed: Any, save_every: Any) -> None:
    for name, value, low in (("iterations", iterations, 1), ("seed", seed, 0),
                             ("save_every", save_every, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"The '{name}' parameter must be an int in the range [{low}, inf). "
                              f"Got {value!r} instead.")
    if loss not in LOSSES:
        raise ConfigError(f"The 'loss' parameter must be one of 'neg', 'softmax'. "
                          f"Got {loss!r} instead.")


def _prepare_output(out: Path) -> Path:
    make_output_dir(out)
    make_output_dir(out / CHECKPOINT_DIR, "checkpoint folder", parents=False)
    return out


# --- state: initialisation and checkpoints -------------------------------------------------------

def _initial_state(n_words: int, seed: int) -> dict[str, Any]:
    """run.py's initialisation and a fresh kernel generator; ``iteration`` 0."""
    init = np.random.RandomState((seed - DEFAULT_SEED + NUMPY_SEED) % 2**32)
    center = (init.rand(n_words, DIM) - 0.5) / DIM  # uniform on [-0.05, 0.05)
    params = np.vstack([center, np.zeros((n_words, DIM))])  # (2N, D): V over U
    rng_state = np.random.default_rng(seed).bit_generator.random_raw(4).astype(np.uint64)
    return {"params": params, "rng_state": rng_state, "iteration": 0, "exploss": None,
            "history": []}


def _state_path(folder: Path, iteration: int) -> Path:
    return folder / f"saved_state_{iteration}.npz"


def save_checkpoint(folder: Path, state: dict[str, Any], seed: int, loss: str) -> None:
    """Write ``saved_params_<it>.npy``, then ``saved_state_<it>.npz`` (RNG, loss), atomically.

    The state file is written last: a checkpoint counts only once it exists.
    """
    it = state["iteration"]
    with atomic_write(params_path(folder, it), "wb") as handle:
        np.save(handle, state["params"], allow_pickle=False)
    history = np.asarray(state["history"], dtype=np.float64).reshape(-1, 2)
    exploss = np.nan if state["exploss"] is None else state["exploss"]
    with atomic_write(_state_path(folder, it), "wb") as handle:
        np.savez(handle, rng_state=state["rng_state"], iteration=np.int64(it),
                 exploss=np.float64(exploss), history=history, seed=np.int64(seed),
                 loss=np.int64(LOSSES.index(loss)))


def _load_latest(folder: Path, seed: int, loss: str, shape: tuple[int, int]) -> dict[str, Any]:
    saved = sorted(int(m.group(1)) for p in folder.iterdir() if (m := _STATE_RE.match(p.name)))
    if not saved:
        raise CheckpointError(f"No checkpoint to resume from in '{folder}'; run without "
                              f"--resume to start afresh.")
    it = saved[-1]
    where = _state_path(folder, it)
    try:
        with np.load(where, allow_pickle=False) as z:
            meta = {k: z[k] for k in ("rng_state", "iteration", "exploss", "history", "seed",
                                      "loss")}
        params = np.load(params_path(folder, it), allow_pickle=False)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"The checkpoint at iteration {it} in '{folder}' is corrupt or "
                              f"incomplete ({exc}); delete it or run without --resume.") from exc
    if int(meta["seed"]) != seed or int(meta["loss"]) != LOSSES.index(loss):
        raise CheckpointError(
            f"The checkpoint in '{folder}' was written with --seed {int(meta['seed'])} --loss "
            f"{LOSSES[int(meta['loss']) % 2]}; resume with the same options or use a new --out.")
    ok = (params.shape == shape and params.dtype == np.float64 and int(meta["iteration"]) == it
          and meta["rng_state"].shape == (4,) and meta["rng_state"].dtype == np.uint64
          and np.isfinite(params).all())
    if not ok:
        raise CheckpointError(f"The checkpoint at iteration {it} in '{folder}' does not match "
                              f"this run (parameters {params.shape}, expected {shape}).")
    exploss = float(meta["exploss"])
    return {"params": params, "rng_state": meta["rng_state"].copy(), "iteration": it,
            "exploss": None if math.isnan(exploss) else exploss,
            "history": [(int(i), float(v)) for i, v in meta["history"]]}


def _remove_checkpoints(folder: Path) -> None:
    """Delete a previous run's checkpoints, so that a later ``--resume`` cannot pick them up."""
    for path in folder.iterdir():
        if _STATE_RE.match(path.name) or PARAMS_FILE_RE.match(path.name):
            path.unlink()


# --- training -------------------------------------------------------------------------------------

def _warm_up(loss: str) -> float:
    """Compile (or load from numba's cache) the kernels on a toy corpus; returns seconds."""
    start = time.perf_counter()
    toy_corpus = (np.array([0, 1, 0, 1], dtype=np.int32), np.array([0, 4], dtype=np.int64),
                  np.array([0, 1], dtype=np.int32))  # ids, sentence starts, sampling table
    _run_kernel(loss, np.zeros((4, DIM)), np.array([1, 2, 3, 4], dtype=np.uint64), toy_corpus,
                STEP, np.zeros(1))
    return time.perf_counter() - start


def _run_kernel(loss: str, params: np.ndarray, rng_state: np.ndarray,
                corpus: tuple[np.ndarray, ...], step: float, losses: np.ndarray) -> None:
    """``len(losses)`` iterations of the ``loss`` kernel; params, rng_state, losses in place."""
    from w2v.seed import kernels

    if loss == "neg":
        kernels.run_neg(params, rng_state, *corpus, WINDOW, NEGATIVES, step, losses)
    else:
        kernels.run_softmax(params, rng_state, *corpus, WINDOW, step, losses)


def _train(state: dict[str, Any], corpus: tuple[np.ndarray, ...], loss: str, iterations: int,
           save_every: int, checkpoints: Path, progress: bool, seed: int) -> None:
    """Run iterations ``state['iteration'] + 1 .. iterations``, updating ``state`` in place."""
    from w2v.progress import iteration_bar

    with iteration_bar(progress, iterations, state["iteration"]) as advance:
        while state["iteration"] < iterations:
            it = state["iteration"]
            stop = min(iterations, it + CHUNK, (it // save_every + 1) * save_every,
                       (it // ANNEAL_EVERY + 1) * ANNEAL_EVERY)
            step = STEP * 0.5 ** (it // ANNEAL_EVERY)  # whole halvings, also after a resume
            losses = np.empty(stop - it)
            _run_kernel(loss, state["params"], state["rng_state"], corpus, step, losses)
            if not np.isfinite(losses).all():
                raise DivergenceError(f"The loss became non-finite between iterations {it + 1} "
                                      f"and {stop}.")
            _smooth(state, it, losses)
            state["iteration"] = stop
            if stop % save_every == 0:
                save_checkpoint(checkpoints, state, seed, loss)
            advance(stop, state["exploss"])


def _smooth(state: dict[str, Any], first: int, losses: np.ndarray) -> None:
    """sgd's running loss: every 10th iteration, exploss = 0.95 exploss + 0.05 loss."""
    for offset in range(losses.shape[0]):
        it = first + offset + 1
        if it % PRINT_EVERY == 0:
            value = float(losses[offset])
            # As sgd: a running value of None (or exactly 0.0) restarts from the raw loss.
            state["exploss"] = value if not state["exploss"] else (
                0.95 * state["exploss"] + 0.05 * value)
            state["history"].append((it, state["exploss"]))


# --- outputs -------------------------------------------------------------------------------------

def _write_outputs(out: Path, dataset: Any, state: dict[str, Any], iterations: int,
                   loss: str) -> list[Path]:
    from w2v.plot import ASSIGNMENT_WORDS, plot_loss_curve, plot_word_vectors_2d
    from w2v.vectors import Vectors

    n_words = len(dataset.words)
    center = state["params"][:n_words]  # run.py plots (and we save) the center vectors
    files = [out / "vectors.txt", out / "word_vectors.png", out / "loss.tsv"]
    Vectors(dataset.words, center).save(files[0], format="text")
    plot_word_vectors_2d(center, ASSIGNMENT_WORDS, files[1], key_to_index=dataset.tokens(),
                         title=f"SST word vectors after {state['iteration']:,} iterations "
                               f"({loss})")
    with atomic_write(files[2], "w", encoding="utf-8") as handle:
        handle.write("iteration\tsmoothed_loss\n")
        handle.writelines(f"{it}\t{value:.6f}\n" for it, value in state["history"])
    if state["history"]:
        files.append(out / "loss.png")
        plot_loss_curve([{"iteration": it, "loss": v} for it, v in state["history"]], files[3],
                        ylabel="smoothed loss (0.95 running average)",
                        title=f"w2v seed ({loss}): training loss")
    return files
