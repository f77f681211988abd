"""Quality of the fused GPU path's schedule under worst-case staleness, emulated on the CPU.

The fused kernels (``w2v.engines.torch.triton_kernels``) train windows Hogwild-style: P programs
each take runs of 16 consecutive kept centers, in a random order of runs, and a row read by
one window may miss the updates of the windows in flight at the same time. This script
replays that schedule on the CPU in **lockstep waves**: at each wave, each of the P programs
trains its next window, every gradient of the wave is computed from the tables as they were
before the wave, then all updates are added. That is the most staleness P programs can cause
(on a GPU programs drift apart and most updates land sooner). The window math is the CPU
engine's shared-negatives step; negatives, subsampling and radii are drawn with NumPy.

It answers, without a GPU, whether the fused path's order of work can keep the CPU engine's
quality at the concurrency an H100 gives (about 650 programs at 100 dims; more programs, more
staleness). It is a model of the schedule, not the GPU code: the kernels themselves are
checked against ``w2v.reference`` in ``tests/test_triton_kernels.py``.

    python benchmarks/fused_staleness.py --programs 1,650,4000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

from w2v.config import TrainConfig
from w2v.engines.common import initial_w_in, learning_rate
from w2v.engines.numba_engine import train as numba_train
from w2v.vectors import Vectors
from w2v.vocab import alias_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS  # noqa: E402 - the benchmarks folder is not a package
from gpu import SETTINGS, load_corpus, score  # noqa: E402

RUN = 16


# error_model="numpy": a diverging run gives inf/NaN (reported) instead of an exception.
@numba.njit(cache=True, error_model="numpy")
def _wave(w_in, w_out, ids, sentence, radius, negatives, centers, lrs, window, d_in, d_out,
          rows_in, rows_out):
    """Train the windows of ``centers`` (one per program) from the tables before the wave.

    Shapes: w_in, w_out (V, D) float32; ids, sentence (n,) int32; radius (n,) uint8;
    negatives (n, K) int32; centers, lrs (W,); d_in (W * 2 * window, D) and d_out
    (W * (K + 1), D) float32 scratch; rows_in, rows_out their row ids (int64, -1 unused).
    Returns the summed loss.
    """
    n, dim, k = len(ids), w_in.shape[1], negatives.shape[1]
    loss = 0.0
    rows_in[:] = -1
    rows_out[:] = -1
    for w in range(len(centers)):
        i, lr = centers[w], lrs[w]
        word = ids[i]
        base_in, base_out = w * 2 * window, w * (k + 1)
        slot = 0
        for off in range(-window, window + 1):
            j = i + off
            if off == 0 or abs(off) > radius[i] or j < 0 or j >= n or sentence[j] != sentence[i]:
                continue
            c = ids[j]
            rows_in[base_in + slot] = c
            d_in[base_in + slot, :] = 0.0
            for t in range(k + 1):
                target = word if t == 0 else negatives[i, t - 1]
                if t > 0 and target == word:
                    continue
                f = 0.0
                for e in range(dim):
                    f += w_in[c, e] * w_out[target, e]
                label = 1.0 if t == 0 else 0.0
                sig = 1.0 / (1.0 + np.exp(-f))
                z = -f if t == 0 else f
                loss += max(z, 0.0) + np.log1p(np.exp(-abs(z)))
                g = lr * (label - sig)
                if rows_out[base_out + t] < 0:
                    rows_out[base_out + t] = target
                    d_out[base_out + t, :] = 0.0
                for e in range(dim):
                    d_in[base_in + slot, e] += g * w_out[target, e]
                    d_out[base_out + t, e] += g * w_in[c, e]
            slot += 1
    for r in range(len(rows_in)):
        if rows_in[r] >= 0:
            w_in[rows_in[r]] += d_in[r]
    for r in range(len(rows_out)):
        if rows_out[r] >= 0:
            w_out[rows_out[r]] += d_out[r]
    return loss


@numba.njit(cache=True, error_model="numpy")
def _train_schedule(w_in, w_out, ids, sentence, radius, negatives, schedule, place,
                    lr_of_place, window, d_in, d_out, rows_in, rows_out):
    """Run the waves: column t of ``schedule`` (P, T) holds each program's t-th center (-1:
    done), ``place`` the place of its run in the order, ``lr_of_place`` the learning rates."""
    programs = schedule.shape[0]
    centers = np.empty(programs, dtype=np.int64)
    lrs = np.empty(programs, dtype=np.float32)
    loss = 0.0
    for t in range(schedule.shape[1]):
        m = 0
        for p in range(programs):
            if schedule[p, t] >= 0:
                centers[m] = schedule[p, t]
                lrs[m] = lr_of_place[place[p, t]]
                m += 1
        loss += _wave(w_in, w_out, ids, sentence, radius, negatives, centers[:m], lrs[:m],
                      window, d_in, d_out, rows_in, rows_out)
    return loss


def train_in_waves(encoded, vocab, config: TrainConfig, programs: int) -> np.ndarray:
    """Skip-gram on the fused path's schedule with ``programs`` programs in lockstep."""
    rng = np.random.default_rng(config.seed)
    size, dim, k = len(vocab), config.vector_size, config.negative
    w_in = initial_w_in(rng, size, config)
    w_out = np.zeros((size, dim), dtype=np.float32)
    keep = vocab.keep_probabilities(config.sample)
    prob, alias = alias_table(vocab.noise_distribution(config.ns_exponent))
    ids_all = np.asarray(encoded.ids, dtype=np.int32)
    sentence_all = np.repeat(np.arange(len(encoded.sentence_starts) - 1, dtype=np.int32),
                             np.diff(encoded.sentence_starts))
    d_in = np.empty((programs * 2 * config.window, dim), dtype=np.float32)
    d_out = np.empty((programs * (k + 1), dim), dtype=np.float32)
    rows_in = np.empty(len(d_in), dtype=np.int64)
    rows_out = np.empty(len(d_out), dtype=np.int64)
    for epoch in range(config.epochs):
        kept = rng.random(len(ids_all)) < keep[ids_all]
        ids, sentence = ids_all[kept], sentence_all[kept]
        n = len(ids)
        radius = rng.integers(1, config.window + 1, n).astype(np.uint8)
        column = rng.integers(0, size, (n, k))
        negatives = np.where(rng.random((n, k)) < prob[column], column,
                             alias[column]).astype(np.int32)
        runs = -(-n // RUN)
        order = rng.permutation(runs)
        # Program p takes the runs in places p, p + P, ...; its centers, in order, as a row.
        per_program = -(-runs // programs)
        schedule = np.full((programs, per_program * RUN), -1, dtype=np.int64)
        place = np.full_like(schedule, -1)
        for p in range(programs):
            taken = np.arange(p, runs, programs)
            starts = order[taken] * RUN
            centers = (starts[:, None] + np.arange(RUN)[None, :]).ravel()
            places = np.repeat(taken, RUN)
            ok = centers < n
            schedule[p, :ok.sum()] = centers[ok]
            place[p, :ok.sum()] = places[ok]
        # The fused path's rate: linear over the epoch with the run's place in the order.
        lr_of_place = np.array([learning_rate(config, (epoch + r / max(1, runs - 1))
                                              / config.epochs) for r in range(runs)],
                               dtype=np.float32)
        _train_schedule(w_in, w_out, ids, sentence, radius, negatives, schedule, place,
                        lr_of_place, config.window, d_in, d_out, rows_in, rows_out)
    return w_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--programs", default="1,650,4000",
                        help="comma-separated program counts to emulate")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-words", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=float, default=SETTINGS["sample"])
    args = parser.parse_args(argv)
    corpus = load_corpus(args.corpus, args.max_words, 1, SETTINGS["min_count"])
    settings = {**SETTINGS, "sample": args.sample}
    config = TrainConfig(**settings, sg=True, epochs=args.epochs, seed=args.seed, workers=1)
    print(f"corpus: {corpus.name}: {len(corpus.encoded.ids):,} words, vocabulary "
          f"{len(corpus.vocab):,}; skip-gram, sample {args.sample}, epochs {args.epochs}, "
          f"seed {args.seed}", file=sys.stderr)
    print("| schedule | wall s | analogy 30k | WS-353 | SimLex |")
    print("|---|---|---|---|---|")
    start = time.perf_counter()
    reference = numba_train(corpus.encoded, corpus.vocab, config).w_in
    r = score(Vectors(corpus.vocab.words, reference))
    print(f"| CPU engine, 1 thread | {time.perf_counter() - start:.0f} | {r['analogy']:.3f} | "
          f"{r['ws353']:.3f} | {r['simlex']:.3f} |", flush=True)
    for programs in (int(p) for p in args.programs.split(",")):
        start = time.perf_counter()
        vectors = train_in_waves(corpus.encoded, corpus.vocab, config, programs)
        seconds = time.perf_counter() - start
        if not np.isfinite(vectors).all():
            print(f"| fused schedule, {programs} programs in lockstep | {seconds:.0f} | "
                  "diverged | | |", flush=True)
            continue
        r = score(Vectors(corpus.vocab.words, vectors))
        print(f"| fused schedule, {programs} programs in lockstep | {seconds:.0f} | "
              f"{r['analogy']:.3f} | {r['ws353']:.3f} | {r['simlex']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
