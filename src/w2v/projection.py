"""Projections of word vectors to 2-D: the assignment's SVD/PCA and exact t-SNE.

Pure numpy, no figures: :mod:`w2v.plot` draws what these functions compute.

``project_2d``
    The assignment's projection (run.py): center the rows, SVD of their covariance, the first
    two components. Used for the 24-word figure and for PCA maps of the vocabulary.
``map_vocabulary``
    The most frequent words' unit vectors mapped by PCA or t-SNE (``w2v plot --pca/--tsne``).
``tsne_2d``
    Exact t-SNE (van der Maaten & Hinton 2008), O(n^2) time and memory: a few thousand points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, UnknownWordError
from w2v.validation import Int

if TYPE_CHECKING:
    from w2v.vectors import Vectors

METHODS = ("pca", "tsne")


def project_2d(matrix: np.ndarray) -> np.ndarray:
    """The assignment's projection: center the rows, SVD of the covariance, first 2 components.

    Parameters
    ----------
    matrix : ndarray, shape (n, D)
        One vector per plotted word.

    Returns
    -------
    ndarray of float64, shape (n, 2)
        ``(X - mean) @ U[:, :2]`` with ``U, S, Vt = svd((X - mean).T @ (X - mean) / n)``.
    """
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ConfigError(f"Need an (n, D) matrix with n >= 2 words and D >= 2 dimensions to "
                          f"project to 2-D. Got shape {x.shape} instead.")
    centered = x - x.mean(axis=0)
    covariance = centered.T @ centered / len(x)  # (D, D)
    u, _, _ = np.linalg.svd(covariance)
    return centered @ u[:, :2]


def check_method(method: str) -> str:
    """Return ``method`` if it is one of :data:`METHODS`, else raise :class:`ConfigError`."""
    if method not in METHODS:
        raise ConfigError("The {method} must be 'pca' or 'tsne'. Got {got} instead.",
                          got=repr(method))
    return method


def map_2d(rows: np.ndarray, method: str = "pca", perplexity: float = 30.0,
           seed: int = 0) -> np.ndarray:
    """Map ``rows`` (n, D) to (n, 2) by ``method``: "pca" (:func:`project_2d`) or "tsne".

    Raises
    ------
    ConfigError
        If ``method`` is unknown or there are too few rows for it.
    """
    check_method(method)
    return project_2d(rows) if method == "pca" else tsne_2d(rows, perplexity, seed=seed)


def map_vocabulary(vectors: Vectors, method: str = "pca", top_n: int = 1000,
                   words: Sequence[str] = (), perplexity: float = 30.0,
                   seed: int = 0) -> tuple[list[str], np.ndarray]:
    """2-D coordinates of the ``top_n`` most frequent words, plus ``words`` outside them.

    The rows are scaled to unit length first, so that the map reflects cosine similarity
    (word2vec norms grow with frequency and would otherwise dominate the first component).
    Rows holding NaN or inf among the ``top_n`` are left out (they have no direction).

    Parameters
    ----------
    vectors : Vectors
        Rows in descending frequency order.
    method : {"pca", "tsne"}
        See :func:`map_2d`.
    top_n : int
        Number of words mapped (the most frequent).
    words : sequence of str
        Words that must be on the map (added if outside the top ``top_n``).
    perplexity, seed
        t-SNE's perplexity and random seed.

    Returns
    -------
    (list of str, ndarray of float64 of shape (n, 2))
        The mapped words (the top ``top_n``, then the extra ``words``) and their coordinates.

    Raises
    ------
    ConfigError
        If ``method`` is unknown, fewer than 3 words would be mapped, or the vector of one of
        ``words`` holds NaN or inf.
    UnknownWordError
        If one of ``words`` is not in the vocabulary.
    """
    check_method(method)  # before the rows are gathered
    Int(low=3).check("top_n", top_n)
    check_known(words, vectors.key_to_index)
    finite = vectors.finite_rows  # (V,)
    check_finite(words, [finite[vectors.key_to_index[w]] for w in words])
    shown = [w for w, ok in zip(vectors.index_to_key[:top_n], finite[:top_n].tolist(),
                                strict=False) if ok]
    shown += [w for w in words if vectors.key_to_index[w] >= top_n]
    if len(shown) < 3:
        raise ConfigError(f"Need at least 3 words to draw a map; got {len(shown)}.")
    rows = vectors.unit_rows([vectors.key_to_index[w] for w in shown])  # (n, D)
    return shown, map_2d(rows, method, perplexity, seed)


def check_known(words: Sequence[str], lookup: Mapping[str, int]) -> None:
    """Raise :class:`UnknownWordError` naming every word of ``words`` not in ``lookup``."""
    missing = [w for w in words if w not in lookup]
    if missing:
        raise UnknownWordError(f"Not in the vocabulary, cannot plot: {', '.join(missing)}.")


def check_finite(words: Sequence[str], finite: Sequence[bool]) -> None:
    """Raise :class:`ConfigError` naming the words whose vectors hold NaN or inf."""
    bad = [word for word, ok in zip(words, finite, strict=True) if not ok]
    if bad:
        raise ConfigError("Cannot place {words} in 2-D: their vectors hold NaN or inf.",
                          words=", ".join(map(repr, bad)))


def tsne_2d(matrix: np.ndarray, perplexity: float = 30.0, iterations: int = 500,
            seed: int = 0) -> np.ndarray:
    """Exact t-SNE (van der Maaten & Hinton 2008) of ``matrix`` (n, D) to (n, 2), in numpy.

    Gaussian affinities ``p_j|i`` with a per-row bandwidth matching ``perplexity``, symmetrised
    ``P = (P + P^T) / 2n``; Student-t affinities ``q_ij ∝ (1 + |y_i - y_j|^2)^-1`` in the map;
    gradient ``dC/dy_i = 4 Σ_j (p_ij - q_ij)(y_i - y_j)(1 + |y_i - y_j|^2)^-1``, with early
    exaggeration (12, first 250 steps), momentum and per-coordinate gains as in the paper,
    started from the PCA projection.
    O(n^2) time and memory per step: meant for up to a few thousand points.

    Returns
    -------
    ndarray of float64, shape (n, 2)
    """
    x = np.asarray(matrix, dtype=np.float64)
    n = x.shape[0]
    if n < 3:
        raise ConfigError(f"t-SNE needs at least 3 points; got {n}.")
    perplexity = min(perplexity, (n - 1) / 3.0)  # the usual bound: 3 * perplexity < n
    p = joint_affinities(conditional_affinities(squared_distances(x), perplexity))  # (n, n)
    p = p.astype(REAL)  # the n^2 work of each step in float32: half the memory traffic
    # PCA initialisation (scikit-learn's and openTSNE's default) keeps the global layout and
    # avoids the stretched maps of a random start; a little noise from the seed breaks ties
    rng = np.random.default_rng(seed)
    y = project_2d(x)
    y = 1e-4 * y / max(float(y[:, 0].std()), 1e-12) + rng.normal(scale=1e-6, size=(n, 2))
    update = np.zeros_like(y)
    gains = np.ones_like(y)
    # n / early exaggeration (Belkina et al. 2019); a floor of 50 (scikit-learn) diverges for
    # small n
    learning_rate = max(n / 12.0, 2.0)
    for step in range(iterations):
        exaggeration, momentum = (12.0, 0.5) if step < 250 else (1.0, 0.8)
        y32 = y.astype(REAL)
        # (n, n) Student-t numerators (1 + |y_i - y_j|^2)^-1, built in place in float32
        kernel = np.subtract.outer(y32[:, 0], y32[:, 0])
        kernel *= kernel
        dy = np.subtract.outer(y32[:, 1], y32[:, 1])
        dy *= dy
        kernel += dy
        kernel += 1.0
        np.reciprocal(kernel, out=kernel)
        np.fill_diagonal(kernel, 0.0)
        # (p_ij - q_ij) (1 + |y_i - y_j|^2)^-1 with q_ij = kernel_ij / sum(kernel)
        weights = (exaggeration * p - kernel * REAL(1.0 / kernel.sum())) * kernel
        grad = 4.0 * (weights.sum(axis=1)[:, None] * y - (weights @ y32).astype(np.float64))
        same_sign = (grad > 0) == (update > 0)
        gains = np.maximum(np.where(same_sign, gains * 0.8, gains + 0.2), 0.01)
        update = momentum * update - learning_rate * gains * grad
        y = y + update
        y -= y.mean(axis=0)
    return y


def squared_distances(x: np.ndarray) -> np.ndarray:
    """(n, n) squared Euclidean distances of the rows of x (n, k), clipped at 0."""
    sq = (x * x).sum(axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0)


def conditional_affinities(d2: np.ndarray, perplexity: float) -> np.ndarray:
    """t-SNE's conditional probabilities ``p_j|i`` (n, n) from squared distances d2 (n, n).

    ``p_j|i = exp(-beta_i d2_ij) / sum_k!=i exp(-beta_i d2_ik)`` with ``p_i|i = 0``; each
    row's ``beta_i = 1 / (2 sigma_i^2)`` is found by bisection (all rows at once) so that the
    row's perplexity ``2^H(P_i)`` (H in bits) equals ``perplexity``.

    Returns
    -------
    ndarray of float64, shape (n, n)
        Each row sums to 1.
    """
    n = d2.shape[0]
    target = np.log(perplexity)  # wanted entropy of each row, in nats (2^H_bits = e^H_nats)
    d2 = np.array(d2, dtype=np.float64)  # a copy: the caller's matrix is left as it was
    np.fill_diagonal(d2, np.inf)  # a point is not its own neighbour: exp(-inf) = 0
    d2 -= d2.min(axis=1, keepdims=True)  # shift per row for stable exponentials
    finite_d2 = np.where(np.isfinite(d2), d2, 0.0)
    lo, hi = np.full(n, -30.0), np.full(n, 30.0)  # bounds on log(beta)
    for _ in range(64):  # 64 halvings of [-30, 30]: beta to double precision
        mid = (lo + hi) / 2.0
        beta = np.exp(mid)[:, None]
        w = np.exp(-d2 * beta)
        total = np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        cond = w / total
        # H = log(sum_j w_j) + beta * sum_j p_j d2_j, the entropy of the row in nats
        entropy = np.log(total[:, 0]) + beta[:, 0] * (cond * finite_d2).sum(axis=1)
        too_flat = entropy > target  # entropy falls as beta grows
        lo = np.where(too_flat, mid, lo)
        hi = np.where(too_flat, hi, mid)
    return cond


def joint_affinities(cond: np.ndarray) -> np.ndarray:
    """Symmetric joint probabilities ``P = (P_cond + P_cond^T) / 2n`` (n, n), summing to 1."""
    p = (cond + cond.T) / (2.0 * cond.shape[0])
    return np.maximum(p, 1e-12)  # a floor, as in the paper's code: no pair is exactly 0
