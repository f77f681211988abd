"""A distributed training job to files: every rank trains, rank 0 writes.

:func:`train_to_path` is what ``w2v train ... --distributed`` runs on each rank. Rank 0
checks the outputs and takes the checkpoint folder's lock before any rank reads the corpus,
writes the checkpoints (after syncs, :mod:`w2v.distributed.run`), and writes the vectors at
the end; the other ranks write nothing. The ranks agree on the outcome of each step, so a
bad output path, like a bad corpus, stops every rank with rank 0's message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from w2v.callbacks import Callback
from w2v.checkpoint import (
    DEFAULT_EVERY_MINUTES,
    FolderLock,
    TrainingInterrupted,
    check_checkpoint_folder,
    read_header,
)
from w2v.config import TrainConfig
from w2v.distributed.group import Group, init_group
from w2v.distributed.run import CheckpointPlan, DistributedOptions, train
from w2v.errors import ConfigError
from w2v.job import VECTOR_FORMATS, _options, check_outputs, deferred_signals
from w2v.training import Model
from w2v.validation import Choice, Float


def train_to_path(corpus: str | os.PathLike[str], output: str | os.PathLike[str], *,
                  options: DistributedOptions | None = None, format: str = "text",
                  checkpoint_dir: str | os.PathLike[str] | None = None,
                  checkpoint_every: float | None = None,
                  resume: str | os.PathLike[str] | None = None,
                  callbacks: Sequence[Callback] = (), max_memory: int | None = None,
                  **config: Any) -> Model:
    """Train on every rank of a torchrun launch; rank 0 saves the vectors to ``output``.

    Parameters are those of :func:`w2v.job.train_to_path`, plus ``options``
    (:class:`~w2v.distributed.DistributedOptions`). Without a ``checkpoint_dir``, a run
    stopped by a signal still checkpoints, to ``OUTPUT.checkpoint``. A ``resume`` may use
    another number of ranks; every rank reads the checkpoint (a shared file system).

    Returns
    -------
    Model
        The same on every rank; only rank 0 has written it.

    Raises
    ------
    ConfigError, OutputError, CheckpointError, CorpusError
        On every rank, if any rank (rank 0 for the outputs) finds a problem.
    TrainingInterrupted
        After SIGINT/SIGTERM: rank 0 has written the checkpoint and the vectors so far.
    DistributedError
        If the run was not launched by torchrun, or a rank failed or was lost.
    """
    options = options if options is not None else DistributedOptions()
    Choice(VECTOR_FORMATS).check("format", format)
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)
    run_options = _options(config, checkpoint_dir, resume)
    cfg = TrainConfig.from_options(**run_options)
    output = Path(output)
    plan = _plan(output, checkpoint_dir, checkpoint_every, resume)
    with init_group(cfg.device, options.timeout_s).session() as group:
        return _run(group, corpus, output, format, plan, options, callbacks, max_memory,
                    run_options)


def _run(group: Group, corpus: str | os.PathLike[str], output: Path, format: str,
         plan: CheckpointPlan, options: DistributedOptions, callbacks: Sequence[Callback],
         max_memory: int | None, run_options: dict[str, Any]) -> Model:
    """Check and lock (rank 0), train (every rank), save (rank 0)."""
    lock = FolderLock(plan.folder)
    group.together(lambda: _check_and_lock(group, corpus, output, format, plan, lock),
                   "the output checks")
    try:
        try:
            model = train(corpus, options=options, group=group, callbacks=callbacks,
                          checkpoint=plan, max_memory=None if max_memory is None
                          else int(max_memory), **run_options)
        except TrainingInterrupted as stop:
            if group.is_root:
                with deferred_signals(f"the vectors so far were saved to '{output}'"):
                    stop.vectors.save(output, format=format)
                stop.saved_to = str(output)
            raise
        group.together(lambda: _save_final(group, model, output, format), "the final save")
    finally:
        if group.is_root:
            lock.release()
    return model


def _plan(output: Path, checkpoint_dir: str | os.PathLike[str] | None, every: float | None,
          resume: str | os.PathLike[str] | None) -> CheckpointPlan:
    """Where checkpoints go: the folder given, the one resumed, or ``OUTPUT.checkpoint``."""
    periodic = checkpoint_dir is not None or resume is not None
    if every is not None and not periodic:
        raise ConfigError("The {checkpoint_every} needs a {checkpoint_dir} (or a {resume}).")
    Float(0.0, optional=True).check("checkpoint_every", every)
    if resume is not None:
        read_header(resume)  # fail before reading the corpus
    default = output.parent / f"{output.name[:200]}.checkpoint"
    folder = Path(resume if resume is not None else checkpoint_dir
                  if checkpoint_dir is not None else default)
    if every is None and periodic:
        every = DEFAULT_EVERY_MINUTES
    return CheckpointPlan(folder, every, resume=resume is not None)


def _check_and_lock(group: Group, corpus: str | os.PathLike[str], output: Path, format: str,
                    plan: CheckpointPlan, lock: FolderLock) -> None:
    """On rank 0: every output can be written, and the checkpoint folder is ours."""
    if not group.is_root:
        return
    check_outputs(corpus, output, format, plan.folder)
    check_checkpoint_folder(plan.folder)
    lock.acquire()


def _save_final(group: Group, model: Model, output: Path, format: str) -> None:
    """Rank 0 writes the vectors, with signals held until the file is whole."""
    if not group.is_root:
        return
    with deferred_signals(f"the vectors were saved to '{output}'"):
        model.save(output, format=format)
        # THE MODEL FILE: once the full-model file exists (w2v.Word2Vec's format), rank 0
        # writes it here, beside the vectors, from ``model`` (the same on every rank).
