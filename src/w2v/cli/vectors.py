"""The commands that read vectors: eval, similar, query, analogy, index, plot, info."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from w2v.cli.app import (
    ApproxOption,
    FormatOption,
    JsonOption,
    NoHeaderOption,
    RestrictVocabOption,
    UnicodeErrors,
    UnicodeErrorsOption,
    VectorsArgument,
    app,
)


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
             "pair set, and the phrase analogies when the vectors hold phrases "
             "('new_york').")] = None,
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
    # vectors trained on phrases ("new_york") are scored on the phrase analogies too
    phrase_result = None
    if everything and evaluate.contains_phrases(loaded, restrict_vocab):
        phrase_result = evaluate.analogy(loaded, "google-phrases", restrict_vocab,
                                         not case_sensitive, method)
    pair_results = (evaluate.similarity_all(loaded, not case_sensitive) if everything else
                    {name: evaluate.similarity(loaded, name, not case_sensitive)
                     for name in similarity or []})
    _warn_non_finite(loaded, vectors)
    if json_out:
        print(_json({"analogy": analogy_result.to_dict() if analogy_result else None,
                     "phrase_analogy": phrase_result.to_dict() if phrase_result else None,
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
    if phrase_result is not None:
        asked = phrase_result.total + phrase_result.skipped
        table.add_row(Path(phrase_result.path).stem, "accuracy", f"{phrase_result.accuracy:.4f}",
                      f"{phrase_result.total:,}/{asked:,} ({phrase_result.coverage:.0%})")
    for name, result in pair_results.items():
        asked = result.pairs + result.oov
        table.add_row(Path(name).name, "Spearman", f"{result.spearman:.4f}",
                      f"{result.pairs}/{asked} ({result.pairs / asked:.0%})")
    Console().print(table)


@app.command()
def similar(
    vectors: VectorsArgument,
    words: Annotated[list[str] | None, typer.Argument(
        help="The word, or several words whose unit vectors are summed (as word2vec.c's "
             "distance does). None: an interactive prompt, one query a line.")] = None,
    n: Annotated[int, typer.Option("-n", "--topn", min=1, help="Number of neighbours.")] = 10,
    restrict_vocab: RestrictVocabOption = None,
    approx: ApproxOption = False,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Nearest neighbours of a word (or of several summed) by cosine similarity."""
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    if approx:
        _open_index(loaded, vectors)
    if not words:
        _prompt(loaded, vectors, "similar", json_out, topn=n, restrict_vocab=restrict_vocab,
                approx=approx)
        return
    query = [w for item in words for w in item.split()]
    neighbours = loaded.most_similar(query, topn=n, restrict_vocab=restrict_vocab,
                                     approx=approx)
    _warn_non_finite(loaded, vectors)
    _print_ranked(neighbours, f"nearest to {' + '.join(query)}", "cosine", json_out)


@app.command()
def query(
    vectors: VectorsArgument,
    analogies: Annotated[bool, typer.Option(
        "--analogy", help="Three words a line, 'a b c': a is to b as c is to ? (as "
                          "word2vec.c's word-analogy). Default: words whose neighbours to "
                          "list (as word2vec.c's distance).")] = False,
    n: Annotated[int, typer.Option("-n", "--topn", min=1, help="Number of answers.")] = 10,
    method: Annotated[str, typer.Option(help="With --analogy: '3cosadd' or '3cosmul'.")]
    = "3cosadd",
    restrict_vocab: RestrictVocabOption = None,
    approx: ApproxOption = False,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Interactive queries, one a line from standard input; EXIT or end of input to quit."""
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    if approx and not analogies:
        _open_index(loaded, vectors)
    if analogies:
        _prompt(loaded, vectors, "analogy", json_out, topn=n, restrict_vocab=restrict_vocab,
                method=method)
    else:
        _prompt(loaded, vectors, "similar", json_out, topn=n, restrict_vocab=restrict_vocab,
                approx=approx)


@app.command()
def analogy(
    vectors: VectorsArgument,
    a: Annotated[str | None, typer.Argument(help="A, e.g. 'man' (none of A B C: an "
                                                 "interactive prompt).")] = None,
    b: Annotated[str | None, typer.Argument(help="B, e.g. 'king'.")] = None,
    c: Annotated[str | None, typer.Argument(help="C, e.g. 'woman'.")] = None,
    n: Annotated[int, typer.Option("-n", "--topn", min=1, help="Number of answers.")] = 5,
    method: Annotated[str, typer.Option(help="'3cosadd' (b - a + c) or '3cosmul'.")] = "3cosadd",
    restrict_vocab: RestrictVocabOption = None,
    json_out: JsonOption = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Solve A is to B as C is to ? (answers exclude A, B and C)."""
    from w2v.errors import ConfigError

    given = [w for w in (a, b, c) if w is not None]
    if given and len(given) != 3:
        raise ConfigError("analogy takes three words A B C (or none, for a prompt); got "
                          "{count}.", parameter="a", count=len(given))
    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    if not given:
        _prompt(loaded, vectors, "analogy", json_out, topn=n, restrict_vocab=restrict_vocab,
                method=method)
        return
    answers = loaded.analogy(a, b, c, method=method, topn=n, restrict_vocab=restrict_vocab)
    _warn_non_finite(loaded, vectors)
    _print_ranked(answers, f"{a} : {b} :: {c} : ?", "score", json_out)


class AnnMethod(StrEnum):
    """Values of ``w2v index --method`` (see :mod:`w2v.ann`)."""

    pq = "pq"
    hnsw = "hnsw"


@app.command()
def index(
    vectors: VectorsArgument,
    method: Annotated[AnnMethod, typer.Option(
        help="pq: a product-quantised scan, built in seconds (its settings measured on probe "
             "words); hnsw: a graph, the fastest queries on trained vectors, a slower "
             "build.")] = AnnMethod.pq,
    threads: Annotated[int | None, typer.Option(
        min=1, help="Threads for the build (default: every core).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    fmt: FormatOption = None,
    no_header: NoHeaderOption = False,
    unicode_errors: UnicodeErrorsOption = UnicodeErrors.strict,
) -> None:
    """Build the approximate index of a vectors file now and save it beside it (PATH.ann).

    Later --approx queries of the file load it instead of building one; building again
    replaces it. Needs the 'ann' extra (faiss).
    """
    from w2v.ann import AnnIndex, index_path

    loaded = _load_vectors(vectors, fmt, no_header, unicode_errors)
    started = time.perf_counter()
    built = AnnIndex.build(loaded, method=method.value, threads=threads)
    seconds = time.perf_counter() - started
    saved = index_path(vectors)
    built.save(saved, vectors)
    size = saved.stat().st_size
    settings = {k: built.header[k] for k in ("codes", "rerank", "m", "ef_construction",
                                             "ef_search", "probe") if k in built.header}
    if json_out:
        print(_json({"index": str(saved), "method": built.method, "words": len(loaded),
                     "dim": loaded.vector_size, "build_s": round(seconds, 3),
                     "bytes": size, **settings}))
        return
    labels = {"codes": "{:,} 4-bit codes a word", "rerank": "{:,} candidates re-scored",
              "m": "M {}", "ef_construction": "efConstruction {}", "ef_search": "efSearch {}"}
    shown = ", ".join(labels[k].format(v) for k, v in settings.items() if k in labels)
    probe = settings.get("probe")
    measured = f", recall@10 {probe['recall_at_10']:.3f} on {probe['words']} probe words" \
        if probe else ""
    print(f"{saved}: {built.method} index of {len(loaded):,} words x {loaded.vector_size} "
          f"({shown}{measured}), built in {seconds:.1f} s, {size:,} bytes")


def _open_index(loaded, path: Path) -> None:
    """Load the approximate index from beside ``path``, or build it (saying so: seconds for
    pq, longer for hnsw)."""
    from w2v.ann import index_path

    saved = index_path(path)
    if not saved.is_file():
        print(f"w2v: building the approximate index of {len(loaded):,} words (once; saved as "
              f"{saved})", file=sys.stderr, flush=True)
    loaded.ann_index()


def _prompt(loaded, path: Path, mode: str, json_out: bool, **options) -> None:
    """The interactive session: a prompt on a terminal, one answer (table or JSON) a line."""
    from w2v.prompt import PROMPTS, answers

    interactive = sys.stdin.isatty()
    if interactive:
        print(f"{path}: {len(loaded):,} words x {loaded.vector_size} dims", file=sys.stderr)
    _warn_non_finite(loaded, path)
    title, score = ("{} : {} :: {} : ?", "score") if mode == "analogy" else (None, "cosine")
    for reply in answers(loaded, _input_lines(PROMPTS[mode] if interactive else None), mode,
                         **options):
        if json_out:
            print(_json(reply.to_dict(), indent=None), flush=True)
        elif reply.error is not None:
            print(f"w2v: {reply.error}", file=sys.stderr, flush=True)
        else:
            heading = title.format(*reply.query) if title else \
                f"nearest to {' + '.join(reply.query)}"
            _print_ranked(reply.results, heading, score, False)


def _input_lines(prompt: str | None):
    """Lines of standard input, each after ``prompt`` when there is one (a terminal)."""
    while True:
        try:
            line = input(prompt) if prompt is not None else sys.stdin.readline()
        except EOFError:
            return
        if prompt is None and not line:
            return
        yield line


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
