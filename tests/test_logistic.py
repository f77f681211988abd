"""The kernels' logistic unit (w2v.engines.logistic) against the exact functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2v.engines.logistic import RANGE, logistic


def _exact(f: float) -> tuple[float, float]:
    e = math.exp(-abs(f))
    return (1.0 if f >= 0 else e) / (1.0 + e), math.log1p(e)


def test_logistic_is_within_its_stated_error_everywhere():
    # Dense over the table (and between its points), then beyond it on both sides.
    scores = np.concatenate([np.linspace(-RANGE - 1, RANGE + 1, 200_001),
                             [-50.0, -RANGE, RANGE, 50.0, 700.0, -700.0, 0.0]])
    worst_sig = worst_soft = 0.0
    for f in scores:
        sig, soft = logistic(float(f))
        exact_sig, exact_soft = _exact(float(f))
        worst_sig = max(worst_sig, abs(sig - exact_sig))
        worst_soft = max(worst_soft, abs(soft - exact_soft))
    assert worst_sig < 2e-7
    assert worst_soft < 5e-7


def test_logistic_keeps_the_symmetry_of_sigma():
    for f in (0.3, 2.71, 7.99, 12.0):
        assert logistic(f)[0] + logistic(-f)[0] == pytest.approx(1.0, abs=1e-15)
        assert logistic(f)[1] == logistic(-f)[1]


def test_non_finite_scores_stay_visible():
    # A diverging run must show NaN, and an infinite score an infinite loss term.
    sig, soft = logistic(float("nan"))
    assert math.isnan(sig) and math.isnan(soft)
    assert logistic(float("inf")) == (1.0, 0.0)
    assert logistic(float("-inf")) == (0.0, 0.0)
