"""Vocabulary maps (PCA, t-SNE) and the Embedding Projector export."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, FormatError, OutputError, UnknownWordError
from w2v.formats.projector import export_projector
from w2v.plot import plot_vocabulary_map
from w2v.vectors import Vectors

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_vocabulary_map_writes_a_png(tmp_path, blobs, method):
    path = tmp_path / f"{method}.png"
    coords = plot_vocabulary_map(blobs, path, method=method, top_n=50, words=["a1", "c19"],
                                 perplexity=5.0)
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert coords.shape == (51, 2)  # top 50, plus c19 which is outside them


def test_vocabulary_map_errors(tmp_path, blobs):
    with pytest.raises(UnknownWordError, match="zebra"):
        plot_vocabulary_map(blobs, tmp_path / "x.png", words=["zebra"])
    with pytest.raises(ConfigError, match="'pca' or 'tsne'"):
        plot_vocabulary_map(blobs, tmp_path / "x.png", method="umap")
    with pytest.raises(OutputError):
        plot_vocabulary_map(blobs, tmp_path / "missing" / "x.png")


def test_projector_export(tmp_path, blobs):
    vectors_tsv, metadata_tsv = export_projector(blobs, tmp_path, limit=25)
    rows = np.loadtxt(vectors_tsv, delimiter="\t")
    assert rows.shape == (25, 10)
    np.testing.assert_allclose(rows, blobs.vectors[:25], rtol=1e-5, atol=1e-5)
    assert metadata_tsv.read_text().splitlines() == blobs.index_to_key[:25]


def test_projector_rejects_tabs_and_bad_limits(tmp_path):
    bad = Vectors(["a\tb"], np.zeros((1, 2), dtype=np.float32))
    with pytest.raises(FormatError, match="tab or line break"):
        export_projector(bad, tmp_path)
    with pytest.raises(ConfigError, match="limit"):
        export_projector(bad, tmp_path, limit=0)
