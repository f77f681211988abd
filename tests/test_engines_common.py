"""The pieces every engine shares: initial weights and the learning-rate schedule."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.config import TrainConfig
from w2v.engines.common import initial_w_in, learning_rate


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("init", "half_width"), [("word2vec", 0.5), ("gensim", 1.0)])
def test_initial_vectors_fill_their_range(dtype, init, half_width):
    config = TrainConfig(vector_size=20, init=init)
    table = initial_w_in(np.random.default_rng(0), 3000, config, dtype=dtype)
    assert table.shape == (3000, 20) and table.dtype == dtype
    bound = half_width / 20
    assert np.abs(table).max() < bound
    assert np.abs(table).max() > 0.99 * bound
    assert abs(float(table.mean())) < 0.01 * bound


def test_initial_vectors_depend_only_on_the_seed():
    config = TrainConfig(vector_size=4)
    first = initial_w_in(np.random.default_rng(7), 10, config)
    again = initial_w_in(np.random.default_rng(7), 10, config)
    other = initial_w_in(np.random.default_rng(8), 10, config)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_learning_rate_is_linear_and_clipped():
    config = TrainConfig(alpha=0.025, min_alpha=0.0001)
    assert learning_rate(config, 0.0) == pytest.approx(0.025)
    assert learning_rate(config, 0.5) == pytest.approx((0.025 + 0.0001) / 2)
    assert learning_rate(config, 1.0) == pytest.approx(0.0001)
    assert learning_rate(config, 1.7) == pytest.approx(0.0001)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_every_cpu_engine_starts_from_the_named_init(engine):
    import w2v

    # A learning rate of 1e-12 leaves the trained table equal to the initial one (to float32
    # precision), so the result shows the initialisation each engine used.
    sentences = [["a", "b", "c", "d", "a", "b"]] * 20
    options = {"engine": engine, "min_count": 1, "vector_size": 50, "epochs": 1, "workers": 1,
               "seed": 1, "sample": 0, "alpha": 1e-12, "min_alpha": 0.0, "negative": 3}
    narrow = w2v.train(sentences, init="word2vec", **options).vectors.vectors
    wide = w2v.train(sentences, init="gensim", **options).vectors.vectors
    np.testing.assert_allclose(wide, 2 * narrow, rtol=1e-5)
    assert 0.9 * 0.5 / 50 < np.abs(narrow).max() <= 0.5 / 50
