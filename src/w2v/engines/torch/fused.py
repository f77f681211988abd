"""The torch engine's fused path: one Triton launch trains a block of centers, on CUDA.

It serves negative sampling with negatives shared per window (``shared_negatives``, the
default; skip-gram and CBOW) on CUDA. Per epoch: subsample and draw the window radii, as the
batched path does; then for each block of up to
:data:`~w2v.engines.torch.schedule.SHUFFLE_BLOCK` kept centers, three tensor ops and one
launch (:func:`w2v.engines.torch.triton_kernels.train_block`):

- K negatives per center, shared by its window;
- a random order of the block's runs of :data:`~w2v.engines.torch.schedule.CENTERS_PER_RUN`
  consecutive centers, so that the windows in flight at once are spread over the block;
- a learning rate falling linearly over the block, on at most
  :func:`~w2v.engines.torch.schedule.fused_programs` programs.

The host waits for nothing per block: the loss and the example count stay on the device
until the meter reads them back for a record.
"""

from __future__ import annotations

import torch

from w2v.config import TrainConfig
from w2v.engines.torch import schedule
from w2v.engines.torch.meter import Meter
from w2v.engines.torch.pauses import HostPauses
from w2v.engines.torch.tables import DeviceTables
from w2v.engines.torch.triton_kernels import train_block


def run_epoch(t: DeviceTables, config: TrainConfig, epoch: int, meter: Meter,
              pauses: HostPauses | None = None) -> None:
    """One pass (``epoch`` 0-based) with the fused kernels: one launch per block.

    ``pauses``: a control's pause points, asked after every block (blocks are cut short
    enough to pass each of them in time).
    """
    kept_ids, kept_sentence, radius = t.epoch_tokens(config)
    n, device = len(kept_ids), kept_ids.device
    # Read at each epoch (not imported by name) so that a tuning run can change it.
    per_run = schedule.CENTERS_PER_RUN
    programs = schedule.fused_programs(config, t.top_share)
    alpha = config.alpha
    block = schedule.SHUFFLE_BLOCK
    block = block if pauses is None else pauses.max_centers(block)
    for start in range(0, n, block):
        stop = min(n, start + block)
        negatives = t.noise.draw((stop - start, config.negative), t.generator).int()
        runs = -(-(stop - start) // per_run)
        order = torch.randperm(runs, generator=t.generator, device=device, dtype=torch.int32)
        lr_first = schedule.epoch_learning_rate(config, epoch + start / n)
        alpha = schedule.epoch_learning_rate(config, epoch + stop / n)
        loss, count = train_block(t.w_in, t.w_out, kept_ids, kept_sentence, radius, negatives,
                                  order, start, stop, per_run, lr_first, alpha,
                                  sg=config.sg, window=config.window, programs=programs)
        meter.add(loss, count)
        meter.record("interval", epoch, epoch + stop / n, alpha)
        if pauses is not None:
            pauses.after_step(epoch, stop / n)
    meter.record("interval", epoch, epoch + 1.0, alpha, force=True)
    meter.record("epoch", epoch, epoch + 1.0, alpha)
    if pauses is not None:
        pauses.epoch_end(epoch)
