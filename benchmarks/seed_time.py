"""Time ``w2v seed`` (the assignment's run) and print a row for ``docs/benchmarks.md``.

Three numbers, measured separately:

- **cold compile**: the kernels compiled from scratch, in a child process with an empty numba
  cache (``NUMBA_CACHE_DIR`` pointed at a fresh folder), the price of the very first run;
- **corpus**: reading the bundled SST file, the 30x subsampling and the sampling table;
- **train**: the iterations themselves (kernels already compiled), plus writing the outputs.

Usage::

    python benchmarks/seed_time.py                       # the full 40,000 iterations, neg
    python benchmarks/seed_time.py --iterations 2000     # a quick check
    python benchmarks/seed_time.py --loss softmax --iterations 200   # extrapolate the softmax
    python benchmarks/seed_time.py --faithful --iterations 1000      # the reference replay
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMPILE_SNIPPET = (
    "import sys, time; t = time.perf_counter(); from w2v.seed.run import warm_up; "
    "c = warm_up(sys.argv[1]); print(c, time.perf_counter() - t)"
)


def cold_compile_seconds(loss: str) -> tuple[float, float]:
    """(kernel compile seconds, with imports) in a fresh process with an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        done = subprocess.run([sys.executable, "-c", COMPILE_SNIPPET, loss], env=env,
                              capture_output=True, text=True, check=True)
    compile_s, with_imports = map(float, done.stdout.split())
    return compile_s, with_imports


def machine() -> str:
    """A short description of the CPU: model and cores."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()}-core CPU ({model})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--iterations", type=int, default=40_000)
    parser.add_argument("--loss", choices=("neg", "softmax"), default="neg")
    parser.add_argument("--seed", type=int, default=31415)
    parser.add_argument("--faithful", action="store_true",
                        help="Time the replay through w2v.reference instead of the kernels.")
    parser.add_argument("--out", type=Path, default=None,
                        help="Output folder of the run (default: a temporary folder).")
    args = parser.parse_args()

    from w2v.seed.run import replay_assignment, run_assignment

    if args.faithful:
        compile_s = compile_with_imports = 0.0
    else:
        compile_s, compile_with_imports = cold_compile_seconds(args.loss)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "seed_run"
        start, cpu_start = time.perf_counter(), time.process_time()
        if args.faithful:
            result = replay_assignment(iterations=args.iterations, loss=args.loss, out=out,
                                       progress=False)
        else:
            result = run_assignment(iterations=args.iterations, loss=args.loss,
                                    random_seed=args.seed, out=out, progress=False)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rate = args.iterations / result.train_s
    full = 40_000 / rate
    print(result.summary())
    print(f"cold compile {compile_s:.1f} s ({compile_with_imports:.1f} s with imports); "
          f"corpus {result.load_s:.1f} s; train {result.train_s:.1f} s ({rate:,.0f} it/s, "
          f"40,000 iterations ~ {full:.0f} s); whole call {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(CPU < wall when other processes share the cores)")
    date = datetime.date.today().isoformat()
    print("\nRow for docs/benchmarks.md:")
    flag = " --faithful" if args.faithful else ""
    print(f"| `python benchmarks/seed_time.py --iterations {args.iterations} --loss {args.loss}"
          f"{flag}` "
          f"| {machine()} | {date} | {args.iterations:,} | {result.train_s:.1f} s "
          f"({rate:,.0f} it/s) | {compile_s:.1f} s | {result.load_s:.1f} s | "
          f"{result.final_loss or float('nan'):.2f} |")


if __name__ == "__main__":
    main()
