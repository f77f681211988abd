"""Gradient checks of the reference math on the assignment's dummy fixture.

:func:`run_gradient_checks` checks, against central differences
(:func:`w2v.reference.gradcheck_naive`), the gradients of both pair losses with respect to the
center vector and to the outside matrix, and of skip-gram with both losses through the SGD
wrapper. It returns one :class:`~w2v.reference.GradcheckReport` per check and prints nothing;
``w2v gradcheck`` turns them into a table.

The fixture is the assignment's (``getDummyObjects`` in its ``word2vec.py``): five tokens
``a..e``, a dataset whose ``sample_token_idx`` is ``random.randint(0, 4)`` and whose
``get_random_context(C)`` draws a center and ``2*C`` outside tokens the same way, and ten
row-normalised random 3-D vectors from ``np.random.seed(9265)``. Like the assignment it uses
Python's global :mod:`random` module; the caller's random state is restored when the checks
end.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from w2v.huffman import build_huffman_tree
from w2v.reference import (
    GradcheckReport,
    gradcheck_naive,
    hierarchical_softmax_loss_and_gradient,
    naive_softmax_loss_and_gradient,
    neg_sampling_loss_and_gradient,
    normalize_rows,
    skipgram,
    word2vec_sgd_wrapper,
)

__all__ = ["DUMMY_TOKENS", "DummyDataset", "DummyFixture", "GradcheckRow", "make_dummy_fixture",
           "run_gradient_checks"]

DUMMY_TOKENS = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
PYTHON_RANDOM_SEED = 31415  # the assignment's random.seed before the dummy checks
NUMPY_RANDOM_SEED = 9265  # the assignment's np.random.seed for the dummy vectors
WINDOW_SIZE = 5  # the assignment's gradient check of the wrapper uses C = 5
# Counts of the dummy tokens a..e for the hierarchical softmax's Huffman tree: paths of
# lengths 2 and 3, so that the check covers both branches and several depths.
DUMMY_COUNTS = (5, 4, 3, 2, 1)


class DummyDataset:
    """The assignment's dummy dataset, drawing from Python's global ``random`` as it does."""

    def __init__(self) -> None:
        self._words = sorted(DUMMY_TOKENS, key=DUMMY_TOKENS.__getitem__)  # a..e, by id

    def sample_token_idx(self) -> int:
        """One ``random.randint(0, N-1)``."""
        return random.randint(0, len(self._words) - 1)

    def get_random_context(self, C: int) -> tuple[str, list[str]]:  # noqa: N803
        """A random center, then ``2*C`` random outside tokens (the center may repeat)."""
        center = self._words[random.randint(0, len(self._words) - 1)]
        context = [self._words[random.randint(0, len(self._words) - 1)] for _ in range(2 * C)]
        return center, context


@dataclass(frozen=True)
class DummyFixture:
    """The dataset, the (10, 3) vectors (5 center rows over 5 outside rows) and the token ids."""

    dataset: DummyDataset
    vectors: np.ndarray
    tokens: dict[str, int]


def make_dummy_fixture() -> DummyFixture:
    """Build the assignment's dummy fixture, after ``random.seed(31415)`` as the assignment.

    The published negative-sampling numbers depend on that seeding of the global ``random``.
    The vectors are ``normalize_rows(randn(10, 3))`` from a ``RandomState(9265)``: the same
    numbers as the assignment's ``np.random.seed(9265)``, without touching numpy's global state.
    """
    random.seed(PYTHON_RANDOM_SEED)
    vectors = normalize_rows(np.random.RandomState(NUMPY_RANDOM_SEED).randn(10, 3))
    return DummyFixture(DummyDataset(), vectors, dict(DUMMY_TOKENS))


@dataclass(frozen=True)
class GradcheckRow:
    """One row of the gradient-check table: which function, with respect to what, the result."""

    function: str
    wrt: str
    report: GradcheckReport

    @property
    def passed(self) -> bool:
        """True when the check passed."""
        return self.report.passed


def dummy_hs_loss() -> Callable:
    """The hierarchical-softmax pair loss over the dummy tokens' Huffman tree."""
    loss = functools.partial(hierarchical_softmax_loss_and_gradient,
                             tree=build_huffman_tree(np.array(DUMMY_COUNTS)))
    functools.update_wrapper(loss, hierarchical_softmax_loss_and_gradient)
    return loss


def _check(function: str, wrt: str, f: Callable, x: np.ndarray) -> GradcheckRow:
    report = gradcheck_naive(f, x, f"{function} wrt {wrt}", raise_on_failure=False)
    return GradcheckRow(function, wrt, report)


def _pair_checks(loss_fn: Callable, fixture: DummyFixture,
                 rng: np.random.RandomState) -> list[GradcheckRow]:
    """Check a pair loss wrt the center vector and wrt the outside matrix (the 2021 tests)."""
    dataset, vectors, name = fixture.dataset, fixture.vectors, loss_fn.__name__
    center = rng.randn(3)
    wrt_center = _check(name, "v_c", lambda v: loss_fn(v, 1, vectors, dataset)[:2], center)
    center = rng.randn(3)
    wrt_outside = _check(name, "U", lambda u: loss_fn(center, 1, u, dataset)[::2], vectors)
    return [wrt_center, wrt_outside]


def _wrapper_check(name: str, loss_fn: Callable, fixture: DummyFixture) -> GradcheckRow:
    """Check skip-gram with ``loss_fn`` through the SGD wrapper (window 5, batch 50)."""
    def f(vec: np.ndarray) -> tuple[float, np.ndarray]:
        return word2vec_sgd_wrapper(skipgram, fixture.tokens, vec, fixture.dataset,
                                    WINDOW_SIZE, loss_fn)
    return _check(f"skipgram + {name} (wrapper)", "V, U", f, fixture.vectors)


def run_gradient_checks() -> list[GradcheckRow]:
    """Run every gradient check of the reference math on the dummy fixture.

    Returns
    -------
    list of GradcheckRow
        In order: naive softmax wrt the center vector ``v_c`` (3 coordinates) and the outside
        matrix ``U`` (10 x 3), negative sampling likewise, hierarchical softmax likewise
        (over the Huffman tree of :data:`DUMMY_COUNTS`), then skip-gram through the SGD
        wrapper (stacked V over U, 10 x 3) with naive softmax, negative sampling and
        hierarchical softmax. The first two wrapper checks run first, right after seeding,
        as in the assignment; the hierarchical-softmax checks come after every published
        one, so they do not change the random draws the assignment's numbers depend on.
        Failures are reported, not raised (check ``row.passed``).
    """
    saved_state = random.getstate()
    try:
        fixture = make_dummy_fixture()
        reports = [
            _wrapper_check("naive softmax", naive_softmax_loss_and_gradient, fixture),
            _wrapper_check("neg. sampling", neg_sampling_loss_and_gradient, fixture),
        ]
        rng = np.random.RandomState(NUMPY_RANDOM_SEED)
        pair = (_pair_checks(naive_softmax_loss_and_gradient, fixture, rng)
                + _pair_checks(neg_sampling_loss_and_gradient, fixture, rng))
        hs_loss = dummy_hs_loss()
        hs = [*_pair_checks(hs_loss, fixture, rng),
              _wrapper_check("hier. softmax", hs_loss, fixture)]
        return pair + hs[:2] + reports + hs[2:]
    finally:
        random.setstate(saved_state)
