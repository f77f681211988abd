"""Phrase scores: word2vec.c's, and gensim's "default" and "npmi", for all candidates at once.

With ``n_a``, ``n_b`` the counts of the two words, ``n_ab`` the candidate's, ``N`` the
tokens of the corpus and ``|V|`` the entries held (words plus candidates):

- ``"word2vec"`` (word2phrase): ``(n_ab - min_count) / n_a / n_b * N`` in float32, in that
  order, as word2phrase computes it; a candidate whose words or itself count fewer than
  ``min_count`` scores nothing.
- ``"default"`` (gensim's ``original_scorer``): ``(n_ab - min_count) / (n_a n_b) * |V|``
  in float64.
- ``"npmi"`` (gensim's ``npmi_scorer``): ``ln(p_ab / (p_a p_b)) / -ln(p_ab)`` with
  ``p = n / N``, for candidates of count ``>= min_count`` (computed with :func:`math.log`,
  as gensim, so that scores at the threshold agree to the last bit).
- a callable: gensim's signature ``f(worda_count, wordb_count, bigram_count, len_vocab,
  min_count, corpus_word_count) -> float``, called once per candidate.

A candidate is a phrase when its score is greater than the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from w2v.errors import ConfigError
from w2v.phrases.counts import PhraseCounts

SCORERS = ("default", "npmi", "word2vec")
# The threshold each scorer uses when none is given: gensim's 10 for "default", word2phrase's
# 100, and 0.5 for npmi (gensim's default of 10 is outside npmi's range [-1, 1]).
DEFAULT_THRESHOLDS = {"default": 10.0, "npmi": 0.5, "word2vec": 100.0}

Scorer = str | Callable[..., float]


def check_scoring(scoring: Scorer, threshold: float) -> None:
    """Refuse an unknown scorer, or a threshold its scores cannot pass (as gensim does)."""
    if callable(scoring):
        return
    if scoring not in SCORERS:
        raise ConfigError("The {scoring} must be one of 'default', 'npmi', 'word2vec' or a "
                          "function. Got {got} instead.", got=repr(scoring))
    if scoring == "npmi" and not -1.0 <= threshold <= 1.0:
        raise ConfigError("The {threshold} must be in [-1, 1] for scoring='npmi' (npmi scores "
                          "lie there). Got {got} instead.", got=repr(threshold))
    if scoring == "default" and threshold <= 0:
        raise ConfigError("The {threshold} must be > 0 for scoring='default'. Got {got} "
                          "instead.", got=repr(threshold))


def phrase_scores(counts: PhraseCounts, scoring: Scorer, min_count: int,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates are phrases, and their scores.

    Parameters
    ----------
    counts : PhraseCounts
        A counting pass.
    scoring : {"default", "npmi", "word2vec"} or callable
        The scorer (module docstring).
    min_count : int
        gensim's and word2phrase's ``min_count``.
    threshold : float
        A phrase scores more than this.

    Returns
    -------
    is_phrase : np.ndarray
        bool, (P,), one per candidate of ``counts``.
    scores : np.ndarray
        float64, (P,): the scores (NaN where a candidate is not scored).
    """
    n_a = counts.counts[counts.left]  # (P,)
    n_b = counts.counts[counts.right]
    n_ab = counts.pair_counts
    scores = np.full(len(n_ab), np.nan)
    if callable(scoring):
        for k in range(len(n_ab)):
            scores[k] = scoring(worda_count=int(n_a[k]), wordb_count=int(n_b[k]),
                                bigram_count=int(n_ab[k]), len_vocab=counts.entries,
                                min_count=min_count, corpus_word_count=counts.total_words)
        is_phrase = scores > threshold
    elif scoring == "word2vec":
        known = (n_a >= min_count) & (n_b >= min_count) & (n_ab >= min_count)
        f32 = np.float32
        score32 = ((n_ab[known] - min_count).astype(f32) / n_a[known].astype(f32)
                   / n_b[known].astype(f32) * f32(counts.total_words))
        scores[known] = score32
        is_phrase = np.zeros(len(n_ab), dtype=bool)
        is_phrase[known] = score32 > f32(threshold)
    elif scoring == "default":
        denominator = (n_a * n_b).astype(np.float64)
        scores = (n_ab - min_count) / denominator * counts.entries
        is_phrase = scores > threshold
    else:
        is_phrase, scores = _npmi(n_a, n_b, n_ab, counts.total_words, min_count, threshold)
    return is_phrase, scores


def _npmi(n_a: np.ndarray, n_b: np.ndarray, n_ab: np.ndarray, total: int, min_count: int,
          threshold: float) -> tuple[np.ndarray, np.ndarray]:
    scores = np.full(len(n_ab), -np.inf)
    n = float(total)
    log = math.log
    for k in np.flatnonzero(n_ab >= min_count).tolist():
        pa, pb, pab = n_a[k] / n, n_b[k] / n, n_ab[k] / n
        scores[k] = log(pab / (pa * pb)) / -log(pab)
    return scores > threshold, scores
