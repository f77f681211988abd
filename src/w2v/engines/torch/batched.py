"""The torch engine's batched path: summed SGD steps over shuffled examples, in eager PyTorch.

It serves the full softmax, per-pair negatives (``shared_negatives=False``) and the CPU; the
fused kernels (:mod:`w2v.engines.torch.fused`) serve shared-negative sampling on CUDA.

Per epoch: subsample and draw the window radii (:func:`~w2v.engines.torch.sampling.epoch_tokens`);
then for each block of up to :data:`~w2v.engines.torch.schedule.SHUFFLE_BLOCK` kept centers,
find its examples (:func:`skipgram_pairs`, :func:`cbow_contexts`), shuffle them, and take
:func:`~w2v.engines.torch.schedule.examples_per_step` of them per SGD step
(:func:`w2v.engines.torch.steps.sgd_step`).

Why shuffled, and why bounded steps: examples taken in corpus order make a word bursty in one
article the input of dozens of identical stale gradients summed in one step, and too large a
step does the same to the most frequent word; both diverge (measurements in ``docs/gpu.md``).
"""

from __future__ import annotations

import torch

from w2v.config import TrainConfig
from w2v.engines.torch.meter import Meter
from w2v.engines.torch.pauses import HostPauses
from w2v.engines.torch.schedule import SHUFFLE_BLOCK, epoch_learning_rate, examples_per_step
from w2v.engines.torch.steps import sgd_step
from w2v.engines.torch.tables import DeviceTables


def run_epoch(t: DeviceTables, config: TrainConfig, epoch: int, meter: Meter,
              pauses: HostPauses | None = None) -> None:
    """One pass (``epoch`` 0-based): subsample, draw windows, then shuffled batches by block.

    ``pauses``: a control's pause points, asked after every step (a distributed run's syncs).
    """
    kept_ids, kept_sentence, radius = t.epoch_tokens(config)
    n = len(kept_ids)
    alpha = config.alpha
    block = SHUFFLE_BLOCK if pauses is None else pauses.max_centers(SHUFFLE_BLOCK)
    for start in range(0, n, block):
        stop = min(n, start + block)
        targets, inputs, valid = block_examples(t.generator, config, kept_ids, kept_sentence,
                                                radius, start, stop)
        m, step = len(targets), examples_per_step(config, t.top_share)
        for b in range(0, m, step):
            # The learning rate by the share of the epoch's centers done (the block's examples
            # count evenly over its centers).
            alpha = epoch_learning_rate(config, epoch + (start + (stop - start) * b / m) / n)
            e = min(m, b + step)
            batch_valid = None if valid is None else valid[b:e]
            loss = _step(t, config, targets[b:e], inputs[b:e], batch_valid, alpha)
            meter.add(loss, e - b)
            done = (start + (stop - start) * e / m) / n  # share of the epoch's centers
            meter.record("interval", epoch, epoch + done, alpha)
            if pauses is not None:
                pauses.after_step(epoch, done)
    meter.record("interval", epoch, epoch + 1.0, alpha, force=True)
    meter.record("epoch", epoch, epoch + 1.0, alpha)
    if pauses is not None:
        pauses.epoch_end(epoch)


def block_examples(generator: torch.Generator, config: TrainConfig, kept_ids: torch.Tensor,
                   kept_sentence: torch.Tensor, radius: torch.Tensor, start: int,
                   stop: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Shuffled examples of the centers in ``[start, stop)``: (targets, inputs, valid).

    Skip-gram: targets (P,) are the center ids, inputs (P,) the context ids, valid None
    (word2vec.c's orientation: the context's input vector predicts the center word).
    CBOW: targets (B,) are the center ids, inputs (B, 2W) the context ids, valid (B, 2W)
    (centers without any context are dropped, as in word2vec.c). Ids are int64.
    """
    device = kept_ids.device
    if config.sg:
        centers, contexts = skipgram_pairs(kept_sentence, radius, start, stop, config.window)
        order = torch.randperm(len(centers), generator=generator, device=device)
        return kept_ids[centers[order]].long(), kept_ids[contexts[order]].long(), None
    centers = torch.arange(start, stop, device=device)
    positions, valid = cbow_contexts(kept_sentence, radius, centers, config.window)
    has_context = valid.any(1)
    centers, positions, valid = centers[has_context], positions[has_context], valid[has_context]
    order = torch.randperm(len(centers), generator=generator, device=device)
    return kept_ids[centers[order]].long(), kept_ids[positions[order]].long(), valid[order]


def _step(t: DeviceTables, config: TrainConfig, targets: torch.Tensor, inputs: torch.Tensor,
          valid: torch.Tensor | None, lr: float) -> torch.Tensor:
    """Draw the batch's negatives (if any) and take one SGD step; returns the summed loss."""
    negatives = None
    if config.loss == "neg" and config.negative > 0:
        negatives = t.noise.draw((len(targets), config.negative), t.generator)
    return sgd_step(t.w_in, t.w_out, targets, inputs, valid, negatives, lr, tree=t.hs,
                    cbow_mean=config.cbow_mean)


def skipgram_pairs(sentence: torch.Tensor, radius: torch.Tensor, start: int, stop: int,
                   window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Positions of the (center, context) pairs whose center lies in ``[start, stop)``.

    ``sentence`` (N,) holds each kept token's sentence number and ``radius`` (N,) each
    center's window, drawn in 1..window (word2vec.c's dynamic window). A context is any kept
    token at distance 1..radius[center] in the same sentence. Contexts may lie outside the
    block, so blocks never cut a window. Returns two int64 (P,) tensors of positions.
    """
    n = len(sentence)
    centers, contexts = [], []
    for d in range(1, window + 1):
        # Forward: context at c + d.
        hi = min(stop, n - d)
        if hi > start:
            ok = (radius[start:hi] >= d) & (sentence[start:hi] == sentence[start + d:hi + d])
            c = ok.nonzero().squeeze(1) + start
            centers += [c]
            contexts += [c + d]
        # Backward: context at c - d.
        lo = max(start, d)
        if stop > lo:
            ok = (radius[lo:stop] >= d) & (sentence[lo:stop] == sentence[lo - d:stop - d])
            c = ok.nonzero().squeeze(1) + lo
            centers += [c]
            contexts += [c - d]
    if not centers:
        empty = torch.empty(0, dtype=torch.int64, device=sentence.device)
        return empty, empty
    return torch.cat(centers), torch.cat(contexts)


def cbow_contexts(sentence: torch.Tensor, radius: torch.Tensor, centers: torch.Tensor,
                  window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Context positions (B, 2*window) of each center and their validity mask (B, 2*window).

    Slot j holds offset ``offsets[j]`` in -window..-1, 1..window; a slot is valid when the
    offset is within the center's radius, inside the array, and in the same sentence.
    Invalid slots hold the center's own position (a safe index, masked out).
    """
    device = sentence.device
    steps = torch.arange(1, window + 1, device=device)
    offsets = torch.cat([-steps.flip(0), steps])                      # (2W,)
    pos = centers[:, None] + offsets[None, :]                         # (B, 2W)
    inside = (pos >= 0) & (pos < len(sentence))
    pos = torch.where(inside, pos, centers[:, None])
    valid = inside & (offsets.abs()[None, :] <= radius[centers][:, None].long())
    valid &= sentence[pos] == sentence[centers][:, None]
    return pos, valid
