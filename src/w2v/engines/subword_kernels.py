"""Numba kernels of the subword (fastText) model: n-gram hashing, SGD steps, the chunk loop.

Notation as in :mod:`w2v.engines.numba_kernels`: ``w_in`` is the input table, here
(nwords + bucket, D) in fastText's row layout (:mod:`w2v.subwords`); ``w_out`` (nwords, D)
the output vectors. A word w has subword rows S(w) (its own row and its n-gram rows, k of
them, as ``ids[offsets[w]:offsets[w + 1]]``), and its input vector is their mean

    h_w = (1 / k) sum_{r in S(w)} w_in[r]

Skip-gram (fastText's direction): the center word's h predicts each context word c_j
against K negatives n_{j1}..n_{jK} of its own, one SGD step per (center, context) pair as
fastText does (:func:`sg_subword_pairs`; :func:`cbow_subword_step` for CBOW):

    J_j = -log sigma(u_{c_j} . h) - sum_k log sigma(-u_{n_jk} . h)

CBOW: the mean of the subword rows of all context words predicts the center. With
hierarchical softmax (fastText's ``-loss hs``) h scores the target's path in the Huffman
tree instead of (or besides) the negatives, as :mod:`w2v.engines.numba_hs` does. In both,
every input row of h receives the whole gradient wrt h (``w_in[r] -= lr * dJ/dh``), not
1/k of it: fastText's update (and word2vec.c's CBOW); it is k times the gradient of J
wrt the row. :mod:`w2v.subword_reference` states the same step in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines import numba_hs
from w2v.engines.numba_kernels import (
    _JIT,
    _U32,
    _subsample,
    draw_negatives,
    rng_next,
)
from w2v.engines.row_width import row_width

# In 64-bit arithmetic masked to 32 bits: numba widens uint32 products to 64 bits.
_FNV_OFFSET = np.uint64(2166136261)
_FNV_PRIME = np.uint64(16777619)
_MASK32 = np.uint64(0xFFFFFFFF)


# --- the subword vocabulary ------------------------------------------------------------------

@njit(**_JIT)
def _is_continuation(byte) -> bool:
    """A UTF-8 continuation byte (10xxxxxx): never the start of a character."""
    return (byte & 0xC0) == 0x80


@njit(**_JIT)
def _marked_byte(data, first, length, i):
    """Byte i of ``<word>``, where the word is data[first:first + length]."""
    if i == 0:
        return np.uint8(60)  # '<'
    if i == length + 1:
        return np.uint8(62)  # '>'
    return data[first + i - 1]


@njit(**_JIT)
def _word_ngrams(data, first, length, min_n, max_n, bucket, nwords, out, start) -> int:
    """Write the n-gram rows of one word at out[start:], or only count them if out is empty.

    fastText's loop: for each character start i of ``<word>`` and each length n = 1..max_n
    in characters, hash the bytes of the n-gram (FNV-1a, signed chars) when n >= min_n and
    the n-gram is not a lone boundary mark. Returns the number of n-grams.
    """
    size = length + 2
    count = 0
    for i in range(size):
        if _is_continuation(_marked_byte(data, first, length, i)):
            continue
        h = _FNV_OFFSET
        j = i
        n = 1
        while j < size and n <= max_n:
            # one character: its first byte and its continuation bytes
            b = _marked_byte(data, first, length, j)
            h = _hash_byte(h, b)
            j += 1
            while j < size and _is_continuation(_marked_byte(data, first, length, j)):
                h = _hash_byte(h, _marked_byte(data, first, length, j))
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == size)):
                if len(out) > 0:
                    out[start + count] = nwords + np.int64(h % np.uint64(bucket))
                count += 1
            n += 1
    return count


@njit(**_JIT)
def _hash_byte(h, b):
    """One FNV-1a step with fastText's signed char: a byte >= 0x80 is XORed sign-extended."""
    widened = np.uint64(b) | np.uint64(0xFFFFFF00) if b >= 128 else np.uint64(b)
    return ((h ^ widened) * _FNV_PRIME) & _MASK32


@njit(**_JIT)
def subword_rows(data, byte_offsets, skip, min_n, max_n, bucket, nwords):
    """Subword rows of every word: its own row, then its n-gram rows (fastText's order).

    data (B,) uint8: the UTF-8 bytes of all words, word i at
    data[byte_offsets[i]:byte_offsets[i + 1]]; skip (nwords,) bool: words without n-grams
    (fastText's ``</s>``); max_n = 0 gives no n-grams. Returns (ids int32 (total,),
    offsets int64 (nwords + 1,)).
    """
    none = np.empty(0, dtype=np.int32)
    offsets = np.zeros(nwords + 1, dtype=np.int64)
    for w in range(nwords):
        k = 0
        if not skip[w] and max_n > 0:
            k = _word_ngrams(data, byte_offsets[w], byte_offsets[w + 1] - byte_offsets[w],
                             min_n, max_n, bucket, nwords, none, 0)
        offsets[w + 1] = offsets[w] + 1 + k
    ids = np.empty(offsets[nwords], dtype=np.int32)
    for w in range(nwords):
        ids[offsets[w]] = w
        if not skip[w] and max_n > 0:
            _word_ngrams(data, byte_offsets[w], byte_offsets[w + 1] - byte_offsets[w],
                         min_n, max_n, bucket, nwords, ids, offsets[w] + 1)
    return ids, offsets


@njit(**_JIT)
def mean_rows(w_in, ids, offsets, out) -> None:
    """out[w] = mean of w_in[ids[offsets[w]:offsets[w + 1]]] for every w (zero if none).

    Shapes: w_in (R, D) float32; ids int32; offsets (W + 1,) int64; out (W, D) float32.
    """
    dim = w_in.shape[1]
    acc = np.empty(dim, dtype=np.float32)
    for w in range(len(offsets) - 1):
        a, b = offsets[w], offsets[w + 1]
        for d in range(dim):
            acc[d] = 0.0
        for p in range(a, b):
            r = ids[p]
            for d in range(dim):
                acc[d] += w_in[r, d]
        inv = REAL(1.0 / (b - a)) if b > a else REAL(0.0)
        for d in range(dim):
            out[w, d] = acc[d] * inv


# --- one SGD step --------------------------------------------------------------------------

@njit(**_JIT)
def cbow_subword_step(w_in, w_out, rows, n_rows, targets, n_neg, lr, h, grad_h, g, w_hs,
                      tree, hs, mean=1, divided=0, width=()) -> float:
    """One CBOW step: h = mean of w_in[rows[:n_rows]] (every context word's subword rows)
    predicts the center targets[0] against the negatives targets[1:n_neg + 1] (none when
    n_neg = 0; one equal to the center is left out) and, with ``hs``, on the center's
    Huffman path (``tree`` = (codes, points, offsets), rows of ``w_hs``); both at the
    weights before the step, then every entry of rows receives the whole grad_h, not 1/k
    of it (fastText's step). Not ``mean``: h is the sum of those rows; ``divided``: each
    entry receives grad_h / k (gensim's FastText with ``cbow_mean=0`` sets both).

        g_t = lr (label_t - sigma(u_t . h));  grad_h = sum_t g_t u_t (+ the path's terms)
        u_t += g_t h;  w_in[r] += grad_h for each entry r of rows

    Shapes: w_in (R, D), w_out (V, D), w_hs (V - 1, D) float32; rows, targets int; h,
    grad_h (D,) and g (>= n_neg + 1 and >= the path,) float32 scratch; ``width``:
    :func:`w2v.engines.row_width.row_width`. Returns the loss J, as
    :func:`w2v.subword_reference.sgd_step` and ``hs_sgd_step``.
    """
    dim = row_width(width, w_in.shape[1])
    codes, points, offsets = tree
    center = targets[0]
    numba_hs.cbow_hidden(w_in, rows, n_rows, mean, h, width)
    for d in range(dim):
        grad_h[d] = 0.0
    loss = 0.0
    if n_neg > 0:
        loss += numba_hs.neg_update_h(w_out, h, targets, n_neg + 1, lr, grad_h, g, width)
    if hs:
        loss += numba_hs.hs_update_h(w_hs, h, codes, points, offsets[center],
                                     offsets[center + 1], lr, grad_h, g, width)
    share = REAL(1.0 / n_rows) if divided else REAL(1.0)
    for j in range(n_rows):
        r = rows[j]
        for d in range(dim):
            w_in[r, d] += share * grad_h[d]
    return loss


@njit(**_JIT)
def sg_subword_pairs(w_in, w_out, rows, n_rows, contexts, m, negatives, lr, h, grad_h, total,
                     g, w_hs, tree, hs, targets, width=()) -> float:
    """fastText's skip-gram steps for one center, pair after pair, input rows written once.

    For each context c_j in turn, fastText's step (:func:`cbow_subword_step`'s, with the
    center's rows as input, target c_j and its own negatives negatives[j]; no negatives
    when K = 0) at the weights the previous pairs left, and with ``hs`` the
    hierarchical-softmax step of h on c_j's path (``tree`` = (codes, points, offsets), rows
    of ``w_hs``), taken at the same weights.
    A pair adds its grad_h to every entry of the center's row list, so the next pair's
    mean is h + a grad_h, a = (sum over entries of the entry's row count) / k (1 without
    repeated rows): h is carried forward instead of re-read, and the rows receive the sum
    of the pairs' grad_h once, at the end. Same result as m calls of the one-pair step.

    Shapes as :func:`cbow_subword_step`; negatives (>= m, K); total (D,) float32 scratch;
    g (>= K + 1 and >= the longest path,) float32 and targets (K + 1,) int64 scratch;
    w_hs (V - 1, D) float32; ``width``: :func:`w2v.engines.row_width.row_width`.
    Returns the summed loss of the m pairs.
    """
    dim = row_width(width, w_in.shape[1])
    n_neg = negatives.shape[1]
    codes, points, offsets = tree
    for d in range(dim):
        h[d] = 0.0
        total[d] = 0.0
    repeats = 0
    for j in range(n_rows):
        r = rows[j]
        for q in range(n_rows):
            if rows[q] == r:
                repeats += 1
        for d in range(dim):
            h[d] += w_in[r, d]
    inv = REAL(1.0 / n_rows)
    for d in range(dim):
        h[d] *= inv
    carry = REAL(repeats / n_rows)
    loss = 0.0
    for j in range(m):
        target = contexts[j]
        for d in range(dim):
            grad_h[d] = 0.0
        if n_neg > 0:
            targets[0] = target
            for k in range(n_neg):
                targets[k + 1] = negatives[j, k]
            loss += numba_hs.neg_update_h(w_out, h, targets, n_neg + 1, lr, grad_h, g, width)
        if hs:
            loss += numba_hs.hs_update_h(w_hs, h, codes, points, offsets[target],
                                         offsets[target + 1], lr, grad_h, g, width)
        for d in range(dim):
            total[d] += grad_h[d]
            h[d] += carry * grad_h[d]
    for j in range(n_rows):
        r = rows[j]
        for d in range(dim):
            w_in[r, d] += total[d]
    return loss


# --- the chunk loop --------------------------------------------------------------------------

@njit(**_JIT)
def _copy_subwords(sub_ids, sub_offsets, word, out, start) -> int:
    """Append the subword rows of ``word`` to out[start:]; returns the new end."""
    for p in range(sub_offsets[word], sub_offsets[word + 1]):
        out[start] = sub_ids[p]
        start += 1
    return start


@njit(**_JIT)
def train_subword_chunk(ids, starts, weights, tables, subwords, options, alphas, rng_state,
                        stats, width) -> None:
    """Train the subword model on the sentences ``ids[starts[i]:starts[i+1]]`` (Hogwild).

    Parameters (arrays and scalars only), as :func:`w2v.engines.numba_kernels.train_chunk`
    but for:
    weights = (w_in (nwords + bucket, D), w_out (nwords, D), w_hs (nwords - 1, D) or no
    rows), float32, updated in place;
    subwords = (sub_ids int32, sub_offsets (nwords + 1,) int64): word w's input rows are
    sub_ids[sub_offsets[w]:sub_offsets[w + 1]] (:class:`w2v.subwords.SubwordIndex`);
    options: the word-level kernel's (window, negative, sg, -, -, hs, cbow_mean,
    shrink_windows, mean_gradient); width as train_chunk's.

    Skip-gram: fastText's steps, one per (center, context) pair with K negatives of its
    own (:func:`sg_subword_pairs`); negatives shared by a center's contexts cost 16 points
    of syntactic analogy accuracy on text8 with subwords, so they are not offered here.
    CBOW: the mean (``cbow_mean``; else the sum) of all context words' subword rows
    predicts the center, and each row entry receives dJ/dh (over their count with
    ``mean_gradient``). Subsampling and window draws as in the word-level kernel.
    """
    w_in, w_out, w_hs = weights
    keep, accept, alias, codes, points, offsets = tables
    tree = (codes, points, offsets)
    sub_ids, sub_offsets = subwords
    window, n_neg, sg = options[0], options[1], options[2]
    hs, cbow_mean, shrink, mean_gradient = options[5], options[6], options[7], options[8]
    dim = row_width(width, w_in.shape[1])
    first = starts[0]
    n_words = max(starts[len(starts) - 1] - first, 1)
    longest, most_rows = 0, 1
    for s in range(len(starts) - 1):
        longest = max(longest, starts[s + 1] - starts[s])
    for w in range(len(sub_offsets) - 1):
        most_rows = max(most_rows, sub_offsets[w + 1] - sub_offsets[w])
    path_len = numba_hs.longest_path(offsets) if hs else 1
    sentence = np.empty(max(longest, 1), dtype=np.int64)
    contexts = np.empty(2 * window, dtype=np.int64)
    rows = np.empty(2 * window * most_rows, dtype=np.int64)
    negatives = np.empty((2 * window, n_neg), dtype=np.int64)
    draw = np.empty(n_neg + 1, dtype=np.int64)  # draw_negatives fills draw[1:]
    g = np.empty(max(2 * window * (n_neg + 1), path_len), dtype=REAL)
    h = np.empty(dim, dtype=REAL)
    grad_h = np.empty(dim, dtype=REAL)
    total = np.empty(dim, dtype=REAL)
    state = rng_state[0]
    loss = 0.0
    pairs = 0
    for s in range(len(starts) - 1):
        a, b = starts[s], starts[s + 1]
        n, state = _subsample(ids, a, b, keep, state, sentence)
        for p in range(n):
            frac = (a - first + (p * (b - a)) / n) / n_words
            lr = alphas[0] + (alphas[1] - alphas[0]) * frac
            state, z = rng_next(state)
            reach = window - np.int64((z >> _U32) % np.uint64(window))  # 1..window
            reach = reach if shrink else window
            m = 0
            for c in range(max(0, p - reach), min(n, p + reach + 1)):
                if c != p:
                    contexts[m] = sentence[c]
                    m += 1
            if m == 0:
                continue
            center = sentence[p]
            if sg:
                n_rows = _copy_subwords(sub_ids, sub_offsets, center, rows, 0)
                for j in range(m):
                    state = draw_negatives(state, draw, n_neg, accept, alias)
                    negatives[j, :] = draw[1:]
                loss += sg_subword_pairs(w_in, w_out, rows, n_rows, contexts, m, negatives,
                                         lr, h, grad_h, total, g, w_hs, tree, hs, draw,
                                         width)
                pairs += m
            else:
                n_rows = 0
                for j in range(m):
                    n_rows = _copy_subwords(sub_ids, sub_offsets, contexts[j], rows, n_rows)
                state = draw_negatives(state, draw, n_neg, accept, alias)
                draw[0] = center
                loss += cbow_subword_step(w_in, w_out, rows, n_rows, draw, n_neg, lr, h,
                                          grad_h, g, w_hs, tree, hs, cbow_mean, mean_gradient,
                                          width)
                pairs += 1
    rng_state[0] = state
    stats[0] += loss
    stats[1] += pairs
    stats[2] += starts[len(starts) - 1] - first
