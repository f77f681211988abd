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

    'pip install .' compiles them into the wheel it builds, for the machine it runs on. Where
    they were not (a wheel built elsewhere, a read-only or editable install), the first
    training run compiles them (a few seconds, once; 'w2v train' overlaps it with reading the
    corpus): run this to pay it in advance. Skip-gram and CBOW with negative sampling or
    hierarchical softmax, the subword model, the compiled corpus scan, the candidates'
    re-scoring and the seed job's kernels; the full softmax compiles on first use.
    """
    from w2v.engines.precompile import compile_ahead

    seconds = sum(compile_ahead().values())
    if not quiet:
        print(f"Numba kernels ready in {seconds:.1f} s.")
