"""Figures: the assignment's 2-D projection and the loss curve."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, OutputError, UnknownWordError
from w2v.plot import ASSIGNMENT_WORDS, padded_limits, plot_loss_curve, plot_word_vectors_2d
from w2v.projection import project_2d

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_word_figure_from_matrix_and_vocabulary(tmp_path) -> None:
    gen = np.random.default_rng(1)
    path = tmp_path / "words.png"
    coords = plot_word_vectors_2d(gen.normal(size=(24, 10)), ASSIGNMENT_WORDS, path)
    assert coords.shape == (24, 2) and path.read_bytes()[:8] == PNG_MAGIC
    vocab = {w: i for i, w in enumerate(["x", *ASSIGNMENT_WORDS])}
    full = gen.normal(size=(25, 10))
    again = plot_word_vectors_2d(full, ASSIGNMENT_WORDS, path, key_to_index=vocab)
    np.testing.assert_allclose(again, project_2d(full[1:]))
    assert [p.name for p in tmp_path.iterdir()] == ["words.png"]  # no temporary left over
    (x0, x1), (y0, y1) = padded_limits(coords)
    assert x0 < coords[:, 0].min() and coords[:, 0].max() < x1
    assert y0 < coords[:, 1].min() and coords[:, 1].max() < y1


def test_word_figure_from_vectors(tmp_path) -> None:
    vectors_module = pytest.importorskip("w2v.vectors")
    vectors = vectors_module.Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    coords = plot_word_vectors_2d(vectors, ["a", "b", "c"], tmp_path / "v.png")
    assert coords.shape == (3, 2)
    with pytest.raises(UnknownWordError, match="zebra"):
        plot_word_vectors_2d(vectors, ["a", "zebra"], tmp_path / "v.png")


def test_loss_curve(tmp_path) -> None:
    plot_loss_curve([3.0, 2.0, 1.5], tmp_path / "a.png")
    plot_loss_curve([{"iteration": 10, "loss": 2.0}, {"iteration": 20, "loss": 1.0}],
                    tmp_path / "b.png", log_y=True, title="t")
    assert (tmp_path / "b.png").read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ConfigError, match="empty"):
        plot_loss_curve([], tmp_path / "c.png")
    with pytest.raises(ConfigError, match="keys"):
        plot_loss_curve([{"loss": 1.0}], tmp_path / "c.png")
    with pytest.raises(OutputError):
        plot_loss_curve([1.0], tmp_path / "missing" / "c.png")
    with pytest.raises(ConfigError, match="shape"):
        project_2d(np.ones((1, 3)))
