"""The logistic unit of every loss, for the numba kernels: sigma(f) and log(1 + exp(-|f|)).

Each unit of negative sampling, hierarchical softmax and the subword model needs sigma(f)
for its gradient and -log sigma(+-f) for its loss:

    -log sigma(f)  = softplus + max(-f, 0)
    -log sigma(-f) = softplus + max(f, 0),     softplus = log(1 + exp(-|f|))

An exp and a division per unit took about a quarter of the hierarchical-softmax step
(measured on the step alone, D = 100). Here both values come from one table over
|f| < :data:`RANGE`, read with linear interpolation between points 1/:data:`STEPS` apart.
The error of linear interpolation is at most h^2/8 max|y''| (h = 1/STEPS): 1.9e-7 for sigma
(|sigma''| <= 0.097) and 4.8e-7 for softplus (|softplus''| <= 1/4), below float32's
resolution of the weights the gradients are added to. So this is the same model as the
exact function, not word2vec.c's approximation (a 1,000-entry table over (-6, 6) read
without interpolation, units beyond it skipped). Outside the table, and for NaN, the exact
formulas run: a NaN score still gives a NaN loss.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Table points per unit of |f|, and the table's end (sigma(8) = 0.99966: scores beyond it
# are a few in 10,000 units, measured on the text8 prefix).
STEPS = 256
RANGE = 8.0

_x = np.arange(int(RANGE * STEPS) + 2, dtype=np.float64) / STEPS
# (n, 2): sigma(x) and softplus at x side by side, so one lookup reads one cache line.
_TABLE = np.stack([1.0 / (1.0 + np.exp(-_x)), np.log1p(np.exp(-_x))], axis=1)
del _x

_JIT = {"nogil": True, "cache": True, "error_model": "numpy",
        "fastmath": {"reassoc", "contract", "nsz", "arcp"}}


@njit(**_JIT)
def logistic(f: float) -> tuple[float, float]:
    """(sigma(f), log(1 + exp(-|f|))) for a score f, absolute error < 5e-7.

    The loss of a unit with label 1 is ``softplus + max(-f, 0)``, with label 0
    ``softplus + max(f, 0)`` (see the module docstring).
    """
    a = abs(f)
    if a < RANGE:
        x = a * STEPS
        i = int(x)
        t = x - i
        sig = _TABLE[i, 0] + t * (_TABLE[i + 1, 0] - _TABLE[i, 0])
        soft = _TABLE[i, 1] + t * (_TABLE[i + 1, 1] - _TABLE[i, 1])
    else:  # beyond the table, or NaN (the comparison is False)
        e = math.exp(-a)
        sig = 1.0 / (1.0 + e)
        soft = math.log1p(e)
    return (sig if f >= 0.0 else 1.0 - sig), soft
