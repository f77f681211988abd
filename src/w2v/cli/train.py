"""``w2v train``: flags in, :func:`w2v.job.train_to_path` does the work, one line out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from w2v.cli.app import app


@app.command()
def train(
    corpus: Annotated[Path, typer.Argument(
        help="Text file (.gz/.bz2 too) or folder of files; whitespace-separated tokens, "
             "one sentence a line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Vectors file to write.")],
    sg: Annotated[bool | None, typer.Option("--sg/--cbow",
                                            help="Skip-gram (default) or CBOW.")] = None,
    dim: Annotated[int | None, typer.Option(help="Vector size (default 100).")] = None,
    window: Annotated[int | None, typer.Option(help="Largest window (default 5).")] = None,
    negative: Annotated[int | None, typer.Option(help="Negatives per example (default 5).")] = None,
    loss: Annotated[str | None, typer.Option(help="'neg' (default) or 'softmax'.")] = None,
    sample: Annotated[float | None, typer.Option(help="Subsampling threshold (default 1e-3; "
                                                      "0 disables).")] = None,
    min_count: Annotated[int | None, typer.Option(help="Drop rarer words (default 5).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the corpus (default 5).")] = None,
    workers: Annotated[int | None, typer.Option(help="Threads (default min(4, CPUs)).")] = None,
    alpha: Annotated[float | None, typer.Option(help="Initial learning rate (default 0.035 "
                                                     "skip-gram, 0.06 CBOW; word2vec.c's: "
                                                     "0.025, 0.05).")] = None,
    min_alpha: Annotated[float | None, typer.Option(help="Final learning rate (default "
                                                         "1e-4).")] = None,
    seed_value: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="'text', 'binary' (word2vec.c) or "
                                                      "'native'.")] = "text",
    engine: Annotated[str | None, typer.Option(help="'numba' (CPU, default), 'torch' or "
                                                    "'numpy' (float64, small corpora).")] = None,
    device: Annotated[str | None, typer.Option(help="Torch engine: 'cpu', 'cuda' or "
                                                    "'cuda:N'.")] = None,
    init: Annotated[str | None, typer.Option(
        help="Initial range of the input vectors: 'gensim' (gensim 4's U(-1/dim, 1/dim), "
             "default) or 'word2vec' (word2vec.c's, half as wide).")] = None,
    shared_negatives: Annotated[bool | None, typer.Option(
        "--shared-negatives/--per-pair-negatives",
        help="The K negatives of a center serve all its contexts (default, faster) or are "
             "drawn for every pair (word2vec.c): numba engine, skip-gram; torch engine on "
             "CUDA, skip-gram and CBOW (shared: its fused kernels; per pair: its batched "
             "steps).")] = None,
    cbow_gradient: Annotated[str | None, typer.Option(
        help="CBOW: what each context word gets of the gradient wrt the window's mean "
             "vector: 'word2vec' (all of it, word2vec.c and gensim) or 'mean' (divided by "
             "the number of context words: the true gradient).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    checkpoint_dir: Annotated[Path | None, typer.Option(
        help="Save checkpoints in this folder (every 10 minutes unless --checkpoint-every); "
             "resume with --resume.")] = None,
    checkpoint_every: Annotated[float | None, typer.Option(
        help="Minutes between checkpoints (0: after every chunk of ~50,000 words).")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Resume from the checkpoint in this folder (same corpus and options; options "
             "not given are taken from the checkpoint).")] = None,
    max_memory: Annotated[float | None, typer.Option(
        help="MB the corpus's id array may take in memory (4 bytes a word); a larger corpus "
             "is memory-mapped from a temporary file.")] = None,
) -> None:
    """Train word vectors on a text corpus and save them.

    Ctrl-C or SIGTERM finishes the current chunk, saves a checkpoint and the vectors so far,
    prints how to resume, and exits with status 130 or 143.
    """
    import warnings

    from w2v.checkpoint import TrainingInterrupted
    from w2v.job import Interrupted, train_to_path
    from w2v.progress import TrainingProgress, summary_line
    from w2v.validation import Float

    given = {"sg": sg, "vector_size": dim, "window": window, "negative": negative,
             "loss": loss, "sample": sample, "min_count": min_count, "epochs": epochs,
             "workers": workers, "alpha": alpha, "min_alpha": min_alpha, "seed": seed_value,
             "engine": engine, "device": device, "init": init,
             "shared_negatives": shared_negatives, "cbow_gradient": cbow_gradient}
    options = {name: value for name, value in given.items() if value is not None}
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)  # in MB here
    max_bytes = None if max_memory is None else max_memory * 2**20
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with TrainingProgress(disable=quiet) as progress:
                model = train_to_path(corpus, output, format=fmt, checkpoint_dir=checkpoint_dir,
                                      checkpoint_every=checkpoint_every, resume=resume,
                                      callbacks=[progress], max_memory=max_bytes, **options)
        except TrainingInterrupted as stop:
            _print_warnings(caught)
            print(_interrupted_message(stop, corpus, output, fmt), file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
        except Interrupted as stop:  # during a save, which finished first
            _print_warnings(caught)
            print(f"w2v: {stop}", file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
    _print_warnings(caught)
    print(summary_line(model, str(output), fmt))


def _print_warnings(caught: list) -> None:
    for warning in caught:
        print(f"w2v: warning: {warning.message}", file=sys.stderr)


def _interrupted_message(stop, corpus: Path, output: Path, fmt: str) -> str:
    """One line: what was saved where, and the command that resumes."""
    import signal

    again = f"w2v train {corpus} -o {output} --resume {stop.folder}"
    if fmt != "text":
        again += f" --format {fmt}"
    return (f"w2v: interrupted by {signal.Signals(stop.signum).name} in epoch {stop.epoch}: "
            f"vectors so far saved to '{stop.saved_to}', checkpoint in '{stop.folder}'. "
            f"Resume with: {again}")
