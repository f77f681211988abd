"""Intrinsic evaluation: word analogies and word-pair similarity.

Both follow gensim's ``KeyedVectors.evaluate_word_analogies`` / ``evaluate_word_pairs`` so that
scores are comparable with published numbers and with gensim's (the tests check equality):

- Only the first ``restrict_vocab`` words (the most frequent) take part. With
  ``case_insensitive=True`` words are compared upper-cased and each upper-cased form stands
  for its most frequent spelling.
- Analogy "a b c d" (a is to b as c is to d) is answered by the word nearest to
  ``unit(b) - unit(a) + unit(c)`` (3CosAdd) or by 3CosMul, excluding a, b and c. Questions with
  a word outside the vocabulary are *skipped* and counted separately; accuracy is over the
  questions answered (gensim's convention).
- Pair similarity compares the cosine of the two words with the human score by Spearman's rank
  correlation (ties get average ranks) and Pearson's correlation; pairs with an unknown word
  are left out and reported as ``oov_ratio``.

Analogies are answered in batches (a few hundred questions per matrix product), with no Python
loop over the vocabulary.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from w2v.analogy import METHODS, cosadd_scores, cosmul_scores
from w2v.errors import ConfigError, FormatError, InputNotFoundError
from w2v.vectors import Vectors

DATA_DIR = Path(__file__).resolve().parent / "data" / "eval"
ANALOGY_SETS = {"google": "questions-words.txt", "google-phrases": "questions-phrases.txt"}
SIMILARITY_SETS = {
    "WS-353": "EN-WS-353-ALL.txt",
    "WS-353-SIM": "EN-WS-353-SIM.txt",
    "WS-353-REL": "EN-WS-353-REL.txt",
    "SimLex-999": "EN-SIMLEX-999.txt",
    "RG-65": "EN-RG-65.txt",
    "MC-30": "EN-MC-30.txt",
    "MTurk-287": "EN-MTurk-287.txt",
    "YP-130": "EN-YP-130.txt",
    "VERB-143": "EN-VERB-143.txt",
}
_TOP_CANDIDATES = 5  # gensim looks at the 5 best answers and takes the first not in the question
_BATCH_ELEMENTS = 8_000_000  # questions x vocabulary scores per matrix product (32 MB float32)


# --- results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionScore:
    """Correct answers out of the questions answered in one section (or a group of sections)."""

    name: str
    correct: int
    total: int  # questions answered: all four words in the vocabulary
    skipped: int  # questions with a word outside the (restricted) vocabulary, or a NaN row

    @property
    def accuracy(self) -> float:
        """correct / total, 0.0 when no question was answered (as gensim)."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class AnalogyResult:
    """Scores of an analogy evaluation; ``sections`` maps section name to its score."""

    path: str
    method: str
    restrict_vocab: int | None
    sections: dict[str, SectionScore] = field(default_factory=dict)

    def _group(self, name: str, syntactic: bool | None) -> SectionScore:
        chosen = [s for s in self.sections.values()
                  if syntactic is None or s.name.startswith("gram") == syntactic]
        return SectionScore(name, sum(s.correct for s in chosen), sum(s.total for s in chosen),
                            sum(s.skipped for s in chosen))

    @property
    def overall(self) -> SectionScore:
        """All sections together."""
        return self._group("total", None)

    @property
    def semantic(self) -> SectionScore:
        """Sections whose name does not start with "gram" (the Google set's convention)."""
        return self._group("semantic", False)

    @property
    def syntactic(self) -> SectionScore:
        """Sections whose name starts with "gram"."""
        return self._group("syntactic", True)

    @property
    def accuracy(self) -> float:
        """Correct answers / questions answered, over all sections."""
        return self.overall.accuracy

    @property
    def correct(self) -> int:
        return self.overall.correct

    @property
    def total(self) -> int:
        return self.overall.total

    @property
    def skipped(self) -> int:
        return self.overall.skipped

    @property
    def coverage(self) -> float:
        """Fraction of the questions answered (not skipped)."""
        asked = self.total + self.skipped
        return self.total / asked if asked else 0.0

    def to_dict(self) -> dict:
        """Plain-JSON form: overall scores, the semantic/syntactic split and every section."""
        def one(score: SectionScore) -> dict:
            return {**asdict(score), "accuracy": score.accuracy}
        return {"path": self.path, "method": self.method, "restrict_vocab": self.restrict_vocab,
                "accuracy": self.accuracy, "correct": self.correct, "total": self.total,
                "skipped": self.skipped, "coverage": self.coverage,
                "semantic": one(self.semantic), "syntactic": one(self.syntactic),
                "sections": [one(s) for s in self.sections.values()]}


@dataclass(frozen=True)
class SimilarityResult:
    """Correlation of cosine similarities with human scores on one word-pair set."""

    path: str
    spearman: float  # Spearman's rho (NaN when no pair could be scored)
    pearson: float  # Pearson's r
    pairs: int  # pairs scored (both words known)
    oov: int  # pairs left out for an unknown word (or one whose vector holds NaN or inf)

    @property
    def oov_ratio(self) -> float:
        """Fraction (0..1) of pairs left out; gensim reports the same number in percent."""
        asked = self.pairs + self.oov
        return self.oov / asked if asked else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "oov_ratio": self.oov_ratio}


# --- analogies ----------------------------------------------------------------------------

def analogy(vectors: Vectors, path: str | os.PathLike[str] | None = None,
            restrict_vocab: int | None = 30000, case_insensitive: bool = True,
            method: str = "3cosadd") -> AnalogyResult:
    """Accuracy on an analogy file (sections ``: name``, then lines ``a b c d``).

    Parameters
    ----------
    vectors : Vectors
        The vectors to evaluate, rows sorted by descending frequency.
    path : path-like, name or None
        An analogy file, a bundled set name ("google", "google-phrases"), or None for the
        bundled Google set (``questions-words.txt``).
    restrict_vocab : int or None
        Use only the first ``restrict_vocab`` words as question words and answers.
    case_insensitive : bool
        Compare upper-cased words (the Google set is mixed case, many corpora lowercase).
    method : {"3cosadd", "3cosmul"}
        How the answer is chosen.

    Returns
    -------
    AnalogyResult
        ``.accuracy``, ``.correct``, ``.total``, ``.skipped``, ``.sections``, ``.semantic``,
        ``.syntactic``.

    Raises
    ------
    FormatError
        If a question line has other than 4 words or comes before any section header.
    """
    if method not in METHODS:
        raise ConfigError("The {method} must be '3cosadd' or '3cosmul'. Got {got} instead.",
                          got=repr(method))
    file = _resolve(path, ANALOGY_SETS, "questions-words.txt")
    scores: dict[str, SectionScore] = {}
    for name, _, known, correct in _section_answers(vectors, file, restrict_vocab,
                                                    case_insensitive, method):
        scores[name] = SectionScore(name, int(correct.sum()), int(known.sum()),
                                    int((~known).sum()))
    return AnalogyResult(str(file), method, restrict_vocab, scores)


def _section_answers(vectors: Vectors, file: Path, restrict_vocab: int | None,
                     case_insensitive: bool, method: str
                     ) -> Iterator[tuple[str, list[tuple[str, ...]], np.ndarray, np.ndarray]]:
    """Per section of ``file``: (name, its questions as (folded) 4-tuples, which are known
    bool (Q,), which are answered correctly bool (Q,))."""
    sections = _read_analogies(file)
    keys, canon = _restricted_vocab(vectors, restrict_vocab, case_insensitive)
    normed = vectors.unit_rows(slice(0, len(canon)))  # (R, D): only the rows asked
    finite = vectors.finite_rows[:len(canon)]  # (R,)
    for name, questions in sections:
        folded = [tuple(_fold(w, case_insensitive) for w in q) for q in questions]
        ids = np.array([[keys.get(w, -1) for w in q] for q in folded],
                       dtype=np.int64).reshape(-1, 4)  # (Q, 4) rows into normed, -1 if unknown
        known = (ids >= 0).all(axis=1)
        # a row holding NaN or inf has no cosine: its questions are skipped like unknown words
        known[known] &= finite[ids[known]].all(axis=1)
        correct = np.zeros(len(ids), dtype=bool)
        if known.any():
            correct[known] = _answer(normed, canon, ids[known], method)
        yield name, folded, known, correct


def _answer(normed: np.ndarray, canon: np.ndarray, ids: np.ndarray, method: str) -> np.ndarray:
    """Which questions ``ids`` (Q, 4: a, b, c, expected) are answered correctly: bool (Q,)."""
    batch = max(1, _BATCH_ELEMENTS // normed.shape[0])
    k = min(_TOP_CANDIDATES + 3, normed.shape[0])
    correct = np.zeros(len(ids), dtype=bool)
    for start in range(0, len(ids), batch):
        a, b, c, expected = ids[start:start + batch].T  # each (B,)
        if method == "3cosadd":
            sims = cosadd_scores(normed, normed[b] + normed[c] - normed[a])  # (B, R)
        else:
            sims = cosmul_scores(normed, np.stack([normed[b], normed[c]], axis=1),
                                 normed[a][:, None])  # (B, R)
        rows = np.arange(len(a))
        for excluded in (a, b, c):
            sims[rows, excluded] = -np.inf
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # (B, k) unordered
        order = np.argsort(-np.take_along_axis(sims, best, axis=1), axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)[:, :_TOP_CANDIDATES]
        finite = np.isfinite(np.take_along_axis(sims, best, axis=1))
        guess = canon[best]  # (B, 5) canonical ids of the candidates
        # the first candidate whose (case-folded) word is not a question word, as gensim
        allowed = finite & (guess != canon[a][:, None]) & (guess != canon[b][:, None]) \
            & (guess != canon[c][:, None])
        first = np.where(allowed.any(axis=1), allowed.argmax(axis=1),
                         np.maximum(finite.sum(axis=1) - 1, 0))
        predicted = guess[rows, first]
        predicted[~finite.any(axis=1)] = -1
        correct[start:start + batch] = predicted == canon[expected]
    return correct


def _read_analogies(file: Path) -> list[tuple[str, list[list[str]]]]:
    """Sections of an analogy file as (name, [[a, b, c, d], ...]), in file order."""
    sections: list[tuple[str, list[list[str]]]] = []
    for line_no, line in _lines(file):
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.split()
        if len(words) != 4:
            raise FormatError(f"{file}, line {line_no}: expected 4 words 'a b c d', got "
                              f"{len(words)}: {line[:60]!r}.")
        if not sections:
            raise FormatError(f"{file}, line {line_no}: a question comes before the first "
                              f"section header (': name').")
        sections[-1][1].append(words)
    if not any(questions for _, questions in sections):
        raise FormatError(f"{file}: no analogy questions found.")
    return sections


def contains_phrases(vectors: Vectors, restrict_vocab: int | None = 30000,
                     delimiter: str = "_") -> bool:
    """Whether some of the first ``restrict_vocab`` words are phrases ("new_york").

    The bundled phrase analogy set (``"google-phrases"``) is worth scoring only then.
    """
    return any(delimiter in word.strip(delimiter)
               for word in vectors.index_to_key[:restrict_vocab])


# --- word pairs ---------------------------------------------------------------------------

def similarity(vectors: Vectors, path: str | os.PathLike[str] | None = None,
               case_insensitive: bool = True,
               restrict_vocab: int | None = None) -> SimilarityResult:
    """Spearman and Pearson correlation of cosine similarity with human scores.

    Parameters
    ----------
    vectors : Vectors
        The vectors to evaluate.
    path : path-like, name or None
        A file of ``word1 word2 score`` lines (tab or space separated, ``#`` comments, CRLF
        accepted), a bundled set name (see ``SIMILARITY_SETS``), or None for WordSim-353.
    case_insensitive : bool
        Compare upper-cased words.
    restrict_vocab : int or None
        Use only the first ``restrict_vocab`` words (None: all).

    Returns
    -------
    SimilarityResult
        ``.spearman``, ``.pearson``, ``.pairs``, ``.oov``, ``.oov_ratio`` (a fraction).

    Raises
    ------
    FormatError
        If a line does not hold two words and a number.
    """
    file = _resolve(path, SIMILARITY_SETS, SIMILARITY_SETS["WS-353"])
    return _score_pairs(vectors, file, _folded_keys(vectors, restrict_vocab, case_insensitive),
                        case_insensitive)


def similarity_all(vectors: Vectors, case_insensitive: bool = True,
                   restrict_vocab: int | None = None) -> dict[str, SimilarityResult]:
    """:func:`similarity` on every bundled set, keyed by set name (WS-353, SimLex-999, ...).

    Parameters
    ----------
    vectors : Vectors
    case_insensitive, restrict_vocab
        As in :func:`similarity`.

    Returns
    -------
    dict of str to SimilarityResult
        In the order of ``SIMILARITY_SETS``.
    """
    keys = _folded_keys(vectors, restrict_vocab, case_insensitive)  # once for all sets
    return {name: _score_pairs(vectors, DATA_DIR / file, keys, case_insensitive)
            for name, file in SIMILARITY_SETS.items()}


def _score_pairs(vectors: Vectors, file: Path, keys: dict[str, int],
                 case_insensitive: bool) -> SimilarityResult:
    """Correlations of the pairs of ``file``; ``keys`` maps (folded) words to rows."""
    pairs = _read_pairs(file)
    ids = np.array([[keys.get(_fold(w1, case_insensitive), -1),
                     keys.get(_fold(w2, case_insensitive), -1)] for w1, w2, _ in pairs],
                   dtype=np.int64).reshape(-1, 2)
    gold = np.array([score for _, _, score in pairs], dtype=np.float64)
    known, model = _pair_cosines(vectors, ids)
    gold = gold[known]
    return SimilarityResult(str(file), spearman(gold, model), pearson(gold, model),
                            int(known.sum()), int((~known).sum()))


def _pair_cosines(vectors: Vectors, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For word pairs ``ids`` (P, 2) (rows, -1 unknown): which can be scored, bool (P,),
    and their cosines, float64 (K,) for the K known ones."""
    known = (ids >= 0).all(axis=1)
    # a row holding NaN or inf has no cosine: its pairs are left out like unknown words
    known[known] &= vectors.finite_rows[ids[known]].all(axis=1)
    left, right = vectors.unit_rows(ids[known, 0]), vectors.unit_rows(ids[known, 1])  # (K, D)
    return known, np.einsum("pd,pd->p", left, right).astype(np.float64)


def _read_pairs(file: Path) -> list[tuple[str, str, float]]:
    pairs = []
    for line_no, line in _lines(file):
        if line.startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        try:
            if len(fields) != 3:
                raise ValueError
            score = float(fields[2])
        except ValueError:
            raise FormatError(f"{file}, line {line_no}: expected 'word1 word2 score', got "
                              f"{line[:60]!r}.") from None
        if not math.isfinite(score):
            raise FormatError(f"{file}, line {line_no}: the score {fields[2]!r} is not a finite "
                              f"number; a gold score must be one.")
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise FormatError(f"{file}: no word pairs found.")
    return pairs


# --- statistics ---------------------------------------------------------------------------

def rankdata(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` (n,), ties sharing the average of their ranks; float64 (n,)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    # a new group of equal values starts wherever the sorted value changes
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    average = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation of two (n,) arrays; NaN when n < 2 or either is constant."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    return float(dx @ dy) / denominator if denominator > 0 else math.nan


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation: Pearson's correlation of the average ranks."""
    return pearson(rankdata(x), rankdata(y))


# --- shared -------------------------------------------------------------------------------

def _resolve(path: str | os.PathLike[str] | None, names: dict[str, str], default: str) -> Path:
    if path is None:
        return DATA_DIR / default
    if isinstance(path, str) and path in names and not Path(path).exists():
        return DATA_DIR / names[path]
    file = Path(path)
    if not file.is_file():
        raise InputNotFoundError(f"The evaluation file '{file}' does not exist (bundled sets: "
                                 f"{', '.join(names)}).")
    return file


def _lines(file: Path):
    """(line number, stripped line) of the non-blank lines; CRLF and a missing final newline ok."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{file}: not UTF-8 text (byte {exc.start}).") from None
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line:
            yield line_no, line


def _fold(word: str, case_insensitive: bool) -> str:
    return word.upper() if case_insensitive else word


def _restricted_vocab(vectors: Vectors, restrict_vocab: int | None,
                      case_insensitive: bool) -> tuple[dict[str, int], np.ndarray]:
    """Map of (folded) word -> row among the first ``restrict_vocab``, and each row's canonical row.

    With case folding, every spelling of a word maps to its most frequent spelling's row
    (the first in frequency order), as gensim does; ``canon[i]`` is that row for row i, so two
    rows are "the same word" exactly when their canonical rows are equal.
    """
    keys = _folded_keys(vectors, restrict_vocab, case_insensitive)
    words = vectors.index_to_key[:restrict_vocab]
    canon = np.array([keys[_fold(word, case_insensitive)] for word in words], dtype=np.int64)
    return keys, canon


def _folded_keys(vectors: Vectors, restrict_vocab: int | None,
                 case_insensitive: bool) -> dict[str, int]:
    """(Folded) word -> row of its most frequent spelling among the first ``restrict_vocab``."""
    if restrict_vocab is not None and restrict_vocab < 1:
        raise ConfigError("The {restrict_vocab} must be an int >= 1 or None. Got {got} "
                          "instead.", got=repr(restrict_vocab))
    keys: dict[str, int] = {}
    for index, word in enumerate(vectors.index_to_key[:restrict_vocab]):
        keys.setdefault(_fold(word, case_insensitive), index)
    return keys


# --- gensim's return shapes ---------------------------------------------------------------

class Correlation(NamedTuple):
    """A correlation and its p-value, as scipy's results unpack (``r, p = ...``)."""

    statistic: float
    pvalue: float


# gensim's names of the analogy method (``similarity_function``) -> ours
_GENSIM_METHODS = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}


def gensim_word_analogies(vectors: Vectors, analogies: str | os.PathLike[str],
                          restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                          dummy4unknown: bool = False,
                          similarity_function: str = "most_similar",
                          ) -> tuple[float, list[dict[str, Any]]]:
    """gensim's ``KeyedVectors.evaluate_word_analogies``: its score and its sections.

    The answers are :func:`analogy`'s (the same as gensim's). Returns ``(score, sections)``:
    one dict ``{"section", "correct", "incorrect"}`` per section of the file, each list
    holding the questions as ``(a, b, c, expected)`` tuples (upper-cased with
    ``case_insensitive``), then a ``"Total accuracy"`` section of them all; ``score`` is its
    correct share. A question with a word outside the first ``restrict_vocab`` is left out,
    or with ``dummy4unknown`` counted incorrect. ``similarity_function="most_similar_cosmul"``
    answers by 3CosMul (gensim accepts the name but always uses 3CosAdd).
    """
    if similarity_function not in _GENSIM_METHODS:
        raise ConfigError("The {similarity_function} must be 'most_similar' or "
                          "'most_similar_cosmul'. Got {got} instead.",
                          got=repr(similarity_function))
    file = _resolve(analogies, ANALOGY_SETS, "questions-words.txt")
    sections = []
    for name, folded, known, right in _section_answers(
            vectors, file, restrict_vocab, case_insensitive, _GENSIM_METHODS[similarity_function]):
        counted = known | dummy4unknown
        sections.append({"section": name,
                         "correct": [q for q, r in zip(folded, right, strict=True) if r],
                         "incorrect": [q for q, r, c in zip(folded, right, counted, strict=True)
                                       if c and not r]})
    total = {"section": "Total accuracy",
             "correct": [q for s in sections for q in s["correct"]],
             "incorrect": [q for s in sections for q in s["incorrect"]]}
    answered = len(total["correct"]) + len(total["incorrect"])
    sections.append(total)
    return (len(total["correct"]) / answered if answered else 0.0), sections


def gensim_word_pairs(vectors: Vectors, pairs: str | os.PathLike[str], delimiter: str = "\t",
                      encoding: str = "utf8", restrict_vocab: int | None = 300000,
                      case_insensitive: bool = True, dummy4unknown: bool = False,
                      ) -> tuple[Any, Any, float]:
    """gensim's ``KeyedVectors.evaluate_word_pairs``: (Pearson, Spearman, OOV percent).

    Lines are ``word1<delimiter>word2<delimiter>score``; ``#`` lines are comments, and lines
    of another shape are skipped as gensim skips them, with one warning naming the first.
    A pair with a word outside the first ``restrict_vocab`` is left out, or with
    ``dummy4unknown`` scored 0. The correlations are scipy's ``pearsonr`` and ``spearmanr``
    results where scipy is installed (gensim's), else :class:`Correlation` tuples whose
    p-value is NaN.

    Raises
    ------
    FormatError
        If no pair can be scored (gensim: ValueError).
    """
    file = _resolve(pairs, SIMILARITY_SETS, SIMILARITY_SETS["WS-353"])
    keys = _folded_keys(vectors, restrict_vocab, case_insensitive)
    pairs_read = _delimited_pairs(file, delimiter, encoding)
    ids = np.array([[keys.get(_fold(a, case_insensitive), -1),
                     keys.get(_fold(b, case_insensitive), -1)] for a, b, _ in pairs_read],
                   dtype=np.int64).reshape(-1, 2)
    gold = np.array([score for _, _, score in pairs_read], dtype=np.float64)
    known, cosines = _pair_cosines(vectors, ids)
    oov = int((~known).sum())
    if dummy4unknown:  # every pair counts, an unknown one at similarity 0
        model = np.zeros(len(gold))
        model[known] = cosines
    else:
        gold, model = gold[known], cosines
    if not len(gold):
        raise FormatError(f"{file}: no word pair could be scored (none in the expected format, "
                          f"or every pair has a word outside the vocabulary).")
    ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
    return (*_correlations(gold, model), ratio)


def _delimited_pairs(file: Path, delimiter: str, encoding: str) -> list[tuple[str, str, float]]:
    """(word1, word2, score) of ``file``'s lines as gensim reads them; malformed lines skipped."""
    pairs, skipped = [], []
    try:
        text = file.read_text(encoding=encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FormatError(f"{file}: cannot be read as {encoding} ({exc}).") from None
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(delimiter)  # words as written: gensim strips none
        try:
            if len(fields) != 3:
                raise ValueError
            pairs.append((fields[0], fields[1], float(fields[2])))
        except ValueError:
            skipped.append(line_no)
    if skipped:
        warnings.warn(f"{file}: skipped {len(skipped)} line(s) not of the form "
                      f"'word1{delimiter}word2{delimiter}score' (first: line {skipped[0]}).",
                      stacklevel=4)  # the caller of Vectors.evaluate_word_pairs
    return pairs


def _correlations(gold: np.ndarray, model: np.ndarray) -> tuple[Any, Any]:
    """(Pearson, Spearman) of two (n,) arrays: scipy's results, or ours without p-values."""
    try:
        from scipy import stats
    except ImportError:
        return (Correlation(pearson(gold, model), math.nan),
                Correlation(spearman(gold, model), math.nan))
    return stats.pearsonr(gold, model), stats.spearmanr(gold, model)
