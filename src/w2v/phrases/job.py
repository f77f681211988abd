"""Phrase jobs on files: what ``w2v phrases`` and ``w2v train --phrases`` run.

Every output is checked before the corpus is read (writable, not the corpus, not inside
a corpus folder, not another output); a pipe is copied to a temporary file first.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from w2v.atomic import check_not_an_input
from w2v.errors import OutputError
from w2v.formats.paths import check_output_file
from w2v.phrases.model import Phrases
from w2v.sources import readable_corpus

# word2phrase's defaults, which the command line uses (the Python API uses gensim's).
COMMAND_LINE_DEFAULTS = {"scoring": "word2vec", "min_count": 5}


def phrases_to_path(corpus: str | os.PathLike[str], output: str | os.PathLike[str], *,
                    table: str | os.PathLike[str] | None = None,
                    export: str | os.PathLike[str] | None = None, low_memory: bool = False,
                    **options: Any) -> tuple[Phrases, int]:
    """Learn the phrases of ``corpus`` and write it with them joined.

    Parameters
    ----------
    corpus : path-like
        A corpus file (.gz/.bz2/.xz too), folder or pipe.
    output : path-like
        The rewritten corpus (text, one line per line of the corpus).
    table : path-like, optional
        Also save the phrase tables here (:meth:`FrozenPhrases.save`, JSON).
    export : path-like, optional
        Also write the phrases and scores as text (:meth:`FrozenPhrases.export`).
    low_memory : bool
        Read the corpus once per pass and once more to rewrite it, holding only the counting
        tables, instead of reading it once and keeping it as word ids (5 bytes a token).
    **options
        Options of :class:`~w2v.phrases.Phrases` (``passes``, ``threshold``, ...).

    Returns
    -------
    phrases : Phrases
        The learnt tables.
    tokens : int
        Tokens written.

    Raises
    ------
    OutputError
        Before any work, if an output cannot be written or would replace an input.
    ConfigError, CorpusError
        For a bad option or corpus.
    """
    outputs = {"output corpus": output, "phrase table": table, "phrase export": export}
    given = {what: path for what, path in outputs.items() if path is not None}
    for what, path in given.items():
        check_output_file(path, what, "w2v phrases")
        check_not_an_input(path, what, {"corpus": corpus})
    absolute = [os.path.abspath(path) for path in given.values()]
    if len(set(absolute)) < len(absolute):
        raise OutputError("The output corpus, phrase table and phrase export must be different "
                          "files.")
    phrases = Phrases(**options)
    with readable_corpus(corpus) as readable:
        if low_memory:
            written = phrases.learn(readable).transform_corpus(readable, output)
        else:
            written = phrases.learn_and_rewrite(readable, output)
    if table is not None:
        phrases.save(table)
    if export is not None:
        phrases.export(export)
    return phrases, written


@contextlib.contextmanager
def phrased_corpus(corpus: str | os.PathLike[str], passes: int,
                   **options: Any) -> Iterator[tuple[Path, Phrases]]:
    """Yield a temporary copy of ``corpus`` with its phrases joined (removed afterwards).

    The options default to the command line's (word2phrase's rule, min_count 5,
    threshold 100). What ``w2v train --phrases N`` trains on.
    """
    options = {**COMMAND_LINE_DEFAULTS, **options, "passes": passes}
    folder = tempfile.gettempdir()
    fd, name = tempfile.mkstemp(prefix="w2v-phrased-", suffix=".txt", dir=folder)
    os.close(fd)
    try:
        phrases, _ = phrases_to_path(corpus, name, **options)
        yield Path(name), phrases
    finally:
        with contextlib.suppress(OSError):
            os.remove(name)
