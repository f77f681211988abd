"""The pieces every engine shares: initial weights and the learning-rate schedule."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.config import TrainConfig
from w2v.engines.common import initial_input_vectors, learning_rate


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("init", "half_width"), [("word2vec", 0.5), ("gensim", 1.0)])
def test_initial_vectors_fill_their_range(dtype, init, half_width):
    config = TrainConfig(vector_size=20, init=init)
    table = initial_input_vectors(np.random.default_rng(0), 3000, config, dtype=dtype)
    assert table.shape == (3000, 20) and table.dtype == dtype
    bound = half_width / 20
    assert np.abs(table).max() < bound
    assert np.abs(table).max() > 0.99 * bound
    assert abs(float(table.mean())) < 0.01 * bound


def test_initial_vectors_depend_only_on_the_seed():
    config = TrainConfig(vector_size=4)
    first = initial_input_vectors(np.random.default_rng(7), 10, config)
    again = initial_input_vectors(np.random.default_rng(7), 10, config)
    other = initial_input_vectors(np.random.default_rng(8), 10, config)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_learning_rate_is_linear_and_clipped():
    config = TrainConfig(alpha=0.025, min_alpha=0.0001)
    assert learning_rate(config, 0.0) == pytest.approx(0.025)
    assert learning_rate(config, 0.5) == pytest.approx((0.025 + 0.0001) / 2)
    assert learning_rate(config, 1.0) == pytest.approx(0.0001)
    assert learning_rate(config, 1.7) == pytest.approx(0.0001)


@pytest.mark.parametrize("engine", ["reference", "numba"])
def test_gensim_init_trains_in_every_cpu_engine(engine):
    import w2v

    sentences = [["a", "b", "c", "d", "a", "b"]] * 20
    model = w2v.train(sentences, engine=engine, init="gensim", min_count=1, vector_size=4,
                      epochs=1, workers=1, seed=1)
    assert np.isfinite(model.vectors.vectors).all()


def test_history_entry_holds_the_mean_loss_and_the_rate():
    from w2v.engines.common import history_entry

    entry = history_entry("interval", 0, 1000, loss_sum=6.0, pairs=3, words=500, seconds=2.0,
                          alpha=0.02, elapsed_s=5.0)
    assert entry == {"kind": "interval", "epoch": 1, "words_done": 1000, "loss": 2.0,
                     "pairs": 3, "words_per_s": 250.0, "alpha": 0.02, "elapsed_s": 5.0}
    empty = history_entry("epoch", 2, 0, loss_sum=0.0, pairs=0, words=0, seconds=0.0,
                          alpha=0.01, elapsed_s=0.0)
    assert np.isnan(empty["loss"]) and empty["epoch"] == 3
