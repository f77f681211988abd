"""Phrase detection, learn + rewrite, against gensim's Phrases and word2phrase, same corpus.

Each run is a fresh child process reading the same plain-text corpus and writing the
rewritten corpus; its wall time covers reading, learning and writing, and its peak RSS is
its own (the child reports VmHWM; for word2phrase, the wrapper's RUSAGE_CHILDREN). Tools
are interleaved round by round, so a loaded machine slows all of them alike; ratios are
per round.

- ``w2v``: ``Phrases.learn_and_rewrite`` (what ``w2v phrases`` runs; reads once).
- ``w2v-stream``: ``Phrases(path)`` then ``transform_corpus`` (reads twice, memory bounded
  by the tables).
- ``gensim``: ``Phrases(LineSentence(path))``, then each sentence rewritten and written.
- ``word2phrase``: the binary (``--word2phrase`` or ``W2V_WORD2PHRASE_BIN``; skipped when
  absent), which reads the file twice.

Two settings: gensim's scorer (``default``, min_count 5, threshold 10) for w2v against
gensim, word2phrase's (min_count 5, threshold 100) for w2v against word2phrase. The
outputs are compared token by token after the rounds, and so are two passes (word2phrase
run twice, as word2vec.c's demo does) against ``passes=2``.

Run: ``python benchmarks/phrases_vs_peers.py [--corpus PATH] [--rounds 3]
[--word2phrase BIN]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, machine  # noqa: E402 - the benchmarks folder is not a package

SETTINGS = {"gensim": {"scoring": "default", "min_count": 5, "threshold": 10.0},
            "word2phrase": {"scoring": "word2vec", "min_count": 5, "threshold": 100.0}}


# --- children ---------------------------------------------------------------------------

def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(p: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    if p["tool"] == "word2phrase":
        import resource

        subprocess.run([p["binary"], "-train", p["corpus"], "-output", p["out"], "-min-count",
                        str(p["min_count"]), "-threshold", str(p["threshold"]), "-debug", "0"],
                       check=True, capture_output=True)
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"wall_s": wall, "peak_rss_mb": peak}
    if p["tool"] == "gensim":
        from gensim.models.phrases import Phrases
        from gensim.models.word2vec import LineSentence

        model = Phrases(LineSentence(p["corpus"]), min_count=p["min_count"],
                        threshold=p["threshold"], scoring=p["scoring"])
        with open(p["out"], "w", encoding="utf-8") as out:
            for sentence in LineSentence(p["corpus"]):
                out.write(" ".join(model[sentence]) + "\n")
        phrases = len(model.export_phrases())
    else:
        from w2v.phrases import Phrases

        options = {k: p[k] for k in ("scoring", "min_count", "threshold")}
        if p["tool"] == "w2v":
            model = Phrases(**options)
            model.learn_and_rewrite(p["corpus"], p["out"])
        else:
            model = Phrases(p["corpus"], **options)
            model.transform_corpus(p["corpus"], p["out"])
        phrases = len(model)
    return {"wall_s": time.perf_counter() - started, "peak_rss_mb": _peak_mb(),
            "phrases": phrases}


def run_child(params: dict[str, Any]) -> dict[str, Any]:
    """Run one tool in a fresh interpreter; its JSON result."""
    done = subprocess.run([sys.executable, __file__, "child", json.dumps(params)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{params['tool']} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- comparisons --------------------------------------------------------------------------

def _tokens(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").split()


def compare_outputs(ours: str, theirs: str, tool: str) -> dict[str, Any]:
    """Tokens that differ, and why where the reason is a known quirk of ``tool``."""
    a, b = _tokens(ours), _tokens(theirs)
    counts = [len(a), len(b)]
    notes = []
    if tool == "word2phrase" and len(a) == len(b) + 1:
        notes.append("word2phrase drops the corpus's last word (no newline after it)")
        a = a[:-1]
    differing = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    if tool == "word2phrase":
        # its reader keeps the first 58 bytes of a longer word
        cut = [d for d in differing if len(d[1].encode()) > 58 and d[1].startswith(d[2])]
        differing = [d for d in differing if d not in cut]
        if cut:
            notes.append(f"{len(cut)} word(s) over 58 bytes, which word2phrase cuts")
    return {"tokens": counts, "differing": len(differing) + abs(len(a) - len(b)),
            "first_differences": differing[:3], "notes": notes}


def sentence_calls(corpus: Path, n_words: int = 400_000, length: int = 20) -> dict[str, Any]:
    """Seconds for ``phrases[sentence]`` over short sentences: w2v, gensim, gensim frozen.

    Also w2v's ``phrases[corpus]`` (batches). The models learn from the same sentences,
    with gensim's settings; the times interleave (w2v, gensim, frozen, batch).
    """
    from gensim.models.phrases import Phrases as GensimPhrases

    from w2v.phrases import Phrases

    words = corpus.read_text(encoding="utf-8").split()[:n_words]
    sentences = [words[i:i + length] for i in range(0, len(words), length)]
    setting = SETTINGS["gensim"]
    ours, theirs = Phrases(sentences, **setting), GensimPhrases(sentences, **setting)
    frozen = theirs.freeze()
    timed: dict[str, Any] = {"sentences": len(sentences)}
    outputs = {}
    for name, call in (("w2v", lambda: [ours[s] for s in sentences]),
                       ("gensim", lambda: [theirs[s] for s in sentences]),
                       ("gensim frozen", lambda: [frozen[s] for s in sentences]),
                       ("w2v batch", lambda: list(ours[sentences]))):
        started = time.perf_counter()
        outputs[name] = call()
        timed[name] = time.perf_counter() - started
    timed["same output"] = all(out == outputs["gensim"] for out in outputs.values())
    return timed


def two_passes(work: Path, corpus: Path, binary: str) -> dict[str, Any]:
    """word2vec.c's demo (word2phrase twice) against ``passes=2``, on the corpus + a newline."""
    from w2v.phrases import Phrases

    ended = work / "ended.txt"  # so that word2phrase keeps the last word
    ended.write_bytes(corpus.read_bytes() + b"\n")
    setting = SETTINGS["word2phrase"]
    flags = ["-min-count", str(setting["min_count"]), "-threshold", str(setting["threshold"]),
             "-debug", "0"]
    for source, target in ((ended, work / "pass1.txt"), (work / "pass1.txt", work / "pass2.txt")):
        subprocess.run([binary, "-train", str(source), "-output", str(target), *flags],
                       check=True, capture_output=True)
    Phrases(passes=2, **setting).learn_and_rewrite(ended, work / "ours2.txt")
    return compare_outputs(str(work / "ours2.txt"), str(work / "pass2.txt"), "word2phrase")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--word2phrase", default=os.environ.get("W2V_WORD2PHRASE_BIN"))
    args = parser.parse_args()
    binary = args.word2phrase if args.word2phrase and os.access(args.word2phrase, os.X_OK) \
        else None
    work = Path(tempfile.mkdtemp(prefix="w2v-phrases-bench-"))
    try:
        corpus = work / "corpus.txt"  # plain text: word2phrase cannot read .gz
        opener = gzip.open if args.corpus.endswith(".gz") else open
        with opener(args.corpus, "rb") as source, open(corpus, "wb") as target:
            shutil.copyfileobj(source, target)
        runs = [("w2v", "gensim"), ("w2v-stream", "gensim"), ("gensim", "gensim"),
                ("w2v", "word2phrase")]
        if binary:
            runs.append(("word2phrase", "word2phrase"))
        results: dict[str, list[dict[str, Any]]] = {}
        for round_no in range(args.rounds):
            for tool, setting in runs:
                out = work / f"{tool}-{setting}.txt"
                params = {"tool": tool, "corpus": str(corpus), "out": str(out),
                          "binary": binary, **SETTINGS[setting]}
                result = run_child(params)
                results.setdefault(f"{tool}@{setting}", []).append(result)
                print(f"round {round_no + 1}: {tool:12s} ({setting:11s} settings) "
                      f"{result['wall_s']:7.2f} s  {result['peak_rss_mb']:7.0f} MB", flush=True)
        report = {"machine": machine(), "corpus": args.corpus, "rounds": args.rounds,
                  "runs": results, "ratios": _ratios(results, args.rounds),
                  "same_output": {
                      "w2v vs gensim": compare_outputs(str(work / "w2v-gensim.txt"),
                                                       str(work / "gensim-gensim.txt"),
                                                       "gensim")}}
        if binary:
            report["same_output"]["w2v vs word2phrase"] = compare_outputs(
                str(work / "w2v-word2phrase.txt"), str(work / "word2phrase-word2phrase.txt"),
                "word2phrase")
            report["same_output"]["2 passes: w2v vs word2phrase twice"] = two_passes(
                work, corpus, binary)
        report["sentence_calls_s"] = sentence_calls(corpus)
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ratios(results: dict[str, list[dict[str, Any]]], rounds: int) -> dict[str, Any]:
    """Per-round wall-time ratios (peer / w2v), with their median."""
    pairs = {"gensim / w2v": ("gensim@gensim", "w2v@gensim"),
             "gensim / w2v-stream": ("gensim@gensim", "w2v-stream@gensim"),
             "word2phrase / w2v": ("word2phrase@word2phrase", "w2v@word2phrase")}
    out = {}
    for name, (peer, ours) in pairs.items():
        if peer in results and ours in results:
            each = [results[peer][r]["wall_s"] / results[ours][r]["wall_s"]
                    for r in range(rounds)]
            out[name] = {"median": statistics.median(each), "rounds": each}
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        print(json.dumps(_child(json.loads(sys.argv[2]))))
    else:
        main()
