"""``w2v.FastText``: a gensim FastText script runs after changing its imports, with gensim's
answers where the model is the same (a file both read), gensim's shapes and rules otherwise.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from test_gensim_script import _run
from w2v import FastText, load_facebook_model, load_facebook_vectors, save_facebook_model
from w2v.errors import ConfigError
from w2v.gensim_fasttext import FastTextKeyedVectors

SCRIPT = '''
import os
import random
import tempfile

from gensim.models import FastText
from gensim.models.fasttext import load_facebook_model, save_facebook_model


def topic_sentences(n, topics, words_per_topic, seed):
    """Sentences of 10 words drawn from one topic each: topic0word0, topic0word1, ..."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        topic = rnd.randrange(topics)
        out.append([f"topic{topic}word{rnd.randrange(words_per_topic)}" for _ in range(10)])
    return out


sentences = topic_sentences(2000, topics=4, words_per_topic=8, seed=0)
model = FastText(vector_size=24, window=4, min_count=2, sg=1, min_n=3, max_n=6, bucket=20000,
                 workers=1, seed=3)
model.build_vocab(corpus_iterable=sentences)
model.train(corpus_iterable=sentences, total_examples=len(sentences), epochs=6)

known = "topic1word2" in model.wv.key_to_index
unseen_in = "topic1word99" in model.wv           # no vocabulary word, but n-grams
unseen_vector = model.wv["topic1word99"]
unseen_similar = model.wv.most_similar("topic1word99", topn=3)
similarity = model.wv.similarity("topic2word1", "topic2word3")
across = model.wv.similarity("topic2word1", "topic0word3")
odd_one = model.wv.doesnt_match(["topic3word0", "topic3word1", "topic3word2", "topic0word5"])
sentence_vector = model.wv.get_sentence_vector(["topic0word1", "topic0word99"])
shapes = (model.wv.vectors.shape, model.wv.vectors_vocab.shape, model.wv.vectors_ngrams.shape)

folder = tempfile.mkdtemp()
path = os.path.join(folder, "fasttext.model")
model.save(path)
model = FastText.load(path)

more = topic_sentences(2000, topics=4, words_per_topic=10, seed=1)  # topic*word8, topic*word9
model.build_vocab(more, update=True)
model.train(more, total_examples=len(more), epochs=model.epochs)
new_word_similar = model.wv.most_similar("topic3word9", topn=3)

bin_path = os.path.join(folder, "model.bin")
save_facebook_model(model, bin_path)
facebook = load_facebook_model(bin_path)
facebook_vector = facebook.wv["topic2word77"]
model_vector = model.wv["topic2word77"]

RESULTS = {
    "known": known, "unseen_in": unseen_in, "unseen_vector": unseen_vector.shape,
    "unseen_similar": unseen_similar, "similarity": similarity, "across": across,
    "odd_one": odd_one, "sentence_vector": sentence_vector.shape, "shapes": shapes,
    "vocab_after": len(model.wv), "new_word_similar": new_word_similar,
    "facebook_same": float(abs(facebook_vector - model_vector).max()),
    "facebook_vocab": len(facebook.wv), "epochs": model.epochs,
}
'''

W2V_IMPORTS = SCRIPT.replace("from gensim.models import FastText",
                             "from w2v import FastText").replace(
    "from gensim.models.fasttext import load_facebook_model, save_facebook_model",
    "from w2v import load_facebook_model, save_facebook_model")


def _check(results: dict) -> None:
    """What the script's results must show, whoever trained."""
    assert results["known"] and results["unseen_in"]
    assert results["unseen_vector"] == (24,) and results["sentence_vector"] == (24,)
    # an unseen word of a topic's form lands among that topic's words
    assert all(w.startswith("topic1") for w, _ in results["unseen_similar"])
    assert results["similarity"] > results["across"]
    assert results["odd_one"] == "topic0word5"
    assert results["shapes"] == ((32, 24), (32, 24), (20000, 24))
    assert results["vocab_after"] == 40  # 8 new words of 4 topics joined
    assert any(w.startswith("topic3") for w, _ in results["new_word_similar"])
    assert results["facebook_same"] < 1e-5 and results["facebook_vocab"] == 40
    assert results["epochs"] == 6


def test_the_script_runs_on_w2v_with_only_its_imports_changed():
    assert W2V_IMPORTS.count("gensim") == 0
    _check(_run(W2V_IMPORTS))


def test_gensim_runs_the_same_script_to_the_same_checks(caplog):
    pytest.importorskip("gensim", reason="gensim is not installed")
    with caplog.at_level(logging.WARNING):
        _check(_run(SCRIPT))


@pytest.fixture(scope="module")
def fasttext_file(tmp_path_factory):
    """A .bin trained by the fastText module (skips without it)."""
    from fasttext_peer import train_fasttext

    folder = tmp_path_factory.mktemp("ft")
    train_fasttext(folder, minn=2, maxn=5, bucket=2000).save_model(str(folder / "ft.bin"))
    return folder / "ft.bin"


def test_a_facebook_model_reads_as_gensim_reads_it(fasttext_file):
    """load_facebook_model / load_facebook_vectors give gensim's vectors of the same file,
    for vocabulary words and unseen ones, and gensim's options for the rest."""
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    theirs = gensim_fasttext.load_facebook_model(str(fasttext_file))
    ours = load_facebook_model(fasttext_file)
    assert isinstance(ours, FastText) and isinstance(ours.wv, FastTextKeyedVectors)
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    for name in ("vector_size", "window", "epochs", "negative", "hs", "sg", "min_count",
                 "sample", "alpha"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name)), name
    for attr in ("min_n", "max_n", "bucket"):
        assert getattr(ours.wv, attr) == getattr(theirs.wv, attr)
    # Every word but fastText's end-of-sentence token: fastText gives "</s>" no n-grams
    # (its vector is its row, as the fasttext module says, tests/test_fasttext_bin.py);
    # gensim composes it from n-grams of "<</s>>".
    eos = ours.wv.key_to_index["</s>"]
    rows = np.arange(len(ours.wv)) != eos
    np.testing.assert_allclose(ours.wv.vectors[rows], theirs.wv.vectors[rows], atol=1e-6)
    np.testing.assert_array_equal(ours.wv["</s>"], ours.wv.vectors_vocab[eos])
    np.testing.assert_allclose(ours.wv.vectors_ngrams, theirs.wv.vectors_ngrams, atol=0)
    for word in ("cat", "zzqq", "naïveté", "日本"):
        np.testing.assert_allclose(ours.wv[word], theirs.wv[word], atol=1e-6)
    vectors = load_facebook_vectors(fasttext_file)
    np.testing.assert_allclose(vectors["zzqq"], theirs.wv["zzqq"], atol=1e-6)
    assert ("zzqq" in vectors) == ("zzqq" in theirs.wv)


def test_a_facebook_model_trains_further_with_new_words(fasttext_file):
    ours = load_facebook_model(fasttext_file)
    before = len(ours.wv)
    more = [["brandnewword", "cat", "sat", "brandnewword", "mat"]] * 30
    ours.build_vocab(more, update=True)
    ours.train(more, total_examples=len(more), epochs=2)
    assert len(ours.wv) == before + 1
    assert ours.wv.most_similar("brandnewword", topn=1)
    assert np.isfinite(ours.wv.vectors).all()


def test_gensim_reads_the_bin_w2v_saves(tmp_path):
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    sentences = [["alpha", "beta", "gamma", "delta"], ["beta", "gamma", "epsilon"]] * 50
    model = FastText(sentences, vector_size=8, min_count=1, bucket=300, workers=1, epochs=2)
    save_facebook_model(model, tmp_path / "w.bin")
    theirs = gensim_fasttext.load_facebook_model(str(tmp_path / "w.bin"))
    assert theirs.wv.index_to_key == model.wv.index_to_key
    for word in ("alpha", "unseenword"):
        np.testing.assert_allclose(theirs.wv[word], model.wv[word], atol=1e-6)


def test_gensim_rules_for_options():
    sentences = [["alpha", "beta", "gamma"]] * 20
    # no n-grams: no hash rows, and unseen words have no vector (gensim's KeyError)
    plain = FastText(sentences, vector_size=8, min_count=1, min_n=3, max_n=2, workers=1)
    assert plain.wv.bucket == 0 and plain.wv.vectors_ngrams.shape == (0, 8)
    assert "unseen" not in plain.wv
    with pytest.raises(KeyError):
        plain.wv["unseen"]
    with pytest.raises(ConfigError, match="word_ngrams"):
        FastText(sentences, word_ngrams=2)
    summed = FastText(sentences, vector_size=8, min_count=1, cbow_mean=0, workers=1)
    assert summed.cbow_mean == 0 and summed.model.config.cbow_gradient == "mean"
    assert np.isfinite(summed.wv["unseen"]).all()
    empty = FastText(vector_size=8)
    assert len(empty.wv) == 0
    with pytest.raises(RuntimeError, match="build vocabulary"):
        empty.train(sentences, total_examples=20, epochs=1)
    with pytest.raises(ConfigError, match="UTF-8"):
        load_facebook_model("model.bin", encoding="latin-1")


SENTENCES = [["computer", "human", "interface", "response"], ["survey", "user", "computer"],
             ["graph", "trees", "minors", "survey"], ["user", "response", "time"]] * 30


def test_a_held_wv_is_the_models_for_its_life():
    """As gensim's: kv = model.wv stays the model's vectors through training and a
    vocabulary update, its neighbours and norms those of the trained rows."""
    model = FastText(SENTENCES, vector_size=8, min_count=1, bucket=500, workers=1, epochs=2)
    kv = model.wv
    before = kv["computer"].copy()
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3)
    assert kv is model.wv and not np.array_equal(kv["computer"], before)
    assert kv.most_similar("computers", topn=2) == model.wv.most_similar("computers", topn=2)
    np.testing.assert_allclose(kv.norms, np.linalg.norm(kv.vectors, axis=1), rtol=1e-5)
    model.build_vocab([["brandnew", "computer"]] * 5, update=True)
    assert kv is model.wv and "brandnew" in kv.key_to_index
    assert isinstance(kv, FastTextKeyedVectors)


def test_queries_of_unseen_words_and_row_numbers_on_fasttext_vectors():
    model = FastText(SENTENCES, vector_size=8, min_count=1, bucket=500, workers=1)
    wv = model.wv
    assert wv.doesnt_match(["computer", "human", "interfaces"]) in ("computer", "human",
                                                                    "interfaces")
    ranked = wv.rank_by_centrality(["computer", "human", "interfaces"])
    assert sorted(w for _, w in ranked) == ["computer", "human", "interfaces"]
    np.testing.assert_array_equal(wv[0], wv[wv.index_to_key[0]])
    closer = wv.closer_than("computer", "human")
    assert wv.rank("computer", "human") == len(closer) + 1
    # a word with no n-gram at all ("<>" is shorter than min_n 3): gensim's and fastText's
    # zero vector
    with pytest.warns(UserWarning, match="ngrams"):
        assert not wv[""].any()


def test_wv_can_be_replaced_by_vectors_of_the_same_words():
    from w2v.gensim_compat import KeyedVectors, Word2Vec

    model = Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=1)
    replacement = KeyedVectors(8)
    rows = np.random.default_rng(0).normal(size=(len(model.wv), 8)).astype(np.float32)
    replacement.add_vectors(model.wv.index_to_key, rows)
    model.wv = replacement
    assert model.wv is replacement
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
    assert model.wv is replacement and not np.allclose(replacement.vectors, rows)
    other = KeyedVectors(8)
    other.add_vectors(["x"], np.zeros((1, 8), dtype=np.float32))
    with pytest.raises(ConfigError, match="own words"):
        model.wv = other


def test_files_come_back_as_the_class_that_saved_them(tmp_path):
    from w2v.gensim_compat import Word2Vec

    model = FastText(SENTENCES, vector_size=8, min_count=1, bucket=500, workers=1)
    model.save(tmp_path / "ft")
    assert type(Word2Vec.load(tmp_path / "ft")) is FastText  # gensim: the saved class
    model.wv.save(tmp_path / "wv.bin")
    loaded = FastTextKeyedVectors.load(tmp_path / "wv.bin")
    assert type(loaded) is FastTextKeyedVectors and "unseenword" in loaded
    Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=1).save(tmp_path / "w2v")
    with pytest.raises(ConfigError, match="word model"):
        FastText.load(tmp_path / "w2v")
    empty = FastText(vector_size=8, min_n=2, max_n=4, bucket=100)
    assert type(empty.wv) is FastTextKeyedVectors and len(empty.wv) == 0
    assert (empty.wv.min_n, empty.wv.max_n, empty.wv.bucket) == (2, 4, 100)
