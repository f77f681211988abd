"""Checkpoints: save a training run between chunks and resume it exactly.

A checkpoint folder ``D`` holds::

    D/checkpoint.json     format, version, config, corpus fingerprints, epoch, position, lr,
                          RNG states, counters, and the SHA-256 of every file below
    D/w_in.npy, D/w_out.npy   float32 (V, D): the two weight tables
    D/w_hs.npy            float32 (V - 1, D): hierarchical softmax's inner-node vectors
                          (only with hs=True; listed in the header's sha256 like the others)
    D/counts.npy          int64 (V,): word counts
    D/vocab.txt           one word a line, id order

A save builds the whole folder beside ``D`` and swaps it in
(:func:`w2v.atomic.atomic_folder`): a crash, a full disk or SIGKILL at any moment leaves the
previous checkpoint whole, and files the user put in ``D`` are kept. A folder that holds
files but no ``checkpoint.json`` is the user's and is refused. While a run uses ``D``, a
lock file beside it (``.D.lock``) keeps a second run from writing there too and names the
run that holds it.

A resume refuses, with :class:`~w2v.errors.CheckpointError`, a checkpoint that is truncated or
corrupt (checksums), of another format version, written by another configuration (the
options are compared one by one) or for another corpus (vocabulary, counts and the token
sequence are fingerprinted, and the message says which differs). With ``workers=1`` and a
seed, a resumed run is bit-identical to an uninterrupted one: the weights, every RNG state
and the position (chunk of each thread's shard) are restored, and the learning rate is a
function of that position.

:class:`Checkpointer` is the engine's :class:`~w2v.engines.contract.Control`: threads ask it
between chunks whether to park (a checkpoint is due, or SIGINT/SIGTERM arrived); with all of
them parked it saves, and after a signal raises :class:`TrainingInterrupted`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_folder, check_folder_target
from w2v.config import TrainConfig
from w2v.dtypes import COUNT, REAL
from w2v.engines.contract import Control, TrainingState
from w2v.errors import CheckpointError, DivergenceError, W2VError
from w2v.headers import check_fields, check_format, read_json_header
from w2v.stop_signals import catch_stop_signals

if TYPE_CHECKING:
    from w2v.corpus import EncodedCorpus
    from w2v.vectors import Vectors
    from w2v.vocab import Vocab

FORMAT = "w2v-checkpoint"
VERSION = 2
STATE_FILE = "checkpoint.json"
# A run with a checkpoint folder and no interval saves every 10 minutes.
DEFAULT_EVERY_MINUTES = 10.0
_ARRAYS = ("w_in", "w_out", "counts")
_FIELDS = {"config": dict, "corpus_fingerprint": dict, "epoch": int, "position": list,
           "rng_states": list, "counters": list, "sha256": dict, "vocab_size": int,
           "dim": int}


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
    saved_to : str or None
        Where the vectors so far were written, once they are (set by
        :func:`w2v.job.train_to_path`).
    """

    def __init__(self, signum: int, folder: Path, vectors: Vectors, epoch: int) -> None:
        self.signum, self.folder, self.vectors, self.epoch = signum, folder, vectors, epoch
        self.saved_to: str | None = None
        super().__init__(f"Interrupted by {signal.Signals(signum).name} in epoch {epoch}; "
                         f"checkpoint written to '{folder}'.")


# --- fingerprints ---------------------------------------------------------------------------

def corpus_fingerprint(vocab: Vocab, encoded: EncodedCorpus) -> dict[str, str]:
    """SHA-256 digests of what a run saw of its corpus, part by part.

    Parameters
    ----------
    vocab : Vocab
    encoded : EncodedCorpus

    Returns
    -------
    dict
        ``words`` (the vocabulary in id order), ``word_set`` (the same, sorted),
        ``counts`` (the word counts) and
        ``tokens`` (the id sequence and sentence offsets: two tokens swapped change it),
        64 hexadecimal digits each. Separate parts let a refusal say what differs.
    """
    words = hashlib.sha256("\n".join(vocab.words).encode("utf-8", "surrogatepass"))
    word_set = hashlib.sha256("\n".join(sorted(vocab.words)).encode("utf-8", "surrogatepass"))
    counts = hashlib.sha256(np.ascontiguousarray(vocab.counts, dtype="<i8").tobytes())
    tokens = hashlib.sha256()
    ids = encoded.ids
    block = 1 << 24  # ids hashed 64 MB at a time: a memory-mapped corpus stays on disk
    for start in range(0, len(ids), block):
        tokens.update(np.ascontiguousarray(ids[start:start + block], dtype="<u4").tobytes())
    tokens.update(np.ascontiguousarray(encoded.sentence_starts, dtype="<i8").tobytes())
    return {"words": words.hexdigest(), "word_set": word_set.hexdigest(),
            "counts": counts.hexdigest(), "tokens": tokens.hexdigest()}


def corpus_difference(saved: dict[str, Any], current: dict[str, str]) -> str | None:
    """What differs between two corpus fingerprints, in words; None if they match."""
    if saved.get("word_set") != current["word_set"]:
        return "its vocabulary differs"
    if saved.get("words") != current["words"]:
        return "the same words, ranked in another order (their counts differ)"
    if saved.get("counts") != current["counts"]:
        return "the same words, but their counts differ"
    if saved.get("tokens") != current["tokens"]:
        return "the same words and counts, but the tokens are in another order"
    return None


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

class _HashingWriter:
    """A write-only file that also hashes what passes through it (SHA-256)."""

    def __init__(self, file: Any) -> None:
        self.file, self.hash = file, hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.hash.update(data)
        return self.file.write(data)


def _write_npy(path: Path, array: np.ndarray) -> str:
    """Write ``array`` to ``path`` as ``.npy``; its SHA-256. Streamed in numpy's blocks: a
    subword model's input table (800 MB at the defaults) is never copied whole."""
    with open(path, "wb") as file:
        writer = _HashingWriter(file)
        np.save(writer, np.ascontiguousarray(array), allow_pickle=False)
    return writer.hash.hexdigest()


def _file_sha256(path: Path, block: int = 1 << 24) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def check_checkpoint_folder(folder: str | os.PathLike[str]) -> Path:
    """Raise :class:`~w2v.errors.OutputError` now if no checkpoint could be saved in ``folder``."""
    return check_folder_target(folder, STATE_FILE, "checkpoint folder")


def save_checkpoint(folder: str | os.PathLike[str], state: TrainingState, config: TrainConfig,
                    vocab: Vocab, fingerprint: dict[str, str],
                    extra: dict[str, Any] | None = None) -> Path:
    """Write ``state`` as the checkpoint in ``folder``, replacing the previous one whole.

    Parameters
    ----------
    folder : path-like
        The checkpoint folder: new, empty, or a checkpoint folder; its parent must exist.
    state : TrainingState
        Weights float32 (V, D) x 2, RNG states uint64 (workers, 1), epoch, position
        (workers,), counters float64 (workers, 3), lr.
    config : TrainConfig
    vocab : Vocab
    fingerprint : dict
        :func:`corpus_fingerprint` of the run.
    extra : dict, optional
        More fields of the header (JSON values under keys of their own, e.g. a distributed
        run's ``"distributed"`` position); readers that do not know them ignore them.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        If the folder cannot be written (the previous checkpoint is kept whole).
    """
    arrays = {"w_in.npy": state.w_in, "w_out.npy": state.w_out,
              "counts.npy": np.asarray(vocab.counts, dtype=COUNT)}
    if state.w_hs is not None:
        arrays["w_hs.npy"] = state.w_hs
    words = "".join(f"{word}\n" for word in vocab.words).encode("utf-8", "surrogatepass")
    step = _previous_step(Path(folder)) + 1
    with atomic_folder(folder, STATE_FILE, "checkpoint folder") as staging:
        checksums = {name: _write_npy(staging / name, array) for name, array in arrays.items()}
        (staging / "vocab.txt").write_bytes(words)
        checksums["vocab.txt"] = hashlib.sha256(words).hexdigest()
        header = {**(extra or {}), **_header(state, config, fingerprint, checksums, vocab),
                  "step": step}
        (staging / STATE_FILE).write_text(json.dumps(header, indent=1), encoding="utf-8")
    return Path(folder)


def _previous_step(folder: Path) -> int:
    """The save count of the checkpoint in ``folder`` (0 if none or unreadable)."""
    try:
        step = read_header(folder).get("step", 0)
    except CheckpointError:
        return 0
    return step if isinstance(step, int) and not isinstance(step, bool) else 0


def _header(state: TrainingState, config: TrainConfig, fingerprint: dict[str, str],
            checksums: dict[str, str], vocab: Vocab) -> dict[str, Any]:
    position = state.position if state.position is not None else np.zeros(config.workers)
    counters = state.counters if state.counters is not None else np.zeros((config.workers, 3))
    return {
        "format": FORMAT, "version": VERSION,
        "config": config.to_dict(), "corpus_fingerprint": fingerprint,
        "vocab_size": len(vocab), "dim": int(state.w_in.shape[1]),
        "epoch": int(state.epoch), "position": [int(p) for p in position],
        "alpha": state.alpha,
        # uint64 states as JSON integers: exact, unlike floats
        "rng_states": [int(s) for s in np.asarray(state.rng_states).ravel()],
        "counters": [[float(x) for x in row] for row in counters],
        "sha256": checksums,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


# --- reading --------------------------------------------------------------------------------

def read_header(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON state of a checkpoint folder, checked for format, version and fields.

    Raises
    ------
    CheckpointError
        If the folder or its ``checkpoint.json`` is missing, corrupt, foreign or of another
        version.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CheckpointError(f"The checkpoint folder '{root}' does not exist.")
    path = root / STATE_FILE
    if not path.exists():
        raise CheckpointError(f"No checkpoint in '{root}' ({STATE_FILE} is missing).")
    header = read_json_header(path, "checkpoint header", CheckpointError)
    check_format(header, path, "checkpoint", (FORMAT, VERSION), CheckpointError)
    check_fields(header, _FIELDS, path, CheckpointError)
    return header


def load_checkpoint(folder: str | os.PathLike[str], config: TrainConfig, vocab: Vocab,
                    fingerprint: dict[str, str]) -> TrainingState:
    """Read the checkpoint of ``folder`` for a run with ``config`` on the corpus ``fingerprint``.

    Returns
    -------
    TrainingState
        Writable float32 (V, D) weights, uint64 (workers, 1) RNG states, epoch, position,
        counters and lr, ready for :func:`w2v.engines.numba_engine.train`.

    Raises
    ------
    CheckpointError
        If the checkpoint is missing, corrupt (a checksum or shape does not match), or was
        written by another configuration or for another corpus.
    """
    root = Path(folder)
    header = read_header(root)
    # The number of epochs may change: the run goes on to the new count, its learning rate
    # following the new schedule from where it is (a rate that rises again when a finished
    # run is given more epochs).
    differences = config_differences({**header["config"], "epochs": config.epochs}, config)
    if differences:
        raise CheckpointError(f"Checkpoint '{root}' was written by another configuration: "
                              f"{'; '.join(differences)}. Resume with the same options.")
    difference = corpus_difference(header["corpus_fingerprint"], fingerprint)
    if difference is not None:
        raise CheckpointError(f"Checkpoint '{root}' was written for another corpus: "
                              f"{difference} ({header['vocab_size']:,} words then, "
                              f"{len(vocab):,} now). Resume on the same corpus.")
    if config.epochs < header["epoch"]:
        raise CheckpointError("Checkpoint '{folder}' has trained {done} epochs; the {epochs} "
                              "(now {now}) must be at least {done}.", parameter="epochs",
                              folder=str(root), done=header["epoch"], now=config.epochs)
    arrays = _read_arrays(root, header["sha256"], hs=config.hs)
    shape = (len(vocab), config.vector_size)
    # A subword run's input table also holds the n-gram rows (w2v.subwords).
    in_shape = (len(vocab) + (config.bucket if config.subwords else 0), config.vector_size)
    hs_shape = (max(len(vocab) - 1, 0), config.vector_size)
    if config.hs and arrays["w_hs"].shape != hs_shape:
        raise CheckpointError(f"Checkpoint '{root}': inner-node weights of shape "
                              f"{arrays['w_hs'].shape}, expected {hs_shape}.")
    if arrays["w_in"].shape != in_shape or arrays["w_out"].shape != shape:
        raise CheckpointError(f"Checkpoint '{root}': weights of shape {arrays['w_in'].shape}, "
                              f"expected {in_shape}.")
    try:
        rng = np.array(header["rng_states"], dtype=np.uint64).reshape(config.workers, 1)
        position = np.array(header["position"], dtype=np.int64).reshape(config.workers)
        counters = np.array(header["counters"], dtype=np.float64).reshape(config.workers, 3)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CheckpointError(f"Checkpoint '{root}': bad RNG states, position or counters "
                              f"({str(exc)[:80]}).") from None
    alpha = header.get("alpha")
    return TrainingState(w_in=arrays["w_in"].astype(REAL, copy=False),
                         w_out=arrays["w_out"].astype(REAL, copy=False), rng_states=rng,
                         epoch=header["epoch"], position=position, counters=counters,
                         alpha=float(alpha) if isinstance(alpha, (int, float)) else None,
                         w_hs=arrays["w_hs"].astype(REAL, copy=False) if config.hs else None)


def _read_arrays(root: Path, checksums: dict[str, Any], hs: bool = False
                 ) -> dict[str, np.ndarray]:
    arrays = {}
    for name in (*_ARRAYS, "w_hs") if hs else _ARRAYS:
        path = root / f"{name}.npy"
        if not path.is_file():
            raise CheckpointError(f"Checkpoint file '{path}' is missing or not a file.")
        try:
            digest = _file_sha256(path)
        except OSError:
            raise CheckpointError(f"Checkpoint file '{path}' is unreadable.") from None
        if digest != checksums.get(f"{name}.npy"):
            raise CheckpointError(f"Checkpoint file '{path}' is corrupt or truncated (its "
                                  f"SHA-256 does not match).")
        # The checksum matched, so these are the bytes np.save wrote (read a second time
        # rather than held twice: the subword input table is hundreds of MB).
        try:
            arrays[name] = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            raise CheckpointError(f"Checkpoint file '{path}' changed while it was "
                                  f"read.") from None
    return arrays


def resume_options(folder: str | os.PathLike[str], given: dict[str, Any]) -> dict[str, Any]:
    """Training options for a resume: the checkpoint's, overridden by those ``given``.

    An override that differs from the checkpoint is refused later, by :func:`load_checkpoint`.

    Raises
    ------
    CheckpointError
        If the folder holds no readable checkpoint.
    """
    return {**read_header(folder)["config"], **given}


# --- the lock -------------------------------------------------------------------------------

class FolderLock:
    """An exclusive lock on a checkpoint folder, held by one run at a time.

    The lock is ``flock`` on a file beside the folder (``.NAME.lock``), which records the
    holder's process id, start time and command line, so that a second run can say which
    run holds it. The kernel releases it when the holder dies, so a stale file never blocks.
    """

    def __init__(self, folder: Path) -> None:
        parent = folder.parent if str(folder.parent) else Path(".")
        self.path = parent / f".{folder.name[:200]}.lock"
        self.folder = folder
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`CheckpointError` naming the run that holds it."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CheckpointError(f"Cannot lock the checkpoint folder '{self.folder}' "
                                  f"({exc.strerror or exc}).") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another run"
            os.close(fd)
            raise CheckpointError(f"The checkpoint folder '{self.folder}' is in use by "
                                  f"{holder}; wait for it to finish or give another "
                                  f"folder.") from None
        os.ftruncate(fd, 0)
        command = " ".join(os.path.basename(a) if i == 0 else a
                           for i, a in enumerate(sys.argv))[:300]
        os.write(fd, f"process {os.getpid()} (started {time.strftime('%H:%M:%S')}: "
                     f"{command})".encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock and remove its file."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


# --- the engine's control -------------------------------------------------------------------

def _vectors_so_far(state: TrainingState, config: TrainConfig, vocab: Vocab) -> Vectors:
    """The vectors of a parked run (a copy: the tables may be trained further)."""
    if config.subwords:
        from w2v.subword_vectors import SubwordVectors

        w_hs = None if state.w_hs is None else state.w_hs.copy()
        return SubwordVectors.from_training(vocab, config, state.w_in.copy(),
                                            state.w_out.copy(), w_hs)
    from w2v.vectors import Vectors

    return Vectors(list(vocab.words), state.w_in.copy())


class Checkpointer(Control):
    """Saves checkpoints between chunks, resumes from one, and handles SIGINT/SIGTERM.

    Use it as a context manager: entering takes the folder's lock, leaving releases it.

    Parameters
    ----------
    folder : path-like
        Where checkpoints are written.
    every_minutes : float or None
        Save at the first chunk boundary after this many minutes (0: after every chunk);
        None saves only when interrupted.
    resume : bool
        Start from the checkpoint in ``folder`` instead of from scratch.

    Raises
    ------
    ConfigError
        If ``every_minutes`` is negative or not finite.
    CheckpointError
        If ``resume`` and the folder holds no readable checkpoint.
    OutputError
        If the folder could never hold a checkpoint (a file, a folder of the user's, a
        missing parent).
    """

    def __init__(self, folder: str | os.PathLike[str], every_minutes: float | None = None,
                 resume: bool = False) -> None:
        from w2v.validation import Float

        Float(0.0, optional=True).check("checkpoint_every", every_minutes)
        self.folder = Path(folder)
        if resume:
            read_header(self.folder)  # fail before reading the corpus
        check_checkpoint_folder(self.folder)
        self.every_s = None if every_minutes is None else every_minutes * 60.0
        self.resume = resume
        self.interrupted: int | None = None
        self.saves = 0
        self._last = time.monotonic()
        self._run: tuple[TrainConfig, Vocab, dict[str, str]] | None = None
        self._lock = FolderLock(self.folder)
        self.last_state: TrainingState | None = None

    def __enter__(self) -> Checkpointer:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    @property
    def has_checkpoint(self) -> bool:
        """Whether the folder holds a checkpoint (this run's or the one it resumed)."""
        return (self.folder / STATE_FILE).is_file()

    def start(self, config: TrainConfig, vocab: Vocab,
              encoded: EncodedCorpus) -> TrainingState | None:
        """Bind to a run once its corpus is encoded; return the state to resume, if any."""
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

    def paused(self, state: TrainingState, epoch_end: bool) -> None:
        """Save if due or interrupted (main thread, all workers parked)."""
        self.last_state = state
        if not self.wants_pause():  # also True once a signal arrived
            return
        self.save_now()
        if self.interrupted is not None:
            config, vocab, _ = self._bound()
            epoch = min(state.epoch + (0 if epoch_end else 1), config.epochs)
            raise TrainingInterrupted(self.interrupted, self.folder,
                                      _vectors_so_far(state, config, vocab), epoch)

    def save_now(self) -> Path:
        """Save the last state the engine showed (e.g. the finished run) as a checkpoint.

        Raises
        ------
        DivergenceError
            If a parameter is not finite (the last good checkpoint is kept).
        OutputError
            If the folder cannot be written.
        """
        config, vocab, fingerprint = self._bound()
        if self.last_state is None:
            raise RuntimeError("no training state to save yet")  # a bug, not the user's
        self._check_finite(self.last_state)
        save_checkpoint(self.folder, self.last_state, config, vocab, fingerprint)
        self.saves += 1
        self._last = time.monotonic()
        return self.folder

    def _bound(self) -> tuple[TrainConfig, Vocab, dict[str, str]]:
        if self._run is None:
            raise RuntimeError("Checkpointer.start() was not called")  # a bug, not the user's
        return self._run

    def _check_finite(self, state: TrainingState) -> None:
        # A non-finite parameter must never overwrite the last good checkpoint.
        tables = [state.w_in, state.w_out] + ([] if state.w_hs is None else [state.w_hs])
        if not all(np.isfinite(table).all() for table in tables):
            lr = state.alpha if state.alpha is not None else float("nan")
            raise DivergenceError("Training diverged in epoch {epoch}: a parameter is not "
                                  "finite (learning rate {lr:.4g}). Lower the {alpha}.",
                                  epoch=state.epoch + 1, lr=lr)

    def catch_signals(self) -> contextlib.AbstractContextManager[None]:
        """While active, SIGINT/SIGTERM ask the threads to park and a checkpoint to be saved.

        A second signal restores the default behaviour (a second Ctrl-C stops at once).
        Does nothing outside the main thread, where Python cannot install handlers.
        """
        return catch_stop_signals(lambda signum: setattr(self, "interrupted", signum),
                                  lambda: self.interrupted is not None)
