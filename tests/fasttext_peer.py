"""fastText as a test peer: a tiny model trained by the ``fasttext`` module (skips without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

WORDS = ["the", "cat", "sat", "on", "mat", "naïve", "café", "日本語", "über", "a", "Москва"]


def corpus_file(folder: Path, lines: int = 3000) -> Path:
    """A corpus of WORDS and 300 random ASCII/Latin-1 words, 12 a line, seeded."""
    rng = np.random.default_rng(0)
    letters = list("abcdefghijklmnopqrstuvwxyzéü")
    vocab = ["".join(rng.choice(letters, rng.integers(1, 9))) for _ in range(300)] + WORDS
    path = folder / "corpus.txt"
    path.write_text("\n".join(" ".join(rng.choice(vocab, 12)) for _ in range(lines)) + "\n",
                    encoding="utf-8")
    return path


def train_fasttext(folder: Path, **options):
    """A skip-gram model trained by the fasttext module on :func:`corpus_file`.

    The module (fasttext-numpy2-wheel) now and then raises "Encountered NaN" on so small a
    corpus (a NaN dot product in its first updates), or returns a model with NaN or
    absurdly large rows (1e20 and more, where one epoch on this corpus gives values below 1)
    without saying so, in bursts (18 of 30 tries in one process, 1 of 30 in another); up
    to 30 tries.
    """
    fasttext = pytest.importorskip("fasttext")
    corpus = corpus_file(folder)
    settings = {"model": "skipgram", "dim": 8, "minCount": 1, "epoch": 1, "thread": 1,
                "verbose": 0, **options}
    for _ in range(30):
        try:
            model = fasttext.train_unsupervised(str(corpus), **settings)
        except RuntimeError as exc:
            if "NaN" not in str(exc):
                raise
            continue
        tables = (model.get_input_matrix(), model.get_output_matrix())
        if all(np.isfinite(t).all() and np.abs(t).max() < 1e3 for t in tables):
            return model
    pytest.skip("the fasttext module gave a NaN model 30 times")
