"""Training a model further: resuming a schedule is bit-exact, a new schedule after a save
and a load is the same as without them, new words get rows and learn, fixed options stay."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from w2v.callbacks import Callback
from w2v.config import INIT_SCALES
from w2v.continuing import new_model
from w2v.errors import ConfigError, CorpusError
from w2v.vocab import build_vocab
from word_groups import GROUP_SIZE, GROUPS, group_sentences, nearest_neighbour_group_accuracy

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"],
             ["the", "dog", "sat", "on", "the", "log"],
             ["a", "cat", "and", "a", "dog", "met"]] * 40
OPTIONS = {"vector_size": 12, "window": 3, "negative": 3, "min_count": 1, "workers": 1,
           "sample": 0.0, "seed": 5}


class StopAfter(Callback):
    """Stops training once ``epochs`` epochs of the schedule are done."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, model) -> None:
        if model.epochs_done >= self.epochs:
            model.stop_training = True


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.vectors.vectors, b.vectors.vectors)
    np.testing.assert_array_equal(a.output_vectors, b.output_vectors)


@pytest.mark.parametrize("sg", [True, False])
def test_resume_after_save_and_load_is_bit_exact(tmp_path, sg):
    """N epochs of an (N + M)-epoch schedule, saved, loaded, finished: the one-go run."""
    one_go = w2v.train(SENTENCES, epochs=5, sg=sg, **OPTIONS)
    first = w2v.train(SENTENCES, epochs=5, sg=sg, callbacks=[StopAfter(2)], **OPTIONS)
    assert first.epochs_done == 2 and len(first.epoch_losses()) == 2
    assert not np.array_equal(first.vectors.vectors, one_go.vectors.vectors)
    first.save(tmp_path / "m")
    loaded = w2v.load_model(tmp_path / "m")
    loaded.train(SENTENCES)  # epochs=None: finishes the schedule
    assert loaded.epochs_done == 5
    _same(loaded, one_go)
    records = [r for r in loaded.history if r.kind == "epoch"]
    assert [r.epoch for r in records] == [1, 2, 3, 4, 5]
    expected = [r for r in one_go.history if r.kind == "epoch"]
    assert [r.alpha for r in records] == pytest.approx([r.alpha for r in expected])
    assert [r.words_done for r in records] == [r.words_done for r in expected]
    assert [r.loss for r in records] == pytest.approx([r.loss for r in expected], rel=1e-9)


def test_new_schedule_is_the_same_with_or_without_a_save(tmp_path):
    """train N, then train(epochs=M): whether or not the model went through a file between."""
    in_memory = w2v.train(SENTENCES, epochs=3, **OPTIONS)
    in_memory.save(tmp_path / "m")
    in_memory.train(SENTENCES, epochs=2)
    loaded = w2v.load_model(tmp_path / "m")
    loaded.train(SENTENCES, epochs=2)
    _same(loaded, in_memory)
    # A new schedule: the rate decays from alpha again over the 2 new epochs.
    last = [r for r in in_memory.history if r.kind == "epoch"][-2:]
    alpha, low = in_memory.config.alpha, in_memory.config.min_alpha
    assert last[0].alpha == pytest.approx(alpha - (alpha - low) / 2, rel=1e-3)
    assert last[1].alpha == pytest.approx(low)
    assert in_memory.config.epochs == 2 and in_memory.epochs_done == 2


def test_a_new_model_trained_further_is_the_one_go_run():
    cfg = w2v.TrainConfig(epochs=3, **OPTIONS)
    model = new_model(build_vocab(SENTENCES, min_count=1), cfg)
    model.train(SENTENCES)
    _same(model, w2v.train(SENTENCES, epochs=3, **OPTIONS))


def test_continuing_lowers_the_loss_and_keeps_options():
    model = w2v.train(SENTENCES, epochs=2, **OPTIONS)
    before = model.epoch_losses()[-1]
    model.train(SENTENCES, epochs=3, alpha=0.01, window=2)
    assert model.epoch_losses()[-1] < before
    assert model.config.alpha == 0.01 and model.config.window == 2
    assert model.stats["epochs_trained"] == 3


@pytest.mark.parametrize(("option", "value"), [("vector_size", 13), ("sg", False),
                                               ("loss", "softmax")])
def test_options_that_define_the_tables_cannot_change(option, value):
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    with pytest.raises(ConfigError, match=f"'{option}' parameter cannot change") as err:
        model.train(SENTENCES, **{option: value})
    assert err.value.parameter == option
    model.train(SENTENCES, epochs=1, **{option: getattr(model.config, option)})  # same: fine


def test_unknown_options_and_engines_that_cannot_continue():
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    with pytest.raises(ConfigError, match="Unknown training option"):
        model.train(SENTENCES, windows=3)
    with pytest.raises(ConfigError, match="engine='numba'"):
        model.train(SENTENCES, engine="numpy")


def test_a_corpus_of_unknown_words_is_refused():
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    with pytest.raises(CorpusError, match="vocabulary"):
        model.train([["zebra", "yak", "gnu"]])


def test_vocab_update_adds_counts_and_rows_as_gensim():
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    words, counts = list(model.vocab.words), model.vocab.counts.copy()
    old_in = model.vectors.vectors.copy()
    total = model.vocab.total_words
    more = [["the", "zebra", "met", "the", "yak"], ["zebra", "yak", "once"]]
    added = model.build_vocab(more, min_count=2)
    assert added == 2  # "once" is below min_count
    assert model.vocab.words == [*words, "zebra", "yak"]  # known ids unchanged
    the = words.index("the")
    assert model.vocab.counts[the] == counts[the] + 2
    assert list(model.vocab.counts[-2:]) == [2, 2]
    assert model.vocab.total_words == total + 8
    np.testing.assert_array_equal(model.vectors.vectors[:len(words)], old_in)
    new_rows = model.vectors.vectors[len(words):]
    dim = model.config.vector_size
    half_width = INIT_SCALES[model.config.init] / dim
    assert np.all(np.abs(new_rows) <= half_width) and np.any(new_rows != 0)  # as at init
    assert np.all(model.output_vectors[len(words):] == 0)
    assert model.vectors.key_to_index["yak"] == len(words) + 1


def test_new_words_learn_their_neighbours():
    """New words of each group, met only in new text, end next to their group."""
    base = group_sentences(1500, seed=0)
    options = {**OPTIONS, "vector_size": 16, "window": 5, "negative": 5, "epochs": 5}
    model = w2v.train(base, **options)
    rng = np.random.default_rng(1)
    more = []
    for _ in range(1500):
        g = rng.integers(GROUPS)
        more.append([f"g{g}w{i}" for i in rng.integers(GROUP_SIZE + 2, size=10)])
    model.train(more, update_vocab=True, epochs=5)
    new = [f"g{g}w{i}" for g in range(GROUPS) for i in (GROUP_SIZE, GROUP_SIZE + 1)]
    assert all(word in model.vectors for word in new)
    # Calibrated: 12 of 12 new words for seeds 0-4; the margin allows one miss.
    vectors = model.vectors
    own_group = np.mean([vectors.most_similar(w, topn=1)[0][0].split("w")[0] == w.split("w")[0]
                         for w in new])
    assert own_group >= 11 / 12
    assert nearest_neighbour_group_accuracy(vectors.vectors, vectors.index_to_key) >= 0.95
    dim = options["vector_size"]
    moved = np.abs(vectors[new]).max(axis=1)
    assert np.all(moved > 0.5 / dim)  # well outside the initial range


def test_a_pipe_is_read_once_for_the_update_and_the_training(tmp_path):
    import os
    import threading

    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    text = "\n".join(["the zebra met the yak"] * 30) + "\n"

    def write() -> None:
        with open(pipe, "w") as out:
            out.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    model.train(pipe, update_vocab=True, epochs=1)
    writer.join()
    assert {"zebra", "yak"} <= set(model.vocab.words)
    assert model.stats["tokens"] == 150 and model.stats["epochs_trained"] == 1


def test_hierarchical_softmax_resumes_bit_exactly_and_grows_with_new_words(tmp_path):
    options = {**OPTIONS, "hs": True, "negative": 0, "epochs": 4}
    one_go = w2v.train(SENTENCES, **options)
    half = w2v.train(SENTENCES, callbacks=[StopAfter(2)], **options)
    half.save(tmp_path / "m")
    loaded = w2v.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.hs_vectors, half.hs_vectors)
    loaded.train(SENTENCES)
    _same(loaded, one_go)
    np.testing.assert_array_equal(loaded.hs_vectors, one_go.hs_vectors)

    more = [["a", "fox", "sat", "on", "the", "rug"]] * 30
    before = np.array(loaded.hs_vectors)
    loaded.train(more, epochs=2, update_vocab=True)
    assert len(loaded.vocab) == len(one_go.vocab) + 2
    assert loaded.hs_vectors.shape == (len(loaded.vocab) - 1, OPTIONS["vector_size"])
    assert not np.array_equal(loaded.hs_vectors[:len(before)], before)  # it trained
    fox = loaded.vocab.key_to_index["fox"]
    assert not np.allclose(loaded.vectors.vectors[fox], 0)


def test_training_with_a_vocabulary_update_reads_the_corpus_once():
    # The update's counts and the encoding come from one scan; the result is that of
    # update_vocab() followed by training on the grown vocabulary.
    class Counting:
        def __init__(self, sentences):
            self.sentences, self.passes = sentences, 0

        def __iter__(self):
            self.passes += 1
            yield from self.sentences

    more = [["the", "fox", "ran", "past", "the", "dog"]] * 30 + SENTENCES[:30]
    once, twice = (w2v.train(SENTENCES, epochs=2, **OPTIONS) for _ in range(2))
    corpus = Counting(more)
    once.train(corpus, update_vocab=True, epochs=2)
    assert corpus.passes == 1
    twice.build_vocab(more)
    twice.train(more, epochs=2)
    assert once.vocab.words == twice.vocab.words
    np.testing.assert_array_equal(once.vocab.counts, twice.vocab.counts)
    _same(once, twice)


def test_the_models_vectors_are_one_object_that_follows_training():
    """A reference to model.vectors sees training further and a vocabulary update, with
    the norms of the new rows (an object of its own would keep stale norms)."""
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    vectors = model.vectors
    vectors.set_vecattr("cat", "tag", 7)
    stale = vectors.most_similar("cat", topn=3)
    assert vectors.norms is not None
    model.train(SENTENCES, epochs=3)
    assert model.vectors is vectors
    np.testing.assert_allclose(vectors.norms, np.linalg.norm(vectors.vectors, axis=1),
                               rtol=1e-5)
    assert all(-1.0 <= cosine <= 1.0 for _, cosine in vectors.most_similar("cat", topn=3))
    assert vectors.most_similar("cat", topn=3) != stale
    assert vectors.get_vecattr("cat", "tag") == 7  # a user's attribute is kept
    model.build_vocab([["zebra", "cat"]] * 3)
    assert model.vectors is vectors and "zebra" in vectors
