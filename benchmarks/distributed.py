"""Distributed training on one machine: words/s, quality and the syncs' cost, 1 to 4 ranks.

    python benchmarks/distributed.py [--corpus PATH] [--ranks 1 2 4] [--epochs 5]
        [--runs deltas:200000 average:200000 ...] [--json results.json]

Each configuration runs under torchrun (``python -m torch.distributed.run``) with gloo on
127.0.0.1 and ``workers = cores // ranks`` threads a rank (at least 1: on a 2-core machine
4 ranks oversubscribe it, which the table says); the single-process numba engine with
``workers = cores`` runs in the same invocation, interleaved, as the baseline. Every vectors
file is scored by the same evaluator (analogy, WS-353, SimLex-999; benchmarks/common.py).

Beside what was measured, the cost model of docs/distributed.md predicts each run's
communication time from the bytes per sync and a gloo all-reduce bandwidth and latency
measured here first, on the same loopback, with the same number of ranks:
``t_sync = 2 (W-1)/W * bytes / bandwidth + latency * collectives``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import DEFAULT_CORPUS, evaluate_vectors, write_lines_corpus  # noqa: E402

OPTIONS = {"sg": True, "vector_size": 100, "window": 5, "negative": 5, "sample": 1e-3,
           "min_count": 5, "seed": 1}
# Collectives inside one sync's scheme (what "transfer s" measures): the two tables for
# "average"; the touched-row counts and the row deltas for the delta schemes. The wait and
# the agreement after it are counted apart.
SCHEME_COLLECTIVES = 2

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(ranks: int, *args: str, timeout: float = 3600) -> str:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(ranks),
               "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
               __file__, *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"torchrun {ranks} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


# --- inside the ranks ---------------------------------------------------------------------

def _rank_train(params: dict) -> None:
    """One rank's training (``child-train``); rank 0 saves the vectors and prints JSON."""
    import w2v

    t0 = time.perf_counter()
    model = w2v.train(params["corpus"], epochs=params["epochs"], workers=params["workers"],
                      distributed={"sync": params["sync"],
                                   "sync_every": params["sync_every"]},
                      **{**OPTIONS, "seed": params.get("seed", OPTIONS["seed"])})
    wall = time.perf_counter() - t0
    if os.environ["RANK"] == "0":
        model.save(params["out"], format="text")
        print(json.dumps({"wall_s": wall, "train_s": model.stats["train_seconds"],
                          "words_per_s": model.stats["words_per_s"],
                          **model.stats["distributed"]}))


def _rank_allreduce(params: dict) -> None:
    """Gloo all-reduce time for a few sizes (``child-allreduce``); rank 0 prints JSON."""
    import numpy as np
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo")
    out = {}
    for size in (8, 1 << 16, 1 << 20, 1 << 24):
        tensor = torch.zeros(size // 4, dtype=torch.float32)
        dist.all_reduce(tensor)  # warm-up
        times = []
        for _ in range(params["repeats"]):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(tensor)
            times.append(time.perf_counter() - t0)
        out[size] = float(np.median(times))
    dist.destroy_process_group()
    if dist.is_available() and os.environ["RANK"] == "0":
        print(json.dumps(out))


# --- the parent ---------------------------------------------------------------------------

def _single(corpus: str, epochs: int, workers: int, out: str) -> dict:
    """The single-process baseline, in a child process (``child-single``)."""
    proc = subprocess.run([sys.executable, __file__, "child-single",
                           json.dumps({"corpus": corpus, "epochs": epochs, "workers": workers,
                                       "out": out, "seed": OPTIONS["seed"]})],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _single_child(params: dict) -> None:
    import w2v

    t0 = time.perf_counter()
    model = w2v.train(params["corpus"], epochs=params["epochs"], workers=params["workers"],
                      **{**OPTIONS, "seed": params.get("seed", OPTIONS["seed"])})
    wall = time.perf_counter() - t0
    model.save(params["out"], format="text")
    print(json.dumps({"wall_s": wall, "train_s": model.stats["train_seconds"],
                      "words_per_s": model.stats["words_per_s"]}))


def link_model(ranks: int) -> tuple[float, float]:
    """(bandwidth bytes/s, latency s) of gloo all-reduce on this loopback, with ``ranks``."""
    if ranks == 1:
        return float("inf"), 0.0
    times = {int(k): v for k, v in json.loads(
        _torchrun(ranks, "child-allreduce", json.dumps({"repeats": 7})).strip()
        .splitlines()[-1]).items()}
    latency = times[8]
    big = max(times)
    # A ring all-reduce moves 2 (W-1)/W of the buffer through each rank's link.
    bandwidth = 2 * (ranks - 1) / ranks * big / max(times[big] - latency, 1e-9)
    return bandwidth, latency


def predicted_sync_s(run: dict, ranks: int, bandwidth: float, latency: float) -> float:
    """The cost model: seconds inside the schemes' collectives over a whole run."""
    if ranks == 1:
        return 0.0
    per_sync = (2 * (ranks - 1) / ranks * run["bytes_per_sync"] / bandwidth
                + latency * SCHEME_COLLECTIVES)
    return per_sync * run["syncs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", nargs="+", default=["deltas:200000"],
                        help="SCHEME:SYNC_EVERY for every rank count")
    parser.add_argument("--extra", nargs="*", default=[],
                        help="RANKS:SCHEME:SYNC_EVERY runs beyond the grid")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", default=None)
    parser.add_argument("--seed", type=int, default=OPTIONS["seed"],
                        help="the seed of every run (one process and ranks alike)")
    args = parser.parse_args()
    OPTIONS["seed"] = args.seed
    if not Path(args.corpus).exists():
        sys.exit(f"corpus {args.corpus} not found (give --corpus)")
    grid = [(r, *run.split(":")) for r in args.ranks for run in args.runs]
    grid += [tuple(e.split(":")) for e in args.extra]
    grid = [(int(r), scheme, int(every)) for r, scheme, every in grid]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = str(Path(tmp) / "corpus.txt")  # plain text: ranks read byte ranges
        words = write_lines_corpus(args.corpus, corpus)
        links = {r: link_model(r) for r in sorted({g[0] for g in grid})}
        for i, (ranks, scheme, every) in enumerate(grid):
            if i % 3 == 0:  # the baseline, interleaved with the distributed runs
                out = str(Path(tmp) / f"single{i}.txt")
                single = _single(corpus, args.epochs, args.cores, out)
                results.append({"ranks": 0, "sync": "single process",
                                "workers": args.cores, **single, **evaluate_vectors(out)})
                print(json.dumps(results[-1]), flush=True)
            workers = max(1, args.cores // ranks)
            out = str(Path(tmp) / f"r{i}.txt")
            params = {"corpus": corpus, "epochs": args.epochs, "workers": workers,
                      "sync": scheme, "sync_every": every, "out": out, "seed": args.seed}
            run = json.loads(_torchrun(ranks, "child-train", json.dumps(params)).strip()
                             .splitlines()[-1])
            bandwidth, latency = links[ranks]
            run.update(ranks=ranks, workers=workers,
                       predicted_comm_s=predicted_sync_s(run, ranks, bandwidth, latency),
                       link_gbps=bandwidth * 8 / 1e9, link_latency_us=latency * 1e6,
                       **evaluate_vectors(out))
            results.append(run)
            print(json.dumps(results[-1]), flush=True)
    _print_table(results, words, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def _print_table(results: list[dict], words: int, args: argparse.Namespace) -> None:
    print(f"\ncorpus {args.corpus} ({words:,} tokens), {args.epochs} epochs, "
          f"{args.cores} cores")
    print("| ranks x threads | sync | every (words) | syncs/epoch | words/s | analogy | "
          "WS-353 | SimLex | MB/sync | rows/sync | transfer s | model s | wait s | sync s | "
          "sync share |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if r["ranks"] == 0:
            print(f"| 1 process x {r['workers']} | single process | - | - | "
                  f"{r['words_per_s']:,.0f} | {r['analogy']:.3f} | {r['ws353']:.3f} | "
                  f"{r['simlex']:.3f} | - | - | - | - | - | - | - |")
            continue
        print(f"| {r['ranks']} x {r['workers']} | {r['sync']} | {r['sync_every']:,} | "
              f"{r['syncs_per_epoch']} | {r['words_per_s']:,.0f} | {r['analogy']:.3f} | "
              f"{r['ws353']:.3f} | {r['simlex']:.3f} | {r['bytes_per_sync'] / 1e6:.2f} | "
              f"{r['rows_per_sync']:,.0f} | {r['transfer_seconds']:.2f} | "
              f"{r['predicted_comm_s']:.2f} | {r['wait_seconds']:.2f} | "
              f"{r['sync_seconds']:.2f} | {r['sync_share']:.1%} |")

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("child-"):
        {"child-train": _rank_train, "child-allreduce": _rank_allreduce,
         "child-single": _single_child}[sys.argv[1]](json.loads(sys.argv[2]))
    else:
        main()
