"""Bad vectors files: each gets one clear line, in the library and through the command line.

Real files throughout: compressed files made with the standard library, a real gensim pickle,
real FIFOs (``os.mkfifo``) and character devices (``/dev/zero``). The command-line cases check
the contract of tests/test_hostile_input.py: a non-zero exit, one line on stderr starting
``w2v: error:``, no traceback, nothing written, the input unchanged.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import lzma
import os
import stat
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from w2v.errors import ConfigError, FormatError, InputNotFoundError
from w2v.formats import describe_vectors, detect_format, load_vectors, save_vectors
from w2v.formats.word2vec_fields import MAX_WORD_BYTES
from w2v.vectors import Vectors

KEYS = ["the", "fox", "dog", "naïve"]


@pytest.fixture
def vectors() -> Vectors:
    matrix = np.random.default_rng(5).normal(size=(len(KEYS), 4)).astype(np.float32)
    return Vectors(KEYS, matrix)


def assert_same(a: Vectors, b: Vectors) -> None:
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(np.asarray(a.vectors), np.asarray(b.vectors))


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def word2vec_binary(rows: list[tuple[bytes, list[float]]], newline: bool) -> bytes:
    """Bytes of a binary file written word by word, as word2vec.c (newline) or gensim does."""
    dim = len(rows[0][1])
    out = f"{len(rows)} {dim}\n".encode()
    for word, values in rows:
        out += word + b" " + struct.pack(f"<{dim}f", *values) + (b"\n" if newline else b"")
    return out


def load_in_thread(path: Path, **options) -> BaseException | Vectors:
    """load_vectors in a thread; fails the test (and unblocks a FIFO) if it blocks."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(load_vectors(path, **options))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():
        for fifo in [path, *path.glob("*")] if path.is_dir() else [path]:
            if stat.S_ISFIFO(os.stat(fifo).st_mode):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the reader
        pytest.fail(f"load_vectors({path}) blocked")
    return outcome[0]


def make_fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("os.mkfifo is not available on this platform")
    os.mkfifo(path)
    return path


def char_device() -> Path:
    dev = Path("/dev/zero")
    if not dev.exists() or not stat.S_ISCHR(dev.stat().st_mode):
        pytest.skip("no /dev/zero character device here")
    return dev


# --- content first, the extension is a hint ----------------------------------------------------

def test_a_text_file_named_bin_loads_as_text(tmp_path, vectors):
    vectors.save(tmp_path / "v.txt", format="text")
    os.rename(tmp_path / "v.txt", tmp_path / "v.bin")
    assert detect_format(tmp_path / "v.bin") == "text"
    assert_same(load_vectors(tmp_path / "v.bin"), vectors)


def test_a_binary_file_named_txt_loads_as_binary(tmp_path, vectors):
    vectors.save(tmp_path / "v.bin", format="binary")
    os.rename(tmp_path / "v.bin", tmp_path / "v.txt")
    assert detect_format(tmp_path / "v.txt") == "binary"
    assert_same(load_vectors(tmp_path / "v.txt"), vectors)


COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize(("format", "name", "compress"), [
    ("text", "v.txt.gz", "gz"), ("binary", "v.bin.gz", "gz"), ("text", "v.vec.bz2", "bz2"),
    ("binary", "GoogleNews-like.bin.xz", "xz"), ("binary", "no_suffix", "gz"),
    ("text", "misleading.bin", "bz2"),
])
def test_compressed_files_are_read(tmp_path, vectors, format, name, compress):
    plain = tmp_path / "plain"
    vectors.save(plain, format=format)
    path = tmp_path / name
    path.write_bytes(COMPRESSORS[compress](plain.read_bytes()))
    assert detect_format(path) == format
    assert_same(load_vectors(path), vectors)
    assert load_vectors(path, limit=2).index_to_key == KEYS[:2]
    assert describe_vectors(path)["compression"] == {"gz": "gzip"}.get(compress, compress)


def test_a_plain_file_named_gz_is_read_as_plain(tmp_path, vectors):
    vectors.save(tmp_path / "v.txt.gz", format="text")  # written plain, whatever the name
    assert_same(load_vectors(tmp_path / "v.txt.gz"), vectors)


def test_a_big_compressed_binary_file_grows_its_matrix(tmp_path, monkeypatch):
    from w2v.formats import word2vec_binary

    monkeypatch.setattr(word2vec_binary, "_GROWTH_BYTES", 64)  # 4 rows of 4 floats at first
    many = Vectors([f"w{i}" for i in range(1000)],
                   np.arange(4000, dtype=np.float32).reshape(1000, 4))
    many.save(tmp_path / "v.bin", format="binary")
    (tmp_path / "v.bin.gz").write_bytes(gzip.compress((tmp_path / "v.bin").read_bytes()))
    assert_same(load_vectors(tmp_path / "v.bin.gz"), many)


@pytest.mark.parametrize("compress", ["gz", "bz2", "xz"])
def test_a_truncated_compressed_file_is_one_line(tmp_path, vectors, compress):
    vectors.save(tmp_path / "v.txt", format="text")
    data = COMPRESSORS[compress]((tmp_path / "v.txt").read_bytes() * 50)
    path = tmp_path / f"cut.txt.{compress}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="compressed vectors file .*cut.txt") as error:
        load_vectors(path)
    assert "truncated or corrupt" in one_line(error)


# --- recognisable non-vectors files ---------------------------------------------------------------

def _gensim_pickle(path: Path) -> None:
    models = pytest.importorskip("gensim.models")
    kv = models.KeyedVectors(4)
    kv.add_vectors(["a", "b"], np.ones((2, 4), dtype=np.float32))
    kv.save(str(path))


NOT_VECTORS = {
    "gensim.model": (_gensim_pickle, "Python pickle"),
    "vectors.npz": (lambda p: np.savez(p, vectors=np.ones((2, 3))), "zip archive"),
    "vectors.npy": (lambda p: np.save(p, np.ones((2, 3))), "bare NumPy .npy array"),
    "model.zst": (lambda p: p.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20), "zstd"),
    "pickle.pkl.gz": (lambda p: p.write_bytes(gzip.compress(b"\x80\x04\x95" + b"\0" * 30)),
                      "gzip-compressed file holding a Python pickle"),
}


def test_a_fasttext_model_forced_as_word2vec_says_what_it_is(tmp_path):
    # Detected, it is read as a fastText model (tests/test_fasttext_bin.py); forced as a
    # word2vec format, it is refused with the way to read it.
    path = tmp_path / "fasttext.bin"
    path.write_bytes(struct.pack("<ii", 793712314, 12) + b"\0" * 64)
    for options in ({"format": "text"}, {"format": "binary"}):
        with pytest.raises(FormatError, match="fastText model") as error:
            load_vectors(path, **options)
        assert "format='fasttext'" in one_line(error)


@pytest.mark.parametrize("name", sorted(NOT_VECTORS))
def test_recognisable_non_vectors_files_say_what_they_are(tmp_path, name):
    make, what = NOT_VECTORS[name]
    path = tmp_path / name
    make(path)
    for options in ({}, {"format": "text"}, {"format": "binary"}):
        with pytest.raises(FormatError, match=what) as error:
            load_vectors(path, **options)
        message = one_line(error)
        assert "w2v reads word2vec text and binary files" in message
        assert "line 1" not in message


def test_a_gensim_pickle_gets_the_way_out(tmp_path):
    _gensim_pickle(tmp_path / "m.model")
    with pytest.raises(FormatError, match="save_word2vec_format"):
        load_vectors(tmp_path / "m.model")


# --- text details --------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [True, False])
def test_a_utf8_bom_is_skipped(tmp_path, header):
    path = tmp_path / "bom.txt"
    body = "the 1 2\nfox 3 4\n"
    path.write_bytes(b"\xef\xbb\xbf" + ((("2 2\n" if header else "") + body).encode()))
    loaded = load_vectors(path, header=header)
    assert loaded.index_to_key == ["the", "fox"]
    assert detect_format(path, header=header) == "text"


def test_line_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_bytes(b"2 2\n\n\na 1 2\n\nb 1\n")
    with pytest.raises(FormatError, match="line 6: expected a word and 2 numbers"):
        load_vectors(path)


def test_a_line_without_end_is_refused_before_filling_memory(tmp_path, monkeypatch):
    from w2v.formats import word2vec_text

    monkeypatch.setattr(word2vec_text, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.txt.gz"
    path.write_bytes(gzip.compress(b"1 2\n" + b"x" * 5000))
    with pytest.raises(FormatError, match="line 2: longer than"):
        load_vectors(path)


# --- invalid UTF-8 --------------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["text", "binary"])
def test_invalid_utf8_names_the_unicode_errors_parameter(tmp_path, format):
    path = tmp_path / f"latin1.{'txt' if format == 'text' else 'bin'}"
    if format == "text":
        path.write_bytes(b"1 2\ncaf\xe9 1 2\n")
    else:
        path.write_bytes(word2vec_binary([(b"caf\xe9", [1.0, 2.0])], newline=True))
    with pytest.raises(FormatError, match="unicode_errors") as error:
        load_vectors(path)
    assert isinstance(error.value, ConfigError) and error.value.parameter == "unicode_errors"
    flags = error.value.render(lambda name: f"'--{name.replace('_', '-')}' option")
    assert "the '--unicode-errors' option to 'replace'" in flags
    assert load_vectors(path, unicode_errors="replace").index_to_key == ["caf\ufffd"]
    assert load_vectors(path, unicode_errors="ignore").index_to_key == ["caf"]
    with pytest.raises(ConfigError, match="'unicode_errors' parameter must be one of"):
        load_vectors(path, unicode_errors="surrogateescape")


# --- native folders -------------------------------------------------------------------------------

def test_duplicate_word_in_native_vocab_names_file_and_line(tmp_path, vectors):
    vectors.save(tmp_path / "nat", format="native")
    (tmp_path / "nat" / "vocab.txt").write_text("the\nfox\nthe\nnaïve\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"vocab.txt, line 3: duplicate word 'the' \(first at "
                                          r"line 1\)") as error:
        load_vectors(tmp_path / "nat")
    one_line(error)


@pytest.mark.parametrize(("matrix", "shown"), [
    (np.array([object()] * 16, dtype=object).reshape(4, 4), "Python objects"),
    (np.ones((4, 4), dtype=np.float64), "float64"),
    (np.ones((4, 4), dtype=">f4"), "big-endian float32"),
    (np.asfortranarray(np.ones((4, 4), dtype=np.float32)), "Fortran order"),
    (np.ones((4, 5), dtype=np.float32), r"\(4, 5\)"),
])
def test_a_foreign_native_matrix_gets_our_message(tmp_path, vectors, matrix, shown):
    vectors.save(tmp_path / "nat", format="native")
    np.save(tmp_path / "nat" / "vectors.npy", matrix, allow_pickle=True)
    with pytest.raises(FormatError, match=shown) as error:
        load_vectors(tmp_path / "nat")
    message = one_line(error)
    assert "pickle" not in message and "unsafe" not in message
    assert "expected a little-endian float32 (4, 4) matrix in C order" in message


# --- binary misalignment and long words -----------------------------------------------------------

ROWS = [(b"king", [0.1, -0.2, 0.3]), (b"new york", [0.5, 0.25, -0.75]),
        (b"queen", [0.4, 0.1, -0.3]), (b"paris", [-0.6, 0.9, 0.2])]


@pytest.mark.parametrize("newline", [True, False], ids=["word2vec.c", "gensim"])
@pytest.mark.parametrize("where", [0, 1, 3], ids=["first", "middle", "last"])
def test_a_space_inside_a_binary_word_is_refused(tmp_path, newline, where):
    rows = [(word.replace(b" ", b""), values) for word, values in ROWS]
    rows[where] = (b"new york", rows[where][1])
    path = tmp_path / "spaced.bin"
    path.write_bytes(word2vec_binary(rows, newline))
    with pytest.raises(FormatError, match="a word contains a space|truncated row|more bytes") \
            as error:
        load_vectors(path)
    one_line(error)


def test_long_words_round_trip(tmp_path):
    long_word = "ü" * 10_000 + "x" * 5_000  # 25,000 UTF-8 bytes: beyond word2vec.c's 100
    original = Vectors(["a", long_word, "b"], np.ones((3, 2), dtype=np.float32))
    for format in ("binary", "text"):
        path = tmp_path / f"long.{format}"
        original.save(path, format=format)
        assert_same(load_vectors(path), original)


def test_words_longer_than_the_reader_reads_are_refused_when_saving(tmp_path):
    huge = Vectors(["x" * (MAX_WORD_BYTES + 1)], np.ones((1, 2), dtype=np.float32))
    for format in ("binary", "text"):
        with pytest.raises(FormatError, match="bytes long; the .* format reads words up to"):
            huge.save(tmp_path / f"huge.{format}", format=format)
    huge.save(tmp_path / "huge_native", format="native")  # no limit there
    assert [p.name for p in tmp_path.iterdir()] == ["huge_native"]
    with pytest.raises(FormatError, match="NUL"):
        Vectors(["a\0b"], np.ones((1, 2), dtype=np.float32)).save(tmp_path / "n.bin",
                                                                   format="binary")


def test_a_binary_file_without_spaces_is_refused_quickly(tmp_path, monkeypatch):
    from w2v.formats import word2vec_binary

    monkeypatch.setattr(word2vec_binary, "MAX_WORD_BYTES", 100)
    path = tmp_path / "nospace.bin"
    path.write_bytes(b"2 2\n" + b"x" * 1000)
    with pytest.raises(FormatError, match="no space within 100 bytes"):
        load_vectors(path, format="binary")


# --- devices and FIFOs ----------------------------------------------------------------------------

def test_a_character_device_is_refused(tmp_path, vectors):
    dev = char_device()
    for options in ({}, {"format": "text"}, {"format": "binary"}):
        with pytest.raises(FormatError, match="/dev/zero' is a character device") as error:
            load_vectors(dev, **options)
        assert "native vectors folder" in one_line(error)
    for part in ("vocab.txt", "vectors.npy", "w2v.json"):
        folder = tmp_path / f"nat_{part}"
        save_vectors(vectors, folder, "native")
        (folder / part).unlink()
        (folder / part).symlink_to(dev)
        with pytest.raises(FormatError, match=f"{part}' is a character device"):
            load_vectors(folder)


def test_a_fifo_is_refused_without_blocking(tmp_path, vectors):
    fifo = make_fifo(tmp_path / "pipe.txt")
    for options in ({}, {"format": "binary"}):
        outcome = load_in_thread(fifo, **options)
        assert isinstance(outcome, FormatError), outcome
        assert "is a FIFO (named pipe)" in str(outcome)
    with pytest.raises(FormatError, match="FIFO"):
        detect_format(fifo)
    vectors.save(tmp_path / "nat", format="native")
    (tmp_path / "nat" / "vocab.txt").unlink()
    make_fifo(tmp_path / "nat" / "vocab.txt")
    outcome = load_in_thread(tmp_path / "nat")
    assert isinstance(outcome, FormatError) and "vocab.txt' is a FIFO" in str(outcome)


def test_missing_files_stay_input_not_found(tmp_path):
    with pytest.raises(InputNotFoundError, match="does not exist"):
        load_vectors(tmp_path / "nope.bin.gz")


# --- NaN and inf ----------------------------------------------------------------------------------

def test_describe_is_finite_json_with_nan_rows(tmp_path, vectors):
    matrix = np.array(vectors.vectors)
    matrix[1, 0] = np.nan
    matrix[2, 3] = np.inf
    Vectors(KEYS, matrix).save(tmp_path / "nan.txt")
    facts = describe_vectors(tmp_path / "nan.txt")
    assert facts["non_finite"] == 2
    assert facts["norm_max"] == pytest.approx(float(np.linalg.norm(matrix[[0, 3]], axis=1).max()))
    json.dumps(facts, allow_nan=False)  # no NaN anywhere


def test_queries_leave_nan_rows_out(vectors):
    matrix = np.array(vectors.vectors)
    matrix[1] = np.nan
    nan_vectors = Vectors(KEYS, matrix)
    assert "fox" not in [w for w, _ in nan_vectors.most_similar("the", topn=10)]
    assert len(nan_vectors.most_similar("the", topn=10)) == 2
    assert np.isnan(nan_vectors.similarity("the", "fox"))
    with pytest.raises(ConfigError, match="'fox' holds NaN or inf"):
        nan_vectors.most_similar("fox")
    assert nan_vectors.finite_rows.tolist() == [True, False, True, True]


# --- through the command line ---------------------------------------------------------------------

def run_w2v(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "default", "-m", "w2v.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_error_line(result: subprocess.CompletedProcess, *names: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1 and lines[0].startswith("w2v: error: "), lines
    assert all(name in lines[0] for name in names), (lines[0], names)
    return lines[0]


@pytest.fixture
def files(tmp_path, vectors) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    vectors.save(folder / "v.txt")
    return folder


def test_cli_bad_vector_files_are_one_line(files):
    (files / "latin1.txt").write_bytes(b"1 2\ncaf\xe9 1 2\n")
    # a truncated fastText model: its reader names the file and what is missing
    (files / "ft.bin").write_bytes(struct.pack("<ii", 793712314, 12) + b"\0" * 64)
    np.savez(files / "a.npz", x=np.ones(3))
    (files / "cut.txt.gz").write_bytes(gzip.compress((files / "v.txt").read_bytes())[:-9])
    before = snapshot(files)
    cases = [(["info", files / "latin1.txt"], ["latin1.txt", "unicode"]),
             (["similar", files / "ft.bin", "the"], ["ft.bin", "fastText"]),
             (["eval", files / "a.npz"], ["a.npz", "zip"]),
             (["info", files / "cut.txt.gz"], ["cut.txt.gz"]),
             (["info", files / "v.txt", "--unicode-errors", "nope"], ["--unicode-errors"])]
    for args, names in cases:
        assert_one_error_line(run_w2v(*args), *names)
    assert snapshot(files) == before
    replaced = run_w2v("info", files / "latin1.txt", "--unicode-errors", "replace", "--json")
    assert replaced.returncode == 0 and json.loads(replaced.stdout)["first_words"] == ["caf\ufffd"]


def test_cli_devices_and_fifos_are_one_line(files):
    char_device()
    fifo = make_fifo(files / "pipe")
    for args in (["info", "/dev/zero"], ["similar", "/dev/zero", "a"], ["info", fifo],
                 ["plot", fifo, "-o", files / "p.png"]):
        assert_one_error_line(run_w2v(*args, timeout=30), str(args[1]))
    assert not (files / "p.png").exists()


def _nan_file(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    keys = [f"w{i}" for i in range(40)] + ["king", "queen", "man", "woman"]
    matrix = rng.normal(size=(len(keys), 6)).astype(np.float32)
    matrix[3] = np.nan
    matrix[5, 2] = np.inf
    matrix[-1, 0] = np.nan  # "woman"
    path = folder / "nan.bin"
    Vectors(keys, matrix).save(path, format="binary")
    return path


def _strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_cli_json_stays_json_with_nan_rows(files):
    path = _nan_file(files)
    info = run_w2v("info", path, "--json")
    assert info.returncode == 0 and info.stderr == ""
    assert _strict_json(info.stdout)["non_finite"] == 3
    similar = run_w2v("similar", path, "king", "--json", "-n", "50")
    assert similar.returncode == 0, similar.stderr
    words = [row["word"] for row in _strict_json(similar.stdout)]
    assert len(words) == 40 and "w3" not in words and "woman" not in words
    evaluation = run_w2v("eval", path, "--json", "--similarity", "WS-353", "--analogies",
                         "google")
    assert evaluation.returncode == 0, evaluation.stderr
    _strict_json(evaluation.stdout)
    for result in (similar, evaluation):  # one warning line, no numpy RuntimeWarning
        assert result.stderr.splitlines() == [
            f"w2v: warning: 3 of 44 rows of '{path}' hold NaN or inf; queries, scores and "
            f"maps leave them out."]
    assert_one_error_line(run_w2v("similar", path, "woman"), "'woman' holds NaN or inf")


def test_cli_plot_with_nan_rows_formats_and_same_paths(files, tmp_path):
    path = _nan_file(files)
    out = tmp_path / "out"
    out.mkdir()
    mapped = run_w2v("plot", path, "--pca", "44", "-o", out / "map.pdf")
    assert mapped.returncode == 0, mapped.stderr
    assert len(mapped.stderr.splitlines()) == 1 and "NaN or inf" in mapped.stderr
    assert (out / "map.pdf").read_bytes()[:5] == b"%PDF-"
    words = run_w2v("plot", path, "--words", "king,queen,man", "-o", out / "w.svg")
    assert words.returncode == 0 and b"<svg" in (out / "w.svg").read_bytes()[:400]
    before = snapshot(files)
    assert_one_error_line(run_w2v("plot", path, "--words", "king,woman", "-o", out / "x.png"),
                          "'woman'", "NaN or inf")
    assert_one_error_line(run_w2v("plot", path, "-o", out / "map.xyz"), "'.xyz'", ".pdf")
    assert_one_error_line(run_w2v("plot", files / "v.txt", "-o", files / "v.txt"),
                          "v.txt' is the vectors file")
    save_vectors(Vectors.load(files / "v.txt"), files / "nat", "native")
    before = snapshot(files)
    assert_one_error_line(run_w2v("plot", files / "nat", "-o", out / "m.png", "--projector",
                                  files / "nat"), "is inside the vectors file", "nat'")
    assert snapshot(files) == before
    assert sorted(p.name for p in out.iterdir()) == ["map.pdf", "w.svg"]


def test_evaluation_leaves_nan_rows_out_like_unknown_words():
    from w2v import evaluate

    words = ["king", "queen", "man", "woman", "tiger", "cat", "car", "automobile", "money",
             "cash", "bank"]
    matrix = np.random.default_rng(0).normal(size=(len(words), 8)).astype(np.float32)
    clean = evaluate.similarity(Vectors(words, matrix), "WS-353")
    matrix[words.index("cat")] = np.nan
    dirty = evaluate.similarity(Vectors(words, matrix), "WS-353")
    assert dirty.pairs < clean.pairs and dirty.pairs + dirty.oov == clean.pairs + clean.oov
    assert np.isfinite([dirty.spearman, dirty.pearson]).all()
    matrix[words.index("queen")] = np.nan
    result = evaluate.analogy(Vectors(words, matrix), "google")
    assert result.total == 0 and result.skipped > 0  # every question here involves queen
