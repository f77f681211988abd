"""Hierarchical softmax and CBOW-on-the-sum in the numba engine, against the reference."""

from __future__ import annotations

import numpy as np
import pytest

from w2v.config import TrainConfig
from w2v.corpus import encode_corpus
from w2v.engines import numba_engine, numba_hs, numba_kernels, numpy_engine
from w2v.huffman import build_huffman_tree
from w2v.vocab import build_vocab

V, D = 12, 8
# float32 kernels vs float64 reference on O(0.1..1) values: relative error ~1e-6 per op
# (the tolerances of tests/test_numba_engine.py).
RTOL, ATOL = 1e-5, 1e-6
COUNTS = np.array([30, 20, 14, 9, 9, 7, 5, 4, 3, 2, 2, 1])  # paths of lengths 2..5
TREE = build_huffman_tree(COUNTS)


def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    # Non-zero output tables so that every term of every gradient is exercised.
    return (rng.normal(0, 0.5, (V, D)).astype(np.float32),
            rng.normal(0, 0.5, (V, D)).astype(np.float32),
            rng.normal(0, 0.5, (V - 1, D)).astype(np.float32))


def _scratch(n_neg):
    return (np.zeros((10, D), np.float32), np.zeros((10, n_neg + 1), np.float32),
            np.zeros((10, D), np.float32), np.zeros((10, max(TREE.lengths().max(), n_neg + 1)),
                                                    np.float32), np.zeros(D, np.float32))


def _reference(weights, contexts, center, negatives, lr, sg, cbow_mean=True, hs=True,
               mean_gradient=False):
    ref = [w.astype(np.float64) for w in weights]
    loss = numpy_engine.center_step(ref[0], ref[1], contexts, center, negatives, lr, sg,
                                    w_hs=ref[2] if hs else None, tree=TREE if hs else None,
                                    cbow_mean=cbow_mean, mean_gradient=mean_gradient)
    return loss, ref


def _kernel(weights, contexts, center, negatives, lr, sg, cbow_mean=True, hs=True,
            mean_gradient=False):
    n_neg = len(negatives) if negatives else 0
    targets = np.array([center, *(negatives or [])], dtype=np.int64)
    ctx = np.array(contexts, dtype=np.int64)
    w_in, w_out, w_hs = weights
    noise = (np.ones(V, np.float32), np.arange(V, dtype=np.int32))  # unused: shared negatives
    loss, _ = numba_kernels._hs_center(w_in, w_out, w_hs, TREE.codes, TREE.points,
                                       TREE.offsets, *noise, ctx, len(ctx), targets, n_neg,
                                       int(sg), 1, int(hs), int(cbow_mean),
                                       int(mean_gradient), lr, np.uint64(1),
                                       *_scratch(n_neg))
    return loss


CASES = [
    # (contexts, center, negatives)
    ([3], 4, None),
    ([3, 5, 7, 1], 11, None),      # the rarest word: the longest path
    ([2, 2, 9], 0, None),          # a repeated context, the shortest path
    ([3, 5, 7, 1], 6, [0, 8, 8, 6, 2]),  # hs + negatives (one equals the center: skipped)
    # Skip-gram works on blocks of 4 contexts and 4 path nodes, CBOW on blocks of 4 path
    # nodes: a full block with a repeated context, a remainder of 2 contexts, and a path of 6
    # (a block and a remainder of 2).
    ([2, 5, 2, 9, 4, 2], 11, None),
]


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize(("contexts", "center", "negatives"), CASES)
def test_hs_step_equals_reference(sg, contexts, center, negatives):
    weights = _weights(len(contexts) + center)
    loss_ref, ref = _reference(weights, contexts, center, negatives, 0.3, sg)
    loss = _kernel(weights, contexts, center, negatives, 0.3, sg)
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    for table, expected in zip(weights, ref, strict=True):
        np.testing.assert_allclose(table, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("mean_gradient", [False, True])  # True: gensim's cbow_mean=0
@pytest.mark.parametrize("hs", [True, False])
def test_cbow_on_the_sum_equals_reference(hs, mean_gradient):
    weights = _weights(7)
    contexts, center, negatives = [1, 2, 5, 2], 7, [3, 0, 10]
    loss_ref, ref = _reference(weights, contexts, center, negatives, 0.2, False,
                               cbow_mean=False, hs=hs, mean_gradient=mean_gradient)
    if mean_gradient:  # the context rows' step is a quarter of the whole gradient's
        _, whole = _reference(weights, contexts, center, negatives, 0.2, False,
                              cbow_mean=False, hs=hs)
        np.testing.assert_allclose(ref[0][6] - weights[0][6], (whole[0][6] - weights[0][6]) / 4)
    loss = _kernel(weights, contexts, center, negatives, 0.2, False, cbow_mean=False, hs=hs,
                   mean_gradient=mean_gradient)
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    for table, expected in zip(weights, ref, strict=True):
        np.testing.assert_allclose(table, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("negatives", [None, [3, 0, 10]])
def test_hs_cbow_with_the_mean_gradient_equals_reference(negatives):
    weights = _weights(9)
    contexts, center = [1, 2, 5, 2, 8], 6
    loss_ref, ref = _reference(weights, contexts, center, negatives, 0.2, False,
                               mean_gradient=True)
    _, plain = _reference(weights, contexts, center, negatives, 0.2, False)
    assert not np.allclose(ref[0], plain[0])  # the option changes the context rows' step
    loss = _kernel(weights, contexts, center, negatives, 0.2, False, mean_gradient=True)
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    for table, expected in zip(weights, ref, strict=True):
        np.testing.assert_allclose(table, expected, rtol=RTOL, atol=ATOL)


def test_hs_units_are_stable_for_large_scores():
    # |x . u| = 200: sigma saturates; the loss is the exact linear tail, not inf or NaN.
    w_hs = np.zeros((V - 1, D), np.float32)
    h = np.full(D, 5.0, np.float32)
    codes, points = TREE.path(0)
    w_hs[points] = np.where(codes[:, None] == 0, -5.0, 5.0)  # every unit maximally wrong
    grad_h, g = np.zeros(D, np.float32), np.zeros(8, np.float32)
    loss = numba_hs.hs_update_h(w_hs, h, TREE.codes, TREE.points, TREE.offsets[0],
                                TREE.offsets[1], 0.1, grad_h, g)
    assert loss == pytest.approx(200.0 * len(codes), rel=1e-6)


def _toy_corpus(n_sentences=120, seed=0):
    """Sentences from 4 topics of 10 words each (as tests/test_numba_engine.py)."""
    rng = np.random.default_rng(seed)
    return [[f"t{t}w{w}" for w in rng.integers(10, size=12)]
            for t in rng.integers(4, size=n_sentences)]


@pytest.mark.parametrize("options", [
    {"sg": True, "negative": 0}, {"sg": False, "negative": 0}, {"sg": True, "negative": 3},
    {"sg": False, "negative": 3, "cbow_mean": False},
])
def test_hs_epoch_loss_matches_numpy_engine(options):
    # Same algorithm, different random streams. One seed's last epoch differs by up to 4%
    # (seeds 1-3, in both directions: negative sampling alone does the same); the mean
    # over three seeds agrees within 1.2%. Tolerance 3% on the mean, as in
    # test_numba_engine.py.
    sentences = _toy_corpus()
    vocab = build_vocab(sentences, min_count=1)
    encoded = encode_corpus(sentences, vocab)
    fast_losses, slow_losses = [], []
    for seed in (1, 2, 3):
        config = TrainConfig(min_count=1, vector_size=16, window=3, sample=1e-2, epochs=3,
                             workers=1, hs=True, seed=seed, **options)
        fast = numba_engine.train(encoded, vocab, config)
        slow = numpy_engine.train(encoded, vocab, config)
        fast_losses.append([h.loss for h in fast.history if h.kind == "epoch"])
        slow_losses.append([h.loss for h in slow.history if h.kind == "epoch"])
    fast_mean, slow_mean = np.mean(fast_losses, axis=0), np.mean(slow_losses, axis=0)
    np.testing.assert_allclose(fast_mean[::2], slow_mean[::2], rtol=0.03)
    assert fast_mean[-1] < fast_mean[0]
    assert fast.w_hs.shape == (len(vocab) - 1, 16) and fast.w_hs.any()
    if options["negative"] == 0:
        assert not fast.w_out.any()  # hs alone leaves the negative-sampling table untrained


def test_hs_runs_on_several_threads_and_is_reproducible_on_one():
    sentences = _toy_corpus(200)
    vocab = build_vocab(sentences, min_count=1)
    encoded = encode_corpus(sentences, vocab)
    config = TrainConfig(min_count=1, vector_size=16, window=3, negative=0, hs=True,
                         sample=0.0, epochs=2, workers=1)
    a = numba_engine.train(encoded, vocab, config)
    b = numba_engine.train(encoded, vocab, config)
    np.testing.assert_array_equal(a.w_hs, b.w_hs)
    many = numba_engine.train(encoded, vocab, config.replace(workers=3))
    assert [h.words_done for h in many.history if h.kind == "epoch"] == [2400, 4800]
    assert np.isfinite(many.w_hs).all()
