"""w2v's subword model against fastText's CLI and gensim's FastText: same tokens, same run.

    python benchmarks/subwords_vs_fasttext.py [--corpus PATH] [--rounds N]
        [--tools w2v,fasttext,gensim] [--fasttext-bin PATH] [--gensim-rounds N]
        [--first-seed N] [--w2v-options JSON] [--hs]

Settings (every tool): skip-gram, dim 100, window 5, negative 5, sample 1e-4, min_count 5,
minn 3, maxn 6, bucket 2,000,000, 5 epochs, 2 threads, learning rate 0.05 (fastText's
default for skip-gram; w2v's default with subwords, not passed to it, nor are its noise
exponent and initial range, whose subword defaults are fastText's; ``--w2v-options`` passes
others as JSON, e.g. '{"ns_exponent": 0.75}'). ``--hs``: hierarchical softmax instead of
negative sampling (w2v ``hs=True, negative=0``, fastText ``-loss hs``, gensim ``hs=1,
negative=0``). Every tool reads the corpus's tokens
re-written as lines of 10,000 tokens (see ../shared/data/text8/SOURCE.md). The fastText CLI
comes from ``--fasttext-bin`` or ``W2V_FASTTEXT_BIN``; a tool that is missing is skipped.

Rounds alternate the tools (fastText, w2v, and gensim in the first ``--gensim-rounds``
rounds), so that a neighbour's load changes both sides of a ratio alike; the speed ratio
is taken within each round and reported as median [min-max].

words/s = corpus words x epochs / seconds:
- w2v and gensim: wall seconds of the training call in a fresh child process (vocabulary
  scan and n-gram hashing included, compilation excluded: a warm-up run fills numba's cache);
- fastText: the CLI's own training speed, the words/sec/thread of its last progress line
  times the threads (vocabulary scan and saving excluded: in fastText's favour), and, for
  the record, the wall seconds of the whole CLI run (which also writes an 800 MB .bin).

Quality: one evaluator (``w2v.evaluate``) on every tool's in-vocabulary word vectors: the
Google analogy set (syntactic and semantic sections, 30,000 most frequent words),
WS-353 Spearman.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 - after the path tweak
    DEFAULT_CORPUS,
    EVAL_DIR,
    _peak_rss_kib,
    machine,
    spread,
    write_lines_corpus,
)

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-4, "min_count": 5,
            "min_n": 3, "max_n": 6, "bucket": 2_000_000, "epochs": 5, "workers": 2,
            "alpha": 0.05}


def _settings(hs: bool) -> dict[str, Any]:
    """SETTINGS, with hierarchical softmax alone when ``hs``."""
    return {**SETTINGS, "hs": hs, "negative": 0 if hs else SETTINGS["negative"]}


# --- children -----------------------------------------------------------------------------

def _child(params: dict[str, Any]) -> None:
    """Train one tool in this process; print one JSON line (wall_s, peak_rss_mb)."""
    s = params["settings"]
    t0 = time.perf_counter()
    if params["tool"] == "w2v":
        import w2v

        model = w2v.train(params["corpus"], subwords=True, sg=True, vector_size=s["dim"],
                          window=s["window"], negative=s["negative"], hs=s["hs"],
                          sample=s["sample"],
                          min_count=s["min_count"], min_n=s["min_n"], max_n=s["max_n"],
                          bucket=s["bucket"], epochs=s["epochs"], workers=s["workers"],
                          seed=params["seed"], **params["w2v_options"])
        wall = time.perf_counter() - t0
        # w2v's subword default is fastText's lr: the run must use the benchmark's
        if "alpha" not in params["w2v_options"] and model.config.alpha != s["alpha"]:
            sys.exit(f"w2v trained at lr {model.config.alpha}, not {s['alpha']}")
        peak = _peak_rss_kib() / 1024
        model.vectors.save(params["out"], format="text")
    else:
        from gensim.models import FastText

        model = FastText(corpus_file=params["corpus"], sg=1, vector_size=s["dim"],
                         window=s["window"], negative=s["negative"], hs=int(s["hs"]),
                         sample=s["sample"],
                         min_count=s["min_count"], min_n=s["min_n"], max_n=s["max_n"],
                         bucket=s["bucket"], epochs=s["epochs"], workers=s["workers"],
                         alpha=s["alpha"], seed=params["seed"])
        wall = time.perf_counter() - t0
        peak = _peak_rss_kib() / 1024
        model.wv.save_word2vec_format(params["out"])
    print(json.dumps({"wall_s": wall, "peak_rss_mb": peak}))


def _run_child(params: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "child", json.dumps(params)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{params['tool']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_fasttext(binary: str, corpus: str, prefix: str, seed: int,
                  s: dict[str, Any]) -> dict[str, Any]:
    """The fastText CLI; its own words/s from the last progress line, and its wall time."""
    loss = ["-loss", "hs"] if s["hs"] else []
    command = [binary, "skipgram", *loss, "-input", corpus, "-output", prefix,
               "-dim", str(s["dim"]),
               "-ws", str(s["window"]), "-neg", str(s["negative"]), "-t", str(s["sample"]),
               "-minCount", str(s["min_count"]), "-minn", str(s["min_n"]), "-maxn",
               str(s["max_n"]), "-bucket", str(s["bucket"]), "-epoch", str(s["epochs"]),
               "-thread", str(s["workers"]), "-lr", str(s["alpha"]), "-seed", str(seed)]
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"fastText failed:\n{proc.stderr[-3000:]}")
    speeds = re.findall(r"words/sec/thread:\s+(\d+)", proc.stderr.replace("\r", "\n"))
    return {"wall_s": wall, "self_words_per_s": float(speeds[-1]) * s["workers"]}


def _evaluate(path: str) -> dict[str, float]:
    from w2v import evaluate
    from w2v.vectors import Vectors

    vectors = Vectors.load(path, format="text")
    result = evaluate.analogy(vectors, EVAL_DIR / "questions-words.txt", restrict_vocab=30000)
    return {"syntactic": result.syntactic.accuracy, "semantic": result.semantic.accuracy,
            "analogy": result.accuracy,
            "ws353": evaluate.similarity(vectors, EVAL_DIR / "wordsim353.tsv").spearman}


# --- the run ---------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    tools = args.tools.split(",")
    binary = args.fasttext_bin or os.environ.get("W2V_FASTTEXT_BIN")
    if "fasttext" in tools and not (binary and os.access(binary, os.X_OK)):
        print("fastText CLI not found (--fasttext-bin or W2V_FASTTEXT_BIN): skipped",
              file=sys.stderr)
        tools.remove("fasttext")
    w2v_options = json.loads(args.w2v_options)
    settings = _settings(args.hs)
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = str(Path(tmp) / "lines.txt")
        words = write_lines_corpus(args.corpus, corpus)
        total = words * SETTINGS["epochs"]
        if "w2v" in tools:  # fill numba's cache: compilation is not training
            small = str(Path(tmp) / "small.txt")
            with open(corpus, encoding="utf-8") as src, open(small, "w") as dst:
                dst.write(src.readline())
            _run_child({"tool": "w2v", "corpus": small, "w2v_options": {},
                        "out": str(Path(tmp) / "w.vec"),
                        "seed": 1, "settings": {**settings, "min_count": 1, "epochs": 1,
                                                "bucket": 1000}})
        for r in range(args.rounds):
            seed = args.first_seed + r
            order = [t for t in ("fasttext", "w2v", "gensim") if t in tools]
            if r % 2:
                order.reverse()
            for tool in order:
                if tool == "gensim" and r >= args.gensim_rounds:
                    continue
                out = str(Path(tmp) / f"{tool}{seed}.vec")
                if tool == "fasttext":
                    res = _run_fasttext(binary, corpus, out[:-4], seed, settings)
                    res["words_per_s"] = res["self_words_per_s"]
                    res["cli_wall_words_per_s"] = total / res["wall_s"]
                else:
                    res = _run_child({"tool": tool, "corpus": corpus, "out": out, "seed": seed,
                                      "settings": settings, "w2v_options": w2v_options})
                    res["words_per_s"] = total / res["wall_s"]
                res.update(_evaluate(out), tool=tool, round=r, seed=seed)
                records.append(res)
                print(json.dumps(res), file=sys.stderr, flush=True)
                for suffix in (".vec", ".bin"):
                    Path(out[:-4] + suffix).unlink(missing_ok=True)
    return records


def report(records: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [f"Command: `python benchmarks/subwords_vs_fasttext.py --rounds {args.rounds} "
             f"--gensim-rounds {args.gensim_rounds} --tools {args.tools} "
             f"--first-seed {args.first_seed} "
             f"--w2v-options '{args.w2v_options}'{' --hs' if args.hs else ''}`  ",
             f"Date: {datetime.date.today()}  ",
             f"Machine: {machine()} (shared with other jobs: timings are noisy, ratios are "
             f"paired by round)  ",
             f"Settings: {json.dumps(_settings(args.hs))}", "",
             "| tool | words/s | syntactic | semantic | all analogies | WS-353 | peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for tool in ("w2v", "fasttext", "gensim"):
        runs = [r for r in records if r["tool"] == tool]
        if not runs:
            continue
        rss = spread([r["peak_rss_mb"] for r in runs]) if "peak_rss_mb" in runs[0] else "-"
        lines.append(f"| {tool} | {spread([r['words_per_s'] for r in runs])} | "
                     f"{spread([r['syntactic'] for r in runs])} | "
                     f"{spread([r['semantic'] for r in runs])} | "
                     f"{spread([r['analogy'] for r in runs])} | "
                     f"{spread([r['ws353'] for r in runs])} | {rss} |")
    lines.append("")
    for peer in ("fasttext", "gensim"):
        ratios = []
        for r in sorted({x["round"] for x in records}):
            ours = [x for x in records if x["round"] == r and x["tool"] == "w2v"]
            theirs = [x for x in records if x["round"] == r and x["tool"] == peer]
            if ours and theirs:
                ratios.append(ours[0]["words_per_s"] / theirs[0]["words_per_s"])
        if ratios:
            lines.append(f"w2v / {peer} words/s, paired by round: {spread(ratios)}  ")
    walls = [r["cli_wall_words_per_s"] for r in records if r["tool"] == "fasttext"]
    if walls:
        lines.append(f"fastText CLI by its whole wall time (vocabulary and the .bin/.vec "
                     f"saves included): {spread(walls)} words/s  ")
    syn = {t: statistics.fmean([r["syntactic"] for r in records if r["tool"] == t])
           for t in ("w2v", "fasttext") if any(r["tool"] == t for r in records)}
    if len(syn) == 2:
        lines.append(f"Syntactic accuracy, w2v minus fastText (means): "
                     f"{100 * (syn['w2v'] - syn['fasttext']):+.1f} points")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--gensim-rounds", type=int, default=1)
    parser.add_argument("--tools", default="w2v,fasttext,gensim")
    parser.add_argument("--fasttext-bin", default=None)
    parser.add_argument("--first-seed", type=int, default=1,
                        help="seed of the first round; round r has seed first_seed + r")
    parser.add_argument("--hs", action="store_true",
                        help="hierarchical softmax (negative 0) for every tool")
    parser.add_argument("--w2v-options", default="{}",
                        help="JSON of extra w2v.train options (default: none, w2v's defaults)")
    args = parser.parse_args()
    if not Path(args.corpus).exists():
        sys.exit(f"corpus not found: {args.corpus} (give --corpus)")
    print(report(run(args), args))


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "child":
    _child(json.loads(sys.argv[2]))
elif __name__ == "__main__":
    main()
