"""Peak memory of queries on a memory-mapped native folder: does the unit-vector copy double it?

Writes a native folder of V x D random float32 vectors, then in a child process loads it
(memory-mapped), asks ``most_similar``, ``most_similar_cosmul``, ``distances`` and
``doesnt_match``, and reports what the parent sampled from ``/proc/PID/status`` every 10 ms:

- ``RssAnon``: private memory (a unit-length copy of the matrix would show here);
- ``RssFile``: resident pages of the mapped file (the page cache: the kernel can drop them);
- ``VmHWM``: the peak of both.

``--src`` runs the child on another checkout's ``src`` folder, to compare before and after.

Run: ``python benchmarks/query_memory.py [--words 1000000] [--dim 100] [--src PATH ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine  # noqa: E402 - the benchmarks folder is not a package

REPO_SRC = Path(__file__).resolve().parents[1] / "src"
CHILD = """
import sys, time
from w2v.vectors import Vectors
v = Vectors.load(sys.argv[1])
start = time.perf_counter()
answers = [v.most_similar("w1", topn=10), v.most_similar_cosmul(["w1", "w2"], ["w3"]),
           v.doesnt_match(["w1", "w2", "w3"])]
getattr(v, "distances", lambda w: None)("w5")  # absent before this method existed
print(time.perf_counter() - start, answers[0][0][0], flush=True)
"""


def _status(pid: int) -> dict[str, int]:
    """RssAnon, RssFile and VmHWM of a process in KiB (empty once it is gone)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("RssAnon", "RssFile", "VmHWM"):
                    values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


def measure(folder: Path, src: Path) -> dict[str, float]:
    """Run the queries in a child on ``src``; peak memory in MB and the query time."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], env=env,
                             stdout=subprocess.PIPE, text=True)
    peaks: dict[str, int] = {}
    while child.poll() is None:
        for name, value in _status(child.pid).items():
            peaks[name] = max(peaks.get(name, 0), value)
        time.sleep(0.01)
    seconds, first = child.stdout.read().split()
    return {**{f"{k}_mb": round(v / 1024, 1) for k, v in peaks.items()},
            "query_s": round(float(seconds), 3), "nearest": first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--src", type=Path, nargs="*", default=[REPO_SRC],
                        help="src folders to compare (default: this checkout's)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_SRC))
    import numpy as np

    from w2v.vectors import Vectors

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "vectors"
        rng = np.random.default_rng(0)
        matrix = rng.standard_normal((args.words, args.dim), dtype=np.float32)
        Vectors([f"w{i}" for i in range(args.words)], matrix).save(folder, format="native")
        del matrix
        print(json.dumps({"machine": machine(), "words": args.words, "dim": args.dim,
                          "matrix_mb": round(args.words * args.dim * 4 / 2**20, 1)}))
        for src in args.src:
            print(json.dumps({"src": str(src), **measure(folder, src)}), flush=True)


if __name__ == "__main__":
    main()
