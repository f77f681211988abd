"""The assignment's word2vec math in numpy float64: the specification the engines are tested on.

This module is the CS224N a2 starter code (``word2vec.py``, ``sgd.py``, ``utils/utils.py``,
``utils/gradcheck.py``) written as pure functions, in snake_case and with the same order of
arguments. Read ``docs/math.md`` beside it: each formula there names the function here that
implements it.

Conventions
-----------
- Word vectors are **rows**. ``center_word_vectors`` (V) and ``outside_vectors`` (U) are both
  ``(N, D)``: N words in the vocabulary, D dimensions. A score is ``u_w . v_c``, so the scores of
  all words are ``U @ v_c``, shape ``(N,)``.
- Inputs are never mutated (the assignment's ``softmax`` and ``normalizeRows`` mutate theirs;
  we do not keep that quirk). Every function returns new arrays.
- Randomness: this is the seed-faithful path that replays the assignment's use of Python's
  global :mod:`random` module (``random.randint`` inside the datasets and the SGD wrapper,
  ``random.getstate``/``setstate`` in :func:`gradcheck_naive` and :func:`sgd`), because the
  assignment's published numbers depend on that exact order. Everything else in the project
  takes its randomness as an argument.

Quirks kept or changed (see ``docs/math.md``, "Decisions")
----------------------------------------------------------
- kept: ``skipgram`` ignores ``window_size``; the SGD wrapper divides by 50 whatever the window;
  ``get_negative_samples`` excludes only the outside word (the center word may be drawn, and
  duplicates count with multiplicity); the loss EMA falls back to the raw loss when it is 0.0.
- changed: no input mutation; ``gradcheck_naive`` checks every coordinate and returns a report
  (or raises :class:`~w2v.errors.GradientCheckError`) instead of printing; ``sgd`` saves
  parameters and random state in one ``.npz`` file instead of ``.npy`` plus pickle
  (:mod:`w2v.seed.saves`), and on resume anneals the step by whole halvings
  (``0.5 ** (start // 20000)``) so that a resumed run equals an uninterrupted one; the
  assignment's fractional ``0.5 ** (start / 20000)`` is available with
  ``fractional_anneal_on_resume=True``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from w2v.errors import ConfigError, GradientCheckError
from w2v.huffman import HuffmanTree
from w2v.seed.saves import (
    PYTHON_RANDOM,
    Save,
    SaveFolder,
    latest_save_iteration,
    load_saved_params,
    save_params,
)
from w2v.validation import Float, Int

__all__ = [
    "ANNEAL_EVERY",
    "BATCH_SIZE",
    "SAVE_PARAMS_EVERY",
    "ContextDataset",
    "GradcheckReport",
    "gradcheck_naive",
    "get_negative_samples",
    "hierarchical_softmax_loss_and_gradient",
    "latest_save_iteration",
    "load_saved_params",
    "naive_softmax_loss_and_gradient",
    "neg_sampling_loss_and_gradient",
    "normalize_rows",
    "save_params",
    "sgd",
    "sigmoid",
    "skipgram",
    "softmax",
    "word2vec_sgd_wrapper",
]

BATCH_SIZE = 50  # windows per SGD step in the assignment's wrapper
ANNEAL_EVERY = 20_000  # the step is halved after every 20,000th iteration
SAVE_PARAMS_EVERY = 5_000  # the assignment's checkpoint interval
GRADCHECK_H = 1e-4  # central-difference step ("Do not change this!")
GRADCHECK_TOLERANCE = 1e-5  # relative error above this fails


class ContextDataset(Protocol):
    """What the reference math needs from a dataset (the assignment's StanfordSentiment API)."""

    def sample_token_idx(self) -> int:
        """Draw one word id from the noise distribution (``sampleTokenIdx``)."""
        ...

    def get_random_context(self, C: int) -> tuple[str, list[str]]:  # noqa: N803 (assignment name)
        """Draw a center word and up to ``2*C`` outside words (``getRandomContext``)."""
        ...


LossAndGradient = Callable[..., tuple[float, np.ndarray, np.ndarray]]


# --- elementary functions ----------------------------------------------------------------

def sigmoid(x: Any) -> Any:
    """Logistic function, elementwise: :math:`\\sigma(x) = 1 / (1 + e^{-x})`.

    Computed as ``1/(1+e^{-|x|})`` or ``e^{-|x|}/(1+e^{-|x|})`` by sign, so it never overflows;
    ``sigmoid(0) == 0.5`` exactly. Its derivative is :math:`\\sigma(x)(1-\\sigma(x))`.

    Parameters
    ----------
    x : float or ndarray
        Any shape.

    Returns
    -------
    float64 or ndarray of float64
        Same shape as ``x``; a numpy scalar for a scalar input.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))  # in (0, 1]: no overflow for large |x|
    s = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return s[()] if s.ndim == 0 else s


def softmax(x: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis, without touching ``x``.

    :math:`\\mathrm{softmax}(x)_i = e^{x_i - \\max x} / \\sum_j e^{x_j - \\max x}`; subtracting
    the maximum (per row for 2-D input) changes nothing mathematically and avoids overflow.

    Parameters
    ----------
    x : ndarray, shape (N,) or (M, N)

    Returns
    -------
    ndarray of float64, same shape as ``x``
        Each row (or the vector) sums to 1.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise ConfigError("The {x} must be a 1-D or 2-D array. Got {got} dimensions instead.",
                          got=x.ndim)
    shifted = x - x.max(axis=-1, keepdims=True)  # a new array: the caller's x is not shifted
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Divide every row by its L2 norm (plus 1e-30, as the assignment does), without touching ``x``.

    :math:`x_i \\leftarrow x_i / (\\lVert x_i \\rVert_2 + 10^{-30})`.

    Parameters
    ----------
    x : ndarray, shape (N, D)

    Returns
    -------
    ndarray of float64, shape (N, D)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ConfigError("The {x} must be a 2-D array. Got {got} dimensions instead.",
                          got=x.ndim)
    norms = np.sqrt(np.sum(x**2, axis=1)).reshape(-1, 1)
    return x / (norms + 1e-30)


def _log1p_exp(x: np.ndarray | float) -> np.ndarray | float:
    # -log(sigmoid(-x)) = log(1 + e^x), computed without overflow or log(0).
    return np.logaddexp(0.0, x)


# --- losses for one (center, outside) pair -----------------------------------------------

def naive_softmax_loss_and_gradient(
    center_word_vec: np.ndarray,
    outside_word_idx: int,
    outside_vectors: np.ndarray,
    dataset: ContextDataset | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Naive-softmax loss of one (center, outside) pair and its gradients.

    With scores :math:`s = U v_c` (shape (N,)), :math:`\\hat y = \\mathrm{softmax}(s)` and
    :math:`y` the one-hot vector of the outside word ``o``:

    - loss :math:`J = -\\log \\hat y_o = \\log\\sum_w e^{s_w} - s_o`
    - :math:`\\partial J / \\partial v_c = (\\hat y - y) U` (a row vector, shape (D,))
    - :math:`\\partial J / \\partial U = (\\hat y - y)^\\top v_c` (outer product, shape (N, D)):
      row w is :math:`(\\hat y_w - y_w) v_c`.

    Parameters
    ----------
    center_word_vec : ndarray, shape (D,)
        :math:`v_c`.
    outside_word_idx : int
        ``o``, the row of ``outside_vectors`` of the true outside word.
    outside_vectors : ndarray, shape (N, D)
        :math:`U`, one row per vocabulary word.
    dataset : optional
        Unused; kept so that both losses have the same signature.

    Returns
    -------
    loss : float
    grad_center_vec : ndarray of float64, shape (D,)
    grad_outside_vecs : ndarray of float64, shape (N, D)
    """
    v_c = np.asarray(center_word_vec, dtype=np.float64)
    u = np.asarray(outside_vectors, dtype=np.float64)
    scores = u @ v_c  # (N,)
    y_hat = softmax(scores)  # (N,)
    # log-sum-exp form of -log(y_hat[o]): exact where y_hat[o] underflows to 0.
    shift = scores.max()
    loss = float(shift + np.log(np.exp(scores - shift).sum()) - scores[outside_word_idx])
    delta = y_hat.copy()  # y_hat - y
    delta[outside_word_idx] -= 1.0
    return loss, delta @ u, np.outer(delta, v_c)


def get_negative_samples(outside_word_idx: int, dataset: ContextDataset, K: int) -> list[int]:  # noqa: N803
    """Draw ``K`` negative word ids, redrawing only a draw equal to the outside word.

    Consumes randomness exactly as the assignment: one ``dataset.sample_token_idx()`` per draw
    and one more for every redraw, in order. The center word may be drawn and duplicates are
    kept (a word drawn k times counts k times in the loss).

    Parameters
    ----------
    outside_word_idx : int
        The true outside word ``o``, never returned.
    dataset : ContextDataset
        Provides ``sample_token_idx()``.
    K : int
        Number of negatives, >= 1.

    Returns
    -------
    list of int, length K
    """
    _check_positive_int(K, "K")
    samples = []
    for _ in range(K):
        idx = dataset.sample_token_idx()
        while idx == outside_word_idx:
            idx = dataset.sample_token_idx()
        samples.append(int(idx))
    return samples


def neg_sampling_loss_and_gradient(
    center_word_vec: np.ndarray,
    outside_word_idx: int,
    outside_vectors: np.ndarray,
    dataset: ContextDataset | None = None,
    K: int = 10,  # noqa: N803 (the assignment's name)
    neg_sample_word_indices: Sequence[int] | np.ndarray | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative-sampling loss of one (center, outside) pair and its gradients.

    With negatives :math:`w_1..w_K` (a multiset: word k drawn :math:`n_k` times counts
    :math:`n_k` times):

    - loss :math:`J = -\\log\\sigma(u_o \\cdot v_c) -
      \\sum_{k=1}^K \\log\\sigma(-u_{w_k} \\cdot v_c)`
    - :math:`\\partial J/\\partial v_c = (\\sigma(u_o \\cdot v_c) - 1)\\, u_o
      + \\sum_k \\sigma(u_{w_k} \\cdot v_c)\\, u_{w_k}`
    - :math:`\\partial J/\\partial u_o = (\\sigma(u_o \\cdot v_c) - 1)\\, v_c`
    - :math:`\\partial J/\\partial u_w = n_w\\, \\sigma(u_w \\cdot v_c)\\, v_c` for a negative w,
      zero for every other row. (If explicit indices contain ``o`` itself, both terms add up.)

    Cost O(K D) for the loss and the center gradient, instead of naive softmax's O(N D).

    Parameters
    ----------
    center_word_vec : ndarray, shape (D,)
    outside_word_idx : int
    outside_vectors : ndarray, shape (N, D)
    dataset : ContextDataset, optional
        Used to draw the negatives with :func:`get_negative_samples` when
        ``neg_sample_word_indices`` is None (the assignment's behaviour).
    K : int
        Number of negatives to draw; ignored when indices are given.
    neg_sample_word_indices : sequence of int, optional
        Explicit negatives, shape (K,): the call is then deterministic and draws nothing.

    Returns
    -------
    loss : float
    grad_center_vec : ndarray of float64, shape (D,)
    grad_outside_vecs : ndarray of float64, shape (N, D)

    Raises
    ------
    ConfigError
        If neither a dataset nor indices are given, or an index is out of range.
    """
    v_c = np.asarray(center_word_vec, dtype=np.float64)
    u = np.asarray(outside_vectors, dtype=np.float64)
    if neg_sample_word_indices is None:
        if dataset is None:
            raise ConfigError("Give a {dataset} to draw the negatives from, or explicit "
                              "{neg_sample_word_indices}.")
        neg_sample_word_indices = get_negative_samples(outside_word_idx, dataset, K)
    negs = _check_indices(neg_sample_word_indices, len(u), "neg_sample_word_indices")

    s_o = float(u[outside_word_idx] @ v_c)
    s_neg = u[negs] @ v_c  # (K,)
    loss = float(_log1p_exp(-s_o) + _log1p_exp(s_neg).sum())
    sig_o = float(sigmoid(s_o))
    sig_neg = sigmoid(s_neg)  # (K,); equals 1 - sigmoid(-s_neg)
    grad_center = (sig_o - 1.0) * u[outside_word_idx] + sig_neg @ u[negs]
    # Per-word coefficient of v_c: bincount adds a negative once per occurrence (n_k times).
    coef = np.bincount(negs, weights=sig_neg, minlength=len(u))
    coef[outside_word_idx] += sig_o - 1.0
    return loss, grad_center, np.outer(coef, v_c)


def hierarchical_softmax_loss_and_gradient(
    center_word_vec: np.ndarray,
    outside_word_idx: int,
    outside_vectors: np.ndarray,
    dataset: ContextDataset | None = None,
    tree: HuffmanTree | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Hierarchical-softmax loss of one (center, outside) pair and its gradients.

    The outside word ``o`` is the leaf reached from the root of the Huffman ``tree`` by
    the inner nodes :math:`n_1..n_L` (``points``) and branches :math:`b_1..b_L`
    (``codes``); ``outside_vectors`` holds one row :math:`u_n` per inner node (word2vec.c's
    ``syn1``). With :math:`s_d = u_{n_d} \\cdot v_c` and the sign
    :math:`\\epsilon_d = 1 - 2 b_d` (branch 0 is the positive class, as in word2vec.c):

    - loss :math:`J = -\\sum_d \\log\\sigma(\\epsilon_d s_d)`
    - :math:`\\partial J/\\partial v_c = \\sum_d (\\sigma(s_d) - 1 + b_d)\\, u_{n_d}`
    - :math:`\\partial J/\\partial u_{n_d} = (\\sigma(s_d) - 1 + b_d)\\, v_c`, zero for every
      row off the path (the nodes of one path are distinct).

    Cost O(L D), L about log2 of the vocabulary size.

    Parameters
    ----------
    center_word_vec : ndarray, shape (D,)
    outside_word_idx : int
        The leaf (word id) whose path is scored.
    outside_vectors : ndarray, shape (M, D)
        Inner-node vectors, M >= V - 1 (extra rows get zero gradient).
    dataset : optional
        Unused; kept so that every loss has the same signature.
    tree : HuffmanTree
        The codes and points (:func:`w2v.huffman.build_huffman_tree`).

    Returns
    -------
    loss : float
    grad_center_vec : ndarray of float64, shape (D,)
    grad_outside_vecs : ndarray of float64, shape (M, D)

    Raises
    ------
    ConfigError
        If no tree is given, or its nodes do not fit ``outside_vectors``.
    """
    if tree is None:
        raise ConfigError("Give the Huffman {tree} whose paths the hierarchical softmax "
                          "scores (w2v.huffman.build_huffman_tree).", parameter="tree")
    v_c = np.asarray(center_word_vec, dtype=np.float64)
    u = np.asarray(outside_vectors, dtype=np.float64)
    codes, points = tree.path(int(outside_word_idx))
    if tree.inner_nodes > len(u):
        raise ConfigError("The {outside_vectors} must have a row per inner node of the tree "
                          "({n}). Got {got} rows instead.", parameter="outside_vectors",
                          n=tree.inner_nodes, got=len(u))
    points = points.astype(np.int64)
    sign = 1.0 - 2.0 * codes.astype(np.float64)  # (L,): +1 for branch 0, -1 for branch 1
    scores = u[points] @ v_c  # (L,)
    loss = float(_log1p_exp(-sign * scores).sum())  # -log sigma(eps s) = log(1 + e^{-eps s})
    coef = sigmoid(scores) - 1.0 + codes  # (L,): dJ/ds_d
    grad_outside = np.zeros_like(u)
    grad_outside[points] = np.outer(coef, v_c)
    return loss, coef @ u[points], grad_outside


# --- skip-gram and the SGD wrapper -------------------------------------------------------

def skipgram(
    current_center_word: str,
    window_size: int,
    outside_words: Sequence[str],
    word2ind: dict[str, int],
    center_word_vectors: np.ndarray,
    outside_vectors: np.ndarray,
    dataset: ContextDataset | None,
    word2vec_loss_and_gradient: LossAndGradient = naive_softmax_loss_and_gradient,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Skip-gram loss of one window: the **sum** over its outside words of the pair loss.

    :math:`J_{sg} = \\sum_{j} J(v_c, w_{t+j}, U)`, so :math:`\\partial J_{sg}/\\partial U` and
    :math:`\\partial J_{sg}/\\partial v_c` are the sums of the per-pair gradients and
    :math:`\\partial J_{sg}/\\partial v_w = 0` for every center vector :math:`w \\ne c`.

    The two losses of this module are evaluated for all outside words at once (they share
    :math:`v_c`); negatives are still drawn word by word in list order, so randomness is
    consumed exactly as by the assignment's loop. Any other loss function is called once per
    outside word, as in the assignment.

    Parameters
    ----------
    current_center_word : str
    window_size : int
        Unused (the caller has already chosen the context), as in the assignment.
    outside_words : sequence of str
        Duplicates and the center word itself count like any other word.
    word2ind : dict of str to int
    center_word_vectors : ndarray, shape (N, D)
        V.
    outside_vectors : ndarray, shape (N, D)
        U.
    dataset : ContextDataset or None
        Passed to the loss (negative sampling draws from it).
    word2vec_loss_and_gradient : callable
        ``(v_c, o, U, dataset) -> (loss, grad_v_c (D,), grad_U (N, D))``.

    Returns
    -------
    loss : float
    grad_center_vecs : ndarray of float64, shape (N, D)
        Zero except row ``word2ind[current_center_word]``.
    grad_outside_vectors : ndarray of float64, shape (N, D)
    """
    c = word2ind[current_center_word]
    v = np.asarray(center_word_vectors, dtype=np.float64)
    u = np.asarray(outside_vectors, dtype=np.float64)
    outside_ids = np.array([word2ind[w] for w in outside_words], dtype=np.int64)  # (m,)
    grad_center_vecs = np.zeros_like(v)
    if word2vec_loss_and_gradient is naive_softmax_loss_and_gradient:
        loss, grad_c, grad_outside = _skipgram_naive_softmax(v[c], outside_ids, u)
    elif word2vec_loss_and_gradient is neg_sampling_loss_and_gradient:
        negs = [get_negative_samples(int(o), dataset, 10) for o in outside_ids]
        loss, grad_c, grad_outside = _skipgram_neg_sampling(v[c], outside_ids, u, negs)
    else:
        loss, grad_c, grad_outside = 0.0, np.zeros(v.shape[1]), np.zeros_like(u)
        for o in outside_ids:
            pair_loss, pair_grad_c, pair_grad_u = word2vec_loss_and_gradient(
                v[c], int(o), u, dataset)
            loss += pair_loss
            grad_c = grad_c + pair_grad_c
            grad_outside = grad_outside + pair_grad_u
    grad_center_vecs[c] = grad_c
    return float(loss), grad_center_vecs, grad_outside


def _skipgram_naive_softmax(
    v_c: np.ndarray, outside_ids: np.ndarray, u: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Sum of naive-softmax pair losses over ``outside_ids`` (m,), in one pass over U."""
    m = len(outside_ids)
    if m == 0:
        return 0.0, np.zeros_like(v_c), np.zeros_like(u)
    scores = u @ v_c  # (N,), shared by every pair of the window
    y_hat = softmax(scores)
    shift = scores.max()
    log_z = shift + np.log(np.exp(scores - shift).sum())
    loss = m * log_z - scores[outside_ids].sum()
    # sum_j (y_hat - y_j) = m * y_hat - counts; a repeated outside word counts once per occurrence
    delta = m * y_hat - np.bincount(outside_ids, minlength=len(u))
    return float(loss), delta @ u, np.outer(delta, v_c)


def _skipgram_neg_sampling(
    v_c: np.ndarray, outside_ids: np.ndarray, u: np.ndarray, negs: list[list[int]]
) -> tuple[float, np.ndarray, np.ndarray]:
    """Sum of negative-sampling pair losses; ``negs[j]`` are the negatives of pair j, (m, K)."""
    if len(outside_ids) == 0:
        return 0.0, np.zeros_like(v_c), np.zeros_like(u)
    neg_ids = np.asarray(negs, dtype=np.int64).ravel()  # (m*K,)
    s_o = u[outside_ids] @ v_c  # (m,)
    s_neg = u[neg_ids] @ v_c  # (m*K,)
    loss = _log1p_exp(-s_o).sum() + _log1p_exp(s_neg).sum()
    sig_o_minus_1 = sigmoid(s_o) - 1.0
    sig_neg = sigmoid(s_neg)
    grad_c = sig_o_minus_1 @ u[outside_ids] + sig_neg @ u[neg_ids]
    coef = (np.bincount(outside_ids, weights=sig_o_minus_1, minlength=len(u))
            + np.bincount(neg_ids, weights=sig_neg, minlength=len(u)))
    return float(loss), grad_c, np.outer(coef, v_c)


def word2vec_sgd_wrapper(
    word2vec_model: Callable[..., tuple[float, np.ndarray, np.ndarray]],
    word2ind: dict[str, int],
    word_vectors: np.ndarray,
    dataset: ContextDataset,
    window_size: int,
    word2vec_loss_and_gradient: LossAndGradient = naive_softmax_loss_and_gradient,
) -> tuple[float, np.ndarray]:
    """Mean skip-gram loss over a batch of 50 random windows, and its gradient.

    ``word_vectors`` stacks V (rows ``0..N-1``) over U (rows ``N..2N-1``). For each of 50
    windows, in the assignment's order of Python ``random`` calls: ``C1 =
    random.randint(1, window_size)``, then ``dataset.get_random_context(C1)``, then
    ``word2vec_model(...)``. Loss and gradients are each divided by 50, whatever the number of
    outside words: :math:`J = \\frac{1}{50}\\sum_{b=1}^{50} J_{sg}(\\text{window}_b)`.

    Parameters
    ----------
    word2vec_model : callable
        :func:`skipgram` or the same signature.
    word2ind : dict of str to int
    word_vectors : ndarray, shape (2N, D)
        Not modified.
    dataset : ContextDataset
    window_size : int
        Largest window; each window draws its size in 1..window_size.
    word2vec_loss_and_gradient : callable
        The pair loss passed on to ``word2vec_model``.

    Returns
    -------
    loss : float
    grad : ndarray of float64, shape (2N, D)
    """
    _check_positive_int(window_size, "window_size")
    word_vectors = np.asarray(word_vectors, dtype=np.float64)
    n = int(word_vectors.shape[0] / 2)
    center_word_vectors = word_vectors[:n, :]  # views: the model only reads them
    outside_vectors = word_vectors[n:, :]
    loss = 0.0
    grad = np.zeros_like(word_vectors)
    for _ in range(BATCH_SIZE):
        window_size1 = random.randint(1, window_size)
        center_word, context = dataset.get_random_context(window_size1)
        c, g_in, g_out = word2vec_model(
            center_word, window_size1, context, word2ind, center_word_vectors,
            outside_vectors, dataset, word2vec_loss_and_gradient)
        loss += c / BATCH_SIZE
        grad[:n, :] += g_in / BATCH_SIZE
        grad[n:, :] += g_out / BATCH_SIZE
    return loss, grad


# --- gradient check ------------------------------------------------------------------------

@dataclass(frozen=True)
class GradcheckReport:
    """Result of :func:`gradcheck_naive`.

    Attributes
    ----------
    name : str
        The ``gradient_text`` label.
    checked : int
        Number of coordinates checked (``x.size``).
    max_rel_error : float
        Largest :math:`|num - ana| / \\max(1, |num|, |ana|)` over the coordinates.
    worst_index : tuple of int
        Coordinate of ``max_rel_error``.
    numerical, analytic : float
        The two derivatives at ``worst_index``.
    tolerance : float
        Failure threshold (1e-5).
    """

    name: str
    checked: int
    max_rel_error: float
    worst_index: tuple[int, ...]
    numerical: float
    analytic: float
    tolerance: float = GRADCHECK_TOLERANCE

    @property
    def passed(self) -> bool:
        """True when no coordinate's relative error exceeds the tolerance."""
        return self.max_rel_error <= self.tolerance

    def describe(self) -> str:
        """One line naming the worst coordinate and both derivatives."""
        label = f" for {self.name}" if self.name else ""
        verdict = "passed" if self.passed else "failed"
        return (f"Gradient check {verdict}{label}: worst coordinate {self.worst_index}, "
                f"numerical {self.numerical:.6g}, analytic {self.analytic:.6g}, "
                f"relative error {self.max_rel_error:.3g} (tolerance {self.tolerance:g}).")


def gradcheck_naive(
    f: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    gradient_text: str = "",
    raise_on_failure: bool = True,
) -> GradcheckReport:
    """Compare the analytic gradient of ``f`` at ``x`` with central differences.

    For every coordinate i: :math:`num_i = (f(x + h e_i) - f(x - h e_i)) / 2h` with
    :math:`h = 10^{-4}`, and the check fails when
    :math:`|num_i - g_i| / \\max(1, |num_i|, |g_i|) > 10^{-5}`. As in the assignment, Python's
    ``random`` state is restored to its value at entry before **every** evaluation of ``f``
    (so a stochastic ``f`` sees the same draws each time), and afterwards the state is where
    one call of ``f`` leaves it. Unlike the assignment, every coordinate is checked and the
    evaluations perturb a copy, so ``x`` is never modified.

    Parameters
    ----------
    f : callable
        ``f(x) -> (loss, grad)`` with ``grad`` of the shape of ``x``.
    x : ndarray of float, any shape
    gradient_text : str
        Label used in the report and the error message.
    raise_on_failure : bool
        Raise on failure (default) or return the failing report.

    Returns
    -------
    GradcheckReport

    Raises
    ------
    GradientCheckError
        If a coordinate fails and ``raise_on_failure`` is true; the message names the worst one.
    """
    rndstate = random.getstate()
    x_work = np.array(x, dtype=np.float64, copy=True)
    _, grad = f(x_work.copy())
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x_work.shape:
        raise ConfigError("The {f} must return a gradient of the shape of x, {want}. Got "
                          "{got} instead.", want=x_work.shape, got=grad.shape)
    worst = (-1.0, (), 0.0, 0.0)
    for ix in np.ndindex(x_work.shape):
        original = x_work[ix]
        x_work[ix] = original + GRADCHECK_H
        random.setstate(rndstate)
        f_plus = f(x_work.copy())[0]
        x_work[ix] = original - GRADCHECK_H
        random.setstate(rndstate)
        f_minus = f(x_work.copy())[0]
        x_work[ix] = original  # restored exactly, not by adding h back
        numgrad = (f_plus - f_minus) / (2 * GRADCHECK_H)
        reldiff = abs(numgrad - grad[ix]) / max(1.0, abs(numgrad), abs(grad[ix]))
        if reldiff > worst[0]:
            worst = (float(reldiff), tuple(int(i) for i in ix), float(numgrad), float(grad[ix]))
    report = GradcheckReport(gradient_text, int(x_work.size), max(worst[0], 0.0), worst[1],
                             worst[2], worst[3])
    if not report.passed and raise_on_failure:
        raise GradientCheckError(report.describe())
    return report


# --- SGD ---------------------------------------------------------------------------------
# The saves (parameters, random state, loss average in one file) live in w2v.seed.saves.

def _default_print(iteration: int, exploss: float) -> None:
    print(f"iter {iteration}: {exploss:f}")


def sgd(
    f: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    step: float,
    iterations: int,
    postprocessing: Callable[[np.ndarray], np.ndarray] | None = None,
    use_saved: bool = False,
    print_every: int = 10,
    save_dir: str | Path | SaveFolder = ".",
    save_every: int = SAVE_PARAMS_EVERY,
    print_fn: Callable[[int, float], None] | None = _default_print,
    anneal_every: int = ANNEAL_EVERY,
    fractional_anneal_on_resume: bool = False,
) -> np.ndarray:
    """Stochastic gradient descent with the assignment's schedule, printing and saves.

    For iteration t = start+1 .. ``iterations``: :math:`x \\leftarrow x - \\eta\\, \\nabla f(x)`,
    then ``x = postprocessing(x)``; every ``print_every`` iterations the loss average
    :math:`\\bar J \\leftarrow 0.95 \\bar J + 0.05 J` (or :math:`\\bar J = J` while
    :math:`\\bar J` is None or 0.0) is passed to ``print_fn``; every ``save_every`` iterations
    (only with ``use_saved``) parameters, random state and loss average are saved in
    ``save_dir/saved_<t>.npz`` (:mod:`w2v.seed.saves`); after every
    ``anneal_every``-th iteration the step is halved: :math:`\\eta_t = \\eta_0\\,
    0.5^{\\lfloor (t-1)/20000 \\rfloor}`.

    Parameters
    ----------
    f : callable
        ``f(x) -> (loss, grad)``.
    x0 : ndarray
        Starting point; not modified.
    step : float
        Initial step :math:`\\eta_0` > 0.
    iterations : int
        Last iteration (inclusive), >= 1.
    postprocessing : callable, optional
        Applied to x after each update; identity by default.
    use_saved : bool
        Resume from the latest save in ``save_dir`` (if any) and save every ``save_every``.
    print_every : int
        Iterations between loss reports, >= 1.
    save_dir : path or SaveFolder
        Folder of the saves. A :class:`~w2v.seed.saves.SaveFolder` opened with
        ``resume=False`` starts afresh even if the folder holds saves, and removes them once
        this run's first save is written.
    save_every : int
        Iterations between saves, >= 1.
    print_fn : callable or None
        ``print_fn(iteration, smoothed_loss)``; default prints ``iter N: loss``; None is silent.
    anneal_every : int
        Iterations between halvings of the step.
    fractional_anneal_on_resume : bool
        Reproduce the assignment's resume quirk ``step *= 0.5 ** (start / anneal_every)``
        (fractional) instead of the whole halvings an uninterrupted run would have made.

    Returns
    -------
    ndarray of float64
        The parameters after the last iteration.

    Raises
    ------
    ConfigError
        For a non-positive count or step.
    CheckpointError
        If ``use_saved`` and the latest save is corrupt, incomplete, or of another shape.
    DivergenceError
        If ``use_saved`` and the parameters or the loss average are not finite when a save
        is due (such a state cannot be resumed).
    """
    for value, name in ((iterations, "iterations"), (print_every, "print_every"),
                        (save_every, "save_every"), (anneal_every, "anneal_every")):
        _check_positive_int(value, name)
    Float(low=0.0, open_low=True).check("step", step)
    postprocessing = postprocessing or (lambda x: x)
    x = np.array(x0, dtype=np.float64, copy=True)
    start, exploss, history, saved = 0, None, [], None
    if use_saved:
        saves = save_dir if isinstance(save_dir, SaveFolder) else SaveFolder(save_dir)
        saved = saves.latest(PYTHON_RANDOM, params_shape=x.shape)
    if saved is not None:
        start, exploss, history = saved.iteration, saved.exploss, saved.history.tolist()
        x = saved.params.copy()
        step *= 0.5 ** (start / anneal_every if fractional_anneal_on_resume
                        else start // anneal_every)
        random.setstate(saved.random_state)
    for iteration in range(start + 1, iterations + 1):
        loss, grad = f(x)
        x = x - step * grad
        x = postprocessing(x)
        if iteration % print_every == 0:
            exploss = loss if not exploss else 0.95 * exploss + 0.05 * loss
            if print_fn is not None:
                print_fn(iteration, exploss)
            if use_saved:  # the reports so far travel with the saves
                history.append((iteration, exploss))
        if use_saved and iteration % save_every == 0:
            saves.write(Save(iteration, x, random.getstate(), exploss, np.array(history)))
        if iteration % anneal_every == 0:
            step *= 0.5
    return x


# --- validation --------------------------------------------------------------------------

def _check_positive_int(value: Any, name: str) -> None:
    # numpy ints are accepted too: counts often come out of arrays.
    Int(low=1).check(name, int(value) if isinstance(value, np.integer) else value)


def _check_indices(indices: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(indices)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ConfigError(f"The {{{name}}} must be a 1-D sequence of word ids. Got {{got}} "
                          f"instead.", parameter=name, got=repr(indices))
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ConfigError(f"The {{{name}}} must hold word ids in [0, {{n}}). Got {{got}} "
                          f"instead.", parameter=name, n=n, got=repr(indices))
    return arr
