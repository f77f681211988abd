"""``w2v warmup``: compile the CPU engine's kernels now, so that no later run waits for it."""

from __future__ import annotations

from typing import Annotated

import typer

from w2v.cli.app import app


@app.command()
def warmup(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing.")] = False,
) -> None:
    """Compile the CPU engine's kernels now (or load them from the on-disk cache).

    The first training run after installing compiles them (a few seconds, once; 'w2v train'
    overlaps it with reading the corpus). Run this after installing to pay it in advance.
    """
    from w2v.config import TrainConfig
    from w2v.engines.numba_engine import compile_kernels

    # Skip-gram and CBOW with negative sampling; the full softmax compiles on first use.
    seconds = sum(compile_kernels(TrainConfig(sg=sg)) for sg in (True, False))
    if not quiet:
        print(f"Numba kernels ready in {seconds:.1f} s.")
