"""First-run cost of ``w2v train``: a cold numba cache against a warm one, whole processes.

    python benchmarks/cold_start.py [--rounds 3] [--archs sg,cbow] [--words 50000]
                                    [--corpus PATH] [--read-only] [--warmup] [--installed]

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

``--installed`` measures what a user gets from ``pip install .``: the repository's wheel is
built once (timed; ``setup.py`` compiles the common kernels into it), each round installs it
into a fresh folder (``pip install --target``) and runs the first ``w2v train`` from there
(cold: numba's cache is whatever the wheel brought) and then a second one. A wheel built
with ``W2V_NO_PRECOMPILE=1`` (no kernels in it) is measured the same way beside it.

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


def _kernel_files(folder: Path) -> int:
    """Compiled kernels numba has cached under ``folder`` (its ``.nbc`` files)."""
    return sum(1 for _ in folder.rglob("*.nbc"))


def make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def build_wheel(work: Path, precompile: bool) -> tuple[Path, float]:
    """The repository's wheel, built into a fresh folder of ``work``: (path, wall seconds)."""
    folder = Path(tempfile.mkdtemp(dir=work))
    env = {key: value for key, value in os.environ.items() if key != "W2V_NO_PRECOMPILE"}
    if not precompile:
        env["W2V_NO_PRECOMPILE"] = "1"
    shutil.rmtree(SRC.parent / "build", ignore_errors=True)  # no kernels of an earlier build
    seconds = timed([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                     "--no-build-isolation", "-w", str(folder), str(SRC.parent)], env)["wall_s"]
    return next(folder.glob("*.whl")), seconds


def install(wheel: Path, work: Path) -> Path:
    """``wheel`` installed into a fresh folder of ``work`` (no dependencies): that folder."""
    target = Path(tempfile.mkdtemp(dir=work))
    timed([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
           str(wheel)], dict(os.environ))
    return target


def one_round(arch: str, corpus: Path, work: Path, args: argparse.Namespace,
              package: Path) -> dict[str, float]:
    """Cold, then warm (and with --warmup, warmup + train) for one architecture."""
    cache = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "PYTHONPATH": str(package)}
    env.pop("NUMBA_CACHE_DIR", None)
    if args.read_only or args.installed:  # installed: the wheel's cache, or the user folder
        env["XDG_CACHE_HOME"] = str(cache)
    else:
        env["NUMBA_CACHE_DIR"] = str(cache)
    out = work / f"v{time.monotonic_ns()}.txt"
    train = [sys.executable, "-m", "w2v.cli", "train", str(corpus), "-o", str(out),
             "--sg" if arch == "sg" else "--cbow", "--workers", "2", "--epochs",
             str(args.epochs), "--min-count", "5", "--quiet"]
    shipped = _kernel_files(package)
    row = {f"cold_{k}": v for k, v in timed(train, env).items()}
    # compiled by the cold run: written to the cache folder, or beside the installed kernels
    row["cache_files"] = _kernel_files(cache) + _kernel_files(package) - shipped
    row.update({f"warm_{k}": v for k, v in timed(train, env).items()})
    if args.warmup:
        fresh = Path(tempfile.mkdtemp(dir=work))
        env[("XDG_CACHE_HOME" if args.read_only else "NUMBA_CACHE_DIR")] = str(fresh)
        warm = timed([sys.executable, "-m", "w2v.cli", "warmup", "--quiet"], env)
        row.update({f"warmup_{k}": v for k, v in warm.items()})
        row.update({f"after_warmup_{k}": v for k, v in timed(train, env).items()})
    return row


def _cache_place(args: argparse.Namespace) -> str:
    """Where the children's numba cache is, in words."""
    if args.installed:
        return "the installed package's (what its wheel brought), else the user cache folder"
    return "read-only package, user cache folder" if args.read_only else "NUMBA_CACHE_DIR"


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
    parser.add_argument("--installed", action="store_true",
                        help="run from the installed wheel, with and without its kernels")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="w2v-cold-"))
    try:
        corpus = args.corpus or work / "corpus.txt"
        if args.corpus is None:
            write_corpus(corpus, args.words)
        package = read_only_copy(work) if args.read_only else SRC
        wheels = {}
        if args.installed:
            for kind, precompile in (("wheel", True), ("wheel without kernels", False)):
                wheels[kind] = build_wheel(work, precompile)
                print(f"{kind}: built in {wheels[kind][1]:.1f} s", file=sys.stderr)
        rows = []
        for r in range(args.rounds):
            for arch in args.archs.split(","):  # interleaved: sg, cbow, sg, cbow, ...
                for kind in wheels or {"": None}:
                    source = install(wheels[kind][0], work) if kind else package
                    row = {"arch": arch, "round": r, "package": kind or "source",
                           **one_round(arch, corpus, work, args, source)}
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        if args.read_only:
            make_writable(work)
        shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}")
    print(f"Corpus: {args.corpus or f'generated, {args.words:,} tokens'}; {args.epochs} epochs, "
          f"2 workers; {args.rounds} rounds; cache: "
          f"{_cache_place(args)}")
    for kind, (_, seconds) in wheels.items():
        print(f"{kind}: `pip wheel --no-deps --no-build-isolation` {seconds:.1f} s")
    cols = ["cold", "warm"] + (["warmup", "after_warmup"] if args.warmup else [])
    print("| arch | package | " + " | ".join(f"{c} wall s (CPU s)" for c in cols)
          + " | cold − warm, wall s | kernels compiled into the cache |")
    print("|---|---|" + "---|" * (len(cols) + 2))
    for arch in args.archs.split(","):
        for kind in wheels or {"source": None}:
            runs = [r for r in rows if r["arch"] == arch and r["package"] == kind]
            cells = [f"{spread([r[c + '_wall_s'] for r in runs])} "
                     f"({statistics.median(r[c + '_cpu_s'] for r in runs):.2f})" for c in cols]
            gap = spread([r["cold_wall_s"] - r["warm_wall_s"] for r in runs])
            print(f"| {arch} | {kind} | " + " | ".join(cells)
                  + f" | {gap} | {runs[0]['cache_files']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
