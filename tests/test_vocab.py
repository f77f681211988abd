"""Vocabulary: ordering, min_count, pruning, subsampling and noise distributions."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import CorpusError
from w2v.vocab import Vocab, alias_table, build_vocab


def test_ids_by_descending_count_ties_by_first_occurrence():
    vocab = build_vocab([["x", "y", "z", "y"], ["z", "w"]], min_count=1)
    assert vocab.words == ["y", "z", "x", "w"]
    assert vocab.counts.tolist() == [2, 2, 1, 1]
    assert vocab.key_to_index == {"y": 0, "z": 1, "x": 2, "w": 3}
    assert vocab.total_words == 6


def test_min_count_and_max_final_vocab():
    sentences = [["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"]]
    assert build_vocab(sentences, min_count=2).words == ["a", "b", "c"]
    assert build_vocab(sentences, min_count=1, max_final_vocab=2).words == ["a", "b"]
    assert build_vocab(sentences, min_count=2).total_words == 11


def test_max_vocab_size_prunes_rare_words_while_counting():
    sentences = [[f"rare{i}"] for i in range(50)] + [["common"] * 10]
    vocab = build_vocab(sentences, min_count=1, max_vocab_size=10)
    assert "common" in vocab and len(vocab) <= 11
    assert vocab.total_words == 60  # every token read, pruned ones included


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
