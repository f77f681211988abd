"""w2v.seed.dataset against the assignment's StanfordSentiment: vocabulary, table, sentences."""

from __future__ import annotations

import random

import numpy as np
import pytest

from w2v.errors import ConfigError, CorpusError, InputNotFoundError
from w2v.seed.dataset import StanfordSentiment, _draw_uniforms, bundled_sentences_path

VISUALIZE = {
    "great": 90, "cool": 4804, "brilliant": 2115, "wonderful": 2019, "well": 147, "amazing": 229,
    "worth": 148, "sweet": 1550, "enjoyable": 1290, "boring": 6938, "bad": 1470, "dumb": 1925,
    "annoying": 9763, "female": 927, "male": 4266, "queen": 1542, "king": 5701, "man": 1095,
    "woman": 3508, "rain": 4365, "snow": 537, "hail": 12933, "coffee": 12186, "tea": 6020,
}


@pytest.fixture(scope="module")
def sst() -> StanfordSentiment:
    """The bundled corpus, subsampled in run.py's random order (seed 31415, then randint(1, 5))."""
    rng = random.Random(31415)
    assert rng.randint(1, 5) == 5
    dataset = StanfordSentiment(rng=rng)
    dataset.subsampled_ids()
    return dataset


def test_bundled_file_is_sst() -> None:
    assert bundled_sentences_path().stat().st_size == 1290263


def test_vocabulary(sst: StanfordSentiment) -> None:
    tokens = sst.tokens()
    assert sst.num_sentences() == 11855
    assert len(tokens) == 19539 and tokens["UNK"] == 19538 and sst.words[-1] == "UNK"
    assert sst.word_count == 227246
    assert [sst.words[i] for i in range(8)] == ["the", "rock", "is", "destined", "to", "be",
                                                 "21st", "century"]
    top = np.argsort(-sst.counts, kind="stable")[:10]
    assert [(sst.words[i], int(sst.counts[i])) for i in top] == [
        (".", 11146), ("the", 10128), (",", 9949), ("a", 7280), ("and", 6202), ("of", 6063),
        ("to", 4234), ("is", 3558), ("'s", 3546), ("it", 3429)]
    assert {w: tokens[w] for w in VISUALIZE} == VISUALIZE
    # Mojibake is kept on purpose (see docs/seed.md): the assignment's vocabulary.
    assert "clichã©s" in tokens
    assert sum(not w.isascii() for w in sst.words) == 60


def test_reject_probabilities(sst: StanfordSentiment) -> None:
    reject = sst.reject_prob()
    assert reject.shape == (19539,) and reject.dtype == np.float64
    assert int((reject > 0).sum()) == 7051
    assert reject.max() == 0.9857213021255015 and sst.words[int(reject.argmax())] == "."


def test_sample_table(sst: StanfordSentiment) -> None:
    table = sst.sample_table()
    assert table.shape == (1_000_000,)
    slots = np.bincount(table, minlength=19539)
    assert slots[0] == 13560 and slots.min() == 13 and slots[-1] == 13  # UNK stays drawable
    # The assignment's slot loop, on a small table: identical.
    small = StanfordSentiment(table_size=1000, rng=random.Random(0))
    weights = np.array([float(c) ** 0.75 for c in small.counts.tolist()])
    weights /= np.sum(weights)
    cumulative = np.cumsum(weights) * 1000
    expected, j = [], 0
    for i in range(1000):
        while i > cumulative[j]:
            j += 1
        expected.append(j)
    assert small.sample_table().tolist() == expected


def test_subsampled_sentences_in_run_order(sst: StanfordSentiment) -> None:
    ids, starts = sst.subsampled_ids()
    assert len(starts) - 1 == 299303 and len(ids) == 1523942
    assert starts[0] == 0 and starts[-1] == len(ids) and ids.dtype == np.int32
    assert np.diff(starts).min() >= 2
    assert len(sst.all_sentences()) == 299303


def test_subsampling_replays_python_random() -> None:
    """Same kept words and same final random state as the assignment's list comprehension."""
    rng_fast, rng_slow = random.Random(7), random.Random(7)
    dataset = StanfordSentiment(rng=rng_fast)
    reject, tokens = dataset.reject_prob(), dataset.tokens()
    first = dataset.sentences()[:300]  # the comprehension over 30 copies of every sentence is slow
    expected = [[w for w in s if reject[tokens[w]] <= 0 or rng_slow.random() >= reject[tokens[w]]]
                for s in first]
    got = dataset.all_sentences()
    kept = [s for s in expected if len(s) > 1]
    assert got[:len(kept)] == kept
    uniforms = _draw_uniforms(random.Random(3), 100)
    check = random.Random(3)
    assert uniforms.tolist() == [check.random() for _ in range(100)]


def test_random_context_protocol(sst: StanfordSentiment) -> None:
    """get_random_context and sample_token_idx consume `random` as the assignment does."""
    rng = random.Random(11)
    sst.rng = rng
    try:
        state = rng.getstate()
        got = [sst.get_random_context(3) for _ in range(50)]
        negatives = [sst.sample_token_idx() for _ in range(50)]
        rng.setstate(state)
        sentences, table = sst.all_sentences(), sst.sample_table()
        for center, context in got:
            while True:  # the assignment's recursion, unrolled
                sent = sentences[rng.randint(0, len(sentences) - 1)]
                pos = rng.randint(0, len(sent) - 1)
                ctx = sent[max(0, pos - 3):pos]
                if pos + 1 < len(sent):
                    ctx += sent[pos + 1:min(len(sent), pos + 4)]
                ctx = [w for w in ctx if w != sent[pos]]
                if ctx:
                    break
            assert (center, context) == (sent[pos], ctx)
            assert 1 <= len(context) <= 6 and center not in context
        assert negatives == [int(table[rng.randint(0, 999_999)]) for _ in range(50)]
    finally:
        sst.rng = random


def test_reads_a_folder_and_rejects_bad_input(tmp_path) -> None:
    (tmp_path / "datasetSentences.txt").write_text("sentence_index\tsentence\n1\tA b a\n2\tC .\n",
                                                   encoding="utf-8")
    small = StanfordSentiment(tmp_path, table_size=100, rng=random.Random(0))
    assert small.words == ["a", "b", "c", ".", "UNK"] and small.counts.tolist() == [2, 1, 1, 1, 1]
    with pytest.raises(InputNotFoundError, match="does not exist"):
        StanfordSentiment(tmp_path / "missing")
    (tmp_path / "empty.txt").write_text("sentence_index\tsentence\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no sentence"):
        StanfordSentiment(tmp_path / "empty.txt")
    (tmp_path / "latin1.txt").write_bytes(b"header\n1\tcaf\xe9\n")
    with pytest.raises(CorpusError, match="not UTF-8"):
        StanfordSentiment(tmp_path / "latin1.txt")
    with pytest.raises(ConfigError, match="table_size"):
        StanfordSentiment(tmp_path, table_size=0)
