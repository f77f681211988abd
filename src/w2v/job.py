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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

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
from w2v.engines.contract import Control, TrainingState
from w2v.errors import ConfigError, DivergenceError, OutputError, W2VError
from w2v.formats import check_output
from w2v.stop_signals import catch_stop_signals, stop_signal_handler
from w2v.training import Model, train
from w2v.validation import Choice, Float
from w2v.vocab import TrimRule

VECTOR_FORMATS = ("text", "binary", "native", "fasttext")


def train_to_path(corpus: str | os.PathLike[str], output: str | os.PathLike[str], *,
                  format: str = "text", checkpoint_dir: str | os.PathLike[str] | None = None,
                  checkpoint_every: float | None = None,
                  resume: str | os.PathLike[str] | None = None,
                  callbacks: Sequence[Callback] = (), max_memory: int | None = None,
                  init_from: str | os.PathLike[str] | None = None,
                  save_model: str | os.PathLike[str] | None = None,
                  trim_rule: TrimRule | None = None, distributed: Any = False,
                  **config: Any) -> Model:
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
    init_from : path-like, optional
        Train further the model saved in this folder (``Model.save``): its vocabulary grows
        by the corpus's new words (gensim's ``build_vocab(update=True)``) and its options
        are kept except those given; ``epochs`` given starts a new schedule of that many
        epochs (:func:`w2v.continuing.continue_training`). No checkpoints then.
    save_model : path-like, optional
        Also save the whole model to this folder (:mod:`w2v.model_file`), to train it
        further later; it may be ``init_from`` itself.
    trim_rule : callable, optional
        As in :func:`w2v.train` (gensim's ``trim_rule``).
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
        for name, value in (("init_from", init_from), ("save_model", save_model),
                            ("trim_rule", trim_rule)):
            if value is not None:
                raise ConfigError("The {" + name + "} cannot be used with the {distributed} "
                                  "yet: leave it out.")
        from w2v.distributed import DistributedOptions
        from w2v.distributed.job import train_to_path as train_ranks_to_path

        return train_ranks_to_path(corpus, output, options=DistributedOptions.of(distributed),
                                   format=format, checkpoint_dir=checkpoint_dir,
                                   checkpoint_every=checkpoint_every, resume=resume,
                                   callbacks=callbacks, max_memory=max_memory, **config)
    Choice(VECTOR_FORMATS).check("format", format)
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)
    if init_from is not None:
        refused = {"checkpoint_dir": checkpoint_dir, "checkpoint_every": checkpoint_every,
                   "resume": resume}
        return _continue_to_path(corpus, Path(output), Path(init_from), format=format,
                                 refused=refused, callbacks=callbacks, save_model=save_model,
                                 trim_rule=trim_rule, **config)
    options = _options(config, checkpoint_dir, resume)
    cfg = TrainConfig.from_options(**options)
    engine = registry.get(cfg.engine)
    output = Path(output)
    _check_subword_job(cfg, format)
    checkpointer = _checkpointer(engine, output, checkpoint_dir, checkpoint_every, resume)
    check_outputs(corpus, output, format, checkpointer.folder if checkpointer else None)
    _check_model_output(save_model, corpus, output, checkpointer)
    with checkpointer if checkpointer is not None else contextlib.nullcontext():
        try:
            model = train(corpus, callbacks=callbacks, checkpoint=checkpointer,
                          max_memory=None if max_memory is None else int(max_memory),
                          trim_rule=trim_rule, **options)
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
        _final_checkpoint(output, checkpointer)
    if save_model is not None:
        with deferred_signals(f"the model was saved to '{save_model}'"):
            model.save(save_model)
    return model


def _continue_to_path(corpus: str | os.PathLike[str], output: Path, init_from: Path, *,
                      format: str, refused: dict[str, Any],
                      callbacks: Sequence[Callback], save_model: Any,
                      trim_rule: TrimRule | None = None, **config: Any) -> Model:
    """``train_to_path`` for a saved model trained further (``init_from``)."""
    from w2v.model_file import check_model, load_model

    for name, value in refused.items():
        if value is not None:
            raise ConfigError("The {" + name + "} cannot be used with the {init_from}: a run "
                              "that trains a saved model further does not checkpoint yet. "
                              "Leave the {" + name + "} out.")
    check_model(init_from)  # fail before any work
    check_outputs(corpus, output, format, None)
    check_not_an_input(output, "output", {"model": init_from})
    _check_model_output(save_model, corpus, output, None)
    from w2v.continuing import continue_training

    model = load_model(init_from)
    if format == "fasttext" and not model.config.subwords:
        raise ConfigError("The model of the {init_from} is a word model, and the {format} "
                          "'fasttext' writes subword models; choose 'text' or 'binary'.",
                          parameter="format")
    epochs = config.pop("epochs", None)
    stopper = StopOnSignal()
    try:
        continue_training(model, corpus, epochs=epochs, update_vocab=True,
                          callbacks=callbacks, control=stopper, trim_rule=trim_rule, **config)
    except StopRequested as stop:
        _keep_what_was_trained(model, stop, output, format, save_model)
    with deferred_signals(f"the vectors were saved to '{output}'"):
        model.save(output, format=format)
    if save_model is not None:
        with deferred_signals(f"the model was saved to '{save_model}'"):
            model.save(save_model)
    return model


def _keep_what_was_trained(model: Model, stop: StopRequested, output: Path, format: str,
                           save_model: str | os.PathLike[str] | None) -> None:
    """After SIGINT/SIGTERM: save the vectors (and the model) so far, then raise Interrupted."""
    from w2v.training import vectors_from_tables

    state = stop.state
    model.vectors = vectors_from_tables(model.vocab, model.config, state.w_in, state.w_out,
                                        state.w_hs)
    model.output_vectors, model.hs_vectors = state.w_out, state.w_hs
    model.epochs_done = int(stop.state.epoch)
    model.rng_states = np.array(stop.state.rng_states, dtype=np.uint64)
    done = f"the vectors so far were saved to '{output}'"
    with deferred_signals(done):
        model.save(output, format=format)
        if save_model is not None:
            model.save(save_model)
            done += f" and the model so far to '{save_model}' ({model.epochs_done} whole epochs)"
    raise Interrupted(stop.signum, done)


class StopRequested(W2VError):
    """SIGINT or SIGTERM parked the threads of a run that has no checkpoint folder.

    Attributes
    ----------
    signum : int
    state : TrainingState
        The run's weights and RNG states at the chunk boundary where it stopped.
    """

    def __init__(self, signum: int, state: TrainingState) -> None:
        self.signum, self.state = signum, state
        super().__init__(f"Stopped by {signal.Signals(signum).name}.")


class StopOnSignal(Control):
    """The engine's control for a run without checkpoints: SIGINT/SIGTERM stop it cleanly.

    The first signal parks every thread at its next chunk boundary (about 10 ms of work)
    and raises :class:`StopRequested` with the state there, so that what was trained can
    be saved; a second one restores the default behaviour (a second Ctrl-C stops at once).
    """

    def __init__(self) -> None:
        self.signum: int | None = None

    def wants_pause(self) -> bool:
        return self.signum is not None

    def paused(self, state: TrainingState, epoch_end: bool) -> None:
        if self.signum is not None:
            raise StopRequested(self.signum, state)

    def catch_signals(self) -> contextlib.AbstractContextManager[None]:
        """While active, SIGINT/SIGTERM ask the run to stop (main thread only)."""
        return catch_stop_signals(lambda signum: setattr(self, "signum", signum),
                                  lambda: self.signum is not None)


def _check_model_output(save_model: str | os.PathLike[str] | None,
                        corpus: str | os.PathLike[str], output: Path,
                        checkpointer: Checkpointer | None) -> None:
    """Refuse, before any work, a model folder that cannot be written or collides."""
    if save_model is None:
        return
    from w2v.atomic import check_folder_target
    from w2v.model_file import MODEL_HEADER

    check_folder_target(save_model, MODEL_HEADER, "model folder")
    check_not_an_input(save_model, "model folder", {"corpus": corpus})
    taken = {"output": output}
    if checkpointer is not None:
        taken["checkpoint folder"] = checkpointer.folder
    for what, path in taken.items():
        if os.path.abspath(path) == os.path.abspath(save_model):
            raise OutputError(f"The model folder '{save_model}' is also the {what} '{path}'; "
                              f"give them different paths.")


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


def _check_subword_job(cfg: TrainConfig, format: str) -> None:
    """Refuse a fasttext output without subwords."""
    if format == "fasttext" and not cfg.subwords:
        raise ConfigError("The {format} 'fasttext' writes a subword model: turn on the "
                          "{subwords}, or choose 'text'.", parameter="format")


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


def _final_checkpoint(output: Path, checkpointer: Checkpointer | None) -> None:
    """With a checkpoint folder (or a resume), keep the finished run there too.

    So that ``--resume FOLDER --epochs N`` trains a finished run further, as the README
    shows, whether or not a periodic checkpoint fell inside the run. A run without a
    folder (checkpoints only on interrupt) leaves none behind.
    """
    if checkpointer is None or checkpointer.every_s is None or checkpointer.last_state is None:
        return
    try:
        with deferred_signals(f"the finished run was kept in '{checkpointer.folder}'"):
            checkpointer.save_now()
    except OutputError as exc:
        raise OutputError(f"The vectors were saved to '{output}', but the finished run could "
                          f"not be kept as a checkpoint: {exc}") from None


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
    received: list[int] = []

    def hold(signum: int, frame: object) -> None:
        received.append(signum)

    with stop_signal_handler(hold):
        yield
    if received:
        raise Interrupted(received[0], done)
