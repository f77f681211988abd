"""w2v's CPU engine against gensim and fastText, same tokens, same settings, same run.

    python benchmarks/cpu_vs_peers.py [--corpus PATH] [--seeds 1,2,3,4,5 | --rounds N]
                                      [--archs sg,cbow] [--tools w2v,w2v-perpair,gensim,fasttext]
                                      [--equal-alpha] [--cold-start] [--hs]

Settings: dim 100, window 5, negative 5, sample 1e-4, min_count 5, 5 epochs,
2 workers. The learning rate is each tool's own default (w2v 0.035 skip-gram / 0.06 CBOW,
gensim 0.025 for both, fastText 0.05), or with ``--equal-alpha`` word2vec.c's 0.025 / 0.05
for every tool. ``--hs``: hierarchical softmax instead of negative sampling (negative 0;
gensim hs=1, fastText -loss hs), the tools w2v and gensim by default. Every tool reads the
corpus's tokens re-written as 10,000-token lines (gensim's ``corpus_file`` silently trains
only the first 10,000 tokens of a line).

Tool names: a :data:`VARIANTS` key, or a trainer followed by options, ``w2v+init=word2vec``,
``gensim+alpha=0.05``; a name ending ``@sg`` or ``@cbow`` runs for that architecture only.
``--cold-start`` adds a round of ``benchmarks/cold_start.py`` (a cold and a warm ``w2v
train`` on a small generated corpus, after ``pip install`` of the built wheel and from the
sources on an empty numba cache) to the report.

Rounds and seeds: round r uses seed ``seeds[r]`` for every tool (``--rounds N`` means seeds
1..N), so the quality columns show each tool's seed-to-seed spread, not only thread noise.
Quality cells are the mean [min–max] over the seeds, and a second table gives each tool's
difference from gensim's mean with its standard error. Tools run in alternating order, one
child process each: a neighbour's cache use changes timings by up to 1.7x within minutes,
so speed ratios are paired by round (same seed, adjacent in time) and reported as median
[min–max]. ``--tools w2v,gensim`` is a quality run without fastText and the per-pair variant;
:data:`VARIANTS` lists the other tool names (w2v with gensim's initial range, gensim with
word2vec.c's initial range and/or its nominal learning-rate schedule).

words/s = corpus words x epochs / wall seconds of the training call (vocabulary scan
included). Quality: one evaluator (``w2v.evaluate``) on every tool's vectors.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 - after the path tweak
    DEFAULT_CORPUS,
    evaluate_vectors,
    machine,
    mean_difference,
    mean_range,
    run_trainer,
    spread,
    write_lines_corpus,
)

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-4, "min_count": 5,
            "epochs": 5, "workers": 2}
METRICS = (("analogy", "analogy"), ("ws353", "WS-353"), ("simlex", "SimLex"))
# w2v variants: the default (negatives shared by a center's contexts, word2vec.c's init),
# word2vec.c's per-pair negatives, to measure the cost or gain of sharing, and gensim 4's
# twice wider initial input vectors (not in the default --tools).
VARIANTS = {"w2v": {}, "w2v-perpair": {"shared_negatives": False},
            # word2vec.c's model: its initial range and learning rates (w2v's defaults before
            # they were chosen by measurement).
            "w2v-word2vec.c": {"init": "word2vec", "alpha": {"sg": 0.025, "cbow": 0.05}},
            "w2v-gensim-init": {"init": "gensim"},
            # gensim with word2vec.c's semantics, one departure at a time: its nominal
            # learning-rate schedule (1 worker), word2vec.c's initial range, or both.
            "gensim-1w": {"workers": 1}, "gensim-c-init": {"init_scale": 0.5},
            "gensim-1w-c-init": {"workers": 1, "init_scale": 0.5}}


# With --equal-alpha every tool gets word2vec.c's rates (0.025 skip-gram, 0.05 CBOW);
# otherwise each tool runs at its own default (gensim: 0.025 for both).
EQUAL_ALPHA = {"on": False}


def _value(text: str) -> Any:
    """An option value written in a tool name: a number, true/false, or a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def tool_options(tool: str) -> tuple[str, dict[str, Any]]:
    """(trainer, extra options) of a tool name: a :data:`VARIANTS` key, or a trainer with
    options after '+', e.g. ``w2v+init=gensim+alpha=0.03`` or ``gensim+workers=1``."""
    if "+" in tool:
        base, *pairs = tool.split("+")
        extra = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            extra[key] = _value(value)
        return base.split("-")[0], extra
    return tool.split("-")[0], dict(VARIANTS.get(tool, {}))


def _params(tool: str, sg: bool, corpus: str, out: str, seed: int) -> dict[str, Any]:
    base, extra = tool_options(tool)
    params = {**SETTINGS, "tool": base, "sg": sg, "corpus": corpus, "out": out, "seed": seed}
    if EQUAL_ALPHA["on"]:
        params["alpha"] = 0.025 if sg else 0.05
    if "alpha" in extra:
        alpha = extra.pop("alpha")
        params["alpha"] = alpha["sg" if sg else "cbow"] if isinstance(alpha, dict) else alpha
    params["extra"] = extra
    if SETTINGS["negative"] == 0:  # --hs
        params["hs"] = True
    return params


def run_arch(sg: bool, tools: list[str], seeds: list[int], corpus: str, words: int,
             workdir: Path) -> list[dict[str, Any]]:
    """All rounds of one architecture (round r: seed seeds[r], every tool); one record each."""
    records = []
    for r, seed in enumerate(seeds):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        for tool in order:
            out = str(workdir / f"{tool}-{'sg' if sg else 'cbow'}-{r}.txt")
            result = run_trainer(_params(tool, sg, corpus, out, seed))
            result.update(evaluate_vectors(out), tool=tool, round=r, seed=seed,
                          words_per_s=words * SETTINGS["epochs"] / result["wall_s"])
            Path(out).unlink()
            records.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    return records


def table(records: list[dict[str, Any]], tools: list[str]) -> str:
    """Markdown table: speed median [min–max] and ratios paired by round; quality mean [min–max]."""
    by = {t: [r for r in records if r["tool"] == t] for t in tools}
    lines = ["| tool | wall s | words/s | vs gensim | vs gensim, imports included "
             "| vs fastText | peak RSS MB | analogy | WS-353 | SimLex |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for tool in tools:
        runs = by[tool]

        def ratio(peer: str, runs: list[dict[str, Any]] = runs, imports: bool = False) -> str:
            if peer not in by or not by[peer]:
                return "–"

            def span(record: dict[str, Any]) -> float:
                return record["wall_s"] + (record.get("import_s", 0.0) if imports else 0.0)

            paired = [span(p) / span(r) for r, p in zip(runs, by[peer], strict=True)]
            return spread(paired) + "x"

        lines.append(
            f"| {tool} | {spread([r['wall_s'] for r in runs])} "
            f"| {spread([r['words_per_s'] / 1e6 for r in runs])}M | {ratio('gensim')} "
            f"| {ratio('gensim', imports=True)} "
            f"| {ratio('fasttext')} | {spread([r['peak_rss_mb'] for r in runs])} | "
            + " | ".join(mean_range([r[key] for r in runs]) for key, _ in METRICS) + " |")
    return "\n".join(lines)


def difference_table(records: list[dict[str, Any]], tools: list[str],
                     peer: str = "gensim") -> str:
    """Markdown table: each tool's mean minus the peer's mean, in points (x100), +- 1 SE.

    A point is 0.01 of accuracy or of Spearman's rho (the bar: within 1 point of the peer).
    """
    gensim = [r for r in records if r["tool"] == peer]
    if not gensim:
        return ""
    lines = [f"| tool − {peer}, points | " + " | ".join(name for _, name in METRICS) + " |",
             "|---|" + "---|" * len(METRICS)]
    for tool in tools:
        if tool.startswith("gensim"):
            continue
        runs = [r for r in records if r["tool"] == tool]
        cells = []
        for key, _ in METRICS:
            diff, se = mean_difference([r[key] for r in runs], [r[key] for r in gensim])
            cells.append(f"{100 * diff:+.2f} ± {100 * se:.2f}")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cold_start_figure(workdir: Path) -> str:
    """benchmarks/cold_start.py's rounds (50,000 generated tokens) as a line: the first and a
    second ``w2v train`` from the installed wheel (the kernels compiled into it), and from
    the sources on an empty numba cache (what a package without them compiles)."""
    import cold_start

    corpus = workdir / "cold_corpus.txt"
    cold_start.write_corpus(corpus, 50_000)
    wheel, _ = cold_start.build_wheel(workdir, precompile=True)
    parts = []
    for installed in (True, False):
        options = argparse.Namespace(epochs=5, read_only=False, warmup=False,
                                     installed=installed)
        cells = []
        for arch in ("sg", "cbow"):
            package = cold_start.install(wheel, workdir) if installed else cold_start.SRC
            row = cold_start.one_round(arch, corpus, workdir, options, package)
            cells.append(f"{arch} cold {row['cold_wall_s']:.2f} s "
                         f"({row['cold_cpu_s']:.2f} CPU s), warm {row['warm_wall_s']:.2f} s "
                         f"({row['warm_cpu_s']:.2f} CPU s)")
        place = "after `pip install` of the wheel" if installed else \
            "from the sources on an empty numba cache"
        parts.append(f"{place}: " + "; ".join(cells))
    return "Cold start (`w2v train`, 50,000 tokens, then the same again warm), " + \
        ". ".join(parts)


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds:
        return [int(s) for s in args.seeds.split(",")]
    return list(range(1, args.rounds + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=3,
                        help="Rounds with seeds 1..N (ignored when --seeds is given).")
    parser.add_argument("--seeds", help="Comma-separated seeds, one round each, e.g. 1,2,3,4,5.")
    parser.add_argument("--archs", default="sg,cbow")
    parser.add_argument("--tools", default="w2v,w2v-perpair,gensim,fasttext",
                        help="Comma-separated tool names (see the module docstring).")
    parser.add_argument("--json", help="Also write every run's record to this file.")
    parser.add_argument("--cold-start", action="store_true",
                        help="Also time one cold (empty numba cache) and one warm `w2v train` "
                             "per architecture on a small corpus (benchmarks/cold_start.py).")
    parser.add_argument("--equal-alpha", action="store_true",
                        help="Give every tool alpha 0.025 (skip-gram) / 0.05 (CBOW) instead "
                             "of its own default.")
    parser.add_argument("--hs", action="store_true",
                        help="Hierarchical softmax, negative 0 (tools default to w2v,gensim).")
    args = parser.parse_args()
    EQUAL_ALPHA["on"] = args.equal_alpha
    if args.hs:
        SETTINGS["negative"] = 0
        if args.tools == parser.get_default("tools"):
            args.tools = "w2v,gensim"
    tools = args.tools.split(",")
    seeds = _seeds(args)
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        workdir = Path(tmp)
        lines = workdir / "corpus_lines.txt"
        words = write_lines_corpus(args.corpus, lines)
        # Compile (and cache on disk) the numba kernels once, untimed: a one-time cost. One
        # epoch of the real corpus, so that the compiled corpus scan (used from 8 MB of text
        # on; a small corpus is scanned in Python) is compiled too, not in the first round.
        for sg in (True, False):
            run_trainer({**_params("w2v", sg, str(lines), str(workdir / "warm.vec"), 1),
                         "epochs": 1})
        report = [f"Corpus: {args.corpus} ({words:,} words); seeds {seeds}; "
                  f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {machine()}",
                  f"Settings: {SETTINGS}", ""]
        if args.cold_start:
            report += [cold_start_figure(workdir), ""]
        all_records = []
        for arch in args.archs.split(","):
            # CBOW draws one set of negatives per center in every variant: nothing to compare.
            # A name ending "@sg" or "@cbow" runs for that architecture only.
            arch_tools = [t.split("@")[0] for t in tools
                          if (arch == "sg" or t != "w2v-perpair")
                          and ("@" not in t or t.split("@")[1] == arch)]
            records = run_arch(arch == "sg", arch_tools, seeds, str(lines), words, workdir)
            all_records += [{**r, "arch": arch} for r in records]
            report += [f"### {'skip-gram' if arch == 'sg' else 'CBOW'}", "",
                       table(records, arch_tools), ""]
            for peer in (t for t in arch_tools if t.startswith("gensim")):
                report += [difference_table(records, arch_tools, peer), ""]
    if args.json:
        Path(args.json).write_text(json.dumps(all_records, indent=1))
    print("\n".join(report))
    for arch in args.archs.split(","):
        runs = [r for r in all_records if r["arch"] == arch]
        medians = {t: statistics.median(r["words_per_s"] for r in runs if r["tool"] == t)
                   for t in dict.fromkeys(r["tool"] for r in runs)}
        print(f"{arch}: median words/s {json.dumps({k: round(v) for k, v in medians.items()})}")


if __name__ == "__main__":
    main()
