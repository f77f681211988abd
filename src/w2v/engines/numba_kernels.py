"""Numba kernels of the CPU engine: arrays and scalars in, no Python objects.

Notation: ``w_in`` (V, D) holds the input vectors, ``w_out`` (V, D) the output vectors
(:mod:`w2v.engines.contract`). word2vec.c trains skip-gram "the other way round" from the
assignment: each context word c of a center word w is one training pair, in which the
input row x = w_in[c] predicts the output row u_w = w_out[w] against K negatives
n_1..n_K,

    J(c, w) = -log sigma(u_w . x) - sum_k log sigma(-u_{n_k} . x)

that is the assignment's ``neg_sampling_loss_and_gradient`` with ``center_word_vec = x``
(so what the assignment calls the center vector is, here, a *context* word's input row;
the sum over a window is the same either way). CBOW replaces x by the mean h of the
window's input rows and adds dJ/dh to every context row, as word2vec.c does. Every update
is plain SGD: ``theta -= lr * dJ/dtheta``.

The per-center updates (:func:`sg_neg_update`, :func:`cbow_neg_update`,
:func:`softmax_update`) can be called on their own with chosen indices: the tests compare
them with :mod:`w2v.reference`. :func:`train_chunk` is the loop the threads run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines import numba_hs
from w2v.engines.logistic import logistic
from w2v.engines.prefetch import prefetch_row
from w2v.engines.row_width import row_width

# Reassociation lets LLVM vectorise the dot products over the D dims; the result is still
# deterministic for a given machine and build. No "no NaN / no inf" assumptions: a diverging
# run must show a NaN loss, not undefined behaviour. error_model="numpy": float division
# by zero gives inf/NaN instead of a ZeroDivisionError check on every division.
_JIT = {"nogil": True, "cache": True, "error_model": "numpy",
        "fastmath": {"reassoc", "contract", "nsz", "arcp"}}

_U32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO_M32 = 1.0 / 4294967296.0


@njit(**_JIT)
def rng_next(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """splitmix64: returns (new state, 64 random bits). Cheap, passes BigCrush."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(**_JIT)
def sg_neg_update(w_in, w_out, contexts, n_ctx, targets, n_tgt, lr, grad_in, g,
                  width=()) -> float:
    """One skip-gram SGD step for a center word and its contexts, negatives shared.

    For contexts c_j (j < n_ctx) and targets t_0 = w (the center, label 1) and
    t_1..t_K (negatives, label 0), with x_j = w_in[c_j], y_k = w_out[t_k]:

        g_jk = lr * (label_k - sigma(x_j . y_k))
        x_j += sum_k g_jk y_k                (= -lr dJ/dx_j)
        y_k += sum_j g_jk x_j                (= -lr dJ/dy_k)

    All gradients use the weights before the step (a batched step: Ji et al. 2016), so
    one call equals the sum of the reference's per-pair gradients. A negative equal to
    the center is skipped, as in word2vec.c. With ``n_ctx = 1`` it is word2vec.c's
    per-pair step.

    Shapes: w_in, w_out (V, D) float32; contexts (>= n_ctx,) int; targets (>= n_tgt,) int;
    grad_in (>= n_ctx, D) float32 and g (>= n_ctx, >= n_tgt) float32 are scratch;
    ``width``: :func:`w2v.engines.row_width.row_width`. Returns the summed loss J over the
    n_ctx pairs (float).

    The passes work on blocks of four rows (as numba_hs.sg_hs_update): a skip-gram engine
    run took 13% less time on one thread (alternated processes on the text8 prefix), with
    the same vectors bit for bit.
    """
    # Rows are indexed as matrix[row, d], never sliced: a row view costs a reference
    # count update and blocks vectorisation of the loops over d.
    dim = row_width(width, w_in.shape[1])
    center = targets[0]
    loss = 0.0
    # Dots first (inlined, as the passes below: no call a center), then the logistic units
    numba_hs.context_dots(w_in, contexts, n_ctx, w_out, targets, 0, n_tgt, g, width)
    for j in range(n_ctx):
        for k in range(n_tgt):
            if k > 0 and targets[k] == center:
                g[j, k] = 0.0
                continue
            f = g[j, k]
            sig, soft = logistic(f)
            if k == 0:
                loss += soft + max(-f, 0.0)
                g[j, k] = lr * (1.0 - sig)
            else:
                loss += soft + max(f, 0.0)
                g[j, k] = -lr * sig
    # Then each context's gradient and each target row's step, four rows a pass. Only the
    # rows read are grouped: a repeated negative's row is still stepped twice, in turn.
    numba_hs.context_grads(grad_in, n_ctx, w_out, targets, 0, n_tgt, g, width)
    numba_hs.step_rows(w_out, targets, 0, n_tgt, w_in, contexts, n_ctx, g, width)
    for j in range(n_ctx):
        c = contexts[j]
        for d in range(dim):
            w_in[c, d] += grad_in[j, d]
    return loss


# Inlined where train_chunk calls it (once a center): a call costs more than a tenth of a
# CBOW step, whose work is a few rows (measured: 5-7% of a run).
@njit(inline="always", **_JIT)
def cbow_neg_update(w_in, w_out, contexts, n_ctx, targets, n_tgt, lr, h, grad_h, g,
                    mean_gradient=0, width=()) -> float:
    """One CBOW SGD step: the mean h of the context vectors predicts the center.

        h = mean_j v_{c_j};  g_k = lr * (label_k - sigma(h . u_{t_k}))
        u_{t_k} += g_k h;    v_{c_j} += sum_k g_k u_{t_k}   for every j (not divided by n_ctx)

    The last line is word2vec.c's: each context row receives the whole gradient wrt h.
    With ``mean_gradient`` (non-zero) each row receives it divided by n_ctx instead: the
    true gradient of J wrt v_{c_j}, since h is their mean (İrsoy, Benton and Stratos,
    "Corrected CBOW performs as well as skip-gram", 2021: the kōan library).
    Shapes: w_in, w_out (V, D) float32; h, grad_h (D,) float32 and g (>= n_tgt,) scratch;
    ``width``: :func:`w2v.engines.row_width.row_width`. Returns the loss J of the one
    (window, center) example.
    """
    dim = row_width(width, w_in.shape[1])
    center = targets[0]
    # The loops of numba_hs.cbow_hidden, _scale and _add_to_rows are written out here: each
    # callee is a function numba compiles on its own (about 0.1 s of a CBOW run's first
    # compile).
    for d in range(dim):
        h[d] = 0.0
    for j in range(n_ctx):
        c = contexts[j]
        for d in range(dim):
            h[d] += w_in[c, d]
    inv = REAL(1.0 / n_ctx)
    for d in range(dim):
        h[d] *= inv
    loss = 0.0
    # dots first, then the logistic units (see sg_neg_update), four rows a pass
    numba_hs.row_dots(h, w_out, targets, 0, n_tgt, g, width)
    for k in range(n_tgt):
        if k > 0 and targets[k] == center:
            g[k] = 0.0
            continue
        f = g[k]
        sig, soft = logistic(f)
        if k == 0:
            loss += soft + max(-f, 0.0)
            g[k] = lr * (1.0 - sig)
        else:
            loss += soft + max(f, 0.0)
            g[k] = -lr * sig
    for d in range(dim):
        grad_h[d] = 0.0
    numba_hs.add_row_terms(grad_h, w_out, targets, n_tgt, g, width)
    for k in range(n_tgt):
        t = targets[k]
        for d in range(dim):
            w_out[t, d] += g[k] * h[d]
    share = inv if mean_gradient else REAL(1.0)
    for j in range(n_ctx):
        c = contexts[j]
        for d in range(dim):
            w_in[c, d] += share * grad_h[d]
    return loss


@njit(**_JIT)
def softmax_update(w_out, x, target, lr, scores, grad_x) -> float:
    """One full-softmax SGD step on the output vectors for input vector x (the seed's model).

        y = softmax(U x);  J = -log y_o
        grad_x = -lr dJ/dx = lr * sum_t (delta_to - y_t) u_t   (written to grad_x, not applied)
        u_t += lr * (delta_to - y_t) x

    Shapes: w_out (V, D) float32; x, grad_x (D,) float32; scores (V,) float64 scratch.
    O(V D) per call: for small vocabularies. Returns J.
    """
    n_words, dim = w_out.shape
    best = -np.inf
    for t in range(n_words):
        s = 0.0
        for d in range(dim):
            s += x[d] * w_out[t, d]
        scores[t] = s
        best = max(best, s)
    total = 0.0
    for t in range(n_words):
        scores[t] = math.exp(scores[t] - best)
        total += scores[t]
    loss = -(math.log(scores[target] / total))
    for d in range(dim):
        grad_x[d] = 0.0
    for t in range(n_words):
        coef = lr * ((1.0 if t == target else 0.0) - scores[t] / total)
        for d in range(dim):
            grad_x[d] += coef * w_out[t, d]
            w_out[t, d] += coef * x[d]
    return loss


@njit(**_JIT)
def _scale(vector, factor, width=()) -> None:
    """vector *= factor, in place."""
    for d in range(row_width(width, vector.shape[0])):
        vector[d] *= factor


@njit(**_JIT)
def _add_to_rows(matrix, rows, n_rows, delta, width=()) -> None:
    """matrix[r] += delta for each r in rows[:n_rows]."""
    dim = row_width(width, matrix.shape[1])
    for j in range(n_rows):
        r = rows[j]
        for d in range(dim):
            matrix[r, d] += delta[d]


@njit(**_JIT)
def draw_negatives(state, targets, n_neg, accept, alias):
    """Fill targets[1..n_neg] from the alias table; returns the new RNG state.

    One 64-bit draw per negative: the high half picks a column i uniformly, the low half
    is the uniform that accepts i or takes alias[i].
    """
    n_words = np.uint64(len(accept))
    for k in range(1, n_neg + 1):
        state, z = rng_next(state)
        i = np.int64(((z >> _U32) * n_words) >> _U32)
        u = REAL((z & _MASK32) * _TWO_M32)
        targets[k] = i if u < accept[i] else np.int64(alias[i])
    return state


@njit(**_JIT)
def _subsample(ids, a, b, keep, state, sentence):
    """Copy the kept words of ids[a:b] into sentence; returns (count, state)."""
    n = 0
    for i in range(a, b):
        w = ids[i]
        state, z = rng_next(state)
        if (z >> _U32) * _TWO_M32 < keep[w]:
            sentence[n] = w
            n += 1
    return n, state


@njit(**_JIT)
def train_chunk(ids, starts, weights, tables, options, alphas, rng_state, stats, width,
                scores=None, cbow_h=None, hs_grad=None, sg_context=None) -> None:
    """Train on the sentences ``ids[starts[i]:starts[i+1]]`` of one chunk (Hogwild).

    Parameters (arrays and scalars only):
    ids (N,) uint32 word ids; starts (S + 1,) int64 sentence offsets into ids;
    weights = (w_in, w_out, w_hs), float32 (V, D), (V, D), (V - 1, D), updated in place
              (w_hs may have no rows without hierarchical softmax);
    tables = (keep (V,) float32 subsampling keep probability,
              accept (V,) float32 and alias (V,) int32, the noise alias table,
              codes uint8, points int32, offsets (V + 1,) int64: the Huffman tree);
    options (9,) int64 = (window, negative, sg, softmax, shared_negatives, hs, cbow_mean,
                          shrink_windows,
                          mean_gradient: CBOW context rows get dJ/dh / n_ctx);
    alphas (2,) float64 = learning rate at the chunk's first and last word (linear between);
    rng_state (1,) uint64, advanced in place;
    stats (3,) float64 += (summed loss, trained pairs, words read);
    width: D as a type (:func:`w2v.engines.row_width.kernel_width`; empty: read off w_in);
    scores (V,) float64: scratch of the full softmax, or None for negative sampling;
    cbow_h (D,) float32: scratch of CBOW with negative sampling, or None for skip-gram;
    hs_grad (2 * window, D) float32: scratch of hierarchical softmax (and of CBOW on the
    sum of the contexts), or None;
    sg_context (1,) int64: scratch of skip-gram with negative sampling, or None.

    The scratch arrays also choose what numba compiles: it prunes a branch that tests an
    argument against None when that argument is None in the call (not when it is an
    array), so every update's branch tests its own scratch array, and a run compiles only
    the update it uses (``options`` must agree with them).

    Subsampling is drawn afresh on every call, before windows (word2vec.c); each center
    draws its window b uniformly in 1..window. A skip-gram pair is (center, context), a
    CBOW example is (center, window).
    """
    w_in, w_out, w_hs = weights
    keep, accept, alias, codes, points, offsets = tables
    window, n_neg, sg, softmax, shared = options[0], options[1], options[2], options[3], options[4]
    hs, cbow_mean, shrink = options[5], options[6], options[7]
    mean_gradient = options[8]
    dim = row_width(width, w_in.shape[1])
    first = starts[0]
    n_words = max(starts[len(starts) - 1] - first, 1)
    longest = 0
    for s in range(len(starts) - 1):
        longest = max(longest, starts[s + 1] - starts[s])
    sentence = np.empty(max(longest, 1), dtype=np.int64)
    contexts = np.empty(2 * window, dtype=np.int64)
    targets = np.empty(n_neg + 1, dtype=np.int64)
    g = np.empty((2 * window, n_neg + 1), dtype=REAL)
    grad_in = np.empty((2 * window, dim), dtype=REAL)
    h = np.empty(dim, dtype=REAL)
    # CBOW's dJ/dh and logistic units: arrays of their own, as a view of grad_in or g costs
    # a reference count update for every center
    grad_h = np.empty(dim, dtype=REAL)
    g_h = np.empty(n_neg + 1, dtype=REAL)
    # Hierarchical softmax (w2v.engines.numba_hs): its units' scratch (its gradients wrt
    # w_in are in hs_grad, given only to runs that use this path).
    path_len = numba_hs.longest_path(offsets) if hs_grad is not None and hs else np.int64(1)
    hs_g = np.empty((2 * window, max(path_len, n_neg + 1)), dtype=REAL)
    # With one set of negatives per center, draw the next center's negatives one step
    # ahead and prefetch its rows while this center computes: random rows of the tables
    # miss the cache, and the prefetch hides that latency.
    lookahead = not softmax and n_neg > 0 and (shared or not sg)
    ahead = np.empty(n_neg + 1, dtype=np.int64)
    state = rng_state[0]
    loss = 0.0
    pairs = 0
    for s in range(len(starts) - 1):
        a, b = starts[s], starts[s + 1]
        n, state = _subsample(ids, a, b, keep, state, sentence)
        if lookahead and n > 0:
            state = draw_negatives(state, ahead, n_neg, accept, alias)
        for p in range(n):
            # Linear decay at the word's position in the chunk.
            frac = (a - first + (p * (b - a)) / n) / n_words
            lr = alphas[0] + (alphas[1] - alphas[0]) * frac
            state, z = rng_next(state)
            reach = window - np.int64((z >> _U32) % np.uint64(window))  # 1..window
            reach = reach if shrink else window
            if lookahead:
                for k in range(1, n_neg + 1):  # a loop: a slice copy compiles a shape check
                    targets[k] = ahead[k]
                if p + 1 < n:
                    state = draw_negatives(state, ahead, n_neg, accept, alias)
                    _prefetch_center(w_in, w_out, ahead, n_neg, sentence[p + 1],
                                     sentence[min(p + 1 + window, n - 1)])
            if hs_grad is not None and hs and p + 1 < n:
                _prefetch_path(w_in, w_hs, points, offsets, sentence[p + 1],
                               sentence[min(p + 1 + window, n - 1)])
            m = np.int64(0)  # not the literal 0: the callees would compile twice
            for c in range(max(0, p - reach), min(n, p + reach + 1)):
                if c != p:
                    contexts[m] = sentence[c]
                    m += 1
            if m == 0:
                continue
            targets[0] = sentence[p]
            if scores is not None:  # the full softmax (pruned at compile time if None)
                loss += _softmax_center(w_in, w_out, contexts, m, targets[0], lr, sg,
                                        h, grad_in, scores, mean_gradient)
                pairs += m if sg else 1
            elif hs_grad is not None:  # hierarchical softmax, or CBOW on the sum
                step, state = _hs_center(w_in, w_out, w_hs, codes, points, offsets, accept,
                                         alias, contexts, m, targets, n_neg, sg, shared, hs,
                                         cbow_mean, mean_gradient, lr, state, grad_in, g,
                                         hs_grad, hs_g, h, width)
                loss += step
                pairs += m if sg else 1
            elif sg_context is not None:  # skip-gram
                if shared:
                    loss += sg_neg_update(w_in, w_out, contexts, m, targets, n_neg + 1, lr,
                                          grad_in, g, width)
                else:
                    for j in range(m):
                        sg_context[0] = contexts[j]
                        state = draw_negatives(state, targets, n_neg, accept, alias)
                        loss += sg_neg_update(w_in, w_out, sg_context, np.int64(1), targets,
                                              n_neg + 1, lr, grad_in, g, width)
                pairs += m
            elif cbow_h is not None:  # CBOW
                loss += cbow_neg_update(w_in, w_out, contexts, m, targets, n_neg + 1, lr,
                                        cbow_h, grad_h, g_h, mean_gradient, width)
                pairs += 1
    rng_state[0] = state
    stats[0] += loss
    stats[1] += pairs
    stats[2] += starts[len(starts) - 1] - first


@njit(**_JIT)
def _prefetch_center(w_in, w_out, negatives, n_neg, center, new_context) -> None:
    """Prefetch the output rows of a center and its negatives[1..n_neg], and one input row."""
    prefetch_row(w_out, center)
    for k in range(1, n_neg + 1):
        prefetch_row(w_out, negatives[k])
    prefetch_row(w_in, new_context)


@njit(**_JIT)
def _softmax_center(w_in, w_out, contexts, m, center, lr, sg, h, grad_x, scores,
                    mean_gradient=0) -> float:
    """Full-softmax updates for one center: per (context, center) pair, or one CBOW window
    (``mean_gradient``: as in :func:`cbow_neg_update`)."""
    loss = 0.0
    if sg:
        for j in range(m):
            c = contexts[j]
            for d in range(h.shape[0]):
                h[d] = w_in[c, d]
            loss += softmax_update(w_out, h, center, lr, scores, grad_x[0])
            for d in range(h.shape[0]):
                w_in[c, d] += grad_x[0, d]
        return loss
    numba_hs.cbow_hidden(w_in, contexts, m, True, h)
    loss = softmax_update(w_out, h, center, lr, scores, grad_x[0])
    if mean_gradient:
        _scale(grad_x[0], REAL(1.0 / m))
    _add_to_rows(w_in, contexts, m, grad_x[0])
    return loss


@njit(**_JIT)
def _hs_center(w_in, w_out, w_hs, codes, points, offsets, accept, alias, contexts, m,
               targets, n_neg, sg, shared, hs, cbow_mean, mean_gradient, lr, state, grad_in,
               g, hs_grad, hs_g, h, width=()):
    """One center with hierarchical softmax (w2v.engines.numba_hs) and/or negatives.

    Skip-gram: the hs gradients wrt the context rows are computed first and applied after
    the negative-sampling step, so both are taken at the same w_in (word2vec.c adds them
    up too). CBOW (hs, or the sum of the context vectors): h, then both losses' gradients
    wrt h, then h's gradient added to every context row.
    Arrays are passed one by one: building a tuple of them for every center cost about a
    third of CBOW's time (measured).
    Returns (this center's loss, new RNG state).
    """
    center = targets[0]
    n_tgt = n_neg + 1 if n_neg > 0 else 0
    loss = 0.0
    if not sg:
        grad_h = grad_in[0]
        numba_hs.cbow_hidden(w_in, contexts, m, cbow_mean, h, width)
        grad_h[:] = 0.0
        if hs:
            loss += numba_hs.hs_update_h(w_hs, h, codes, points, offsets[center],
                                         offsets[center + 1], lr, grad_h, hs_g[0], width)
        if n_tgt > 0:
            loss += numba_hs.neg_update_h(w_out, h, targets, n_tgt, lr, grad_h, hs_g[0],
                                          width)
        if mean_gradient:  # dJ/dh shared out: the true gradient of the mean, gensim's sum
            _scale(grad_h, REAL(1.0 / m), width)
        _add_to_rows(w_in, contexts, m, grad_h, width)
        return loss, state
    loss += numba_hs.sg_hs_update(w_in, w_hs, contexts, m, codes, points, offsets[center],
                                  offsets[center + 1], lr, hs_grad, hs_g, width)
    if n_tgt > 0 and shared:
        loss += sg_neg_update(w_in, w_out, contexts, m, targets, n_tgt, lr, grad_in, g, width)
    elif n_tgt > 0:
        for j in range(m):
            state = draw_negatives(state, targets, n_neg, accept, alias)
            loss += sg_neg_update(w_in, w_out, contexts[j:j + 1], np.int64(1), targets,
                                  n_tgt, lr, grad_in, g, width)
    numba_hs.add_rows(w_in, contexts, m, hs_grad, width)
    return loss, state


@njit(**_JIT)
def _prefetch_path(w_in, w_hs, points, offsets, center, new_context) -> None:
    """Prefetch the inner-node rows of a center's Huffman path, and one input row."""
    for k in range(offsets[center], offsets[center + 1]):
        prefetch_row(w_hs, points[k])
    prefetch_row(w_in, new_context)
