"""One rank of the distributed tests (run by torchrun or with its environment set by hand).

    python distributed_worker.py MODE CORPUS OUTPUT LOG_DIR [CHECKPOINT_DIR]

MODE ``job`` trains with ``w2v.job.train_to_path(..., distributed=...)`` and records, in
LOG_DIR, which rank saved vectors and what each rank ended with (vocabulary, a digest of
its tables, sync facts). ``stop`` does the same, but rank 1 sends itself SIGTERM at its
third sync (a checkpoint and a clean stop of every rank must follow). ``kill`` has rank 1
SIGKILL itself at its second sync: rank 0 must stop with a clear error, not hang. ``torch``
is ``job`` with the torch engine on every rank (on the CPU: the batched path).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

from w2v.checkpoint import TrainingInterrupted
from w2v.distributed import sync
from w2v.job import train_to_path
from w2v.vectors import Vectors

OPTIONS = {"vector_size": 20, "window": 3, "negative": 3, "min_count": 2, "epochs": 5,
           "workers": 1, "seed": 3}
SYNC_EVERY = 5_000


def main() -> None:
    mode, corpus, output, log_dir = sys.argv[1:5]
    checkpoint_dir = sys.argv[5] if len(sys.argv) > 5 else None
    rank = int(os.environ["RANK"])
    log = Path(log_dir)
    _record_saves(log, rank)
    if rank == 1 and mode in ("stop", "kill"):
        _misbehave_at(3 if mode == "stop" else 2, signal.SIGTERM if mode == "stop"
                      else signal.SIGKILL)
    outcome = {"rank": rank}
    engine = {"engine": "torch"} if mode == "torch" else {}
    try:
        model = train_to_path(corpus, output, checkpoint_dir=checkpoint_dir,
                              distributed={"sync_every": SYNC_EVERY, "timeout_s": 60},
                              **OPTIONS, **engine)
    except TrainingInterrupted as stop:
        outcome.update(interrupted=stop.signum, folder=str(stop.folder))
    else:
        outcome.update(words=model.vocab.words, counts=model.vocab.counts.tolist(),
                       total=model.vocab.total_words,
                       w_in=hashlib.sha256(model.vectors.vectors.tobytes()).hexdigest(),
                       loss=model.epoch_losses()[-1], stats=model.stats["distributed"])
    (log / f"rank-{rank}.json").write_text(json.dumps(outcome))


def _record_saves(log: Path, rank: int) -> None:
    """Every vectors save appends this rank to LOG_DIR/saves."""
    original = Vectors.save

    def save(self, path, format="text"):
        with open(log / "saves", "a") as f:
            f.write(f"{rank}\n")
        return original(self, path, format=format)

    Vectors.save = save


def _misbehave_at(call: int, signum: int) -> None:
    original = sync.DeltaSync.__call__
    calls = [0]

    def wrapped(self, state, stats):
        calls[0] += 1
        if calls[0] == call:
            os.kill(os.getpid(), signum)
        return original(self, state, stats)

    sync.DeltaSync.__call__ = wrapped


if __name__ == "__main__":
    main()
