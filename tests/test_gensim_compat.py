"""w2v.Word2Vec: gensim's arguments, attributes, errors and call sequence, on w2v's model."""

from __future__ import annotations

import numpy as np
import pytest

import w2v
from w2v import Word2Vec
from w2v.errors import ConfigError
from word_groups import group_sentences

SENTENCES = group_sentences(600, seed=3)
SMALL = {"vector_size": 12, "window": 3, "min_count": 1, "workers": 1, "epochs": 3}


def test_gensim_defaults_and_the_same_run_as_w2v_train():
    model = Word2Vec(SENTENCES, **SMALL)
    assert (model.sg, model.hs, model.alpha, model.negative, model.cbow_mean) == (0, 0, 0.025,
                                                                                  5, 1)
    assert model.epochs == 3 and model.vector_size == model.layer1_size == 12
    same = w2v.train(SENTENCES, sg=False, alpha=0.025, init="gensim", **SMALL)
    np.testing.assert_array_equal(model.wv.vectors, same.vectors.vectors)
    np.testing.assert_array_equal(model.syn1neg, same.output_vectors)
    assert model.corpus_count == 600 and model.corpus_total_words == 6000


def test_build_vocab_then_train_equals_the_constructor_and_takes_a_generator():
    at_once = Word2Vec(SENTENCES, **SMALL)
    model = Word2Vec(**SMALL)
    assert len(model.wv) == 0
    model.build_vocab(s for s in SENTENCES)
    assert len(model.wv) == len(at_once.wv)
    result = model.train((s for s in SENTENCES), total_examples=model.corpus_count,
                         epochs=model.epochs)
    assert result == (6000 * 3, 6000 * 3)
    np.testing.assert_array_equal(model.wv.vectors, at_once.wv.vectors)


class CountingCorpus:
    """A re-iterable corpus that counts how often it is read."""

    def __init__(self, sentences):
        self.sentences, self.passes = sentences, 0

    def __iter__(self):
        return self._read()

    def _read(self):
        self.passes += 1  # on the first sentence asked for, not on iter()
        yield from self.sentences


def test_the_constructor_reads_the_corpus_once():
    # It counts and encodes in one scan (w2v.corpus_scan), with the same result as the
    # two readings of build_vocab() then train(); max_vocab_size counts in a pass of its own.
    corpus = CountingCorpus(SENTENCES)
    once = Word2Vec(corpus, **SMALL)
    assert corpus.passes == 1
    np.testing.assert_array_equal(once.wv.vectors, Word2Vec(SENTENCES, **SMALL).wv.vectors)
    pruned = CountingCorpus(SENTENCES)
    Word2Vec(pruned, max_vocab_size=10_000, **SMALL)
    assert pruned.passes == 2


def test_corpus_file(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(s) for s in SENTENCES) + "\n")
    from_file = Word2Vec(corpus_file=str(path), **SMALL)
    np.testing.assert_array_equal(from_file.wv.vectors, Word2Vec(SENTENCES, **SMALL).wv.vectors)


def test_train_requires_what_gensim_requires():
    model = Word2Vec(**SMALL)
    with pytest.raises(RuntimeError, match="build vocabulary"):
        model.train(SENTENCES, total_examples=1, epochs=1)
    model.build_vocab(SENTENCES)
    with pytest.raises(ConfigError, match="explicit 'epochs'"):
        model.train(SENTENCES, total_examples=model.corpus_count)
    with pytest.raises(ConfigError, match="total_examples=model.corpus_count"):
        model.train(SENTENCES, epochs=1)
    with pytest.raises(ConfigError, match="only one of"):
        model.build_vocab(SENTENCES, corpus_file="x.txt")
    with pytest.raises(ConfigError, match="no prior vocabulary"):
        Word2Vec(**SMALL).build_vocab(SENTENCES, update=True)


def test_gensim_vocabulary_and_hs_options_are_passed_on():
    hs = Word2Vec(SENTENCES, hs=1, negative=0, sg=1, cbow_mean=0, shrink_windows=False,
                  **SMALL)
    assert (hs.hs, hs.negative, hs.cbow_mean, hs.shrink_windows) == (1, 0, 0, False)
    same = w2v.train(SENTENCES, sg=True, hs=True, negative=0, cbow_mean=False,
                     shrink_windows=False, alpha=0.025, init="gensim", **SMALL)
    np.testing.assert_array_equal(hs.wv.vectors, same.vectors.vectors)
    np.testing.assert_array_equal(hs.syn1, same.hs_vectors)
    assert hs.syn1.shape == (len(hs.wv) - 1, 12) and np.abs(hs.syn1).max() > 0
    with pytest.raises(AttributeError, match="no 'syn1': it exists only with hierarchical softmax"):
        Word2Vec(SENTENCES, **SMALL).syn1  # noqa: B018

    rare = [["unique", *SENTENCES[0]], *SENTENCES[1:]]
    big = {**SMALL, "min_count": 2}
    assert "unique" not in Word2Vec(rare, **big).wv
    keep = Word2Vec(rare, trim_rule=lambda word, count, min_count: 2 if word == "unique"
                    else 0, **big)
    assert "unique" in keep.wv
    first = SENTENCES[0][0]
    drop = Word2Vec(rare, trim_rule=lambda word, count, min_count: 1 if word == first else 0,
                    **big)
    assert first not in drop.wv
    unsorted = Word2Vec(rare, sorted_vocab=0, **SMALL)
    assert unsorted.wv.index_to_key[:2] == ["unique", SENTENCES[0][0]]


def test_other_gensim_only_options_and_methods():
    with pytest.raises(ConfigError, match="'hashfxn' parameter cannot be set"):
        Word2Vec(hashfxn=lambda s: 0)
    with pytest.raises(ConfigError, match="'null_word'"):
        Word2Vec(null_word=1)
    with pytest.raises(ConfigError, match="Unknown training option.*windows"):
        Word2Vec(windows=3)
    Word2Vec(batch_words=500, comment="ignored knobs are accepted")
    with pytest.raises(AttributeError, match="unit vectors are computed"):
        Word2Vec().init_sims()
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        Word2Vec().nonsense  # noqa: B018


def test_loss_is_cumulative_within_a_train_call():
    seen = []

    class Losses:  # duck-typed, as gensim calls any object with these methods
        def on_epoch_end(self, model):
            seen.append(model.get_latest_training_loss())

    model = Word2Vec(SENTENCES, callbacks=[Losses()], compute_loss=True, **SMALL)
    assert len(seen) == 3 and seen[0] < seen[1] < seen[2]
    assert model.get_latest_training_loss() == pytest.approx(seen[-1])
    records = [r for r in model.model.history if r.kind == "epoch"]
    assert seen[-1] == pytest.approx(sum(r.loss * r.examples for r in records))
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=1)
    assert model.get_latest_training_loss() < seen[0] * 1.5  # a new call starts again


def test_the_latest_training_loss_survives_save_and_load(tmp_path):
    # gensim pickles its running loss with the model; a w2v model folder keeps the epoch
    # records and where the latest train() call began among them.
    model = Word2Vec(SENTENCES, compute_loss=True, **SMALL)
    model.train(SENTENCES, total_examples=model.corpus_count, epochs=2)
    latest = model.get_latest_training_loss()
    assert latest > 0
    model.save(tmp_path / "m")
    loaded = Word2Vec.load(tmp_path / "m")
    assert loaded.get_latest_training_loss() == pytest.approx(latest, rel=1e-12)


def test_callbacks_get_the_facade_at_every_stage():
    events = []

    class Tracer:
        def on_train_begin(self, model):
            events.append(("train_begin", type(model).__name__))

        def on_epoch_begin(self, model):
            events.append(("epoch_begin", len(model.wv)))

        def on_epoch_end(self, model):
            events.append(("epoch_end", model.wv.vectors.shape))

        def on_train_end(self, model):
            events.append(("train_end", model.epochs))

    Word2Vec(SENTENCES, callbacks=[Tracer()], **{**SMALL, "epochs": 2})
    assert events == [("train_begin", "Word2Vec"), ("epoch_begin", 48), ("epoch_end", (48, 12)),
                      ("epoch_begin", 48), ("epoch_end", (48, 12)), ("train_end", 2)]


def test_save_load_continue_and_set_options(tmp_path):
    model = Word2Vec(SENTENCES, **SMALL)
    model.save(str(tmp_path / "w.model"))
    loaded = Word2Vec.load(str(tmp_path / "w.model"))
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    assert (loaded.corpus_count, loaded.epochs, loaded.sg) == (600, 3, 0)
    assert not isinstance(loaded.wv.vectors, np.memmap)
    assert isinstance(Word2Vec.load(str(tmp_path / "w.model"), mmap="r").wv.vectors, np.memmap)
    loaded.epochs = 2
    loaded.train(SENTENCES, total_examples=loaded.corpus_count, epochs=loaded.epochs,
                 start_alpha=0.01, end_alpha=0.001)
    last = [r for r in loaded.model.history if r.kind == "epoch"][-1]
    assert last.alpha == pytest.approx(0.001)
    assert loaded.model.config.epochs == 2
    with pytest.raises(ConfigError, match="'vector_size' parameter cannot change"):
        loaded.vector_size = 5


FREQ = {"the": 50, "cat": 7, "sat": 7, "on": 20, "mat": 3, "rare": 1, "dog": 7}


def test_build_vocab_from_freq_keeps_gensims_words_and_order():
    gensim = pytest.importorskip("gensim.models")
    ours, theirs = Word2Vec(min_count=3, vector_size=8), gensim.Word2Vec(min_count=3,
                                                                           vector_size=8)
    ours.build_vocab_from_freq(FREQ, corpus_count=12)
    theirs.build_vocab_from_freq(FREQ, corpus_count=12)
    assert ours.wv.index_to_key == theirs.wv.index_to_key  # "rare" dropped, ties as gensim
    assert [ours.wv.get_vecattr(w, "count") for w in ours.wv.index_to_key] == \
        [theirs.wv.get_vecattr(w, "count") for w in theirs.wv.index_to_key]
    assert ours.corpus_count == theirs.corpus_count == 12
    assert ours.wv.vectors.shape == theirs.wv.vectors.shape == (6, 8)


def test_build_vocab_from_freq_then_train_and_update():
    model = Word2Vec(**{**SMALL, "min_count": 2})
    words = {w for s in SENTENCES for w in s}
    counts = {w: sum(s.count(w) for s in SENTENCES) for w in sorted(words)}
    model.build_vocab_from_freq(counts)
    assert set(model.wv.index_to_key) == {w for w, c in counts.items() if c >= 2}
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=2)
    assert np.isfinite(model.wv.vectors).all() and model.wv.vectors.any()
    model.build_vocab_from_freq({"brandnew": 4, counts and next(iter(counts)): 1}, update=True)
    assert model.wv.index_to_key[-1] == "brandnew" and len(model.wv) == len(model.syn1neg)
    with pytest.raises(ConfigError, match=r"word_freq.*\['x'\] must be a count"):
        model.build_vocab_from_freq({"x": -1})
    with pytest.raises(ConfigError, match="online vocabulary-update"):
        Word2Vec().build_vocab_from_freq({"x": 3}, update=True)


@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_predict_output_word_equals_gensims_on_the_same_tables(cbow_mean):
    gensim = pytest.importorskip("gensim.models")
    ours = Word2Vec(SENTENCES, **SMALL, cbow_mean=cbow_mean)
    theirs = gensim.Word2Vec(vector_size=12, min_count=1, cbow_mean=cbow_mean)
    theirs.build_vocab_from_freq({w: ours.wv.get_vecattr(w, "count") for w in ours.wv.index_to_key})
    rows = [ours.wv.key_to_index[w] for w in theirs.wv.index_to_key]
    theirs.wv.vectors[:] = ours.wv.vectors[rows]
    theirs.syn1neg[:] = ours.syn1neg[rows]
    context = [*ours.wv.index_to_key[3:6], "not-a-word", 0]  # a row number, as gensim takes
    expected = dict(theirs.predict_output_word(context, topn=len(ours.wv)))
    got = ours.predict_output_word(context, topn=None)
    assert len(got) == len(ours.wv) and sum(p for _, p in got) == pytest.approx(1.0)
    assert [p for _, p in got] == sorted((p for _, p in got), reverse=True)
    for word, probability in got:
        assert probability == pytest.approx(float(expected[word]), rel=1e-4, abs=1e-9)
    assert [w for w, _ in ours.predict_output_word(context, topn=3)] == [w for w, _ in got[:3]]


def test_predict_output_word_needs_negative_sampling_and_known_words():
    with pytest.raises(RuntimeError, match="negative > 0"):
        Word2Vec(SENTENCES, **SMALL, hs=1, negative=0).predict_output_word(["w1"])
    with pytest.warns(UserWarning, match="out-of-vocabulary"):
        assert Word2Vec(SENTENCES, **SMALL).predict_output_word(["nope"]) is None


def test_predict_output_word_topn_zero_or_less_is_empty_as_gensim():
    model = Word2Vec(SENTENCES, **SMALL)
    word = model.wv.index_to_key[0]
    assert len(model.predict_output_word([word], topn=2)) == 2
    assert model.predict_output_word([word], topn=0) == []
    assert model.predict_output_word([word], topn=-1) == []


def _hs_model(sg):
    return Word2Vec(SENTENCES, vector_size=12, window=3, min_count=1, workers=1, epochs=3,
                    hs=1, negative=0, sg=sg)


@pytest.mark.parametrize("sg", [1, 0])
def test_score_is_the_log_probability_of_the_reference_hs_loss(sg):
    from w2v import reference

    model = _hs_model(sg)
    tree = model.model.vocab.huffman_tree()
    w_in = model.wv.vectors.astype(np.float64)
    w_hs = model.syn1.astype(np.float64)
    sentences = [SENTENCES[0], SENTENCES[1][:3] + ["unknown-word"], ["unknown-word"]]
    expected = []
    for sentence in sentences:
        ids = [model.wv.key_to_index[w] for w in sentence if w in model.wv.key_to_index]
        total = 0.0
        for i, word in enumerate(ids):
            context = ids[max(0, i - 3):i] + ids[i + 1:i + 4]  # the whole window, never shrunk
            hidden = [w_in[c] for c in context] if sg else \
                ([w_in[context].mean(axis=0)] if context else [])
            for x in hidden:
                total -= reference.hierarchical_softmax_loss_and_gradient(
                    x, word, w_hs, tree=tree)[0]
        expected.append(total)
    np.testing.assert_allclose(model.score(sentences), expected, rtol=1e-5)
    assert model.score(sentences, total_sentences=2).shape == (2,)


@pytest.mark.parametrize("sg", [1, 0])
def test_score_agrees_with_gensims_on_the_same_tree_and_tables(sg):
    gensim = pytest.importorskip("gensim.models")
    ours = _hs_model(sg)
    theirs = gensim.Word2Vec(vector_size=12, window=3, min_count=1, hs=1, negative=0, sg=sg)
    theirs.build_vocab_from_freq({w: ours.wv.get_vecattr(w, "count")
                                  for w in ours.wv.index_to_key})
    tree = ours.model.vocab.huffman_tree()
    for i, word in enumerate(ours.wv.index_to_key):  # our tree and tables in gensim's model
        a, b = tree.offsets[i], tree.offsets[i + 1]
        theirs.wv.set_vecattr(word, "code", tree.codes[a:b].astype(np.uint8))
        theirs.wv.set_vecattr(word, "point", tree.points[a:b].astype(np.uint32))
    theirs.wv.vectors[[theirs.wv.key_to_index[w] for w in ours.wv.index_to_key]] = ours.wv.vectors
    theirs.syn1[:len(ours.syn1)] = ours.syn1
    mine, expected = ours.score(SENTENCES[:30]), theirs.score(SENTENCES[:30], total_sentences=30)
    # gensim reads log sigma from a 1,000-entry table (rounded down): about 2% lower here
    np.testing.assert_allclose(mine, expected, rtol=0.04)
    assert np.corrcoef(mine, expected)[0, 1] > 0.999


def test_score_needs_hierarchical_softmax():
    with pytest.raises(RuntimeError, match="hs=1"):
        Word2Vec(SENTENCES, **SMALL).score(SENTENCES[:2])


@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_a_cbow_epoch_is_gensims_step_on_the_same_tree_and_tables(cbow_mean):
    # hierarchical softmax, whole windows and no subsampling: nothing random is left, so one
    # epoch over a sentence from the same weights is gensim's, up to its sigmoid table; on the
    # sum (cbow_mean=0) gensim divides the gradient by the number of context words
    gensim = pytest.importorskip("gensim.models")
    options = {"vector_size": 12, "window": 3, "min_count": 1, "workers": 1, "hs": 1,
               "negative": 0, "sample": 0, "shrink_windows": False, "cbow_mean": cbow_mean}
    ours = Word2Vec(SENTENCES, epochs=2, **options)
    assert ours.model.config.cbow_gradient == ("word2vec" if cbow_mean else "mean")
    theirs = gensim.Word2Vec(**options)
    theirs.build_vocab_from_freq({w: ours.wv.get_vecattr(w, "count")
                                  for w in ours.wv.index_to_key})
    tree = ours.model.vocab.huffman_tree()
    rows = [theirs.wv.key_to_index[w] for w in ours.wv.index_to_key]
    for i, word in enumerate(ours.wv.index_to_key):
        a, b = tree.offsets[i], tree.offsets[i + 1]
        theirs.wv.set_vecattr(word, "code", tree.codes[a:b].astype(np.uint8))
        theirs.wv.set_vecattr(word, "point", tree.points[a:b].astype(np.uint32))
    theirs.wv.vectors[rows] = ours.wv.vectors
    theirs.syn1[:len(ours.syn1)] = ours.syn1
    before, nodes_before = ours.wv.vectors.copy(), ours.syn1.copy()
    for model in (ours, theirs):
        model.train([SENTENCES[0]], total_examples=1, epochs=1, start_alpha=0.05,
                    end_alpha=0.05)
    step, expected = ours.wv.vectors - before, theirs.wv.vectors[rows] - before
    moved = np.abs(expected).max(axis=1) > 0
    assert moved.sum() >= len(set(SENTENCES[0])) - 1  # the sentence's words moved
    np.testing.assert_allclose(step, expected, rtol=0.05, atol=0.03 * np.abs(expected).max())
    node_step = theirs.syn1[:len(ours.syn1)] - nodes_before
    np.testing.assert_allclose(ours.syn1 - nodes_before, node_step, rtol=0.05,
                               atol=0.05 * np.abs(node_step).max())


def test_setting_cbow_mean_sets_gensims_gradient_with_it():
    model = Word2Vec(SENTENCES, **SMALL)
    model.cbow_mean = 0
    assert model.cbow_mean == 0 and model.model.config.cbow_gradient == "mean"
    model.cbow_mean = 1
    assert model.model.config.cbow_gradient == "word2vec"
    chosen = Word2Vec(SENTENCES, **SMALL, cbow_gradient="mean")  # the true gradient
    chosen.cbow_mean = 1  # no change: the chosen rule stays
    assert chosen.model.config.cbow_gradient == "mean"
