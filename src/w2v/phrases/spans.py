"""Phrase candidates in a run of word ids: two words, and the connector words between them.

A candidate is gensim's: two consecutive non-connector tokens of one sentence, ``a`` and
``b``, with the connector words between them (none, or e.g. "of" in "bank of america").
Without connector words every pair of neighbours is a candidate (word2phrase's bigrams).

The connector words between ``a`` and ``b`` are named by one integer, their **gap code**:
0 for none; otherwise the connectors' numbers ``c_1 .. c_g`` (1..C, by sorted word) as the
digits of ``sum_j c_j B^(g-j)`` in an odd base ``B > C``. Every digit is at least 1, so
the code of a sequence is unique while ``B^g < 2^63`` (up to 15 connectors in a row for
gensim's English set); it is computed for all candidates at once from one prefix sum
(below). The rare longer runs get negative codes from a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

_U64 = np.uint64


class GapCodec:
    """Gap codes of the connector words between two words (see the module docstring).

    Parameters
    ----------
    connector_words : iterable of str
        The connector words; numbered 1..C in sorted order.
    """

    def __init__(self, connector_words: Iterable[str]) -> None:
        self.words: list[str] = sorted(set(connector_words))
        self.local = {word: i + 1 for i, word in enumerate(self.words)}  # word -> 1..C
        base = max(3, len(self.words) + 1)
        self.base = base if base % 2 else base + 1  # odd: invertible modulo 2^64
        self.max_exact = 0  # longest run with an exact code: base^g < 2^63
        while self.base ** (self.max_exact + 1) < 2**63:
            self.max_exact += 1
        self.inverse = pow(self.base, -1, 2**64)
        self.long_codes: dict[tuple[int, ...], int] = {}  # longer runs -> -1, -2, ...
        self.long_runs: list[tuple[int, ...]] = []

    def codes(self, conn: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Gap codes of the candidates ``(left[k], right[k])``.

        Parameters
        ----------
        conn : np.ndarray
            int64, (n,): each token's connector number (0 for a non-connector).
        left, right : np.ndarray
            int64, (K,): positions of the two words of each candidate, ``left < right``,
            with only connectors strictly between them.

        Returns
        -------
        np.ndarray
            int64, (K,): 0 where the two words are neighbours.
        """
        gap = right - left - 1
        codes = np.zeros(len(left), dtype=np.int64)
        if not self.words or not gap.any():
            return codes
        n = len(conn)
        # code(s..e) = B^e * sum_{j=s..e} c_j B^-j  (mod 2^64), exact when below 2^63
        powers = np.ones(n, dtype=_U64)
        inverses = np.ones(n, dtype=_U64)
        if n > 1:
            powers[1:] = np.cumprod(np.full(n - 1, self.base, dtype=_U64))
            inverses[1:] = np.cumprod(np.full(n - 1, self.inverse, dtype=_U64))
        prefix = np.cumsum(conn.astype(_U64) * inverses)
        exact = (gap > 0) & (gap <= self.max_exact)
        e, p = right[exact] - 1, left[exact]
        codes[exact] = (powers[e] * (prefix[e] - prefix[p])).astype(np.int64)
        for k in np.flatnonzero(gap > self.max_exact):
            codes[k] = self._long_code(tuple(conn[left[k] + 1:right[k]].tolist()))
        return codes

    def _long_code(self, run: tuple[int, ...]) -> int:
        code = self.long_codes.get(run)
        if code is None:
            self.long_runs.append(run)
            code = self.long_codes[run] = -len(self.long_runs)
        return code

    def code_of(self, words: list[str]) -> int:
        """The gap code of a sequence of connector words (each in ``self.words``)."""
        digits = tuple(self.local[w] for w in words)
        if len(digits) > self.max_exact:
            return self._long_code(digits)
        code = 0
        for digit in digits:
            code = code * self.base + digit
        return code

    def words_of(self, code: int) -> list[str]:
        """The connector words of a gap code, in order."""
        if code < 0:
            digits = list(self.long_runs[-code - 1])
        else:
            digits = []
            while code:
                code, digit = divmod(code, self.base)
                digits.append(digit)
            digits.reverse()
        return [self.words[d - 1] for d in digits]


@dataclass
class Candidates:
    """The phrase candidates of a run of tokens.

    Attributes
    ----------
    heads : np.ndarray
        int64, (H,): positions of the non-connector tokens.
    left, right : np.ndarray
        int64, (H - 1,): ``heads[:-1]`` and ``heads[1:]``, the two words of each candidate.
    valid : np.ndarray
        bool, (H - 1,): no sentence break between the two words.
    codes : np.ndarray
        int64, (H - 1,): gap codes (0 where there is no connector between).
    """

    heads: np.ndarray
    left: np.ndarray
    right: np.ndarray
    valid: np.ndarray
    codes: np.ndarray


def candidates(conn: np.ndarray, breaks: np.ndarray | None, codec: GapCodec) -> Candidates:
    """Every candidate of a run of tokens.

    Parameters
    ----------
    conn : np.ndarray
        int64, (n,): each token's connector number, 0 for other tokens.
    breaks : np.ndarray or None
        bool, (n,): a sentence starts at this token; None for no break at all.
    codec : GapCodec
        Gives the gap codes.
    """
    heads = np.flatnonzero(conn == 0)
    left, right = heads[:-1], heads[1:]
    if breaks is None:
        valid = np.ones(len(left), dtype=bool)
    else:
        sentence = np.cumsum(breaks)
        valid = sentence[left] == sentence[right]
    return Candidates(heads, left, right, valid, codec.codes(conn, left, right))
