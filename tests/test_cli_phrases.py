"""`w2v phrases` and `w2v train --phrases`: outputs, tables, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import w2v
from w2v.phrases import FrozenPhrases

# "new york" always together, other words mixed: word2phrase's rule joins only "new york".
LINES = [f"w{i % 7} new york w{(i * 3) % 11} w{(i * 5) % 13} city w{i % 4}" for i in range(300)]
CORPUS = "\n".join(LINES) + "\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS)
    return path


def test_phrases_writes_a_corpus_a_table_and_an_export(tmp_path, corpus, run_w2v):
    out, table, export = tmp_path / "out.txt", tmp_path / "t.json", tmp_path / "t.tsv"
    result = run_w2v("phrases", str(corpus), "-o", str(out), "--threshold", "6",
                     "--passes", "2", "--table", str(table), "--export", str(export))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    lines = out.read_text().split("\n")
    assert lines[-1] == "" and len(lines) == len(LINES) + 1
    assert all("new_york" in line.split() for line in lines[:-1])
    loaded = FrozenPhrases.load(table)
    assert [" ".join(loaded[line.split()]) for line in LINES] == lines[:-1]
    assert "new_york" in {row.split("\t")[0] for row in export.read_text().splitlines()}


def test_low_memory_writes_the_same_corpus(tmp_path, corpus, run_w2v):
    outputs = []
    for extra in ([], ["--low-memory"]):
        out = tmp_path / f"out{len(extra)}.txt"
        result = run_w2v("phrases", str(corpus), "-o", str(out), "--threshold", "6",
                         "--passes", "2", *extra)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1] and "new_york" in outputs[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--scorer", "pmi"], "'--scorer' option"),
    (["--scorer", "npmi", "--threshold", "3"], "'--threshold' option"),
    (["--min-count", "0"], "'--min-count' option"),
    (["--connector-words", "missing-file"], "'--connector-words' option"),
])
def test_bad_options_are_one_line_naming_the_flag(tmp_path, corpus, run_w2v, args, message):
    result = run_w2v("phrases", str(corpus), "-o", str(tmp_path / "out.txt"), *args)
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.txt").exists()


def test_phrases_refuses_to_overwrite_its_corpus(corpus, run_w2v):
    result = run_w2v("phrases", str(corpus), "-o", str(corpus))
    assert result.returncode == 1 and "would replace the corpus" in result.stderr
    assert corpus.read_text() == CORPUS


def test_train_with_phrases_trains_on_joined_phrases(tmp_path, run_w2v):
    # "new york" once in 122 tokens: word2phrase's score (100 - 5) / 100^2 * 12,200 > 100
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(" ".join([f"f{(i * 120 + j) % 997}" for j in range(60)] +
                                       ["new", "york"] +
                                       [f"g{(i * 7 + j) % 991}" for j in range(60)]) + "\n"
                              for i in range(100)))
    out = tmp_path / "vectors.txt"
    result = run_w2v("train", str(corpus), "-o", str(out), "--phrases", "1", "--engine",
                     "numpy", "--dim", "4", "--epochs", "1", "--min-count", "1", "--quiet")
    assert result.returncode == 0, result.stderr
    vectors = w2v.Vectors.load(out)
    assert "new_york" in vectors and "new" not in vectors


def test_train_with_phrases_refuses_checkpoints(tmp_path, corpus, run_w2v):
    result = run_w2v("train", str(corpus), "-o", str(tmp_path / "v.txt"), "--phrases", "1",
                     "--checkpoint-dir", str(tmp_path / "ck"))
    assert result.returncode == 1 and "'--phrases' option" in result.stderr


def test_an_interrupted_phrases_run_does_not_suggest_a_resume_it_cannot_do(tmp_path):
    # The run trained a temporary corpus: resuming on the original one would be refused.
    import signal
    from types import SimpleNamespace

    from w2v.cli.train import _interrupted_message

    stop = SimpleNamespace(signum=signal.SIGINT, epoch=2, saved_to="v.txt", folder="v.txt.ck")
    line = _interrupted_message(stop, Path("c.txt"), Path("v.txt"), "text", phrased=True)
    assert "--resume" not in line and "w2v phrases c.txt -o PHRASED.txt" in line
    assert "saved to 'v.txt'" in line
    plain = _interrupted_message(stop, Path("c.txt"), Path("v.txt"), "text")
    assert "Resume with: w2v train c.txt -o v.txt --resume v.txt.ck" in plain
