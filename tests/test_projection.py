"""Projections to 2-D: the assignment's SVD, the vocabulary map and exact t-SNE."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.errors import ConfigError, UnknownWordError
from w2v.projection import (
    conditional_affinities,
    joint_affinities,
    map_vocabulary,
    project_2d,
    squared_distances,
    tsne_2d,
)


def test_projection_is_the_assignments() -> None:
    x = np.random.default_rng(0).normal(size=(24, 10))
    temp = x - np.mean(x, axis=0)  # run.py, step by step
    covariance = 1.0 / len(x) * temp.T.dot(temp)
    u, _, _ = np.linalg.svd(covariance)
    np.testing.assert_allclose(project_2d(x), temp.dot(u[:, 0:2]), atol=1e-12)
    with pytest.raises(ConfigError, match="shape"):
        project_2d(np.ones((1, 3)))


def _perplexity_in_bits(rows: np.ndarray) -> np.ndarray:
    """2^H(P_i) of each row, H in bits, 0 log 0 = 0."""
    logs = np.log2(rows, out=np.zeros_like(rows), where=rows > 0)
    return 2.0 ** -(rows * logs).sum(axis=1)


@pytest.mark.parametrize("perplexity", [2.0, 10.0, 30.0])
def test_conditional_affinities_reach_the_requested_perplexity(perplexity):
    x = np.random.default_rng(0).normal(size=(120, 5))
    d2 = squared_distances(x)
    before = d2.copy()
    cond = conditional_affinities(d2, perplexity)
    np.testing.assert_array_equal(d2, before)  # the input is not modified
    np.testing.assert_allclose(cond.sum(axis=1), 1.0, rtol=1e-12)
    assert (np.diag(cond) == 0).all()  # a point is not its own neighbour
    # the bisection runs to double precision, so every row is within 0.1 % of the target
    np.testing.assert_allclose(_perplexity_in_bits(cond), perplexity, rtol=1e-3)
    joint = joint_affinities(cond)
    assert joint.sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(joint, joint.T)


def test_affinities_prefer_near_points():
    # on a line, the nearest point gets more weight than the next one, in every row
    x = np.arange(10.0)[:, None] ** 1.5 * np.ones((1, 2))
    cond = conditional_affinities(squared_distances(x), 3.0)
    assert cond[0, 1] > cond[0, 2] > cond[0, 3]
    assert cond[9, 8] > cond[9, 7]


def test_tsne_preserves_the_neighbourhoods_of_clusters(blobs):
    coords = tsne_2d(blobs.vectors, perplexity=8.0, iterations=300, seed=0)
    assert coords.shape == (60, 2) and np.isfinite(coords).all()
    labels = np.repeat([0, 1, 2], 20)
    d2 = squared_distances(coords)
    np.fill_diagonal(d2, np.inf)
    # the 10 nearest map neighbours of every point are in its own cluster (20 points each)
    nearest = np.argsort(d2, axis=1)[:, :10]
    assert (labels[nearest] == labels[:, None]).mean() > 0.98
    # and the clusters are apart: each centre is further from the others than the spread
    centres = np.stack([coords[labels == k].mean(axis=0) for k in range(3)])
    spread = max(np.linalg.norm(coords[labels == k] - centres[k], axis=1).mean()
                 for k in range(3))
    gaps = squared_distances(centres)[np.triu_indices(3, 1)] ** 0.5
    assert gaps.min() > 2.0 * spread
    again = tsne_2d(blobs.vectors, perplexity=8.0, iterations=300, seed=0)
    np.testing.assert_allclose(coords, again)  # the seed decides everything


def test_map_vocabulary(blobs):
    shown, coords = map_vocabulary(blobs, "pca", top_n=50, words=["a1", "c19"])
    assert shown[:50] == blobs.index_to_key[:50] and shown[50:] == ["c19"]
    assert coords.shape == (51, 2)
    np.testing.assert_allclose(coords, project_2d(blobs.get_normed_vectors()[
        [blobs.key_to_index[w] for w in shown]]))
    with pytest.raises(UnknownWordError, match="zebra"):
        map_vocabulary(blobs, words=["zebra"])
    with pytest.raises(ConfigError, match="'pca' or 'tsne'"):
        map_vocabulary(blobs, method="umap")
    with pytest.raises(ConfigError, match=r"'top_n' parameter must be an int in the range \[3"):
        map_vocabulary(blobs, top_n=2)
