"""The Typer app and the options that several commands share."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="w2v",
    help="Train, query, evaluate and plot word2vec embeddings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# Options shared by the commands that read a vectors file.
FormatOption = Annotated[str | None, typer.Option(
    "--format", help="'text', 'binary', 'native' or 'fasttext' (a .bin model) (default: "
                     "detected).")]
NoHeaderOption = Annotated[bool, typer.Option(
    "--no-header", help="Text file without the 'V D' line (GloVe).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")]
VectorsArgument = Annotated[Path, typer.Argument(help="Vectors file or native folder.")]
RestrictVocabOption = Annotated[int | None, typer.Option(
    help="Search only the N most frequent words.")]
ApproxOption = Annotated[bool, typer.Option(
    "--approx", help="Search the approximate index (the 'ann' extra; built on first use and "
                     "saved beside the vectors): much faster on large vocabularies.")]


class UnicodeErrors(StrEnum):
    """Values of --unicode-errors (those of ``bytes.decode``)."""

    strict = "strict"
    replace = "replace"
    ignore = "ignore"


UnicodeErrorsOption = Annotated[UnicodeErrors, typer.Option(
    "--unicode-errors", help="Words that are not valid UTF-8: 'strict' (an error), 'replace' "
                             "(by U+FFFD) or 'ignore' (drop the bad bytes).")]
