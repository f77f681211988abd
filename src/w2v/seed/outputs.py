"""What a run of the assignment leaves in its output folder: the figure, the vectors, the loss.

::

    word_vectors.png   the assignment's 2-D picture of its 24 words (run.py's last step)
    vectors.txt        the center vectors, which run.py plots, in word2vec text format
    loss.tsv           iteration and smoothed loss, one line per report (every 10 iterations)
    loss.png           the same as a curve (only when there is at least one report)

Each file is written atomically: a reader sees the previous file or the new one, never a part.
matplotlib is imported only when a figure is drawn (by :mod:`w2v.plot`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from w2v.atomic import atomic_write
from w2v.plot import ASSIGNMENT_WORDS, plot_loss_curve, plot_word_vectors_2d
from w2v.vectors import Vectors

__all__ = ["FIGURE_FILE", "LOSS_FIGURE_FILE", "LOSS_TABLE_FILE", "VECTORS_FILE", "write_outputs"]

FIGURE_FILE = "word_vectors.png"
VECTORS_FILE = "vectors.txt"
LOSS_TABLE_FILE = "loss.tsv"
LOSS_FIGURE_FILE = "loss.png"


def write_outputs(out: Path, words: Sequence[str], center_vectors: np.ndarray,
                  history: Sequence[tuple[int, float]], iteration: int,
                  label: str) -> list[Path]:
    """Write the vectors, the figure and the loss of a finished run into ``out``.

    Parameters
    ----------
    out : Path
        Existing, writable folder.
    words : sequence of str, length N
        The vocabulary, in the order of the rows of ``center_vectors``.
    center_vectors : ndarray of float64, shape (N, D)
        The center vectors V (the first N rows of the assignment's parameters).
    history : sequence of (int, float)
        ``(iteration, smoothed loss)`` of every report, in order.
    iteration : int
        Iterations done, for the figure's title.
    label : str
        How the titles name the run, e.g. ``"neg"`` or ``"neg, faithful"``.

    Returns
    -------
    list of Path
        The files written, in the order of the table above (``loss.png`` only with a history).

    Raises
    ------
    OutputError
        If a file cannot be written (that file is left as it was).
    """
    files = [out / VECTORS_FILE, out / FIGURE_FILE, out / LOSS_TABLE_FILE]
    Vectors(list(words), center_vectors).save(files[0], format="text")
    plot_word_vectors_2d(center_vectors, ASSIGNMENT_WORDS, files[1],
                         key_to_index={word: i for i, word in enumerate(words)},
                         title=f"SST word vectors after {iteration:,} iterations ({label})")
    with atomic_write(files[2], "w", encoding="utf-8") as handle:
        handle.write("iteration\tsmoothed_loss\n")
        handle.writelines(f"{int(it)}\t{value:.6f}\n" for it, value in history)
    if len(history):
        files.append(out / LOSS_FIGURE_FILE)
        plot_loss_curve([{"iteration": it, "loss": value} for it, value in history], files[3],
                        ylabel="smoothed loss (0.95 running average)",
                        title=f"w2v seed ({label}): training loss")
    return files
