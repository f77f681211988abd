"""The compiled corpus scan (w2v.corpus_tokens) gives the Python scan's tokens, ids and stats."""

from __future__ import annotations

import bz2
import gzip
import sys
import warnings

import numpy as np
import pytest

import w2v.corpus
import w2v.corpus_tokens
from w2v.corpus import InvalidUTF8Warning
from w2v.corpus_scan import scan_corpus
from w2v.corpus_tokens import TokenTable, worth_compiling

SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def _scan(source, max_len, compiled, monkeypatch):
    monkeypatch.setattr(w2v.corpus_tokens, "MIN_BYTES", 0 if compiled else 1 << 60)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scanned = scan_corpus(str(source), max_len)
    return scanned, [str(w.message) for w in caught if w.category is InvalidUTF8Warning]


def _same_scans(source, max_len, monkeypatch):
    python, python_warnings = _scan(source, max_len, False, monkeypatch)
    compiled, compiled_warnings = _scan(source, max_len, True, monkeypatch)
    assert compiled.words == python.words
    np.testing.assert_array_equal(compiled.ids, python.ids)
    np.testing.assert_array_equal(compiled.sentence_starts, python.sentence_starts)
    assert compiled.stats == python.stats
    assert compiled_warnings == python_warnings
    return compiled


def _awkward_text(rng):
    """Words of ASCII, accents, CJK and emoji joined by every kind of Unicode space, with
    empty lines, lines of spaces only, and one very long token."""
    words = ["the", "cat", "é", "naïve", "日本", "😀x", "a\u200bb"]
    pieces = []
    for _ in range(4_000):
        pieces.append(words[rng.integers(len(words))] + str(rng.integers(50)))
        pieces.append(SPACES[rng.integers(len(SPACES))] * int(rng.integers(1, 3)))
    pieces.insert(1_000, "x" * 300_000 + " ")  # longer than the table's first store
    return "".join(pieces) + "\n\n \n" + "tail"


def test_every_unicode_space_splits_as_str_split():
    from w2v.engines.token_kernels import space_length

    for c in range(sys.maxunicode + 1):
        if 0xD800 <= c <= 0xDFFF:
            continue  # surrogates: never in decoded text
        data = np.frombuffer((chr(c) + "a").encode("utf-8"), dtype=np.uint8)
        width = space_length(data, 0, len(data))
        assert width == (len(chr(c).encode("utf-8")) if chr(c).isspace() else 0), hex(c)


@pytest.mark.parametrize("max_len", [1, 7, 10_000])
def test_compiled_scan_equals_python_scan(tmp_path, monkeypatch, max_len):
    # small chunks: tokens, spaces and sentences cross chunk boundaries
    monkeypatch.setattr(w2v.corpus, "CHUNK_BYTES", 4_099)
    text = _awkward_text(np.random.default_rng(max_len))
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    scanned = _same_scans(tmp_path / "c.txt", max_len, monkeypatch)
    assert "x" * 300_000 in scanned.words and len(scanned.sentence_starts) > 2


def test_a_folder_of_compressed_files_with_bad_bytes_and_a_bom(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt.gz").write_bytes(gzip.compress(b"one two\nthree one"))
    (folder / "b.txt.bz2").write_bytes(bz2.compress(b"\xef\xbb\xbfone \xff\xfe two\r\n"))
    (folder / "c.txt").write_bytes(b"no newline at the end")
    scanned = _same_scans(folder, 10_000, monkeypatch)
    assert scanned.stats.files == 3 and scanned.stats.invalid_bytes == 2
    assert scanned.words[:3] == ["one", "two", "three"] and "\ufffd\ufffd" in scanned.words
    # a sentence never continues into the next file
    assert np.diff(scanned.sentence_starts).tolist() == [2, 2, 3, 5]


def test_the_table_grows_past_its_first_size():
    table = TokenTable(max_sentence_length=10)
    words = [f"w{i}" for i in range(100_000)]  # past 16,384 ids and 65,536 slots
    ids, ends = table.feed(" ".join(words) + "\n" + " ".join(words[::-1]) + " ")
    assert table.words() == words
    np.testing.assert_array_equal(ids, np.r_[np.arange(100_000), np.arange(100_000)[::-1]])
    assert ends.tolist() == [10] * 20_000 and table.end_file() == 0


def test_small_corpora_keep_the_python_scan(tmp_path):
    (tmp_path / "small.txt").write_text("a b c\n")
    assert not worth_compiling(tmp_path / "small.txt")
    big = tmp_path / "big"
    big.mkdir()
    for name in ("x.txt", "y.txt"):  # together past the threshold
        (big / name).write_bytes(b"a " * (w2v.corpus_tokens.MIN_BYTES // 3))
    assert worth_compiling(big)


def test_a_compressed_corpus_counts_its_text(tmp_path, monkeypatch):
    """The threshold is about text: a gzip file 3x smaller than it still holds enough."""
    text = " ".join(f"w{i % 5000}" for i in range(200_000)).encode()
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(text))
    (tmp_path / "plain.txt").write_bytes(text)
    packed = (tmp_path / "c.txt.gz").stat().st_size
    assert packed * 3 < len(text)
    monkeypatch.setattr(w2v.corpus_tokens, "MIN_BYTES", packed * 2)
    assert worth_compiling(tmp_path / "c.txt.gz")
    assert worth_compiling(tmp_path / "plain.txt")
    monkeypatch.setattr(w2v.corpus_tokens, "MIN_BYTES", packed * 4)
    assert not worth_compiling(tmp_path / "c.txt.gz")
