"""``w2v seed`` and ``w2v gradcheck``: the CS224N assignment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from w2v.cli.app import app


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
    from w2v.seed.run import replay_assignment, run_assignment

    try:
        count: int | str = int(iterations.strip().replace("_", ""))
    except ValueError:
        count = iterations  # not a number: the library's check names the option
    if faithful:
        if seed_value != 31415:
            raise ConfigError("--faithful replays the assignment's seed 31415; leave --seed out.")
        result = replay_assignment(iterations=count, loss=loss, out=out, resume=resume)
    else:
        result = run_assignment(iterations=count, loss=loss, random_seed=seed_value, out=out,
                                resume=resume)
    print(result.summary())


@app.command()
def gradcheck() -> None:
    """Check the gradients of both losses and of skip-gram against central differences."""
    from rich.console import Console
    from rich.table import Table

    from w2v.errors import GradientCheckError
    from w2v.seed.gradcheck import run_gradient_checks

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
