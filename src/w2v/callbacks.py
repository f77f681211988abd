"""Callbacks: objects that training calls as it goes (a progress bar, a logger, your code).

Subclass :class:`Callback` and override what you need; pass instances as
``w2v.train(corpus, callbacks=[...])``. Every engine calls :meth:`~Callback.on_train_begin`
once the corpus is encoded, :meth:`~Callback.on_record` with each history record (about one
a second, and one at each epoch's end), and :meth:`~Callback.on_train_end` with the finished
model.
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

    def on_train_end(self, model: Model) -> None:
        """Called once with the trained model."""


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

    def on_train_end(self, model: Model) -> None:
        for callback in self.callbacks:
            callback.on_train_end(model)
