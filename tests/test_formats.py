"""Vector file formats: round trips, interoperability with gensim, variants, malformed files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from w2v.errors import FormatError, InputNotFoundError
from w2v.formats import detect_format, load_vectors, save_vectors
from w2v.vectors import Vectors

gensim_models = pytest.importorskip("gensim.models")

KEYS = ["the", "of", "König", "naïve", "日本", "x_y", "A"]


@pytest.fixture
def vectors() -> Vectors:
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((len(KEYS), 5)).astype(np.float32)
    matrix[0, 0] = 1e-30  # extreme values must survive the text format exactly
    matrix[1, 1] = -3.4e38
    return Vectors(KEYS, matrix)


def assert_equal_vectors(a: Vectors, b: Vectors) -> None:
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))


@pytest.mark.parametrize(("format", "name"), [("text", "v.txt"), ("binary", "v.bin"),
                                              ("native", "v_native")])
def test_round_trip_is_exact(tmp_path, vectors, format, name):
    path = tmp_path / name
    vectors.save(path, format=format)
    assert detect_format(path) == format
    assert_equal_vectors(Vectors.load(path), vectors)
    assert_equal_vectors(Vectors.load(path, format=format), vectors)
    limited = Vectors.load(path, limit=3)
    assert limited.index_to_key == KEYS[:3] and limited.vectors.shape == (3, 5)


def test_content_sniffing_without_extension(tmp_path, vectors):
    vectors.save(tmp_path / "as_text", format="text")
    vectors.save(tmp_path / "as_binary", format="binary")
    assert detect_format(tmp_path / "as_text") == "text"
    assert detect_format(tmp_path / "as_binary") == "binary"
    assert_equal_vectors(Vectors.load(tmp_path / "as_binary"), vectors)


def test_native_is_memory_mapped_and_has_a_versioned_header(tmp_path, vectors):
    vectors.save(tmp_path / "nat", format="native")
    loaded = Vectors.load(tmp_path / "nat")
    assert isinstance(loaded.vectors, np.memmap)
    header = (tmp_path / "nat" / "w2v.json").read_text()
    assert '"version": 1' in header and '"format": "w2v-native"' in header
    (tmp_path / "nat" / "w2v.json").unlink()
    with pytest.raises(FormatError, match="w2v.json is missing"):
        Vectors.load(tmp_path / "nat")


@pytest.mark.parametrize("binary", [False, True])
def test_our_files_load_in_gensim(tmp_path, vectors, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    vectors.save(path, format="binary" if binary else "text")
    kv = gensim_models.KeyedVectors.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == KEYS
    np.testing.assert_array_equal(kv.vectors, vectors.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_files_load_in_ours(tmp_path, vectors, binary):
    kv = gensim_models.KeyedVectors(5)
    kv.add_vectors(KEYS, vectors.vectors)
    path = tmp_path / "g.model"
    kv.save_word2vec_format(path, binary=binary)
    loaded = Vectors.load(path)  # no extension: the format is sniffed
    assert_equal_vectors(loaded, vectors)


def _word2vec_c_binary(rows, newline: bool, header: str | None = None) -> bytes:
    """Bytes as word2vec.c writes them (newline after each row) or without that newline."""
    dim = len(rows[0][1])
    out = (header or f"{len(rows)} {dim}\n").encode()
    for word, values in rows:
        out += word.encode() + b" " + struct.pack(f"<{dim}f", *values) + (b"\n" if newline else b"")
    return out


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_c_binary_with_and_without_row_newline(tmp_path, newline):
    rows = [("</s>", [0.5, -1.0]), ("a", [1.0, 2.0]), ("b", [3.0, 4.0])]
    path = tmp_path / "w2v_c.bin"
    path.write_bytes(_word2vec_c_binary(rows, newline))
    loaded = Vectors.load(path)
    assert loaded.index_to_key == ["</s>", "a", "b"]
    np.testing.assert_array_equal(loaded.vectors, [[0.5, -1.0], [1.0, 2.0], [3.0, 4.0]])
    kv = gensim_models.KeyedVectors.load_word2vec_format(path, binary=True)
    np.testing.assert_array_equal(kv.vectors, loaded.vectors)


def test_text_variants_trailing_spaces_crlf_fasttext_vec(tmp_path):
    path = tmp_path / "ft.vec"
    path.write_bytes(b"2 3\r\nhello 0.1 0.2 0.3 \r\nworld -1 2e-3 4 \r\n")
    loaded = Vectors.load(path)
    assert loaded.index_to_key == ["hello", "world"]
    np.testing.assert_allclose(loaded.vectors, [[0.1, 0.2, 0.3], [-1, 2e-3, 4]], rtol=1e-7)


def test_glove_file_without_header(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text("the 0.1 0.2 0.3\n, 1 2 3\nof 4 5 6\n")
    with pytest.raises(FormatError, match="say so with the 'header' parameter"):
        Vectors.load(path)
    loaded = Vectors.load(path, header=False)
    assert loaded.index_to_key == ["the", ",", "of"] and loaded.vectors.shape == (3, 3)
    assert Vectors.load(path, header=False, limit=2).index_to_key == ["the", ","]


@pytest.mark.parametrize(("content", "message"), [
    (b"2 3\na 1 2 3\nb 1 2\n", r"line 3: expected a word and 3 numbers \(4 columns\), got 3"),
    (b"3 2\na 1 2\nb 1 2\n", "header says 3 words but the file has 2 rows"),
    (b"1 2\na 1 2\nb 1 2\n", "line 3: the header says 1 words but the file has more rows"),
    (b"2 2\na 1 2\nb 1 x\n", "line 3: non-numeric value"),
    (b"2 2\na 1 2\na 3 4\n", "line 3: duplicate word 'a' \\(first at line 2\\)"),
    (b"", "empty"),
])
def test_malformed_text_files_name_the_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message) as info:
        Vectors.load(path)
    if content:
        assert str(path) in str(info.value)


def test_malformed_binary_files_name_the_byte_offset(tmp_path):
    good = _word2vec_c_binary([("a", [1.0, 2.0]), ("b", [3.0, 4.0])], newline=True)
    path = tmp_path / "bad.bin"
    path.write_bytes(good[:-5])
    with pytest.raises(FormatError, match=r"byte 15: truncated row 2 of 2"):
        Vectors.load(path)
    path.write_bytes(_word2vec_c_binary([("a", [1.0, 2.0]), ("a", [3.0, 4.0])], newline=True))
    with pytest.raises(FormatError, match="duplicate word 'a'"):
        Vectors.load(path)
    path.write_bytes(good + b"extra 1234567890")
    with pytest.raises(FormatError, match="header says 2 words but 16 more bytes"):
        Vectors.load(path)
    path.write_bytes(b"not a header\n")
    with pytest.raises(FormatError, match="line 1: expected a header 'V D'"):
        Vectors.load(path, format="binary")


def test_lying_header_and_wrong_kind_of_path(tmp_path, vectors):
    path = tmp_path / "lying.bin"
    path.write_bytes(b"99999999 99999\na " + b"\0" * 40)
    with pytest.raises(FormatError, match="header says 99999999 words of 99999 dimensions"):
        Vectors.load(path)  # refused before allocating 40 TB
    vectors.save(tmp_path / "nat", format="native")
    with pytest.raises(FormatError, match="is a folder, but the text format is a file"):
        Vectors.load(tmp_path / "nat", format="text")
    with pytest.raises(FormatError, match="is a file, but the native format is a folder"):
        Vectors.load(path, format="native")


def test_corrupt_native_parts_are_format_errors(tmp_path, vectors):
    vectors.save(tmp_path / "nat", format="native")
    (tmp_path / "nat" / "vocab.txt").write_bytes(b"\xff\xfe")
    with pytest.raises(FormatError, match="vocab.txt: not UTF-8"):
        Vectors.load(tmp_path / "nat")
    (tmp_path / "nat" / "vectors.npy").write_bytes(b"\x93NUMPY\x01\x00{'descr")
    with pytest.raises(FormatError, match="vectors.npy: not a NumPy .npy matrix"):
        Vectors.load(tmp_path / "nat")


def test_failed_native_write_removes_the_folder_it_made(tmp_path, vectors, monkeypatch):
    import os

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        vectors.save(tmp_path / "nat", format="native")
    assert not (tmp_path / "nat").exists()


def test_invalid_utf8_word_can_be_replaced(tmp_path):
    path = tmp_path / "trunc.bin"
    path.write_bytes(b"1 1\n\xe6\x97 " + struct.pack("<f", 1.0) + b"\n")
    with pytest.raises(FormatError, match="not valid UTF-8"):
        Vectors.load(path)
    assert Vectors.load(path, unicode_errors="replace").index_to_key == ["\ufffd"]


def test_unsavable_words_and_missing_files(tmp_path):
    bad = Vectors(["two words"], np.zeros((1, 2), dtype=np.float32))
    with pytest.raises(FormatError, match="whitespace"):
        bad.save(tmp_path / "x.txt")
    assert not list(tmp_path.iterdir())  # nothing half-written left behind
    bad.save(tmp_path / "nat", format="native")  # the native format allows spaces
    assert Vectors.load(tmp_path / "nat").index_to_key == ["two words"]
    with pytest.raises(InputNotFoundError):
        Vectors.load(tmp_path / "missing.txt")
    with pytest.raises(FormatError, match="'format' parameter"):
        save_vectors(bad, tmp_path / "y", format="pickle")


def test_overwrite_native_and_load_vectors_alias(tmp_path, vectors):
    vectors.save(tmp_path / "nat", format="native")
    smaller = Vectors(KEYS[:2], vectors.vectors[:2])
    smaller.save(tmp_path / "nat", format="native")
    assert_equal_vectors(load_vectors(tmp_path / "nat"), smaller)


hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")

_word = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                min_size=1, max_size=8).filter(lambda w: not any(c.isspace() for c in w))


@hypothesis.settings(max_examples=25, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(words=st.lists(_word, min_size=1, max_size=6, unique=True),
                  dim=st.integers(1, 4), data=st.data())
@pytest.mark.parametrize("format", ["text", "binary", "native"])
def test_any_words_and_floats_round_trip_exactly(tmp_path, format, words, dim, data):
    floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
    matrix = np.array(data.draw(st.lists(st.lists(floats, min_size=dim, max_size=dim),
                                         min_size=len(words), max_size=len(words))),
                      dtype=np.float32)
    original = Vectors(words, matrix)
    path = tmp_path / f"round_trip_{format}"
    original.save(path, format=format)
    assert_equal_vectors(Vectors.load(path, format=format), original)


def test_native_folders_keep_the_words_attributes(tmp_path):
    from w2v.vectors import Vectors

    rng = np.random.default_rng(0)
    vectors = Vectors(["a", "b", "c"], rng.standard_normal((3, 4)).astype(np.float32))
    vectors.expandos["count"] = np.array([30, 20, 10])
    vectors.set_vecattr("b", "tag", "noun, plural")
    vectors.set_vecattr("c", "weight", 0.5)
    vectors.save(tmp_path / "nat", format="native")
    loaded = Vectors.load(tmp_path / "nat")
    assert [loaded.get_vecattr(w, "count") for w in "abc"] == [30, 20, 10]
    assert [loaded.get_vecattr(w, "tag") for w in "abc"] == [0, "noun, plural", 0]
    assert loaded.get_vecattr("c", "weight") == 0.5
    assert Vectors.load(tmp_path / "nat", limit=2).expandos["count"].tolist() == [30, 20]
    loaded.set_vecattr("a", "tag", "a longer text than any saved one")  # any length again
    assert loaded.get_vecattr("a", "tag") == "a longer text than any saved one"


def test_native_attributes_that_need_pickle_are_left_out_with_a_warning(tmp_path):
    from w2v.vectors import Vectors

    vectors = Vectors(["a", "b"], np.ones((2, 3), dtype=np.float32))
    vectors.set_vecattr("a", "thing", {"a", "set"})  # JSON has no sets
    vectors.expandos["count"] = np.array([2, 1])
    with pytest.warns(UserWarning, match="'thing' is not saved"):
        vectors.save(tmp_path / "nat", format="native")
    loaded = Vectors.load(tmp_path / "nat")
    assert "thing" not in loaded.expandos and loaded.get_vecattr("a", "count") == 2


def test_a_native_folder_without_or_with_damaged_attributes(tmp_path):
    import json

    from w2v.errors import FormatError
    from w2v.vectors import Vectors

    Vectors(["a", "b"], np.ones((2, 3), dtype=np.float32)).save(tmp_path / "old",
                                                                 format="native")
    header = json.loads((tmp_path / "old" / "w2v.json").read_text())
    assert "attributes" not in header and not (tmp_path / "old" / "attributes.npz").exists()
    assert Vectors.load(tmp_path / "old").get_vecattr("a", "count") == 2  # gensim's stand-in
    header["attributes"] = ["count"]
    (tmp_path / "old" / "w2v.json").write_text(json.dumps(header))
    with pytest.raises(FormatError, match="attributes.npz: cannot read the attributes"):
        Vectors.load(tmp_path / "old")
    np.savez(tmp_path / "old" / "attributes.npz", count=np.array([1, 2, 3]))
    with pytest.raises(FormatError, match="'count' should hold 2 numbers"):
        Vectors.load(tmp_path / "old")
    header["attributes"], header["object_attributes"] = [], ["tag"]
    (tmp_path / "old" / "w2v.json").write_text(json.dumps(header))
    (tmp_path / "old" / "attributes.json").write_text('{"tag": ["x"]}')
    with pytest.raises(FormatError, match="'tag' should hold 2 values"):
        Vectors.load(tmp_path / "old")
