"""The ``w2v`` command line: thin Typer wrappers over the library.

This is the only module that exits: a :class:`~w2v.errors.W2VError` becomes one line on
stderr and exit status 1 (2 for bad options, as Click does); anything else is a bug and
keeps its traceback. Heavy modules are imported inside the commands so that
``w2v --help`` stays fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
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


# Options shared by the commands that read a vectors file.
FormatOption = Annotated[str | None, typer.Option(
    "--format", help="'text', 'binary' or 'native' (default: detected).")]
NoHeaderOption = Annotated[bool, typer.Option(
    "--no-header", help="Text file without the 'V D' line (GloVe).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, not a table.")]
VectorsArgument = Annotated[Path, typer.Argument(help="Vectors file or native folder.")]
RestrictVocabOption = Annotated[int | None, typer.Option(
    help="Search only the N most frequent words.")]


class UnicodeErrors(StrEnum):
    """Values of --unicode-errors (those of ``bytes.decode``)."""

    strict = "strict"
    replace = "replace"
    ignore = "ignore"


UnicodeErrorsOption = Annotated[UnicodeErrors, typer.Option(
    "--unicode-errors", help="Words that are not valid UTF-8: 'strict' (an error), 'replace' "
                             "(by U+FFFD) or 'ignore' (drop the bad bytes).")]


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


# --- training ---------------------------------------------------------------------------

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


# --- using vectors ----------------------------------------------------------------------

@app.command(name="eval")
def eval_(
    vectors: Annotated[Path, typer.Argument(help="Vectors file (word2vec text/binary) or native "
                                                 "folder.")],
    analogies: Annotated[str | None, typer.Option(
        help="Analogy file (': section' lines, then 'a b c d'), or a bundled set: 'google', "
             "'google-phrases'.")] = None,
    similarity: Annotated[list[str] | None, typer.Option(
        help="Word-pair file ('w1 w2 score') or bundled set (WS-353, WS-353-SIM, WS-353-REL, "
             "SimLex-999, RG-65, MC-30, MTurk-287, YP-130, VERB-143); repeat for several. "
             "Without --analogies and --similarity: the Google set and every bundled "
             "pair set.")] = None,
    restrict_vocab: Annotated[int, typer.Option(
        help="Analogies use only the N most frequent words.")] = 30000,
    method: Annotated[str, typer.Option(help="Analogy method: 3cosadd or 3cosmul.")] = "3cosadd",
    case_sensitive: Annotated[bool, typer.Option(
        "--case-sensitive", help="Compare words as written (default: ignore case).")] = False,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Evaluate vectors on analogy and word-similarity sets (scores as gensim computes them)."""
    from rich.console import Console
    from rich.table import Table

    from w2v import evaluate

    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    everything = analogies is None and not similarity
    analogy_result = None
    if analogies is not None or everything:
        analogy_result = evaluate.analogy(loaded, analogies, restrict_vocab, not case_sensitive,
                                          method)
    pair_results = (evaluate.similarity_all(loaded, not case_sensitive) if everything else
                    {name: evaluate.similarity(loaded, name, not case_sensitive)
                     for name in similarity or []})
    _warn_non_finite(loaded, vectors)
    if json_out:
        print(_json({"analogy": analogy_result.to_dict() if analogy_result else None,
                     "similarity": {k: r.to_dict() for k, r in pair_results.items()}}))
        return
    table = Table(title=f"{vectors.name}: {len(loaded):,} words x {loaded.vector_size} dims, "
                        f"analogies by {method}")
    for column, justify in (("set", "left"), ("metric", "left"), ("score", "right"),
                            ("coverage", "right")):
        table.add_column(column, justify=justify)
    if analogy_result is not None:
        name = Path(analogy_result.path).stem
        for label, part in (("all", analogy_result.overall), ("semantic", analogy_result.semantic),
                            ("syntactic", analogy_result.syntactic)):
            asked = part.total + part.skipped
            if asked:
                table.add_row(f"{name} ({label})", "accuracy", f"{part.accuracy:.4f}",
                              f"{part.total:,}/{asked:,} ({part.total / asked:.0%})")
    for name, result in pair_results.items():
        asked = result.pairs + result.oov
        table.add_row(Path(name).name, "Spearman", f"{result.spearman:.4f}",
                      f"{result.pairs}/{asked} ({result.pairs / asked:.0%})")
    Console().print(table)


@app.command()
def similar(
    vectors: VectorsArgument,
    word: Annotated[str, typer.Argument(help="The word to find neighbours of.")],
    n: Annotated[int, typer.Option("-n", "--topn", min=1, help="Number of neighbours.")] = 10,
    restrict_vocab: RestrictVocabOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Nearest neighbours of a word by cosine similarity."""
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    neighbours = loaded.most_similar(word, topn=n, restrict_vocab=restrict_vocab)
    _warn_non_finite(loaded, vectors)
    _print_ranked(neighbours, f"nearest to {word!r}", "cosine", json_out)


@app.command()
def analogy(
    vectors: VectorsArgument,
    a: Annotated[str, typer.Argument(help="A, e.g. 'man'.")],
    b: Annotated[str, typer.Argument(help="B, e.g. 'king'.")],
    c: Annotated[str, typer.Argument(help="C, e.g. 'woman'.")],
    n: Annotated[int, typer.Option("-n", "--topn", min=1, help="Number of answers.")] = 5,
    method: Annotated[str, typer.Option(help="'3cosadd' (b - a + c) or '3cosmul'.")] = "3cosadd",
    restrict_vocab: RestrictVocabOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Solve A is to B as C is to ? (answers exclude A, B and C)."""
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    answers = loaded.analogy(a, b, c, method=method, topn=n, restrict_vocab=restrict_vocab)
    _warn_non_finite(loaded, vectors)
    _print_ranked(answers, f"{a} : {b} :: {c} : ?", "score", json_out)


def _print_ranked(ranked: list[tuple[str, float]], title: str, score_name: str,
                  json_out: bool) -> None:
    """Print (word, score) pairs as JSON or as a numbered rich table."""
    if json_out:
        print(_json([{"word": w, "score": x} for w, x in ranked], indent=None))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column, justify in (("#", "right"), ("word", "left"), (score_name, "right")):
        table.add_column(column, justify=justify)
    for rank, (word, score) in enumerate(ranked, start=1):
        table.add_row(str(rank), word, f"{score:.4f}")
    Console().print(table)


@app.command()
def plot(
    vectors: VectorsArgument,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Image to write; the suffix names the format: .png, .pdf, .svg, "
                               ".jpg, .tif, .webp.")],
    words: Annotated[list[str] | None, typer.Option(
        help="Words to plot (repeat, or separate by commas). Alone: the assignment's SVD "
             "figure of these words. With --pca/--tsne: the words labelled on the map.")] = None,
    pca: Annotated[int | None, typer.Option(
        help="Map the N most frequent words by PCA (default 1000 when --words is not given).")]
    = None,
    tsne: Annotated[int | None, typer.Option(
        help="Map the N most frequent words by exact t-SNE (O(N^2): keep N to a few "
             "thousand; 1000 words take ~10 s).")] = None,
    labels: Annotated[int, typer.Option(
        help="Without --words, label this many of the most frequent words.")] = 40,
    projector: Annotated[Path | None, typer.Option(
        help="Also write vectors.tsv and metadata.tsv for projector.tensorflow.org into this "
             "folder, created if missing (10,000 most frequent words).")] = None,
    seed_value: Annotated[int, typer.Option("--seed", help="t-SNE random seed.")] = 0,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Plot words in 2-D: the assignment's SVD figure, or a PCA / t-SNE map of the vocabulary."""
    from w2v.atomic import check_not_an_input
    from w2v.formats import check_input
    from w2v.formats.projector import (
        METADATA_FILE,
        VECTORS_FILE,
        check_projector_folder,
        export_projector,
    )
    from w2v.plot import check_figure_output, plot_vocabulary_map, plot_word_vectors_2d

    # Every output is checked before any is written: a failure leaves no partial result.
    check_input(vectors)
    tsv_files = [projector / VECTORS_FILE, projector / METADATA_FILE] if projector else []
    for path, what in ((output, "figure"), *((tsv, "projector file") for tsv in tsv_files)):
        check_not_an_input(path, what, {"vectors file": vectors})  # the plainest mistake
    check_figure_output(output)
    if projector is not None:
        check_projector_folder(projector)
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    chosen = [w for item in words or [] for w in item.split(",") if w]
    if tsne is not None:
        plot_vocabulary_map(loaded, output, method="tsne", top_n=tsne, words=chosen,
                            labels=labels, seed=seed_value)
    elif pca is not None or not chosen:
        plot_vocabulary_map(loaded, output, method="pca", top_n=pca or 1000, words=chosen,
                            labels=labels)
    else:
        plot_word_vectors_2d(loaded, chosen, output, title=f"{vectors.name}: SVD of "
                                                           f"{len(chosen)} words")
    print(f"wrote {output}")
    if projector is not None:
        vectors_tsv, metadata_tsv = export_projector(loaded, projector)
        print(f"wrote {vectors_tsv} and {metadata_tsv} (load both at projector.tensorflow.org)")
    _warn_non_finite(loaded, vectors)


@app.command()
def info(
    vectors: VectorsArgument,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Vocabulary size, dimension, format and norms of a vectors file."""
    from w2v.formats import describe_vectors

    facts = describe_vectors(vectors, format=fmt, header=not no_header,
                             unicode_errors=unicode_errors.value)
    if json_out:
        print(_json(facts))
        return
    packed = f", {facts['compression']}-compressed" if facts["compression"] else ""
    print(f"{facts['path']}: {facts['format']} format{packed}, {facts['bytes']:,} bytes")
    print(f"  words: {facts['words']:,}   dim: {facts['dim']}")
    if facts["norm_min"] is not None:
        print(f"  norms: min {facts['norm_min']:.4g}  mean {facts['norm_mean']:.4g}  "
              f"median {facts['norm_median']:.4g}  max {facts['norm_max']:.4g}")
    print(f"  zero vectors: {facts['zero_vectors']}   rows with NaN/inf: {facts['non_finite']}")
    print(f"  first words: {' '.join(facts['first_words'])}")


def _load_vectors(path: Path, fmt: str | None, no_header: bool,
                  unicode_errors: UnicodeErrors):
    """Load the vectors of a command from its shared options."""
    from w2v.vectors import Vectors

    return Vectors.load(path, format=fmt, header=not no_header,
                        unicode_errors=unicode_errors.value)


def _warn_non_finite(loaded, path: Path) -> None:
    """One warning line, after a command's result, if some rows hold NaN or inf.

    After, not before: a command that then fails prints its one error line only.
    """
    bad = len(loaded) - int(loaded.finite_rows.sum())
    if bad:
        print(f"w2v: warning: {bad:,} of {len(loaded):,} rows of '{path}' hold NaN or inf; "
              f"queries, scores and maps leave them out.", file=sys.stderr)


def _json(value: object, indent: int | None = 2) -> str:
    """``value`` as strict JSON: NaN and infinities (not JSON) become null."""
    import json
    import math

    def finite(item: object) -> object:
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {key: finite(inner) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [finite(inner) for inner in item]
        return item

    return json.dumps(finite(value), indent=indent, ensure_ascii=False, allow_nan=False)


def main() -> None:
    """Entry point of the ``w2v`` console script."""
    usage_error, no_args_error = _click_usage_errors()
    try:
        status = app(standalone_mode=False)
    except W2VError as exc:
        _fail(exc.render(option_flag), 1)
    except no_args_error as exc:
        exc.show()  # `w2v` alone, or a group without its command: print the help
        sys.exit(exc.exit_code)
    except usage_error as exc:
        # A mistyped option or a bad value: one line, as for every other user error,
        # instead of Click's multi-line usage box.
        command = exc.ctx.command_path if exc.ctx is not None else "w2v"
        _fail(f"{exc.format_message()} (see '{command} --help')", exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted", 130)
    sys.exit(status if isinstance(status, int) else 0)


def _click_usage_errors() -> tuple[type[Exception], type[Exception]]:
    # Recent Typer releases vendor Click as typer._click; older ones depend on click.
    try:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:  # pragma: no cover - depends on the installed Typer
        from click.exceptions import NoArgsIsHelpError, UsageError
    return UsageError, NoArgsIsHelpError


# Library parameters that the command line spells differently from --name-with-dashes.
_FLAGS = {"vector_size": "--dim", "sg": "--sg/--cbow", "topn": "-n/--topn",
          "max_memory": "--max-memory (MB)", "checkpoint_every": "--checkpoint-every (minutes)",
          "shared_negatives": "--shared-negatives/--per-pair-negatives", "random_seed": "--seed",
          "top_n": "--pca/--tsne"}


def option_flag(name: str) -> str:
    """How the command line names a library parameter in messages: ``'--min-count' option``."""
    return f"'{_FLAGS.get(name, '--' + name.replace('_', '-'))}' option"


def _fail(message: str, status: int) -> None:
    print(f"w2v: error: {message}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
