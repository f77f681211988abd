"""A phrase table (one pass) and how it rewrites a run of tokens.

The table holds only the phrases: their words, gap codes and scores, sorted by one int64
key for ``searchsorted``. Rewriting is left to right and greedy, as both originals do: a
candidate that is a phrase is joined unless its first word already ends the phrase before
it ("a b c" with "a_b" and "b_c" both phrases gives "a_b c"). Within a run of consecutive
phrase candidates that means every other one, counted from the run's first: one cumulative
maximum, no Python loop over tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress, repeat

import numpy as np

from w2v.phrases.spans import GapCodec, candidates
from w2v.phrases.stream import LINE, TokenChunk


@dataclass(frozen=True)
class Phrase:
    """One phrase: its words (first, connectors..., last) and its score."""

    words: tuple[str, ...]
    score: float


class PhraseTable:
    """The phrases of one pass, and the rewriting of tokens with them.

    Parameters
    ----------
    phrases : list of Phrase
        Each phrase's words: two words with connector words (if any) between them.
    connector_words : iterable of str
        The connector words the phrases were learnt with.
    breaks_at : int
        A phrase may not cross a token whose break flag is ``>= breaks_at`` (``LINE`` for
        word2phrase's rule, ``PIECE`` for gensim's sentences).
    """

    def __init__(self, phrases: list[Phrase], connector_words: Iterable[str] = (),
                 breaks_at: int = LINE) -> None:
        self.codec = GapCodec(connector_words)
        self.breaks_at = breaks_at
        self.phrases = list(phrases)
        heads = sorted({w for p in self.phrases for w in (p.words[0], p.words[-1])})
        self.n_heads = len(heads)
        # phrase words 0..H-1, connector words H..H+C-1; any other token maps to -1
        self.index = {w: i for i, w in enumerate(heads)}
        for number, word in enumerate(self.codec.words):
            self.index.setdefault(word, self.n_heads + number)
        codes = [self.codec.code_of(list(p.words[1:-1])) for p in self.phrases]
        self.gap_codes = np.unique(np.asarray(codes, dtype=np.int64))  # (M,) sorted
        a = np.asarray([self.index[p.words[0]] for p in self.phrases], dtype=np.int64)
        b = np.asarray([self.index[p.words[-1]] for p in self.phrases], dtype=np.int64)
        keys = self._keys(a, b, np.searchsorted(self.gap_codes, np.asarray(codes, np.int64)))
        order = np.argsort(keys)
        self.keys = keys[order]  # (P,) sorted
        self.sorted_phrases = [self.phrases[i] for i in order.tolist()]
        self.word_tuples = frozenset(p.words for p in self.phrases)  # for one sentence

    def _keys(self, a: np.ndarray, b: np.ndarray, gap: np.ndarray) -> np.ndarray:
        return (a * self.n_heads + b) * max(1, len(self.gap_codes)) + gap

    def __len__(self) -> int:
        return len(self.phrases)

    def rewrite(self, tokens: list[str], flags: np.ndarray, delimiter: str,
                final: bool) -> tuple[TokenChunk, int]:
        """Join the phrases of a run of tokens.

        Parameters
        ----------
        tokens : list of str
            (n,) the tokens.
        flags : np.ndarray
            int8, (n,): their break flags.
        delimiter : str
            Glue of a phrase's words.
        final : bool
            The run ends the corpus (or a sentence): rewrite all of it. Otherwise the last
            word (and the connectors after it) is left for the next run when it might start
            a phrase with the next run's first word.

        Returns
        -------
        chunk : TokenChunk
            The rewritten tokens, each with the flag of its first word.
        used : int
            How many of ``tokens`` it covers; the rest start the next run.
        """
        idx = np.fromiter(map(self.index.get, tokens, repeat(-1)), dtype=np.int64,
                          count=len(tokens))
        starts, ends, _, used = self.joins(idx, flags, final)
        return self._joined(tokens, flags, starts, ends, used, delimiter), used

    def rewrite_sentence(self, sentence: list[str], delimiter: str) -> list[str]:
        """One sentence rewritten, in plain Python: for one short sentence, faster than numpy.

        The same greedy rule as :meth:`joins` (gensim's ``analyze_sentence``, with lookups
        in this table).
        """
        connectors = self.codec.local
        out: list[str] = []
        start: str | None = None
        between: list[str] = []
        for word in sentence:
            if word in connectors:
                if start is None:
                    out.append(word)
                else:
                    between.append(word)
                continue
            if start is not None:
                key = (start, *between, word)
                if key in self.word_tuples:
                    out.append(delimiter.join(key))
                    start, between = None, []
                    continue
                out.append(start)
                out.extend(between)
            start, between = word, []
        if start is not None:
            out.append(start)
            out.extend(between)
        return out

    def index_of(self, words: list[str]) -> np.ndarray:
        """int64, (V,): the table's number of each of ``words`` (-1 for other words)."""
        return np.fromiter(map(self.index.get, words, repeat(-1)), dtype=np.int64,
                           count=len(words))

    def joins(self, idx: np.ndarray, flags: np.ndarray,
              final: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The phrases to join in a run of tokens given as the table's numbers.

        Parameters
        ----------
        idx : np.ndarray
            int64, (n,): each token's number in ``self.index`` (-1 if absent).
        flags : np.ndarray
            int8, (n,): break flags.
        final : bool
            As for :meth:`rewrite`.

        Returns
        -------
        starts, ends : np.ndarray
            int64, (J,): first and last token of each phrase joined.
        rows : np.ndarray
            int64, (J,): each one's row in ``self.sorted_phrases``.
        used : int
            Tokens covered (the rest start the next run).
        """
        conn = np.where(idx >= self.n_heads, idx - self.n_heads + 1, 0)
        found = candidates(conn, flags >= self.breaks_at, self.codec)
        a, b = idx[found.left], idx[found.right]
        hit = found.valid & (a >= 0) & (b >= 0)
        rows = np.zeros(len(a), dtype=np.int64)
        if hit.any() and len(self.gap_codes):
            gap = np.searchsorted(self.gap_codes, found.codes[hit])
            clipped = np.minimum(gap, len(self.gap_codes) - 1)
            known = self.gap_codes[clipped] == found.codes[hit]
            keys = self._keys(a[hit], b[hit], clipped)
            where = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit[hit] = known & (self.keys[where] == keys)
            rows[hit] = where[known & (self.keys[where] == keys)]
        else:
            hit[:] = False
        join = _greedy(hit)
        used = len(idx)
        if not final and len(found.heads) and not (len(join) and join[-1]):
            used = int(found.heads[-1])
        return found.left[join], found.right[join], rows[join], used

    @staticmethod
    def _joined(tokens: list[str], flags: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                used: int, delimiter: str) -> TokenChunk:
        """``tokens[:used]`` with ``tokens[s..e]`` joined for each (s, e) of the phrases."""
        if not len(starts):
            return TokenChunk(tokens[:used], flags[:used])
        tokens = tokens[:used]
        drop = np.zeros(used + 1, dtype=np.int64)
        np.add.at(drop, starts + 1, 1)
        np.add.at(drop, ends + 1, -1)
        keep = np.cumsum(drop[:used]) == 0
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            tokens[s] = delimiter.join(tokens[s:e + 1])
        return TokenChunk(list(compress(tokens, keep.tolist())), flags[:used][keep])


def _greedy(hit: np.ndarray) -> np.ndarray:
    """Left-to-right joins: within each run of consecutive hits, the 1st, 3rd, 5th, ...

    Works on the hits only (a few percent of the candidates).
    """
    where = np.flatnonzero(hit)  # (H,)
    join = np.zeros(len(hit), dtype=bool)
    if not len(where):
        return join
    starts_run = np.ones(len(where), dtype=bool)
    starts_run[1:] = where[1:] != where[:-1] + 1
    rank = np.arange(len(where))
    run_start = np.maximum.accumulate(np.where(starts_run, rank, 0))
    join[where[(rank - run_start) % 2 == 0]] = True
    return join
