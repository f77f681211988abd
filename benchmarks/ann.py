"""Approximate against exact ``most_similar``: recall@10, median latency, build time, memory.

For each set of vectors (``--random N`` random float32 rows of ``--dim`` dimensions, or a
trained ``--vectors PATH``) the script builds a faiss index (:mod:`w2v.ann`, ``--method pq``,
the default, or ``hnsw``), then asks
``--queries`` words in ``--rounds`` rounds, each a pass of exact queries then a pass of
approximate ones (so that load from other processes hits both alike):

- recall@10: the share of the exact top 10 that the approximate top 10 holds;
- median latency of ``Vectors.most_similar(word, topn=10)`` with and without ``approx=True``
  (Python overhead included, as a user sees it), their ratio, and the ratio in each round
  (how steady it was on a shared machine);
- build time, the index's size, and the growth of RSS while building it.

Each ``--rerank`` (pq) or ``--ef`` (hnsw) value is measured on the same index (both are
query-time settings).

Exact search is timed with whatever BLAS threads the environment gives, and a pq query's scan
with ``--search-threads`` (default every core: a large index is scanned as shards at once,
:mod:`w2v.ann_shards`). Compare like with like: ``OPENBLAS_NUM_THREADS=1 ...
--search-threads 1`` for one core each, the defaults for every core each.

Run: ``python benchmarks/ann.py [--random 100000] [--dim 300] [--vectors PATH ...]
[--method pq|hnsw] [--rerank 1000 2000 3000] [--ef 64 128 256 512] [--m 32] [--queries 200]
[--rounds 3] [--threads N] [--search-threads N]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import numpy as np  # noqa: E402

from common import machine  # noqa: E402 - the benchmarks folder is not a package
from w2v.ann import AnnIndex  # noqa: E402
from w2v.vectors import Vectors  # noqa: E402


def _rss_mb() -> float:
    """Resident memory of this process now, MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(name: str, vectors: Vectors, args: argparse.Namespace) -> None:
    """Build the index of ``vectors`` and print one JSON line per query-time setting."""
    import faiss

    before = _rss_mb()
    start = time.perf_counter()
    if args.method == "hnsw":
        index = AnnIndex.build(vectors, method="hnsw", m=args.m, threads=args.threads)
        setting, values = "ef_search", args.ef
    else:
        index = AnnIndex.build(vectors, method="pq", threads=args.threads)
        # the index's own choice first (measured while building), then any asked for
        setting, values = "rerank", [index.rerank, *args.rerank]
    build_s = time.perf_counter() - start
    grown = _rss_mb() - before
    index_mb = len(faiss.serialize_index(index.index)) / 2**20
    index.search_threads = args.search_threads
    vectors._ann = index  # the cache Vectors.ann_index fills: no file is written
    rng = np.random.default_rng(0)
    words = [vectors.index_to_key[i] for i in rng.choice(len(vectors), args.queries,
                                                          replace=False)]
    vectors.most_similar(words[0])  # norms and the first BLAS call, out of the timings
    recall: list[float] = []
    for value in values:
        setattr(index, setting, value)
        exact_s, approx_s, ratios = [], [], []
        exact_answers = {}
        for _ in range(args.rounds):
            # one pass of each kind in turn: a pass keeps its own data in the caches, as a
            # user asking one kind of query after another does (interleaving single queries
            # would let every exact scan evict the graph); the rounds spread the load of
            # other processes over both kinds
            round_times = []
            for kind, times in (("exact", exact_s), ("approx", approx_s)):
                start = len(times)
                for word in words:
                    t0 = time.perf_counter()
                    answer = vectors.most_similar(word, topn=10, approx=kind == "approx")
                    times.append(time.perf_counter() - t0)
                    if kind == "exact":
                        exact_answers[word] = {w for w, _ in answer}
                    else:
                        recall.append(len(exact_answers[word] & {w for w, _ in answer}) / 10)
                round_times.append(statistics.median(times[start:]))
            ratios.append(round_times[0] / round_times[1])
        exact_ms, approx_ms = statistics.median(exact_s) * 1e3, statistics.median(approx_s) * 1e3
        print(json.dumps({
            "set": name, "words": len(vectors), "dim": vectors.vector_size,
            "method": args.method, "search_threads": args.search_threads,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
            **{k: v for k, v in index.header.items() if k in ("m", "codes", "padded_dim", "probe")},
            setting: value,
            "build_s": round(build_s, 1), "rss_growth_mb": round(grown, 1),
            "index_mb": round(index_mb, 1), "recall_at_10": round(float(
                np.mean(recall)), 4), "exact_median_ms": round(exact_ms, 3),
            "approx_median_ms": round(approx_ms, 3), "speedup": round(exact_ms / approx_ms, 1),
            "speedup_per_round": [round(r, 1) for r in ratios],
        }), flush=True)
        recall.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, nargs="*", default=[], metavar="N",
                        help="random sets of N words each")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--vectors", type=Path, nargs="*", default=[],
                        help="trained vectors files")
    parser.add_argument("--method", choices=["pq", "hnsw"], default="pq")
    parser.add_argument("--rerank", type=int, nargs="*", default=[],
                        help="pq: candidates re-scored exactly (query-time), measured after "
                             "the count the build chose")
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 128, 256, 512],
                        help="hnsw: efSearch values (query-time)")
    parser.add_argument("--m", type=int, default=32, help="hnsw: M")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None, help="threads of the build")
    parser.add_argument("--search-threads", type=int, default=None,
                        help="pq: threads of one query's scan (default: every core); exact "
                             "search uses BLAS's threads (OPENBLAS_NUM_THREADS)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="passes of exact then approximate queries (default 3)")
    args = parser.parse_args()
    print(json.dumps({"machine": machine(), "date": time.strftime("%Y-%m-%d")}), flush=True)
    for path in args.vectors:
        measure(path.name, Vectors.load(path), args)
    for count in args.random:
        rng = np.random.default_rng(1)
        matrix = rng.standard_normal((count, args.dim), dtype=np.float32)
        measure(f"random {count}x{args.dim}", Vectors([f"w{i}" for i in range(count)],
                                                      matrix), args)


if __name__ == "__main__":
    main()
