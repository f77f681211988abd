"""The engine's control during training: epoch callbacks, early stopping, the live model.

:class:`EpochControl` stands between an engine and the run's callbacks. The engine asks it
between chunks (it passes those questions on to a :class:`~w2v.checkpoint.Checkpointer`,
if the run has one), tells it when each epoch begins and ends, and hands it each history
record. It keeps one :class:`~w2v.training.Model` for the whole run, whose weights are the
engine's live tables, gives it to the callbacks at each epoch's boundaries, and stops
training when a callback sets ``model.stop_training``. The model it returns at the end is
that same object, so a callback that kept it sees the finished model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.engines.contract import Control, EngineResult, HistoryRecord, TrainingState

if TYPE_CHECKING:
    from w2v.callbacks import CallbackList
    from w2v.config import TrainConfig
    from w2v.subwords import SubwordIndex
    from w2v.training import Model
    from w2v.vectors import Vectors
    from w2v.vocab import Vocab


class EpochControl(Control):
    """Epoch callbacks and early stopping for one run (see the module docstring).

    Parameters
    ----------
    observers : CallbackList
        The run's callbacks.
    vocab : Vocab
    config : TrainConfig
        The run's options.
    inner : Control, optional
        Asked whether to pause and told when paused (a checkpointer).
    model : Model, optional
        The model that training continues (updated in place); None for a new one.
    """

    def __init__(self, observers: CallbackList, vocab: Vocab, config: TrainConfig,
                 inner: Control | None = None, model: Model | None = None) -> None:
        self.observers, self.vocab, self.config = observers, vocab, config
        self.inner = inner if inner is not None else Control()
        self.model = model
        # Only an engine that resumes from a state has kernel RNG states worth keeping.
        from w2v.engines import registry

        self.resumable = registry.get(config.engine).checkpoints
        from w2v.callbacks import uses_epochs

        # Building the live model costs a (V,) dictionary: only when a callback wants it.
        self.wanted = any(uses_epochs(c) for c in observers.callbacks)
        self.earlier = list(model.history) if model is not None else []
        self.history: list[HistoryRecord] = []
        self.index: SubwordIndex | None = None  # a subword run's rows, built once
        if model is not None:
            model.stop_training = False

    # --- what the engine calls --------------------------------------------------------------

    def on_record(self, record: HistoryRecord) -> None:
        """The engine's ``report``: keep the record, pass it to the callbacks."""
        self.history.append(record)
        self.observers.on_record(record)

    def wants_pause(self) -> bool:
        return self.inner.wants_pause()

    def paused(self, state: TrainingState, epoch_end: bool) -> None:
        self.inner.paused(state, epoch_end)

    def epoch_begin(self, epoch: int, state: TrainingState) -> None:
        if self.wanted:
            self.observers.on_epoch_begin(self.live(state))

    def epoch_end(self, epoch: int, state: TrainingState) -> bool:
        if not self.wanted:
            return False
        model = self.live(state)
        self.observers.on_epoch_end(model)
        return bool(model.stop_training)

    # --- the model --------------------------------------------------------------------------

    def live(self, state: TrainingState) -> Model:
        """The run's model with the engine's weights as they are now (no copy of float32)."""
        from w2v.training import Model

        # A new Vectors each time: its cached unit vectors would be stale after more training.
        vectors = self._vectors(state)
        if self.model is None:
            self.model = Model(vectors=vectors, output_vectors=state.w_out, config=self.config,
                               vocab=self.vocab)
        model = self.model
        model.vectors, model.output_vectors = vectors, state.w_out
        model.hs_vectors = state.w_hs
        model.config, model.vocab = self.config, self.vocab
        model.epochs_done = int(state.epoch)
        # A copy: a model saved by a callback must keep this epoch's states.
        model.rng_states = np.array(state.rng_states, dtype=np.uint64) if self.resumable \
            else None
        model.history = [*self.earlier, *self.history]
        return model

    def _vectors(self, state: TrainingState) -> Vectors:
        """The input vectors as they are now (:func:`w2v.training.vectors_from_tables`); a
        subword run's n-gram index is built once."""
        from w2v.training import vectors_from_tables

        if self.config.subwords and self.index is None:
            from w2v.subwords import build_subword_index

            cfg = self.config
            self.index = build_subword_index(self.vocab.words, cfg.min_n, cfg.max_n,
                                             cfg.bucket)
        return vectors_from_tables(self.vocab, self.config, state.w_in, state.w_out,
                                   state.w_hs, index=self.index)

    def finish(self, result: EngineResult, start_epoch: int, stats: dict[str, Any]) -> Model:
        """The finished model: the engine's result in the run's one :class:`Model` object."""
        state = result.state
        epochs = sum(record.kind == "epoch" for record in result.history)
        if state is None:  # an engine that does not resume: its tables and epochs
            state = TrainingState(w_in=np.asarray(result.w_in), w_out=np.asarray(result.w_out),
                                  rng_states=np.zeros((0, 1), dtype=np.uint64),
                                  epoch=start_epoch + epochs)
        self.history = list(result.history)
        if self.index is None:  # a subword engine's index, computed once for the run
            self.index = result.details.get("subwords")
        model = self.live(TrainingState(
            w_in=np.asarray(result.w_in), w_out=np.asarray(result.w_out),
            rng_states=state.rng_states, epoch=state.epoch,
            w_hs=None if result.w_hs is None else np.asarray(result.w_hs)))
        model.stats = stats
        return model
