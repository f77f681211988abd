"""TrainConfig validation: every option checked once, with one message template."""

from __future__ import annotations

import pytest

from w2v.config import TrainConfig
from w2v.errors import ConfigError


def test_default_learning_rates_depend_on_the_architecture():
    assert TrainConfig(sg=True).alpha == pytest.approx(0.035)
    assert TrainConfig(sg=False).alpha == pytest.approx(0.06)
    assert TrainConfig(alpha=0.1).alpha == pytest.approx(0.1)
    assert TrainConfig(sg=False, alpha=0.05).alpha == pytest.approx(0.05)  # word2vec.c's CBOW


@pytest.mark.parametrize("sg", [True, False])
def test_subword_defaults_are_fasttexts_and_overridable(sg):
    # fastText's model: lr 0.05 for both architectures, noise count ** 0.5, U(-1/D, 1/D).
    config = TrainConfig(subwords=True, sg=sg)
    assert (config.alpha, config.ns_exponent, config.init) == (0.05, 0.5, "gensim")
    words = TrainConfig(sg=sg)
    assert words.ns_exponent == 0.75 and words.alpha != 0.05
    given = TrainConfig(subwords=True, sg=sg, alpha=0.02, ns_exponent=0.75, init="word2vec")
    assert (given.alpha, given.ns_exponent, given.init) == (0.02, 0.75, "word2vec")


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("vector_size", 0,
         "'vector_size' parameter must be an int in the range [1, 100000]. Got 0"),
        ("window", -1, "'window' parameter must be an int in the range [1, 1000000]. Got -1"),
        ("epochs", 0, "'epochs'"),
        ("workers", 0, "'workers'"),
        ("min_count", 0, "'min_count'"),
        ("vector_size", 2.5, "Got 2.5"),
        ("vector_size", True, "Got True"),
        ("sample", -1.0,
         "'sample' parameter must be a finite float in the range [0.0, inf). Got -1.0"),
        ("sample", float("nan"), "'sample'"),
        ("alpha", 0.0, "'alpha' parameter must be a finite float in the range (0.0, inf)"),
        ("loss", "hs", "'loss' parameter must be one of 'neg', 'softmax'. Got 'hs'"),
        ("engine", "gpu", "'engine'"),
        ("seed", -3, "'seed'"),
    ],
)
def test_out_of_range_options_name_the_option(option, value, fragment):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**{option: value})
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_negative_zero_needs_softmax():
    with pytest.raises(ConfigError, match="loss='softmax'"):
        TrainConfig(negative=0)
    assert TrainConfig(negative=0, loss="softmax").negative == 0


def test_min_alpha_above_alpha_is_rejected():
    with pytest.raises(ConfigError, match="min_alpha"):
        TrainConfig(alpha=0.01, min_alpha=0.02)


def test_unknown_option_lists_known_ones():
    with pytest.raises(ConfigError, match="Unknown training option.*sizee"):
        TrainConfig.from_options(sizee=100)


def test_config_is_frozen_and_replace_revalidates():
    cfg = TrainConfig()
    with pytest.raises(AttributeError):
        cfg.window = 3  # type: ignore[misc]
    assert cfg.replace(window=3).window == 3
    with pytest.raises(ConfigError):
        cfg.replace(window=0)
    assert cfg.to_dict()["window"] == 5
