"""Figures: the assignment's 2-D picture of word vectors and training-loss curves.

matplotlib is imported inside the functions (``import w2v`` stays light) and figures are drawn
on an Agg canvas owned by the function, so no global pyplot state is touched. Every file is
written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ConfigError, UnknownWordError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from w2v.vectors import Vectors

#: The 24 words plotted by the assignment's run.py, in its order.
ASSIGNMENT_WORDS = (
    "great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet", "enjoyable",
    "boring", "bad", "dumb", "annoying", "female", "male", "queen", "king", "man", "woman",
    "rain", "snow", "hail", "coffee", "tea",
)


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


def plot_word_vectors_2d(
    vectors: Vectors | np.ndarray,
    words: Sequence[str] = ASSIGNMENT_WORDS,
    path: str | os.PathLike[str] = "word_vectors.png",
    *,
    key_to_index: Mapping[str, int] | None = None,
    title: str | None = None,
    dpi: int = 150,
) -> np.ndarray:
    """Plot words at their 2-D SVD coordinates, labelled in green boxes (assignment 2(c)).

    As run.py's figure (see :func:`project_2d`), except that the axis limits are padded so that
    labels at the extremes are not cut off.

    Parameters
    ----------
    vectors : Vectors or ndarray
        A :class:`~w2v.vectors.Vectors` (words looked up by key); an (n, D) matrix whose row i is
        ``words[i]``; or a (V, D) matrix together with ``key_to_index``.
    words : sequence of str
        Words to plot; defaults to the assignment's 24.
    path : path-like
        PNG file to write.
    key_to_index : mapping, optional
        Word -> row of ``vectors`` when it is a full vocabulary matrix.
    title : str, optional
    dpi : int

    Returns
    -------
    ndarray of float64, shape (n, 2)
        The plotted coordinates.

    Raises
    ------
    UnknownWordError
        If a word is not in the vocabulary.
    OutputError
        If ``path`` cannot be written.
    """
    words = list(words)
    coords = project_2d(_rows_of(vectors, words, key_to_index))
    fig = _new_figure((7.0, 5.5))
    ax = fig.add_subplot()
    for (x, y), word in zip(coords, words, strict=True):
        ax.text(x, y, word, bbox={"facecolor": "green", "alpha": 0.1})
    xlim, ylim = padded_limits(coords)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    if title:
        ax.set_title(title)
    _save(fig, path, dpi)
    return coords


def plot_loss_curve(
    history: Sequence[float] | Sequence[Mapping[str, Any]],
    path: str | os.PathLike[str] = "loss.png",
    *,
    x_key: str | None = None,
    y_key: str = "loss",
    xlabel: str | None = None,
    ylabel: str = "loss",
    title: str | None = None,
    log_y: bool = False,
    dpi: int = 150,
) -> None:
    """Plot a loss curve.

    Parameters
    ----------
    history : sequence of float or of dict
        Losses (x = 1, 2, ...), or records such as :attr:`Model.history` or the seed run's
        ``{"iteration": i, "loss": l}``.
    path : path-like
        PNG file to write.
    x_key : str, optional
        Key of the x value in dict records; default: the first of ``"iteration"``,
        ``"words_done"``, ``"epoch"`` present.
    y_key : str
        Key of the y value in dict records.
    xlabel, ylabel, title : str, optional
    log_y : bool
        Logarithmic y axis.
    dpi : int

    Raises
    ------
    ConfigError
        If ``history`` is empty or its records lack the keys.
    OutputError
        If ``path`` cannot be written.
    """
    x, y, x_name = _curve(history, x_key, y_key)
    fig = _new_figure((7.0, 4.0))
    ax = fig.add_subplot()
    ax.plot(x, y, linewidth=1.2)
    ax.set_xlabel(xlabel or x_name)
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    _save(fig, path, dpi)


def padded_limits(coords: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits around (n, 2) points with room for labels drawn right of and above each point.

    run.py used the bare min and max, which cut the extreme labels off.
    """
    x0, y0 = coords.min(axis=0)
    x1, y1 = coords.max(axis=0)
    dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    return (x0 - 0.05 * dx, x1 + 0.18 * dx), (y0 - 0.05 * dy, y1 + 0.08 * dy)


# --- internals ------------------------------------------------------------------------------

def _rows_of(vectors: Any, words: list[str], key_to_index: Mapping[str, int] | None) -> np.ndarray:
    """The (n, D) matrix of ``words``' vectors."""
    if isinstance(vectors, np.ndarray):
        if key_to_index is None:
            if len(vectors) != len(words):
                raise ConfigError(f"Got {len(vectors)} vectors for {len(words)} words; pass "
                                  f"key_to_index to plot rows of a vocabulary matrix.")
            return vectors
        lookup = key_to_index
        matrix = vectors
    else:  # a Vectors
        lookup, matrix = vectors.key_to_index, vectors.vectors
    _check_known(words, lookup)
    return np.asarray(matrix)[[lookup[w] for w in words]]


def _check_known(words: Sequence[str], lookup: Mapping[str, int]) -> None:
    missing = [w for w in words if w not in lookup]
    if missing:
        raise UnknownWordError(f"Not in the vocabulary, cannot plot: {', '.join(missing)}.")


def _curve(history: Sequence[Any], x_key: str | None,
           y_key: str) -> tuple[np.ndarray, np.ndarray, str]:
    if len(history) == 0:
        raise ConfigError("Cannot plot an empty loss history.")
    if not isinstance(history[0], Mapping):
        y = np.asarray(history, dtype=np.float64)
        return np.arange(1, len(y) + 1), y, "step"
    if x_key is None:
        x_key = next((k for k in ("iteration", "words_done", "epoch") if k in history[0]), None)
    if x_key is None or any(x_key not in r or y_key not in r for r in history):
        raise ConfigError(f"Every history record needs the keys {x_key!r} and {y_key!r}.")
    x = np.asarray([r[x_key] for r in history], dtype=np.float64)
    y = np.asarray([r[y_key] for r in history], dtype=np.float64)
    return x, y, x_key.replace("_", " ")


def _new_figure(size: tuple[float, float]) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="tight")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | os.PathLike[str], dpi: int) -> None:
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=dpi)


# --- the whole vocabulary: PCA and t-SNE maps -----------------------------------------------

def plot_vocabulary_map(
    vectors: Vectors,
    path: str | os.PathLike[str] = "vocabulary.png",
    *,
    method: str = "pca",
    top_n: int = 1000,
    words: Sequence[str] = (),
    labels: int = 40,
    perplexity: float = 30.0,
    seed: int = 0,
    title: str | None = None,
    dpi: int = 150,
) -> np.ndarray:
    """Map the ``top_n`` most frequent words to 2-D by PCA or t-SNE and plot them as dots.

    The rows are scaled to unit length first, so that the map reflects cosine similarity
    (word2vec norms grow with frequency and would otherwise dominate the first component).

    Parameters
    ----------
    vectors : Vectors
        Rows in descending frequency order.
    path : path-like
        PNG file to write.
    method : {"pca", "tsne"}
        PCA: the assignment's projection (:func:`project_2d`) over all ``top_n`` words.
        t-SNE: exact t-SNE (:func:`tsne_2d`, O(top_n^2) memory: keep top_n to a few thousand).
    top_n : int
        Number of words mapped (the most frequent).
    words : sequence of str
        Words to label and highlight (added to the map if outside the top ``top_n``).
    labels : int
        When ``words`` is empty, label this many of the most frequent words.
    perplexity, seed
        t-SNE's perplexity and random seed.
    title : str, optional
    dpi : int

    Returns
    -------
    ndarray of float64, shape (n, 2)
        Coordinates of the mapped words: the top ``top_n``, then the extra ``words``.

    Raises
    ------
    ConfigError
        If ``method`` is unknown or fewer than 3 words would be mapped.
    UnknownWordError
        If one of ``words`` is not in the vocabulary.
    """
    if method not in ("pca", "tsne"):
        raise ConfigError(f"The 'method' parameter must be 'pca' or 'tsne'. Got {method!r}.")
    words = list(words)
    _check_known(words, vectors.key_to_index)
    shown = list(vectors.index_to_key[:top_n])
    shown += [w for w in words if vectors.key_to_index[w] >= top_n]
    if len(shown) < 3:
        raise ConfigError(f"Need at least 3 words to draw a map; got {len(shown)}.")
    rows = vectors.get_normed_vectors()[[vectors.key_to_index[w] for w in shown]]  # (n, D)
    coords = project_2d(rows) if method == "pca" else tsne_2d(rows, perplexity, seed=seed)
    labelled = set(words) if words else set(shown[:labels])
    name = "PCA" if method == "pca" else "t-SNE"
    default_title = f"{name} of the {len(shown)} most frequent words (unit vectors)"
    _scatter_words(coords, shown, labelled, path, title or default_title, dpi)
    return coords


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
    p = _tsne_affinities(_squared_distances(x), perplexity)  # (n, n), sums to 1
    p = p.astype(np.float32)  # the n^2 work of each step in float32: half the memory traffic
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
        y32 = y.astype(np.float32)
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
        weights = (exaggeration * p - kernel * np.float32(1.0 / kernel.sum())) * kernel
        grad = 4.0 * (weights.sum(axis=1)[:, None] * y - (weights @ y32).astype(np.float64))
        same_sign = (grad > 0) == (update > 0)
        gains = np.maximum(np.where(same_sign, gains * 0.8, gains + 0.2), 0.01)
        update = momentum * update - learning_rate * gains * grad
        y = y + update
        y -= y.mean(axis=0)
    return y


def _squared_distances(x: np.ndarray) -> np.ndarray:
    """(n, n) squared Euclidean distances of the rows of x (n, k), clipped at 0."""
    sq = (x * x).sum(axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0)


def _tsne_affinities(d2: np.ndarray, perplexity: float) -> np.ndarray:
    """Symmetric joint probabilities P (n, n) from squared distances, by bisection on beta."""
    n = d2.shape[0]
    target = np.log(perplexity)  # wanted entropy of each row, in nats
    np.fill_diagonal(d2, np.inf)  # a point is not its own neighbour: exp(-inf) = 0
    d2 = d2 - d2.min(axis=1, keepdims=True)  # shift per row for stable exponentials
    finite_d2 = np.where(np.isfinite(d2), d2, 0.0)
    lo, hi = np.full(n, -30.0), np.full(n, 30.0)  # bounds on log(beta), beta = 1 / (2 sigma^2)
    for _ in range(64):  # all rows bisected at once
        mid = (lo + hi) / 2.0
        beta = np.exp(mid)[:, None]
        w = np.exp(-d2 * beta)
        total = np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        cond = w / total
        entropy = np.log(total[:, 0]) + beta[:, 0] * (cond * finite_d2).sum(axis=1)
        too_flat = entropy > target  # entropy falls as beta grows
        lo = np.where(too_flat, mid, lo)
        hi = np.where(too_flat, hi, mid)
    p = (cond + cond.T) / (2.0 * n)
    return np.maximum(p, 1e-12)


def _scatter_words(coords: np.ndarray, words: Sequence[str], labelled: set[str],
                   path: str | os.PathLike[str], title: str, dpi: int) -> None:
    """Small grey dots for every word; labelled words in colour with their text."""
    fig = _new_figure((9.0, 7.0))
    ax = fig.add_subplot()
    mask = np.array([w in labelled for w in words])
    ax.scatter(coords[~mask, 0], coords[~mask, 1], s=4, c="0.6", alpha=0.5, linewidths=0)
    ax.scatter(coords[mask, 0], coords[mask, 1], s=12, c="tab:green")
    for (x, y), word in zip(coords[mask], np.asarray(words, dtype=object)[mask], strict=True):
        ax.annotate(word, (x, y), xytext=(3, 2), textcoords="offset points", fontsize=8)
    xlim, ylim = padded_limits(coords)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    _save(fig, path, dpi)
