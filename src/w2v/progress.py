"""Rich progress bars and a one-line summary for training runs.

:class:`TrainingProgress` is a :class:`~w2v.callbacks.Callback` for :func:`w2v.train` (shared
by every engine): it is sized when training begins and shows epoch, words/s, loss, ETA and
elapsed wall-clock time from each history record. :func:`iteration_bar` is the bar of
``w2v seed``, counted in SGD iterations.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

from w2v.callbacks import Callback

if TYPE_CHECKING:
    from w2v.engines.contract import HistoryRecord
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class TrainingProgress(Callback):
    """Live progress of a training run on stderr (a no-op display when not a terminal).

    Use as a context manager and pass it in ``callbacks=`` to :func:`w2v.train`.
    """

    def __init__(self, file: IO[str] | None = None, disable: bool = False) -> None:
        self.console = Console(file=file, stderr=file is None)
        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            # Narrow enough for an 80-column terminal, where rich would cut the last fields.
            BarColumn(bar_width=12),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[rate]:>9,.0f} words/s"),
            TextColumn("loss {task.fields[loss]:.4f}"),
            TextColumn("ETA"), TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self.console, disable=disable, transient=False,
        )
        self.task: TaskID | None = None
        self.epochs = 0

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def on_train_begin(self, total_words: int, epochs: int) -> None:
        """Size the bar: ``total_words`` words read per epoch, ``epochs`` epochs."""
        self.epochs = epochs
        self.task = self.progress.add_task("train", total=total_words * epochs, epoch=1,
                                           epochs=epochs, rate=0.0, loss=float("nan"))

    def on_record(self, record: HistoryRecord) -> None:
        """Show one history record (interval or epoch)."""
        if self.task is None:
            return
        self.progress.update(self.task, completed=record.words_done,
                             epoch=min(record.epoch, self.epochs),
                             rate=record.words_per_s, loss=record.loss)


def summary_line(model: Any, path: str, fmt: str) -> str:
    """One line that sums up a finished run (sizes, time, speed, final loss, output).

    Parameters
    ----------
    model : Model
        The trained model (its ``stats``, ``history``, ``vectors`` and ``config`` are read).
    path : str
        Where the vectors were saved.
    fmt : str
        Their format.

    Returns
    -------
    str
    """
    stats = model.stats
    epochs = [record for record in model.history if record.kind == "epoch"]
    loss = epochs[-1].loss if epochs else float("nan")
    dim = model.vectors.vectors.shape[1]
    if stats.get("epochs_trained", 1) == 0:  # a resumed run that had already finished
        return (f"Nothing left to train: the run had finished its {model.config.epochs} "
                f"epochs ({stats['vocab_size']:,} words x {dim} dims; give more epochs to "
                f"train further); saved {fmt} vectors to {path}")
    schedule, done = model.config.epochs, model.epochs_done
    trained = stats.get("epochs_trained", schedule)
    # A resumed run trains the rest of its schedule, an early stop a part of it: which part.
    epochs = (f"{schedule} epochs" if trained == schedule else
              f"{trained} epoch{'s' if trained != 1 else ''} ({done - trained + 1}-{done} of "
              f"{schedule})")
    return (f"Trained {stats['vocab_size']:,} words x {dim} dims on {stats['tokens']:,} tokens "
            f"x {epochs} in {stats['train_seconds']:.1f} s "
            f"({stats['words_per_s']:,.0f} corpus words/s), final loss {loss:.4f}; "
            f"saved {fmt} vectors to {path}")


@contextlib.contextmanager
def iteration_bar(enabled: bool, total: int, done: int) -> Iterator[Callable[..., None]]:
    """A bar of SGD iterations on stderr: iteration, smoothed loss, it/s and ETA.

    Parameters
    ----------
    enabled : bool
        False (or a stderr that is not a terminal) gives a no-op.
    total : int
        The last iteration.
    done : int
        Iterations already done (a resumed run starts there).

    Yields
    ------
    callable
        ``advance(completed, exploss)``: iterations completed so far and the smoothed loss
        (or None before the first one).
    """
    if not (enabled and sys.stderr.isatty()):
        yield lambda completed, exploss: None
        return
    columns = (TextColumn("iteration"), MofNCompleteColumn(), BarColumn(),
               TextColumn("loss {task.fields[loss]}"), TextColumn("{task.fields[rate]} it/s"),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("seed", total=total, completed=done, loss="-", rate="-")
        started = time.perf_counter()

        def advance(completed: int, exploss: float | None) -> None:
            rate = (completed - done) / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=completed, rate=f"{rate:,.0f}",
                       loss="-" if exploss is None else f"{exploss:.3f}")

        yield advance
