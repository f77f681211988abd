"""Word vectors: lookup and nearest-neighbour queries.

:class:`Vectors` holds a list of keys and a float32 (V, D) matrix whose row i is ``keys[i]``.
Queries follow gensim's ``KeyedVectors`` (same names, same arguments, same results): they use
a cached unit-length copy of the matrix, one matrix-vector product and ``np.argpartition``,
with no Python loop over the vocabulary.

Cosine similarity of words w and u: ``cos(w, u) = (v_w . v_u) / (|v_w| |v_u|)``. A zero vector
has similarity 0 with everything (gensim would produce NaN). A row holding NaN or inf (a
diverged model, a damaged file) has no direction: its similarity to anything is NaN, queries
never return it, and a query made of it raises :class:`~w2v.errors.ConfigError`;
:attr:`Vectors.finite_rows` says which rows these are.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from w2v.analogy import cosadd_scores, cosmul_scores
from w2v.dtypes import REAL
from w2v.errors import ConfigError, UnknownWordError
from w2v.validation import Int

# A query term: a word, a vector of shape (D,), or a (word_or_vector, weight) pair.
Term = Any


class Vectors:
    """Keys and their vectors, with gensim-style similarity queries.

    Parameters
    ----------
    keys : list of str
        The words, in row order (usually by descending frequency). Must be distinct.
    vectors : ndarray, shape (V, D)
        Row i is the vector of ``keys[i]``. Converted to float32 unless already float32
        (a float32 memory map stays a memory map).

    Raises
    ------
    ConfigError
        If the shapes disagree or a key is repeated.
    """

    def __init__(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        matrix = vectors if isinstance(vectors, np.ndarray) and vectors.dtype == REAL \
            else np.asarray(vectors, dtype=REAL)
        if matrix.ndim != 2:
            raise ConfigError("The {vectors} must be a 2-D (V, D) matrix. Got shape {shape} "
                              "instead.", shape=matrix.shape)
        keys = list(keys)
        if len(keys) != matrix.shape[0]:
            raise ConfigError("The {keys} hold {n} keys for {rows} rows of vectors; they must "
                              "match.", n=len(keys), rows=matrix.shape[0])
        key_to_index = {key: index for index, key in enumerate(keys)}
        if len(key_to_index) != len(keys):
            seen: set[str] = set()
            duplicate = next(key for key in keys if key in seen or seen.add(key))
            raise ConfigError("The key {key} appears more than once in the {keys}; keys must "
                              "be distinct.", key=repr(duplicate))
        self.index_to_key: list[str] = keys
        self.key_to_index: dict[str, int] = key_to_index
        self._vectors = matrix
        self._normed: np.ndarray | None = None
        self._norms: np.ndarray | None = None
        self._finite: np.ndarray | None = None

    # --- lookup ---------------------------------------------------------------------------

    @property
    def vectors(self) -> np.ndarray:
        """The float32 (V, D) matrix; row i is ``index_to_key[i]``."""
        return self._vectors

    @vectors.setter
    def vectors(self, matrix: np.ndarray) -> None:
        self.__init__(self.index_to_key, matrix)

    @property
    def vector_size(self) -> int:
        """The dimension D."""
        return int(self._vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __iter__(self):
        return iter(self.index_to_key)

    def __getitem__(self, key: str | Iterable[str]) -> np.ndarray:
        """The vector of a word, shape (D,), or of a list of words, shape (k, D)."""
        if isinstance(key, str):
            return self._vectors[self.get_index(key)]
        return self._vectors[[self.get_index(k) for k in key]]

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words x {self.vector_size} dims)"

    def get_index(self, key: str) -> int:
        """Row of ``key``; raises :class:`UnknownWordError` listing close matches if absent."""
        index = self.key_to_index.get(key)
        if index is None:
            raise UnknownWordError(self._unknown_message(key))
        return index

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key``, shape (D,); unit length if ``norm``."""
        index = self.get_index(key)
        return (self.get_normed_vectors() if norm else self._vectors)[index]

    @property
    def norms(self) -> np.ndarray:
        """Euclidean norms of the rows, float32 (V,); NaN or inf for rows holding NaN or inf."""
        if self._norms is None:
            with np.errstate(over="ignore", invalid="ignore"):  # non-finite rows: see finite_rows
                self._norms = np.linalg.norm(self._vectors, axis=1).astype(REAL)
        return self._norms

    @property
    def finite_rows(self) -> np.ndarray:
        """Which rows hold only finite numbers, bool (V,); the others never match a query."""
        if self._finite is None:
            finite = np.empty(len(self), dtype=bool)
            for start in range(0, len(self), 65_536):  # blocks: no (V, D) bool temporary
                block = self._vectors[start:start + 65_536]
                finite[start:start + len(block)] = np.isfinite(block).all(axis=1)
            self._finite = finite
        return self._finite

    def get_normed_vectors(self) -> np.ndarray:
        """Unit-length copy of the matrix, float32 (V, D), computed once and cached.

        Zero rows stay zero; rows holding NaN or inf become all NaN, so that every cosine
        with them is NaN (never a number that could rank).
        """
        if self._normed is None:
            safe = np.where(self.norms > 0, self.norms, 1.0).astype(REAL)
            with np.errstate(over="ignore", invalid="ignore"):
                normed = self._vectors / safe[:, None]  # (V, D) / (V, 1)
            normed[~self.finite_rows] = np.nan
            self._normed = normed
        return self._normed

    def _unknown_message(self, key: object) -> str:
        words = self.index_to_key[:200_000]  # bounds difflib's cost on huge vocabularies
        matches = difflib.get_close_matches(str(key), words, n=5, cutoff=0.7)
        cased = [w for w in (str(key).lower(), str(key).capitalize(), str(key).upper())
                 if w in self.key_to_index and w not in matches]
        matches = cased + matches
        hint = f" Close matches: {', '.join(matches)}." if matches else ""
        return (f"The word {key!r} is not in the vocabulary ({len(self)} words).{hint}"
                f"{self._unseen_word_hint()}")

    def _unseen_word_hint(self) -> str:
        """What to do about an unseen word (subword vectors compose one instead)."""
        return (" Plain word vectors have no vector for an unseen word (a subword model, "
                "or a fastText .bin, has one).")

    # --- queries ----------------------------------------------------------------------------

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        normed = self.get_normed_vectors()
        return float(np.dot(normed[self.get_index(w1)], normed[self.get_index(w2)]))

    def most_similar(self, positive: Term | Sequence[Term] | None = None,
                     negative: Term | Sequence[Term] = (), topn: int = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Words closest to the mean of ``positive`` minus ``negative`` (gensim's 3CosAdd).

        Parameters
        ----------
        positive, negative : word, vector (D,), (word_or_vector, weight), or a list of these
            Words count with their unit vectors, raw vectors as given; weights default to +1
            for positive and -1 for negative terms.
        topn : int
            Number of results.
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` rows (the most frequent words).

        Returns
        -------
        list of (str, float)
            ``topn`` pairs (word, cosine similarity to the query), best first. Query words
            themselves are excluded, as gensim does.

        Raises
        ------
        UnknownWordError
            If a query word is not in the vocabulary.
        """
        _check_limits(topn, restrict_vocab)
        terms = _as_terms(positive, 1.0) + _as_terms(negative, -1.0)
        if not terms:
            raise ConfigError("most_similar needs at least one term, {positive} or {negative}.")
        if topn < 1:
            return []
        normed = self.get_normed_vectors()
        mean = np.zeros(self.vector_size, dtype=REAL)
        total_weight = 0.0
        exclude: set[int] = set()
        for item, weight in terms:
            mean += weight * self._term_vector(item, exclude)
            total_weight += abs(weight)
        scores = cosadd_scores(normed[:restrict_vocab], (mean / total_weight)[None])[0]  # (R,)
        return self._top(scores, topn, exclude)

    def similar_by_vector(self, vector: np.ndarray, topn: int = 10,
                          restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Words closest to ``vector`` (shape (D,)) by cosine similarity, best first."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def similar_by_word(self, word: str, topn: int = 10,
                        restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Words closest to ``word``, best first (``word`` itself excluded)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive: Term | Sequence[Term] | None = None,
                            negative: Term | Sequence[Term] = (), topn: int = 10,
                            restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Levy & Goldberg's 3CosMul: prod (1+cos)/2 over positives / (prod over negatives + 1e-6).

        Same arguments and result type as :meth:`most_similar` (weights are not supported).
        Unlike gensim, ``restrict_vocab`` is honoured (gensim ignores it here).
        """
        _check_limits(topn, restrict_vocab)
        positive_terms = [item for item, _ in _as_terms(positive, 1.0)]
        negative_terms = [item for item, _ in _as_terms(negative, -1.0)]
        if not positive_terms:
            raise ConfigError("most_similar_cosmul needs at least one {positive} term.")
        if topn < 1:
            return []
        normed = self.get_normed_vectors()[:restrict_vocab]  # (R, D)
        exclude: set[int] = set()

        def stacked(items: list[Any]) -> np.ndarray:  # (1, k, D)
            rows = [self._term_vector(item, exclude) for item in items]
            return np.stack(rows)[None] if rows else np.zeros((1, 0, self.vector_size), REAL)

        scores = cosmul_scores(normed, stacked(positive_terms), stacked(negative_terms))[0]
        return self._top(scores, topn, exclude)

    def analogy(self, a: str, b: str, c: str, method: str = "3cosadd", topn: int = 1,
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Solve "a is to b as c is to ?": words near b - a + c, best first.

        Parameters
        ----------
        a, b, c : str
            E.g. ``analogy("man", "king", "woman")`` → ``[("queen", 0.7...)]``.
        method : {"3cosadd", "3cosmul"}
            3CosAdd (:meth:`most_similar`) or 3CosMul (:meth:`most_similar_cosmul`).
        topn, restrict_vocab
            As in :meth:`most_similar`.

        Returns
        -------
        list of (str, float)
            ``topn`` candidates, excluding a, b and c.
        """
        if method == "3cosadd":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method == "3cosmul":
            return self.most_similar_cosmul([b, c], [a], topn=topn,
                                            restrict_vocab=restrict_vocab)
        raise ConfigError("The {method} must be '3cosadd' or '3cosmul'. Got {got} instead.",
                          got=repr(method))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the unit vectors of ``words`` (as gensim)."""
        words = list(words)
        if not words:
            raise ConfigError("doesnt_match needs at least one word in the {words}.")
        rows = self.get_normed_vectors()[[self.get_index(w) for w in words]]  # (k, D)
        dists = rows @ _unit(rows.mean(axis=0))  # (k,)
        return min(zip(dists.tolist(), words, strict=True))[1]

    def _term_vector(self, item: Any, exclude: set[int]) -> np.ndarray:
        """The (D,) vector of a query term; words are unit vectors and are added to ``exclude``."""
        if isinstance(item, str):
            index = self.get_index(item)
            if not self.finite_rows[index]:
                raise ConfigError("The vector of {word} holds NaN or inf: it has no cosine "
                                  "similarity to any word.", word=repr(item))
            exclude.add(index)
            return self.get_normed_vectors()[index]
        vector = np.asarray(item, dtype=REAL)
        if vector.shape != (self.vector_size,):
            raise ConfigError("A query vector must have shape ({dim},). Got {shape} instead.",
                              parameter="positive", dim=self.vector_size, shape=vector.shape)
        if not np.isfinite(vector).all():
            raise ConfigError("A query vector holds NaN or inf: it has no cosine similarity "
                              "to any word.", parameter="positive")
        return vector

    def _top(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        """The ``topn`` best-scoring rows not in ``exclude``, best first."""
        wanted = min(topn + len(exclude), scores.shape[0])
        if wanted <= 0:
            return []
        if wanted < scores.shape[0]:
            best = np.argpartition(-scores, wanted - 1)[:wanted]
            best = best[np.argsort(-scores[best], kind="stable")]
        else:
            best = np.argsort(-scores, kind="stable")
        # NaN scores (rows holding NaN or inf) sort last and are never returned
        result = [(self.index_to_key[i], float(scores[i])) for i in best.tolist()
                  if i not in exclude and not np.isnan(scores[i])]
        return result[:topn]

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], format: str = "text") -> None:
        """Write to ``path`` atomically; see :func:`w2v.formats.save_vectors` for formats."""
        from w2v.formats import save_vectors

        save_vectors(self, path, format)

    @classmethod
    def load(cls, path: str | os.PathLike[str], format: str | None = None,
             limit: int | None = None, header: bool = True,
             unicode_errors: str = "strict") -> Vectors:
        """Read vectors; see :func:`w2v.formats.load_vectors` for the options."""
        from w2v.formats import load_vectors

        return load_vectors(path, format=format, limit=limit, header=header,
                            unicode_errors=unicode_errors)


def _check_limits(topn: Any, restrict_vocab: Any) -> None:
    """A negative count would slice from the end (Python's meaning), not limit: refuse it."""
    Int(low=0).check("topn", topn)
    Int(low=1, optional=True).check("restrict_vocab", restrict_vocab)


def _as_terms(value: Any, default_weight: float) -> list[tuple[Any, float]]:
    """Normalise a query argument to a list of (word_or_vector, weight) pairs (as gensim)."""
    if value is None:
        return []
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 1):
        items: list[Any] = [value]
    elif isinstance(value, np.ndarray) and value.ndim == 2:
        items = list(value)
    else:
        items = list(value)
    terms = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and not isinstance(item[1], str):
            terms.append((item[0], float(item[1])))
        else:
            terms.append((item, default_weight))
    return terms


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector / |vector|`` in float32 (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(REAL)


