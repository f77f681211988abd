"""First-run cost of ``w2v train``: a cold numba cache against a warm one, whole processes.

    python benchmarks/cold_start.py [--rounds 3] [--archs sg,cbow] [--words 50000]
                                    [--corpus PATH] [--read-only] [--warmup]

Each round gives a fresh, empty cache folder to a child ``python -m w2v.cli train`` (cold:
the kernels compile) and then to a second identical child (warm: they load from the cache).
The figure of interest is cold minus warm, paired by round, reported as median [min–max],
with the children's CPU seconds beside their wall seconds (the machine may be shared: CPU
time moves less with a neighbour's load).

The cache folder is ``NUMBA_CACHE_DIR``, or with ``--read-only`` the package is copied to a
read-only folder (as a ``pip install`` into a system site-packages) and the cache goes
where numba puts it then, the user cache folder (``XDG_CACHE_HOME``, fresh per round).
``--warmup`` adds a third child per round that runs ``w2v warmup`` on a fresh cache and
then trains: the cost of compiling ahead, and the run after it.

The default corpus is generated: ``--words`` tokens drawn from a Zipf law over 2,000 types,
in lines of 1,000 tokens (a small corpus, where the compile time shows most).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, spread  # noqa: E402 - the benchmarks folder is not a package

SRC = Path(__file__).resolve().parents[1] / "src"


def write_corpus(path: Path, words: int, seed: int = 0) -> None:
    """``words`` Zipf-distributed tokens over 2,000 types, 1,000 tokens a line."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, 2001)
    p = 1.0 / ranks
    ids = rng.choice(len(ranks), size=words, p=p / p.sum())
    with open(path, "w", encoding="utf-8") as f:
        for i in range(0, words, 1000):
            f.write(" ".join(f"w{k}" for k in ids[i:i + 1000]) + "\n")


def timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a child; return its wall and CPU (user + system) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def read_only_copy(folder: Path) -> Path:
    """A copy of the package under ``folder``, every file and folder made read-only."""
    target = folder / "site-packages"
    shutil.copytree(SRC / "w2v", target / "w2v",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    for path in [*target.rglob("*"), target]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return target


def make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def one_round(arch: str, corpus: Path, work: Path, args: argparse.Namespace,
              package: Path) -> dict[str, float]:
    """Cold, then warm (and with --warmup, warmup + train) for one architecture."""
    cache = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "PYTHONPATH": str(package)}
    env.pop("NUMBA_CACHE_DIR", None)
    if args.read_only:
        env["XDG_CACHE_HOME"] = str(cache)
    else:
        env["NUMBA_CACHE_DIR"] = str(cache)
    out = work / f"v{time.monotonic_ns()}.txt"
    train = [sys.executable, "-m", "w2v.cli", "train", str(corpus), "-o", str(out),
             "--sg" if arch == "sg" else "--cbow", "--workers", "2", "--epochs",
             str(args.epochs), "--min-count", "5", "--quiet"]
    row = {f"cold_{k}": v for k, v in timed(train, env).items()}
    row.update({f"warm_{k}": v for k, v in timed(train, env).items()})
    cached = sum(1 for p in cache.rglob("*.nbc"))
    row["cache_files"] = cached
    if args.warmup:
        fresh = Path(tempfile.mkdtemp(dir=work))
        env[("XDG_CACHE_HOME" if args.read_only else "NUMBA_CACHE_DIR")] = str(fresh)
        warm = timed([sys.executable, "-m", "w2v.cli", "warmup", "--quiet"], env)
        row.update({f"warmup_{k}": v for k, v in warm.items()})
        row.update({f"after_warmup_{k}": v for k, v in timed(train, env).items()})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--archs", default="sg,cbow")
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, help="train on this instead of a generated one")
    parser.add_argument("--read-only", action="store_true",
                        help="run from a read-only copy of the package (numba's user cache)")
    parser.add_argument("--warmup", action="store_true", help="also time `w2v warmup`")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="w2v-cold-"))
    try:
        corpus = args.corpus or work / "corpus.txt"
        if args.corpus is None:
            write_corpus(corpus, args.words)
        package = read_only_copy(work) if args.read_only else SRC
        rows = []
        for r in range(args.rounds):
            for arch in args.archs.split(","):  # interleaved: sg, cbow, sg, cbow, ...
                row = {"arch": arch, "round": r, **one_round(arch, corpus, work, args, package)}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        if args.read_only:
            make_writable(work)
        shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}")
    print(f"Corpus: {args.corpus or f'generated, {args.words:,} tokens'}; {args.epochs} epochs, "
          f"2 workers; {args.rounds} rounds; cache: "
          f"{'read-only package, user cache folder' if args.read_only else 'NUMBA_CACHE_DIR'}")
    cols = ["cold", "warm"] + (["warmup", "after_warmup"] if args.warmup else [])
    print("| arch | " + " | ".join(f"{c} wall s (CPU s)" for c in cols)
          + " | cold − warm, wall s | cache files |")
    print("|---|" + "---|" * (len(cols) + 2))
    for arch in args.archs.split(","):
        runs = [r for r in rows if r["arch"] == arch]
        cells = [f"{spread([r[c + '_wall_s'] for r in runs])} "
                 f"({statistics.median(r[c + '_cpu_s'] for r in runs):.2f})" for c in cols]
        gap = spread([r["cold_wall_s"] - r["warm_wall_s"] for r in runs])
        print(f"| {arch} | " + " | ".join(cells) + f" | {gap} | {runs[0]['cache_files']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
