"""A training job: train on a corpus and write the vectors to a path, losing nothing.

:func:`train_to_path` is what ``w2v train`` runs, as a library function: it checks every
output before the corpus is read, resumes from a checkpoint, writes periodic checkpoints,
turns SIGINT/SIGTERM into a checkpoint plus the vectors so far, keeps the last good
checkpoint when training diverges, and lets no signal interrupt the final save. The command
line only parses flags, shows progress and prints the outcome.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from w2v.atomic import check_not_an_input
from w2v.callbacks import Callback
from w2v.checkpoint import (
    DEFAULT_EVERY_MINUTES,
    STATE_FILE,
    Checkpointer,
    TrainingInterrupted,
    resume_options,
)
from w2v.config import TrainConfig
from w2v.engines import registry
from w2v.errors import ConfigError, DivergenceError, OutputError, W2VError
from w2v.formats import check_output
from w2v.training import Model, train
from w2v.validation import Choice, Float

VECTOR_FORMATS = ("text", "binary", "native")


def train_to_path(corpus: str | os.PathLike[str], output: str | os.PathLike[str], *,
                  format: str = "text", checkpoint_dir: str | os.PathLike[str] | None = None,
                  checkpoint_every: float | None = None,
                  resume: str | os.PathLike[str] | None = None,
                  callbacks: Sequence[Callback] = (), max_memory: int | None = None,
                  distributed: Any = False, **config: Any) -> Model:
    """Train word2vec on ``corpus`` and save the input vectors to ``output``.

    Parameters
    ----------
    corpus : path-like
        A text file (``.gz``/``.bz2`` too) or a folder of them.
    output : path-like
        Where the vectors go: a file for ``"text"``/``"binary"``, a folder for ``"native"``.
    format : {"text", "binary", "native"}
        The vectors format (:func:`w2v.formats.save_vectors`).
    checkpoint_dir : path-like, optional
        Save checkpoints in this folder, every ``checkpoint_every`` minutes (default 10).
        Without one, an interrupted run still saves a checkpoint, to ``OUTPUT.checkpoint``.
    checkpoint_every : float, optional
        Minutes between checkpoints (0: after every chunk of about 50,000 words).
    resume : path-like, optional
        Continue the run saved in this checkpoint folder (its options are used; options
        given here must agree with them) and keep checkpointing there.
    callbacks : sequence of Callback
        As in :func:`w2v.train` (e.g. a progress bar).
    max_memory : int, optional
        Bytes the encoded corpus may take in memory (beyond: a memory-mapped file).
    distributed : bool, dict or w2v.distributed.DistributedOptions
        True (or sync options) under torchrun: every rank trains its share, rank 0 writes
        (:func:`w2v.distributed.job.train_to_path`).
    **config
        Options of :class:`~w2v.config.TrainConfig`.

    Returns
    -------
    Model
        The trained model, already saved to ``output``.

    Raises
    ------
    ConfigError, OutputError, CheckpointError
        Before the corpus is read, for a bad option, an output that cannot be written (or
        would replace an input), or a checkpoint that cannot be used.
    TrainingInterrupted
        After SIGINT/SIGTERM: the checkpoint is written and the vectors so far are saved to
        ``output`` (``saved_to``).
    DivergenceError
        If the loss became non-finite; the message names the last good checkpoint, if any.
    OutputError
        If the final save fails; the trained run is then kept as a checkpoint (named in the
        message) whenever the engine can checkpoint.
    """
    if distributed is not False:
        from w2v.distributed import DistributedOptions
        from w2v.distributed.job import train_to_path as train_ranks_to_path

        return train_ranks_to_path(corpus, output, options=DistributedOptions.of(distributed),
                                   format=format, checkpoint_dir=checkpoint_dir,
                                   checkpoint_every=checkpoint_every, resume=resume,
                                   callbacks=callbacks, max_memory=max_memory, **config)
    Choice(VECTOR_FORMATS).check("format", format)
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)
    options = _options(config, checkpoint_dir, resume)
    cfg = TrainConfig.from_options(**options)
    engine = registry.get(cfg.engine)
    output = Path(output)
    checkpointer = _checkpointer(engine, output, checkpoint_dir, checkpoint_every, resume)
    check_outputs(corpus, output, format, checkpointer.folder if checkpointer else None)
    with checkpointer if checkpointer is not None else contextlib.nullcontext():
        try:
            model = train(corpus, callbacks=callbacks, checkpoint=checkpointer,
                          max_memory=None if max_memory is None else int(max_memory),
                          **options)
        except TrainingInterrupted as stop:
            with deferred_signals(f"the vectors so far were saved to '{output}'"):
                stop.vectors.save(output, format=format)
            stop.saved_to = str(output)
            raise
        except DivergenceError as exc:
            if checkpointer is None or not (checkpointer.saves or checkpointer.resume):
                raise
            raise DivergenceError(exc.template + " The last good checkpoint is kept in "
                                  "'{kept}'.", exc.parameter, **exc.values,
                                  kept=str(checkpointer.folder)) from None
        _save_final(model, output, format, checkpointer)
    return model


def check_outputs(corpus: str | os.PathLike[str], output: Path, format: str,
                  checkpoint_folder: Path | None) -> None:
    """Check every output of a job before any work: formats, folders, collisions with inputs.

    Raises
    ------
    OutputError
        If the output cannot be written in ``format`` (a folder for a file format, a file or
        a folder of the user's for the native format, a non-regular file, a missing or
        read-only folder), would replace the corpus or land inside its folder, or is the
        checkpoint folder.
    """
    check_output(output, format)
    inputs = {"corpus": corpus}
    check_not_an_input(output, "output", inputs)
    if checkpoint_folder is not None:
        check_not_an_input(checkpoint_folder, "checkpoint folder", inputs)
        if os.path.abspath(checkpoint_folder) == os.path.abspath(output):
            raise OutputError(f"The checkpoint folder '{checkpoint_folder}' is also the output "
                              f"'{output}'; give them different paths.")


def _options(config: dict[str, Any], checkpoint_dir: str | os.PathLike[str] | None,
             resume: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The run's options: those given, completed by the checkpoint's when resuming."""
    if resume is None:
        return dict(config)
    if checkpoint_dir is not None and os.path.abspath(checkpoint_dir) != os.path.abspath(resume):
        raise ConfigError("The {checkpoint_dir} ({given!r}) differs from the {resume} "
                          "({folder!r}): a resumed run keeps its checkpoints where it "
                          "resumed from. Leave the {checkpoint_dir} out.",
                          given=str(checkpoint_dir), folder=str(resume))
    return resume_options(resume, config)


def _checkpointer(engine: registry.EngineInfo, output: Path,
                  checkpoint_dir: str | os.PathLike[str] | None, every: float | None,
                  resume: str | os.PathLike[str] | None) -> Checkpointer | None:
    """The run's checkpointer: periodic with a folder or a resume, else only on interrupt."""
    periodic = checkpoint_dir is not None or resume is not None
    if every is not None and not periodic:
        raise ConfigError("The {checkpoint_every} needs a {checkpoint_dir} (or a {resume}).")
    if not engine.checkpoints:
        if periodic:
            name = "resume" if resume is not None else "checkpoint_dir"
            raise ConfigError("The {engine} " + repr(engine.name) + " cannot checkpoint or "
                              "resume (the {" + name + "} was given); only the 'numba' engine "
                              "can.")
        return None  # Ctrl-C stops the run; nothing partial is written
    # The default name is cut so that it stays within the 255 bytes a file name may have.
    default = output.parent / f"{output.name[:200]}.checkpoint"
    folder = Path(resume if resume is not None else checkpoint_dir
                  if checkpoint_dir is not None else default)
    if every is None and periodic:
        every = DEFAULT_EVERY_MINUTES
    return Checkpointer(folder, every, resume=resume is not None)


def _save_final(model: Model, output: Path, format: str,
                checkpointer: Checkpointer | None) -> None:
    """Save the vectors; if that fails, keep the run as a checkpoint and say where."""
    try:
        with deferred_signals(f"the vectors were saved to '{output}'"):
            model.save(output, format=format)
    except OutputError as exc:
        if checkpointer is None or checkpointer.last_state is None:
            raise
        try:
            with deferred_signals(f"the run was kept as a checkpoint in "
                                  f"'{checkpointer.folder}'"):
                folder = checkpointer.save_now()
        except W2VError as second:
            raise OutputError(f"{exc} The trained run could not be kept as a checkpoint "
                              f"either: {second}") from None
        raise OutputError(f"{exc} The trained run is kept as a checkpoint in '{folder}' "
                          f"({STATE_FILE}); resume from it to write the vectors.") from None


class Interrupted(W2VError):
    """SIGINT or SIGTERM arrived during a save, which was finished first.

    Attributes
    ----------
    signum : int
        The signal.
    """

    def __init__(self, signum: int, done: str) -> None:
        self.signum = signum
        super().__init__(f"Interrupted by {signal.Signals(signum).name}; {done} first.")


@contextlib.contextmanager
def deferred_signals(done: str) -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done; then stop with :class:`Interrupted`.

    A save must either finish or not start: a signal that arrives during one takes effect
    only after it, as an exception, so that every ``with`` block above (locks, temporary
    files) still cleans up. Outside the main thread (where Python cannot install handlers)
    it does nothing.

    Parameters
    ----------
    done : str
        What the block did, for the message (e.g. "the vectors were saved to 'v.txt'").
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    if received:
        raise Interrupted(received[0], done)
