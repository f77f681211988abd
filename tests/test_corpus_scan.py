"""One pass over a corpus (w2v.corpus_scan) gives what counting, then encoding, gives."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import corpus_scan
from w2v.corpus import encode_corpus, sentences_from
from w2v.corpus_scan import scan_corpus
from w2v.errors import CorpusError
from w2v.vocab import build_vocab, vocab_from_counts

TEXT = ("the cat sat on the mat\n\nrare1 the dog sat\n   \nrare2 rare3\n"
        "a long line of many words the the cat dog a a mat on\nzzz\ncat")


def _two_passes(source, min_count, max_len):
    vocab = build_vocab(sentences_from(source, max_len), min_count)
    return vocab, encode_corpus(source, vocab, max_len)


def _one_pass(source, min_count, max_len, **options):
    scanned = scan_corpus(source, max_len, **options)
    vocab = vocab_from_counts(scanned.counts(), scanned.stats.tokens, min_count)
    return vocab, scanned.encode(vocab, **options)


@pytest.mark.parametrize("min_count", [1, 2, 3])
@pytest.mark.parametrize("max_len", [3, 10_000])
@pytest.mark.parametrize("block", [5, 1 << 24])
def test_one_pass_equals_count_then_encode(tmp_path, monkeypatch, min_count, max_len, block):
    # Small blocks split the remapping between sentences; sentences made only of rare
    # words are dropped in both.
    monkeypatch.setattr(corpus_scan, "_BLOCK_IDS", block)
    path = tmp_path / "c.txt"
    path.write_text(TEXT, encoding="utf-8")
    for source in (str(path), [line.split() for line in TEXT.split("\n")]):
        vocab_a, enc_a = _two_passes(source, min_count, max_len)
        vocab_b, enc_b = _one_pass(source, min_count, max_len)
        assert vocab_a.words == vocab_b.words
        np.testing.assert_array_equal(vocab_a.counts, vocab_b.counts)
        assert vocab_a.total_words == vocab_b.total_words
        np.testing.assert_array_equal(enc_a.ids, enc_b.ids)
        np.testing.assert_array_equal(enc_a.sentence_starts, enc_b.sentence_starts)
        assert enc_a.raw_words == enc_b.raw_words


def test_counts_keep_first_occurrence_order(tmp_path):
    scanned = scan_corpus([["b", "a", "b"], ["c", "a", "b"]])
    assert list(scanned.counts().items()) == [("b", 3), ("a", 2), ("c", 1)]
    np.testing.assert_array_equal(scanned.ids, [0, 1, 0, 2, 1, 0])


def test_memory_mapped_scan_equals_in_memory(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT * 20, encoding="utf-8")
    vocab_a, enc_a = _one_pass(str(path), 1, 10_000)
    vocab_b, enc_b = _one_pass(str(path), 1, 10_000, memmap_threshold=10)
    assert isinstance(enc_b.ids, np.ndarray)
    np.testing.assert_array_equal(enc_a.ids, enc_b.ids)
    np.testing.assert_array_equal(enc_a.sentence_starts, enc_b.sentence_starts)


def test_a_vocabulary_that_misses_every_token_is_refused():
    scanned = scan_corpus([["x", "y"]])
    other = vocab_from_counts(scan_corpus([["a"]]).counts(), 1, 1)
    with pytest.raises(CorpusError, match="No token of the corpus is in the vocabulary"):
        scanned.encode(other)


def test_a_block_counts_each_sentences_kept_tokens_even_around_empty_ones():
    from w2v.corpus_scan import ScannedCorpus

    rng = np.random.default_rng(0)
    drop = np.iinfo(np.uint32).max
    for _ in range(300):
        lengths = rng.integers(0, 4, rng.integers(1, 8))  # some sentences empty
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        scanned = ScannedCorpus.__new__(ScannedCorpus)
        scanned.ids = rng.integers(0, 5, starts[-1]).astype(np.uint32)
        to_vocab = np.where(rng.random(5) < 0.5, np.arange(5), drop).astype(np.uint32)
        for block in (starts, starts[1:]):  # from the corpus's start, and from inside it
            if len(block) < 2:
                continue
            kept, counts = scanned._encode_block(to_vocab, block)
            pieces = [to_vocab[scanned.ids[a:b]]
                      for a, b in zip(block[:-1], block[1:], strict=True)]
            assert counts.tolist() == [int((p != drop).sum()) for p in pieces]
            assert kept.tolist() == [int(i) for p in pieces for i in p if i != drop]
