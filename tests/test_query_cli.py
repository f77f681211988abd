"""The query commands: eval, similar, analogy, plot, info."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from w2v import evaluate
from w2v.cli import app
from w2v.errors import UnknownWordError
from w2v.vectors import Vectors

runner = CliRunner()


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    """A small binary file: a few structured words and random fillers."""
    rng = np.random.default_rng(4)
    keys = ["king", "queen", "man", "woman", "paris", "france", "tiger", "cat"]
    keys += [f"word{i}" for i in range(300)]
    matrix = rng.normal(size=(len(keys), 16)).astype(np.float32)
    matrix[1] = matrix[0] - matrix[2] + matrix[3] + 0.05  # queen ≈ king - man + woman
    path = tmp_path_factory.mktemp("vec") / "small.bin"
    Vectors(keys, matrix).save(path, format="binary")
    return path


def invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_similar_table_and_json(vectors_file):
    loaded = Vectors.load(vectors_file)
    result = invoke("similar", vectors_file, "king", "-n", "3", "--json")
    assert result.exit_code == 0, result.output
    expected = loaded.most_similar("king", topn=3)
    assert [(r["word"], pytest.approx(r["score"])) for r in json.loads(result.output)] == expected
    table = invoke("similar", vectors_file, "king", "-n", "3")
    assert table.exit_code == 0 and expected[0][0] in table.output


def test_analogy_finds_the_planted_answer(vectors_file):
    result = invoke("analogy", vectors_file, "man", "king", "woman", "-n", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["word"] == "queen"
    cosmul = invoke("analogy", vectors_file, "man", "king", "woman", "--method", "3cosmul")
    assert cosmul.exit_code == 0 and "queen" in cosmul.output


def test_unknown_word_is_one_clear_line_without_traceback(vectors_file, run_w2v):
    result = invoke("similar", vectors_file, "kingg")
    assert isinstance(result.exception, UnknownWordError)
    process = run_w2v("similar", str(vectors_file), "kingg")
    assert process.returncode == 1
    assert process.stderr.strip().splitlines() == [
        "w2v: error: The word 'kingg' is not in the vocabulary (308 words). "
        "Close matches: king. Plain word vectors have no vector for an unseen word (a "
        "subword model, or a fastText .bin, has one)."]


def test_eval_json_matches_the_library(vectors_file):
    result = invoke("eval", vectors_file, "--json", "--similarity", "WS-353",
                    "--analogies", "google")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    loaded = Vectors.load(vectors_file)
    assert data["analogy"]["skipped"] == evaluate.analogy(loaded).skipped
    assert data["similarity"]["WS-353"]["pairs"] == evaluate.similarity(loaded).pairs


def test_eval_table_defaults_to_every_bundled_set(vectors_file, tmp_path):
    result = invoke("eval", vectors_file)
    assert result.exit_code == 0, result.output
    for name in ("questions-words (all)", "SimLex-999", "VERB-143"):
        assert name in result.output
    custom = tmp_path / "pairs.txt"
    custom.write_text("king queen 9\nman woman 8\ntiger cat 7\nparis king 1\n")
    result = invoke("eval", vectors_file, "--similarity", custom)
    assert result.exit_code == 0 and "pairs.txt" in result.output


def test_plot_modes_and_projector(vectors_file, tmp_path):
    svd = invoke("plot", vectors_file, "--words", "king,queen,man", "--words", "woman",
                 "-o", tmp_path / "svd.png")
    assert svd.exit_code == 0, svd.output
    pca = invoke("plot", vectors_file, "--pca", "100", "--words", "king", "-o",
                 tmp_path / "pca.png", "--projector", tmp_path)
    assert pca.exit_code == 0, pca.output
    tsne = invoke("plot", vectors_file, "--tsne", "60", "-o", tmp_path / "tsne.png")
    assert tsne.exit_code == 0, tsne.output
    for name in ("svd.png", "pca.png", "tsne.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert len((tmp_path / "metadata.tsv").read_text().splitlines()) == 308


def test_info_and_format_options(vectors_file, tmp_path):
    result = invoke("info", vectors_file, "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["format"] == "binary" and facts["words"] == 308 and facts["dim"] == 16
    glove = tmp_path / "glove.txt"
    glove.write_text("a 1 0\nb 0 1\nc 1 1\n")
    assert invoke("info", glove).exit_code != 0  # no header: a clear error
    result = invoke("info", glove, "--no-header", "--format", "text")
    assert result.exit_code == 0 and "words: 3" in result.output
    result = invoke("similar", glove, "a", "--no-header", "-n", "1", "--json")
    assert json.loads(result.output)[0]["word"] == "c"


def test_eval_of_gensim_trained_vectors_reports_gensims_numbers(shared_data, tmp_path):
    import gzip

    gensim_models = pytest.importorskip("gensim.models")
    with gzip.open(shared_data / "text8" / "text8_prefix.gz", "rt") as handle:
        words = handle.read(1_000_000).split()[:-1]
    model = gensim_models.Word2Vec([words[i:i + 1000] for i in range(0, len(words), 1000)],
                                   vector_size=24, min_count=5, epochs=1, workers=1, seed=3)
    path = tmp_path / "gensim.bin"
    model.wv.save_word2vec_format(str(path), binary=True)
    result = invoke("eval", path, "--json", "--analogies", "google", "--similarity", "WS-353")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    score, sections = model.wv.evaluate_word_analogies(str(evaluate.DATA_DIR /
                                                           "questions-words.txt"),
                                                       restrict_vocab=30000)
    assert data["analogy"]["accuracy"] == pytest.approx(score)
    assert data["analogy"]["correct"] == len(sections[-1]["correct"])
    pearson, spearman, oov = model.wv.evaluate_word_pairs(
        str(evaluate.DATA_DIR / "EN-WS-353-ALL.txt"))
    pairs = data["similarity"]["WS-353"]
    assert pairs["oov_ratio"] * 100 == pytest.approx(oov)
    assert pairs["spearman"] == pytest.approx(spearman.statistic, abs=2e-4)  # see test_evaluate


def test_plot_creates_the_projector_folder_and_writes_nothing_when_it_cannot(vectors_file,
                                                                            tmp_path, run_w2v):
    new_folder = tmp_path / "projector" / "run1"
    invoke("plot", vectors_file, "--pca", "50", "-o", tmp_path / "map.png",
           "--projector", new_folder)
    assert (new_folder / "vectors.tsv").is_file() and (new_folder / "metadata.tsv").is_file()

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = run_w2v("plot", str(vectors_file), "--pca", "50", "-o", str(tmp_path / "map2.png"),
                     "--projector", str(blocker / "sub"))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "projector" in result.stderr
    assert not (tmp_path / "map2.png").exists()


def test_similar_without_a_word_is_a_prompt_like_distance(vectors_file):
    loaded = Vectors.load(vectors_file)
    lines = "king\n\nking queen\nkingg\nEXIT\nman\n"  # nothing after EXIT is answered
    result = runner.invoke(app, ["similar", str(vectors_file), "-n", "3", "--json"], input=lines)
    assert result.exit_code == 0, result.output
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in replies] == [["king"], ["king", "queen"], ["kingg"]]
    for reply, positive in zip(replies[:2], (["king"], ["king", "queen"]), strict=True):
        expected = loaded.most_similar(positive, topn=3)
        assert [(r["word"], pytest.approx(r["score"])) for r in reply["results"]] == expected
    assert "not in the vocabulary" in replies[2]["error"] and "king" in replies[2]["error"]


def test_query_ends_at_end_of_input_and_prints_tables(vectors_file):
    result = runner.invoke(app, ["query", str(vectors_file), "-n", "2"], input="tiger cat\nkingg")
    assert result.exit_code == 0, result.output
    best = [w for w, _ in Vectors.load(vectors_file).most_similar(["tiger", "cat"], topn=2)]
    assert all(word in result.stdout for word in best)
    assert "w2v: The word 'kingg' is not in the vocabulary" in result.stderr


def test_analogy_prompt_like_word_analogy(vectors_file):
    lines = "man king woman\nman king\nEXIT\n"
    for args in (["analogy", str(vectors_file)], ["query", str(vectors_file), "--analogy"]):
        result = runner.invoke(app, [*args, "-n", "2", "--json"], input=lines)
        assert result.exit_code == 0, result.output
        first, second = (json.loads(line) for line in result.stdout.splitlines())
        assert first["results"][0]["word"] == "queen"
        assert "three words" in second["error"]
    partial = runner.invoke(app, ["analogy", str(vectors_file), "man", "king"])
    assert partial.exit_code != 0 and "three words" in str(partial.exception)


def test_similar_sums_several_words_given_as_arguments(vectors_file):
    loaded = Vectors.load(vectors_file)
    result = invoke("similar", vectors_file, "king", "queen", "-n", "4", "--json")
    assert result.exit_code == 0, result.output
    got = [(r["word"], pytest.approx(r["score"])) for r in json.loads(result.output)]
    assert got == loaded.most_similar(["king", "queen"], topn=4)
    quoted = invoke("similar", vectors_file, "king queen", "-n", "4", "--json")
    assert json.loads(quoted.output) == json.loads(result.output)
