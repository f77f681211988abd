"""Torch engine benchmark: speed, memory and quality next to the CPU (numba) engine.

Default: the text8 prefix (``../shared/data/text8/text8_prefix.gz``), dim 100, window 5,
negative 5, sample 1e-4, min_count 5, 5 epochs, for skip-gram, CBOW and skip-gram with the
full softmax. For each: wall seconds, corpus words/s (corpus words x epochs / wall s),
training examples/s (skip-gram pairs or CBOW windows), peak GPU memory, analogy accuracy on
the 30,000 most frequent words, WS-353 and SimLex-999 Spearman -- for the torch engine on
``--device`` and for the CPU engine (all cores) in the same invocation.

On CUDA the torch engine runs twice per variant where it can: with the fused Triton kernels
(``fused``, the default path for negative sampling) and with the batched PyTorch steps
(``batched``); ``--kernels`` picks. On an H100/H200 (one command; ``--repeat 8`` trains on
the prefix repeated 8x, the steady state)::

    python benchmarks/gpu.py --device cuda --out gpu.json
    python benchmarks/gpu.py --device cuda --repeat 8 --variants sg-neg --out gpu8.json

``benchmarks/gpu_check.sh`` runs the GPU tests and both commands in one go.

Smoke mode on a CPU (checks the script, not a GPU figure)::

    python benchmarks/gpu.py --device cpu --max-words 100000 --epochs 1 --variants sg-neg,cbow-neg

Timings exclude reading the corpus and a short warm-up run per engine (CUDA context and
numba compilation); each engine run ends with its vectors copied back to the host.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus, encode_corpus, iter_sentences
from w2v.evaluate import analogy, similarity
from w2v.vectors import Vectors
from w2v.vocab import Vocab, build_vocab

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_CORPUS  # noqa: E402 - the benchmarks folder is not a package

VARIANTS = {
    "sg-neg": {"sg": True, "loss": "neg"},
    "cbow-neg": {"sg": False, "loss": "neg"},
    "sg-softmax": {"sg": True, "loss": "softmax"},
}
SETTINGS = {"vector_size": 100, "window": 5, "negative": 5, "sample": 1e-4, "min_count": 5}


@dataclass
class Corpus:
    encoded: EncodedCorpus
    vocab: Vocab
    name: str


def load_corpus(path: Path, max_words: int | None, repeat: int, min_count: int) -> Corpus:
    """Read ``path`` once (its first ``max_words`` tokens), then tile its ids ``repeat`` times."""
    sentences, taken = [], 0
    for sentence in iter_sentences(path):
        if max_words is not None and taken + len(sentence) > max_words:
            sentence = sentence[:max_words - taken]
        sentences.append(sentence)
        taken += len(sentence)
        if max_words is not None and taken >= max_words:
            break
    vocab = build_vocab(sentences, min_count=min_count)
    encoded = encode_corpus(sentences, vocab)
    if repeat > 1:
        # The corpus repeated: counts (hence subsampling) scale with it, windows stay inside
        # each copy's sentences.
        n = len(encoded.ids)
        starts = encoded.sentence_starts
        tiled = np.concatenate([starts[:-1] + k * n for k in range(repeat)] + [[repeat * n]])
        encoded = EncodedCorpus(ids=np.tile(encoded.ids, repeat), sentence_starts=tiled,
                                raw_words=encoded.raw_words * repeat, stats=encoded.stats)
        vocab = Vocab(words=vocab.words, counts=vocab.counts * repeat,
                      total_words=vocab.total_words * repeat)
    name = path.name + (f" first {max_words:,} words" if max_words else "")
    return Corpus(encoded, vocab, name + (f" x{repeat}" if repeat > 1 else ""))


def _warm_slice(corpus: Corpus, words: int = 10_000) -> EncodedCorpus:
    starts = corpus.encoded.sentence_starts
    end = int(np.searchsorted(starts, words, side="right")) or 1
    cut = starts[:end + 1].copy()
    cut[-1] = min(int(cut[-1]), len(corpus.encoded.ids))
    return EncodedCorpus(ids=corpus.encoded.ids[:cut[-1]], sentence_starts=cut,
                         raw_words=int(cut[-1]), stats=corpus.encoded.stats)


def run_engine(engine: str, corpus: Corpus, config: TrainConfig,
               kernels: str | None = None) -> dict[str, Any]:
    """Train with ``engine``, timed and scored (:func:`_timed_run`).

    ``kernels`` ("fused" or "batched") forces the torch engine's path; None lets it choose.
    """
    if engine == "torch":
        from w2v.engines.torch import engine as torch_engine

        chooses = torch_engine.uses_fused_kernels
        if kernels is not None:
            torch_engine.uses_fused_kernels = lambda config, device: kernels == "fused"
        try:
            return _timed_run(torch_engine.train, engine, corpus, config)
        finally:
            torch_engine.uses_fused_kernels = chooses
    from w2v.engines.numba_engine import train

    return _timed_run(train, engine, corpus, config)


def _timed_run(train: Any, engine: str, corpus: Corpus, config: TrainConfig) -> dict[str, Any]:
    """Train once (after a 1-epoch warm-up on a slice), time it and score the vectors."""
    train(_warm_slice(corpus), corpus.vocab, config.replace(epochs=1))
    start = time.perf_counter()
    result = train(corpus.encoded, corpus.vocab, config)
    wall = time.perf_counter() - start
    epochs = [r for r in result.history if r.kind == "epoch"]
    examples = sum(r.examples for r in epochs)
    words = len(corpus.encoded.ids) * config.epochs
    vectors = Vectors(corpus.vocab.words, result.w_in)
    return {
        "engine": engine,
        "device": result.device if engine == "torch" else f"cpu x{config.workers}",
        "kernels": result.details.get("kernels", engine),
        "wall_s": wall, "words_per_s": words / wall, "examples_per_s": examples / wall,
        "examples": examples, "final_loss": epochs[-1].loss if epochs else None,
        "peak_gpu_bytes": result.details.get("peak_device_bytes"),
        **score(vectors),
    }


def score(vectors: Vectors) -> dict[str, float]:
    """Analogy (30k most frequent words), WS-353 and SimLex-999 Spearman."""
    result = analogy(vectors, restrict_vocab=30_000)
    return {"analogy": result.accuracy, "analogy_covered": result.total,
            "ws353": similarity(vectors, "WS-353").spearman,
            "simlex": similarity(vectors, "SimLex-999").spearman}


def _row(variant: str, r: dict[str, Any]) -> str:
    peak = f"{r['peak_gpu_bytes'] / 2**20:,.0f}" if r["peak_gpu_bytes"] else "-"
    engine = f"{r['engine']} {r['kernels']}" if r["engine"] == "torch" else r["engine"]
    return (f"| {variant} | {engine} ({r['device']}) | {r['wall_s']:.1f} | "
            f"{r['words_per_s'] / 1e6:.2f} | {r['examples_per_s'] / 1e6:.2f} | {peak} | "
            f"{r['analogy']:.3f} | {r['ws353']:.3f} | {r['simlex']:.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    parser.add_argument("--repeat", type=int, default=1, help="train on the corpus repeated N x")
    parser.add_argument("--max-words", type=int, default=None, help="use only the first N words")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-pairs", type=int, default=TrainConfig().batch_pairs)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, among {', '.join(VARIANTS)}")
    parser.add_argument("--kernels", default="fused,batched",
                        help="torch engine paths to run: fused (Triton, CUDA and negative "
                             "sampling only), batched, or both (comma-separated)")
    parser.add_argument("--centers-per-run", type=int, default=None,
                        help="fused path: consecutive centers a GPU program trains in a row "
                             "(tuning)")
    parser.add_argument("--warps", type=int, default=None,
                        help="fused path: warps per GPU program instead of the engine's choice "
                             "(tuning)")
    parser.add_argument("--no-cpu-engine", action="store_true",
                        help="skip the CPU (numba) engine runs")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="threads of the CPU engine (and of torch on --device cpu)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    _tune_fused_kernels(args.centers_per_run, args.warps)
    corpus = load_corpus(args.corpus, args.max_words, args.repeat, SETTINGS["min_count"])
    print(f"corpus: {corpus.name}: {len(corpus.encoded.ids):,} words, "
          f"vocabulary {len(corpus.vocab):,}; epochs {args.epochs}", file=sys.stderr)
    results = []
    for variant in args.variants.split(","):
        config = TrainConfig(**SETTINGS, **VARIANTS[variant], epochs=args.epochs,
                             workers=args.workers, seed=args.seed, device=args.device,
                             batch_pairs=args.batch_pairs)
        runs = [("torch", k) for k in _torch_paths(args.kernels, config)]
        if not args.no_cpu_engine:
            runs.append(("numba", None))
        for engine, kernels in runs:
            r = run_engine(engine, corpus, config.replace(engine=engine), kernels)
            r["variant"] = variant
            results.append(r)
            print(_row(variant, r), file=sys.stderr)

    print("| variant | engine | wall s | M words/s | M examples/s | peak GPU MiB | analogy 30k "
          "| WS-353 | SimLex |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(_row(r["variant"], r))
    if args.out:
        meta = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(sys.argv), "corpus": corpus.name,
                "words": len(corpus.encoded.ids), "vocab": len(corpus.vocab),
                "epochs": args.epochs, "batch_pairs": args.batch_pairs, **SETTINGS,
                "centers_per_run": _centers_per_run(), "warps": args.warps,
                "machine": platform.platform(), "gpu": _gpu_name(args.device)}
        with atomic_write(args.out, "w", encoding="utf-8") as handle:
            json.dump({"meta": meta, "results": results}, handle, indent=1)
    return 0


def _torch_paths(requested: str, config: TrainConfig) -> list[str]:
    """The torch engine paths to run for ``config``: the fused one needs CUDA and sampling.

    With ``TRITON_INTERPRET=1`` the fused path also runs on the CPU, interpreted (about
    10 ms per window: a smoke test of this script on a few thousand words, not a figure).
    """
    paths = [k for k in requested.split(",") if k]
    unknown = set(paths) - {"fused", "batched"}
    if unknown:
        raise SystemExit(f"gpu.py: error: --kernels takes fused and/or batched, not {unknown}")
    interpreted = os.environ.get("TRITON_INTERPRET") == "1"
    fused_possible = (config.device.startswith("cuda") or interpreted) and config.loss == "neg"
    return [k for k in paths if k == "batched" or fused_possible]


def _tune_fused_kernels(centers_per_run: int | None, warps: int | None) -> None:
    """Override the fused path's run length and warps for this process (a tuning sweep)."""
    from w2v.engines.torch import schedule

    if centers_per_run is not None:
        schedule.CENTERS_PER_RUN = centers_per_run
    if warps is not None:
        from w2v.engines.torch import triton_kernels

        triton_kernels.num_warps = lambda slots, block_d: warps


def _centers_per_run() -> int:
    from w2v.engines.torch import schedule

    return schedule.CENTERS_PER_RUN


def _gpu_name(device: str) -> str | None:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.get_device_name(torch.device(device))


if __name__ == "__main__":
    from w2v.errors import W2VError

    try:
        sys.exit(main())
    except W2VError as exc:  # e.g. no CUDA: one line, not a traceback
        sys.exit(f"gpu.py: error: {exc}")
