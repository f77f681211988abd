"""Figures: the assignment's 2-D picture of word vectors, vocabulary maps and loss curves.

The coordinates come from :mod:`w2v.projection`; this module only draws.

matplotlib is imported inside the functions (``import w2v`` stays light) and figures are drawn
on an Agg canvas owned by the function, so no global pyplot state is touched. Every file is
written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ConfigError
from w2v.projection import check_finite, check_known, map_vocabulary, project_2d
from w2v.validation import Int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from w2v.vectors import Vectors

#: Image formats written, by file suffix: matplotlib's Agg, PDF and SVG backends, and jpeg,
#: tiff and webp through Pillow (which matplotlib requires). Not PostScript: its backend logs a
#: warning for every transparent artist.
FIGURE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "webp")

#: The 24 words plotted by the assignment's run.py, in its order.
ASSIGNMENT_WORDS = (
    "great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet", "enjoyable",
    "boring", "bad", "dumb", "annoying", "female", "male", "queen", "king", "man", "woman",
    "rain", "snow", "hail", "coffee", "tea",
)


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

    As run.py's figure (see :func:`w2v.projection.project_2d`), except that the axis limits are
    padded so that labels at the extremes are not cut off.

    Parameters
    ----------
    vectors : Vectors or ndarray
        A :class:`~w2v.vectors.Vectors` (words looked up by key); an (n, D) matrix whose row i is
        ``words[i]``; or a (V, D) matrix together with ``key_to_index``.
    words : sequence of str
        Words to plot; defaults to the assignment's 24.
    path : path-like
        Image file to write; the suffix names the format (see :data:`FIGURE_FORMATS`).
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
    ConfigError
        If the vector of a word holds NaN or inf, or ``path``'s suffix names no image format.
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
        Image file to write; the suffix names the format (see :data:`FIGURE_FORMATS`).
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
            check_finite(words, np.isfinite(vectors).all(axis=1).tolist())
            return vectors
        lookup = key_to_index
        matrix = vectors
    else:  # a Vectors
        lookup, matrix = vectors.key_to_index, vectors.vectors
    check_known(words, lookup)
    rows = np.asarray(matrix)[[lookup[w] for w in words]]  # (n, D)
    check_finite(words, np.isfinite(rows).all(axis=1).tolist())
    return rows


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


def figure_format(path: str | os.PathLike[str]) -> str:
    """The image format a figure path names by its suffix ("png" when it has none).

    Raises
    ------
    ConfigError
        If the suffix is not one of :data:`FIGURE_FORMATS`.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if not suffix:
        return "png"
    if suffix not in FIGURE_FORMATS:
        raise ConfigError("The figure file {path} ends in {suffix}, which is not an image format "
                          "w2v writes; use one of {accepted}.", path=repr(str(path)),
                          suffix=repr("." + suffix),
                          accepted=", ".join("." + name for name in FIGURE_FORMATS))
    return suffix


def check_figure_output(path: str | os.PathLike[str]) -> str:
    """Check a figure path before any work: a known suffix, a writable regular file.

    Returns
    -------
    str
        The image format (see :func:`figure_format`).

    Raises
    ------
    ConfigError
        If the suffix names no image format.
    OutputError
        If the path is a folder, a device or a FIFO, or its folder is missing or read-only.
    """
    from w2v.formats.paths import check_output_file

    image_format = figure_format(path)
    check_output_file(path, "output file", "a figure")
    return image_format


def _save(fig: Figure, path: str | os.PathLike[str], dpi: int) -> None:
    image_format = check_figure_output(path)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format=image_format, dpi=dpi)


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
        Image file to write; the suffix names the format (see :data:`FIGURE_FORMATS`).
    method : {"pca", "tsne"}
        PCA: the assignment's projection (:func:`w2v.projection.project_2d`) over all
        ``top_n`` words. t-SNE: exact t-SNE (:func:`w2v.projection.tsne_2d`, O(top_n^2)
        memory: keep top_n to a few thousand).
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
    Int(low=0).check("labels", labels)
    words = list(words)
    shown, coords = map_vocabulary(vectors, method, top_n, words, perplexity, seed)
    labelled = set(words) if words else set(shown[:labels])
    name = "PCA" if method == "pca" else "t-SNE"
    default_title = f"{name} of the {len(shown)} most frequent words (unit vectors)"
    _scatter_words(coords, shown, labelled, path, title or default_title, dpi)
    return coords


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
