"""``w2v train``: flags in, :func:`w2v.job.train_to_path` does the work, one line out."""

from __future__ import annotations

import os
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
    alpha: Annotated[float | None, typer.Option(help="Initial learning rate (default 0.025 "
                                                     "skip-gram, 0.05 CBOW).")] = None,
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
        help="Initial range of the input vectors: 'word2vec' (word2vec.c's U(-0.5/dim, "
             "0.5/dim), default) or 'gensim' (gensim 4's, twice as wide).")] = None,
    shared_negatives: Annotated[bool | None, typer.Option(
        "--shared-negatives/--per-pair-negatives",
        help="The K negatives of a center serve all its contexts (default, faster) or are "
             "drawn for every pair (word2vec.c): numba engine, skip-gram; torch engine on "
             "CUDA, skip-gram and CBOW (shared: its fused kernels; per pair: its batched "
             "steps).")] = None,
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
    distributed: Annotated[bool, typer.Option(
        "--distributed",
        help="Data-parallel training under torchrun (torchrun --nproc-per-node P -m w2v "
             "train ... --distributed): each rank trains its share of the corpus, rank 0 "
             "writes the vectors and checkpoints.")] = False,
    sync: Annotated[str | None, typer.Option(
        help="With --distributed: 'deltas' (the rows changed since the last sync, their "
             "changes summed, at most twice their mean; default), 'average' (the whole "
             "tables averaged), 'delta-sum' or 'delta-mean'.")] = None,
    sync_every: Annotated[int | None, typer.Option(
        help="With --distributed: corpus words, all ranks together, between syncs "
             "(default 200,000).")] = None,
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
             "shared_negatives": shared_negatives}
    options = {name: value for name, value in given.items() if value is not None}
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)  # in MB here
    max_bytes = None if max_memory is None else max_memory * 2**20
    ranks = _distributed_options(distributed, sync, sync_every)
    root = not distributed or os.environ.get("RANK", "0") == "0"
    quiet = quiet or not root  # one progress bar: rank 0's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with TrainingProgress(disable=quiet) as progress:
                model = train_to_path(corpus, output, format=fmt, checkpoint_dir=checkpoint_dir,
                                      checkpoint_every=checkpoint_every, resume=resume,
                                      callbacks=[progress], max_memory=max_bytes,
                                      distributed=ranks, **options)
        except TrainingInterrupted as stop:
            _print_warnings(caught)
            if root:
                print(_interrupted_message(stop, corpus, output, fmt, distributed),
                      file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
        except Interrupted as stop:  # during a save, which finished first
            _print_warnings(caught)
            print(f"w2v: {stop}", file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
    _print_warnings(caught)
    if root:
        print(summary_line(model, str(output), fmt))


def _distributed_options(distributed: bool, sync: str | None, sync_every: int | None):
    """False, or the DistributedOptions of the sync flags (which need --distributed)."""
    given = {name: value for name, value in (("sync", sync), ("sync_every", sync_every))
             if value is not None}
    if not distributed:
        if given:
            from w2v.errors import ConfigError

            raise ConfigError("The {" + next(iter(given)) + "} needs {distributed}.")
        return False
    from w2v.distributed import DistributedOptions

    return DistributedOptions(**given)


def _print_warnings(caught: list) -> None:
    for warning in caught:
        print(f"w2v: warning: {warning.message}", file=sys.stderr)


def _interrupted_message(stop, corpus: Path, output: Path, fmt: str,
                         distributed: bool = False) -> str:
    """One line: what was saved where, and the command that resumes."""
    import signal

    again = f"w2v train {corpus} -o {output} --resume {stop.folder}"
    if fmt != "text":
        again += f" --format {fmt}"
    if distributed:  # any number of ranks
        again = f"torchrun --nproc-per-node P -m {again} --distributed"
    return (f"w2v: interrupted by {signal.Signals(stop.signum).name} in epoch {stop.epoch}: "
            f"vectors so far saved to '{stop.saved_to}', checkpoint in '{stop.folder}'. "
            f"Resume with: {again}")
