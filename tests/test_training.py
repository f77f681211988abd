"""train(): inputs, the Model it returns, history, saving, and user errors."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import w2v
from w2v.errors import ConfigError, CorpusError, InputNotFoundError
from w2v.training import Model, train

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"],
             ["the", "dog", "sat", "on", "the", "log"]] * 30
SMALL = {"vector_size": 8, "window": 2, "negative": 3, "min_count": 1, "epochs": 2,
         "workers": 1, "sample": 0.0}


def test_list_path_and_generator_give_the_same_model(tmp_path):
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write("\n".join(" ".join(s) for s in SENTENCES))
    from_list = train(SENTENCES, **SMALL)
    from_path = train(path, **SMALL)
    from_gen = train((s for s in SENTENCES), **SMALL)
    np.testing.assert_array_equal(from_list.vectors.vectors, from_path.vectors.vectors)
    np.testing.assert_array_equal(from_list.vectors.vectors, from_gen.vectors.vectors)


def test_model_fields_and_history():
    model = w2v.train(SENTENCES, **SMALL)
    assert isinstance(model, Model)
    assert model.vectors.index_to_key == model.vocab.words
    assert model.vectors.vectors.shape == (7, 8) and model.vectors.vectors.dtype == np.float32
    assert model.output_vectors.shape == (7, 8)
    assert model.config.vector_size == 8
    epochs = [h for h in model.history if h.kind == "epoch"]
    assert [h.epoch for h in epochs] == [1, 2]
    for h in model.history:
        fields = {"epoch", "words_done", "loss", "words_per_s", "alpha", "elapsed_s"}
        assert fields <= set(h.to_dict())
    assert model.epoch_losses() == [h.loss for h in epochs]
    assert model.stats["tokens"] == 360


@pytest.mark.parametrize("engine", ["numba", "reference"])
def test_cbow_and_engines_run(engine):
    model = train(SENTENCES, sg=False, engine=engine, **SMALL)
    assert np.all(np.isfinite(model.vectors.vectors))
    assert model.epoch_losses()[-1] < 4 * np.log(2)  # below the loss at initialisation


def test_save_roundtrip(tmp_path):
    model = train(SENTENCES, **SMALL)
    for fmt in ("text", "binary"):
        path = tmp_path / f"v.{fmt}"
        model.save(path, format=fmt)
        loaded = w2v.Vectors.load(path, format=fmt)
        assert loaded.index_to_key == model.vectors.index_to_key
        np.testing.assert_allclose(loaded.vectors, model.vectors.vectors, atol=1e-5)


def test_callbacks_get_begin_records_and_the_model():
    from w2v.callbacks import Callback

    seen = []

    class Recorder(Callback):
        def on_train_begin(self, total_words, epochs):
            seen.append(("begin", total_words, epochs))

        def on_record(self, record):
            seen.append(record.kind)

        def on_train_end(self, model):
            seen.append(("end", len(model.vocab)))

    train(SENTENCES, callbacks=[Recorder()], **SMALL)
    assert seen[0] == ("begin", 360, 2)
    assert seen.count("epoch") == 2
    assert seen[-1] == ("end", 7)


def test_a_callback_that_is_not_a_callback_is_refused():
    with pytest.raises(ConfigError, match="'callbacks' parameter"):
        train(SENTENCES, callbacks=[print], **SMALL)


def test_user_errors(tmp_path):
    with pytest.raises(InputNotFoundError, match="missing.txt"):
        train(tmp_path / "missing.txt", **SMALL)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    with pytest.raises(CorpusError, match="empty"):
        train(empty, **SMALL)
    with pytest.raises(CorpusError, match="1000 times or more.*Lower the .min_count. param"):
        train(SENTENCES, **{**SMALL, "min_count": 1000})
    with pytest.raises(ConfigError, match="Unknown training option"):
        train(SENTENCES, dims=3)
    with pytest.raises(CorpusError, match="list of str"):
        train(["a sentence as a string"], **SMALL)


def test_divergence_is_an_error():
    from w2v.errors import DivergenceError

    with pytest.raises(DivergenceError, match="alpha"):
        train(SENTENCES, **{**SMALL, "alpha": 1e30, "epochs": 3})


def test_corpus_without_training_pairs_is_refused():
    with pytest.raises(CorpusError, match="no sentence with two"):
        train([["a"], ["b"], ["a"]], **SMALL)
    with pytest.raises(CorpusError, match="single word"):
        train([["a", "a", "a"]], **SMALL)


def test_the_garbage_collector_is_paused_only_while_the_corpus_is_read(tmp_path, monkeypatch):
    import gc

    import w2v.training

    seen = []
    original = w2v.training._read_corpus

    def reading(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(w2v.training, "_read_corpus", reading)
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d a b c d e f\n" * 50)
    assert gc.isenabled()
    train(str(corpus), vector_size=8, min_count=1, epochs=1, workers=1)
    assert seen == [False] and gc.isenabled()
    gc.disable()  # a caller's own setting is kept
    try:
        train(str(corpus), vector_size=8, min_count=1, epochs=1, workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(InputNotFoundError):  # and restored after an error
        train(str(tmp_path / "missing.txt"), min_count=1)
    assert gc.isenabled()
