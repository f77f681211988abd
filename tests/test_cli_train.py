"""`w2v train`: options, output file, summary, and one-line errors without output."""

from __future__ import annotations

import pytest

import w2v

CORPUS = "\n".join(["the quick brown fox jumps over the lazy dog"] * 40) + "\n"
FAST = ["--dim", "8", "--window", "2", "--negative", "2", "--min-count", "1", "--epochs", "1",
        "--workers", "1", "--seed", "3", "--quiet"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS)
    return path


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_train_writes_vectors_and_summary(tmp_path, corpus, fmt, run_w2v):
    out = tmp_path / f"vectors.{fmt}"
    result = run_w2v("train", str(corpus), "-o", str(out), "--cbow", "--format", fmt, *FAST)
    assert result.returncode == 0, result.stderr
    assert "Trained 8 words x 8 dims" in result.stdout
    vectors = w2v.Vectors.load(out, format=fmt)
    assert len(vectors) == 8 and "fox" in vectors


@pytest.mark.parametrize("extra", [["--init", "gensim"], ["--per-pair-negatives"],
                                   ["--cbow", "--cbow-gradient", "mean"]])
def test_engine_choices_reach_the_engine(tmp_path, corpus, extra, run_w2v):
    out = tmp_path / "vectors.txt"
    result = run_w2v("train", str(corpus), "-o", str(out), *FAST, *extra)
    assert result.returncode == 0, result.stderr
    assert len(w2v.Vectors.load(out)) == 8


@pytest.mark.parametrize(("args", "message"), [
    (["MISSING"], "does not exist"),
    (["EMPTY"], "empty"),
    (["CORPUS", "--min-count", "1000"], "Lower the '--min-count' option"),
    (["CORPUS", "--dim", "0"], "The '--dim' option"),
    (["CORPUS", "--window", "0"], "window"),
    (["CORPUS", "--epochs", "0"], "epochs"),
    (["CORPUS", "--negative", "0"], "negative"),
    (["CORPUS", "--sample", "-1"], "sample"),
    (["CORPUS", "--format", "xml"], "--format"),
    (["CORPUS", "--init", "normal"], "The '--init' option"),
])
def test_bad_input_one_line_error_no_output(tmp_path, corpus, args, message, run_w2v):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    paths = {"MISSING": str(tmp_path / "nope.txt"), "EMPTY": str(empty), "CORPUS": str(corpus)}
    args = [paths.get(a, a) for a in args]
    out = tmp_path / "out.txt"
    base = ["--dim", "8", "--epochs", "1", "--workers", "1", "--quiet"]
    # Later options win in Click, so the bad value is given last.
    result = run_w2v("train", args[0], "-o", str(out), *base, *args[1:])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("w2v: error:"), result.stderr
    assert message in lines[0]
    assert not out.exists()


def test_invalid_utf8_is_reported_once_and_training_goes_on(tmp_path, run_w2v):
    path = tmp_path / "bad.txt"
    path.write_bytes(CORPUS.encode() + b"caf\xe9 \xff\n")
    out = tmp_path / "v.txt"
    result = run_w2v("train", str(path), "-o", str(out), *FAST)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("w2v: warning:")]
    assert len(warnings) == 1 and "2 byte(s)" in warnings[0]
    assert out.exists()


def test_help_lists_the_options(run_w2v):
    result = run_w2v("train", "--help")
    assert result.returncode == 0
    for option in ("--sg", "--cbow", "--dim", "--window", "--negative", "--loss", "--sample",
                   "--min-count", "--epochs", "--workers", "--alpha", "--seed", "--format",
                   "--engine", "--device", "--init", "--shared-negatives"):
        assert option in result.stdout


# The same mistake through Python and through the command line: each names it its own way.
SAME_MISTAKE = [
    ({"vector_size": 0}, ["--dim", "0"], "'vector_size' parameter", "'--dim' option"),
    ({"min_count": 1000}, ["--min-count", "1000"], "'min_count' parameter",
     "'--min-count' option"),
    ({"window": 0}, ["--window", "0"], "'window' parameter", "'--window' option"),
    ({"alpha": 1e30, "min_alpha": 1e30}, ["--alpha", "1e30", "--min-alpha", "1e30"],
     "'alpha' parameter", "'--alpha' option"),
    ({"engine": "torch", "checkpoint_dir": "CK"}, ["--engine", "torch", "--checkpoint-dir", "CK"],
     "'checkpoint_dir' parameter", "'--checkpoint-dir' option"),
]


@pytest.mark.parametrize(("options", "flags", "python_name", "flag"), SAME_MISTAKE)
def test_python_errors_name_parameters_and_cli_errors_name_flags(
        tmp_path, corpus, options, flags, python_name, flag, run_w2v):
    from w2v.errors import W2VError
    from w2v.job import train_to_path

    options = {k: str(tmp_path / v) if v == "CK" else v for k, v in options.items()}
    flags = [str(tmp_path / f) if f == "CK" else f for f in flags]
    base = {"epochs": 1, "workers": 1, "min_count": 1, "vector_size": 8}
    with pytest.raises(W2VError) as info:
        train_to_path(corpus, tmp_path / "py.txt", **{**base, **options})
    assert python_name in str(info.value) and "--" not in str(info.value)
    result = run_w2v("train", str(corpus), "-o", str(tmp_path / "cli.txt"), "--dim", "8",
                     "--epochs", "1", "--workers", "1", "--min-count", "1", "--quiet", *flags)
    assert result.returncode != 0
    assert flag in result.stderr and python_name not in result.stderr, result.stderr


@pytest.mark.parametrize("extra", [
    ["--hs", "--negative", "0"], ["--hs", "--cbow", "--cbow-sum"], ["--fixed-window"],
    ["--unsorted-vocab"],
])
def test_peer_training_options_reach_the_engine(tmp_path, corpus, extra, run_w2v):
    out = tmp_path / "vectors.txt"
    result = run_w2v("train", str(corpus), "-o", str(out), *FAST, *extra)
    assert result.returncode == 0, result.stderr
    assert len(w2v.Vectors.load(out)) == 8


def test_trim_rule_is_imported_from_module_and_function(tmp_path, corpus, run_w2v, monkeypatch):
    (tmp_path / "rules.py").write_text(
        "def drop_the(word, count, min_count):\n    return 1 if word == 'the' else 0\n")
    monkeypatch.chdir(tmp_path)  # the child runs here: rules.py is found from the folder
    out = tmp_path / "vectors.txt"
    result = run_w2v("train", str(corpus), "-o", str(out), *FAST, "--trim-rule",
                     "rules:drop_the")
    assert result.returncode == 0, result.stderr
    vectors = w2v.Vectors.load(out)
    assert len(vectors) == 7 and "the" not in vectors
    bad = run_w2v("train", str(corpus), "-o", str(out), *FAST, "--trim-rule", "rules:nope")
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        "w2v: error: The '--trim-rule' option 'rules:nope': module 'rules' has no function "
        "'nope'."]


def test_hs_with_the_full_softmax_is_refused_naming_flags(tmp_path, corpus, run_w2v):
    result = run_w2v("train", str(corpus), "-o", str(tmp_path / "v.txt"), *FAST, "--hs",
                     "--loss", "softmax")
    assert result.returncode != 0 and "'--hs' option" in result.stderr


def test_warmup_compiles_the_kernels(run_w2v):
    result = run_w2v("warmup")
    assert result.returncode == 0, result.stderr
    assert "Numba kernels ready in" in result.stdout
