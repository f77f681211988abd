"""fastText's .bin: read what fastText writes, write what fastText reads, refuse damaged files."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import numpy as np
import pytest

from fasttext_peer import corpus_file, train_fasttext
from w2v.errors import ConfigError, FormatError
from w2v.formats import load_vectors
from w2v.formats.fasttext_bin import read_fasttext_bin
from w2v.subword_vectors import SubwordVectors
from w2v.training import train
from w2v.vectors import Vectors

# fastText sums float32 rows in order; we sum in float64 (OOV) or in float32 by row.
RTOL, ATOL = 1e-5, 1e-6
UNSEEN = ["CATÉ", "日本", "ZZzz", "übermäßig", "Москвы", "walkers"]


def _assert_same_vectors(ours, peer, words):
    for word in words:
        np.testing.assert_allclose(ours[word], peer.get_word_vector(word), rtol=RTOL,
                                   atol=ATOL, err_msg=word)


@pytest.fixture(scope="module")
def peer_bin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ft")
    model = train_fasttext(folder, minn=2, maxn=5, bucket=3000)
    path = folder / "model.bin"
    model.save_model(str(path))
    return model, path


def test_fasttext_model_reads_as_subword_vectors(peer_bin):
    model, path = peer_bin
    vectors = load_vectors(path)  # detected by its magic number
    assert isinstance(vectors, SubwordVectors)
    assert vectors.index_to_key == list(model.words)
    assert (vectors.min_n, vectors.max_n, vectors.bucket) == (2, 5, 3000)
    np.testing.assert_array_equal(vectors.input_table, model.get_input_matrix())
    np.testing.assert_array_equal(vectors.output_vectors, model.get_output_matrix())
    _assert_same_vectors(vectors, model, list(model.words))
    assert not any(w in vectors for w in UNSEEN)
    _assert_same_vectors(vectors, model, UNSEEN)


def test_unseen_word_queries_on_a_fasttext_model(peer_bin):
    model, path = peer_bin
    vectors = Vectors.load(path)
    neighbours = vectors.most_similar("CATÉ", topn=3)
    query = model.get_word_vector("CATÉ").astype(np.float64)
    rows = np.stack([model.get_word_vector(w) for w in model.words]).astype(np.float64)
    cosines = rows @ query / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    # The best cosine over the whole vocabulary (no query word to exclude); compared by
    # value, since two words of this tiny model may tie to float32 precision.
    first = vectors.index_to_key.index(neighbours[0][0])
    assert cosines[first] == pytest.approx(cosines.max(), abs=1e-5)
    assert neighbours[0][1] == pytest.approx(cosines.max(), abs=1e-5)
    cafe = rows[list(model.words).index("café")]
    assert vectors.similarity("CATÉ", "café") == pytest.approx(
        float(query @ cafe) / (np.linalg.norm(query) * np.linalg.norm(cafe)), rel=1e-5)


def test_a_w2v_model_round_trips_through_fasttext(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    sentences = corpus_file(tmp_path).read_text(encoding="utf-8").split("\n")
    model = train([s.split() for s in sentences if s], subwords=True, min_n=2, max_n=5,
                  bucket=4000, vector_size=8, epochs=1, workers=1, min_count=1)
    path = tmp_path / "w2v.bin"
    model.save(path, format="fasttext")
    peer = fasttext.load_model(str(path))
    assert list(peer.words) == model.vectors.index_to_key
    np.testing.assert_array_equal(peer.get_input_matrix(), model.vectors.input_table)
    np.testing.assert_array_equal(peer.get_output_matrix(), model.output_vectors)
    _assert_same_vectors(model.vectors, peer, model.vectors.index_to_key[:50] + UNSEEN)
    again = load_vectors(path)
    np.testing.assert_array_equal(again.vectors, model.vectors.vectors)


def test_a_w2v_hs_model_is_fasttexts_loss_hs_model(tmp_path):
    # Hierarchical softmax alone is fastText's -loss hs: its output rows are the tree's
    # inner nodes (fastText numbers them as w2v does) and one unused row.
    fasttext = pytest.importorskip("fasttext")
    sentences = corpus_file(tmp_path).read_text(encoding="utf-8").split("\n")
    model = train([s.split() for s in sentences if s], subwords=True, hs=True, negative=0,
                  min_n=2, max_n=5, bucket=4000, vector_size=8, epochs=1, workers=1,
                  min_count=1)
    path = tmp_path / "w2v.bin"
    model.save(path, format="fasttext")
    peer = fasttext.load_model(str(path))
    assert peer.f.getArgs().loss.name == "hs"
    output = peer.get_output_matrix()
    np.testing.assert_array_equal(output[:-1], model.hs_vectors)
    np.testing.assert_array_equal(output[-1], 0.0)
    _assert_same_vectors(model.vectors, peer, model.vectors.index_to_key[:50] + UNSEEN)
    peer.save_model(str(tmp_path / "again.bin"))  # fastText writes back the same file
    assert (tmp_path / "again.bin").read_bytes() == path.read_bytes()


def test_fasttext_cli_output_reads(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    binary = os.environ.get("W2V_FASTTEXT_BIN") or shutil.which("fasttext")
    if not binary or not os.access(binary, os.X_OK):
        pytest.skip("the fastText CLI is not available (set W2V_FASTTEXT_BIN)")
    corpus = corpus_file(tmp_path)
    subprocess.run([binary, "cbow", "-input", str(corpus), "-output", str(tmp_path / "cli"),
                    "-dim", "6", "-minCount", "1", "-minn", "3", "-maxn", "4", "-bucket", "500",
                    "-epoch", "1", "-thread", "1", "-verbose", "0"], check=True, timeout=120)
    vectors = load_vectors(tmp_path / "cli.bin")
    peer = fasttext.load_model(str(tmp_path / "cli.bin"))
    _assert_same_vectors(vectors, peer, list(peer.words) + UNSEEN)


def test_plain_word_vectors_have_no_fasttext_form(tmp_path):
    plain = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    with pytest.raises(FormatError, match="subword model"):
        plain.save(tmp_path / "v.bin", format="fasttext")
    assert not (tmp_path / "v.bin").exists()


def test_limit_is_refused_for_a_fasttext_model(peer_bin):
    with pytest.raises(ConfigError, match="limit"):
        load_vectors(peer_bin[1], limit=3)


def _offsets(path):
    """Byte offsets inside each part of a .bin: args, dictionary, matrices."""
    size = path.stat().st_size
    return [9, 40, 70, 100, size // 3, size - 200, size - 1]


def test_truncated_files_name_the_file_and_the_offset(peer_bin, tmp_path):
    _, path = peer_bin
    data = path.read_bytes()
    for cut in _offsets(path):
        broken = tmp_path / f"cut{cut}.bin"
        broken.write_bytes(data[:cut])
        with pytest.raises(FormatError, match=f"cut{cut}.bin.*byte") as error:
            read_fasttext_bin(broken)
        assert "truncated" in str(error.value) or "ends inside" in str(error.value)


def test_foreign_and_unsupported_files_are_refused(peer_bin, tmp_path):
    _, path = peer_bin
    data = bytearray(path.read_bytes())
    newer = tmp_path / "newer.bin"
    newer.write_bytes(bytes(data[:4]) + struct.pack("<i", 99) + bytes(data[8:]))
    with pytest.raises(FormatError, match="version 99"):
        load_vectors(newer)
    trailing = tmp_path / "trailing.bin"
    trailing.write_bytes(bytes(data) + b"junk")
    with pytest.raises(FormatError, match="follow the output matrix"):
        load_vectors(trailing)
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b"\0" * 64)
    with pytest.raises(FormatError, match="not a fastText model"):
        read_fasttext_bin(foreign)


def _unmarked(data: bytes, nwords: int) -> bytes:
    """A version-12 file as fastText wrote files before it marked them (version 0): no magic
    number and version, no pruned-index size, no quantization flags."""
    args_end = 8 + 56
    header = data[args_end:args_end + 28]  # int32 size, nwords, nlabels; int64 ntokens, pruned
    entries_start = args_end + 28
    offset = entries_start
    for _ in range(nwords):  # word bytes, NUL, int64 count, int8 type
        offset = data.index(b"\0", offset) + 1 + 9
    input_rows, dim = struct.unpack("<qq", data[offset + 1:offset + 17])
    input_end = offset + 17 + input_rows * dim * 4
    return (data[8:args_end] + header[:20] + data[entries_start:offset]
            + data[offset + 1:input_end] + data[input_end + 1:])


def test_files_older_than_the_magic_number_read(peer_bin, tmp_path):
    """An unmarked file (version 0, such as gensim's test model lee_fasttext.bin) reads to
    the same model as the marked one."""
    model, path = peer_bin
    old = tmp_path / "old.bin"
    old.write_bytes(_unmarked(path.read_bytes(), len(model.words)))
    stored = read_fasttext_bin(old)
    assert stored.version == 0
    again = read_fasttext_bin(path)
    assert stored.words == again.words and stored.args == again.args
    np.testing.assert_array_equal(stored.input_matrix, again.input_matrix)
    np.testing.assert_array_equal(stored.output_matrix, again.output_matrix)
    vectors = load_vectors(old)  # sniffed as fastText by its arguments
    assert isinstance(vectors, SubwordVectors)
    _assert_same_vectors(vectors, model, UNSEEN)
    # anything else of 56 bytes is not taken for such a file
    for other in (b"\0" * 64, b"3 2\na 0.1 0.2\nb 0.3 0.4\n" * 4, struct.pack("<14i", *[7] * 14)):
        (tmp_path / "x.bin").write_bytes(other)
        with pytest.raises(FormatError):
            read_fasttext_bin(tmp_path / "x.bin")


def test_gensims_old_test_model_reads_as_gensim_reads_it():
    gensim_utils = pytest.importorskip("gensim.test.utils")
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_utils.datapath("lee_fasttext.bin")
    if not os.path.exists(path):
        pytest.skip("gensim's test data is not installed")
    ours, theirs = load_vectors(path), load_facebook_vectors(path)
    assert ours.index_to_key == theirs.index_to_key
    for word in ("night", "nightzz", "unseenword"):
        np.testing.assert_allclose(ours[word], theirs[word], atol=1e-6)
