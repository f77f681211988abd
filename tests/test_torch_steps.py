"""The batched path's pieces against w2v.reference and brute force, on the CPU.

One SGD step (negative sampling and the tiled full softmax, skip-gram and CBOW) against the
reference's float64 gradients; the alias sampler, subsampling and the windows against their
definitions. Every test here needs PyTorch, so the module skips without it.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'w2v[gpu]')")

from w2v import reference  # noqa: E402
from w2v.engines.torch import batched, sampling, steps  # noqa: E402

# float32 step vs float64 reference on values of order 1: a few ulps of float32.
RTOL, ATOL = 1e-5, 1e-6


# --- one SGD step agrees with the reference -------------------------------------------------------

def _tables(vocab_size=7, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    w_in = rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32)
    w_out = rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32)
    return w_in, w_out


def _reference_loss(loss, h, target, w_out, negatives):
    """(loss, grad_h, grad_w_out) of one example from w2v.reference, float64."""
    if loss == "neg":
        return reference.neg_sampling_loss_and_gradient(
            h, target, w_out, neg_sample_word_indices=negatives)
    return reference.naive_softmax_loss_and_gradient(h, target, w_out)


# Batches with repeated rows, so that summed updates (index_add_) are checked too.
SG_TARGETS = [1, 4, 1]
SG_INPUTS = [0, 2, 0]
NEGATIVES = [[3, 5, 3], [0, 6, 1], [2, 4, 0]]   # never the example's own target


@pytest.mark.parametrize("loss", ["neg", "softmax"])
def test_skipgram_step_matches_reference(loss, monkeypatch):
    # Tiles of 2 rows for a batch of 3 (7 rows: 4 tiles, the last one short).
    monkeypatch.setattr(steps, "SOFTMAX_TILE_FLOATS", 2 * len(SG_TARGETS))
    w_in, w_out = _tables()
    lr = 0.3
    exp_in, exp_out, exp_loss = w_in.astype(np.float64), w_out.astype(np.float64), 0.0
    for b, (target, ctx) in enumerate(zip(SG_TARGETS, SG_INPUTS, strict=True)):
        value, grad_h, grad_out = _reference_loss(loss, w_in[ctx], target, w_out, NEGATIVES[b])
        exp_loss += value
        exp_in[ctx] -= lr * grad_h
        exp_out -= lr * grad_out
    t_in, t_out = torch.tensor(w_in), torch.tensor(w_out)
    negatives = torch.tensor(NEGATIVES) if loss == "neg" else None
    got = steps.sgd_step(t_in, t_out, torch.tensor(SG_TARGETS), torch.tensor(SG_INPUTS),
                                 None, negatives, lr)
    assert float(got) == pytest.approx(exp_loss, rel=RTOL)
    np.testing.assert_allclose(t_in.numpy(), exp_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t_out.numpy(), exp_out, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss", ["neg", "softmax"])
def test_cbow_step_matches_reference(loss, monkeypatch):
    monkeypatch.setattr(steps, "SOFTMAX_TILE_FLOATS", 3 * 2)
    w_in, w_out = _tables()
    contexts = np.array([[2, 3, 6, 0], [5, 5, 1, 1], [0, 4, 2, 2]])
    valid = np.array([[1, 1, 1, 0], [1, 1, 0, 1], [1, 0, 0, 0]], dtype=bool)
    lr = 0.2
    exp_in, exp_out, exp_loss = w_in.astype(np.float64), w_out.astype(np.float64), 0.0
    for b, target in enumerate(SG_TARGETS):
        rows = contexts[b][valid[b]]
        h = w_in[rows].astype(np.float64).mean(axis=0)
        value, grad_h, grad_out = _reference_loss(loss, h, target, w_out, NEGATIVES[b])
        exp_loss += value
        for row in rows:  # word2vec.c: every context row gets the whole dJ/dh
            exp_in[row] -= lr * grad_h
        exp_out -= lr * grad_out
    t_in, t_out = torch.tensor(w_in), torch.tensor(w_out)
    negatives = torch.tensor(NEGATIVES) if loss == "neg" else None
    got = steps.sgd_step(t_in, t_out, torch.tensor(SG_TARGETS), torch.tensor(contexts),
                                 torch.tensor(valid), negatives, lr)
    assert float(got) == pytest.approx(exp_loss, rel=RTOL)
    np.testing.assert_allclose(t_in.numpy(), exp_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t_out.numpy(), exp_out, rtol=RTOL, atol=ATOL)


def test_negative_equal_to_target_is_skipped():
    # word2vec.c skips such a draw; the result equals the reference without it.
    w_in, w_out = _tables()
    _, grad_h, grad_out = reference.neg_sampling_loss_and_gradient(
        w_in[0], 1, w_out, neg_sample_word_indices=[3, 4])
    t_out = torch.tensor(w_out)
    got_h, _ = steps.negative_sampling_step(
        t_out, torch.tensor(w_in[:1]), torch.tensor([1]), torch.tensor([[3, 1, 4]]), lr=1.0)
    np.testing.assert_allclose(got_h.numpy()[0], grad_h, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t_out.numpy(), w_out - grad_out, rtol=RTOL, atol=ATOL)


def test_softmax_tiles_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(3)
    w_out = rng.normal(0, 1, (50, 8)).astype(np.float32)
    h = torch.tensor(rng.normal(0, 1, (4, 8)).astype(np.float32))
    targets = torch.tensor([0, 7, 7, 49])
    results = []
    for floats in (4 * 50, 4 * 7, 4):   # one tile, 8 tiles, one row per tile
        monkeypatch.setattr(steps, "SOFTMAX_TILE_FLOATS", floats)
        table = torch.tensor(w_out)
        grad_h, loss = steps.softmax_step(table, h, targets, lr=0.1)
        results.append((grad_h.numpy(), float(loss), table.numpy()))
    for grad_h, loss, table in results[1:]:
        np.testing.assert_allclose(grad_h, results[0][0], rtol=RTOL, atol=ATOL)
        assert loss == pytest.approx(results[0][1], rel=RTOL)
        np.testing.assert_allclose(table, results[0][2], rtol=RTOL, atol=ATOL)


# --- sampling and windows ------------------------------------------------------------------------

def test_alias_sampler_follows_the_distribution():
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0])
    sampler = sampling.AliasSampler(p, torch.device("cpu"))
    draws = sampler.draw((200_000,), torch.Generator().manual_seed(0)).numpy()
    freq = np.bincount(draws, minlength=len(p)) / len(draws)
    # 200k draws: standard error <= 0.0012; 0.006 is five of them.
    np.testing.assert_allclose(freq, p, atol=0.006)
    assert freq[-1] == 0.0


def test_subsample_keeps_with_the_given_probability():
    ids = torch.tensor([0, 1, 2] * 20_000, dtype=torch.int32)
    keep = torch.tensor([1.0, 0.5, 0.0])
    mask = sampling.subsample(ids, keep, torch.Generator().manual_seed(0))
    kept = np.bincount(ids[mask].numpy(), minlength=3)
    assert kept[0] == 20_000 and kept[2] == 0
    assert abs(kept[1] - 10_000) < 500   # sd 71


def _brute_force_pairs(sentence, radius, start, stop):
    pairs = set()
    for c in range(start, stop):
        for x in range(c - radius[c], c + radius[c] + 1):
            if x != c and 0 <= x < len(sentence) and sentence[x] == sentence[c]:
                pairs.add((c, x))
    return pairs


@pytest.mark.parametrize(("start", "stop"), [(0, 40), (0, 17), (17, 40), (39, 40)])
def test_skipgram_pairs_match_a_brute_force_window(start, stop):
    rng = np.random.default_rng(1)
    sentence = np.repeat(np.arange(6), [1, 9, 3, 12, 7, 8])     # 40 tokens, a 1-token sentence
    radius = rng.integers(1, 5, size=len(sentence))
    centers, contexts = batched.skipgram_pairs(
        torch.tensor(sentence), torch.tensor(radius, dtype=torch.uint8), start, stop, window=4)
    got = list(zip(centers.tolist(), contexts.tolist(), strict=True))
    assert len(got) == len(set(got))
    assert set(got) == _brute_force_pairs(sentence, radius, start, stop)


def test_cbow_contexts_match_a_brute_force_window():
    rng = np.random.default_rng(2)
    sentence = np.repeat(np.arange(4), [5, 1, 10, 6])
    radius = rng.integers(1, 4, size=len(sentence))
    centers = torch.arange(len(sentence))
    positions, valid = batched.cbow_contexts(
        torch.tensor(sentence), torch.tensor(radius, dtype=torch.uint8), centers, window=3)
    assert positions.shape == valid.shape == (len(sentence), 6)
    pairs = _brute_force_pairs(sentence, radius, 0, len(sentence))
    got = {(c, int(positions[c, j])) for c in range(len(sentence)) for j in range(6)
           if valid[c, j]}
    assert got == pairs
    assert int(valid.sum()) == len(pairs)
