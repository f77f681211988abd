"""Numba kernels of hierarchical softmax, and of CBOW on a given hidden vector.

Notation as in :mod:`w2v.engines.numba_kernels`: ``w_in`` (V, D) input rows, ``w_out``
(V, D) negative-sampling output rows, and ``w_hs`` (V - 1, D) the output rows of the
Huffman tree's inner nodes (:mod:`w2v.huffman`; word2vec.c's ``syn1``). A word's path is
``points[a:b]`` (inner nodes, root first) and ``codes[a:b]`` (branches) with
``a, b = offsets[w], offsets[w + 1]``. Each inner node n_d is a logistic unit whose label
is ``1 - code_d`` (word2vec.c's convention): for an input row x,

    J = -sum_d log sigma(eps_d  x . u_{n_d}),   eps_d = 1 - 2 code_d
    g_d = lr * (1 - code_d - sigma(x . u_{n_d}))  (= -lr dJ/ds_d)
    x += sum_d g_d u_{n_d};   u_{n_d} += g_d x

the reference's ``hierarchical_softmax_loss_and_gradient`` (see ``docs/math.md``). Every
step takes all its gradients at the weights before the step (a batched step), so one call
equals the sum of the reference's per-pair gradients.

These functions never write ``w_in``: they return its gradient (times -lr) in a buffer,
so the caller can add the negative-sampling step's gradient, taken at the same weights,
before applying both (hs and negative together, as word2vec.c and gensim train them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines.logistic import logistic
from w2v.engines.row_width import row_width

# The options of w2v.engines.numba_kernels (why each is set is explained there).
_JIT = {"nogil": True, "cache": True, "error_model": "numpy",
        "fastmath": {"reassoc", "contract", "nsz", "arcp"}}


@njit(**_JIT)
def longest_path(offsets) -> int:
    """The most nodes on one word's path, at least 1 (offsets (V + 1,) int64): a loop, as
    np.max over a difference of slices compiles a reduction (0.4 s of a first run)."""
    longest = np.int64(1)
    for w in range(len(offsets) - 1):
        longest = max(longest, offsets[w + 1] - offsets[w])
    return longest


@njit(**_JIT)
def _unit(f: float, label: float, lr: float) -> tuple[float, float]:
    """One logistic unit: (lr * (label - sigma(f)), its loss -log sigma(+-f)).

    The loss is ``softplus + max(-f, 0)`` for label 1 and ``softplus + max(f, 0)`` for
    label 0 (:mod:`w2v.engines.logistic`).
    """
    sig, soft = logistic(f)
    linear = max(-f, 0.0) if label > 0.5 else max(f, 0.0)
    return lr * (label - sig), soft + linear


@njit(inline="always", **_JIT)
def row_dots(h, table, rows, start, count, out, width) -> None:
    """out[k] = h . table[rows[start + k]] for k < count, four rows a pass over h.

    One load of h serves four dots, and the four sums are independent (CPU pipelining):
    5-10% of a CBOW run, with the same sums bit for bit. Shapes: h (D,), table (N, D)
    float32; rows int (>= start + count,); out (>= count,) float32; ``width`` as
    :func:`w2v.engines.row_width.row_width` takes it. Inlined (no call a center; its loops
    compile with the caller's).
    """
    dim = row_width(width, h.shape[0])
    k = 0
    while k + 4 <= count:
        r0, r1 = rows[start + k], rows[start + k + 1]
        r2, r3 = rows[start + k + 2], rows[start + k + 3]
        f0 = REAL(0.0)
        f1 = REAL(0.0)
        f2 = REAL(0.0)
        f3 = REAL(0.0)
        for d in range(dim):
            hd = h[d]
            f0 += hd * table[r0, d]
            f1 += hd * table[r1, d]
            f2 += hd * table[r2, d]
            f3 += hd * table[r3, d]
        out[k] = f0
        out[k + 1] = f1
        out[k + 2] = f2
        out[k + 3] = f3
        k += 4
    while k < count:
        r = rows[start + k]
        f = REAL(0.0)
        for d in range(dim):
            f += h[d] * table[r, d]
        out[k] = f
        k += 1


@njit(inline="always", **_JIT)
def add_row_terms(grad, table, rows, count, weights, width) -> None:
    """grad += sum_k weights[k] table[rows[k]] for k < count, four rows a pass over grad.

    The rows are only read, so a row listed twice (a repeated negative) counts twice, as
    it must. Shapes: grad (D,), table (N, D) float32; rows int (>= count,); weights
    (>= count,) float32.
    """
    dim = row_width(width, grad.shape[0])
    k = 0
    while k + 4 <= count:
        r0, r1, r2, r3 = rows[k], rows[k + 1], rows[k + 2], rows[k + 3]
        g0, g1, g2, g3 = weights[k], weights[k + 1], weights[k + 2], weights[k + 3]
        for d in range(dim):
            grad[d] += (g0 * table[r0, d] + g1 * table[r1, d] + g2 * table[r2, d]
                        + g3 * table[r3, d])
        k += 4
    while k < count:
        r = rows[k]
        gk = weights[k]
        for d in range(dim):
            grad[d] += gk * table[r, d]
        k += 1


@njit(inline="always", **_JIT)
def context_dots(w_in, contexts, n_ctx, table, rows, start, count, g, width) -> None:
    """g[j, k] = w_in[contexts[j]] . table[rows[start + k]] (j < n_ctx, k < count).

    Four contexts a pass over a table row, which one load of that row serves. Shapes:
    w_in (V, D), table (N, D) float32; contexts (>= n_ctx,), rows (>= start + count,) int;
    g (>= n_ctx, >= count) float32. Inlined, as the two helpers below (skip-gram's steps).
    """
    dim = row_width(width, w_in.shape[1])
    for k in range(count):
        r = rows[start + k]
        j = 0
        while j + 4 <= n_ctx:
            c0, c1, c2, c3 = contexts[j], contexts[j + 1], contexts[j + 2], contexts[j + 3]
            f0 = REAL(0.0)
            f1 = REAL(0.0)
            f2 = REAL(0.0)
            f3 = REAL(0.0)
            for d in range(dim):
                u = table[r, d]
                f0 += w_in[c0, d] * u
                f1 += w_in[c1, d] * u
                f2 += w_in[c2, d] * u
                f3 += w_in[c3, d] * u
            g[j, k] = f0
            g[j + 1, k] = f1
            g[j + 2, k] = f2
            g[j + 3, k] = f3
            j += 4
        while j < n_ctx:
            c = contexts[j]
            f = REAL(0.0)
            for d in range(dim):
                f += w_in[c, d] * table[r, d]
            g[j, k] = f
            j += 1


@njit(inline="always", **_JIT)
def context_grads(grad_in, n_ctx, table, rows, start, count, g, width) -> None:
    """grad_in[j] = sum_k g[j, k] table[rows[start + k]] (j < n_ctx, k < count).

    Four table rows a pass over grad_in[j] (one load and store of it for four terms); the
    rows are only read, so a row listed twice counts twice. grad_in (>= n_ctx, D) float32.
    """
    dim = row_width(width, grad_in.shape[1])
    for j in range(n_ctx):
        for d in range(dim):
            grad_in[j, d] = 0.0
        k = 0
        while k + 4 <= count:
            r0, r1 = rows[start + k], rows[start + k + 1]
            r2, r3 = rows[start + k + 2], rows[start + k + 3]
            g0, g1, g2, g3 = g[j, k], g[j, k + 1], g[j, k + 2], g[j, k + 3]
            for d in range(dim):
                grad_in[j, d] += (g0 * table[r0, d] + g1 * table[r1, d]
                                  + g2 * table[r2, d] + g3 * table[r3, d])
            k += 4
        while k < count:
            gjk = g[j, k]
            r = rows[start + k]
            for d in range(dim):
                grad_in[j, d] += gjk * table[r, d]
            k += 1


@njit(inline="always", **_JIT)
def step_rows(table, rows, start, count, w_in, contexts, n_ctx, g, width) -> None:
    """table[rows[start + k]] += sum_j g[j, k] w_in[contexts[j]], row after row (k < count).

    Four context rows a pass over a table row. A row listed twice (a negative drawn twice)
    is stepped twice, the second time from the first step's result.
    """
    dim = row_width(width, w_in.shape[1])
    for k in range(count):
        r = rows[start + k]
        j = 0
        while j + 4 <= n_ctx:
            c0, c1, c2, c3 = contexts[j], contexts[j + 1], contexts[j + 2], contexts[j + 3]
            g0, g1, g2, g3 = g[j, k], g[j + 1, k], g[j + 2, k], g[j + 3, k]
            for d in range(dim):
                table[r, d] += (g0 * w_in[c0, d] + g1 * w_in[c1, d]
                                + g2 * w_in[c2, d] + g3 * w_in[c3, d])
            j += 4
        while j < n_ctx:
            gjk = g[j, k]
            c = contexts[j]
            for d in range(dim):
                table[r, d] += gjk * w_in[c, d]
            j += 1


@njit(**_JIT)
def sg_hs_update(w_in, w_hs, contexts, n_ctx, codes, points, a, b, lr, grad_in, g,
                 width=()) -> float:
    """Skip-gram hierarchical softmax: the input rows x_j = w_in[c_j] predict one word.

    The word's path is ``points[a:b]``, ``codes[a:b]``; every context shares it, so the
    path's rows are read once for all contexts (as sg_neg_update shares negatives).

        g_jd = lr * (1 - code_d - sigma(x_j . u_{n_d}))
        grad_in[j] = sum_d g_jd u_{n_d}     (= -lr dJ/dx_j; w_in is not written)
        u_{n_d} += sum_j g_jd x_j

    Shapes: w_in (V, D), w_hs (V - 1, D) float32; contexts (>= n_ctx,) int; codes uint8
    and points int32 (L,); grad_in (>= n_ctx, D) float32 and g (>= n_ctx, >= b - a)
    float32 scratch; ``width``: :func:`w2v.engines.row_width.row_width`. Returns the summed
    loss J over the n_ctx pairs.

    Each of the three passes (the dots, grad_in, the path rows' step) works on blocks of
    four rows: one load of a path row serves four contexts' dots and one load of a context
    row four nodes' updates, which took about 15% off the call (measured on the text8
    prefix, D = 100). The sums are the same, in another order (fastmath reassociates them
    anyway).
    """
    length = b - a
    loss = 0.0
    context_dots(w_in, contexts, n_ctx, w_hs, points, a, length, g, width)
    for j in range(n_ctx):
        for k in range(length):
            gjk, unit_loss = _unit(g[j, k], 1.0 - codes[a + k], lr)
            g[j, k] = gjk
            loss += unit_loss
    context_grads(grad_in, n_ctx, w_hs, points, a, length, g, width)
    step_rows(w_hs, points, a, length, w_in, contexts, n_ctx, g, width)
    return loss


@njit(**_JIT)
def hs_update_h(w_hs, h, codes, points, a, b, lr, grad_h, g, width=()) -> float:
    """Hierarchical softmax for one hidden vector h (CBOW): the word of path ``[a:b]``.

        g_d = lr * (1 - code_d - sigma(h . u_{n_d}));  grad_h += sum_d g_d u_{n_d};
        u_{n_d} += g_d h

    Shapes: w_hs (V - 1, D), h (D,), grad_h (D,) (added to), g (>= b - a,) float32;
    ``width``: :func:`w2v.engines.row_width.row_width`. Returns the loss J.

    The dots (:func:`row_dots`) and the update work on blocks of four path nodes (as
    sg_hs_update does): one load and store of grad_h serves four nodes' terms. A CBOW hs
    run's engine took 5-10% less time (one thread, alternated processes), with the same
    vectors bit for bit. A path's nodes are distinct, so the four rows never alias.
    """
    dim = row_width(width, h.shape[0])
    length = b - a
    loss = 0.0
    row_dots(h, w_hs, points, a, length, g, width)
    for k in range(length):
        gk, unit_loss = _unit(g[k], 1.0 - codes[a + k], lr)
        g[k] = gk
        loss += unit_loss
    k = 0
    while k + 4 <= length:
        n0, n1, n2, n3 = points[a + k], points[a + k + 1], points[a + k + 2], points[a + k + 3]
        g0, g1, g2, g3 = g[k], g[k + 1], g[k + 2], g[k + 3]
        for d in range(dim):
            hd = h[d]
            u0 = w_hs[n0, d]
            u1 = w_hs[n1, d]
            u2 = w_hs[n2, d]
            u3 = w_hs[n3, d]
            grad_h[d] += g0 * u0 + g1 * u1 + g2 * u2 + g3 * u3
            w_hs[n0, d] = u0 + g0 * hd
            w_hs[n1, d] = u1 + g1 * hd
            w_hs[n2, d] = u2 + g2 * hd
            w_hs[n3, d] = u3 + g3 * hd
        k += 4
    while k < length:
        n = points[a + k]
        gk = g[k]
        for d in range(dim):
            grad_h[d] += gk * w_hs[n, d]
            w_hs[n, d] += gk * h[d]
        k += 1
    return loss


@njit(**_JIT)
def neg_update_h(w_out, h, targets, n_tgt, lr, grad_h, g, width=()) -> float:
    """Negative sampling for one hidden vector h: targets[0] the word, then negatives.

        g_k = lr * (label_k - sigma(h . u_{t_k}));  grad_h += sum_k g_k u_{t_k};
        u_{t_k} += g_k h

    A negative equal to targets[0] is skipped (word2vec.c). Shapes: w_out (V, D), h (D,),
    grad_h (D,) (added to), g (>= n_tgt,) float32; ``width``: :func:`w2v.engines.row_width.
    row_width`. Returns the loss J.
    """
    dim = row_width(width, h.shape[0])
    center = targets[0]
    loss = 0.0
    row_dots(h, w_out, targets, 0, n_tgt, g, width)
    for k in range(n_tgt):
        if k > 0 and targets[k] == center:
            g[k] = 0.0
            continue
        gk, unit_loss = _unit(g[k], 1.0 if k == 0 else 0.0, lr)
        g[k] = gk
        loss += unit_loss
    add_row_terms(grad_h, w_out, targets, n_tgt, g, width)
    for k in range(n_tgt):  # after every grad_h term: a repeated target reads its old row
        t = targets[k]
        gk = g[k]
        for d in range(dim):
            w_out[t, d] += gk * h[d]
    return loss


@njit(**_JIT)
def cbow_hidden(w_in, contexts, n_ctx, mean, h, width=()) -> None:
    """h = mean (``mean``) or sum of w_in[contexts[:n_ctx]]; h (D,) float32."""
    dim = row_width(width, w_in.shape[1])
    for d in range(dim):
        h[d] = 0.0
    for j in range(n_ctx):
        r = contexts[j]
        for d in range(dim):
            h[d] += w_in[r, d]
    if mean:
        inv = REAL(1.0 / n_ctx)
        for d in range(dim):
            h[d] *= inv


@njit(**_JIT)
def add_rows(w_in, contexts, n_ctx, grad_in, width=()) -> None:
    """w_in[contexts[j]] += grad_in[j] for j < n_ctx (grad_in (>= n_ctx, D))."""
    dim = row_width(width, w_in.shape[1])
    for j in range(n_ctx):
        c = contexts[j]
        for d in range(dim):
            w_in[c, d] += grad_in[j, d]
