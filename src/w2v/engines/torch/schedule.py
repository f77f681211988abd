"""How the torch engine cuts an epoch into work: blocks, steps, launches and learning rates.

Plain arithmetic on the options and the vocabulary (no PyTorch), shared by both paths:

- an epoch's kept centers are taken in **blocks** of up to :data:`SHUFFLE_BLOCK`; the batched
  path shuffles each block's examples and takes :func:`examples_per_step` of them per SGD
  step, the fused path trains each block in one launch of :func:`fused_programs` programs,
  each taking runs of :data:`CENTERS_PER_RUN` consecutive centers;
- both bound how many stale gradients the most frequent kept word's input row can get at
  once (:data:`MAX_ROW_PAIRS`): too many make training diverge. The measurements behind the
  bound are in ``docs/gpu.md`` ("Why these batch and shuffle choices").
"""

from __future__ import annotations

from w2v.config import TrainConfig
from w2v.engines.common import learning_rate
from w2v.vocab import Vocab

# Kept centers whose examples are generated (and, on the batched path, shuffled) together.
# Bounds the block's buffers (about 2 * window * SHUFFLE_BLOCK pairs of 40 bytes) while keeping
# each shuffle wide enough to spread a word that is bursty in one article over many steps.
SHUFFLE_BLOCK = 1 << 21
# Tokens subsampled at once: bounds the (chunk,) random buffer.
SUBSAMPLE_CHUNK = 1 << 24
# Expected examples in one step (batched) or in flight (fused) whose input is the most frequent
# kept word. Calibrated on text8, skip-gram, lr 0.025: runs at up to 156 trained normally, runs
# at 208 and above diverged (docs/gpu.md).
MAX_ROW_PAIRS = 100
# The learning rates at which that bound was measured (skip-gram; CBOW trained normally with
# it at 0.05): the summed stale update grows with the rate, so the batched path lowers the
# bound in proportion above them (the default rates are higher: 0.035 and 0.06).
CALIBRATED_ALPHA = {"sg": 0.025, "cbow": 0.05}
# Fused path: consecutive kept centers one program trains in a row (a run). Short runs spread
# the windows in flight over the whole block (runs are taken in a random order); long ones
# amortise each run's start. Not tuned on a GPU yet (benchmarks/gpu.py --centers-per-run).
CENTERS_PER_RUN = 16


def top_kept_share(vocab: Vocab, config: TrainConfig) -> float:
    """The most frequent word's expected share of the tokens that subsampling keeps."""
    kept = vocab.counts * vocab.keep_probabilities(config.sample)
    return float(kept.max() / kept.sum()) if kept.sum() > 0 else 0.0


def examples_per_step(config: TrainConfig, top_share: float = 0.0) -> int:
    """Examples per batched SGD step: skip-gram pairs, or CBOW windows holding as many pairs.

    The pairs per step are ``batch_pairs``, lowered where needed so that the most frequent
    kept word (``top_share`` of the kept tokens) is the input of at most about
    :data:`MAX_ROW_PAIRS` pairs of one step: its input row gets that many stale gradients
    summed. A CBOW window adds its whole dJ/dh to each of its up to 2 * window context rows,
    so a step takes ``pairs // (2 * window)`` windows.

    Parameters
    ----------
    config : TrainConfig
        Reads ``batch_pairs``, ``sg`` and ``window``.
    top_share : float
        The most frequent kept word's share of the kept tokens (:func:`top_kept_share`);
        0 applies no bound.

    Returns
    -------
    int
        At least 1.
    """
    pairs = config.batch_pairs
    if top_share > 0:
        calibrated = CALIBRATED_ALPHA["sg" if config.sg else "cbow"]
        bound = MAX_ROW_PAIRS * min(1.0, calibrated / config.alpha)
        pairs = max(1, min(pairs, int(bound / top_share)))
    if config.sg:
        return pairs
    return max(1, pairs // (2 * config.window))


def fused_programs(config: TrainConfig, top_share: float) -> int | None:
    """Programs per fused launch, or None for one per run (the GPU then decides how many run).

    Each program trains one window at a time, so the programs bound the windows in flight,
    hence the stale gradients a row can get: as :func:`examples_per_step` does for the
    batched path, the most frequent kept word is kept to about :data:`MAX_ROW_PAIRS`
    contexts in flight (a window has window + 1 contexts on average).
    """
    if top_share <= 0:
        return None
    return max(1, int(MAX_ROW_PAIRS / (top_share * (config.window + 1))))


def epoch_learning_rate(config: TrainConfig, epochs_done: float) -> float:
    """Linear decay from alpha to min_alpha over all epochs (word2vec.c, gensim).

    ``epochs_done`` counts epochs, fractions included (1.5: half-way through the second).
    """
    return learning_rate(config, epochs_done / config.epochs)
