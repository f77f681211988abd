"""Phrase detection: gensim's Phrases and word2phrase as oracles, on generated corpora."""

from __future__ import annotations

import gzip
import os
import subprocess
from collections import Counter

import numpy as np
import pytest

from w2v import corpus as corpus_module
from w2v.corpus import iter_sentences
from w2v.errors import ConfigError, FormatError
from w2v.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases, stream
from w2v.phrases.counts import PhraseCounter
from w2v.phrases.spans import GapCodec, candidates
from w2v.phrases.stream import LINE, PIECE, TokenChunk, token_chunks

PLANTED = [["new", "york"], ["san", "francisco"], ["bank", "of", "america"],
           ["new", "york", "times"], ["out", "of", "the", "blue"], ["hot", "dog"]]


def generated_corpus(seed: int = 0, n_lines: int = 600) -> list[list[str]]:
    """Lines of Zipf-distributed words with planted collocations and connector words."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(150)] + ["the", "of", "and", "a", "new", "york"]
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    lines = []
    for _ in range(n_lines):
        line: list[str] = []
        for _ in range(int(rng.integers(1, 25))):
            if rng.random() < 0.12:
                line.extend(PLANTED[int(rng.integers(len(PLANTED)))])
            else:
                line.append(vocab[int(rng.choice(len(vocab), p=weights))])
        lines.append(line)
    return lines


# --- gensim ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gensim_phrases():
    """gensim's phrases module (the test extra has gensim); skips the test without it."""
    return pytest.importorskip("gensim.models.phrases", reason="gensim is not installed")



@pytest.mark.parametrize("scoring, threshold, connectors", [
    ("default", 1.0, frozenset()),
    ("default", 5.0, ENGLISH_CONNECTOR_WORDS),
    ("npmi", 0.3, frozenset()),
    ("npmi", 0.1, ENGLISH_CONNECTOR_WORDS),
])
@pytest.mark.parametrize("min_count", [2, 5])
def test_same_phrases_scores_and_output_as_gensim(gensim_phrases, scoring, threshold, connectors,
                                                  min_count):
    corpus = generated_corpus()
    ours = Phrases(corpus, min_count=min_count, threshold=threshold, scoring=scoring,
                   connector_words=connectors)
    theirs = gensim_phrases.Phrases(corpus, min_count=min_count, threshold=threshold,
                                    scoring=scoring, connector_words=connectors)
    expected = theirs.export_phrases()
    assert len(expected) > 3  # the settings find phrases
    assert ours.export_phrases() == expected  # the same phrases, the same float scores
    assert ours.counts[0].entries == len(theirs.vocab)
    assert [ours[s] for s in corpus] == [theirs[s] for s in corpus]
    assert list(ours[corpus]) == [theirs[s] for s in corpus]


@pytest.mark.parametrize("seed", range(8))
def test_random_small_corpora_match_gensim(gensim_phrases, seed):
    """Tiny vocabularies: repeats, empty sentences, sentences of connector words only."""
    rng = np.random.default_rng(seed)
    vocab = ["a", "b", "c", "d", "e", "f", "of", "the", "and"]
    corpus = [[vocab[k] for k in rng.integers(0, len(vocab), rng.integers(0, 9))]
              for _ in range(150)]
    connectors = frozenset(["of", "the", "and"]) if seed % 2 else frozenset()
    scoring, threshold = ("npmi", float(rng.uniform(-0.5, 0.5))) if seed % 4 > 1 else \
        ("default", float(rng.uniform(0.1, 2.0)))
    options = {"min_count": int(rng.integers(1, 4)), "threshold": threshold,
               "scoring": scoring, "connector_words": connectors}
    ours = Phrases(corpus, **options)
    theirs = gensim_phrases.Phrases(corpus, **options)
    assert ours.export_phrases() == theirs.export_phrases()
    assert list(ours[corpus]) == [theirs[s] for s in corpus]


def test_connector_words_join_inside_phrases_like_gensim():
    corpus = generated_corpus(1)
    ours = Phrases(corpus, min_count=3, threshold=1.0, connector_words=ENGLISH_CONNECTOR_WORDS)
    assert "bank_of_america" in ours.export_phrases()
    assert ours[["the", "bank", "of", "america", "of"]] == ["the", "bank_of_america", "of"]
    # a connector word never starts or ends a phrase
    assert not any(p.split("_")[0] in ENGLISH_CONNECTOR_WORDS or
                   p.split("_")[-1] in ENGLISH_CONNECTOR_WORDS for p in ours.export_phrases())


def test_file_pieces_match_gensim_fed_the_same_sentences(gensim_phrases, tmp_path):
    corpus = generated_corpus(2)
    path = tmp_path / "corpus.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(" ".join(line) for line in corpus) + "\n")
    ours = Phrases(path, min_count=3, threshold=2.0, max_sentence_length=7)
    pieces = list(iter_sentences(path, max_sentence_length=7))
    theirs = gensim_phrases.Phrases(pieces, min_count=3, threshold=2.0)
    assert ours.export_phrases() == theirs.export_phrases()
    out = tmp_path / "out.txt"
    ours.transform_corpus(path, out)
    lines = out.read_text(encoding="utf-8").split("\n")
    assert len(lines) == len(corpus) + 1 and lines[-1] == ""  # one line per input line
    assert " ".join(lines).split() == [t for s in pieces for t in theirs[s]]


def test_chunk_size_does_not_change_anything(tmp_path, monkeypatch):
    corpus = generated_corpus(3)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(line) for line in corpus) + "\n", encoding="utf-8")
    options = {"min_count": 3, "threshold": 1.0, "connector_words": ENGLISH_CONNECTOR_WORDS}
    whole = Phrases(path, **options)
    whole.transform_corpus(path, tmp_path / "whole.txt")
    monkeypatch.setattr(stream, "CHUNK_TOKENS", 5)  # phrases and connectors cross chunks
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 11)  # and lines cross text chunks
    small = Phrases(path, **options)
    small.transform_corpus(path, tmp_path / "small.txt")
    assert small.export_phrases() == whole.export_phrases()
    assert (tmp_path / "small.txt").read_text() == (tmp_path / "whole.txt").read_text()


@pytest.mark.parametrize("options", [
    {"min_count": 3, "threshold": 1.0, "passes": 2, "connector_words": ENGLISH_CONNECTOR_WORDS},
    {"min_count": 3, "threshold": 20.0, "passes": 3, "scoring": "word2vec"},
    {"min_count": 2, "threshold": 0.2, "scoring": "npmi", "max_vocab_size": 500},
])
def test_reading_once_gives_the_streaming_output(tmp_path, monkeypatch, options):
    monkeypatch.setattr(stream, "CHUNK_TOKENS", 300)
    corpus = generated_corpus(8)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(line) for line in corpus) + "\n", encoding="utf-8")
    streamed = Phrases(path, **options)
    streamed.transform_corpus(path, tmp_path / "streamed.txt")
    once = Phrases(**options)
    written = once.learn_and_rewrite(path, tmp_path / "once.txt")
    assert once.export_phrases() == streamed.export_phrases()
    assert (tmp_path / "once.txt").read_text() == (tmp_path / "streamed.txt").read_text()
    assert written == len((tmp_path / "once.txt").read_text().split())


# --- word2phrase -------------------------------------------------------------------------

def word2phrase_rule(lines: list[list[str]], min_count: int,
                     threshold: float) -> list[list[str]]:
    """word2phrase's semantics, written out plainly (the oracle when its binary is absent).

    Pairs are counted across line ends (its reader keeps the last word of a line); a pair
    is joined when both words and the pair count ``min_count`` or more, the pair does not
    start a line, the first word was not just joined, and the float32 score
    ``(n_ab - min_count) / n_a / n_b * train_words`` is above the threshold.
    """
    counts: Counter = Counter()
    total, last = 0, None
    for line in lines:
        for word in line:
            total += 1
            counts[word] += 1
            if last is not None:
                counts[(last, word)] += 1
            last = word
    f32 = np.float32
    out = []
    for line in lines:
        rewritten: list[str] = []
        previous, joined = None, False
        for word in line:
            n_a, n_b = counts[previous], counts[word]
            n_ab = counts[(previous, word)]
            ok = previous is not None and not joined and min(n_a, n_b, n_ab) >= min_count
            if ok and f32(n_ab - min_count) / f32(n_a) / f32(n_b) * f32(total) > f32(threshold):
                rewritten[-1] += "_" + word
                joined = True
            else:
                rewritten.append(word)
                joined = False
            previous = word
        out.append(rewritten)
    return out


def _write_lines(path, lines) -> None:
    path.write_text("".join(" ".join(line) + "\n" for line in lines), encoding="utf-8")


def _read_lines(path) -> list[list[str]]:
    return [line.split() for line in path.read_text(encoding="utf-8").split("\n")
            if line.split()]


@pytest.mark.parametrize("min_count, threshold", [(2, 20.0), (5, 50.0), (3, 35.0)])
def test_word2vec_scorer_follows_word2phrase(tmp_path, min_count, threshold):
    corpus = generated_corpus(4)
    path = tmp_path / "c.txt"
    _write_lines(path, corpus)
    phrases = Phrases(path, min_count=min_count, threshold=threshold, scoring="word2vec")
    phrases.transform_corpus(path, tmp_path / "out.txt")
    ours = _read_lines(tmp_path / "out.txt")
    expected = word2phrase_rule(corpus, min_count, threshold)
    assert sum(t.count("_") for line in expected for t in line) > 10
    assert ours == expected
    # a single pass joins two words at most, never across a line
    assert all(t.count("_") <= 1 for line in ours for t in line)
    assert [t for line in ours for t in "_".join(line).split("_")] == \
        [t for line in corpus for t in line]


def test_word2vec_scorer_same_output_as_the_word2phrase_binary(tmp_path):
    binary = os.environ.get("W2V_WORD2PHRASE_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.skip("W2V_WORD2PHRASE_BIN does not name word2phrase")
    corpus = generated_corpus(5, n_lines=1500)
    path = tmp_path / "c.txt"
    _write_lines(path, corpus)
    for min_count, threshold in ((2, 20.0), (5, 40.0)):
        phrases = Phrases(path, min_count=min_count, threshold=threshold, scoring="word2vec")
        phrases.transform_corpus(path, tmp_path / "ours.txt")
        # word2phrase holds file names in 60 bytes: give it short relative ones
        subprocess.run([binary, "-train", "c.txt", "-output", "theirs.txt",
                        "-min-count", str(min_count), "-threshold", str(threshold),
                        "-debug", "0"], check=True, capture_output=True, timeout=120,
                       cwd=tmp_path)
        assert _read_lines(tmp_path / "ours.txt") == _read_lines(tmp_path / "theirs.txt")


# --- passes, tables, files ---------------------------------------------------------------

def test_two_passes_make_longer_phrases():
    corpus = generated_corpus(6)
    one = Phrases(corpus, min_count=3, threshold=1.0)
    two = Phrases(corpus, min_count=3, threshold=1.0, passes=2)
    assert len(two.layers) == 2 and two.layers[0].phrases == one.layers[0].phrases
    assert any(len(p.words) == 2 and "_" in p.words[0] + p.words[1]
               for p in two.layers[1].phrases)
    assert two[["w1", "new", "york", "times", "w1"]] == ["w1", "new_york_times", "w1"]


def test_freeze_save_load_and_export(tmp_path):
    corpus = generated_corpus(7)
    learnt = Phrases(corpus, min_count=3, threshold=1.0, passes=2,
                     connector_words=ENGLISH_CONNECTOR_WORDS)
    frozen = learnt.freeze()
    assert isinstance(frozen, FrozenPhrases) and not hasattr(frozen, "counts")
    frozen.save(tmp_path / "p.json")
    loaded = FrozenPhrases.load(tmp_path / "p.json")
    assert loaded.export_phrases() == learnt.export_phrases()
    assert [loaded[s] for s in corpus] == [learnt[s] for s in corpus]
    assert loaded.export(tmp_path / "p.tsv") == len(learnt)
    rows = [line.split("\t") for line in (tmp_path / "p.tsv").read_text().splitlines()]
    assert {r[0] for r in rows} == set(learnt.export_phrases())
    assert {r[2] for r in rows} == {"1", "2"}


def test_a_damaged_phrases_file_is_refused_naming_it(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "w2v-phrases", "version": 1, "options": {}}')
    with pytest.raises(FormatError, match="bad.json"):
        FrozenPhrases.load(bad)
    bad.write_text("not json")
    with pytest.raises(FormatError, match="not JSON"):
        FrozenPhrases.load(bad)


@pytest.mark.parametrize("options, parameter", [
    ({"min_count": 0}, "min_count"), ({"scoring": "pmi"}, "scoring"),
    ({"scoring": "npmi", "threshold": 2.0}, "threshold"),
    ({"scoring": "default", "threshold": -1.0}, "threshold"),
    ({"delimiter": " "}, "delimiter"), ({"passes": 0}, "passes"),
    ({"connector_words": "the"}, "connector_words"),
])
def test_bad_options_name_the_parameter(options, parameter):
    with pytest.raises(ConfigError) as caught:
        Phrases([["a", "b"]], **options)
    assert caught.value.parameter == parameter


# --- counting, pruning, codes ------------------------------------------------------------

def test_pruning_rules_of_word2vec_c_and_gensim():
    # counts: x 1, y 2, z 3; pairs: x-y 1, y-y 1, y-z 1, z-z 2
    chunk = TokenChunk(list("xyyzzz"), np.array([LINE, 0, 0, 0, 0, 0], dtype=np.int8))
    inclusive = PhraseCounter(max_vocab_size=1, prune_inclusive=True)
    inclusive.add(chunk)  # word2vec.c drops counts <= 1, then the cut is 2
    result = inclusive.result()
    assert dict(zip(result.words, result.counts.tolist(), strict=True)) == {"y": 2, "z": 3}
    assert result.pair_counts.tolist() == [2] and result.min_reduce == 2  # z-z twice
    exclusive = PhraseCounter(max_vocab_size=1)
    exclusive.add(chunk)  # gensim drops counts < 1: nothing the first time
    assert len(exclusive.result().words) == 3 and exclusive.min_reduce == 2


def test_pruning_holds_less_and_never_overcounts():
    rng = np.random.default_rng(0)
    corpus = [rng.choice([f"w{i}" for i in range(3000)], 40).tolist() for _ in range(400)]

    def counted(max_vocab_size):
        counter = PhraseCounter(max_vocab_size=max_vocab_size)
        for chunk in token_chunks(corpus, chunk_tokens=500):
            counter.add(chunk)
        result = counter.result()
        words = dict(zip(result.words, result.counts.tolist(), strict=True))
        pairs = {(result.words[a], result.words[b]): n for a, b, n in zip(
            result.left.tolist(), result.right.tolist(), result.pair_counts.tolist(),
            strict=True)}
        return result, words, pairs

    pruned, pruned_words, pruned_pairs = counted(2000)
    full, full_words, full_pairs = counted(None)
    assert pruned.min_reduce > 1 and pruned.entries < full.entries
    assert pruned.total_words == full.total_words == 16_000
    assert all(n <= full_words[w] for w, n in pruned_words.items())
    assert all(n <= full_pairs[pair] for pair, n in pruned_pairs.items())


def test_gap_codes_are_unique_and_decode():
    codec = GapCodec(["of", "the", "a"])
    runs = [["of"], ["the"], ["of", "the"], ["the", "of"], ["a", "a", "a"], ["of"] * 60]
    codes = [codec.code_of(run) for run in runs]
    assert len(set(codes)) == len(runs) and 0 not in codes
    assert [codec.words_of(c) for c in codes] == runs
    # the vectorised codes agree with code_of, long runs included
    tokens = ["x", "of", "the", "y", "z", *["of"] * 60, "w"]
    conn = np.array([codec.local.get(t, 0) for t in tokens], dtype=np.int64)
    found = candidates(conn, None, codec)
    assert found.codes.tolist() == [codec.code_of(["of", "the"]), 0, codec.code_of(["of"] * 60)]


def test_token_chunks_flag_lines_and_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 3)
    path = tmp_path / "c.txt"
    path.write_text("a b c d e\n\n f g \n", encoding="utf-8")
    chunks = list(token_chunks(path, max_sentence_length=2, chunk_tokens=2))
    assert len(chunks) > 1
    tokens = [t for c in chunks for t in c.tokens]
    flags = np.concatenate([c.flags for c in chunks]).tolist()
    assert tokens == list("abcdefg")
    assert flags == [LINE, 0, PIECE, 0, PIECE, LINE, 0]


def test_greedy_joins_match_the_sequential_rule():
    from w2v.phrases.table import _greedy

    def sequential(hits):  # join when a hit and the previous candidate was not joined
        joined, previous = [], False
        for hit in hits:
            previous = bool(hit) and not previous
            joined.append(previous)
        return joined

    rng = np.random.default_rng(0)
    for _ in range(500):
        hits = rng.random(int(rng.integers(0, 40))) < rng.random()
        assert _greedy(hits).tolist() == sequential(hits)
