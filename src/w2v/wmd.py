"""Word Mover's Distance (Kusner et al. 2015) between two documents, as gensim computes it.

Each document is a bag of words: word i carries the mass ``count_i / len(document)``. The
distance is the least total cost of moving the mass of one bag onto the other, where moving
a unit from word i to word j costs the Euclidean distance of their vectors (unit vectors by
default). The transport problem is solved exactly by POT's network simplex (``ot.emd2``), an
optional dependency: ``pip install 'w2v[wmd]'``.

gensim's conventions are kept: words not in the vocabulary are left out; a document left
empty gives ``inf``; two documents made of one same word give 0; a cost matrix of zeros
(different words with identical vectors) gives ``inf``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from w2v.errors import MissingExtraError

if TYPE_CHECKING:
    from w2v.vectors import Vectors


def wmdistance(vectors: Vectors, document1: Sequence[str], document2: Sequence[str],
               norm: bool = True) -> float:
    """Word Mover's Distance between ``document1`` and ``document2`` (lists of words).

    Parameters
    ----------
    vectors : Vectors
    document1, document2 : list of str
    norm : bool
        Use unit-length word vectors (gensim's default).

    Returns
    -------
    float
        The distance, >= 0; ``inf`` when a document has no word in the vocabulary.

    Raises
    ------
    MissingExtraError
        If POT is not installed (an ImportError naming the extra to install).
    """
    try:
        from ot import emd2
    except ImportError:
        raise MissingExtraError("wmdistance needs the POT package (optimal transport): "
                                "pip install 'w2v[wmd]'.") from None
    bags = [Counter(w for w in doc if w in vectors.key_to_index) for doc in (document1,
                                                                          document2)]
    if not bags[0] or not bags[1]:
        warnings.warn("wmdistance: a document has no word in the vocabulary; the distance is "
                      "inf.", stacklevel=3)
        return float("inf")
    if len(bags[0].keys() | bags[1].keys()) == 1:
        return 0.0  # one same word on both sides
    words = [list(bag) for bag in bags]
    left, right = (np.asarray(_rows(vectors, [vectors.key_to_index[w] for w in side], norm),
                              dtype=np.float64) for side in words)  # (n1, D), (n2, D)
    cost = np.linalg.norm(left[:, None] - right[None], axis=2)  # (n1, n2) Euclidean distances
    if abs(cost.sum()) < 1e-8:
        return float("inf")  # gensim's guard: the solver stalls on an all-zero cost
    masses = [np.array([bag[w] for w in side], dtype=np.float64) / sum(bag.values())
              for bag, side in zip(bags, words, strict=True)]
    return float(emd2(masses[0], masses[1], cost))


def _rows(vectors: Vectors, ids: list[int], norm: bool) -> np.ndarray:
    """The (k, D) vectors of rows ``ids``, unit length if ``norm``."""
    return vectors.unit_rows(ids) if norm else vectors.vectors[ids]
