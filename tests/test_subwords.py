"""The subword vocabulary: fastText's n-grams and hash, row for row."""

from __future__ import annotations

import pytest

from fasttext_peer import WORDS, train_fasttext
from w2v.errors import ConfigError
from w2v.subwords import (
    build_subword_index,
    fasttext_hash,
    ngram_rows,
    word_ngrams,
)


def test_hash_of_known_strings():
    # FNV-1a 32 of the empty string is the offset basis; "a" by hand: (basis ^ 0x61) * prime
    assert fasttext_hash(b"") == 2166136261
    assert fasttext_hash(b"a") == ((2166136261 ^ 0x61) * 16777619) % 2**32


def test_hash_sign_extends_high_bytes():
    # A byte >= 0x80 is XORed as a signed char: 0xE9 as 0xFFFFFFE9, not 0x000000E9.
    unsigned = ((2166136261 ^ 0xE9) * 16777619) % 2**32
    signed = ((2166136261 ^ 0xFFFFFFE9) * 16777619) % 2**32
    assert fasttext_hash(b"\xe9") == signed != unsigned


def test_ngrams_in_fasttext_order():
    assert word_ngrams("cat", 3, 4) == ["<ca", "<cat", "cat", "cat>", "at>"]
    # a whole "<w>" of at most max_n characters is an n-gram; lone boundary marks never are
    assert word_ngrams("a", 1, 3) == ["<a", "<a>", "a", "a>"]
    # characters, not bytes: "é" is one character of two bytes
    assert word_ngrams("é", 2, 2) == ["<é", "é>"]
    assert word_ngrams("</s>", 3, 6) == []


def test_index_equals_python_rows():
    index = build_subword_index(WORDS, 3, 6, 1000)
    for i, word in enumerate(WORDS):
        expected = [i, *ngram_rows(word, 3, 6, 1000, len(WORDS))]
        assert index.of(i).tolist() == expected
        assert index.ids_of(word, None).tolist() == expected[1:]
    assert index.rows == len(WORDS) + 1000


def test_no_ngrams_when_max_n_is_zero():
    index = build_subword_index(WORDS, 3, 0, 1000)
    assert index.ids.tolist() == list(range(len(WORDS)))


@pytest.mark.parametrize("bad", [{"min_n": -1}, {"bucket": 2**31}, {"max_n": 2.5}])
def test_bad_options_are_refused(bad):
    options = {"min_n": 3, "max_n": 6, "bucket": 100, **bad}
    with pytest.raises(ConfigError, match=next(iter(bad))):
        build_subword_index(WORDS, **options)


@pytest.mark.parametrize(("minn", "maxn", "bucket"), [(3, 6, 2000), (1, 3, 97), (2, 5, 50_000)])
def test_rows_equal_fasttext(tmp_path, minn, maxn, bucket):
    model = train_fasttext(tmp_path, minn=minn, maxn=maxn, bucket=bucket)
    words = list(model.words)  # fastText's own vocabulary order, "</s>" included
    index = build_subword_index(words, minn, maxn, bucket)
    for i, word in enumerate(words):
        assert index.of(i).tolist() == model.get_subwords(word)[1].tolist(), word
    for unseen in ["CATÉ", "日本", "ZZzz", "übermäßig", "X"]:  # capitals: not in the corpus
        assert model.get_word_id(unseen) == -1
        assert index.ids_of(unseen, None).tolist() == model.get_subwords(unseen)[1].tolist()
        assert word_ngrams(unseen, minn, maxn) == model.get_subwords(unseen)[0]
