"""The kernels compiled for a constant row width (D = 100) against the reference, and the
engine with them against the engine with the kernels for any width."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.config import TrainConfig
from w2v.corpus import encode_corpus
from w2v.engines import numba_engine, numba_hs, numba_kernels, numpy_engine, row_width
from w2v.huffman import build_huffman_tree
from w2v.vocab import build_vocab

V, D = 12, 100
WIDTH = row_width.kernel_width(D)
# float32 kernels vs the float64 reference, as in tests/test_numba_engine.py; D = 100 sums
# more terms a dot than D = 8 there, so the absolute tolerance is a little wider.
RTOL, ATOL = 1e-5, 3e-6
TREE = build_huffman_tree(np.array([30, 20, 14, 9, 9, 7, 5, 4, 3, 2, 2, 1]))


def test_only_the_listed_widths_are_constants():
    assert D in row_width.CONSTANT_WIDTHS
    assert WIDTH == (None,) * D
    assert row_width.kernel_width(37) == ()
    assert row_width.kernel_width(D + 1) == ()


def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    # scaled so that the dots over 100 numbers stay O(1), where the logistic is not flat
    scale = 0.5 * (8 / D) ** 0.5
    return (rng.normal(0, scale, (V, D)).astype(np.float32),
            rng.normal(0, scale, (V, D)).astype(np.float32),
            rng.normal(0, scale, (V - 1, D)).astype(np.float32))


# One context, a block of four, a block of four with a repeated context and two more; the
# negatives include one drawn twice.
CONTEXTS = [[3], [3, 5, 7, 1], [2, 5, 2, 9, 4, 2]]


@pytest.mark.parametrize("contexts", CONTEXTS)
@pytest.mark.parametrize("sg", [True, False])
def test_negative_sampling_steps_equal_reference(contexts, sg):
    w_in, w_out, _ = _weights()
    center, negatives, lr = 4, [0, 6, 6, 11, 8], 0.3
    ref = [w_in.astype(np.float64), w_out.astype(np.float64)]
    loss_ref = numpy_engine.center_step(ref[0], ref[1], contexts, center, negatives, lr, sg)
    ctx = np.array(contexts, dtype=np.int64)
    targets = np.array([center, *negatives], dtype=np.int64)
    if sg:
        loss = numba_kernels.sg_neg_update(
            w_in, w_out, ctx, len(ctx), targets, len(targets), lr,
            np.zeros((len(ctx), D), np.float32), np.zeros((len(ctx), len(targets)), np.float32),
            WIDTH)
    else:
        loss = numba_kernels.cbow_neg_update(
            w_in, w_out, ctx, len(ctx), targets, len(targets), lr, np.zeros(D, np.float32),
            np.zeros(D, np.float32), np.zeros(len(targets), np.float32), 0, WIDTH)
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    np.testing.assert_allclose(w_in, ref[0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_out, ref[1], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("contexts", CONTEXTS)
@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("negatives", [None, [0, 8, 8, 6, 2]])
def test_hierarchical_softmax_steps_equal_reference(contexts, sg, negatives):
    weights = _weights(1)
    center, lr = 11, 0.25  # the rarest word: its path has a block of four and a remainder
    ref = [w.astype(np.float64) for w in weights]
    loss_ref = numpy_engine.center_step(ref[0], ref[1], contexts, center, negatives, lr, sg,
                                        w_hs=ref[2], tree=TREE)
    n_neg = len(negatives) if negatives else 0
    targets = np.array([center, *(negatives or [])], dtype=np.int64)
    ctx = np.array(contexts, dtype=np.int64)
    scratch = (np.zeros((10, D), np.float32), np.zeros((10, n_neg + 1), np.float32),
               np.zeros((10, D), np.float32),
               np.zeros((10, max(TREE.lengths().max(), n_neg + 1)), np.float32),
               np.zeros(D, np.float32))
    noise = (np.ones(V, np.float32), np.arange(V, dtype=np.int32))  # unused: shared negatives
    loss, _ = numba_kernels._hs_center(*weights, TREE.codes, TREE.points, TREE.offsets,
                                       *noise, ctx, len(ctx), targets, n_neg, int(sg), 1, 1,
                                       1, 0, lr, np.uint64(1), *scratch, WIDTH)
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    for got, want in zip(weights, ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_rows_narrower_than_the_constant_are_refused():
    """The loops would run past the rows: the kernel raises instead."""
    w_in = np.zeros((V, 50), np.float32)
    contexts = np.array([1, 2], dtype=np.int64)
    with pytest.raises(ValueError, match="not as wide"):
        numba_hs.add_rows(w_in, contexts, 2, np.ones((2, 50), np.float32), WIDTH)
    assert not w_in.any()


def _train(config: TrainConfig, sentences: list[list[str]]) -> np.ndarray:
    vocab = build_vocab(sentences, min_count=1)
    return numba_engine.train(encode_corpus(sentences, vocab), vocab, config).w_in


@pytest.mark.parametrize("options", [{"sg": True}, {"sg": False},
                                     {"sg": True, "hs": True, "negative": 0},
                                     {"sg": False, "hs": True, "negative": 2}])
def test_the_engine_trains_the_same_model_with_either_kernels(monkeypatch, options):
    """Same seed, one worker: the constant-width kernels sum in another order, nothing else."""
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(40)]
    sentences = [[words[min(int(k), 39)] for k in rng.zipf(1.6, 30)] for _ in range(60)]
    options = {"negative": 3, **options}
    config = TrainConfig(vector_size=D, window=3, min_count=1, sample=0.0, epochs=2,
                         workers=1, seed=3, **options)
    constant = _train(config, sentences)
    monkeypatch.setattr(row_width, "kernel_width", lambda dim: ())
    any_width = _train(config, sentences)
    assert not np.array_equal(constant, any_width)  # not the same code: the sums' order
    np.testing.assert_allclose(constant, any_width, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("options", [{"sg": True}, {"sg": False, "hs": True}])
def test_the_subword_engine_trains_the_same_model_with_either_kernels(monkeypatch, options):
    """The subword (fastText) model's kernels take the constant width too."""
    from w2v.training import train

    rng = np.random.default_rng(6)
    stems = ["walk", "paint", "climb", "listen", "frost"]
    sentences = [[stems[int(k) % 5] + ["", "s", "ed", "ing"][int(k) % 4]
                  for k in rng.integers(0, 20, 8)] for _ in range(80)]
    settings = {"subwords": True, "min_n": 3, "max_n": 4, "bucket": 500, "vector_size": D,
                "window": 3, "epochs": 2, "min_count": 1, "sample": 0.0, "workers": 1,
                "seed": 2, **options}
    constant = train(sentences, **settings).vectors.input_table
    monkeypatch.setattr(row_width, "kernel_width", lambda dim: ())
    any_width = train(sentences, **settings).vectors.input_table
    assert not np.array_equal(constant, any_width)
    np.testing.assert_allclose(constant, any_width, rtol=1e-4, atol=1e-6)
