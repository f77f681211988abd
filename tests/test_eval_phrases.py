"""`w2v eval` scores the bundled phrase analogies when the vectors hold phrases."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from w2v import evaluate
from w2v.cli import app
from w2v.vectors import Vectors


def _vectors(tmp_path, with_phrases: bool):
    """Fillers, and (with phrases) one planted newspaper analogy of questions-phrases.txt."""
    rng = np.random.default_rng(0)
    keys = [f"word{i}" for i in range(200)]
    matrix = rng.normal(size=(len(keys), 16))
    if with_phrases:
        keys += ["albuquerque", "albuquerque_journal", "baltimore", "baltimore_sun"]
        x, y, u, v = np.eye(16)[:4] * 3
        # city + paper: the offsets agree in both directions, for unit vectors too
        matrix = np.vstack([matrix, x + u, x + v, y + u, y + v])
    path = tmp_path / f"v{with_phrases}.txt"
    Vectors(keys, matrix.astype(np.float32)).save(path)
    return path


def test_phrase_analogies_are_scored_only_for_vectors_with_phrases(tmp_path):
    runner = CliRunner()
    with_phrases = runner.invoke(app, ["eval", str(_vectors(tmp_path, True)), "--json"])
    assert with_phrases.exit_code == 0, with_phrases.output
    scored = json.loads(with_phrases.output)["phrase_analogy"]
    assert scored["path"].endswith("questions-phrases.txt")
    assert scored["total"] >= 1 and scored["correct"] == scored["total"]  # planted, both ways
    table = runner.invoke(app, ["eval", str(_vectors(tmp_path, True))])
    assert "questions-phrases" in table.output
    plain = runner.invoke(app, ["eval", str(_vectors(tmp_path, False)), "--json"])
    assert json.loads(plain.output)["phrase_analogy"] is None


def test_contains_phrases_looks_at_the_delimiter_inside_words():
    matrix = np.eye(3, dtype=np.float32)
    assert evaluate.contains_phrases(Vectors(["a", "new_york", "b"], matrix))
    assert not evaluate.contains_phrases(Vectors(["a", "_b_", "c"], matrix))
    assert not evaluate.contains_phrases(Vectors(["a", "b", "new_york"], matrix),
                                         restrict_vocab=2)
