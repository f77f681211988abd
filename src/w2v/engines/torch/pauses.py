"""A control's pause points in the torch engine: the tables shown to it as host arrays.

The numba engine parks its threads between chunks and hands the control
(:class:`w2v.engines.contract.Control`) a :class:`TrainingState` of numpy tables; a
distributed run syncs the ranks' tables there (:class:`w2v.distributed.sync.SyncControl`).
The torch engine's steps are the same kind of boundary: between two of them the tables on
the device are consistent. :class:`HostPauses` asks the control after every step (batched
path) or block (fused path) and, when it wants a pause, shows it the tables as numpy
arrays: on the CPU the very memory of the tensors (what the control changes is what
trains next), on a GPU host copies made for the pause and copied back after it.

The control reads the progress from ``state.counters`` (words read, column 2, as the numba
threads count them): here the share of the epoch's kept centers done, in corpus words.
"""

from __future__ import annotations

import numpy as np
import torch

from w2v.engines.contract import Control, TrainingState
from w2v.engines.torch.tables import DeviceTables


class HostPauses:
    """Pauses of one torch run for ``control``, over ``state`` (its tables start the run).

    Parameters
    ----------
    tables : DeviceTables
        The run's tables; set here to ``state``'s initial values.
    state : TrainingState
        ``w_in``, ``w_out`` float32 (V, D): the tables to start from (a distributed run's
        broadcast tables); on the CPU they become views of the tensors.
    control : Control
    corpus_words : int
        Words of the corpus (one epoch), the unit of ``state.counters``.
    """

    def __init__(self, tables: DeviceTables, state: TrainingState, control: Control,
                 corpus_words: int) -> None:
        self.tables, self.state, self.control = tables, state, control
        self.corpus_words = corpus_words
        tables.w_in.copy_(torch.from_numpy(np.ascontiguousarray(state.w_in)))
        tables.w_out.copy_(torch.from_numpy(np.ascontiguousarray(state.w_out)))
        self.shared = tables.w_in.device.type == "cpu"
        if self.shared:  # the control edits the tensors' own memory
            state.w_in, state.w_out = tables.w_in.numpy(), tables.w_out.numpy()
        if state.counters is None:
            state.counters = np.zeros((1, 3))

    def max_centers(self, block: int) -> int:
        """A block size that passes every pause point the control asks for in time."""
        limit = self.control.max_chunk_words
        return block if limit is None else max(1, min(block, int(limit)))

    def after_step(self, epoch: int, fraction: float) -> None:
        """After a step of epoch ``epoch`` (0-based), ``fraction`` of it done."""
        self._progress(epoch, fraction)
        if self.control.wants_pause():
            self._pause(epoch_end=False)

    def epoch_end(self, epoch: int) -> None:
        """After the last step of epoch ``epoch`` (0-based)."""
        self._progress(epoch + 1, 0.0)
        self._pause(epoch_end=True)

    def _progress(self, epoch: int, fraction: float) -> None:
        self.state.epoch = epoch
        self.state.counters[:, 2] = 0.0
        self.state.counters[0, 2] = (epoch + fraction) * self.corpus_words

    def _pause(self, epoch_end: bool) -> None:
        if not self.shared:
            self.state.w_in = self.tables.w_in.cpu().numpy()
            self.state.w_out = self.tables.w_out.cpu().numpy()
        self.control.paused(self.state, epoch_end)
        if not self.shared:
            self.tables.w_in.copy_(torch.from_numpy(self.state.w_in))
            self.tables.w_out.copy_(torch.from_numpy(self.state.w_out))
