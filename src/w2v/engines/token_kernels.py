"""Numba kernel of the corpus scan: UTF-8 text to token ids, in one pass over its bytes.

:mod:`w2v.corpus_scan` reads a corpus once, giving every distinct token a provisional id in
order of first occurrence. In Python that is ``str.split`` and one dict lookup a token, about
100 ns a token and most of the time of reading a corpus. :func:`scan_tokens` does the same on
the text's UTF-8 bytes: it splits where ``str.split`` splits, looks each token up in an
open-addressing hash table of the tokens seen so far (FNV-1a over the bytes, linear probing),
and writes the ids and the sentence lengths, with ``max_sentence_length`` pieces cut as the
Python reader cuts them. The result is identical to :func:`w2v.corpus.iter_sentences`
followed by the dict (the tests compare them on text with every Unicode space).

The table's arrays belong to the caller (:class:`w2v.corpus_tokens.TokenTable`), which
grows them: the kernel stops at a token it has no room for and says where.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_MIX = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's first multiplier


@njit(cache=True, nogil=True)
def space_length(buf, i, n) -> int:
    """Bytes of the whitespace character at ``buf[i]`` (0 if it is not whitespace).

    Whitespace is what ``str.isspace`` calls whitespace: ASCII 9-13 and 28-32, and U+0085,
    U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 in UTF-8. ``buf``
    is valid UTF-8, so a byte >= 0xC2 starts a character.
    """
    b = buf[i]
    if b == 32 or 9 <= b <= 13 or 28 <= b <= 31:
        return 1
    if b < 0xC2 or b > 0xE3:
        return 0
    if b == 0xC2:
        return 2 if i + 1 < n and (buf[i + 1] == 0x85 or buf[i + 1] == 0xA0) else 0
    if i + 2 >= n:
        return 0
    b1, b2 = buf[i + 1], buf[i + 2]
    if b == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0
    if b == 0xE2:
        if b1 == 0x80 and (b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF):
            return 3
        return 3 if b1 == 0x81 and b2 == 0x9F else 0
    if b == 0xE3:
        return 3 if b1 == 0x80 and b2 == 0x80 else 0
    return 0


@njit(cache=True, nogil=True)
def _same_bytes(store, start, buf, i, length) -> bool:
    # A plain loop: numba compiles no generator inside all().
    for k in range(length):  # noqa: SIM110
        if store[start + k] != buf[i + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def scan_tokens(buf, slots, token_start, token_length, token_hash, store, state, ids, ends):
    """Tokenise ``buf`` (uint8 (n,), valid UTF-8) into provisional ids.

    Parameters
    ----------
    buf : uint8 (n,)
        Text; a token never continues past its end (the caller cuts at whitespace).
    slots : int64 (S,), S a power of two
        The hash table: -1 or a provisional id. Kept under half full.
    token_start, token_length : int64 (C,); token_hash : uint64 (C,)
        Per provisional id: its bytes ``store[start:start + length]`` and its hash.
    store : uint8 (B,)
        The distinct tokens' bytes, one after another.
    state : int64 (4,)
        Distinct tokens so far, bytes of ``store`` used, tokens of the open sentence, and the
        longest sentence (``max_sentence_length``). Updated.
    ids : uint32 (>= n // 2 + 1,); ends : int64 (same)
        Out: the tokens' ids, and the lengths of the sentences that ended.

    Returns
    -------
    (consumed, n_ids, n_ends) : bytes of ``buf`` read (``n`` unless the table was full at
    the token starting there), ids written, sentence lengths written.
    """
    n = buf.shape[0]
    distinct, used, open_length, max_length = state[0], state[1], state[2], state[3]
    mask = slots.shape[0] - 1
    n_ids = 0
    n_ends = 0
    i = 0
    # ASCII is decided in the loop and only other bytes call space_length: a call for every
    # byte took 13 ms a MB of text, this 2 ms (numba's inlining did not remove the call)
    while i < n:
        b = buf[i]
        if b < 0x80:
            width = 1 if b == 32 or 9 <= b <= 13 or 28 <= b <= 31 else 0
        else:
            width = space_length(buf, i, n)
        if width > 0:
            if buf[i] == 10 and open_length > 0:  # a newline ends the sentence
                ends[n_ends] = open_length
                n_ends += 1
                open_length = 0
            i += width
            continue
        j = i
        h = _FNV_OFFSET
        while j < n:
            b = buf[j]
            if b == 32 or 9 <= b <= 13 or 28 <= b <= 31 or (b >= 0xC2
                                                             and space_length(buf, j, n)):
                break
            h = (h ^ np.uint64(b)) * _FNV_PRIME
            j += 1
        length = j - i
        # FNV's low bits, which pick the slot, mix the last bytes poorly: fold the high
        # bits in (probe chains were long enough to cost 80 ns a token without it)
        h ^= h >> np.uint64(31)
        h *= _MIX
        h ^= h >> np.uint64(29)
        slot = np.int64(h & np.uint64(mask))
        while True:
            found = slots[slot]
            if found < 0:
                if (distinct >= token_start.shape[0] or used + length > store.shape[0]
                        or 2 * (distinct + 1) > slots.shape[0]):
                    state[0], state[1], state[2] = distinct, used, open_length
                    return i, n_ids, n_ends  # no room: the caller grows the table
                slots[slot] = distinct
                token_start[distinct] = used
                token_length[distinct] = length
                token_hash[distinct] = h
                for k in range(length):
                    store[used + k] = buf[i + k]
                used += length
                found = distinct
                distinct += 1
                break
            if (token_hash[found] == h and token_length[found] == length
                    and _same_bytes(store, token_start[found], buf, i, length)):
                break
            slot = (slot + 1) & mask
        ids[n_ids] = found
        n_ids += 1
        open_length += 1
        if open_length == max_length:  # a long line goes on as the next sentence
            ends[n_ends] = max_length
            n_ends += 1
            open_length = 0
        i = j
    state[0], state[1], state[2] = distinct, used, open_length
    return n, n_ids, n_ends


@njit(cache=True, nogil=True)
def rehash(slots, token_hash, distinct) -> None:
    """Fill an empty (all -1) ``slots`` with ids ``0..distinct-1`` by their hashes."""
    mask = slots.shape[0] - 1
    for t in range(distinct):
        slot = np.int64(token_hash[t] & np.uint64(mask))
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = t
