"""w2v.seed.kernels: one kernel step against w2v.reference, and the windows it draws."""

from __future__ import annotations

import random

import numpy as np
import pytest

from w2v import reference
from w2v.seed import kernels
from w2v.seed.dataset import StanfordSentiment

N_WORDS, DIM, WINDOW, K = 12, 4, 2, 3
WORDS = [f"w{i}" for i in range(N_WORDS)]
WORD2IND = {w: i for i, w in enumerate(WORDS)}


def _fixture(seed: int = 0):
    """Random parameters and B injected windows (with repeats, and the center among negatives)."""
    gen = np.random.default_rng(seed)
    params = gen.normal(scale=0.5, size=(2 * N_WORDS, DIM))
    batch = kernels.BATCH_SIZE
    centers = gen.integers(0, N_WORDS, batch)
    lengths = gen.integers(1, 2 * WINDOW + 1, batch)
    contexts = gen.integers(0, N_WORDS, (batch, 2 * WINDOW))
    negatives = gen.integers(0, N_WORDS, (batch, 2 * WINDOW, K))
    negatives[0, 0, :] = centers[0]
    contexts[1, :2] = contexts[1, 0]
    return params, centers, contexts, lengths, negatives


def _reference_step(params, centers, contexts, lengths, negatives, loss_fn, step):
    """word2vec_sgd_wrapper's math on fixed windows: skipgram per window, mean, one SGD step."""
    n = N_WORDS
    loss, grad = 0.0, np.zeros_like(params)
    for b in range(len(centers)):
        outside = [WORDS[o] for o in contexts[b, :lengths[b]]]
        negs = iter(negatives[b])

        def pair_loss(v_c, o, u, dataset, negs=negs):
            if loss_fn == "neg":
                return reference.neg_sampling_loss_and_gradient(
                    v_c, o, u, neg_sample_word_indices=next(negs))
            return reference.naive_softmax_loss_and_gradient(v_c, o, u)

        window_loss, g_in, g_out = reference.skipgram(
            WORDS[centers[b]], WINDOW, outside, WORD2IND, params[:n], params[n:], None, pair_loss)
        loss += window_loss / len(centers)
        grad[:n] += g_in / len(centers)
        grad[n:] += g_out / len(centers)
    return loss, params - step * grad


@pytest.mark.parametrize("loss_fn", ["neg", "softmax"])
def test_kernel_step_equals_reference(loss_fn: str) -> None:
    params, centers, contexts, lengths, negatives = _fixture()
    expected_loss, expected_params = _reference_step(params, centers, contexts, lengths,
                                                     negatives, loss_fn, 0.3)
    got = params.copy()
    grad = np.zeros_like(got)
    if loss_fn == "neg":
        touched = np.zeros(len(got), dtype=np.bool_)
        rows = np.zeros(kernels.BATCH_SIZE * (1 + 2 * WINDOW * (K + 1)), dtype=np.int64)
        loss = kernels.neg_step(got, centers, contexts, lengths, negatives, 0.3, grad, touched,
                                rows)
        assert not touched.any()
    else:
        loss = kernels.softmax_step(got, centers, contexts, lengths, 0.3, grad)
    assert not grad.any()  # the workspace is left clean for the next step
    assert abs(loss - expected_loss) <= 1e-10 * max(1.0, abs(expected_loss))
    np.testing.assert_allclose(got, expected_params, rtol=0, atol=1e-10)


def test_drawn_windows_follow_the_assignment_rules() -> None:
    gen = np.random.default_rng(1)
    lengths = gen.integers(2, 9, 200)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = gen.integers(0, 6, starts[-1]).astype(np.int32)  # small vocabulary: many repeats
    table = gen.integers(0, 6, 1000).astype(np.int32)
    state = np.array([1, 2, 3, 4], dtype=np.uint64)
    batch, window = kernels.BATCH_SIZE, 5
    centers = np.zeros(batch, dtype=np.int64)
    contexts = np.zeros((batch, 2 * window), dtype=np.int64)
    ctx_len = np.zeros(batch, dtype=np.int64)
    negatives = np.zeros((batch, 2 * window, 10), dtype=np.int64)
    for _ in range(20):
        kernels.draw_windows(state, ids, starts, table, window, centers, contexts, ctx_len,
                             negatives)
        assert (ctx_len >= 1).all() and (ctx_len <= 2 * window).all()
        for b in range(batch):
            context = contexts[b, :ctx_len[b]]
            assert centers[b] not in context
            for j, o in enumerate(context):
                assert o not in negatives[b, j]
                assert set(negatives[b, j]) <= set(table.tolist())


def test_kernel_windows_have_the_assignments_distribution() -> None:
    """On SST, the kernel's windows match get_random_context's in distribution (not bit for bit)."""
    rng = random.Random(31415)
    rng.randint(1, 5)
    dataset = StanfordSentiment(rng=rng)
    ids, starts = dataset.subsampled_ids()
    table = dataset.sample_table()
    batch, window, n_batches = kernels.BATCH_SIZE, 5, 200
    centers = np.zeros(batch, dtype=np.int64)
    contexts = np.zeros((batch, 2 * window), dtype=np.int64)
    ctx_len = np.zeros(batch, dtype=np.int64)
    negatives = np.zeros((batch, 2 * window, 10), dtype=np.int64)
    state = np.array([5, 6, 7, 8], dtype=np.uint64)
    lengths, negative_the, negative_total = [], 0, 0
    for _ in range(n_batches):
        kernels.draw_windows(state, ids, starts, table, window, centers, contexts, ctx_len,
                             negatives)
        lengths.extend(ctx_len.tolist())
        for b in range(batch):
            negative_the += int((negatives[b, :ctx_len[b]] == 0).sum())
            negative_total += int(ctx_len[b]) * 10
    faithful = [len(dataset.get_random_context(rng.randint(1, 5))[1])
                for _ in range(batch * n_batches)]
    # Context lengths (mean about 2.9) have a standard deviation of about 1.7: 10,000 windows
    # each side give a standard error of about 0.024 on the difference of means; 0.15 is 6.
    assert abs(np.mean(lengths) - np.mean(faithful)) < 0.15
    # 'the' holds 13,560 of the 1,000,000 table slots.
    assert abs(negative_the / negative_total - 0.01356) < 0.0015
