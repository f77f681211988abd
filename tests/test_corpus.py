"""Corpus reading: tokenisation, long lines, compression, folders, invalid UTF-8, encoding."""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pytest

from w2v import corpus as corpus_mod
from w2v.corpus import InvalidUTF8Warning, encode_corpus, iter_sentences, sentences_from
from w2v.errors import CorpusError, InputNotFoundError
from w2v.vocab import build_vocab


def test_whitespace_and_newlines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a  b\tc\n\n d e \r\nf")
    assert list(iter_sentences(path)) == [["a", "b", "c"], ["d", "e"], ["f"]]


@pytest.mark.parametrize("opener", [open, gzip.open, bz2.open])
def test_compressed_files_read_alike(tmp_path, opener):
    suffix = {open: ".txt", gzip.open: ".gz", bz2.open: ".bz2"}[opener]
    path = tmp_path / f"c{suffix}"
    with opener(path, "wb") as f:
        f.write(b"the cat sat\non the mat\n")
    assert list(iter_sentences(path)) == [["the", "cat", "sat"], ["on", "the", "mat"]]


def test_long_line_split_without_dropping_tokens(tmp_path, monkeypatch):
    # Small chunks force tokens to straddle chunk boundaries.
    monkeypatch.setattr(corpus_mod, "CHUNK_BYTES", 7)
    words = [f"w{i}" for i in range(2503)]
    path = tmp_path / "one_line.txt"
    path.write_text(" " + " ".join(words))  # text8 shape: leading space, no newline
    pieces = list(iter_sentences(path, max_sentence_length=1000))
    assert [len(p) for p in pieces] == [1000, 1000, 503]
    assert sum(pieces, []) == words


def test_folder_reads_files_in_order_and_skips_hidden(tmp_path):
    (tmp_path / "b.txt").write_text("two\n")
    (tmp_path / "a.txt").write_text("one\n")
    (tmp_path / ".hidden").write_text("no\n")
    assert list(iter_sentences(tmp_path)) == [["one"], ["two"]]


def test_invalid_utf8_is_replaced_counted_and_warned_once(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok caf\xe9 x\xff\xfe\nfine\n")
    stats = corpus_mod.CorpusStats()
    with pytest.warns(InvalidUTF8Warning, match="3 byte") as record:
        sentences = list(iter_sentences(path, stats=stats))
    assert len(record) == 1
    assert stats.invalid_bytes == 3
    assert sentences == [["ok", "caf\ufffd", "x\ufffd\ufffd"], ["fine"]]


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputNotFoundError, match="nope.txt"):
        list(iter_sentences(tmp_path / "nope.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="contains no files"):
        list(iter_sentences(tmp_path / "empty"))


def test_in_memory_sentences_are_checked_and_split():
    assert list(sentences_from([["a"] * 5], max_sentence_length=2)) == [["a", "a"]] * 2 + [["a"]]
    with pytest.raises(CorpusError, match="list of str"):
        list(sentences_from(["a b c"]))


def test_encode_corpus_ids_and_offsets(tmp_path):
    sentences = [["a", "b", "rare"], ["rare2"], ["b", "b", "a"]]
    vocab = build_vocab(sentences, min_count=2)
    enc = encode_corpus(sentences, vocab)
    assert vocab.words == ["b", "a"]
    assert enc.ids.dtype == np.uint32 and enc.sentence_starts.dtype == np.int64
    assert enc.ids.tolist() == [1, 0, 0, 0, 1]
    assert enc.sentence_starts.tolist() == [0, 2, 5]  # the all-rare sentence is dropped
    assert enc.raw_words == 7


def test_encode_corpus_memmap_matches_memory(tmp_path):
    sentences = [["a", "b", "c"]] * 100
    vocab = build_vocab(sentences, min_count=1)
    in_memory = encode_corpus(sentences, vocab)
    mapped = encode_corpus(sentences, vocab, memmap_threshold=10)
    np.testing.assert_array_equal(in_memory.ids, mapped.ids)
    np.testing.assert_array_equal(in_memory.sentence_starts, mapped.sentence_starts)


def test_a_token_longer_than_many_chunks_is_read_whole(tmp_path, monkeypatch):
    import w2v.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 64)
    path = tmp_path / "long_token.txt"
    token = "x" * 10_000
    path.write_text(f"a {token} b\nc d {token}", encoding="utf-8")
    assert list(corpus_module.iter_sentences(path)) == [["a", token, "b"], ["c", "d", token]]
