"""The rest of gensim's KeyedVectors: each method against gensim's answer on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, FormatError, UnknownWordError
from w2v.vectors import UnknownWordsWarning, Vectors

gensim_models = pytest.importorskip("gensim.models")
# gensim's most_similar_cosmul calls its own deprecated init_sims
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

V, D = 400, 16


def _pair(seed: int = 11):
    rng = np.random.default_rng(seed)
    keys = [f"w{i}" for i in range(V)]
    matrix = rng.standard_normal((V, D)).astype(np.float32)
    kv = gensim_models.KeyedVectors(D)
    kv.add_vectors(keys, matrix)
    return Vectors(keys, matrix.copy()), kv


@pytest.fixture
def pair():
    """Fresh for each test: some tests edit the vectors."""
    return _pair()


def test_n_similarity_distance_and_distances(pair):
    ours, kv = pair
    assert ours.n_similarity(["w1", "w2"], ["w3", "w9", "w4"]) == pytest.approx(
        float(kv.n_similarity(["w1", "w2"], ["w3", "w9", "w4"])), abs=1e-6)
    assert ours.distance("w1", "w7") == pytest.approx(float(kv.distance("w1", "w7")), abs=1e-6)
    np.testing.assert_allclose(ours.distances("w5"), kv.distances("w5"), atol=1e-6)
    np.testing.assert_allclose(ours.distances("w5", ["w1", "w2", "w3"]),
                               kv.distances("w5", ["w1", "w2", "w3"]), atol=1e-6)
    probe = np.random.default_rng(3).standard_normal(D).astype(np.float32)
    np.testing.assert_allclose(ours.distances(probe), kv.distances(probe), atol=1e-6)
    assert ours.distances("w5").shape == (V,) and ours.distances("w5")[5] == pytest.approx(0,
                                                                                        abs=1e-6)


def test_n_similarity_leaves_unknown_words_out_with_a_warning(pair):
    ours, kv = pair
    with pytest.warns(UnknownWordsWarning, match="'nope'"):
        got = ours.n_similarity(["w1", "nope"], ["w2"])
    assert got == pytest.approx(float(kv.n_similarity(["w1", "nope"], ["w2"])), abs=1e-6)
    with pytest.raises(ConfigError):
        ours.n_similarity([], ["w1"])
    with pytest.raises(UnknownWordError), pytest.warns(UnknownWordsWarning):
        ours.n_similarity(["nope"], ["w1"])


def test_closer_than_rank_and_most_similar_to_given(pair):
    ours, kv = pair
    for a, b in (("w1", "w2"), ("w10", "w300"), ("w0", "w399")):
        assert ours.closer_than(a, b) == kv.closer_than(a, b)
        assert ours.rank(a, b) == kv.rank(a, b)
    nearest = ours.most_similar("w1", topn=1)[0][0]
    assert ours.rank("w1", nearest) == 1
    given = ["w3", "w40", "w7", "w99"]
    assert ours.most_similar_to_given("w2", given) == kv.most_similar_to_given("w2", given)
    assert ours.rank(1, 2) == kv.rank(1, 2)  # row numbers, as gensim takes them


@pytest.mark.parametrize("options", [
    {}, {"pre_normalize": False}, {"post_normalize": True},
    {"weights": [0.5, -2.0, 1.0]}, {"weights": [1.0, 1.0, 3.0], "pre_normalize": False},
])
def test_get_mean_vector_equals_gensim(pair, options):
    ours, kv = pair
    keys = ["w1", "w2", "w3"]
    np.testing.assert_allclose(ours.get_mean_vector(keys, **options),
                               kv.get_mean_vector(keys, **options), rtol=1e-5, atol=1e-6)


def test_get_mean_vector_keys_rows_vectors_and_missing(pair):
    ours, kv = pair
    probe = np.arange(D, dtype=np.float32)
    keys = ["w1", 5, probe, "missing"]
    np.testing.assert_allclose(ours.get_mean_vector(keys), kv.get_mean_vector(keys), rtol=1e-5)
    with pytest.raises(UnknownWordError):
        ours.get_mean_vector(keys, ignore_missing=False)
    with pytest.raises(ConfigError):
        ours.get_mean_vector([])
    with pytest.raises(ConfigError, match="one number per key"):
        ours.get_mean_vector(["w1"], weights=[1.0, 2.0])


def test_add_vectors_and_setitem_equal_gensim(pair):
    ours, kv = pair
    rng = np.random.default_rng(5)
    rows = rng.standard_normal((3, D)).astype(np.float32)
    ours.add_vectors(["new1", "w2", "new2"], rows)
    kv.add_vectors(["new1", "w2", "new2"], rows)
    assert ours.index_to_key == kv.index_to_key and ours.key_to_index == kv.key_to_index
    np.testing.assert_array_equal(ours.vectors, kv.vectors)  # w2 kept its vector
    ours.add_vectors(["w2"], rows[:1], replace=True)
    kv.add_vectors(["w2"], rows[:1], replace=True)
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    ours["w3"] = rows[2]
    kv["w3"] = rows[2]
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    assert ours.add_vector("new3", rows[0]) == len(ours) - 1
    # queries see the new rows (cached norms were dropped)
    assert ours.most_similar(rows[0], topn=3)[0][1] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ConfigError, match="more than once"):
        ours.add_vectors(["x", "x"], rows[:2])
    with pytest.raises(ConfigError, match="shape"):
        ours.add_vectors(["y"], np.zeros((1, D + 1)))


def test_add_vectors_to_a_memory_map_copies_it(tmp_path):
    Vectors(["a", "b"], np.eye(2, dtype=np.float32)).save(tmp_path / "nat", format="native")
    loaded = Vectors.load(tmp_path / "nat")
    loaded.add_vectors(["c"], np.ones((1, 2), dtype=np.float32))
    assert len(loaded) == 3 and not isinstance(loaded.vectors, np.memmap)
    assert len(Vectors.load(tmp_path / "nat")) == 2  # the file is untouched


def test_intersect_word2vec_format_equals_gensim(pair, tmp_path):
    ours, kv = pair
    rng = np.random.default_rng(8)
    pretrained = Vectors(["w3", "other", "w0", "w399"],
                         rng.standard_normal((4, D)).astype(np.float32))
    pretrained.save(tmp_path / "pre.txt", format="text")
    pretrained.save(tmp_path / "pre.bin.gz", format="binary")  # plain bytes, any name
    kv.vectors_lockf = np.ones(len(kv), dtype=np.float32)
    kv.intersect_word2vec_format(str(tmp_path / "pre.txt"))
    assert ours.intersect_word2vec_format(tmp_path / "pre.txt") == 3
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    assert ours.intersect_word2vec_format(tmp_path / "pre.bin.gz") == 3
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    assert ours.most_similar(pretrained["w0"], topn=1)[0][0] == "w0"
    with pytest.raises(ConfigError, match="dimensions"):
        ours.intersect_word2vec_format(Vectors(["w1"], np.zeros((1, D + 1))))


def test_most_similar_topn_none_returns_every_similarity(pair):
    ours, kv = pair
    for query in ({"positive": "w1"}, {"positive": ["w1", "w2"], "negative": ["w3"]},
                  {"positive": "w4", "restrict_vocab": 50}):
        got, expected = ours.most_similar(**query, topn=None), kv.most_similar(**query, topn=None)
        assert isinstance(got, np.ndarray) and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-6)
    got = ours.most_similar_cosmul(["w1", "w2"], ["w3"], topn=None)
    np.testing.assert_allclose(got, kv.most_similar_cosmul(["w1", "w2"], ["w3"], topn=None),
                               rtol=1e-5)


def test_integer_indexing_as_gensim(pair):
    ours, kv = pair
    np.testing.assert_array_equal(ours[0], kv[0])
    np.testing.assert_array_equal(ours[[0, 3]], kv[[0, 3]])
    np.testing.assert_array_equal(ours[np.int64(7)], kv[np.int64(7)])
    assert ours.get_index(5) == kv.get_index(5) == 5
    assert [w for w, _ in ours.most_similar(3, topn=5)] == [w for w, _ in
                                                             kv.most_similar(3, topn=5)]
    with pytest.raises(UnknownWordError, match="row 400"):
        ours[V]
    with pytest.raises(UnknownWordError):
        ours[True]  # a bool is not a row number


def test_cosmul_weights_are_refused(pair):
    ours, kv = pair
    with pytest.raises(ValueError):
        kv.most_similar_cosmul([("w1", 2.0)])
    with pytest.raises(ConfigError, match="takes no weights"):
        ours.most_similar_cosmul([("w1", 2.0)])
    with pytest.raises(ConfigError, match="takes no weights"):
        ours.most_similar_cosmul(["w1"], [("w2", -1.0)])


def test_doesnt_match_leaves_unknown_words_out_with_a_warning(pair):
    ours, kv = pair
    words = ["w1", "w2", "unknown", "w3", "w4"]
    with pytest.warns(UnknownWordsWarning, match="'unknown'"):
        assert ours.doesnt_match(words) == kv.doesnt_match(words)
    with pytest.raises(ConfigError), pytest.warns(UnknownWordsWarning):
        ours.doesnt_match(["gone", "missing"])
    ranked = ours.rank_by_centrality(["w1", "w2", "w3"])
    expected = kv.rank_by_centrality(["w1", "w2", "w3"])
    assert [w for _, w in ranked] == [w for _, w in expected]
    np.testing.assert_allclose([s for s, _ in ranked], [s for s, _ in expected], atol=1e-6)


def test_wmdistance_equals_gensim(pair):
    pytest.importorskip("ot", reason="POT is not installed (pip install 'w2v[wmd]')")
    ours, kv = pair
    documents = [(["w1", "w2", "w3"], ["w4", "w5"]), (["w1", "w1", "w2"], ["w2", "w9", "w9"]),
                 (["w1", "nope"], ["w1"]), (["w8"], ["w8", "w8"]), (["nope"], ["w1"])]
    for first, second in documents:
        for norm in (True, False):
            expected = kv.wmdistance(first, second, norm=norm)
            if np.isinf(expected):
                with pytest.warns(UserWarning, match="no word"):
                    assert ours.wmdistance(first, second, norm=norm) == expected
            else:
                assert ours.wmdistance(first, second, norm=norm) == pytest.approx(expected,
                                                                                  rel=1e-5)


def test_wmdistance_without_pot_names_the_extra(pair, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ot", None)  # as if POT were not installed
    with pytest.raises(ImportError, match=r"w2v\[wmd\]"):
        pair[0].wmdistance(["w1"], ["w2"])


def test_queries_on_a_memory_map_equal_in_memory_and_make_no_unit_copy(tmp_path, monkeypatch):
    from w2v import search

    monkeypatch.setattr(search, "BLOCK_ROWS", 37)  # many blocks, one of them partial
    ours, _ = _pair(seed=4)
    ours.vectors[10] = 0.0  # a zero row scores 0 in every block
    ours.save(tmp_path / "nat", format="native")
    mapped = Vectors.load(tmp_path / "nat")
    assert isinstance(mapped.vectors, np.memmap)
    in_memory = Vectors(ours.index_to_key, np.array(ours.vectors))
    for vectors in (mapped, in_memory):
        assert vectors.most_similar("w1", topn=20) == in_memory.most_similar("w1", topn=20)
        assert vectors.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5) == \
            in_memory.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5)
        np.testing.assert_array_equal(vectors.distances("w7"), in_memory.distances("w7"))
        assert vectors.doesnt_match(["w1", "w2", "w3"]) == in_memory.doesnt_match(
            ["w1", "w2", "w3"])
    # the blocks give what one product over a unit-length copy gives
    normed = in_memory.vectors / np.maximum(np.linalg.norm(in_memory.vectors, axis=1), 1e-30)[
        :, None]
    np.testing.assert_allclose(mapped.most_similar("w1", topn=None), normed @ normed[1],
                               atol=1e-6)
    assert mapped._normed is None and in_memory._normed is None  # no (V, D) copy was made
    np.testing.assert_allclose(mapped.norms, np.linalg.norm(in_memory.vectors, axis=1),
                               rtol=1e-6)


def test_vecattrs_equal_gensim(pair, tmp_path):
    ours, kv = pair
    ours.set_vecattr("w3", "count", 17)
    kv.set_vecattr("w3", "count", 17)
    ours.set_vecattr(5, "weight", 0.5)  # a row number, as gensim takes it
    kv.set_vecattr(5, "weight", 0.5)
    for key, attr in [("w3", "count"), ("w4", "count"), ("w5", "weight"), ("w3", "weight")]:
        assert ours.get_vecattr(key, attr) == kv.get_vecattr(key, attr)
    rows = np.ones((2, D), np.float32)
    ours.add_vectors(["n1", "n2"], rows)
    kv.add_vectors(["n1", "n2"], rows)
    # new words start at zero (gensim's add_vectors leaves its attribute arrays short, and
    # then raises IndexError for them)
    assert ours.get_vecattr("n2", "count") == 0 and ours.get_vecattr("n2", "weight") == 0.0
    assert (ours.has_index_for("n1"), ours.has_index_for(3), ours.has_index_for("zz")) == \
        (kv.has_index_for("n1"), kv.has_index_for(3), kv.has_index_for("zz")) == (True, True, False)
    with pytest.raises(KeyError, match="nope"):
        ours.get_vecattr("w1", "nope")
    with pytest.raises(UnknownWordError):
        ours.get_vecattr("zz", "count")
    # a vectors file has no counts: gensim invents V - row, most frequent first
    ours.save(tmp_path / "v.txt", format="text")
    loaded, theirs = (Vectors.load(tmp_path / "v.txt", format="text"),
                      gensim_models.KeyedVectors.load_word2vec_format(tmp_path / "v.txt"))
    assert [loaded.get_vecattr(w, "count") for w in ("w0", "w7", "n2")] == \
        [theirs.get_vecattr(w, "count") for w in ("w0", "w7", "n2")]


def test_a_trained_models_vectors_carry_the_vocabulary_counts():
    import w2v
    from word_groups import group_sentences

    model = w2v.train(group_sentences(200, seed=2), vector_size=8, min_count=1, epochs=1,
                      workers=1)
    counts = [model.vectors.get_vecattr(w, "count") for w in model.vectors.index_to_key]
    assert counts == model.vocab.counts.tolist() and counts == sorted(counts, reverse=True)
    model.build_vocab([["unseen", "unseen", "w0"]], min_count=1)
    assert model.vectors.get_vecattr("unseen", "count") == 2


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_with_counts_round_trips_through_gensim(tmp_path, binary):
    from w2v.gensim_compat import KeyedVectors, Word2Vec
    from word_groups import group_sentences

    model = Word2Vec(group_sentences(300, seed=4), vector_size=8, min_count=1, workers=1)
    model.wv.save_word2vec_format(tmp_path / "v", fvocab=tmp_path / "vocab", binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(
        str(tmp_path / "v"), fvocab=str(tmp_path / "vocab"), binary=binary)
    assert theirs.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(theirs.vectors, model.wv.vectors)
    assert [theirs.get_vecattr(w, "count") for w in theirs.index_to_key] == \
        model.model.vocab.counts.tolist()
    theirs.save_word2vec_format(str(tmp_path / "g"), fvocab=str(tmp_path / "gvocab"),
                                binary=binary)
    ours = KeyedVectors.load_word2vec_format(tmp_path / "g", fvocab=tmp_path / "gvocab",
                                             binary=binary)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert [ours.get_vecattr(w, "count") for w in ours.index_to_key] == \
        [theirs.get_vecattr(w, "count") for w in theirs.index_to_key]


def test_save_word2vec_format_sorts_by_count_as_gensim(pair, tmp_path):
    ours, kv = pair
    for i, word in enumerate(ours.index_to_key):
        count = (i * 37) % 11  # out of order, with ties
        ours.set_vecattr(word, "count", count)
        kv.set_vecattr(word, "count", count)
    ours.save_word2vec_format(tmp_path / "ours.txt")
    kv.save_word2vec_format(str(tmp_path / "theirs.txt"))
    mine, theirs = (Vectors.load(tmp_path / "ours.txt"),
                    gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "theirs.txt")))
    assert mine.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(mine.vectors, theirs.vectors)


def test_word2vec_format_options(pair, tmp_path):
    from w2v.gensim_compat import KeyedVectors

    ours, _ = pair
    ours.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    assert not (tmp_path / "glove.txt").read_text().split("\n", 1)[0].split()[0].isdigit()
    back = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True, limit=5)
    assert back.index_to_key == ours.index_to_key[:5]
    assert back.get_vecattr("w4", "count") == 1  # no counts in the file: gensim's V - row
    for options, match in [({"prefix": "x_"}, "prefix"), ({"append": True}, "append"),
                           ({"total_vec": 3}, "total_vec"),
                           ({"binary": True, "write_header": False}, "write_header")]:
        with pytest.raises(ConfigError, match=match):
            ours.save_word2vec_format(tmp_path / "bad.txt", **options)
    assert not (tmp_path / "bad.txt").exists()
    with pytest.raises(ConfigError, match="encoding"):
        KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", encoding="latin-1")
    with pytest.raises(ConfigError, match="datatype"):
        KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", datatype=np.float16)
    (tmp_path / "vocab.txt").write_text("w0 3\nw1 three\n")
    with pytest.raises(FormatError, match=r"vocab.txt, line 2: expected 'word count'"):
        KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True,
                                          fvocab=tmp_path / "vocab.txt")
    empty = KeyedVectors(D)
    empty.add_vectors(["a", "b"], np.eye(2, D, dtype=np.float32))
    assert empty.most_similar("a", topn=1)[0][0] == "b" and empty.vector_size == D


def test_relative_cosine_similarity_and_words_closer_than_equal_gensim(pair):
    ours, kv = pair
    for wa, wb, topn in [("w1", "w2", 10), ("w7", "w300", 3)]:
        assert ours.relative_cosine_similarity(wa, wb, topn) == pytest.approx(
            kv.relative_cosine_similarity(wa, wb, topn), rel=1e-5)
    assert ours.words_closer_than("w1", "w9") == kv.words_closer_than("w1", "w9")


def test_fill_norms_unit_normalize_all_and_sort_by_frequency_equal_gensim(pair):
    ours, kv = pair
    ours.fill_norms()
    kv.fill_norms()
    np.testing.assert_allclose(ours.norms, kv.norms, rtol=1e-6)
    rng = np.random.default_rng(3)
    for word in ours.index_to_key:
        count = int(rng.integers(1, 30))  # many ties
        ours.set_vecattr(word, "count", count)
        kv.set_vecattr(word, "count", count)
    ours.sort_by_descending_frequency()
    kv.sort_by_descending_frequency()
    assert ours.index_to_key == kv.index_to_key and ours.key_to_index == kv.key_to_index
    np.testing.assert_array_equal(ours.vectors, kv.vectors)
    assert ours.get_vecattr("w5", "count") == kv.get_vecattr("w5", "count")
    # queries see the new order (gensim's keep the norms of the old one: cosines above 1)
    fresh = Vectors(list(ours.index_to_key), ours.vectors.copy())
    assert ours.most_similar("w5", topn=3) == fresh.most_similar("w5", topn=3)
    ours, kv = _pair()  # fresh: gensim's normalising after a sort divides by the old norms
    ours.unit_normalize_all()
    kv.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, kv.vectors, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.norms, 1.0, rtol=1e-6)
    no_counts = Vectors(["b", "a"], np.eye(2, dtype=np.float32))
    no_counts.sort_by_descending_frequency()  # nothing to sort by: the order stays
    assert no_counts.index_to_key == ["b", "a"]


def test_unit_normalize_all_on_a_memory_map_leaves_the_file(tmp_path, pair):
    ours, _ = pair
    ours.save(tmp_path / "native", format="native")
    mapped = Vectors.load(tmp_path / "native")
    before = np.array(mapped.vectors)
    mapped.unit_normalize_all()
    np.testing.assert_array_equal(np.array(Vectors.load(tmp_path / "native").vectors), before)
    np.testing.assert_allclose(np.linalg.norm(mapped.vectors, axis=1), 1.0, rtol=1e-6)


def test_attributes_after_a_file_a_clash_and_strings_as_gensim(pair, tmp_path):
    ours, _ = pair
    ours.save(tmp_path / "v.txt", format="text")
    mine = Vectors.load(tmp_path / "v.txt")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    for kv in (mine, theirs):
        kv.set_vecattr("w1", "count", 999)  # the other words keep their stand-in counts
        kv.set_vecattr("w2", "pos", "VERBAL")
    assert [mine.get_vecattr(w, "count") for w in ("w0", "w1", "w9")] == \
        [theirs.get_vecattr(w, "count") for w in ("w0", "w1", "w9")]
    assert mine.get_vecattr("w2", "pos") == theirs.get_vecattr("w2", "pos") == "VERBAL"
    mine.sort_by_descending_frequency()
    theirs.sort_by_descending_frequency()
    assert mine.index_to_key == theirs.index_to_key
    with pytest.raises(TypeError, match="does not fit"):
        mine.set_vecattr("w3", "count", 2.5)
    assert len(Vectors.load_word2vec_format(tmp_path / "v.txt", limit=0)) == len(theirs)


def test_a_models_vectors_are_not_reordered_alone_and_keep_attributes():
    import w2v
    from word_groups import group_sentences

    model = w2v.train(group_sentences(200, seed=2), vector_size=8, min_count=1, epochs=1,
                      workers=1)
    words = list(model.vectors.index_to_key)
    model.vectors.sort_by_descending_frequency()  # sorted already: nothing moves
    assert model.vectors.index_to_key == words
    model.vectors.set_vecattr(words[3], "pos", 7)
    model.build_vocab([["brandnew"] * 3], min_count=1)
    assert model.vectors.get_vecattr(words[3], "pos") == 7
    assert model.vectors.get_vecattr("brandnew", "pos") == 0
    assert model.vectors.get_vecattr("brandnew", "count") == 3
    model.vectors.set_vecattr(words[-1], "count", 10**9)  # now out of order
    with pytest.raises(ConfigError, match="a model's"):
        model.vectors.sort_by_descending_frequency()
    model.vectors.unit_normalize_all()  # in place, as gensim: the model's own input vectors
    np.testing.assert_allclose(np.linalg.norm(model.vectors.vectors, axis=1), 1.0, rtol=1e-5)
    assert model.vectors.of_model


def test_subword_vectors_are_not_reordered_or_normalised_in_place(tmp_path):
    import w2v
    from word_groups import group_sentences

    model = w2v.train(group_sentences(200, seed=2), vector_size=8, min_count=1, epochs=1,
                      workers=1, subwords=True)
    vectors = model.vectors
    assert [vectors.get_vecattr(w, "count") for w in vectors.index_to_key] == \
        model.vocab.counts.tolist()
    vectors.sort_by_descending_frequency()  # sorted already
    vectors.set_vecattr(vectors.index_to_key[-1], "count", 10**9)
    with pytest.raises(ConfigError, match="cannot be reordered"):
        vectors.sort_by_descending_frequency()
    with pytest.raises(ConfigError, match="cannot be normalised"):
        vectors.unit_normalize_all()
