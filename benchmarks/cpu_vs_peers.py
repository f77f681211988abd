"""w2v's CPU engine against gensim and fastText, same tokens, same settings, same run.

    python benchmarks/cpu_vs_peers.py [--corpus PATH] [--rounds 3] [--archs sg,cbow]

Settings (issue 4): dim 100, window 5, negative 5, sample 1e-4, min_count 5, 5 epochs,
2 workers; alpha 0.025 (skip-gram) / 0.05 (CBOW) for every tool. Every tool reads the
corpus's tokens re-written as 10,000-token lines (gensim's ``corpus_file`` silently trains
only the first 10,000 tokens of a line). Tools run in alternating order, one child process
each, for ``--rounds`` rounds: a neighbour's cache use changes timings by up to 1.7x within
minutes, so only paired, alternated runs are compared and the spread is reported.

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
    run_trainer,
    spread,
    write_lines_corpus,
)

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-4, "min_count": 5,
            "epochs": 5, "workers": 2, "seed": 1}
# w2v variants: the default (negatives shared by a center's contexts) and word2vec.c's
# per-pair negatives, to measure the cost or gain of sharing.
VARIANTS = {"w2v": {}, "w2v-perpair": {"shared_negatives": False}}


def _params(tool: str, sg: bool, corpus: str, out: str) -> dict[str, Any]:
    base = tool.split("-")[0]
    params = {**SETTINGS, "tool": base, "sg": sg, "corpus": corpus, "out": out,
              "alpha": 0.025 if sg else 0.05}
    if base == "w2v":
        params["extra"] = VARIANTS[tool]
    return params


def run_arch(sg: bool, tools: list[str], rounds: int, corpus: str, words: int,
             workdir: Path) -> list[dict[str, Any]]:
    """All rounds of one architecture; returns one record per (round, tool)."""
    records = []
    for r in range(rounds):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        for tool in order:
            out = str(workdir / f"{tool}-{'sg' if sg else 'cbow'}-{r}.txt")
            result = run_trainer(_params(tool, sg, corpus, out))
            result.update(evaluate_vectors(out), tool=tool, round=r,
                          words_per_s=words * SETTINGS["epochs"] / result["wall_s"])
            Path(out).unlink()
            records.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    return records


def table(records: list[dict[str, Any]], tools: list[str]) -> str:
    """Markdown table: spreads over rounds, and speed ratios paired by round."""
    by = {t: [r for r in records if r["tool"] == t] for t in tools}
    lines = ["| tool | wall s | words/s | vs gensim | vs fastText | peak RSS MB | analogy "
             "| WS-353 | SimLex |", "|---|---|---|---|---|---|---|---|---|"]
    for tool in tools:
        runs = by[tool]

        def ratio(peer: str, runs: list[dict[str, Any]] = runs) -> str:
            if peer not in by or not by[peer]:
                return "–"
            paired = [p["wall_s"] / r["wall_s"] for r, p in zip(runs, by[peer], strict=True)]
            return spread(paired) + "x"

        lines.append(
            f"| {tool} | {spread([r['wall_s'] for r in runs])} "
            f"| {spread([r['words_per_s'] for r in runs])} | {ratio('gensim')} "
            f"| {ratio('fasttext')} | {spread([r['peak_rss_mb'] for r in runs])} "
            f"| {spread([r['analogy'] for r in runs])} | {spread([r['ws353'] for r in runs])} "
            f"| {spread([r['simlex'] for r in runs])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--archs", default="sg,cbow")
    parser.add_argument("--tools", default="w2v,w2v-perpair,gensim,fasttext")
    parser.add_argument("--json", help="Also write every run's record to this file.")
    args = parser.parse_args()
    tools = args.tools.split(",")
    with tempfile.TemporaryDirectory(prefix="w2v-bench-") as tmp:
        workdir = Path(tmp)
        lines = workdir / "corpus_lines.txt"
        words = write_lines_corpus(args.corpus, lines)
        # Compile (and cache on disk) the numba kernels once, untimed: a one-time cost.
        warm = workdir / "warm.txt"
        warm.write_text("a b c d e f g h\n" * 50)
        for sg in (True, False):
            run_trainer({**_params("w2v", sg, str(warm), str(workdir / "warm.vec")),
                         "min_count": 1, "epochs": 1})
        report = [f"Corpus: {args.corpus} ({words:,} words); {args.rounds} rounds; "
                  f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {machine()}",
                  f"Settings: {SETTINGS}", ""]
        all_records = []
        for arch in args.archs.split(","):
            # CBOW draws one set of negatives per center in every variant: nothing to compare.
            arch_tools = [t for t in tools if arch == "sg" or t != "w2v-perpair"]
            records = run_arch(arch == "sg", arch_tools, args.rounds, str(lines), words,
                               workdir)
            all_records += [{**r, "arch": arch} for r in records]
            report += [f"### {'skip-gram' if arch == 'sg' else 'CBOW'}", "",
                       table(records, arch_tools), ""]
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
