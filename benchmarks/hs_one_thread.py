"""Hierarchical softmax on one thread: w2v against gensim in one process, alternating.

    python benchmarks/hs_one_thread.py [--corpus PATH] [--words 600000] [--rounds 3]
                                       [--archs sg,cbow] [--w2v-option NAME=VALUE ...]

A check of the kernels' speed, not the bar (which is 2 workers, ``cpu_vs_peers.py --hs``):
both tools train ``hs=1, negative=0`` from the same in-memory sentences (the corpus's first
``--words`` tokens as 10,000-token lines), dim 100, window 5, sample 1e-4, min_count 5,
1 epoch, ``workers=1``, alpha 0.025 (skip-gram) / 0.05 (CBOW). Each round runs w2v then
gensim (vocabulary building included for both); the ratio of their words/s is paired by
round and reported as median [min–max]. w2v's kernels are compiled by a small warm-up run
first, so the timed calls measure training only. ``--w2v-option`` passes an option to
``w2v.train`` (for example ``hs_skip_saturated=true``), to compare kernel variants.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_CORPUS, machine  # noqa: E402 - after the path tweak

SETTINGS = {"vector_size": 100, "window": 5, "negative": 0, "hs": 1, "sample": 1e-4,
            "min_count": 5, "epochs": 1, "workers": 1}
ALPHA = {"sg": 0.025, "cbow": 0.05}


def _sentences(path: Path, n_words: int) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        words = f.read().split()[:n_words]
    return [words[i:i + 10_000] for i in range(0, len(words), 10_000)]


def _value(text: str):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _time(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=600_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--archs", default="sg,cbow")
    parser.add_argument("--w2v-option", action="append", default=[])
    args = parser.parse_args(argv)
    from gensim.models import Word2Vec

    import w2v

    extra = dict((k, _value(v)) for k, v in (o.split("=", 1) for o in args.w2v_option))
    sentences = _sentences(args.corpus, args.words)
    n_words = sum(len(s) for s in sentences)
    print(machine())
    print(f"{n_words:,} words, options {extra or 'default'}")
    for arch in args.archs.split(","):
        options = {**SETTINGS, "sg": int(arch == "sg"), "alpha": ALPHA[arch]}
        ours = {**options, "sg": arch == "sg", "hs": True, **extra}
        w2v.train(sentences[:1], **{**ours, "min_count": 1})  # compile
        ratios = []
        for r in range(args.rounds):
            t_w2v = _time(w2v.train, sentences, seed=r + 1, **ours)
            t_gensim = _time(Word2Vec, sentences, seed=r + 1, min_alpha=1e-4, **options)
            ratios.append(t_gensim / t_w2v)
            print(f"{arch} round {r + 1}: w2v {n_words / t_w2v / 1e3:.0f}k words/s, "
                  f"gensim {n_words / t_gensim / 1e3:.0f}k words/s, {ratios[-1]:.2f}x",
                  flush=True)
        print(f"{arch}: w2v / gensim words/s {statistics.median(ratios):.2f}x "
              f"[{min(ratios):.2f}-{max(ratios):.2f}]")


if __name__ == "__main__":
    main()
