"""The torch engine's history: the loss summed on the device, records, the divergence check.

Both paths add each step's (or launch's) summed loss and example count to a :class:`Meter`;
it makes the :class:`~w2v.engines.contract.HistoryRecord` of each interval (about a second)
and each epoch, and raises :class:`~w2v.errors.DivergenceError` when the mean loss is not
finite or far above the untrained model's.
"""

from __future__ import annotations

import math
import time
from typing import Any

from w2v.config import TrainConfig
from w2v.engines.contract import HistoryRecord, Report
from w2v.errors import DivergenceError

# A mean loss this many times the untrained model's is divergence (it only falls in training).
DIVERGED_LOSS_FACTOR = 100
# Wall seconds between history records (each record reads the loss back: one device sync).
REPORT_SECONDS = 1.0


class Meter:
    """Loss (kept on the device) and counts since the last interval and epoch record.

    Parameters
    ----------
    words_per_epoch : int
        Corpus words per epoch (``words_done`` of a record is this times the epochs done).
    config : TrainConfig
        Reads ``loss``, ``negative``, ``alpha`` and ``batch_pairs`` (the untrained loss and
        what the divergence error advises).
    report : callable or None
        Called with each record as it is made.
    fused : bool
        The run uses the fused kernels (``batch_pairs`` does not apply to them).
    vocab_size : int
        V, for the full softmax's untrained loss log V.
    """

    def __init__(self, words_per_epoch: int, config: TrainConfig, report: Report | None, *,
                 fused: bool, vocab_size: int) -> None:
        self.words_per_epoch = words_per_epoch
        self.report = report
        # The loss of the untrained model (zero output table): (1 + K) log 2 per negative-
        # sampling example, log V for the softmax. Training lowers it; a mean loss far above it
        # is divergence even while it is still finite.
        self.loss_start = ((1 + config.negative) * math.log(2) if config.loss == "neg"
                           else math.log(vocab_size))
        self.loss_limit = DIVERGED_LOSS_FACTOR * self.loss_start
        self.advice = ("Lower the {alpha} (now {now_alpha})." if fused else
                       "Lower the {batch_pairs} (now {now_batch}) or the {alpha} "
                       "(now {now_alpha}).")
        self.advice_values = {"now_alpha": config.alpha, "now_batch": config.batch_pairs}
        self.history: list[HistoryRecord] = []
        self.examples = 0
        self.start = time.perf_counter()
        # Per kind: [loss sum (device tensor or 0.0), examples, time, words] at the last record.
        self.open = {"interval": [0.0, 0, self.start, 0], "epoch": [0.0, 0, self.start, 0]}

    def add(self, loss: Any, examples: Any) -> None:
        """Add a step's summed loss (0-d tensor) and its examples (int or 0-d tensor)."""
        # float64 sums on the device: no sync per step, no float32 drift over millions of
        # steps (a fused launch sums its programs' float32 partial sums here).
        loss = loss.double()
        for acc in self.open.values():
            acc[0] = acc[0] + loss
            acc[1] += examples
        self.examples += examples

    def record(self, kind: str, epoch: int, epochs_done: float, alpha: float,
               force: bool = False) -> None:
        """Append a record of ``kind``; an interval only after REPORT_SECONDS, or ``force``.

        ``epoch`` is 0-based; ``epochs_done`` counts epochs, fractions included.

        Raises
        ------
        DivergenceError
            If the span's mean loss is not finite or above the divergence limit.
        """
        now = time.perf_counter()
        loss_sum, examples, since, words_then = self.open[kind]
        if kind == "interval" and now - since < REPORT_SECONDS and not force:
            return
        examples = int(examples)  # device syncs: the examples, then the loss
        if kind == "interval" and examples == 0:
            return
        loss_sum = float(loss_sum)
        loss = loss_sum / examples if examples else float("nan")
        if examples and not loss <= self.loss_limit:  # also NaN
            raise DivergenceError(
                "Training diverged in epoch {epoch}: the mean loss became {loss:.4g} "
                "(untrained: {start:.3g}). " + self.advice, epoch=epoch + 1, loss=loss,
                start=self.loss_start, **self.advice_values)
        words = round(self.words_per_epoch * epochs_done)
        entry = HistoryRecord.of_span(kind, epoch, words, loss_sum, examples, words - words_then,
                                      now - since, alpha, now - self.start)
        self.history.append(entry)
        self.open[kind] = [0.0, 0, now, words]
        if self.report is not None:
            self.report(entry)
