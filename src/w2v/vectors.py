"""Word vectors: lookup and nearest-neighbour queries.

:class:`Vectors` holds a list of keys and a float32 (V, D) matrix whose row i is ``keys[i]``.
Queries follow gensim's ``KeyedVectors`` (same names, same arguments, same results). They
divide dot products by the stored row norms block by block (:mod:`w2v.search`), so no
unit-length copy of the matrix is made: a memory-mapped native folder is queried in place.
There is no Python loop over the vocabulary.

Cosine similarity of words w and u: ``cos(w, u) = (v_w . v_u) / (|v_w| |v_u|)``. A zero vector
has similarity 0 with everything (gensim would produce NaN). A row holding NaN or inf (a
diverged model, a damaged file) has no direction: its similarity to anything is NaN, queries
never return it, and a query made of it raises :class:`~w2v.errors.ConfigError`;
:attr:`Vectors.finite_rows` says which rows these are.

Keys are words; like gensim, every method that takes a key also takes a row number (an int).
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from w2v import search
from w2v.analogy import cosmul_from_cosines
from w2v.dtypes import REAL
from w2v.errors import ConfigError, UnknownWordError
from w2v.validation import Int

# A query term: a word, a row number, a vector of shape (D,), or a (term, weight) pair.
Term = Any
# A key: a word or a row number (gensim accepts both).
Key = str | int


class UnknownWordsWarning(UserWarning):
    """Some words of a query are not in the vocabulary and were left out (as gensim does)."""


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
        # gensim's per-word attributes: name -> (V,) array (a trained model's "count")
        self.expandos: dict[str, np.ndarray] = {}
        # True for a model's own vectors (w2v.training.Model): their row order is the
        # vocabulary's and the output tables', so they are never reordered alone
        self.of_model = False
        self._set_matrix(matrix)

    def _set_matrix(self, matrix: np.ndarray) -> None:
        """Install a new (V, D) matrix and forget what was derived from the old one."""
        self._vectors = matrix
        self._normed: np.ndarray | None = None
        self._norms: np.ndarray | None = None
        self._finite: np.ndarray | None = None
        self._ann = None  # the approximate index, built or loaded on first use
        # the file these vectors were loaded from (beside it lives their approximate index);
        # None once they are edited, since they no longer match it
        self.source: os.PathLike[str] | None = None

    # --- lookup ---------------------------------------------------------------------------

    @property
    def vectors(self) -> np.ndarray:
        """The float32 (V, D) matrix; row i is ``index_to_key[i]``."""
        return self._vectors

    @vectors.setter
    def vectors(self, matrix: np.ndarray) -> None:
        self._replace_rows(self.index_to_key, matrix)

    def _replace_rows(self, keys: Sequence[str], matrix: np.ndarray,
                      order: np.ndarray | None = None) -> None:
        """New keys and (V, D) matrix, checked as by the constructor; the attributes stay
        (reordered by ``order`` when the rows were), and so does the tie to a model."""
        expandos, of_model = self.expandos, self.of_model
        Vectors.__init__(self, keys, matrix)  # a subclass's constructor takes other arguments
        self.of_model = of_model
        self.expandos = expandos if order is None else {
            name: column[order] for name, column in expandos.items()}

    def _take_state_of(self, other: Vectors) -> None:
        """Become ``other`` (an object of this class or of a base class of it): its keys,
        rows, attributes and caches, keeping this object's identity and class.

        A model renews its vectors after training (:class:`w2v.training.Model`): whoever
        holds the model's vectors object then sees the model as it is now, with norms of
        the new rows, as gensim's ``model.wv`` is one object for the model's life.
        Attributes set on this object that ``other`` lacks are kept when the rows are as
        many.
        """
        kept = {name: column for name, column in self.expandos.items()
                if name not in other.expandos and len(column) == len(other)}
        self.__dict__.clear()
        self.__dict__.update(other.__dict__)
        self.expandos = {**other.expandos, **kept}

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

    def __getitem__(self, key: Key | Iterable[Key]) -> np.ndarray:
        """The vector of a key (word or row number), shape (D,), or of a list of keys, (k, D)."""
        if _is_key(key) or not isinstance(key, Iterable):  # a non-key scalar: get_index says so
            return self._vectors[self.get_index(key)]
        return self._vectors[[self.get_index(k) for k in key]]

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words x {self.vector_size} dims)"

    def get_index(self, key: Key) -> int:
        """Row of ``key`` (a word, or a row number as gensim accepts).

        Raises :class:`UnknownWordError` listing close matches if absent.
        """
        index = self.key_to_index.get(key) if isinstance(key, str) else None
        if index is not None:
            return index
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self):
            return int(key)
        raise UnknownWordError(self._unknown_message(key))

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """The vector of ``key``, shape (D,); unit length if ``norm``."""
        index = self.get_index(key)
        return self.unit_rows([index])[0] if norm else self._vectors[index]

    @property
    def norms(self) -> np.ndarray:
        """Euclidean norms of the rows, float32 (V,); NaN or inf for rows holding NaN or inf."""
        if self._norms is None:
            self._norms = search.row_norms(self._vectors)
        return self._norms

    @property
    def finite_rows(self) -> np.ndarray:
        """Which rows hold only finite numbers, bool (V,); the others never match a query."""
        if self._finite is None:
            self._finite = search.finite_mask(self._vectors)
        return self._finite

    def unit_rows(self, rows: Any) -> np.ndarray:
        """Unit-length copies of some rows, float32 (k, D): ``rows`` indexes the matrix.

        Zero rows stay zero; rows holding NaN or inf become all NaN. Only the chosen rows are
        copied, so this is the way to normalise part of a large (memory-mapped) matrix.
        """
        block = self._vectors[rows]
        norms = self.norms[rows]
        with np.errstate(over="ignore", invalid="ignore"):
            normed = block / np.where(norms > 0, norms, 1.0)[..., None]
        normed[~self.finite_rows[rows]] = np.nan
        return normed.astype(REAL, copy=False)

    def get_normed_vectors(self) -> np.ndarray:
        """Unit-length copy of the whole matrix, float32 (V, D), computed once and cached.

        Zero rows stay zero; rows holding NaN or inf become all NaN. Queries never build it
        (they divide by :attr:`norms` block by block): this copy is as large as the matrix.
        """
        if self._normed is None:
            self._normed = self.unit_rows(slice(None))
        return self._normed

    def _unknown_message(self, key: object) -> str:
        if not isinstance(key, str) and isinstance(key, (int, np.integer)):
            return f"The row {key} is not in the vocabulary (rows 0 to {len(self) - 1})."
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

    def _has_vector_for(self, key: Key) -> bool:
        """Whether :meth:`get_vector` has a vector for ``key`` (a word or a row number)."""
        return key in self.key_to_index or _is_row(key, len(self))

    def _known(self, keys: Iterable[Key], what: str) -> list[Key]:
        """The keys of ``keys`` that have vectors (in the vocabulary, or for subword vectors
        with n-grams); one warning names the others."""
        keys = list(keys)
        known = [k for k in keys if self._has_vector_for(k)]
        if len(known) != len(keys):
            missing = [k for k in keys if k not in known]
            warnings.warn(f"{what}: {len(missing)} word(s) not in the vocabulary were left "
                          f"out: {', '.join(map(repr, missing[:10]))}.", UnknownWordsWarning,
                          stacklevel=3)
        return known

    # --- cosines ----------------------------------------------------------------------------

    def cosines(self, queries: np.ndarray, restrict_vocab: int | None = None,
                rows: Sequence[int] | None = None) -> np.ndarray:
        """Cosine of every row with each query, float32 (B, R).

        Parameters
        ----------
        queries : ndarray, shape (B, D) or (D,)
            Any length (each is normalised first); a (D,) query gives a (R,) result.
        restrict_vocab : int or None
            Score only the first ``restrict_vocab`` rows.
        rows : list of int or None
            Score only these rows (then R = len(rows)), e.g. candidates to rank.
        """
        queries = np.asarray(queries, dtype=REAL)
        single = queries.ndim == 1
        units = np.atleast_2d(queries)
        lengths = np.linalg.norm(units, axis=1, keepdims=True)  # (B, 1)
        units = (units / np.maximum(lengths, 1e-30)).astype(REAL, copy=False)
        kernels = _row_kernels() if rows is not None and len(units) == 1 else None
        if kernels is not None:
            # candidates of an approximate index: read in place, not gathered (see the module)
            scores = kernels.row_cosines(self._vectors, rows, self.norms, self.finite_rows,
                                         units[0])[None]
        elif rows is not None:
            rows = np.asarray(rows, dtype=np.int64)  # an array gathers faster than a list
            scores = search.scaled_dots(self._vectors[rows], self.norms[rows],
                                        self.finite_rows[rows], units)
        else:
            scores = self._scaled_dots(units, restrict_vocab)
        return scores[0] if single else scores

    def _scaled_dots(self, queries: np.ndarray, restrict_vocab: int | None) -> np.ndarray:
        """``queries @ vectors.T / norms`` over the first ``restrict_vocab`` rows, (B, R)."""
        return search.scaled_dots(self._vectors, self.norms, self.finite_rows, queries,
                                  restrict_vocab)

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine of ``vector_1`` (D,) with each row of ``vectors_all`` (k, D): shape (k,)."""
        vectors_all = np.asarray(vectors_all)
        norms = np.linalg.norm(vectors_all, axis=1) * np.linalg.norm(vector_1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (vectors_all @ vector_1) / norms

    # --- queries between words ----------------------------------------------------------------

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        first, second = self.unit_rows([self.get_index(w1), self.get_index(w2)])
        return float(np.dot(first, second))

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance of two words, ``1 - similarity(w1, w2)``, in [0, 2]."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector: Key | np.ndarray,
                  other_words: Iterable[Key] = ()) -> np.ndarray:
        """Cosine distances from a word or a (D,) vector to ``other_words`` (default: every word).

        Returns
        -------
        ndarray, float32, shape (len(other_words),) or (V,)
            ``1 - cos``; the word itself (when ``other_words`` is empty) is included, at 0.
        """
        query = self[word_or_vector] if _is_key(word_or_vector) \
            else self._query_vector(word_or_vector)
        other = list(other_words)
        if not other:
            return (1.0 - self.cosines(query)).astype(REAL)
        rows = [self.get_index(w) for w in other]
        return (1.0 - self.unit_rows(rows) @ _unit(query)).astype(REAL)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two sets of words (raw vectors, as gensim).

        Words not in the vocabulary are left out with a :class:`UnknownWordsWarning` (gensim
        leaves them out silently).

        Raises
        ------
        ConfigError
            If a set is empty.
        UnknownWordError
            If none of the words of a set is in the vocabulary.
        """
        if not len(ws1) or not len(ws2):
            raise ConfigError("n_similarity needs at least one word in each of {ws1} and {ws2}.")
        means = []
        for words in (ws1, ws2):
            known = self._known(words, "n_similarity")
            if not known:
                raise UnknownWordError(self._unknown_message(words[0]))
            means.append(self.get_mean_vector(known, pre_normalize=False))
        return float(np.dot(_unit(means[0]), _unit(means[1])))

    def closer_than(self, key1: Key, key2: Key) -> list[str]:
        """Every word closer to ``key1`` than ``key2`` is, in row order (``key1`` left out)."""
        first, second = self.get_index(key1), self.get_index(key2)
        distances = self.distances(first)
        closer = np.flatnonzero(distances < distances[second])
        return [self.index_to_key[i] for i in closer.tolist() if i != first]

    words_closer_than = closer_than  # gensim's older name

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
        """Cosine of ``wa`` and ``wb`` over the summed cosines of ``wa``'s ``topn`` nearest
        words (Leeuwenberg et al. 2016, as gensim computes it); above 1/topn, ``wb`` is
        closer to ``wa`` than an average of its neighbours."""
        neighbours = self.similar_by_word(wa, topn=topn)
        total = sum(score for _, score in neighbours)
        if not neighbours or total == 0:
            raise ConfigError("relative_cosine_similarity of {word} needs neighbours with a "
                              "non-zero summed cosine.", word=repr(wa))
        return float(self.similarity(wa, wb)) / total

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of ``key2`` among the neighbours of ``key1``: 1 for the nearest."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
        """The key of ``keys_list`` most similar to ``key1`` (the first one on a tie)."""
        if not len(keys_list):
            raise ConfigError("most_similar_to_given needs at least one key in {keys_list}.")
        scores = [self.similarity(key1, key) for key in keys_list]
        return keys_list[int(np.argmax(scores))]

    def get_mean_vector(self, keys: Sequence[Term], weights: Sequence[float] | None = None,
                        pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> np.ndarray:
        """Weighted mean of the vectors of ``keys``, float32 (D,), as gensim computes it.

        Parameters
        ----------
        keys : list of (str, int or ndarray (D,))
            Words, row numbers or raw vectors.
        weights : list of float or None
            One weight per key (default 1); the sum is divided by the sum of their absolute
            values.
        pre_normalize : bool
            Use the unit vectors of words (raw vectors are used as given).
        post_normalize : bool
            Return the mean scaled to unit length.
        ignore_missing : bool
            Leave out keys not in the vocabulary; False raises :class:`UnknownWordError`.

        Raises
        ------
        ConfigError
            If ``keys`` is empty or ``weights`` has another length.
        """
        if not len(keys):
            raise ConfigError("get_mean_vector needs at least one key in the {keys}.")
        weights = np.ones(len(keys), dtype=REAL) if weights is None \
            else np.asarray(weights, dtype=REAL)
        if weights.shape != (len(keys),):
            raise ConfigError("The {weights} must hold one number per key ({n}). Got shape "
                              "{shape} instead.", n=len(keys), shape=weights.shape)
        mean = np.zeros(self.vector_size, dtype=REAL)
        total = 0.0
        for key, weight in zip(keys, weights.tolist(), strict=True):
            if isinstance(key, np.ndarray):
                vector = self._query_vector(key)
            elif self._has_vector_for(key):
                vector = self.get_vector(key, norm=pre_normalize)
            elif ignore_missing:
                continue
            else:
                raise UnknownWordError(self._unknown_message(key))
            mean += REAL(weight) * vector
            total += abs(weight)
        if total > 0:
            mean = mean / REAL(total)
        return _unit(mean) if post_normalize else mean

    def wmdistance(self, document1: Sequence[str], document2: Sequence[str],
                   norm: bool = True) -> float:
        """Word Mover's Distance between two documents (lists of words), as gensim computes it.

        Needs the optional POT package (``pip install 'w2v[wmd]'``); see :mod:`w2v.wmd`.
        """
        from w2v.wmd import wmdistance

        return wmdistance(self, document1, document2, norm)

    # --- nearest neighbours -------------------------------------------------------------------

    def most_similar(self, positive: Term | Sequence[Term] | None = None,
                     negative: Term | Sequence[Term] = (), topn: int | None = 10,
                     restrict_vocab: int | None = None, approx: bool = False
                     ) -> list[tuple[str, float]] | np.ndarray:
        """Words closest to the mean of ``positive`` minus ``negative`` (gensim's 3CosAdd).

        Parameters
        ----------
        positive, negative : word, row number, vector (D,), (term, weight), or a list of these
            Words count with their unit vectors, raw vectors as given; weights default to +1
            for positive and -1 for negative terms.
        topn : int or None
            Number of results. None returns the similarity of every word instead (as gensim).
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` rows (the most frequent words).
        approx : bool
            Search the approximate index (:mod:`w2v.ann`, built on first use or loaded from
            beside the vectors file) instead of every row: much faster on large
            vocabularies, nearly always the same answers. Not with ``restrict_vocab`` or
            ``topn=None``.

        Returns
        -------
        list of (str, float), or ndarray of float32 (R,) when ``topn`` is None
            ``topn`` pairs (word, cosine similarity to the query), best first. Query words
            themselves are excluded, as gensim does (not from the array of all similarities).

        Raises
        ------
        UnknownWordError
            If a query word is not in the vocabulary.
        """
        _check_limits(topn, restrict_vocab)
        terms = _as_terms(positive, 1.0) + _as_terms(negative, -1.0)
        if not terms:
            raise ConfigError("most_similar needs at least one term, {positive} or {negative}.")
        if topn is not None and topn < 1:
            return []
        exclude: set[int] = set()
        mean = np.zeros(self.vector_size, dtype=REAL)
        total_weight = 0.0
        for item, weight in terms:
            mean += REAL(weight) * self._term_vector(item, exclude)
            total_weight += abs(weight)
        query = mean / REAL(total_weight)
        if approx:
            return self._approx_top(query, topn, restrict_vocab, exclude)
        scores = self.cosines(query, restrict_vocab)  # (R,)
        return scores if topn is None else self._top(scores, topn, exclude)

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None,
                          approx: bool = False) -> list[tuple[str, float]] | np.ndarray:
        """Words closest to ``vector`` (shape (D,)) by cosine similarity, best first."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab, approx=approx)

    def similar_by_word(self, word: Key, topn: int | None = 10,
                        restrict_vocab: int | None = None,
                        approx: bool = False) -> list[tuple[str, float]] | np.ndarray:
        """Words closest to ``word``, best first (``word`` itself excluded)."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab,
                                 approx=approx)

    similar_by_key = similar_by_word

    def most_similar_cosmul(self, positive: Term | Sequence[Term] | None = None,
                            negative: Term | Sequence[Term] = (), topn: int | None = 10,
                            restrict_vocab: int | None = None
                            ) -> list[tuple[str, float]] | np.ndarray:
        """Levy & Goldberg's 3CosMul: prod (1+cos)/2 over positives / (prod over negatives + 1e-6).

        Same arguments and result types as :meth:`most_similar`. Weights are refused, as in
        gensim (which fails on them). Unlike gensim, ``restrict_vocab`` is honoured (gensim
        ignores it here).

        Raises
        ------
        ConfigError
            If a term carries a weight, or there is no positive term.
        """
        _check_limits(topn, restrict_vocab)
        positive_terms = _unweighted(positive)
        negative_terms = _unweighted(negative)
        if not positive_terms:
            raise ConfigError("most_similar_cosmul needs at least one {positive} term.")
        if topn is not None and topn < 1:
            return []
        exclude: set[int] = set()
        rows = [self._term_vector(item, exclude) for item in positive_terms + negative_terms]
        cosines = self._scaled_dots(np.stack(rows), restrict_vocab)  # (P + N, R)
        count = len(positive_terms)
        scores = cosmul_from_cosines(cosines[None, :count], cosines[None, count:])[0]  # (R,)
        return scores if topn is None else self._top(scores, topn, exclude)

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

    def rank_by_centrality(self, words: Sequence[Key],
                           use_norm: bool = True) -> list[tuple[float, Key]]:
        """``(cosine, word)`` pairs, nearest to the mean of the words first (as gensim).

        Words without a vector (not in the vocabulary; for subword vectors, without an
        n-gram either) are left out with a :class:`UnknownWordsWarning`.
        """
        known = self._known(words, "rank_by_centrality")
        if not known:
            raise ConfigError("rank_by_centrality needs at least one word of the {words} in "
                              "the vocabulary.")
        # get_vector, not the rows: subword vectors compose the unseen words' vectors too
        rows = np.stack([self.get_vector(w, norm=use_norm) for w in known])  # (k, D)
        dists = rows @ _unit(rows.mean(axis=0))  # (k,)
        return sorted(zip(dists.tolist(), known, strict=True), reverse=True)

    def doesnt_match(self, words: Sequence[Key]) -> Key:
        """The word furthest from the mean of the unit vectors of ``words`` (as gensim).

        Words not in the vocabulary are left out with a :class:`UnknownWordsWarning`.
        """
        if not len(words):
            raise ConfigError("doesnt_match needs at least one word in the {words}.")
        return self.rank_by_centrality(words)[-1][1]

    def _term_vector(self, item: Any, exclude: set[int]) -> np.ndarray:
        """The (D,) vector of a query term; words are unit vectors and are added to ``exclude``."""
        if _is_key(item):
            index = self.get_index(item)
            if not self.finite_rows[index]:
                raise ConfigError("The vector of {word} holds NaN or inf: it has no cosine "
                                  "similarity to any word.", word=repr(self.index_to_key[index]))
            exclude.add(index)
            return self.unit_rows([index])[0]
        return self._query_vector(item)

    def _query_vector(self, item: Any) -> np.ndarray:
        """A raw query vector as float32 (D,), checked."""
        vector = np.asarray(item, dtype=REAL)
        if vector.shape != (self.vector_size,):
            raise ConfigError("A query vector must have shape ({dim},). Got {shape} instead.",
                              parameter="positive", dim=self.vector_size, shape=vector.shape)
        if not np.isfinite(vector).all():
            raise ConfigError("A query vector holds NaN or inf: it has no cosine similarity "
                              "to any word.", parameter="positive")
        return vector

    def nearest_of(self, query: np.ndarray, rows: np.ndarray, topn: int,
                   exclude: Iterable[int] = ()) -> tuple[np.ndarray, np.ndarray]:
        """The ``topn`` rows of ``rows`` nearest to ``query`` (D,) by exact cosine, best first.

        ``rows`` (K,) are candidates (an approximate index's, in any order); left out are
        the rows of ``exclude``, rows outside the matrix (-1: faiss's "none"), and rows
        holding NaN or inf. Equal cosines rank the lower row first.

        Returns
        -------
        (rows int64 (n,), cosines float32 (n,)), n <= topn
        """
        unit = _unit(np.asarray(query, dtype=REAL))
        skip = np.fromiter(exclude, dtype=np.int64)
        kernels = _row_kernels()
        if kernels is not None and topn <= NEAREST_KERNEL_TOPN:
            return kernels.nearest_rows(self._vectors, rows, self.norms, self.finite_rows,
                                        unit, topn, skip)
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        rows = rows[(rows >= 0) & (rows < len(self)) & ~np.isin(rows, skip)]
        scores = self.cosines(unit, rows=rows)
        real = ~np.isnan(scores)
        rows, scores = rows[real], scores[real]
        order = np.lexsort((rows, -scores))[:max(topn, 0)]  # higher, then the lower row
        return rows[order], scores[order]

    def _top(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        """The ``topn`` best-scoring rows not in ``exclude``, best first."""
        best = search.top_indices(scores, topn + len(exclude))
        # NaN scores (rows holding NaN or inf) sort last and are never returned
        result = [(self.index_to_key[i], float(scores[i])) for i in best.tolist()
                  if i not in exclude and not np.isnan(scores[i])]
        return result[:topn]

    def _approx_top(self, query: np.ndarray, topn: int | None, restrict_vocab: int | None,
                    exclude: set[int]) -> list[tuple[str, float]]:
        """:meth:`most_similar` through the approximate index."""
        if topn is None or restrict_vocab is not None:
            raise ConfigError("approx=True answers a topn query over the whole vocabulary: "
                              "give an int {topn} and no {restrict_vocab}.", parameter="approx")
        return self.ann_index().most_similar(query, topn, exclude)

    # --- the approximate index ----------------------------------------------------------------

    def ann_index(self, **options: Any):
        """The approximate nearest-neighbour index of these vectors (:class:`w2v.ann.AnnIndex`).

        Loaded from beside the file they were read from (``PATH.ann``) when it was built for
        that file; otherwise built (``options`` go to :meth:`w2v.ann.AnnIndex.build`) and
        saved there. Cached; editing the vectors drops it, and so does asking for another
        method or build parameters (``rerank`` and ``ef_search`` are set on the cached one).
        Needs the ``ann`` extra (faiss).
        """
        from w2v.ann import built_as_asked, index_for

        if self._ann is None or not built_as_asked(self._ann, options):
            self._ann = index_for(self, self.source, **options)
        return self._ann

    # --- editing --------------------------------------------------------------------------------

    def add_vectors(self, keys: str | Sequence[str], weights: np.ndarray,
                    replace: bool = False) -> None:
        """Append keys and their vectors; keys already present keep their vector unless ``replace``.

        Parameters
        ----------
        keys : str or list of str
        weights : ndarray, shape (k, D) (or (D,) for a single key)
        replace : bool
            Overwrite the vectors of keys that are already present (gensim's meaning).

        Raises
        ------
        ConfigError
            If the shapes disagree or a new key is repeated.
        """
        keys = [keys] if isinstance(keys, str) else list(keys)
        rows = np.asarray(weights, dtype=REAL).reshape(len(keys), -1)
        if rows.shape[1] != self.vector_size:
            raise ConfigError("The {weights} must have shape ({n}, {dim}). Got {shape} instead.",
                              n=len(keys), dim=self.vector_size, shape=rows.shape)
        present = np.array([k in self.key_to_index for k in keys], dtype=bool)
        new_keys = [k for k, here in zip(keys, present.tolist(), strict=True) if not here]
        Vectors(new_keys, rows[~present])  # checks the new keys: distinct strings
        matrix = np.concatenate([self._vectors, rows[~present]])  # a copy, even of a memory map
        if replace and present.any():
            matrix[[self.key_to_index[k] for k in np.asarray(keys, dtype=object)[present]]] = \
                rows[present]
        for key in new_keys:
            self.key_to_index[key] = len(self.index_to_key)
            self.index_to_key.append(key)
        for attr, values in self.expandos.items():  # new words' attributes start at zero
            self.expandos[attr] = np.concatenate([values, np.zeros(len(new_keys), values.dtype)])
        self._set_matrix(matrix)

    # --- gensim's in-place edits -------------------------------------------------------------

    def fill_norms(self, force: bool = False) -> None:
        """Compute the rows' norms now (``force``: again), as gensim's method; queries
        compute them on first use anyway."""
        if force:
            self._norms = None
        self.norms  # noqa: B018 - computed and kept

    def unit_normalize_all(self) -> None:
        """Scale every row to unit length, in place and for good (gensim's method): the
        original lengths are lost. A row of zeros stays zeros."""
        lengths = self.norms
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(lengths > 0, 1.0 / lengths, 1.0).astype(REAL)
        matrix = self._vectors if self._vectors.flags.writeable else self._vectors.copy()
        matrix *= scale[:, None]
        self._replace_rows(self.index_to_key, matrix)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows by descending ``"count"`` attribute, as gensim's method does
        (equal counts: the later row first, as gensim). Without counts nothing moves.

        Raises
        ------
        ConfigError
            If the rows are tied to other tables (:meth:`_reorder_refusal`) and not in
            descending count already.
        """
        counts = self.expandos.get("count")
        if counts is None or not len(self):
            return  # no counts: the rows of a vectors file stand in frequency order already
        refusal = self._reorder_refusal()
        if refusal is not None:
            if bool((counts[:-1] >= counts[1:]).all()):
                return  # sorted already (ties in first-seen order): nothing to do
            raise ConfigError(refusal)
        # gensim's order: descending count, and among equal counts the later row first
        order = np.lexsort((-np.arange(len(counts)), -np.asarray(counts, dtype=np.int64)))
        self._replace_rows([self.index_to_key[i] for i in order.tolist()], self._vectors[order],
                           order)

    def _reorder_refusal(self) -> str | None:
        """Why the rows cannot be reordered alone (None: they can)."""
        if not self.of_model:
            return None
        return ("These vectors are a model's: their rows follow its vocabulary and output "
                "tables, and cannot be reordered alone. Sort a copy: "
                "w2v.Vectors(wv.index_to_key, wv.vectors.copy()).")

    # --- gensim's evaluation methods ----------------------------------------------------------

    def evaluate_word_analogies(self, analogies: str | os.PathLike[str],
                                restrict_vocab: int | None = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar"
                                ) -> tuple[float, list[dict[str, Any]]]:
        """gensim's (score, sections) on an analogy file
        (:func:`w2v.evaluate.gensim_word_analogies`; :func:`w2v.evaluate.analogy` gives the
        same scores as a result object)."""
        from w2v.evaluate import gensim_word_analogies

        return gensim_word_analogies(self, analogies, restrict_vocab, case_insensitive,
                                     dummy4unknown, similarity_function)

    def evaluate_word_pairs(self, pairs: str | os.PathLike[str], delimiter: str = "\t",
                            encoding: str = "utf8", restrict_vocab: int | None = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False
                            ) -> tuple[Any, Any, float]:
        """gensim's (Pearson, Spearman, OOV percent) on a word-pair file
        (:func:`w2v.evaluate.gensim_word_pairs`; :func:`w2v.evaluate.similarity` gives them
        as a result object)."""
        from w2v.evaluate import gensim_word_pairs

        return gensim_word_pairs(self, pairs, delimiter, encoding, restrict_vocab,
                                 case_insensitive, dummy4unknown)

    # --- gensim's per-word attributes ----------------------------------------------------------

    def has_index_for(self, key: Key) -> bool:
        """Whether ``key`` (a word, or a row number) has a row (gensim's name for ``in``)."""
        # not through get_index: its error for an unknown word looks for close matches
        return key in self.key_to_index if isinstance(key, str) else _is_row(key, len(self))

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """The attribute ``attr`` of a word (gensim's ``get_vecattr``), e.g. its ``"count"``.

        A trained model's vectors carry the vocabulary's counts, a fastText ``.bin`` its
        counts, and a native folder keeps the attributes its vectors had. A word2vec file
        holds none: :meth:`load` gives ``"count"`` V - row, as gensim invents it (the rows
        of a vectors file are in order of frequency).

        Raises
        ------
        UnknownWordError
            If the word has no row.
        KeyError
            If no word has the attribute.
        """
        index = self.get_index(key)
        values = self.expandos.get(attr)
        if values is None:
            raise KeyError(f"no word of these vectors has the attribute {attr!r}")
        value = values[index]
        return value.item() if isinstance(value, np.generic) else value

    def set_vecattr(self, key: Key, attr: str, value: Any) -> None:
        """Set a word's attribute (gensim's ``set_vecattr``).

        An attribute new to these vectors starts at zero for every other word, typed as
        ``value`` (strings: any length).

        Raises
        ------
        TypeError
            If ``value`` does not fit the attribute's type (a float for counts), as gensim.
        """
        index = self.get_index(key)
        given = np.asarray(value)
        if attr not in self.expandos:
            kind = object if given.dtype.kind in "USO" else given.dtype
            self.expandos[attr] = np.zeros(len(self), dtype=kind)
        values = self.expandos[attr]
        if values.dtype != object and not np.can_cast(given.dtype, values.dtype, "same_kind"):
            raise TypeError(f"The attribute {attr!r} holds {values.dtype} values; "
                            f"{value!r} ({given.dtype}) does not fit.")
        values[index] = value

    def add_vector(self, key: str, vector: np.ndarray) -> int:
        """Add one key (its vector kept if already present); returns its row."""
        self.add_vectors([key], np.asarray(vector)[None])
        return self.key_to_index[key]

    def __setitem__(self, keys: str | Sequence[str], weights: np.ndarray) -> None:
        """``vectors[keys] = weights``: add or replace (gensim's ``add_vectors(replace=True)``)."""
        self.add_vectors(keys, weights, replace=True)

    def intersect_word2vec_format(self, source: str | os.PathLike[str] | Vectors,
                                  limit: int | None = None, header: bool = True,
                                  unicode_errors: str = "strict") -> int:
        """Seed from pretrained vectors: words also in ``source`` take its vectors.

        As gensim's method of that name: no word is added, words absent from ``source`` keep
        their vectors. A memory-mapped matrix is first copied into memory.

        Parameters
        ----------
        source : path-like or Vectors
            A vectors file or folder in any format :meth:`load` reads, or loaded vectors.
        limit, header, unicode_errors
            As in :meth:`load`.

        Returns
        -------
        int
            How many words took the pretrained vectors.

        Raises
        ------
        ConfigError
            If the dimensions differ.
        """
        other = source if isinstance(source, Vectors) else Vectors.load(
            source, limit=limit, header=header, unicode_errors=unicode_errors)
        if other.vector_size != self.vector_size:
            raise ConfigError("The pretrained vectors {source} have {theirs} dimensions, these "
                              "have {ours}; they must match.", source=repr(str(source))
                              if not isinstance(source, Vectors) else repr(other),
                              theirs=other.vector_size, ours=self.vector_size)
        pairs = [(index, other.key_to_index[key]) for index, key in enumerate(self.index_to_key)
                 if key in other.key_to_index]
        if pairs:
            ours, theirs = (list(side) for side in zip(*pairs, strict=True))
            matrix = np.array(self._vectors, dtype=REAL)  # writable, never the file itself
            matrix[ours] = other.vectors[theirs]
            self._set_matrix(matrix)
        return len(pairs)

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], format: str = "text") -> None:
        """Write to ``path`` atomically; see :func:`w2v.formats.save_vectors` for formats."""
        from w2v.formats import save_vectors

        save_vectors(self, path, format)

    def save_word2vec_format(self, fname: str | os.PathLike[str],
                             fvocab: str | os.PathLike[str] | None = None,
                             binary: bool = False, **options: Any) -> None:
        """gensim's name for :meth:`save` in the word2vec formats (``total_vec``,
        ``write_header``, ``sort_attr`` too): see
        :func:`w2v.formats.gensim_names.save_word2vec_format`."""
        from w2v.formats.gensim_names import save_word2vec_format

        save_word2vec_format(self, fname, fvocab, binary, **options)

    @classmethod
    def load_word2vec_format(cls, fname: str | os.PathLike[str],
                             fvocab: str | os.PathLike[str] | None = None,
                             binary: bool = False, **options: Any) -> Vectors:
        """gensim's name for :meth:`load` of a word2vec file (``limit``, ``no_header``,
        ``unicode_errors`` too): see :func:`w2v.formats.gensim_names.load_word2vec_format`."""
        from w2v.formats.gensim_names import load_word2vec_format

        return load_word2vec_format(fname, fvocab, binary, **options)

    @classmethod
    def load(cls, path: str | os.PathLike[str], format: str | None = None,
             limit: int | None = None, header: bool = True,
             unicode_errors: str = "strict") -> Vectors:
        """Read vectors; see :func:`w2v.formats.load_vectors` for the options."""
        from w2v.formats import load_vectors

        loaded = load_vectors(path, format=format, limit=limit, header=header,
                              unicode_errors=unicode_errors)
        if "count" not in loaded.expandos:  # gensim's stand-in counts: the rows by frequency
            loaded.expandos["count"] = np.arange(len(loaded), 0, -1, dtype=np.int64)
        if limit is None:  # a part of the file has another approximate index than the file
            loaded.source = path
        return loaded


def _check_limits(topn: Any, restrict_vocab: Any) -> None:
    """A negative count would slice from the end (Python's meaning), not limit: refuse it."""
    Int(low=0, optional=True).check("topn", topn)
    Int(low=1, optional=True).check("restrict_vocab", restrict_vocab)


def _is_key(item: Any) -> bool:
    """Whether a query item names a row (a word or a row number) rather than being a vector."""
    return isinstance(item, str) or (isinstance(item, (int, np.integer))
                                     and not isinstance(item, bool))


def _is_row(key: Any, count: int) -> bool:
    """Whether ``key`` is a row number in [0, count)."""
    return _is_key(key) and not isinstance(key, str) and 0 <= key < count


def _as_terms(value: Any, default_weight: float) -> list[tuple[Any, float]]:
    """Normalise a query argument to a list of (term, weight) pairs (as gensim)."""
    if value is None:
        return []
    if _is_key(value) or (isinstance(value, np.ndarray) and value.ndim == 1):
        items: list[Any] = [value]
    else:
        items = list(value)  # a list of terms, or a (k, D) array of query vectors
    terms = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and not isinstance(item[1], str):
            terms.append((item[0], float(item[1])))
        else:
            terms.append((item, default_weight))
    return terms


def _unweighted(value: Any) -> list[Any]:
    """The terms of a 3CosMul argument, which takes no weights (gensim fails on them)."""
    terms = []
    for item in [] if value is None else [value] if _is_key(value) or (
            isinstance(value, np.ndarray) and value.ndim == 1) else list(value):
        if isinstance(item, tuple):
            raise ConfigError("most_similar_cosmul takes no weights: {positive} and {negative} "
                              "must be words or vectors, not (term, weight) pairs. Got {got}.",
                              got=repr(item))
        terms.append(item)
    return terms


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector / |vector|`` in float32 (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(REAL)


# Answers up to this many are kept by the re-scoring kernel as it goes (an insertion into a
# sorted run: O(candidates x topn), fast for the few a query asks); more are sorted after.
NEAREST_KERNEL_TOPN = 64


def _row_kernels():
    """:mod:`w2v.engines.row_scores`, or None where numba cannot load it (no cache folder it
    may write, a broken install): the caller then gathers the rows."""
    try:
        from w2v.engines import row_scores
    except (ImportError, RuntimeError, OSError):
        return None
    return row_scores
