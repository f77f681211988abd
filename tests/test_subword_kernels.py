"""The subword model: the float64 reference, its gradient check, and the numba step against it."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import reference, subword_reference
from w2v.engines import subword_kernels
from w2v.huffman import build_huffman_tree

ROWS, V, D = 20, 8, 6
# float32 kernel vs float64 reference on O(0.1..1) values: relative error ~1e-6 per op.
RTOL, ATOL = 1e-5, 1e-6


def _tables(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Non-zero output vectors so that every term of the gradient is exercised.
    return (rng.normal(0, 0.5, (ROWS, D)).astype(np.float32),
            rng.normal(0, 0.5, (V, D)).astype(np.float32))


# (input rows, targets, negatives): skip-gram with a repeated n-gram row and shared
# negatives, one of which equals a target; the same with negatives per target (fastText's);
# one target (CBOW); all negatives the target (nothing but the positive term counts).
CASES = [
    ([2, 9, 14, 9, 17], [1, 4, 6, 4], [0, 6, 3, 6, 7]),
    ([2, 9, 14, 9, 17], [1, 4, 6], [[0, 6, 3], [4, 4, 2], [5, 1, 6]]),
    ([5, 11], [3], [2, 2, 7]),
    ([0, 1, 2, 3, 12, 13, 15, 19], [7], [7, 7]),
]


@pytest.mark.parametrize(("rows", "targets", "negatives"), CASES)
def test_reference_gradient_is_checked_numerically(rows, targets, negatives):
    w_in, w_out = (t.astype(np.float64) for t in _tables(1))

    def on_tables(x: np.ndarray) -> tuple[float, np.ndarray]:
        loss, g_in, g_out = subword_reference.subword_neg_loss_and_gradient(
            x[:ROWS], x[ROWS:], rows, targets, negatives)
        return loss, np.vstack([g_in, g_out])

    report = reference.gradcheck_naive(on_tables, np.vstack([w_in, w_out]), "subword neg")
    assert report.passed and report.checked == (ROWS + V) * D


def test_reference_loss_is_the_sum_of_pair_losses():
    # With one input row, J is the assignment's negative-sampling loss summed over targets.
    w_in, w_out = (t.astype(np.float64) for t in _tables(2))
    targets, negatives = [1, 4, 6], [0, 5, 3]
    loss, _, _ = subword_reference.subword_neg_loss_and_gradient(w_in, w_out, [7], targets,
                                                                 negatives)
    expected = sum(reference.neg_sampling_loss_and_gradient(
        w_in[7], t, w_out, neg_sample_word_indices=negatives)[0] for t in targets)
    assert loss == pytest.approx(expected)


@pytest.mark.parametrize("rows", [[2, 9, 14, 17], [2, 9, 14, 9, 17, 9]])
def test_skipgram_pairs_equal_reference_steps_in_turn(rows):
    # fastText's skip-gram: one reference step per context, each at the weights the
    # previous one left, with its own negatives; repeated n-gram rows included.
    w_in, w_out = _tables(5)
    contexts, lr = [1, 4, 6, 4], 0.2
    negatives = np.array([[0, 6, 3], [4, 2, 2], [5, 1, 7], [3, 3, 0]], dtype=np.int64)
    ref_in, ref_out, loss_ref = w_in.astype(np.float64), w_out.astype(np.float64), 0.0
    for j, target in enumerate(contexts):
        loss, ref_in, ref_out = subword_reference.sgd_step(ref_in, ref_out, rows, [target],
                                                           negatives[j], lr)
        loss_ref += loss
    r, c = np.array(rows, dtype=np.int64), np.array(contexts, dtype=np.int64)
    h, grad_h, total = (np.zeros(D, np.float32) for _ in range(3))
    g = np.zeros(negatives.shape[1] + 1, np.float32)
    loss = subword_kernels.sg_subword_pairs(w_in, w_out, r, len(r), c, len(c), negatives, lr,
                                            h, grad_h, total, g, *_no_tree(),
                                            np.zeros(negatives.shape[1] + 1, np.int64))
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    np.testing.assert_allclose(w_in, ref_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_out, ref_out, rtol=RTOL, atol=ATOL)


def test_mean_rows_composes_word_vectors():
    w_in, _ = _tables(4)
    ids = np.array([0, 5, 5, 9, 1, 3], dtype=np.int32)
    offsets = np.array([0, 4, 4, 6], dtype=np.int64)  # the middle word has no rows
    out = np.full((3, D), 7.0, np.float32)
    subword_kernels.mean_rows(w_in, ids, offsets, out)
    np.testing.assert_allclose(out[0], w_in[[0, 5, 5, 9]].mean(axis=0), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(out[1], 0.0)
    np.testing.assert_allclose(out[2], w_in[[1, 3]].mean(axis=0), rtol=RTOL, atol=ATOL)


# --- hierarchical softmax ------------------------------------------------------------------

# Word counts in descending order (a sorted vocabulary), so the tree has paths of 2 to 4.
TREE = build_huffman_tree(np.array([40, 25, 12, 9, 6, 4, 3, 1]))


def _tree_args(tree=TREE):
    """(w_hs, (codes, points, offsets), hs) as the kernels take them; w_hs (V - 1, D)."""
    rng = np.random.default_rng(7)
    w_hs = rng.normal(0, 0.5, (V - 1, D)).astype(np.float32)
    return w_hs, (tree.codes, tree.points, tree.offsets), 1


def _no_tree():
    """The tree arguments of a run without hierarchical softmax."""
    tree = build_huffman_tree(np.ones(V, dtype=np.int64))
    return np.zeros((0, D), np.float32), (tree.codes, tree.points, tree.offsets), 0


def test_hs_reference_gradient_is_checked_numerically():
    w_in = _tables(8)[0].astype(np.float64)
    w_hs = _tree_args()[0].astype(np.float64)
    rows, targets = [2, 9, 14, 9, 17], [1, 7, 3]

    def on_tables(x: np.ndarray) -> tuple[float, np.ndarray]:
        loss, g_in, g_hs = subword_reference.subword_hs_loss_and_gradient(
            x[:ROWS], x[ROWS:], rows, targets, TREE)
        return loss, np.vstack([g_in, g_hs])

    report = reference.gradcheck_naive(on_tables, np.vstack([w_in, w_hs]), "subword hs")
    assert report.passed and report.checked == (ROWS + V - 1) * D


def test_hs_reference_with_one_row_is_the_word_models_loss():
    w_in = _tables(9)[0].astype(np.float64)
    w_hs = _tree_args()[0].astype(np.float64)
    loss, _, _ = subword_reference.subword_hs_loss_and_gradient(w_in, w_hs, [4], [6], TREE)
    expected = reference.hierarchical_softmax_loss_and_gradient(w_in[4], 6, w_hs, tree=TREE)[0]
    assert loss == pytest.approx(expected)


@pytest.mark.parametrize("n_neg", [0, 3])
def test_skipgram_pairs_with_hs_equal_reference_steps_in_turn(n_neg):
    # Each pair: the hs step on the context's path, plus (n_neg > 0) the negative-sampling
    # step, both at the weights the previous pairs left.
    w_in, w_out = _tables(10)
    w_hs, tree, hs = _tree_args()
    rows, contexts, lr = [2, 9, 14, 9, 17], [1, 7, 6, 3], 0.2
    negatives = np.random.default_rng(3).integers(0, V, (len(contexts), n_neg))
    ref_in, ref_out, ref_hs = (t.astype(np.float64) for t in (w_in, w_out, w_hs))
    loss_ref = 0.0
    for j, target in enumerate(contexts):
        loss_h, g_in, g_hs = subword_reference.subword_hs_loss_and_gradient(
            ref_in, ref_hs, rows, [target], TREE)
        loss_n, n_in, n_out = 0.0, 0.0, 0.0
        if n_neg:
            loss_n, n_in, n_out = subword_reference.subword_neg_loss_and_gradient(
                ref_in, ref_out, rows, [target], negatives[j])
        loss_ref += loss_h + loss_n
        ref_in = ref_in - lr * len(rows) * (g_in + n_in)
        ref_out, ref_hs = ref_out - lr * n_out, ref_hs - lr * g_hs
    h, grad_h, total = (np.zeros(D, np.float32) for _ in range(3))
    g = np.zeros(max(n_neg + 1, int(np.diff(TREE.offsets).max())), np.float32)
    loss = subword_kernels.sg_subword_pairs(
        w_in, w_out, np.array(rows, np.int64), len(rows), np.array(contexts, np.int64),
        len(contexts), negatives, lr, h, grad_h, total, g, w_hs, tree, hs,
        np.zeros(n_neg + 1, np.int64))
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    np.testing.assert_allclose(w_in, ref_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_out, ref_out, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_hs, ref_hs, rtol=RTOL, atol=ATOL)


# Negatives alone (one of them drawn twice), all negatives the center (only the positive
# term counts), hierarchical softmax alone, and both.
@pytest.mark.parametrize(("mean", "divided"), [(True, False), (False, True), (False, False),
                                              (True, True)])  # (False, True): gensim's sum
@pytest.mark.parametrize(("negatives", "hs"), [([0, 2, 3, 2], 0), ([6, 6], 0), ([], 1),
                                               ([5, 2, 2], 1)])
def test_cbow_step_equals_reference(negatives, hs, mean, divided):
    w_in, w_out = _tables(11)
    w_hs, tree, _ = _tree_args()
    rows, center, lr = [3, 12, 12, 5, 18], 6, 0.2
    ref_in, ref_out, ref_hs = (t.astype(np.float64) for t in (w_in, w_out, w_hs))
    loss_ref = 0.0
    if negatives:
        loss_ref, ref_in, ref_out = subword_reference.sgd_step(ref_in, ref_out, rows, [center],
                                                               negatives, lr, mean, divided)
        ref_in = ref_in.copy()
    if hs:  # both at the weights before the step: the hs gradient at the old w_in
        _, hs_in, ref_hs = subword_reference.hs_sgd_step(w_in, ref_hs, rows, [center], TREE,
                                                         lr, mean, divided)
        loss_ref += subword_reference.subword_hs_loss_and_gradient(w_in, w_hs, rows,
                                                                   [center], TREE, mean)[0]
        ref_in += hs_in - w_in  # the hs step's change of the input rows
    h, grad_h = np.zeros(D, np.float32), np.zeros(D, np.float32)
    g = np.zeros(8, np.float32)
    loss = subword_kernels.cbow_subword_step(
        w_in, w_out, np.array(rows, np.int64), len(rows), np.array([center, *negatives]),
        len(negatives), lr, h, grad_h, g, w_hs, tree, hs, int(mean), int(divided))
    assert loss == pytest.approx(loss_ref, rel=RTOL)
    np.testing.assert_allclose(w_in, ref_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_out, ref_out, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w_hs, ref_hs, rtol=RTOL, atol=ATOL)
