"""Vocabulary: ordering, min_count, pruning, subsampling and noise distributions."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, CorpusError
from w2v.vocab import Vocab, alias_table, build_vocab


def test_ids_by_descending_count_ties_as_gensim():
    # Equal counts: the word first seen last comes first (gensim's order).
    vocab = build_vocab([["x", "y", "z", "y"], ["z", "w"]], min_count=1)
    assert vocab.words == ["z", "y", "w", "x"]
    assert vocab.counts.tolist() == [2, 2, 1, 1]
    assert vocab.key_to_index == {"z": 0, "y": 1, "w": 2, "x": 3}
    assert vocab.total_words == 6
    unsorted = build_vocab([["x", "y", "z", "y"], ["z", "w"]], min_count=1, sorted_vocab=False)
    assert unsorted.words == ["x", "y", "z", "w"]


def test_min_count_and_max_final_vocab():
    sentences = [["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"]]
    assert build_vocab(sentences, min_count=2).words == ["a", "b", "c"]
    assert build_vocab(sentences, min_count=1, max_final_vocab=2).words == ["a", "b"]
    # gensim's rule: a tie at the boundary drops the whole tied group.
    tied = [["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"]]
    assert build_vocab(tied, min_count=1, max_final_vocab=2).words == ["a"]
    assert build_vocab(tied, min_count=1, max_final_vocab=3).words == ["a", "c", "b"]
    assert build_vocab(sentences, min_count=2).total_words == 11


def test_max_vocab_size_prunes_rare_words_while_counting():
    sentences = [[f"rare{i}"] for i in range(50)] + [["common"] * 10]
    vocab = build_vocab(sentences, min_count=1, max_vocab_size=10)
    assert "common" in vocab and len(vocab) <= 11
    assert vocab.total_words == 60  # every token read, pruned ones included


def test_trim_rule_also_decides_what_survives_a_prune():
    # gensim applies the rule in its prunes too: a kept rare word survives them.
    from w2v.vocab import RULE_DEFAULT, RULE_KEEP

    def keep_rare7(word, count, min_count):
        return RULE_KEEP if word == "rare7" else RULE_DEFAULT

    sentences = [[f"rare{i}"] for i in range(50)] + [["common"] * 10]
    assert "rare7" not in build_vocab(sentences, min_count=1, max_vocab_size=10)
    kept = build_vocab(sentences, min_count=1, max_vocab_size=10, trim_rule=keep_rare7)
    assert "rare7" in kept and "common" in kept


def test_empty_corpus_and_empty_vocab_errors():
    with pytest.raises(CorpusError, match="empty"):
        build_vocab([[], []])
    with pytest.raises(CorpusError, match="5 times or more .the .min_count. parameter"):
        build_vocab([["a", "b"]], min_count=5)


def test_keep_probabilities_match_word2vec_c():
    vocab = Vocab(words=["a", "b", "c"], counts=np.array([1000, 100, 1]), total_words=1101)
    sample = 1e-3
    t = sample * 1101
    expected = np.minimum((np.sqrt(vocab.counts / t) + 1) * t / vocab.counts, 1.0)
    np.testing.assert_allclose(vocab.keep_probabilities(sample), expected)
    assert vocab.keep_probabilities(sample)[2] == 1.0
    assert np.all(vocab.keep_probabilities(0.0) == 1.0)


def test_noise_distribution_is_unigram_power():
    vocab = Vocab(words=["a", "b"], counts=np.array([16, 1]), total_words=17)
    noise = vocab.noise_distribution(0.75)
    assert noise.dtype == np.float64 and noise.sum() == pytest.approx(1.0)
    assert noise[0] / noise[1] == pytest.approx(8.0)


def test_alias_table_reproduces_distribution():
    probs = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    accept, alias = alias_table(probs)
    # Exact mass of each outcome from the table: (accept[i] + sum of 1-accept[j] aliasing to i)/V.
    mass = accept.astype(np.float64).copy()
    for j in range(len(probs)):
        mass[alias[j]] += 1.0 - accept[j]
    np.testing.assert_allclose(mass / len(probs), probs, atol=1e-7)


def test_trim_rule_keeps_discards_or_defers():
    from w2v.vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP

    def rule(word, count, min_count):
        return {"rare": RULE_KEEP, "the": RULE_DISCARD}.get(word, RULE_DEFAULT)

    sentences = [["the"] * 9 + ["cat"] * 4 + ["rare"] + ["dog"]]
    assert build_vocab(sentences, min_count=2, trim_rule=rule).words == ["cat", "rare"]
    with pytest.raises(ConfigError, match="trim_rule"):
        build_vocab(sentences, min_count=2, trim_rule=lambda w, c, m: "keep")


def _gensim_vocab(sentences, **options):
    gensim = pytest.importorskip("gensim.models")
    trim_rule = options.pop("trim_rule", None)  # gensim reads it in build_vocab only
    model = gensim.Word2Vec(vector_size=4, workers=1, **options)
    model.build_vocab(sentences, trim_rule=trim_rule)
    return model.wv.index_to_key


@pytest.mark.parametrize("options", [
    {"min_count": 1}, {"min_count": 2}, {"min_count": 1, "sorted_vocab": False},
    {"min_count": 1, "max_final_vocab": 7}, {"min_count": 2, "max_final_vocab": 30},
])
def test_vocabulary_equals_gensims(options):
    rng = np.random.default_rng(4)
    words = [f"w{i}" for i in range(40)]
    sentences = [[words[j % 40] for j in rng.zipf(1.4, 12)] for _ in range(60)]
    theirs = _gensim_vocab(sentences, **options)
    ours = build_vocab(sentences, **options).words
    assert ours == theirs


def test_trim_rule_equals_gensims():
    utils = pytest.importorskip("gensim.utils")
    RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = utils.RULE_DEFAULT, utils.RULE_DISCARD, utils.RULE_KEEP  # noqa: N806

    def rule(word, count, min_count):
        if word.endswith("3"):
            return RULE_DISCARD
        return RULE_KEEP if word.endswith("7") else RULE_DEFAULT

    rng = np.random.default_rng(5)
    sentences = [[f"w{j % 50}" for j in rng.zipf(1.4, 12)] for _ in range(80)]
    theirs = _gensim_vocab(sentences, min_count=3, trim_rule=rule)
    assert build_vocab(sentences, min_count=3, trim_rule=rule).words == theirs
