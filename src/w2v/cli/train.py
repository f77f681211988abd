"""``w2v train``: flags in, :func:`w2v.job.train_to_path` does the work, one line out."""

from __future__ import annotations

import contextlib
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
    alpha: Annotated[float | None, typer.Option(help="Initial learning rate (default 0.035 "
                                                     "skip-gram, 0.06 CBOW, 0.05 with "
                                                     "--subwords as fastText; word2vec.c's: "
                                                     "0.025, 0.05).")] = None,
    min_alpha: Annotated[float | None, typer.Option(help="Final learning rate (default "
                                                         "1e-4).")] = None,
    seed_value: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="'text', 'binary' (word2vec.c), "
                                                             "'native' or 'fasttext' (a .bin "
                                                             "model, --subwords only). Default: "
                                                             "text; with --subwords (or a subword "
                                                             "model to resume or train "
                                                             "further), fasttext for an output "
                                                             "ending in .bin.")]
    = None,
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
    subwords: Annotated[bool | None, typer.Option(
        "--subwords/--no-subwords",
        help="The fastText model: a word's vector is the mean of its own and its character "
             "n-grams' vectors, so unseen words get one (numba engine).")] = None,
    min_n: Annotated[int | None, typer.Option(
        "--minn", "--min-n", help="Shortest character n-gram, --subwords (default 3).")] = None,
    max_n: Annotated[int | None, typer.Option(
        "--maxn", "--max-n", help="Longest character n-gram, --subwords (default 6; below "
                                  "--minn: no n-grams).")] = None,
    bucket: Annotated[int | None, typer.Option(
        help="Hash rows for the n-grams, --subwords (default 2,000,000).")] = None,
    cbow_gradient: Annotated[str | None, typer.Option(
        help="CBOW: what each context word gets of the gradient wrt the window's vector: "
             "'word2vec' (all of it, word2vec.c and gensim) or 'mean' (divided by the "
             "number of context words: the true gradient of the mean; with --cbow-sum, "
             "gensim's cbow_mean=0).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    checkpoint_dir: Annotated[Path | None, typer.Option(
        help="Save checkpoints in this folder (every 10 minutes unless --checkpoint-every); "
             "resume with --resume.")] = None,
    checkpoint_every: Annotated[float | None, typer.Option(
        help="Minutes between checkpoints (0: after every chunk of ~50,000 words).")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Resume from the checkpoint in this folder (same corpus and options, except "
             "--epochs, which may grow; options not given are taken from the "
             "checkpoint).")] = None,
    max_memory: Annotated[float | None, typer.Option(
        help="MB the corpus's id array may take in memory (4 bytes a word); a larger corpus "
             "is memory-mapped from a temporary file.")] = None,
    ns_exponent: Annotated[float | None, typer.Option(
        help="Exponent of the noise distribution, count ** x (default 0.75, 0.5 with "
             "--subwords as fastText; 0 uniform, "
             "negative favours rare words).")] = None,
    max_vocab_size: Annotated[int | None, typer.Option(
        help="Prune rare words while counting whenever the table passes this size "
             "(word2vec.c's ReduceVocab; default: never).")] = None,
    max_final_vocab: Annotated[int | None, typer.Option(
        help="Keep at most this many of the most frequent words (default: all those "
             "reaching --min-count).")] = None,
    init_from: Annotated[Path | None, typer.Option(
        help="Train further the model saved in this folder (--save-model), or a fastText "
             ".bin: new words of CORPUS join its vocabulary; its options are kept except "
             "those given; --epochs starts a new learning-rate schedule.")] = None,
    save_model: Annotated[Path | None, typer.Option(
        help="Also save the whole model (both weight tables, vocabulary with counts, "
             "options, schedule) to this folder, to train it further with --init-from.")] = None,
    hs: Annotated[bool | None, typer.Option(
        "--hs/--no-hs",
        help="Hierarchical softmax over word2vec.c's Huffman tree (word2vec.c -hs 1, gensim "
             "hs=1); with --negative 0 it is the only loss, otherwise both train.")] = None,
    cbow_mean: Annotated[bool | None, typer.Option(
        "--cbow-mean/--cbow-sum",
        help="CBOW's hidden vector: the mean of the context vectors (default) or their sum "
             "(gensim's cbow_mean=0 is --cbow-sum --cbow-gradient mean).")] = None,
    shrink_windows: Annotated[bool | None, typer.Option(
        "--shrink-windows/--fixed-window",
        help="Each center draws its window in 1..--window (default, word2vec.c) or uses the "
             "whole window (gensim shrink_windows=False).")] = None,
    sorted_vocab: Annotated[bool | None, typer.Option(
        "--sorted-vocab/--unsorted-vocab",
        help="Word ids by descending count, ties as gensim (default), or by first "
             "occurrence (gensim sorted_vocab=0).")] = None,
    trim_rule: Annotated[str | None, typer.Option(
        help="gensim's trim_rule as MODULE:FUNCTION (imported from the current folder or the "
             "Python path): FUNCTION(word, count, min_count) returns RULE_KEEP (2), "
             "RULE_DISCARD (1) or RULE_DEFAULT (0) for each counted word.")] = None,
    phrases: Annotated[int | None, typer.Option(
        help="First join phrases in N passes, as 'w2v phrases --passes N' (word2phrase's "
             "rule, threshold 100, min count 5), and train on the result.")] = None,
    distributed: Annotated[bool, typer.Option(
        "--distributed",
        help="Data-parallel training under torchrun (torchrun --nproc-per-node P -m w2v "
             "train ... --distributed): each rank trains its share of the corpus, rank 0 "
             "writes the vectors and checkpoints.")] = False,
    sync: Annotated[str | None, typer.Option(
        help="With --distributed: 'split' (the rows changed since the last sync, their "
             "changes summed, at most twice their mean for frequent words; default), "
             "'deltas' (capped for every row), 'average' (the whole tables averaged), "
             "'delta-sum', 'delta-mean', 'delta-norm' or 'momentum'.")] = None,
    sync_every: Annotated[int | None, typer.Option(
        help="With --distributed: corpus words, all ranks together, between syncs "
             "(default 50,000; raise it for many ranks on a slow network).")] = None,
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
             "shared_negatives": shared_negatives, "ns_exponent": ns_exponent,
             "max_vocab_size": max_vocab_size, "max_final_vocab": max_final_vocab,
             "hs": hs, "cbow_mean": cbow_mean, "shrink_windows": shrink_windows,
             "sorted_vocab": sorted_vocab,
             "subwords": subwords, "min_n": min_n, "max_n": max_n, "bucket": bucket,
             "cbow_gradient": cbow_gradient}
    options = {name: value for name, value in given.items() if value is not None}
    if fmt is None:
        continued = _continues_subwords(resume, init_from)
        fmt = _default_format(output, bool(subwords) or continued)
    Float(0.0, open_low=True, optional=True).check("max_memory", max_memory)  # in MB here
    max_bytes = None if max_memory is None else max_memory * 2**20
    if trim_rule is not None:
        from w2v.vocab import load_trim_rule

        options["trim_rule"] = load_trim_rule(trim_rule)
    ranks = _distributed_options(distributed, sync, sync_every)
    root = not distributed or os.environ.get("RANK", "0") == "0"
    quiet = quiet or not root  # one progress bar: rank 0's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with _phrased(corpus, phrases, output, fmt, checkpoint_dir, resume) as source, \
                    TrainingProgress(disable=quiet) as progress:
                model = train_to_path(source, output, format=fmt, checkpoint_dir=checkpoint_dir,
                                      checkpoint_every=checkpoint_every, resume=resume,
                                      callbacks=[progress], max_memory=max_bytes,
                                      init_from=init_from, save_model=save_model,
                                      distributed=ranks, **options)
        except TrainingInterrupted as stop:
            _print_warnings(caught)
            if root:
                print(_interrupted_message(stop, corpus, output, fmt, distributed,
                                           phrased=phrases is not None), file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
        except Interrupted as stop:  # during a save, which finished first
            _print_warnings(caught)
            print(f"w2v: {stop}", file=sys.stderr)
            raise typer.Exit(128 + stop.signum) from None
    _print_warnings(caught)
    if root:
        print(summary_line(model, str(output), fmt))
        if save_model is not None:
            print(f"Saved the model to {save_model} (train it further with --init-from "
                  f"{save_model})")


def _phrased(corpus: Path, passes: int | None, output: Path, fmt: str,
             checkpoint_dir: Path | None, resume: Path | None):
    """The corpus to train on: ``corpus``, or a temporary copy with its phrases joined."""
    if passes is None:
        return contextlib.nullcontext(corpus)
    from w2v.errors import ConfigError
    from w2v.job import check_outputs
    from w2v.phrases.job import phrased_corpus
    from w2v.validation import Int

    Int(1, 100).check("phrases", passes)
    if resume is not None or checkpoint_dir is not None:
        raise ConfigError("The {phrases} option trains on a temporary corpus, which a "
                          "checkpoint cannot resume from: run 'w2v phrases' first and train "
                          "on its output to use the {checkpoint_dir} or {resume}.")
    check_outputs(corpus, output, fmt, None)  # before the phrase passes, not after
    return _phrased_path(phrased_corpus(corpus, passes))


@contextlib.contextmanager
def _phrased_path(phrased):
    """Yield the phrased corpus's path, after one line on stderr about the phrases."""
    with phrased as (path, learnt):
        print(f"phrases: {len(learnt):,} joined in {len(learnt.layers)} pass(es)",
              file=sys.stderr)
        yield path


def _continues_subwords(resume: Path | None, init_from: Path | None) -> bool:
    """Whether the run goes on with a subword model: a checkpoint of a subword run
    (``resume``), or a saved subword model or fastText .bin (``init_from``).

    What cannot be read answers False; the run itself then says why.
    """
    from w2v.errors import W2VError

    try:
        if resume is not None:
            from w2v.checkpoint import read_header

            return bool(read_header(resume).get("config", {}).get("subwords"))
        if init_from is not None:
            from w2v.fasttext_model import is_fasttext_file
            from w2v.model_file import read_header as read_model_header

            return is_fasttext_file(init_from) or bool(
                read_model_header(init_from)["config"].get("subwords"))
    except W2VError:
        return False
    return False


def _default_format(output: Path, subwords: bool) -> str:
    """text, or for a subword model written to a .bin, fastText's model format."""
    return "fasttext" if subwords and output.suffix.lower() == ".bin" else "text"


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
                         distributed: bool = False, phrased: bool = False) -> str:
    """One line: what was saved where, and the command that resumes.

    A ``--phrases`` run trained a temporary corpus, gone now: its checkpoint cannot be
    resumed, so the line says how to train resumably instead.
    """
    import signal

    if phrased:
        return (f"w2v: interrupted by {signal.Signals(stop.signum).name} in epoch {stop.epoch}: "
                f"vectors so far saved to '{stop.saved_to}'. A --phrases run trains on a "
                f"temporary corpus and cannot be resumed: run 'w2v phrases {corpus} -o "
                f"PHRASED.txt' first and train on PHRASED.txt with --checkpoint-dir.")

    again = f"w2v train {corpus} -o {output} --resume {stop.folder}"
    if fmt != "text":
        again += f" --format {fmt}"
    if distributed:  # any number of ranks
        again = f"torchrun --nproc-per-node P -m {again} --distributed"
    return (f"w2v: interrupted by {signal.Signals(stop.signum).name} in epoch {stop.epoch}: "
            f"vectors so far saved to '{stop.saved_to}', checkpoint in '{stop.folder}'. "
            f"Resume with: {again}")
