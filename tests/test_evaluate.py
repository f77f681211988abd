"""Evaluation: statistics against scipy, scores against gensim, file parsing, bundled sets."""

from __future__ import annotations

import gzip
import hashlib
import itertools

import numpy as np
import pytest

from w2v import evaluate
from w2v.errors import ConfigError, FormatError, InputNotFoundError
from w2v.vectors import Vectors

gensim_models = pytest.importorskip("gensim.models")
stats = pytest.importorskip("scipy.stats")

GOOGLE = evaluate.DATA_DIR / "questions-words.txt"


def _set_words() -> list[str]:
    words = set()
    for line in GOOGLE.read_text().splitlines():
        if not line.startswith(":"):
            words.update(line.split())
    for file in evaluate.SIMILARITY_SETS.values():
        for line in (evaluate.DATA_DIR / file).read_text().splitlines():
            words.update(line.split()[:2])
    return sorted(words)


@pytest.fixture(scope="module")
def random_pair():
    """Random vectors over most of the sets' words, mixed and lower case, as ours and gensim's."""
    rng = np.random.default_rng(11)
    words = [w for w in _set_words() if rng.random() < 0.9]  # some questions become OOV
    lower = [w.lower() for w in words if w.lower() not in set(words)]  # case variants
    keys = words + lower + [f"filler{i}" for i in range(1000)]
    rng.shuffle(keys)
    matrix = rng.standard_normal((len(keys), 12)).astype(np.float32)
    kv = gensim_models.KeyedVectors(12)
    kv.add_vectors(keys, matrix)
    return Vectors(keys, matrix), kv


def _gensim_sections(kv, path, restrict_vocab, case_insensitive=True):
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab,
                                             case_insensitive=case_insensitive)
    return {s["section"]: len(s["correct"]) for s in sections}, sections[-1]


# --- statistics ---------------------------------------------------------------------------

def test_rankdata_spearman_pearson_equal_scipy():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 5, size=30).astype(float)  # many ties
        y = x + rng.normal(size=30)
        np.testing.assert_allclose(evaluate.rankdata(x), stats.rankdata(x))
        assert evaluate.spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
        assert evaluate.pearson(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    assert np.isnan(evaluate.pearson([1.0, 1.0], [1.0, 2.0]))
    assert np.isnan(evaluate.spearman([1.0], [2.0]))


# --- analogies ----------------------------------------------------------------------------

@pytest.mark.parametrize("restrict_vocab", [3000, None])
def test_analogy_equals_gensim_on_the_google_set(random_pair, restrict_vocab):
    vectors, kv = random_pair
    ours = evaluate.analogy(vectors, restrict_vocab=restrict_vocab)
    per_section, total = _gensim_sections(kv, GOOGLE, restrict_vocab or 10**9)
    assert {name: s.correct for name, s in ours.sections.items()} == \
        {k: v for k, v in per_section.items() if k != "Total accuracy"}
    assert ours.correct == len(total["correct"])
    assert ours.total == len(total["correct"]) + len(total["incorrect"])
    assert ours.total + ours.skipped == 19544
    assert len(ours.sections) == 14
    assert ours.semantic.total + ours.syntactic.total == ours.total
    assert ours.semantic.correct + ours.syntactic.correct == ours.correct


def _structured_vectors():
    """A vocabulary where b - a + c lands near d for most questions of a small file."""
    rng = np.random.default_rng(5)
    countries = ["France", "Italy", "Spain", "Japan", "Chile", "Peru"]
    capitals = ["Paris", "Rome", "Madrid", "Tokyo", "Santiago", "Lima"]
    offset = rng.normal(size=16)
    keys, rows = [], []
    for country, capital in zip(countries, capitals, strict=True):
        base = rng.normal(size=16)
        keys += [country, capital]
        rows += [base, base + offset + rng.normal(scale=0.6, size=16)]
    keys += [w.lower() for w in keys[:4]] + [f"noise{i}" for i in range(40)]
    rows += list(rng.normal(size=(44, 16)))
    lines = [": capitals"] + [f"{a} {b} {c} {d}" for (a, b), (c, d) in itertools.permutations(
        zip(countries, capitals, strict=True), 2)] + [": gram-missing", "France Paris Oz Emerald"]
    return Vectors(keys, np.array(rows, dtype=np.float32)), "\n".join(lines) + "\n"


def _structured_files(tmp_path):
    """:func:`_structured_vectors`, its question file written, and gensim's copy of them."""
    vectors, text = _structured_vectors()
    path = tmp_path / "caps.txt"
    path.write_text(text)
    kv = gensim_models.KeyedVectors(16)
    kv.add_vectors(vectors.index_to_key, vectors.vectors)
    return vectors, text, path, kv


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogy_equals_gensim_when_answers_are_found(tmp_path, case_insensitive):
    vectors, text, path, kv = _structured_files(tmp_path)
    ours = evaluate.analogy(vectors, path, case_insensitive=case_insensitive)
    per_section, total = _gensim_sections(kv, path, 30000, case_insensitive)
    assert 0 < ours.correct == len(total["correct"])
    assert ours.sections["capitals"].correct == per_section["capitals"]
    assert ours.skipped == 1 and ours.total == 30
    assert ours.syntactic.skipped == 1 and ours.semantic.total == 30


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
def test_analogy_3cosmul_equals_a_gensim_loop(tmp_path):
    vectors, text, path, kv = _structured_files(tmp_path)
    expected = 0
    for line in text.splitlines():
        words = line.split()
        if line.startswith(":") or not all(w in kv.key_to_index for w in words):
            continue
        a, b, c, d = words
        guesses = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
        expected += next(w for w, _ in guesses if w not in (a, b, c)) == d
    ours = evaluate.analogy(vectors, path, method="3cosmul", case_insensitive=False)
    assert ours.correct == expected > 0


def test_analogy_file_errors(tmp_path, random_pair):
    vectors, _ = random_pair
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\na b c\n")
    with pytest.raises(FormatError, match="line 2: expected 4 words"):
        evaluate.analogy(vectors, bad)
    bad.write_text("a b c d\n")
    with pytest.raises(FormatError, match="before the first section header"):
        evaluate.analogy(vectors, bad)
    with pytest.raises(InputNotFoundError):
        evaluate.analogy(vectors, tmp_path / "missing.txt")
    with pytest.raises(ConfigError, match="method"):
        evaluate.analogy(vectors, method="cos")


def test_result_to_dict_is_json_ready(random_pair):
    import json

    vectors, _ = random_pair
    result = evaluate.analogy(vectors, restrict_vocab=500)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["total"] + data["skipped"] == 19544 and len(data["sections"]) == 14


# --- word pairs ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(evaluate.SIMILARITY_SETS))
def test_similarity_equals_gensim_on_every_bundled_set(random_pair, name):
    vectors, kv = random_pair
    ours = evaluate.similarity(vectors, name)
    pearson, spearman, oov_percent = kv.evaluate_word_pairs(
        str(evaluate.DATA_DIR / evaluate.SIMILARITY_SETS[name]))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-9)
    assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-6)  # float32 cosines
    assert ours.oov_ratio * 100 == pytest.approx(oov_percent)
    assert ours.pairs > 0


def test_similarity_all_and_custom_files(tmp_path, random_pair):
    vectors, _ = random_pair
    results = evaluate.similarity_all(vectors)
    assert set(results) == set(evaluate.SIMILARITY_SETS)
    assert results["WS-353"].pairs + results["WS-353"].oov == 353
    assert results["VERB-143"].pairs + results["VERB-143"].oov == 144
    custom = tmp_path / "pairs.txt"  # comments, spaces instead of tabs, CRLF
    custom.write_bytes(b"# my set\r\ntiger cat 7.35\r\nbook paper 7.46\r\nking cabbage 0.23\r\n")
    result = evaluate.similarity(vectors, custom)
    assert result.pairs + result.oov == 3
    custom.write_text("tiger cat\n")
    with pytest.raises(FormatError, match="line 1: expected 'word1 word2 score'"):
        evaluate.similarity(vectors, custom)


def test_similarity_without_known_pairs_is_nan():
    vectors = Vectors(["zzz"], np.ones((1, 3), dtype=np.float32))
    result = evaluate.similarity(vectors)
    assert result.pairs == 0 and np.isnan(result.spearman) and result.oov_ratio == 1.0


# --- bundled data and a trained model -----------------------------------------------------

def test_bundled_sets_match_their_checksums():
    lines = (evaluate.DATA_DIR / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 13
    for line in lines:
        digest, name = line.split()
        data = (evaluate.DATA_DIR / name.lstrip("*")).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


def test_scores_equal_gensim_on_a_model_trained_by_gensim(shared_data):
    with gzip.open(shared_data / "text8" / "text8_prefix.gz", "rt") as handle:
        words = handle.read(1_500_000).split()[:-1]
    sentences = [words[i:i + 1000] for i in range(0, len(words), 1000)]
    # one worker: gensim is then deterministic for a given seed
    model = gensim_models.Word2Vec(sentences, vector_size=32, min_count=5, epochs=2, workers=1,
                                   seed=1)
    kv = model.wv
    vectors = Vectors(kv.index_to_key, kv.vectors)
    ours = evaluate.analogy(vectors, restrict_vocab=30000)
    score, sections = kv.evaluate_word_analogies(str(GOOGLE), restrict_vocab=30000)
    assert ours.accuracy == pytest.approx(score)
    assert ours.correct == len(sections[-1]["correct"])
    assert ours.total == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) > 1000
    pearson, spearman, oov = kv.evaluate_word_pairs(str(evaluate.DATA_DIR / "wordsim353.tsv"))
    result = evaluate.similarity(vectors, evaluate.DATA_DIR / "wordsim353.tsv")
    # Trained vectors have near-equal cosines: float32 rounding (gensim normalises each vector
    # with BLAS nrm2, we with numpy) can swap two neighbouring ranks, moving rho by ~2e-5.
    assert result.spearman == pytest.approx(spearman.statistic, abs=2e-4)
    assert result.pearson == pytest.approx(pearson.statistic, abs=1e-5)
    assert result.oov_ratio * 100 == pytest.approx(oov)


# --- gensim's methods on Vectors ------------------------------------------------------------

@pytest.mark.parametrize("options", [{}, {"dummy4unknown": True}, {"restrict_vocab": 3000},
                                     {"case_insensitive": False}])
def test_evaluate_word_analogies_returns_gensims_sections(random_pair, options):
    vectors, kv = random_pair
    ours = vectors.evaluate_word_analogies(GOOGLE, **options)
    theirs = kv.evaluate_word_analogies(str(GOOGLE), **options)
    assert ours[0] == pytest.approx(theirs[0])
    assert ours[1] == theirs[1]  # every section's questions, the same tuples in the same order


def test_evaluate_word_analogies_structured_and_cosmul(tmp_path):
    vectors, text, path, kv = _structured_files(tmp_path)
    score, sections = vectors.evaluate_word_analogies(path)
    assert score > 0 and (score, sections) == kv.evaluate_word_analogies(str(path))
    cosmul = vectors.evaluate_word_analogies(path, similarity_function="most_similar_cosmul")
    assert len(cosmul[1][-1]["correct"]) == evaluate.analogy(vectors, path,
                                                             method="3cosmul").correct
    with pytest.raises(ConfigError, match="similarity_function"):
        vectors.evaluate_word_analogies(path, similarity_function="nearest")


@pytest.mark.parametrize("options", [{}, {"dummy4unknown": True}, {"restrict_vocab": 3000},
                                     {"case_insensitive": False}])
def test_evaluate_word_pairs_equals_gensim(random_pair, options):
    vectors, kv = random_pair
    path = evaluate.DATA_DIR / "wordsim353.tsv"
    (r, p), rho, oov = vectors.evaluate_word_pairs(path, **options)
    (r2, p2), rho2, oov2 = kv.evaluate_word_pairs(str(path), **options)
    assert (r, p, oov) == pytest.approx((r2, p2, oov2), rel=1e-5)
    assert (rho.statistic, rho.pvalue) == pytest.approx((rho2.statistic, rho2.pvalue), rel=1e-5)


def test_evaluate_word_pairs_other_delimiters_bad_lines_and_no_pairs(tmp_path, random_pair):
    vectors, kv = random_pair
    known = [w for w in vectors.index_to_key if not w.startswith("filler")][:6]
    path = tmp_path / "pairs.csv"
    path.write_text("# a comment\n" + "".join(f"{a},{b},{i}\n" for i, (a, b) in
                                            enumerate(zip(known[::2], known[1::2], strict=True))) +
                    "one,two\nx,y,not-a-number\n")
    with pytest.warns(UserWarning, match=r"skipped 2 line\(s\).*line 5"):
        (r, _), _, oov = vectors.evaluate_word_pairs(path, delimiter=",")
    (r2, _), _, oov2 = kv.evaluate_word_pairs(str(path), delimiter=",")
    assert (r, oov) == pytest.approx((r2, oov2))
    with pytest.raises(FormatError, match="no word pair could be scored"), \
            pytest.warns(UserWarning, match="skipped 5 line"):
        vectors.evaluate_word_pairs(path)  # no tab in it: every line is malformed


def test_evaluate_word_pairs_without_scipy_gives_nan_p_values(random_pair, monkeypatch):
    vectors, _ = random_pair
    path = evaluate.DATA_DIR / "wordsim353.tsv"
    with_scipy = vectors.evaluate_word_pairs(path)
    monkeypatch.setitem(__import__("sys").modules, "scipy", None)  # import scipy now fails
    (r, p), (rho, p_rho), oov = vectors.evaluate_word_pairs(path)
    assert (r, rho, oov) == pytest.approx((with_scipy[0][0], with_scipy[1][0], with_scipy[2]))
    assert np.isnan(p) and np.isnan(p_rho)


def test_evaluate_word_pairs_keeps_words_as_written(tmp_path, random_pair):
    vectors, kv = random_pair
    a, b, c, d = [w for w in vectors.index_to_key if not w.startswith("filler")][:4]
    path = tmp_path / "pairs.tsv"
    path.write_text(f"{a}\t{b}\t1\n{a} \t{c}\t2\n{b}\t{d}\t3\n{c}\t{d}\t4\n")
    ours, theirs = vectors.evaluate_word_pairs(path), kv.evaluate_word_pairs(str(path))
    assert ours[2] == pytest.approx(theirs[2]) == 25.0  # "a " is not a word
