"""The torch batched path's hierarchical softmax (and CBOW on the sum) against w2v.reference."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'w2v[gpu]')")

from w2v import reference  # noqa: E402
from w2v.config import TrainConfig  # noqa: E402
from w2v.corpus import encode_corpus  # noqa: E402
from w2v.engines.torch import steps  # noqa: E402
from w2v.huffman import build_huffman_tree  # noqa: E402
from w2v.vocab import build_vocab  # noqa: E402

# float32 step vs float64 reference on values of order 1 (as tests/test_torch_steps.py).
RTOL, ATOL = 1e-5, 1e-6
V, D = 7, 5
TREE = build_huffman_tree(np.array([12, 9, 5, 4, 2, 2, 1]))
TARGETS = [1, 6, 1, 0]           # repeated targets: summed updates of shared path nodes
INPUTS = [0, 2, 0, 5]
NEGATIVES = [[3, 5, 3], [0, 2, 1], [2, 4, 0], [1, 1, 3]]   # never the example's target


def _tables(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.5, (V, D)).astype(np.float32),
            rng.normal(0, 0.5, (V, D)).astype(np.float32),
            rng.normal(0, 0.5, (V - 1, D)).astype(np.float32))


def _expected(h_of, rows_of, w_out, w_hs, w_in, lr, with_negatives):
    """The summed reference step: every gradient at the weights before the step."""
    exp = [w.astype(np.float64) for w in (w_in, w_out, w_hs)]
    total = 0.0
    for b, target in enumerate(TARGETS):
        h = h_of(b)
        loss, grad_h, grad_hs = reference.hierarchical_softmax_loss_and_gradient(
            h, target, w_hs, tree=TREE)
        if with_negatives:
            neg_loss, neg_grad_h, grad_out = reference.neg_sampling_loss_and_gradient(
                h, target, w_out, neg_sample_word_indices=NEGATIVES[b])
            loss, grad_h = loss + neg_loss, grad_h + neg_grad_h
            exp[1] -= lr * grad_out
        total += loss
        exp[2] -= lr * grad_hs
        for row in rows_of(b):
            exp[0][row] -= lr * grad_h
    return total, exp


@pytest.mark.parametrize("with_negatives", [False, True])
def test_skipgram_hs_step_matches_reference(with_negatives):
    w_in, w_out, w_hs = _tables()
    lr = 0.3
    exp_loss, exp = _expected(lambda b: w_in[INPUTS[b]].astype(np.float64),
                              lambda b: [INPUTS[b]], w_out, w_hs, w_in, lr, with_negatives)
    t = [torch.tensor(w) for w in (w_in, w_out, w_hs)]
    tree = steps.HsTables.from_tree(TREE, t[2])
    negatives = torch.tensor(NEGATIVES) if with_negatives else None
    got = steps.sgd_step(t[0], t[1], torch.tensor(TARGETS), torch.tensor(INPUTS), None,
                         negatives, lr, tree=tree)
    assert float(got) == pytest.approx(exp_loss, rel=RTOL)
    for table, expected in zip(t, exp, strict=True):
        np.testing.assert_allclose(table.numpy(), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("cbow_mean", "with_negatives"), [(True, False), (False, True)])
def test_cbow_hs_step_matches_reference(cbow_mean, with_negatives):
    w_in, w_out, w_hs = _tables(1)
    contexts = np.array([[2, 3, 6, 0], [5, 5, 1, 1], [0, 4, 2, 2], [1, 3, 3, 6]])
    valid = np.array([[1, 1, 1, 0], [1, 1, 0, 1], [1, 0, 0, 0], [0, 1, 1, 1]], dtype=bool)
    lr = 0.2

    def h_of(b):
        rows = w_in[contexts[b][valid[b]]].astype(np.float64)
        return rows.mean(axis=0) if cbow_mean else rows.sum(axis=0)

    exp_loss, exp = _expected(h_of, lambda b: contexts[b][valid[b]], w_out, w_hs, w_in, lr,
                              with_negatives)
    t = [torch.tensor(w) for w in (w_in, w_out, w_hs)]
    tree = steps.HsTables.from_tree(TREE, t[2])
    negatives = torch.tensor(NEGATIVES) if with_negatives else None
    got = steps.sgd_step(t[0], t[1], torch.tensor(TARGETS), torch.tensor(contexts),
                         torch.tensor(valid), negatives, lr, tree=tree, cbow_mean=cbow_mean)
    assert float(got) == pytest.approx(exp_loss, rel=RTOL)
    for table, expected in zip(t, exp, strict=True):
        np.testing.assert_allclose(table.numpy(), expected, rtol=RTOL, atol=ATOL)


def test_padded_paths_hold_every_words_path():
    tree = steps.HsTables.from_tree(TREE, torch.zeros((V - 1, D)))
    for w in range(V):
        codes, points = TREE.path(w)
        n = len(codes)
        assert tree.used[w].sum() == n
        assert tree.points[w, :n].tolist() == points.tolist()
        assert tree.codes[w, :n].tolist() == codes.tolist()


@pytest.mark.parametrize("sg", [True, False])
def test_torch_engine_trains_hs_like_the_numba_engine(sg):
    # Different schedules (shuffled summed batches vs per-center Hogwild) and random
    # streams: the last epoch's mean loss agrees within 5% on this corpus (measured over
    # seeds 1-2: within 0.7%), and both learn (the loss falls).
    from w2v.engines import numba_engine
    from w2v.engines.torch import engine

    rng = np.random.default_rng(0)
    sentences = [[f"t{t}w{w}" for w in rng.integers(10, size=12)]
                 for t in rng.integers(4, size=200)]
    vocab = build_vocab(sentences, min_count=1)
    encoded = encode_corpus(sentences, vocab)
    config = TrainConfig(min_count=1, vector_size=16, window=3, sample=1e-2, epochs=3,
                         workers=1, hs=True, negative=0, sg=sg, engine="torch",
                         batch_pairs=64)
    fast = engine.train(encoded, vocab, config)
    cpu = numba_engine.train(encoded, vocab, config.replace(engine="numba"))
    losses = [h.loss for h in fast.history if h.kind == "epoch"]
    cpu_losses = [h.loss for h in cpu.history if h.kind == "epoch"]
    assert losses[-1] < losses[0]
    assert losses[-1] == pytest.approx(cpu_losses[-1], rel=0.05)
    assert fast.w_hs.shape == (len(vocab) - 1, 16) and fast.details["kernels"] == "batched"
