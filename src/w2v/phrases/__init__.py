"""Phrase detection: join multi-word expressions ("new_york") before training.

- :class:`Phrases` learns (gensim's API and scorers, word2phrase's rule with
  ``scoring="word2vec"``), ``phrases[sentence]`` rewrites, :meth:`Phrases.freeze` keeps
  the tables alone, :meth:`FrozenPhrases.save` / :meth:`FrozenPhrases.load` use JSON.
- Modules: :mod:`~w2v.phrases.stream` (a corpus as token chunks with sentence breaks),
  :mod:`~w2v.phrases.spans` (candidates and connector gap codes), :mod:`~w2v.phrases.counts`
  (counting and pruning), :mod:`~w2v.phrases.scoring`, :mod:`~w2v.phrases.table` (one
  pass's phrases and the greedy rewrite), :mod:`~w2v.phrases.model`.
"""

from w2v.phrases.model import (
    ENGLISH_CONNECTOR_WORDS,
    FrozenPhrases,
    PhraseOptions,
    Phrases,
    write_chunks,
)
from w2v.phrases.scoring import SCORERS

__all__ = ["ENGLISH_CONNECTOR_WORDS", "SCORERS", "FrozenPhrases", "PhraseOptions", "Phrases",
           "write_chunks"]
