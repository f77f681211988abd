"""``w2v train --subwords`` and the queries on its .bin: unseen words answered, bad runs refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from test_subword_engine import STEMS, _corpus
from w2v.cli import app
from w2v.subword_vectors import SubwordVectors
from w2v.vectors import Vectors

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _corpus()) + "\n", encoding="utf-8")
    output = folder / "model.bin"
    result = invoke("train", corpus, "-o", output, "--subwords", "--minn", "3", "--maxn", "5",
                    "--bucket", "20000", "--dim", "24", "--min-count", "1", "--sample", "0",
                    "--workers", "2", "-q")
    assert result.exit_code == 0, result.output
    return corpus, output


def test_train_writes_a_fasttext_model(trained):
    _, output = trained
    vectors = Vectors.load(output)
    assert isinstance(vectors, SubwordVectors)
    assert (vectors.min_n, vectors.max_n, vectors.bucket, vectors.vector_size) == \
        (3, 5, 20000, 24)


def test_similar_and_analogy_answer_unseen_words(trained):
    _, output = trained
    result = invoke("similar", output, "walkly", "-n", "3", "--json")
    assert result.exit_code == 0, result.output
    words = [row["word"] for row in json.loads(result.output)]
    assert sum(w.startswith("walk") for w in words) >= 2  # see test_subword_engine
    expected = Vectors.load(output).most_similar("walkly", topn=3)
    assert words == [w for w, _ in expected]
    result = invoke("analogy", output, "walk", "walked", "paintly", "-n", "2", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 2


def test_vec_output_is_fasttexts_text_file(trained, tmp_path):
    corpus, _ = trained
    output = tmp_path / "model.vec"
    result = invoke("train", corpus, "-o", output, "--subwords", "--bucket", "5000", "--dim",
                    "8", "--min-count", "1", "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(output)
    assert type(vectors) is Vectors and len(vectors) == len(STEMS) * 5
    assert np.isfinite(vectors.vectors).all()


@pytest.mark.parametrize(("extra", "flags"), [
    (["--format", "fasttext"], ["'--format'", "'--subwords'"]),
    (["--subwords", "--engine", "numpy"], ["'--engine'"]),
    (["--subwords", "--minn", "-1"], ["'--minn'"]),
])
def test_bad_subword_runs_are_one_line(trained, tmp_path, run_w2v, extra, flags):
    corpus, _ = trained
    process = run_w2v("train", str(corpus), "-o", str(tmp_path / "out.bin"), "-q", *extra)
    assert process.returncode != 0
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and all(flag in lines[0] for flag in flags), process.stderr
    assert not (tmp_path / "out.bin").exists()


def test_a_subword_run_checkpoints_and_resumes_into_a_fasttext_model(trained, tmp_path):
    corpus, _ = trained
    output, folder = tmp_path / "model.bin", tmp_path / "ck"
    result = invoke("train", corpus, "-o", output, "--subwords", "--bucket", "3000", "--dim",
                    "8", "--min-count", "1", "--epochs", "1", "--checkpoint-dir", folder, "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "checkpoint.json").read_text())["epoch"] == 1
    output.unlink()
    # No --subwords: the checkpoint's options say it is a subword run, and a .bin output
    # then is fastText's model, as for the first run.
    result = invoke("train", corpus, "-o", output, "--resume", folder, "--epochs", "2", "-q")
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(output)
    assert isinstance(vectors, SubwordVectors) and vectors.bucket == 3000
    assert json.loads((folder / "checkpoint.json").read_text())["epoch"] == 2


def test_a_subword_model_is_saved_and_trained_further(trained, tmp_path):
    """--save-model keeps a subword model whole; --init-from trains it (or a fastText .bin)
    further on new text, with new words composed from n-grams and trained."""
    corpus, fasttext_bin = trained
    folder, first = tmp_path / "model", tmp_path / "first.bin"
    result = invoke("train", corpus, "-o", first, "--subwords", "--bucket", "3000", "--dim",
                    "8", "--min-count", "1", "--epochs", "1", "--save-model", folder, "-q")
    assert result.exit_code == 0, result.output
    more = tmp_path / "more.txt"
    more.write_text("zebraing walked zebraing painted zebraing\n" * 20, encoding="utf-8")
    for source in (folder, fasttext_bin):
        output = tmp_path / f"further-{source.name}.bin"
        result = invoke("train", more, "-o", output, "--init-from", source, "--epochs", "1",
                        "-q")
        assert result.exit_code == 0, result.output
        vectors = Vectors.load(output)
        assert isinstance(vectors, SubwordVectors) and "zebraing" in vectors.key_to_index
        assert vectors.bucket == Vectors.load(first if source == folder else source).bucket
        assert np.isfinite(vectors.vectors).all()


def test_a_word_model_trained_further_is_not_written_as_fasttext(tmp_path, run_w2v):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e f a b c d\n" * 30, encoding="utf-8")
    folder = tmp_path / "model"
    result = invoke("train", corpus, "-o", tmp_path / "v.txt", "--min-count", "1", "--epochs",
                    "1", "--save-model", folder, "-q")
    assert result.exit_code == 0, result.output
    process = run_w2v("train", str(corpus), "-o", str(tmp_path / "out.bin"), "--format",
                      "fasttext", "--init-from", str(folder), "-q")
    assert process.returncode != 0
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "'--format'" in lines[0], process.stderr
    assert not (tmp_path / "out.bin").exists()
