"""``w2v phrases``: flags in, :func:`w2v.phrases.job.phrases_to_path` does the work."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from w2v.cli.app import app


def connector_set(value: str | None) -> frozenset[str]:
    """The connector words of ``--connector-words``: "english", or a file of words."""
    from w2v.errors import ConfigError
    from w2v.phrases import ENGLISH_CONNECTOR_WORDS

    if value is None:
        return frozenset()
    if value == "english":
        return ENGLISH_CONNECTOR_WORDS
    try:
        return frozenset(Path(value).read_text(encoding="utf-8").split())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("The {connector_words} must be 'english' or a UTF-8 file of words; "
                          "'{path}' cannot be read ({reason}).", path=value,
                          reason=getattr(exc, "strerror", None) or type(exc).__name__) from None


@app.command()
def phrases(
    corpus: Annotated[Path, typer.Argument(
        help="Text file (.gz/.bz2/.xz too), folder of files or pipe; one sentence a line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Corpus to write, with "
                                         "phrases joined ('new_york'); w2v train reads it.")],
    passes: Annotated[int, typer.Option(help="Passes; each joins pairs of the previous "
                                             "one's tokens (2 gives up to 4 words).")] = 1,
    scorer: Annotated[str, typer.Option(
        "--scorer", help="'word2vec' (word2phrase's rule, default), 'default' (gensim's) or "
                         "'npmi'.")] = "word2vec",
    threshold: Annotated[float | None, typer.Option(
        help="A pair scoring more is joined (default: 100 word2vec, 10 default, 0.5 "
             "npmi).")] = None,
    min_count: Annotated[int, typer.Option(help="Ignore rarer words and pairs.")] = 5,
    delimiter: Annotated[str, typer.Option(help="Glue of a phrase's words.")] = "_",
    connector_words: Annotated[str | None, typer.Option(
        help="Words allowed inside a phrase, never at its ends ('bank_of_america'): "
             "'english' (gensim's set) or a file of words.")] = None,
    max_vocab_size: Annotated[int | None, typer.Option(
        help="Prune rare words and pairs when more are held (default 350M word2vec, "
             "40M otherwise).")] = None,
    table: Annotated[Path | None, typer.Option(
        help="Also save the phrase table (JSON; Python: FrozenPhrases.load).")] = None,
    export: Annotated[Path | None, typer.Option(
        help="Also write 'phrase<TAB>score<TAB>pass' lines.")] = None,
    low_memory: Annotated[bool, typer.Option(
        "--low-memory", help="Read the corpus once per pass and once more to rewrite it, "
                             "holding only the counts, instead of keeping it as word ids "
                             "(5 bytes a token).")] = False,
) -> None:
    """Join frequent word pairs into phrases ('new york' -> 'new_york') before training.

    Reads the corpus once and keeps it as word ids meanwhile (5 bytes a token), unless
    --low-memory.
    """
    from w2v.phrases.job import phrases_to_path

    started = time.perf_counter()
    learnt, written = phrases_to_path(
        corpus, output, table=table, export=export, low_memory=low_memory, passes=passes,
        scoring=scorer,
        threshold=threshold, min_count=min_count, delimiter=delimiter,
        connector_words=connector_set(connector_words), max_vocab_size=max_vocab_size)
    by_pass = ", ".join(f"{len(layer):,}" for layer in learnt.layers)
    print(f"wrote {output}: {written:,} tokens from {learnt.corpus_word_count:,}; "
          f"{len(learnt):,} phrases ({by_pass} by pass) in "
          f"{time.perf_counter() - started:.1f} s")
