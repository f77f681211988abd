"""Character n-grams of words, hashed as fastText hashes them: the subword vocabulary.

A word w is written ``<w>`` (boundary marks added) and cut into its character n-grams of
``min_n..max_n`` characters (characters are UTF-8 code points, never split). Each n-gram is
hashed with 32-bit FNV-1a over its UTF-8 bytes and mapped to one of ``bucket`` rows. The
input table of a subword model has fastText's row layout, (nwords + bucket, D):

    rows 0 .. nwords-1                  one per vocabulary word
    rows nwords .. nwords+bucket-1      one per hash bucket: row nwords + hash(g) % bucket

so that a table trained here and one trained by fastText agree row by row. A word's
*subwords* are its own row (in-vocabulary words only) followed by the rows of its n-grams,
in fastText's order (by start character, then by length); an n-gram repeated in a word
counts as often as it occurs. Its vector is the mean of those rows.

Two details follow fastText exactly:

- **Signed chars.** fastText's hash XORs each byte as a *signed* char widened to 32 bits,
  so a byte >= 0x80 (every byte of a non-ASCII character) is XORed as ``0xFFFFFF00 | b``.
- **Single characters.** An n-gram of one character is skipped when it is the ``<`` or the
  ``>`` mark (it only matters for ``min_n = 1``); the whole ``<w>`` is an n-gram when it has
  at most ``max_n`` characters.

:class:`SubwordIndex` precomputes the subword rows of every vocabulary word once, as a flat
id array with offsets (what the kernels read); :func:`subword_ids` gives those of any word,
in the vocabulary or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from w2v.validation import Int

BOW, EOW = "<", ">"
# fastText's end-of-sentence token: a vocabulary word of fastText's models, without n-grams.
EOS = "</s>"
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
_MASK32 = 0xFFFFFFFF


def fasttext_hash(data: bytes | str) -> int:
    """fastText's 32-bit FNV-1a hash of a byte string (signed-char bytes), in [0, 2**32).

    Parameters
    ----------
    data : bytes or str
        A str is hashed as its UTF-8 bytes.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = FNV_OFFSET
    for byte in data:
        # int8_t(byte) widened to uint32: bytes >= 0x80 carry 24 one bits above them.
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte
        h = (h * FNV_PRIME) & _MASK32
    return h


def word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The character n-grams of ``<word>``, ``min_n..max_n`` characters, in fastText's order.

    fastText's end-of-sentence token ``</s>`` has none. Returns a list (repeats kept).
    """
    if word == EOS:
        return []
    marked = BOW + word + EOW
    size = len(marked)
    out = []
    for start in range(size):
        for n in range(1, max_n + 1):
            end = start + n
            if end > size:
                break
            if n >= min_n and not (n == 1 and (start == 0 or end == size)):
                out.append(marked[start:end])
    return out


def ngram_rows(word: str, min_n: int, max_n: int, bucket: int, nwords: int) -> list[int]:
    """Rows of the n-grams of ``word``: ``nwords + hash(g) % bucket`` each (none if bucket 0)."""
    if bucket == 0 or max_n < min_n or max_n == 0:
        return []
    return [nwords + fasttext_hash(g) % bucket for g in word_ngrams(word, min_n, max_n)]


@dataclass(frozen=True)
class SubwordIndex:
    """The subword rows of every vocabulary word, precomputed once.

    Attributes
    ----------
    min_n, max_n : int
        N-gram lengths in characters (``max_n < min_n`` or ``max_n == 0``: no n-grams).
    bucket : int
        Hash rows after the word rows.
    nwords : int
        Vocabulary words (the first ``nwords`` rows).
    ids : np.ndarray
        int32, (total,): for word i, ``ids[offsets[i]:offsets[i + 1]]`` are its rows, its
        own row ``i`` first, then its n-gram rows.
    offsets : np.ndarray
        int64, (nwords + 1,).
    """

    min_n: int
    max_n: int
    bucket: int
    nwords: int
    ids: np.ndarray
    offsets: np.ndarray

    @property
    def rows(self) -> int:
        """Rows of the input table: ``nwords + bucket``."""
        return self.nwords + self.bucket

    def of(self, index: int) -> np.ndarray:
        """The subword rows of vocabulary word ``index``, int32 (k,), its own row first."""
        return self.ids[self.offsets[index]:self.offsets[index + 1]]

    def ids_of(self, word: str, index: int | None) -> np.ndarray:
        """The subword rows of any word: ``index`` (its row, or None if unseen) and n-grams."""
        if index is not None:
            return self.of(index)
        return np.array(ngram_rows(word, self.min_n, self.max_n, self.bucket, self.nwords),
                        dtype=np.int32)


def build_subword_index(words: Sequence[str], min_n: int, max_n: int,
                        bucket: int) -> SubwordIndex:
    """Precompute the subword rows of ``words`` (the vocabulary, in row order).

    The hashing runs in a numba kernel over the words' UTF-8 bytes
    (:func:`w2v.engines.subword_kernels.subword_rows`): a published fastText vocabulary of
    2M words takes seconds, not minutes.

    Raises
    ------
    ConfigError
        If the lengths or the bucket count are out of range.
    """
    check_ngram_options(min_n, max_n, bucket)
    from w2v.engines.subword_kernels import subword_rows

    encoded = [w.encode("utf-8") for w in words]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    byte_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=byte_offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else \
        np.zeros(0, np.uint8)
    skip = np.array([w == EOS for w in words], dtype=np.bool_)
    use_ngrams = bucket > 0 and max_n >= min_n and max_n > 0
    ids, offsets = subword_rows(data, byte_offsets, skip, min_n if use_ngrams else 1,
                                max_n if use_ngrams else 0, max(bucket, 1), len(words))
    return SubwordIndex(min_n, max_n, bucket, len(words), ids, offsets)


def check_ngram_options(min_n: int, max_n: int, bucket: int) -> None:
    """Refuse n-gram lengths and bucket counts fastText could not hold."""
    Int(0, 1000).check("min_n", min_n)
    Int(0, 1000).check("max_n", max_n)
    # fastText stores the bucket count (and every row id) as a 32-bit int.
    Int(0, 2**31 - 1).check("bucket", bucket)
