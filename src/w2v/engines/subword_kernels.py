"""Numba kernels of the subword (fastText) model: n-gram hashing, SGD steps, the chunk loop.

Notation as in :mod:`w2v.engines.numba_kernels`: ``w_in`` is the input table, here
(nwords + bucket, D) in fastText's row layout (:mod:`w2v.subwords`); ``w_out`` (nwords, D)
the output vectors. A word w has subword rows S(w) (its own row and its n-gram rows, k of
them, as ``ids[offsets[w]:offsets[w + 1]]``), and its input vector is their mean

    h_w = (1 / k) sum_{r in S(w)} w_in[r]

Skip-gram (fastText's direction): the center word's h predicts each context word c_j
against K negatives n_1..n_K, the negatives shared by the center's contexts:

    J = sum_j [ -log sigma(u_{c_j} . h) - sum_k log sigma(-u_{n_k} . h) ]

CBOW: the mean of the subword rows of all context words predicts the center. In both,
every input row of h receives the whole gradient wrt h (``w_in[r] -= lr * dJ/dh``), not
1/k of it: fastText's update (and word2vec.c's CBOW); it is k times the gradient of J
wrt the row. :mod:`w2v.subword_reference` states the same step in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from w2v.dtypes import REAL
from w2v.engines.numba_kernels import (
    _JIT,
)

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
