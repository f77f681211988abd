"""Epoch callbacks: told at each epoch's boundaries with the live model, in the numba and
numpy engines; a callback stops training early and the result is a valid model."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from w2v.callbacks import Callback, uses_epochs
from w2v.errors import ConfigError

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"],
             ["the", "dog", "sat", "on", "the", "log"]] * 30
SMALL = {"vector_size": 8, "window": 2, "negative": 3, "min_count": 1, "epochs": 4,
         "workers": 1, "sample": 0.0}


class Recorder(Callback):
    def __init__(self, stop_at: int | None = None) -> None:
        self.events: list[tuple] = []
        self.stop_at = stop_at
        self.models: list = []
        self.snapshots: list[np.ndarray] = []

    def on_train_begin(self, total_words, epochs):
        self.events.append(("train_begin", epochs))

    def on_epoch_begin(self, model):
        self.events.append(("begin", model.epochs_done))

    def on_epoch_end(self, model):
        self.events.append(("end", model.epochs_done, model.history[-1].kind))
        self.models.append(model)
        self.snapshots.append(model.vectors.vectors.copy())
        if model.epochs_done == self.stop_at:
            model.stop_training = True

    def on_train_end(self, model):
        self.events.append(("train_end", model.epochs_done))


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_epoch_callbacks_in_order_with_the_live_model(engine):
    recorder = Recorder()
    model = w2v.train(SENTENCES, engine=engine, callbacks=[recorder], **SMALL)
    assert recorder.events == [("train_begin", 4),
                               ("begin", 0), ("end", 1, "epoch"), ("begin", 1), ("end", 2, "epoch"),
                               ("begin", 2), ("end", 3, "epoch"), ("begin", 3), ("end", 4, "epoch"),
                               ("train_end", 4)]
    assert all(m is model for m in recorder.models)  # one model object throughout
    # The weights were those of each epoch: they changed between epochs.
    assert not np.array_equal(recorder.snapshots[0], recorder.snapshots[-1])
    np.testing.assert_allclose(recorder.snapshots[-1], model.vectors.vectors, atol=1e-7)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_stop_training_ends_after_that_epoch(engine):
    recorder = Recorder(stop_at=2)
    model = w2v.train(SENTENCES, engine=engine, callbacks=[recorder], **SMALL)
    assert model.epochs_done == 2 and len(model.epoch_losses()) == 2
    assert recorder.events[-1] == ("train_end", 2)
    assert model.stats["epochs_trained"] == 2
    assert np.all(np.isfinite(model.vectors.vectors))
    assert model.vectors.most_similar("cat", topn=2)  # a valid model: queries work


def test_a_callback_can_evaluate_and_save_each_epoch(tmp_path):
    class SaveEach(Callback):
        def on_epoch_end(self, model):
            model.save(tmp_path / f"epoch{model.epochs_done}")

    w2v.train(SENTENCES, callbacks=[SaveEach()], **SMALL)
    second = w2v.load_model(tmp_path / "epoch2")
    assert second.epochs_done == 2
    finished = w2v.load_model(tmp_path / "epoch2")
    finished.train(SENTENCES)  # finishes the schedule from the file
    np.testing.assert_array_equal(finished.vectors.vectors,
                                  w2v.load_model(tmp_path / "epoch4").vectors.vectors)


def test_torch_refuses_epoch_callbacks_by_name():
    assert uses_epochs(Recorder()) and not uses_epochs(Callback())
    with pytest.raises(ConfigError, match="calls no epoch callbacks.*Recorder"):
        w2v.train(SENTENCES, engine="torch", callbacks=[Recorder()], **SMALL)
