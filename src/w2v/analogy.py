"""The analogy scorers, 3CosAdd and 3CosMul: one implementation for queries and evaluation.

Both score every word of a vocabulary against a query made of unit vectors; the query
methods of :class:`~w2v.vectors.Vectors` ask one question at a time, :mod:`w2v.evaluate`
asks a batch of thousands, and both call the functions below, so a query and the
benchmark can never disagree on what an answer is.

- **3CosAdd** (Mikolov et al. 2013; gensim's ``most_similar``): the cosine of each word with
  the weighted mean of the positive minus the negative unit vectors,
  ``cos(w, (b - a + c) / 3)`` for "a is to b as c is to ?".
- **3CosMul** (Levy & Goldberg 2014; gensim's ``most_similar_cosmul``): cosines shifted to
  [0, 1], multiplied over the positives and divided by those of the negatives,
  ``cos'(w, b) cos'(w, c) / (cos'(w, a) + 1e-6)`` with ``cos' = (1 + cos) / 2``.
"""

from __future__ import annotations

import numpy as np

from w2v.dtypes import REAL

METHODS = ("3cosadd", "3cosmul")
# 3CosMul's guard against dividing by a zero shifted cosine (the paper's epsilon).
COSMUL_EPSILON = 1e-6


def cosadd_scores(normed: np.ndarray, query: np.ndarray) -> np.ndarray:
    """3CosAdd: cosine of every row with each query direction.

    Parameters
    ----------
    normed : ndarray, shape (R, D)
        Unit-length word vectors (a zero row scores 0).
    query : ndarray, shape (B, D)
        Sums of weighted unit vectors, one question a row (``b - a + c``); their length
        does not matter.

    Returns
    -------
    ndarray, shape (B, R)
        Cosines in [-1, 1].
    """
    norms = np.linalg.norm(query, axis=1, keepdims=True)  # (B, 1)
    unit = (query / np.maximum(norms, 1e-30)).astype(REAL, copy=False)
    return unit @ normed.T  # (B, D) @ (D, R)


def cosmul_scores(normed: np.ndarray, positive: np.ndarray,
                  negative: np.ndarray) -> np.ndarray:
    """3CosMul: product of shifted cosines with the positives over those with the negatives.

    Parameters
    ----------
    normed : ndarray, shape (R, D)
        Unit-length word vectors.
    positive : ndarray, shape (B, P, D)
        Unit vectors of each question's positive terms (``b`` and ``c``); P >= 1.
    negative : ndarray, shape (B, N, D)
        Unit vectors of its negative terms (``a``); N may be 0.

    Returns
    -------
    ndarray, shape (B, R)
        Non-negative scores; higher is a better answer.
    """
    # (B, k, D) @ (D, R) -> (B, k, R): cosines of every row with every term
    return cosmul_from_cosines(positive.astype(REAL, copy=False) @ normed.T,
                               negative.astype(REAL, copy=False) @ normed.T)


def cosmul_from_cosines(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """3CosMul from cosines: ``prod (1 + cos) / 2`` over positives, over that of negatives + eps.

    Parameters
    ----------
    positive : ndarray, shape (B, P, R)
        Cosines of every row with each question's P >= 1 positive terms.
    negative : ndarray, shape (B, N, R)
        Cosines with its N >= 0 negative terms.

    Returns
    -------
    ndarray, shape (B, R)
        Non-negative scores; higher is a better answer.
    """
    scores = ((1.0 + positive) / 2.0).prod(axis=1)  # shifted to [0, 1], multiplied
    if negative.shape[1]:
        scores = scores / (((1.0 + negative) / 2.0).prod(axis=1) + COSMUL_EPSILON)
    return scores
