"""SubwordVectors: vectors and queries for unseen words; plain vectors say they have none."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, UnknownWordError
from w2v.subword_vectors import SubwordVectors
from w2v.subwords import ngram_rows
from w2v.vectors import Vectors

WORDS = ["walk", "walked", "walking", "talk", "talked", "jump"]
BUCKET, D = 500, 5


@pytest.fixture
def vectors() -> SubwordVectors:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(len(WORDS) + BUCKET, D)).astype(np.float32)
    return SubwordVectors(WORDS, table, 3, 5, BUCKET)


def test_word_vectors_are_means_of_their_rows(vectors):
    for i, word in enumerate(WORDS):
        rows = [i, *ngram_rows(word, 3, 5, BUCKET, len(WORDS))]
        np.testing.assert_allclose(vectors[word], vectors.input_table[rows].mean(axis=0),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(vectors.vectors[i], vectors[word])


def test_unseen_word_is_the_mean_of_its_ngram_rows(vectors):
    assert "walks" not in vectors and vectors.has_vector("walks")
    rows = ngram_rows("walks", 3, 5, BUCKET, len(WORDS))
    np.testing.assert_allclose(vectors["walks"], vectors.input_table[rows].mean(axis=0),
                               rtol=1e-5, atol=1e-6)
    assert vectors[["walks", "walk"]].shape == (2, D)


def test_queries_accept_unseen_words(vectors):
    unit = vectors["walks"] / np.linalg.norm(vectors["walks"])
    expected = sorted(WORDS, key=lambda w: -float(vectors.get_vector(w, norm=True) @ unit))
    ranked = vectors.most_similar("walks", topn=len(WORDS))
    assert [w for w, _ in ranked] == expected  # nothing excluded: "walks" is not a row
    assert ranked[0][1] == pytest.approx(float(vectors.get_vector(expected[0], True) @ unit),
                                         rel=1e-5)
    assert vectors.similarity("walks", "walks") == pytest.approx(1.0, rel=1e-6)
    answers = vectors.analogy("walk", "walked", "jumps", topn=2)
    assert len(answers) == 2 and "walk" not in dict(answers) and "walked" not in dict(answers)


def test_a_word_without_ngrams_has_no_vector(vectors):
    assert vectors.has_vector("a")  # "<a>" itself is a 3-gram
    short = SubwordVectors(WORDS, vectors.input_table, 6, 6, BUCKET)
    assert not short.has_vector("ab")  # "<ab>" is 4 characters: no 6-gram
    with pytest.raises(UnknownWordError, match="no character n-gram of 6..6"):
        short["ab"]


def test_shape_mismatch_is_refused():
    with pytest.raises(ConfigError, match="input_table"):
        SubwordVectors(WORDS, np.zeros((len(WORDS) + 3, D), np.float32), 3, 5, BUCKET)


def test_plain_vectors_say_they_cannot_give_an_unseen_vector():
    plain = Vectors(WORDS, np.eye(len(WORDS), D, dtype=np.float32))
    with pytest.raises(UnknownWordError, match="no vector for an unseen word"):
        plain["walks"]
    with pytest.raises(UnknownWordError, match="no vector for an unseen word"):
        plain.most_similar("walks")


def test_text_save_is_the_vec_file(vectors, tmp_path):
    vectors.save(tmp_path / "v.vec", format="text")
    loaded = Vectors.load(tmp_path / "v.vec")
    assert loaded.index_to_key == WORDS
    np.testing.assert_allclose(loaded.vectors, vectors.vectors, rtol=1e-6)


def test_word_rows_cannot_be_replaced(vectors):
    with pytest.raises(ConfigError, match="input table"):
        vectors.vectors = np.zeros((len(WORDS), D), np.float32)
