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
    missing = [w for w in words if w not in lookup]
    if missing:
        raise UnknownWordError(f"Not in the vocabulary, cannot plot: {', '.join(missing)}.")
    return np.asarray(matrix)[[lookup[w] for w in words]]


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
