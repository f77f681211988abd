"""``Phrases`` and ``FrozenPhrases``: learn multi-word expressions, rewrite sentences with them.

The names and options are gensim's (``Phrases(sentences, min_count, threshold,
max_vocab_size, delimiter, scoring, connector_words)``, ``phrases[sentence]``,
``freeze()``, ``export_phrases()``), plus ``passes`` for longer phrases (pass 2 learns
on the output of pass 1, so "new_york" + "times" gives "new_york_times", as word2vec.c's
demo runs word2phrase twice) and ``scoring="word2vec"`` for word2phrase's rule.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import ConfigError, FormatError
from w2v.phrases.counts import PhraseCounts, count_phrases
from w2v.phrases.scoring import (
    DEFAULT_THRESHOLDS,
    SCORERS,
    Scorer,
    check_scoring,
    phrase_scores,
)
from w2v.phrases.stream import LINE, PIECE, TokenChunk, token_chunks
from w2v.phrases.table import Phrase, PhraseTable
from w2v.validation import Float, Int

# gensim's ENGLISH_CONNECTOR_WORDS: articles, some prepositions and conjunctions.
ENGLISH_CONNECTOR_WORDS = frozenset({
    "a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by",
    "and", "or"})
# word2phrase holds at most 0.7 x 500M entries before it prunes; gensim 40M.
DEFAULT_MAX_VOCAB = {"word2vec": 350_000_000, "default": 40_000_000, "npmi": 40_000_000}
FILE_FORMAT = "w2v-phrases"
FILE_VERSION = 1
_MAX_FILE_BYTES = 1 << 30


@dataclass(frozen=True)
class PhraseOptions:
    """The options of phrase learning (gensim's names), checked when built."""

    min_count: int = 5
    threshold: float | None = None  # None: the scorer's default (scoring.DEFAULT_THRESHOLDS)
    max_vocab_size: int | None = None  # None: the original's (DEFAULT_MAX_VOCAB)
    delimiter: str = "_"
    scoring: Scorer = "default"
    connector_words: frozenset[str] = field(default_factory=frozenset)
    passes: int = 1
    max_sentence_length: int = 10_000

    def __post_init__(self) -> None:
        Int(1).check("min_count", self.min_count)
        Int(1, 100).check("passes", self.passes)
        Int(1, optional=True).check("max_vocab_size", self.max_vocab_size)
        Int(1).check("max_sentence_length", self.max_sentence_length)
        if not isinstance(self.delimiter, str) or not self.delimiter or \
                any(ch.isspace() for ch in self.delimiter):
            raise ConfigError("The {delimiter} must be a non-empty string without whitespace "
                              "(phrases are written as one token). Got {got} instead.",
                              got=repr(self.delimiter))
        words = self.connector_words
        if isinstance(words, str) or not isinstance(words, Iterable) or \
                not all(isinstance(w, str) for w in words):
            raise ConfigError("The {connector_words} must be a set of str words. Got {got} "
                              "instead.", got=repr(words)[:60])
        object.__setattr__(self, "connector_words", frozenset(words))
        if not callable(self.scoring) and self.scoring not in SCORERS:
            check_scoring(self.scoring, 1.0)  # refuses the unknown name before any default
        if self.threshold is None:
            default = DEFAULT_THRESHOLDS.get(self.scoring) if isinstance(self.scoring, str) \
                else None
            if default is None:
                raise ConfigError("The {threshold} must be given for a scoring function.")
            object.__setattr__(self, "threshold", default)
        threshold = Float().check("threshold", self.threshold)
        object.__setattr__(self, "threshold", threshold)
        check_scoring(self.scoring, threshold)

    @property
    def word2phrase(self) -> bool:
        """word2phrase's sentence rule: count pairs across lines, never join across one."""
        return self.scoring == "word2vec"

    @property
    def vocab_limit(self) -> int:
        if self.max_vocab_size is not None:
            return self.max_vocab_size
        return DEFAULT_MAX_VOCAB.get(self.scoring if isinstance(self.scoring, str) else "",
                                     40_000_000)

    def to_dict(self) -> dict[str, Any]:
        scoring = self.scoring if isinstance(self.scoring, str) else "custom"
        return {"min_count": self.min_count, "threshold": self.threshold,
                "max_vocab_size": self.max_vocab_size, "delimiter": self.delimiter,
                "scoring": scoring, "connector_words": sorted(self.connector_words),
                "passes": self.passes, "max_sentence_length": self.max_sentence_length}


class FrozenPhrases:
    """Learnt phrase tables, one per pass: rewrite sentences, export, save.

    Parameters
    ----------
    layers : sequence of PhraseTable
        The tables, applied in order.
    options : PhraseOptions
        The options they were learnt with.
    """

    def __init__(self, layers: Sequence[PhraseTable], options: PhraseOptions) -> None:
        self.layers = list(layers)
        self.options = options

    # --- gensim's surface ----------------------------------------------------------------

    @property
    def delimiter(self) -> str:
        return self.options.delimiter

    @property
    def threshold(self) -> float:
        return float(self.options.threshold)

    @property
    def connector_words(self) -> frozenset[str]:
        return self.options.connector_words

    def __len__(self) -> int:
        """Phrases in all tables."""
        return sum(len(layer) for layer in self.layers)

    def __getitem__(self, sentence: Any) -> Any:
        """``phrases[["new", "york", "is"]] -> ["new_york", "is"]``; a corpus gives a generator.

        Parameters
        ----------
        sentence : list of str, or iterable of list of str
            One sentence, or sentences (then rewritten lazily, a batch at a time).
        """
        if isinstance(sentence, (list, tuple)) and all(isinstance(t, str) for t in sentence):
            tokens = list(sentence)
            for layer in self.layers:
                tokens = layer.rewrite_sentence(tokens, self.delimiter)
            return tokens
        return self._rewrite_sentences(sentence)

    def export_phrases(self) -> dict[str, float]:
        """Every phrase, joined with the delimiter, and its score (gensim's name)."""
        return {self.delimiter.join(p.words): p.score
                for layer in self.layers for p in layer.phrases}

    def __repr__(self) -> str:
        sizes = ", ".join(str(len(layer)) for layer in self.layers)
        return (f"{type(self).__name__}<{len(self)} phrases ({sizes} by pass), "
                f"scoring={self.options.to_dict()['scoring']!r}, "
                f"threshold={self.threshold}>")

    # --- rewriting -------------------------------------------------------------------------

    def rewrite_chunks(self, chunks: Iterable[TokenChunk],
                       layers: int | None = None) -> Iterator[TokenChunk]:
        """Rewrite a corpus read as chunks through the first ``layers`` tables (default all)."""
        stream: Iterable[TokenChunk] = chunks
        for layer in self.layers[:layers]:
            stream = _rewritten(layer, stream, self.delimiter)
        return iter(stream)

    def _rewrite_batch(self, sentences: list[list[str]]) -> list[list[str]]:
        tokens = [t for s in sentences for t in s]
        lengths = np.asarray([len(s) for s in sentences], dtype=np.int64)
        flags = np.zeros(len(tokens), dtype=np.int8)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        flags[starts[lengths > 0]] = LINE
        for layer in self.layers:
            chunk, _ = layer.rewrite(tokens, flags, self.delimiter, final=True)
            tokens, flags = chunk.tokens, chunk.flags
        # split back at the sentence starts; empty sentences stay empty
        bounds = np.flatnonzero(flags == LINE).tolist() + [len(tokens)]
        out: list[list[str]] = []
        it = iter(range(len(bounds) - 1))
        for length in lengths.tolist():
            if length == 0:
                out.append([])
            else:
                k = next(it)
                out.append(tokens[bounds[k]:bounds[k + 1]])
        return out

    def _rewrite_sentences(self, sentences: Iterable[Any]) -> Iterator[list[str]]:
        batch: list[list[str]] = []
        size = 0
        for sentence in sentences:
            batch.append(list(sentence))
            size += len(sentence)
            if size >= 1 << 18:
                yield from self._rewrite_batch(batch)
                batch, size = [], 0
        if batch:
            yield from self._rewrite_batch(batch)

    def transform_corpus(self, source: Any, output: str | os.PathLike[str]) -> int:
        """Write ``source`` with its phrases joined: one line per line (or sentence).

        Parameters
        ----------
        source : path-like or iterable of list of str
            The corpus, as training reads it.
        output : path-like
            The text file to write (atomically), which ``w2v train`` reads.

        Returns
        -------
        int
            Tokens written.
        """
        chunks = token_chunks(source, self.options.max_sentence_length)
        return write_chunks(self.rewrite_chunks(chunks), output)

    # --- files -----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the tables as JSON (atomically; no pickle): options and each pass's phrases."""
        doc = {"format": FILE_FORMAT, "version": FILE_VERSION, "options": self.options.to_dict(),
               "passes": [[[*p.words, _finite(p.score)] for p in layer.phrases]
                          for layer in self.layers]}
        with atomic_write(path, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, ensure_ascii=False, allow_nan=False)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FrozenPhrases:
        """Load tables saved by :meth:`save`.

        Raises
        ------
        FormatError
            If the file is missing, not such a file, or damaged (names the file).
        """
        doc = _read_json(Path(path))
        try:
            options = doc["options"]
            scoring = options["scoring"]
            opts = PhraseOptions(
                min_count=options["min_count"], threshold=options["threshold"],
                max_vocab_size=options["max_vocab_size"], delimiter=options["delimiter"],
                scoring=scoring if scoring != "custom" else _custom_placeholder,
                connector_words=frozenset(options["connector_words"]),
                passes=options["passes"], max_sentence_length=options["max_sentence_length"])
            layers = [_table([Phrase(tuple(row[:-1]), float(row[-1])) for row in rows], opts)
                      for rows in doc["passes"]]
        except (KeyError, TypeError, ValueError, IndexError, ConfigError) as exc:
            raise FormatError(f"The phrases file '{path}' is damaged ({type(exc).__name__}: "
                              f"{str(exc)[:80]}).") from None
        return cls(layers, opts)

    def export(self, path: str | os.PathLike[str]) -> int:
        """Write the phrase table as text, one ``phrase<TAB>score<TAB>pass`` line each.

        Returns
        -------
        int
            Phrases written.
        """
        with atomic_write(path, "w", encoding="utf-8") as handle:
            for number, layer in enumerate(self.layers, start=1):
                for p in sorted(layer.phrases, key=lambda p: -p.score):
                    handle.write(f"{self.delimiter.join(p.words)}\t{p.score!r}\t{number}\n")
        return len(self)


def _custom_placeholder(**_: Any) -> float:  # a loaded table never scores again
    raise ConfigError("A loaded phrases file cannot learn again with its custom {scoring}.")


def _finite(score: float) -> float:
    return score if math.isfinite(score) else math.copysign(1.7976931348623157e308, score)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > _MAX_FILE_BYTES:
            raise FormatError(f"The phrases file '{path}' is {size:,} bytes: too large to be "
                              f"one.")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"The phrases file '{path}' does not exist.") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError(f"The phrases file '{path}' is unreadable or not JSON "
                          f"({str(exc)[:80]}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise FormatError(f"'{path}' is not a w2v phrases file (no \"format\": "
                          f"\"{FILE_FORMAT}\").")
    if doc.get("version") != FILE_VERSION:
        raise FormatError(f"The phrases file '{path}' has version {doc.get('version')!r}; this "
                          f"w2v reads version {FILE_VERSION}.")
    return doc


def _table(phrases: list[Phrase], options: PhraseOptions) -> PhraseTable:
    for p in phrases:
        if len(p.words) < 2 or not all(isinstance(w, str) for w in p.words) or \
                not set(p.words[1:-1]) <= options.connector_words:
            raise ValueError(f"bad phrase {p.words!r}"[:80])
    return PhraseTable(phrases, options.connector_words,
                       breaks_at=LINE if options.word2phrase else PIECE)


def _rewritten(layer: PhraseTable, chunks: Iterable[TokenChunk],
               delimiter: str) -> Iterator[TokenChunk]:
    """Chunks rewritten by one table; a phrase may span two chunks."""
    carry_tokens: list[str] = []
    carry_flags = np.zeros(0, dtype=np.int8)
    for chunk in chunks:
        tokens = carry_tokens + chunk.tokens
        flags = np.concatenate([carry_flags, chunk.flags])
        out, used = layer.rewrite(tokens, flags, delimiter, final=False)
        carry_tokens, carry_flags = tokens[used:], flags[used:]
        if len(out):
            yield out
    if carry_tokens:
        out, _ = layer.rewrite(carry_tokens, carry_flags, delimiter, final=True)
        yield out


def write_chunks(chunks: Iterable[TokenChunk], output: str | os.PathLike[str]) -> int:
    """Write chunks as text: tokens separated by spaces, a newline before each ``LINE``.

    Returns
    -------
    int
        Tokens written.
    """
    written = 0
    with atomic_write(output, "w", encoding="utf-8") as handle:
        for chunk in chunks:
            starts = set(np.flatnonzero(chunk.flags == LINE).tolist())
            bounds = sorted({0, *starts, len(chunk.tokens)})
            for start, end in zip(bounds, bounds[1:], strict=False):
                if written:
                    handle.write("\n" if start in starts else " ")
                handle.write(" ".join(chunk.tokens[start:end]))
                written += end - start
        if written:
            handle.write("\n")
    return written


class Phrases(FrozenPhrases):
    """Learn phrases from a corpus (gensim's ``Phrases``, word2phrase's rule on request).

    Parameters
    ----------
    sentences : path-like or iterable of list of str
        The corpus: a file (.gz/.bz2/.xz too) or folder, read as training reads it, or
        sentences in memory (re-iterable when ``passes > 1``).
    min_count : int
        Ignore words and candidates seen fewer times (how depends on the scorer).
    threshold : float, optional
        A candidate scoring more is a phrase; default 10 ("default"), 0.5 ("npmi"),
        100 ("word2vec").
    max_vocab_size : int, optional
        Words plus candidates held while counting before rare ones are pruned; default
        40M (gensim), 350M for "word2vec" (word2phrase's table).
    delimiter : str
        Glue of a phrase's words.
    scoring : {"default", "npmi", "word2vec"} or callable
        See :mod:`w2v.phrases.scoring`. "word2vec" also takes word2phrase's sentence rule:
        pairs are counted across line ends, never joined across them.
    connector_words : set of str
        Words that may sit inside a phrase but never start or end one
        (:data:`ENGLISH_CONNECTOR_WORDS` gives "bank_of_america").
    passes : int
        Learn this many tables, each on the output of the one before.
    max_sentence_length : int
        A file's lines are cut into pieces this long, as training cuts them.

    Attributes
    ----------
    counts : list of PhraseCounts
        What each pass counted.
    corpus_word_count : int
        Tokens of the corpus (first pass).
    """

    def __init__(self, sentences: Any = None, min_count: int = 5,
                 threshold: float | None = None, max_vocab_size: int | None = None,
                 delimiter: str = "_", scoring: Scorer = "default",
                 connector_words: Iterable[str] = frozenset(), passes: int = 1,
                 max_sentence_length: int = 10_000) -> None:
        options = PhraseOptions(min_count, threshold, max_vocab_size, delimiter, scoring,
                                connector_words, passes, max_sentence_length)  # checked there
        super().__init__([], options)
        self.counts: list[PhraseCounts] = []
        if sentences is not None:
            self.learn(sentences)

    @property
    def corpus_word_count(self) -> int:
        return self.counts[0].total_words if self.counts else 0

    def learn(self, sentences: Any) -> Phrases:
        """Learn ``options.passes`` tables from ``sentences`` (replacing any learnt before)."""
        opts = self.options
        if opts.passes > 1 and not isinstance(sentences, (str, os.PathLike)) and \
                iter(sentences) is sentences:
            raise ConfigError("With {passes} > 1 the corpus is read once per pass: give a "
                              "path or a list, not a one-shot iterator.")
        self.layers, self.counts = [], []
        for _ in range(opts.passes):
            chunks = self.rewrite_chunks(token_chunks(sentences, opts.max_sentence_length))
            counts = count_phrases(chunks, opts.connector_words,
                                   across_sentences=opts.word2phrase,
                                   max_vocab_size=opts.vocab_limit,
                                   prune_inclusive=opts.word2phrase)
            self.counts.append(counts)
            self.layers.append(_table(_phrases_of(counts, opts), opts))
        return self

    def learn_and_rewrite(self, sentences: Any, output: str | os.PathLike[str]) -> int:
        """Learn from ``sentences`` and write them rewritten to ``output``, reading them once.

        The same tables and output as :meth:`learn` then :meth:`transform_corpus`, faster:
        the corpus is tokenised once and kept as word ids (5 bytes a token) for the passes
        (:mod:`w2v.phrases.oneshot`). Returns the tokens written.
        """
        from w2v.phrases.oneshot import learn_and_rewrite

        return learn_and_rewrite(self, sentences, output)

    def freeze(self) -> FrozenPhrases:
        """The tables alone, without the counts (gensim's ``freeze``)."""
        return FrozenPhrases(self.layers, self.options)


def _phrases_of(counts: PhraseCounts, options: PhraseOptions) -> list[Phrase]:
    """The phrases of a counting pass, with their words."""
    is_phrase, scores = phrase_scores(counts, options.scoring, options.min_count,
                                      float(options.threshold))
    words = counts.words
    found = []
    for k in np.flatnonzero(is_phrase).tolist():
        middle = counts.codec.words_of(int(counts.codes[k])) if counts.codes[k] else []
        found.append(Phrase((words[counts.left[k]], *middle, words[counts.right[k]]),
                            float(scores[k])))
    return found
