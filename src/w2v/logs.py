"""Logging as gensim does it: INFO records on the ``"w2v"`` logger, silent unless configured.

``logging.basicConfig(level=logging.INFO)`` (or a handler on ``logging.getLogger("w2v")``)
shows the vocabulary, each epoch's loss and speed, and the run's timing. Without it nothing
is printed: Python drops INFO records of a logger nobody configured, and the package adds a
``NullHandler`` so that it never falls back to printing them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from w2v.callbacks import Callback

if TYPE_CHECKING:
    from w2v.config import TrainConfig
    from w2v.engines.contract import HistoryRecord
    from w2v.training import Model
    from w2v.vocab import Vocab

logger = logging.getLogger("w2v")


def log_vocab(vocab: Vocab, config: TrainConfig, distinct: int | None = None) -> None:
    """One INFO line about a vocabulary just built (``distinct``: word types counted)."""
    seen = f"{distinct:,} word types, " if distinct is not None else ""
    logger.info("vocabulary: %s%s tokens; kept %s words (min_count=%d), %.1f%% of the tokens",
                seen, f"{vocab.total_words:,}", f"{len(vocab):,}", config.min_count,
                100.0 * vocab.retained_words / max(vocab.total_words, 1))


class TrainingLog(Callback):
    """Logs the start, each epoch and the end of a run at INFO (added to every run)."""

    def __init__(self, config: TrainConfig, vocab_size: int) -> None:
        self.config, self.vocab_size = config, vocab_size

    def on_train_begin(self, total_words: int, epochs: int) -> None:
        cfg = self.config
        logger.info("training %s (%s) with %d worker(s) on %s words x %d dims: "
                    "%s in-vocabulary words x %d epochs, alpha %g -> %g, engine %s",
                    "skip-gram" if cfg.sg else "CBOW", f"negative={cfg.negative}"
                    if cfg.loss == "neg" else "full softmax", cfg.workers,
                    f"{self.vocab_size:,}", cfg.vector_size, f"{total_words:,}", epochs,
                    cfg.alpha, cfg.min_alpha, cfg.engine)

    def on_record(self, record: HistoryRecord) -> None:
        if record.kind == "epoch":
            logger.info("EPOCH %d: loss %.4f over %s examples, %s words/s, alpha %.6f, "
                        "%.1f s elapsed", record.epoch, record.loss, f"{record.examples:,}",
                        f"{record.words_per_s:,.0f}", record.alpha, record.elapsed_s)

    def on_train_end(self, model: Model) -> None:
        stats = model.stats
        logger.info("training done: %d epoch(s) in %.1f s (%s corpus words/s)",
                    stats.get("epochs_trained", 0), stats.get("train_seconds", 0.0),
                    f"{stats.get('words_per_s', 0.0):,.0f}")
