"""w2v.seed.outputs: the files a run of the assignment leaves, from given vectors."""

from __future__ import annotations

import numpy as np

from w2v.plot import ASSIGNMENT_WORDS
from w2v.seed.outputs import write_outputs
from w2v.vectors import Vectors

WORDS = [*ASSIGNMENT_WORDS, "the", "UNK"]


def test_outputs_of_a_run(tmp_path) -> None:
    vectors = np.random.default_rng(0).normal(size=(len(WORDS), 10))
    history = np.array([[10.0, 5.5], [20.0, 5.25]])  # as a save stores it: float64 (n, 2)
    files = write_outputs(tmp_path, WORDS, vectors, history, 20, "neg")
    assert [p.name for p in files] == ["vectors.txt", "word_vectors.png", "loss.tsv", "loss.png"]
    assert (tmp_path / "loss.tsv").read_text() == (
        "iteration\tsmoothed_loss\n10\t5.500000\n20\t5.250000\n")
    loaded = Vectors.load(tmp_path / "vectors.txt")
    assert loaded.index_to_key == WORDS
    np.testing.assert_allclose(loaded.vectors, vectors, rtol=1e-5)
    assert (tmp_path / "word_vectors.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_no_loss_curve_before_the_first_report(tmp_path) -> None:
    vectors = np.random.default_rng(1).normal(size=(len(WORDS), 10))
    files = write_outputs(tmp_path, WORDS, vectors, [], 5, "softmax")
    assert [p.name for p in files] == ["vectors.txt", "word_vectors.png", "loss.tsv"]
    assert (tmp_path / "loss.tsv").read_text() == "iteration\tsmoothed_loss\n"
