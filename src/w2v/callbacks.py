"""Callbacks: objects that training calls as it goes (a progress bar, a logger, your code).

Subclass :class:`Callback` and override what you need; pass instances as
``w2v.train(corpus, callbacks=[...])`` or ``model.train(corpus, callbacks=[...])``. Every
engine calls :meth:`~Callback.on_train_begin` once the corpus is encoded,
:meth:`~Callback.on_record` with each history record (about one a second, and one at each
epoch's end), and :meth:`~Callback.on_train_end` with the finished model.

Engines whose registry entry says ``epoch_callbacks`` (numba and numpy; not torch, which
refuses a callback that defines an epoch method) also call :meth:`~Callback.on_epoch_begin`
and :meth:`~Callback.on_epoch_end` with the model being trained, its weights as they are
at that moment. To stop early, set ``model.stop_training = True`` in ``on_epoch_end``:
training ends after that epoch and returns a valid :class:`~w2v.training.Model` holding what
was trained (``model.epochs_done`` epochs); ``model.train(corpus)`` later finishes its
learning-rate schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from w2v.engines.contract import HistoryRecord
    from w2v.training import Model


class Callback:
    """Base class of training callbacks; every method does nothing by default."""

    def on_train_begin(self, total_words: int, epochs: int) -> None:
        """Called once before the first epoch.

        Parameters
        ----------
        total_words : int
            In-vocabulary words of the corpus, read once per epoch.
        epochs : int
            Epochs the run will train.
        """

    def on_record(self, record: HistoryRecord) -> None:
        """Called with each history record as the engine makes it."""

    def on_epoch_begin(self, model: Model) -> None:
        """Called before each epoch with the model being trained.

        ``model.epochs_done`` epochs of its schedule are done; its weights are live (they
        change as training goes on: copy what you keep).
        """

    def on_epoch_end(self, model: Model) -> None:
        """Called after each epoch (``model.history[-1]`` is its record).

        Set ``model.stop_training = True`` to stop training after this epoch.
        """

    def on_train_end(self, model: Model) -> None:
        """Called once with the trained model."""


EPOCH_METHODS = ("on_epoch_begin", "on_epoch_end")


def uses_epochs(callback: Callback) -> bool:
    """Whether ``callback`` overrides an epoch method (an engine must then call them)."""
    return any(getattr(type(callback), name) is not getattr(Callback, name)
               for name in EPOCH_METHODS)


class CallbackList(Callback):
    """Several callbacks called in order, as one."""

    def __init__(self, callbacks: Sequence[Callback] = ()) -> None:
        for callback in callbacks:
            if not isinstance(callback, Callback):
                from w2v.errors import ConfigError

                raise ConfigError("Each of the {callbacks} must be a w2v.callbacks.Callback. "
                                  "Got {got} instead.", got=repr(callback)[:80])
        self.callbacks = list(callbacks)

    def on_train_begin(self, total_words: int, epochs: int) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(total_words, epochs)

    def on_record(self, record: HistoryRecord) -> None:
        for callback in self.callbacks:
            callback.on_record(record)

    def on_epoch_begin(self, model: Model) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(model)

    def on_epoch_end(self, model: Model) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(model)

    def on_train_end(self, model: Model) -> None:
        for callback in self.callbacks:
            callback.on_train_end(model)
