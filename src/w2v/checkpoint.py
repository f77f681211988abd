"""Checkpoints: save a training run between chunks and resume it exactly.

A checkpoint folder ``D`` holds::

    D/checkpoint.json     format, version, config, fingerprints, epoch, position, lr,
                          RNG states, counters, and the SHA-256 of every file below
    D/step-000012/        syn0.npy, syn1.npy (float32 (V, D)), counts.npy (int64 (V,)),
                          vocab.txt (one word a line, id order)

A save writes a new ``step-N`` folder under a temporary name, renames it, and only then
replaces ``checkpoint.json`` (atomically): a crash or SIGKILL at any moment leaves the
previous checkpoint whole. Older step folders are removed after the switch.

A resume refuses, with :class:`~w2v.errors.CheckpointError`, a checkpoint that is truncated or
corrupt (checksums), of another format version, written by another configuration (the
options are compared one by one) or for another corpus (vocabulary and size fingerprint).
With ``workers=1`` and a seed, a resumed run is bit-identical to an uninterrupted one: the
weights, every RNG state and the position (chunk of each thread's shard) are restored, and
the learning rate is a function of that position.

:class:`Checkpointer` is the engine's :class:`~w2v.engines.numba_engine.Control`: threads ask
it between chunks whether to park (a checkpoint is due, or SIGINT/SIGTERM arrived); with all
of them parked it saves, and after a signal raises :class:`TrainingInterrupted`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_write, check_writable_dir, make_output_dir
from w2v.config import TrainConfig
from w2v.errors import CheckpointError, ConfigError, DivergenceError, OutputError, W2VError

if TYPE_CHECKING:
    from w2v.corpus import EncodedCorpus
    from w2v.engines.numba_engine import EngineState
    from w2v.vectors import Vectors
    from w2v.vocab import Vocab

FORMAT = "w2v-checkpoint"
VERSION = 1
STATE_FILE = "checkpoint.json"
# Without --checkpoint-every, a run with a checkpoint folder saves every 10 minutes.
DEFAULT_EVERY_MINUTES = 10.0
_ARRAYS = ("syn0", "syn1", "counts")


class TrainingInterrupted(W2VError):
    """SIGINT or SIGTERM stopped training after a checkpoint was written.

    Attributes
    ----------
    signum : int
        The signal (``signal.SIGINT`` or ``signal.SIGTERM``).
    folder : Path
        The checkpoint folder.
    vectors : Vectors
        The input vectors so far.
    epoch : int
        The epoch (1-based) that was interrupted.
    """

    def __init__(self, signum: int, folder: Path, vectors: Vectors, epoch: int) -> None:
        self.signum, self.folder, self.vectors, self.epoch = signum, folder, vectors, epoch
        super().__init__(f"Interrupted by {signal.Signals(signum).name} in epoch {epoch}; "
                         f"checkpoint written to '{folder}'.")


# --- fingerprints ---------------------------------------------------------------------------

def corpus_fingerprint(vocab: Vocab, encoded: EncodedCorpus) -> str:
    """SHA-256 of what a run saw of its corpus: words, counts, id and sentence totals.

    Parameters
    ----------
    vocab : Vocab
    encoded : EncodedCorpus

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    digest.update("\n".join(vocab.words).encode("utf-8", "surrogatepass"))
    digest.update(np.ascontiguousarray(vocab.counts, dtype="<i8").tobytes())
    digest.update(f"{len(encoded.ids)} {len(encoded.sentence_starts)}".encode())
    return digest.hexdigest()


def config_differences(saved: dict[str, Any], config: TrainConfig) -> list[str]:
    """Options whose value differs between a checkpoint and ``config``.

    Parameters
    ----------
    saved : dict
        The checkpoint's options (``TrainConfig.to_dict()`` when it was written).
    config : TrainConfig
        This run's options.

    Returns
    -------
    list of str
        One ``"name=a (checkpoint) vs b (this run)"`` per differing option, sorted by name.
    """
    current = config.to_dict()
    names = sorted(set(saved) | set(current))
    return [f"{name}={saved.get(name)!r} (checkpoint) vs {current.get(name)!r} (this run)"
            for name in names if saved.get(name) != current.get(name)]


# --- writing --------------------------------------------------------------------------------

def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save_checkpoint(folder: str | os.PathLike[str], state: EngineState, config: TrainConfig,
                    vocab: Vocab, fingerprint: str) -> Path:
    """Write ``state`` as the checkpoint of ``folder`` (created if missing), atomically.

    Parameters
    ----------
    folder : path-like
        The checkpoint folder; its parent must exist.
    state : EngineState
        Weights float32 (V, D) x 2, RNG states uint64 (workers, 1), epoch, position (workers,),
        counters float64 (workers, 3), lr.
    config : TrainConfig
    vocab : Vocab
    fingerprint : str
        :func:`corpus_fingerprint` of the run.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        If the folder cannot be created or written (the previous checkpoint is kept).
    """
    root = Path(folder)
    _make_folder(root)
    previous = _read_json(root / STATE_FILE) if (root / STATE_FILE).is_file() else {}
    step = int(previous.get("step", 0)) + 1 if isinstance(previous, dict) else 1
    step_name = f"step-{step:06d}"
    staging = root / f".{step_name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    files = {
        "syn0.npy": _npy_bytes(state.syn0), "syn1.npy": _npy_bytes(state.syn1),
        "counts.npy": _npy_bytes(np.asarray(vocab.counts, dtype=np.int64)),
        "vocab.txt": "".join(f"{word}\n" for word in vocab.words).encode("utf-8",
                                                                      "surrogatepass"),
    }
    try:
        staging.mkdir()
        for name, data in files.items():
            with atomic_write(staging / name, "wb") as out:
                out.write(data)
        os.replace(staging, root / step_name)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"Cannot write checkpoint '{root}': {exc}") from exc
    header = _header(state, config, fingerprint, step, step_name, files, vocab)
    with atomic_write(root / STATE_FILE, "w", encoding="utf-8") as out:
        json.dump(header, out, indent=1)
    for old in root.iterdir():  # only now is the previous step unreferenced
        if old.is_dir() and old.name != step_name and (
                old.name.startswith("step-") or old.name.endswith(".tmp")):
            shutil.rmtree(old, ignore_errors=True)
    return root


def _check_folder_creatable(root: Path) -> None:
    """Refuse a checkpoint folder that is a file or whose parent cannot be written."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"The checkpoint folder '{root}' is a file.")
    check_writable_dir(root.parent if str(root.parent) else Path("."),
                       "folder of the checkpoint folder")


def _make_folder(root: Path) -> None:
    _check_folder_creatable(root)
    make_output_dir(root, "checkpoint folder", parents=False)


def _header(state: EngineState, config: TrainConfig, fingerprint: str, step: int,
            step_name: str, files: dict[str, bytes], vocab: Vocab) -> dict[str, Any]:
    position = state.position if state.position is not None else np.zeros(config.workers)
    counters = state.counters if state.counters is not None else np.zeros((config.workers, 3))
    return {
        "format": FORMAT, "version": VERSION, "step": step, "folder": step_name,
        "config": config.to_dict(), "corpus_fingerprint": fingerprint,
        "vocab_size": len(vocab), "dim": int(state.syn0.shape[1]),
        "epoch": int(state.epoch), "position": [int(p) for p in position],
        "alpha": state.alpha,
        # uint64 states as JSON integers: exact, unlike floats
        "rng_states": [int(s) for s in np.asarray(state.rng_states).ravel()],
        "counters": [[float(x) for x in row] for row in counters],
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


# --- reading --------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"Checkpoint file '{path}' is unreadable or corrupt "
                              f"({exc.__class__.__name__}).") from None


def read_header(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON state of a checkpoint folder, checked for format, version and fields.

    Raises
    ------
    CheckpointError
        If the folder or its ``checkpoint.json`` is missing, corrupt or of another version.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CheckpointError(f"The checkpoint folder '{root}' does not exist.")
    path = root / STATE_FILE
    if not path.is_file():
        raise CheckpointError(f"No checkpoint in '{root}' ({STATE_FILE} is missing).")
    header = _read_json(path)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"'{path}' is not a w2v checkpoint.")
    if header.get("version") != VERSION:
        raise CheckpointError(f"'{path}' has checkpoint version {header.get('version')!r}; "
                              f"this w2v reads version {VERSION}.")
    expected = {"step": int, "folder": str, "config": dict, "corpus_fingerprint": str,
                "epoch": int, "position": list, "rng_states": list, "counters": list,
                "sha256": dict, "vocab_size": int, "dim": int}
    for key, kind in expected.items():
        if not isinstance(header.get(key), kind):
            raise CheckpointError(f"'{path}': field {key!r} is missing or not a "
                                  f"{kind.__name__}.")
    return header


def load_checkpoint(folder: str | os.PathLike[str], config: TrainConfig, vocab: Vocab,
                    fingerprint: str) -> EngineState:
    """Read the checkpoint of ``folder`` for a run with ``config`` on the corpus ``fingerprint``.

    Returns
    -------
    EngineState
        Writable float32 (V, D) weights, uint64 (workers, 1) RNG states, epoch, position,
        counters and lr, ready for :func:`w2v.engines.numba_engine.train`.

    Raises
    ------
    CheckpointError
        If the checkpoint is missing, corrupt (a checksum or shape does not match), or was
        written by another configuration or for another corpus.
    """
    from w2v.engines.numba_engine import EngineState

    root = Path(folder)
    header = read_header(root)
    differences = config_differences(header["config"], config)
    if differences:
        raise CheckpointError(f"Checkpoint '{root}' was written by another configuration: "
                              f"{'; '.join(differences)}. Resume with the same options.")
    if header["corpus_fingerprint"] != fingerprint:
        raise CheckpointError(f"Checkpoint '{root}' was written for another corpus (its "
                              f"vocabulary has {header['vocab_size']} words, this corpus's "
                              f"{len(vocab)}). Resume on the same corpus.")
    arrays = _read_arrays(root / header["folder"], header["sha256"])
    shape = (len(vocab), config.vector_size)
    if arrays["syn0"].shape != shape or arrays["syn1"].shape != shape:
        raise CheckpointError(f"Checkpoint '{root}': weights of shape {arrays['syn0'].shape}, "
                              f"expected {shape}.")
    try:
        rng = np.array(header["rng_states"], dtype=np.uint64).reshape(config.workers, 1)
        position = np.array(header["position"], dtype=np.int64).reshape(config.workers)
        counters = np.array(header["counters"], dtype=np.float64).reshape(config.workers, 3)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CheckpointError(f"Checkpoint '{root}': bad RNG states, position or counters "
                              f"({exc}).") from None
    alpha = header.get("alpha")
    return EngineState(syn0=arrays["syn0"], syn1=arrays["syn1"], rng_states=rng,
                       epoch=header["epoch"], position=position, counters=counters,
                       alpha=float(alpha) if isinstance(alpha, (int, float)) else None)


def _read_arrays(step: Path, checksums: dict[str, Any]) -> dict[str, np.ndarray]:
    arrays = {}
    for name in _ARRAYS:
        path = step / f"{name}.npy"
        try:
            data = path.read_bytes()
        except OSError:
            raise CheckpointError(f"Checkpoint file '{path}' is missing or unreadable.") from None
        if hashlib.sha256(data).hexdigest() != checksums.get(f"{name}.npy"):
            raise CheckpointError(f"Checkpoint file '{path}' is corrupt or truncated (its "
                                  f"SHA-256 does not match).")
        # The checksum matched, so these are the bytes np.save wrote.
        arrays[name] = np.load(io.BytesIO(data), allow_pickle=False)
    return arrays


def resume_options(folder: str | os.PathLike[str], given: dict[str, Any]) -> dict[str, Any]:
    """Training options for ``--resume``: the checkpoint's, overridden by those ``given``.

    An override that differs from the checkpoint is refused later, by :func:`load_checkpoint`.

    Parameters
    ----------
    folder : path-like
        The checkpoint folder.
    given : dict
        Options given on the command line (TrainConfig names).

    Returns
    -------
    dict
        Options for :class:`~w2v.config.TrainConfig`.

    Raises
    ------
    CheckpointError
        If the folder holds no readable checkpoint.
    """
    return {**read_header(folder)["config"], **given}


def interrupted_message(stop: TrainingInterrupted, corpus: str, output: str, fmt: str) -> str:
    """One line for the user: what was saved where, and the command that resumes.

    Parameters
    ----------
    stop : TrainingInterrupted
        The interruption (signal, checkpoint folder, epoch).
    corpus, output : str
        The corpus and vectors paths of the interrupted ``w2v train``.
    fmt : str
        The vectors format (``--format``), repeated in the command when not "text".

    Returns
    -------
    str
        The message, without a trailing newline.
    """
    again = f"w2v train {corpus} -o {output} --resume {stop.folder}"
    if fmt != "text":
        again += f" --format {fmt}"
    return (f"w2v: interrupted by {signal.Signals(stop.signum).name} in epoch {stop.epoch}: "
            f"vectors so far saved to '{output}', checkpoint in '{stop.folder}'. "
            f"Resume with: {again}")


# --- the engine's control -------------------------------------------------------------------

class Checkpointer:
    """Saves checkpoints between chunks, resumes from one, and handles SIGINT/SIGTERM.

    Parameters
    ----------
    folder : path-like
        Where checkpoints are written.
    every_minutes : float or None
        Save at the first chunk boundary after this many minutes (0: after every chunk);
        None saves only when interrupted.
    resume : bool
        Start from the checkpoint in ``folder`` instead of from scratch.
    """

    def __init__(self, folder: str | os.PathLike[str], every_minutes: float | None = None,
                 resume: bool = False) -> None:
        if every_minutes is not None and not (every_minutes >= 0 and np.isfinite(every_minutes)):
            raise ConfigError(f"--checkpoint-every must be a number of minutes >= 0. Got "
                              f"{every_minutes!r} instead.")
        self.folder = Path(folder)
        if resume:
            read_header(self.folder)  # fail before reading the corpus
        elif every_minutes is not None:  # fail before training if it could never be saved
            _check_folder_creatable(self.folder)
        self.every_s = None if every_minutes is None else every_minutes * 60.0
        self.resume = resume
        self.interrupted: int | None = None
        self.saves = 0
        self._last = time.monotonic()
        self._run: tuple[TrainConfig, Vocab, str] | None = None

    def start(self, config: TrainConfig, vocab: Vocab,
              encoded: EncodedCorpus) -> EngineState | None:
        """Bind to a run once its corpus is encoded; return the state to resume, if any."""
        if config.engine != "numba":
            raise ConfigError(f"Checkpoints and --resume need the numba engine. Got "
                              f"engine={config.engine!r}.")
        fingerprint = corpus_fingerprint(vocab, encoded)
        self._run = (config, vocab, fingerprint)
        self._last = time.monotonic()
        if self.resume:
            return load_checkpoint(self.folder, config, vocab, fingerprint)
        return None

    def wants_pause(self) -> bool:
        """True when a signal arrived or a periodic checkpoint is due (any thread)."""
        if self.interrupted is not None:
            return True
        return self.every_s is not None and time.monotonic() - self._last >= self.every_s

    def checkpoint(self, state: EngineState, epoch_end: bool) -> None:
        """Save if due or interrupted (main thread, all workers parked)."""
        if not self.wants_pause():  # also True once a signal arrived
            return
        assert self._run is not None, "Checkpointer.start() was not called"
        config, vocab, fingerprint = self._run
        self._check_finite(state)
        save_checkpoint(self.folder, state, config, vocab, fingerprint)
        self.saves += 1
        self._last = time.monotonic()
        if self.interrupted is not None:
            from w2v.vectors import Vectors

            epoch = min(state.epoch + (0 if epoch_end else 1), config.epochs)
            raise TrainingInterrupted(self.interrupted, self.folder,
                                      Vectors(list(vocab.words), state.syn0.copy()), epoch)

    def _check_finite(self, state: EngineState) -> None:
        # A non-finite parameter must never overwrite the last good checkpoint.
        if not (np.isfinite(state.syn0).all() and np.isfinite(state.syn1).all()):
            lr = state.alpha if state.alpha is not None else float("nan")
            raise DivergenceError(
                f"Training diverged in epoch {state.epoch + 1}: a parameter is not finite "
                f"(learning rate {lr:.4g}). Lower --alpha.")

    @classmethod
    def for_command_line(cls, output: Path, checkpoint_dir: Path | None,
                         every_minutes: float | None, resume: Path | None) -> Checkpointer:
        """The checkpointer of ``w2v train``: periodic saves only with a folder or a resume;
        without one, an interruption still saves to ``OUTPUT.checkpoint``."""
        if every_minutes is not None and checkpoint_dir is None and resume is None:
            raise ConfigError("--checkpoint-every needs --checkpoint-dir (or --resume).")
        folder = checkpoint_dir or resume or Path(f"{output}.checkpoint")
        if every_minutes is None and (checkpoint_dir or resume) is not None:
            every_minutes = DEFAULT_EVERY_MINUTES
        return cls(folder, every_minutes, resume=resume is not None)

    @contextlib.contextmanager
    def catch_signals(self) -> Iterator[None]:
        """While active, SIGINT/SIGTERM ask the threads to park and a checkpoint to be saved.

        A second signal restores the default behaviour (a second Ctrl-C stops at once).
        Does nothing outside the main thread, where Python cannot install handlers.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: object) -> None:
            if self.interrupted is not None:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            self.interrupted = signum

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
