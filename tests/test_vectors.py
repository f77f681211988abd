"""Vectors: lookup, and queries equal to gensim's KeyedVectors on the same arrays."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, UnknownWordError, W2VError
from w2v.vectors import Vectors

gensim_models = pytest.importorskip("gensim.models")

V, D = 500, 24


@pytest.fixture(scope="module")
def pair():
    """The same random vectors as ours and as a gensim KeyedVectors."""
    rng = np.random.default_rng(7)
    keys = [f"w{i}" for i in range(V)]
    matrix = rng.standard_normal((V, D)).astype(np.float32)
    kv = gensim_models.KeyedVectors(D)
    kv.add_vectors(keys, matrix)
    return Vectors(keys, matrix), kv


def assert_same(ours, theirs, rtol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=rtol, atol=1e-6)
    assert all(isinstance(w, str) and type(s) is float for w, s in ours)


def test_lookup_len_in_and_getitem(pair):
    vectors, _ = pair
    assert len(vectors) == V and vectors.vector_size == D
    assert "w3" in vectors and "nope" not in vectors
    assert vectors.index_to_key[3] == "w3" and vectors.key_to_index["w3"] == 3
    np.testing.assert_array_equal(vectors["w3"], vectors.vectors[3])
    assert vectors[["w1", "w2"]].shape == (2, D)
    assert vectors.vectors.dtype == np.float32


def test_constructor_rejects_bad_input():
    with pytest.raises(ConfigError, match="2 keys for 3 rows"):
        Vectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ConfigError, match="more than once"):
        Vectors(["a", "a"], np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="2-D"):
        Vectors(["a"], np.zeros(3))


def test_unknown_word_lists_close_matches(pair):
    vectors, _ = pair
    with pytest.raises(UnknownWordError, match=r"'w10000' is not in the vocabulary.*w100") as info:
        vectors.most_similar("w10000")
    assert isinstance(info.value, KeyError) and isinstance(info.value, W2VError)
    with pytest.raises(UnknownWordError):
        vectors["zzz"]


@pytest.mark.parametrize("query", [
    {"positive": "w1"},
    {"positive": ["w1", "w2"], "negative": ["w3"]},
    {"positive": ["w4"], "negative": "w5", "topn": 3},
    {"positive": [("w1", 2.0), "w7"], "negative": [("w9", -0.5)]},
    {"positive": ["w1"], "restrict_vocab": 100},
    {"positive": ["w1", "w2"], "topn": 499},
])
def test_most_similar_equals_gensim(pair, query):
    vectors, kv = pair
    assert_same(vectors.most_similar(**query), kv.most_similar(**query))


def test_vector_queries_equal_gensim(pair):
    vectors, kv = pair
    probe = np.random.default_rng(1).standard_normal(D).astype(np.float32)
    assert_same(vectors.similar_by_vector(probe, topn=5), kv.similar_by_vector(probe, topn=5))
    assert_same(vectors.most_similar([probe, "w2"]), kv.most_similar([probe, "w2"]))


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
def test_analogy_and_cosmul_equal_gensim(pair):
    vectors, kv = pair
    assert_same(vectors.analogy("w1", "w2", "w3", topn=4),
                kv.most_similar(positive=["w2", "w3"], negative=["w1"], topn=4))
    assert_same(vectors.analogy("w1", "w2", "w3", method="3cosmul", topn=4),
                kv.most_similar_cosmul(positive=["w2", "w3"], negative=["w1"], topn=4))
    assert_same(vectors.most_similar_cosmul(["w8"], topn=6), kv.most_similar_cosmul(["w8"], topn=6))
    with pytest.raises(ConfigError, match="3cosadd"):
        vectors.analogy("w1", "w2", "w3", method="plus")


def test_similarity_and_doesnt_match_equal_gensim(pair):
    vectors, kv = pair
    assert vectors.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")),
                                                           abs=1e-6)
    words = ["w1", "w2", "w3", "w4", "w5"]
    assert vectors.doesnt_match(words) == kv.doesnt_match(words)


def test_query_words_are_excluded_and_topn_respected(pair):
    vectors, _ = pair
    result = vectors.most_similar(["w1", "w2"], ["w3"], topn=10)
    assert len(result) == 10 and not {"w1", "w2", "w3"} & {w for w, _ in result}
    assert vectors.most_similar("w1", topn=0) == []
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True)


def test_zero_vector_gives_zero_similarity_not_nan():
    vectors = Vectors(["a", "b", "c"], np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32))
    assert vectors.similarity("a", "b") == 0.0
    assert all(np.isfinite(s) for _, s in vectors.most_similar("b"))


def test_normed_copy_is_cached_and_unit_length(pair):
    vectors, _ = pair
    normed = vectors.get_normed_vectors()
    assert normed is vectors.get_normed_vectors()
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, rtol=1e-5)


def test_cosines_of_chosen_rows_equal_the_full_scan(tmp_path):
    """The in-place kernel that scores an index's candidates gives exact search's numbers."""
    rng = np.random.default_rng(5)
    matrix = rng.standard_normal((300, 30)).astype(np.float32)
    matrix[7] = 0.0  # a zero row scores 0
    matrix[11, 3] = np.nan  # a non-finite row scores NaN
    vectors = Vectors([f"w{i}" for i in range(300)], matrix)
    query = rng.standard_normal(30).astype(np.float32)
    rows = np.array([0, 7, 11, 12, 150, 299])
    chosen = vectors.cosines(query, rows=rows)
    everything = vectors.cosines(query)
    assert chosen.dtype == np.float32 and chosen.shape == (6,)
    assert chosen[1] == 0.0 and np.isnan(chosen[2])
    np.testing.assert_allclose(chosen, everything[rows], rtol=1e-5, atol=1e-6)
    np.save(tmp_path / "m.npy", matrix)  # a memory map is read in place
    mapped = Vectors([f"w{i}" for i in range(300)], np.load(tmp_path / "m.npy", mmap_mode="r"))
    np.testing.assert_allclose(mapped.cosines(query, rows=rows), chosen, rtol=1e-6)
    two = vectors.cosines(np.stack([query, -query]), rows=rows)  # several queries: gathered
    np.testing.assert_allclose(two[0], chosen, rtol=1e-5, atol=1e-6)
    assert vectors.cosines(query, rows=[]).shape == (0,)


def test_cosines_of_rows_outside_the_matrix_raise():
    vectors = Vectors([f"w{i}" for i in range(10)], np.eye(10, dtype=np.float32))
    np.testing.assert_allclose(vectors.cosines(vectors["w9"], rows=[-1, 9]), [1.0, 1.0])
    for rows in ([10], [10**9], [-11]):
        with pytest.raises(IndexError):
            vectors.cosines(vectors["w1"], rows=rows)
