"""Peak memory of ``w2v train`` as the corpus grows: 1x, 4x, 16x the text8 prefix.

Each run is the real command line in a child process, on a folder holding k links to the
same corpus file (k x the words, no extra disk). With ``--max-memory`` smaller than the id
array, the ids are encoded to a memory-mapped temporary file. The parent samples the child's
``/proc/PID/status`` every 10 ms and reports the peaks of:

- ``VmRSS``: everything resident, including file pages of the memory-mapped ids (clean
  page cache: the kernel can drop them under pressure and read them again);
- ``RssAnon``: private memory (vocabulary, weights, buffers): what must fit in RAM;
- ``RssFile``: resident file-backed pages (libraries, the mapped ids).

Run: ``python benchmarks/memory.py [--corpus PATH] [--scales 1 4 16] [--epochs 1]
[--max-memory MB] [--baseline]``; ``--baseline`` adds an in-memory run at the largest scale.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS, machine  # noqa: E402 - the benchmarks folder is not a package

FIELDS = ("VmRSS", "RssAnon", "RssFile")
# min_count is 5 x the scale (below): k copies multiply every count by k, so this keeps the
# same vocabulary, hence the same weight tables, and only the corpus grows.
TRAIN_OPTIONS = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4",
                 "--workers", "2", "--seed", "1", "--quiet"]


def _status(pid: int) -> dict[str, int]:
    """The memory fields of /proc/PID/status, in KiB (empty once the process is gone)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name = line.split(":", 1)[0]
                if name in FIELDS:
                    values[name] = int(line.split()[1])
    except OSError:
        pass
    return values


def run_and_sample(command: list[str]) -> dict[str, Any]:
    """Run ``command``; return wall seconds, its stdout and the peak of each memory field (MB)."""
    peaks = dict.fromkeys(FIELDS, 0)
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        for name, kib in _status(proc.pid).items():
            peaks[name] = max(peaks[name], kib)
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return {"wall_s": wall, "summary": stdout.strip().splitlines()[-1],
            **{f"peak_{name}_mb": kib / 1024 for name, kib in peaks.items()}}


def scaled_corpus(corpus: Path, scale: int, folder: Path) -> Path:
    """A folder of ``scale`` links to ``corpus``: read as ``scale`` times the words."""
    target = folder / f"x{scale}"
    target.mkdir()
    for i in range(scale):
        (target / f"part{i:03d}{''.join(corpus.suffixes)}").symlink_to(corpus.resolve())
    return target


def _summary_counts(summary: str) -> tuple[str, str]:
    """Corpus tokens and vocabulary size from the 'Trained V words x D dims on N tokens' line."""
    parts = summary.split()
    try:
        return parts[parts.index("tokens") - 1], parts[1]
    except (ValueError, IndexError):
        return "?", "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-memory", type=float, default=4.0,
                        help="MB for the id array (default 4: every scale is memory-mapped)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run the largest scale with the ids in memory")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="w2v-memory-") as tmp:
        runs = [(scale, args.max_memory) for scale in args.scales]
        if args.baseline:
            runs.append((max(args.scales), None))
        for scale, budget in runs:
            folder = Path(tmp) / f"run{len(rows)}"
            folder.mkdir()
            corpus = scaled_corpus(args.corpus, scale, folder)
            command = [sys.executable, "-m", "w2v.cli", "train", str(corpus), "-o",
                       str(folder / "v.bin"), "--format", "binary", "--epochs",
                       str(args.epochs), "--min-count", str(5 * scale), *TRAIN_OPTIONS]
            if budget is not None:
                command += ["--max-memory", str(budget)]
            result = run_and_sample(command)
            rows.append({"scale": scale, "max_memory_mb": budget, **result})
            print(json.dumps(rows[-1]), flush=True)
    print(f"\nMachine: {machine()}")
    print(f"Corpus: {args.corpus} x scale, {args.epochs} epoch(s), --min-count 5 x scale, "
          f"{' '.join(TRAIN_OPTIONS)}")
    print("| corpus | words | vocab | ids | wall s | peak VmRSS MB | peak RssAnon MB | "
          "peak RssFile MB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for row in rows:
        ids = "in memory" if row["max_memory_mb"] is None else \
            f"memory-mapped (--max-memory {row['max_memory_mb']:g})"
        words, vocab = _summary_counts(row["summary"])
        print(f"| {row['scale']}x | {words} | {vocab} | {ids} | {row['wall_s']:.1f} | "
              f"{row['peak_VmRSS_mb']:.0f} | {row['peak_RssAnon_mb']:.0f} | "
              f"{row['peak_RssFile_mb']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
