"""Interactive queries, one line at a time, like word2vec.c's ``distance`` and ``word-analogy``.

Each line is a query. In ``similar`` mode (``distance``) it is one word or several, whose
unit vectors are summed ("king queen" asks for the words nearest to both); the query words
are left out of the answer. In ``analogy`` mode (``word-analogy``) it is three words
``a b c``, read "a is to b as c is to ?". ``EXIT`` ends the session, as does the end of the
input; a blank line is skipped. A line that cannot be answered (an unknown word, the wrong
number of words) gives an :class:`Answer` holding the error, and the session goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from w2v.errors import ConfigError, UnknownWordError

if TYPE_CHECKING:
    from w2v.vectors import Vectors

MODES = ("similar", "analogy")
EXIT = "EXIT"
PROMPTS = {"similar": "Enter word or sentence (EXIT to break): ",
           "analogy": "Enter three words (EXIT to break): "}


@dataclass(frozen=True)
class Answer:
    """One query line and its answer: ``results`` (word, score) best first, or an ``error``."""

    query: list[str]
    results: list[tuple[str, float]] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The answer as JSON-ready data: ``{"query", "results"}`` or ``{"query", "error"}``."""
        if self.error is not None:
            return {"query": self.query, "error": self.error}
        return {"query": self.query,
                "results": [{"word": w, "score": s} for w, s in self.results or []]}


def answer(vectors: Vectors, line: str, mode: str = "similar", topn: int = 10,
           restrict_vocab: int | None = None, method: str = "3cosadd",
           approx: bool = False) -> Answer:
    """Answer one query line (see the module docstring); errors of the query go in the Answer.

    Parameters
    ----------
    vectors : Vectors
    line : str
        Whitespace-separated words.
    mode : {"similar", "analogy"}
    topn, restrict_vocab
        As in :meth:`~w2v.vectors.Vectors.most_similar`.
    method : {"3cosadd", "3cosmul"}
        The analogy method (``analogy`` mode).
    approx : bool
        Search the approximate index (``similar`` mode; see :mod:`w2v.ann`).
    """
    words = line.split()
    if mode == "analogy" and len(words) != 3:
        return Answer(words, error=f"expected three words 'a b c' (a is to b as c is to ?), "
                                   f"got {len(words)}")
    try:
        if mode == "analogy":
            results = vectors.analogy(*words, method=method, topn=topn,
                                      restrict_vocab=restrict_vocab)
        else:
            results = vectors.most_similar(positive=words, topn=topn,
                                           restrict_vocab=restrict_vocab, approx=approx)
    except (UnknownWordError, ConfigError) as exc:
        return Answer(words, error=str(exc))
    return Answer(words, results)


def answers(vectors: Vectors, lines: Iterable[str], mode: str = "similar",
            **options: object) -> Iterator[Answer]:
    """Answer each line of ``lines`` until ``EXIT`` or their end; blank lines are skipped.

    ``options`` go to :func:`answer`.
    """
    if mode not in MODES:
        raise ConfigError("The {mode} must be one of {modes}. Got {got} instead.",
                          modes=", ".join(MODES), got=repr(mode))
    for line in lines:
        line = line.strip()
        if line == EXIT:
            return
        if line:
            yield answer(vectors, line, mode, **options)
