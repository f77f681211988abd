"""Subword (fastText) models are whole models: saved as a model folder, read from fastText's
``.bin``, trained further on new text with new words, resumed bit-exactly."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from test_continuing import StopAfter
from w2v.continuing import new_model
from w2v.errors import ConfigError, FormatError
from w2v.formats.fasttext_bin import FastTextModel, write_fasttext_bin
from w2v.subword_vectors import SubwordVectors
from w2v.vocab import build_vocab
from word_groups import group_sentences, nearest_neighbour_group_accuracy

SENTENCES = group_sentences(300, seed=1)
OPTIONS = {"subwords": True, "vector_size": 12, "window": 3, "negative": 3, "min_count": 1,
           "workers": 1, "sample": 0.0, "seed": 5, "bucket": 500, "min_n": 2, "max_n": 4}


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.input_table, b.input_table)
    np.testing.assert_array_equal(a.output_vectors, b.output_vectors)
    np.testing.assert_array_equal(a.vectors.vectors, b.vectors.vectors)


@pytest.mark.parametrize("arch", [{"sg": True}, {"sg": False}, {"hs": True, "negative": 0}])
def test_a_saved_subword_model_resumes_bit_exactly(tmp_path, arch):
    """2 epochs of a 4-epoch schedule, saved as a model folder, loaded, finished: the one-go
    run, for skip-gram, CBOW and hierarchical softmax."""
    options = {**OPTIONS, **arch}
    one_go = w2v.train(SENTENCES, epochs=4, **options)
    first = w2v.train(SENTENCES, epochs=4, callbacks=[StopAfter(2)], **options)
    assert first.epochs_done == 2
    first.save(tmp_path / "m")
    assert (tmp_path / "m" / "w_in.npy").exists()
    loaded = w2v.load_model(tmp_path / "m")
    assert isinstance(loaded.vectors, SubwordVectors)
    assert loaded.input_table.shape == (len(loaded.vocab) + 500, 12)
    loaded.train(SENTENCES)  # finishes the schedule
    _same(loaded, one_go)
    if arch.get("hs"):
        np.testing.assert_array_equal(loaded.hs_vectors, one_go.hs_vectors)


def test_a_new_subword_model_trained_further_is_the_one_go_run():
    cfg = w2v.TrainConfig(epochs=2, **OPTIONS)
    model = new_model(build_vocab(SENTENCES, min_count=1), cfg)
    assert isinstance(model.vectors, SubwordVectors)
    model.train(SENTENCES)
    _same(model, w2v.train(SENTENCES, epochs=2, **OPTIONS))


def test_a_new_schedule_is_the_same_with_or_without_a_save(tmp_path):
    model = w2v.train(SENTENCES, epochs=2, **OPTIONS)
    model.save(tmp_path / "m")
    model.train(SENTENCES, epochs=1)
    loaded = w2v.load_model(tmp_path / "m", mmap=False)
    loaded.train(SENTENCES, epochs=1)
    _same(loaded, model)


def test_new_words_get_rows_before_the_ngram_rows_and_learn():
    """A vocabulary update inserts the new words' rows between the old words' and the n-gram
    rows (fastText's layout), keeps every trained row, and the new words train."""
    model = w2v.train(SENTENCES, epochs=3, **OPTIONS)
    old_words, table = len(model.vocab), model.input_table.copy()
    # a new group of words, "g9w0".."g9w7", and more of the old groups
    more = [[f"g9w{i}" for i in np.random.default_rng(s).integers(8, size=10)]
            for s in range(200)] + SENTENCES[:100]
    added = model.build_vocab(more)
    assert added == 8 and len(model.vocab) == old_words + 8
    grown = model.input_table
    assert grown.shape == (old_words + 8 + 500, 12)
    np.testing.assert_array_equal(grown[:old_words], table[:old_words])
    np.testing.assert_array_equal(grown[old_words + 8:], table[old_words:])
    assert model.output_vectors.shape == (old_words + 8, 12)
    assert not model.output_vectors[old_words:].any()
    # a new word's vector is already composed from its n-grams (trained rows) and its row
    word = "g9w3"
    rows = model.vectors.subword_rows(word)
    assert rows[0] == model.vocab.key_to_index[word] >= old_words and len(rows) > 1
    np.testing.assert_allclose(model.vectors[word], grown[rows].mean(axis=0), rtol=1e-5)
    model.train(more, epochs=3)
    words = list(model.vocab.words)
    accuracy = nearest_neighbour_group_accuracy(model.vectors.vectors, words)
    assert accuracy > 0.9, accuracy  # 7 groups of 8 words, the new one too
    # the new word's neighbours are the other new words
    assert {w[:2] for w, _ in model.vectors.most_similar("g9w3", topn=5)} == {"g9"}


@pytest.mark.parametrize(("option", "value"), [("bucket", 400), ("min_n", 3), ("max_n", 5),
                                               ("subwords", False)])
def test_the_ngram_options_cannot_change(option, value):
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    with pytest.raises(ConfigError, match=f"'{option}' parameter cannot change"):
        model.train(SENTENCES, **{option: value})


def test_a_model_folder_with_a_short_input_table_is_refused(tmp_path):
    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    model.save(tmp_path / "m")
    words = len(model.vocab)
    np.save(tmp_path / "m" / "w_in.npy", np.zeros((words, 12), dtype="<f4"))
    with pytest.raises(FormatError, match=rf"\({words + 500}, 12\)"):
        w2v.load_model(tmp_path / "m")


@pytest.mark.parametrize("arch", [{"sg": True}, {"sg": False}, {"hs": True, "negative": 0}])
def test_a_fasttext_bin_is_a_model_to_train_further(tmp_path, arch):
    """A .bin read back is the same model (options, vectors, output rows) and trains on."""
    options = {**OPTIONS, **arch}
    model = w2v.train(SENTENCES, epochs=2, **options)
    model.save(tmp_path / "m.bin", format="fasttext")
    read = w2v.load_model(tmp_path / "m.bin")
    for name in ("subwords", "sg", "hs", "negative", "window", "min_count", "min_n", "max_n",
                 "bucket", "vector_size", "epochs", "sample"):
        assert getattr(read.config, name) == getattr(model.config, name), name
    np.testing.assert_array_equal(read.input_table, model.input_table)
    np.testing.assert_array_equal(read.vectors["unseen"], model.vectors["unseen"])
    assert read.vocab.words == model.vocab.words
    np.testing.assert_array_equal(read.vocab.counts, model.vocab.counts)
    if arch.get("hs"):
        np.testing.assert_array_equal(read.hs_vectors, model.hs_vectors)
    else:
        np.testing.assert_array_equal(read.output_vectors, model.output_vectors)
    # the same weights trained the same way: equal to the model trained on in memory (a
    # .bin keeps no RNG states, so neither does the model here)
    model.rng_states = None
    read.train(SENTENCES, epochs=1, seed=9, workers=1)
    model.train(SENTENCES, epochs=1, seed=9, workers=1)
    np.testing.assert_allclose(read.input_table, model.input_table, atol=1e-6)
    # and the file itself was not written into (it is memory-mapped)
    again = w2v.load_model(tmp_path / "m.bin")
    assert not np.array_equal(again.input_table, read.input_table)


def test_options_the_bin_defines_cannot_be_given(tmp_path):
    from w2v.fasttext_model import model_from_fasttext

    model = w2v.train(SENTENCES, epochs=1, **OPTIONS)
    model.save(tmp_path / "m.bin", format="fasttext")
    with pytest.raises(ConfigError, match="defined by the fastText model"):
        model_from_fasttext(tmp_path / "m.bin", window=7)
    assert model_from_fasttext(tmp_path / "m.bin", alpha=0.01).config.alpha == 0.01


def _bin(path, **args):
    words = ["a", "b", "c"]
    write_fasttext_bin(path, FastTextModel(
        {"dim": 4, "bucket": 10, **args}, words, np.array([3, 2, 1]),
        np.zeros((13, 4), dtype=np.float32), np.zeros((3, 4), dtype=np.float32), ntokens=6))
    return path


def test_classifiers_and_other_losses_are_refused(tmp_path):
    with pytest.raises(FormatError, match="classifier"):
        w2v.load_model(_bin(tmp_path / "c.bin", model=3))
    with pytest.raises(FormatError, match="softmax loss"):
        w2v.load_model(_bin(tmp_path / "s.bin", loss=3))
    assert w2v.load_model(_bin(tmp_path / "ok.bin")).config.sg  # skip-gram, ns


def test_a_model_trained_by_fasttext_trains_further(tmp_path):
    """fastText's own .bin: w2v reads its args, keeps its OOV vectors, and trains it on."""
    from fasttext_peer import corpus_file, train_fasttext

    trained = train_fasttext(tmp_path, minn=2, maxn=4, bucket=1000)
    trained.save_model(str(tmp_path / "ft.bin"))
    model = w2v.load_model(tmp_path / "ft.bin")
    assert model.config.sg and model.config.min_n == 2 and model.config.bucket == 1000
    np.testing.assert_allclose(model.vectors["zzqq"], trained.get_word_vector("zzqq"),
                               atol=1e-6)
    words_before = len(model.vocab)
    model.train(corpus_file(tmp_path), epochs=1, update_vocab=True)
    assert len(model.vocab) >= words_before
    assert np.isfinite(model.input_table).all()
    model.save(tmp_path / "again.bin", format="fasttext")
    fasttext = pytest.importorskip("fasttext")
    reread = fasttext.load_model(str(tmp_path / "again.bin"))
    np.testing.assert_allclose(reread.get_word_vector("zzqq"), model.vectors["zzqq"],
                               atol=1e-6)


def _paths(tree, word_id):
    start, end = tree.offsets[word_id], tree.offsets[word_id + 1]
    return sorted(zip(tree.points[start:end].tolist(), tree.codes[start:end].tolist(),
                      strict=True))


def test_a_grown_hs_model_is_written_in_fastexts_count_order(tmp_path):
    """After a vocabulary update new words follow rarer ones; the .bin lists the words by
    descending count, so that the tree fastText builds from the file's counts (in file
    order) is the tree the inner-node rows were trained on."""
    from w2v.huffman import build_huffman_tree

    model = w2v.train(SENTENCES, epochs=1, **{**OPTIONS, "hs": True, "negative": 0})
    model.train([["g9w0", "g9w1"] * 5] * 200 + SENTENCES[:20], epochs=1, update_vocab=True)
    assert np.any(np.diff(model.vocab.counts) > 0)  # the new words are frequent
    model.save(tmp_path / "grown.bin", format="fasttext")
    read = w2v.load_model(tmp_path / "grown.bin")
    assert np.all(np.diff(read.vocab.counts) <= 0)
    file_tree = build_huffman_tree(read.vocab.counts)  # word2vec.c's = fastText's buildTree
    trained_tree = model.vocab.huffman_tree()
    for i, word in enumerate(read.vocab.words):
        assert _paths(file_tree, i) == _paths(trained_tree, model.vocab.key_to_index[word])
    np.testing.assert_array_equal(read.hs_vectors, model.hs_vectors)
    for word in ("g9w0", "g1w3", "unseen"):
        np.testing.assert_allclose(read.vectors[word], model.vectors[word], atol=1e-6)


def test_a_model_without_ngrams_is_written_as_fasttext_writes_one(tmp_path):
    model = w2v.train(SENTENCES, epochs=1, **{**OPTIONS, "bucket": 0})
    model.save(tmp_path / "plain.bin", format="fasttext")
    read = w2v.load_model(tmp_path / "plain.bin")
    assert (read.config.min_n, read.config.max_n, read.config.bucket) == (0, 0, 0)
    np.testing.assert_array_equal(read.vectors.vectors, model.vectors.vectors)
    fasttext = pytest.importorskip("fasttext")
    loaded = fasttext.load_model(str(tmp_path / "plain.bin"))  # bucket 0 with n-grams: SIGFPE
    assert not loaded.get_word_vector("unseen").any()
    np.testing.assert_allclose(loaded.get_word_vector("g1w3"), model.vectors["g1w3"],
                               atol=1e-6)
