"""Numba kernels of the assignment's fast run (``w2v seed``): skip-gram, one batch per step.

Parameters are the assignment's stacked float64 matrix ``params`` of shape (2N, D): rows ``0..N-1``
are the center vectors V (v_c), rows ``N..2N-1`` the outside vectors U (u_o). One iteration is one
step of ``sgd(word2vec_sgd_wrapper(skipgram, ...))``:

    J(params) = 1/B * sum_{b=1..B} sum_{o in context_b} J_pair(v_{c_b}, o, U)      (B = 50 windows)
    params   <- params - step * dJ/dparams

All B windows' gradients are taken at the same parameters (a true batch step, not per-pair
updates), so the math is that of :func:`w2v.reference.word2vec_sgd_wrapper`. The work is split so
that tests can inject windows and negatives:

- :func:`draw_windows` draws B windows (and K negatives per pair) from the kernel's own RNG;
- :func:`neg_step` / :func:`softmax_step` compute the batch loss and gradient and take the step;
- :func:`run_neg` / :func:`run_softmax` loop draw + step for many iterations in one call.

Random numbers come from xoshiro256** with an explicit uint64 state of 4 words, so a save
(params + state, :mod:`w2v.seed.saves`) resumes bit for bit. Kernels take arrays and scalars
only. This module imports numba: :mod:`w2v.seed.run` imports it only when it trains.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.reference import BATCH_SIZE  # windows per SGD step, compiled in as a constant

_U64 = np.uint64
_TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0


# --- random numbers -----------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True, nogil=True)
def rng_next(state):
    """Next 64-bit output of xoshiro256** (Blackman & Vigna); advances ``state`` (uint64 (4,))."""
    result = _rotl(state[1] * _U64(5), 7) * _U64(9)
    t = state[1] << _U64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], 45)
    return result


@njit(cache=True, nogil=True)
def rng_below(state, n):
    """Uniform int in [0, n) from the top 53 bits (bias below 2^-53 n, irrelevant here)."""
    return np.int64((rng_next(state) >> _U64(11)) * _TWO_POW_MINUS_53 * n)


# --- windows and negatives ----------------------------------------------------------------

@njit(cache=True, nogil=True)
def draw_windows(state, corpus_ids, sentence_starts, table, window, centers, contexts,
                 context_lengths, negatives):
    """Draw the B windows of one iteration as the assignment's ``getRandomContext`` does.

    Per window: C1 uniform in 1..window; a uniform sentence, a uniform position in it; the context
    is up to C1 words each side minus every word equal to the center; an empty context draws a new
    sentence and position (same C1). Per (window, outside word): K negatives from ``table``, each
    redrawn while equal to that outside word (the center word may be drawn; duplicates count).

    Arrays: corpus_ids int32 (T,), sentence_starts int64 (S+1,), table int32 (table_size,);
    outputs centers int64 (B,), contexts int64 (B, 2*window), context_lengths int64 (B,),
    negatives int64 (B, 2*window, K).
    """
    n_sentences = sentence_starts.shape[0] - 1
    k_negatives = negatives.shape[2]
    for b in range(centers.shape[0]):
        c1 = 1 + rng_below(state, window)
        m = 0
        while m == 0:
            sentence = rng_below(state, n_sentences)
            first, end = sentence_starts[sentence], sentence_starts[sentence + 1]
            pos = first + rng_below(state, end - first)
            center = corpus_ids[pos]
            for j in range(max(first, pos - c1), min(end, pos + c1 + 1)):
                if j != pos and corpus_ids[j] != center:
                    contexts[b, m] = corpus_ids[j]
                    m += 1
        centers[b] = center
        context_lengths[b] = m
        for j in range(m):
            for k in range(k_negatives):
                negative = table[rng_below(state, table.shape[0])]
                while negative == contexts[b, j]:
                    negative = table[rng_below(state, table.shape[0])]
                negatives[b, j, k] = negative


# --- one SGD step -------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _log1p_exp(x):
    """log(1 + e^x) without overflow: -log(sigmoid(-x))."""
    if x > 0.0:
        return x + np.log1p(np.exp(-x))
    return np.log1p(np.exp(x))


@njit(cache=True, nogil=True)
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@njit(cache=True, nogil=True)
def _dot(x, y):
    """x . y for short 1-D arrays (inlined; a BLAS call costs more than D = 10 products)."""
    total = 0.0
    for d in range(x.shape[0]):
        total += x[d] * y[d]
    return total


@njit(cache=True, nogil=True)
def _axpy(y, a, x):
    """y += a * x for 1-D arrays, in place, without a temporary."""
    for d in range(y.shape[0]):
        y[d] += a * x[d]


@njit(cache=True, nogil=True)
def _add_row(grad, touched, rows, n_touched, row, coef, vec):
    """grad[row] += coef * vec, remembering ``row`` the first time it is touched."""
    if not touched[row]:
        touched[row] = True
        rows[n_touched] = row
        n_touched += 1
    _axpy(grad[row], coef, vec)
    return n_touched


@njit(cache=True, nogil=True)
def neg_step(params, centers, contexts, context_lengths, negatives, step, grad, touched, rows):
    """One batch step of skip-gram with negative sampling; returns the batch loss J.

    Per pair (c, o) with negatives w_1..w_K and sigma the logistic function:
        J_pair   = -log sigma(u_o.v_c) - sum_k log sigma(-u_{w_k}.v_c)
        dJ/dv_c  = (sigma(u_o.v_c) - 1) u_o + sum_k sigma(u_{w_k}.v_c) u_{w_k}
        dJ/du_o  = (sigma(u_o.v_c) - 1) v_c,   dJ/du_{w_k} += sigma(u_{w_k}.v_c) v_c  (per draw)
    Loss and gradients are divided by B; then params -= step * grad on the touched rows only.

    params float64 (2N, D), updated in place; windows as :func:`draw_windows` fills them;
    workspace grad float64 (2N, D) and touched bool (2N,) all zero/False on entry and on exit,
    rows int64 (>= B * (1 + 2*window*(K+1)),).
    """
    n_words = params.shape[0] // 2
    n_batch = centers.shape[0]
    inv_b = 1.0 / n_batch
    dim = params.shape[1]
    grad_center = np.empty(dim)
    loss = 0.0
    n_touched = 0
    for b in range(n_batch):
        v_c = params[centers[b]]
        grad_center[:] = 0.0
        window_loss = 0.0
        for j in range(context_lengths[b]):
            o = n_words + contexts[b, j]
            s = _dot(params[o], v_c)
            window_loss += _log1p_exp(-s)
            coef = _sigmoid(s) - 1.0
            _axpy(grad_center, coef, params[o])
            n_touched = _add_row(grad, touched, rows, n_touched, o, coef * inv_b, v_c)
            for k in range(negatives.shape[2]):
                w = n_words + negatives[b, j, k]
                s = _dot(params[w], v_c)
                window_loss += _log1p_exp(s)
                coef = _sigmoid(s)
                _axpy(grad_center, coef, params[w])
                n_touched = _add_row(grad, touched, rows, n_touched, w, coef * inv_b, v_c)
        loss += window_loss * inv_b
        n_touched = _add_row(grad, touched, rows, n_touched, centers[b], inv_b, grad_center)
    # Apply only after the whole batch: every window saw the same parameters.
    for i in range(n_touched):
        r = rows[i]
        for d in range(dim):
            params[r, d] -= step * grad[r, d]
            grad[r, d] = 0.0
        touched[r] = False
    return loss


@njit(cache=True, nogil=True)
def softmax_step(params, centers, contexts, context_lengths, step, grad):
    """One batch step of skip-gram with the naive softmax; returns the batch loss J.

    Per window with center c and m outside words o_1..o_m, scores s = U v_c (N,) and
    y_hat = softmax(s) are shared by its pairs, so
        J_window  = m log sum_w exp(s_w) - sum_j s_{o_j}
        dJ/dv_c   = (m y_hat - n) U,        dJ/dU = (m y_hat - n)^T v_c  (dense, N rows)
    where n counts each outside word's occurrences. Divided by B; then params -= step * grad.
    The B windows share one pass over U (row w is loaded once for all B dot products).

    params float64 (2N, D) updated in place; workspace grad float64 (2N, D) zero on entry/exit.
    """
    n_words = params.shape[0] // 2
    n_batch = centers.shape[0]
    inv_b = 1.0 / n_batch
    outside = params[n_words:]
    v_batch = np.empty((n_batch, params.shape[1]))  # (B, D): the windows' center vectors
    for b in range(n_batch):
        v_batch[b] = params[centers[b]]
    scores = np.empty((n_batch, n_words))  # (B, N): s = U v_c of every window
    for w in range(n_words):
        u_w = outside[w]
        for b in range(n_batch):
            scores[b, w] = _dot(u_w, v_batch[b])
    loss = 0.0
    for b in range(n_batch):
        row = scores[b]
        shift = row.max()
        total = 0.0
        for w in range(n_words):
            row[w] = np.exp(row[w] - shift)  # e^{s_w - shift}
            total += row[w]
        m = context_lengths[b]
        loss += m * (shift + np.log(total)) * inv_b
        row *= m * inv_b / total  # now (m y_hat) / B
    grad_v = np.zeros_like(v_batch)  # (B, D): sum_w (m y_hat_w / B) u_w per window
    for w in range(n_words):
        u_w = outside[w]
        g_w = grad[n_words + w]
        for b in range(n_batch):
            coef = scores[b, w]
            _axpy(grad_v[b], coef, u_w)
            _axpy(g_w, coef, v_batch[b])
    grad_outside = grad[n_words:]
    for b in range(n_batch):
        c = centers[b]
        v_c = v_batch[b]
        _axpy(grad[c], 1.0, grad_v[b])
        for j in range(context_lengths[b]):
            o = contexts[b, j]
            loss -= _dot(outside[o], v_c) * inv_b
            _axpy(grad[c], -inv_b, outside[o])
            _axpy(grad_outside[o], -inv_b, v_c)
    params -= step * grad
    grad[:] = 0.0
    return loss


# --- many iterations per call ---------------------------------------------------------------

@njit(cache=True, nogil=True)
def run_neg(params, state, corpus_ids, sentence_starts, table, window, k_negatives, step,
            losses):
    """``losses.shape[0]`` iterations of draw + :func:`neg_step`; losses float64 (n,) filled."""
    n_batch = BATCH_SIZE
    centers = np.zeros(n_batch, dtype=np.int64)
    contexts = np.zeros((n_batch, 2 * window), dtype=np.int64)
    lengths = np.zeros(n_batch, dtype=np.int64)
    negatives = np.zeros((n_batch, 2 * window, k_negatives), dtype=np.int64)
    grad = np.zeros_like(params)
    touched = np.zeros(params.shape[0], dtype=np.bool_)
    rows = np.zeros(n_batch * (1 + 2 * window * (k_negatives + 1)), dtype=np.int64)
    for it in range(losses.shape[0]):
        draw_windows(state, corpus_ids, sentence_starts, table, window, centers, contexts,
                     lengths, negatives)
        losses[it] = neg_step(params, centers, contexts, lengths, negatives, step, grad,
                              touched, rows)


@njit(cache=True, nogil=True)
def run_softmax(params, state, corpus_ids, sentence_starts, table, window, step, losses):
    """``losses.shape[0]`` iterations of draw + :func:`softmax_step`; losses float64 (n,)."""
    n_batch = BATCH_SIZE
    centers = np.zeros(n_batch, dtype=np.int64)
    contexts = np.zeros((n_batch, 2 * window), dtype=np.int64)
    lengths = np.zeros(n_batch, dtype=np.int64)
    negatives = np.zeros((n_batch, 2 * window, 0), dtype=np.int64)  # none drawn
    grad = np.zeros_like(params)
    for it in range(losses.shape[0]):
        draw_windows(state, corpus_ids, sentence_starts, table, window, centers, contexts,
                     lengths, negatives)
        losses[it] = softmax_step(params, centers, contexts, lengths, step, grad)
