"""The ``w2v`` command line: thin Typer wrappers over the library.

This is the only module that exits: a :class:`~w2v.errors.W2VError` becomes one line on
stderr and exit status 1 (2 for bad options, as Click does); anything else is a bug and
keeps its traceback. Heavy modules are imported inside the commands so that
``w2v --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from w2v.errors import W2VError

app = typer.Typer(
    name="w2v",
    help="Train, query, evaluate and plot word2vec embeddings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _not_built(command: str) -> None:
    raise W2VError(f"'w2v {command}' is not available in this build yet.")


# --- the assignment ---------------------------------------------------------------------

@app.command()
def seed(
    # A string, parsed below, so that a bad count gets the one-line error of every user error.
    iterations: Annotated[str, typer.Option(
        metavar="N", help="SGD iterations (batches of 50 windows).")] = "40000",
    loss: Annotated[str, typer.Option(
        help="Loss: 'neg' (negative sampling, K=10) or 'softmax' (dense, far slower).")] = "neg",
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed.")] = 31415,
    out: Annotated[Path, typer.Option(
        help="Output folder (created if missing).")] = Path("seed_run"),
    resume: Annotated[bool, typer.Option(
        help="Resume from the latest checkpoint in --out.")] = False,
    faithful: Annotated[bool, typer.Option(
        help="Replay run.py exactly (w2v.reference, Python's random, seed 31415): about an "
             "hour.")] = False,
) -> None:
    """Run the CS224N assignment: skip-gram on the bundled SST corpus, then plot the vectors.

    Writes word_vectors.png, vectors.txt, loss.png and loss.tsv into --out.
    """
    from w2v.errors import ConfigError
    from w2v.seed_run import run_seed, run_seed_faithful

    try:
        count = int(iterations.strip().replace("_", ""))
    except ValueError:
        raise ConfigError(f"--iterations must be a positive integer. Got {iterations!r} "
                          f"instead.") from None
    if count < 1:
        raise ConfigError(f"--iterations must be a positive integer. Got {count} instead.")
    if faithful:
        if seed_value != 31415:
            raise ConfigError("--faithful replays the assignment's seed 31415; leave --seed out.")
        result = run_seed_faithful(iterations=count, loss=loss, out=out, resume=resume)
    else:
        result = run_seed(iterations=count, loss=loss, seed=seed_value, out=out, resume=resume)
    print(result.summary())


@app.command()
def gradcheck() -> None:
    """Check the gradients of both losses and of skip-gram against central differences."""
    from rich.console import Console
    from rich.table import Table

    from w2v.errors import GradientCheckError
    from w2v.gradcheck import run_gradient_checks

    rows = run_gradient_checks()
    table = Table(title="Gradient checks: central differences, h = 1e-4, fail above 1e-5")
    table.add_column("function", no_wrap=True)
    table.add_column("w.r.t.")
    table.add_column("coords", justify="right")
    table.add_column("max rel. err", justify="right")
    table.add_column("result", justify="center")
    for row in rows:
        result = "[green]pass[/green]" if row.passed else "[bold red]FAIL[/bold red]"
        table.add_row(row.function, row.wrt, str(row.report.checked),
                      f"{row.report.max_rel_error:.2e}", result)
    Console().print(table)
    failed = [row.report for row in rows if not row.passed]
    if failed:
        worst = max(failed, key=lambda report: report.max_rel_error)
        raise GradientCheckError(f"{len(failed)} of {len(rows)} gradient checks failed. "
                                 f"{worst.describe()}")


# --- training ---------------------------------------------------------------------------

@app.command()
def train(
    corpus: Annotated[Path, typer.Argument(
        help="Text file (.gz/.bz2 too) or folder of files; whitespace-separated tokens, "
             "one sentence a line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Vectors file to write.")],
    sg: Annotated[bool, typer.Option("--sg/--cbow", help="Skip-gram (default) or CBOW.")] = True,
    dim: Annotated[int | None, typer.Option(help="Vector size (default 100).")] = None,
    window: Annotated[int | None, typer.Option(help="Largest window (default 5).")] = None,
    negative: Annotated[int | None, typer.Option(help="Negatives per example (default 5).")] = None,
    loss: Annotated[str | None, typer.Option(help="'neg' (default) or 'softmax'.")] = None,
    sample: Annotated[float | None, typer.Option(help="Subsampling threshold (default 1e-3; "
                                                      "0 disables).")] = None,
    min_count: Annotated[int | None, typer.Option(help="Drop rarer words (default 5).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the corpus (default 5).")] = None,
    workers: Annotated[int | None, typer.Option(help="Threads (default min(4, CPUs)).")] = None,
    alpha: Annotated[float | None, typer.Option(help="Initial learning rate (default 0.025 "
                                                     "skip-gram, 0.05 CBOW).")] = None,
    min_alpha: Annotated[float | None, typer.Option(help="Final learning rate (default "
                                                         "1e-4).")] = None,
    seed_value: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="'text', 'binary' (word2vec.c) or "
                                                      "'native'.")] = "text",
    engine: Annotated[str | None, typer.Option(help="'numba' (CPU, default), 'torch' or "
                                                    "'reference' (slow, small corpora).")] = None,
    device: Annotated[str | None, typer.Option(help="Torch engine: 'cpu', 'cuda' or "
                                                    "'cuda:N'.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train word vectors on a text corpus and save them."""
    import warnings

    from w2v.atomic import check_writable_dir
    from w2v.errors import ConfigError
    from w2v.progress import TrainingProgress, summary_line
    from w2v.training import train as train_model

    if fmt not in ("text", "binary", "native"):
        raise ConfigError(f"--format must be 'text', 'binary' or 'native'. Got {fmt!r} instead.")
    check_writable_dir(output.parent if str(output.parent) else Path("."),
                       "folder of the output file")
    given = {"sg": sg, "vector_size": dim, "window": window, "negative": negative,
             "loss": loss, "sample": sample, "min_count": min_count, "epochs": epochs,
             "workers": workers, "alpha": alpha, "min_alpha": min_alpha, "seed": seed_value,
             "engine": engine, "device": device}
    options = {k: v for k, v in given.items() if v is not None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with TrainingProgress(disable=quiet) as progress:
            model = train_model(str(corpus), report=progress, **options)
    for warning in caught:
        print(f"w2v: warning: {warning.message}", file=sys.stderr)
    model.save(output, format=fmt)
    print(summary_line(model, str(output), fmt))


# --- using vectors ----------------------------------------------------------------------

@app.command(name="eval")
def eval_() -> None:
    """Evaluate vectors on analogy and word-similarity sets."""
    _not_built("eval")


@app.command()
def similar() -> None:
    """Nearest neighbours of a word."""
    _not_built("similar")


@app.command()
def analogy() -> None:
    """Solve A is to B as C is to ?."""
    _not_built("analogy")


@app.command()
def plot() -> None:
    """Plot words in 2-D."""
    _not_built("plot")


@app.command()
def info() -> None:
    """Vocabulary size, dimension, format and norms of a vectors file."""
    _not_built("info")


def main() -> None:
    """Entry point of the ``w2v`` console script."""
    try:
        app(standalone_mode=True)
    except W2VError as exc:
        print(f"w2v: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("w2v: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
