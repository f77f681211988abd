"""The subword (fastText) model's negative-sampling step in numpy float64: its specification.

The input vector of a training example is the **mean** of some rows of the input table
``w_in`` (fastText's ``computeHidden``): for skip-gram, the subword rows of the center word
(its own row and its n-gram rows, :mod:`w2v.subwords`); for CBOW, the subword rows of all
its context words, one list. With ``R = input_rows`` (k entries, repeats counted),

    h = (1/k) sum_{r in R} w_in[r]

it predicts each target t_j (skip-gram: the context words; CBOW: the center) against K
negatives n_{j1}..n_{jK} of its own (fastText's), or against K negatives shared by all the
targets (``negatives`` of shape (K,): n_{jk} = n_k); a negative equal to the target of its
pair is left out of that pair (fastText redraws it, word2vec.c skips it):

    J = sum_j [ -log sigma(u_{t_j} . h) - sum_{k: n_jk != t_j} log sigma(-u_{n_jk} . h) ]

with u = ``w_out``. Gradients (row vectors):

    dJ/dh         = sum_j [ (sigma(u_{t_j} . h) - 1) u_{t_j}
                            + sum_{k: n_jk != t_j} sigma(u_{n_jk} . h) u_{n_jk} ]
    dJ/dw_in[r]   = (count of r in R / k) dJ/dh
    dJ/du_{t_j}  += (sigma(u_{t_j} . h) - 1) h
    dJ/du_{n_jk} += sigma(u_{n_jk} . h) h         for each (j, k) with n_jk != t_j

The SGD step of fastText (and of the kernels, :mod:`w2v.engines.subword_kernels`) adds
``-lr dJ/dh`` to each entry of R, that is ``-lr k dJ/dw_in[r]`` to row r: the input rows
move k times faster than plain SGD on J would move them (:func:`sgd_step`).

gensim's FastText also offers CBOW on the **sum** (``cbow_mean=0``): h = sum_{r in R}
w_in[r], dJ/dw_in[r] = (count of r in R) dJ/dh, and its step adds ``-lr dJ/dh / k`` to each
entry ("divide error over summed window vectors"). Both choices are parameters here:
``mean`` (h the mean or the sum) and ``divided`` (each entry receives dJ/dh / k, not all
of it).

With hierarchical softmax (fastText's ``-loss hs``) the same h scores each target's path
in the Huffman tree instead: J = sum_j J_hs(h, t_j), each term the word model's
:func:`w2v.reference.hierarchical_softmax_loss_and_gradient` with h as the center vector
(:func:`subword_hs_loss_and_gradient`, :func:`hs_sgd_step`); the input rows take dJ/dh as
above.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from w2v.huffman import HuffmanTree
from w2v.reference import hierarchical_softmax_loss_and_gradient, sigmoid


def _log1p_exp(x: np.ndarray) -> np.ndarray:
    # -log(sigmoid(-x)) = log(1 + e^x), without overflow.
    return np.logaddexp(0.0, x)


def subword_neg_loss_and_gradient(
    w_in: np.ndarray,
    w_out: np.ndarray,
    input_rows: Sequence[int],
    targets: Sequence[int],
    negatives: Sequence[int],
    mean: bool = True,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss J of one example and its gradients wrt both tables (see the module docstring).

    Parameters
    ----------
    w_in : ndarray, shape (R, D)
        Input table (word rows, then hash rows).
    w_out : ndarray, shape (V, D)
        Output vectors.
    input_rows : sequence of int, (k,)
        The rows averaged (or summed) into h, k >= 1 (repeats count).
    targets : sequence of int, (m,)
        Output rows with label 1.
    negatives : array of int, (m, K) or (K,)
        Output rows with label 0: row j for target j, or one row shared by all targets.
    mean : bool
        h is the mean of the input rows (fastText), or their sum (gensim ``cbow_mean=0``).

    Returns
    -------
    loss : float
    grad_w_in : ndarray of float64, shape (R, D)
    grad_w_out : ndarray of float64, shape (V, D)
    """
    w_in = np.asarray(w_in, dtype=np.float64)
    u = np.asarray(w_out, dtype=np.float64)
    rows = np.asarray(input_rows, dtype=np.int64)
    t = np.asarray(targets, dtype=np.int64)
    n = np.asarray(negatives, dtype=np.int64)
    n = np.broadcast_to(n, (len(t), n.shape[-1])) if n.ndim == 1 else n  # (m, K)
    h = _hidden(w_in, rows, mean)
    s_t = u[t] @ h  # (m,)
    s_n = u[n] @ h  # (m, K)
    use = (t[:, None] != n).astype(np.float64)  # (m, K): pair (j, k) counts
    loss = float(_log1p_exp(-s_t).sum() + (use * _log1p_exp(s_n)).sum())
    coef_t = sigmoid(s_t) - 1.0  # (m,)
    coef_n = use * sigmoid(s_n)  # (m, K)
    grad_h = coef_t @ u[t] + np.einsum("jk,jkd->d", coef_n, u[n])  # (D,)
    grad_in = np.outer(_row_weights(rows, len(w_in), mean), grad_h)
    coef_out = (np.bincount(t, weights=coef_t, minlength=len(u))
                + np.bincount(n.ravel(), weights=coef_n.ravel(), minlength=len(u)))
    return loss, grad_in, np.outer(coef_out, h)


def sgd_step(w_in: np.ndarray, w_out: np.ndarray, input_rows: Sequence[int],
             targets: Sequence[int], negatives: Sequence[int],
             lr: float, mean: bool = True,
             divided: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """fastText's SGD step on one example: new float64 tables and the loss before it.

    ``w_out - lr dJ/dw_out``, and every entry of the input list receives ``-lr dJ/dh``
    (``w_in - lr k dJ/dw_in`` on the mean, k = ``len(input_rows)``), or ``-lr dJ/dh / k``
    with ``divided`` (gensim's step on the sum). Inputs are not modified.
    """
    loss, grad_in, grad_out = subword_neg_loss_and_gradient(w_in, w_out, input_rows, targets,
                                                            negatives, mean)
    return (loss, np.asarray(w_in, np.float64) - lr * _entry_scale(input_rows, mean, divided)
            * grad_in, np.asarray(w_out, np.float64) - lr * grad_out)


def _hidden(w_in: np.ndarray, rows: np.ndarray, mean: bool) -> np.ndarray:
    """h (D,): the mean or the sum of ``w_in[rows]``."""
    return w_in[rows].mean(axis=0) if mean else w_in[rows].sum(axis=0)


def _row_weights(rows: np.ndarray, n_rows: int, mean: bool) -> np.ndarray:
    """dh/dw_in[r] for every row r (n_rows,): its count in ``rows``, over k on the mean."""
    counts = np.bincount(rows, minlength=n_rows).astype(np.float64)
    return counts / len(rows) if mean else counts


def _entry_scale(rows: Sequence[int], mean: bool, divided: bool) -> float:
    """What multiplies dJ/dw_in in the step: each entry gets dJ/dh (k on the mean, 1 on the
    sum), divided by k with ``divided``."""
    k = len(rows)
    return (k if mean else 1.0) / (k if divided else 1.0)


def subword_hs_loss_and_gradient(
    w_in: np.ndarray,
    w_hs: np.ndarray,
    input_rows: Sequence[int],
    targets: Sequence[int],
    tree: HuffmanTree,
    mean: bool = True,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Hierarchical-softmax loss of one example and its gradients wrt both tables.

    h = the mean (or, not ``mean``, the sum) of ``w_in[input_rows]`` scores the path of
    every target in ``tree`` (rows of ``w_hs``, (V - 1, D)): J = sum_j J_hs(h, t_j).
    Returns (loss, grad_w_in float64 (R, D), grad_w_hs float64 (V - 1, D)),
    dJ/dw_in[r] = (count of r / k) dJ/dh on the mean, (count of r) dJ/dh on the sum.
    """
    w_in = np.asarray(w_in, dtype=np.float64)
    rows = np.asarray(input_rows, dtype=np.int64)
    h = _hidden(w_in, rows, mean)
    loss, grad_h = 0.0, np.zeros_like(h)
    grad_hs = np.zeros(np.shape(w_hs), dtype=np.float64)
    for target in targets:
        pair_loss, pair_grad_h, pair_grad_hs = hierarchical_softmax_loss_and_gradient(
            h, int(target), w_hs, tree=tree)
        loss += pair_loss
        grad_h += pair_grad_h
        grad_hs += pair_grad_hs
    return loss, np.outer(_row_weights(rows, len(w_in), mean), grad_h), grad_hs


def hs_sgd_step(w_in: np.ndarray, w_hs: np.ndarray, input_rows: Sequence[int],
                targets: Sequence[int], tree: HuffmanTree, lr: float, mean: bool = True,
                divided: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """fastText's hierarchical-softmax SGD step on one example (as :func:`sgd_step`): the
    loss before it and the new float64 tables ``w_in``, ``w_hs``."""
    loss, grad_in, grad_hs = subword_hs_loss_and_gradient(w_in, w_hs, input_rows, targets,
                                                          tree, mean)
    return (loss, np.asarray(w_in, np.float64) - lr * _entry_scale(input_rows, mean, divided)
            * grad_in, np.asarray(w_hs, np.float64) - lr * grad_hs)
