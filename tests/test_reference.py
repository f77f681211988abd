"""w2v.reference against the numbers of the assignment's own tests, and properties of the math."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v import reference
from w2v.errors import CheckpointError, ConfigError, DivergenceError, GradientCheckError
from w2v.huffman import build_huffman_tree
from w2v.reference import (
    get_negative_samples,
    gradcheck_naive,
    latest_save_iteration,
    naive_softmax_loss_and_gradient,
    neg_sampling_loss_and_gradient,
    normalize_rows,
    sgd,
    sigmoid,
    skipgram,
    softmax,
    word2vec_sgd_wrapper,
)
from w2v.seed.gradcheck import make_dummy_fixture

CONTEXT = ["a", "b", "e", "d", "b", "c"]

# --- the expected skip-gram results of the assignment's grad_tests_softmax/_negsamp -------

ZERO = [0.0, 0.0, 0.0]
NAIVE_CASES = [  # (center, context, loss, row of gradCenter, gradCenter row, gradOutside)
    ("c", CONTEXT, 11.16610900153398, 2, [-1.26947339, -1.36873189, 2.45158957], [
        [-0.41045956, 0.18834851, 1.43272264], [0.38202831, -0.17530219, -1.33348241],
        [0.07009355, -0.03216399, -0.24466386], [0.09472154, -0.04346509, -0.33062865],
        [-0.13638384, 0.06258276, 0.47605228]]),
    ("b", CONTEXT, 9.87714910003414, 1, [-0.14586705, -1.34158321, -0.29291951], [
        [-0.30342672, 0.19808298, 0.19587419], [-0.41359958, 0.27000601, 0.26699522],
        [-0.08192272, 0.05348078, 0.05288442], [0.6981188, -0.4557458, -0.45066387],
        [0.10083022, -0.06582396, -0.06508997]]),
    ("a", CONTEXT, 10.810758628593335, 0, [-1.1790274, -1.35861865, 1.53590492], [
        [-7.96035953e-01, -1.79609012e-02, 2.07761330e-01],
        [1.40175316e+00, 3.16276545e-02, -3.65850437e-01],
        [-1.99691259e-01, -4.50561933e-03, 5.21184016e-02],
        [2.02560028e-02, 4.57034715e-04, -5.28671357e-03],
        [-4.26281954e-01, -9.61816867e-03, 1.11257419e-01]]),
]
NEG_CASES = [  # N1, N2, N3: must run in this order on the shared random stream
    ("c", 1, ["a", "b"], 16.15119285363322, 2, [-4.54650789, -1.85942252, 0.76397441], [
        [-0.69148188, 0.31730185, 2.41364029], [-0.22716495, 0.10423969, 0.79292674],
        [-0.45528438, 0.20891737, 1.58918512], [-0.31602611, 0.14501561, 1.10309954],
        [-0.80620296, 0.36994417, 2.81407799]]),
    ("c", 2, ["a", "b", "c", "a"], 28.653567707668795, 2,
     [-6.42994865, -2.16396482, -1.89240934], [
        [-0.80413277, 0.36899421, 2.80685192], [-0.9277269, 0.42570813, 3.23826131],
        [-0.7511534, 0.34468345, 2.62192569], [-0.94807832, 0.43504684, 3.30929863],
        [-1.12868414, 0.51792184, 3.93970919]]),
    ("a", 3, CONTEXT, 60.648705494891914, 0, [-17.89425315, -7.36940626, -1.23364121], [
        [-6.4780819, -0.14616449, 1.69074639], [-0.86337952, -0.01948037, 0.22533766],
        [-9.59525734, -0.21649709, 2.5043133], [-6.02261515, -0.13588783, 1.57187189],
        [-9.69010072, -0.21863704, 2.52906694]]),
]


def _expected_center(row: int, values: list[float]) -> np.ndarray:
    grad = np.zeros((5, 3))
    grad[row] = values
    return grad


def _wrapper(fixture, loss_fn):
    return lambda vec: word2vec_sgd_wrapper(skipgram, fixture.tokens, vec, fixture.dataset, 5,
                                            loss_fn)


# --- sigmoid (the assignment's test_sigmoid) -----------------------------------------------

def test_sigmoid_sanity_values():
    assert sigmoid(0) == 0.5
    assert np.allclose(sigmoid(np.array([0])), np.array([0.5]))
    assert np.allclose(sigmoid(np.array([1, 2, 3])), np.array([0.73105858, 0.88079708, 0.95257413]))


def test_sigmoid_is_stable_at_extremes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(np.array([-1000.0, 1000.0]))
    assert s[0] == 0.0 and s[1] == 1.0


def test_softmax_is_stable_and_does_not_mutate():
    x = np.array([[1001.0, 1002.0], [3.0, 4.0]])
    before = x.copy()
    s = softmax(x)
    assert np.array_equal(x, before)
    assert np.allclose(s, [[0.26894142, 0.73105858]] * 2)
    v = np.array([1.0, 2.0, 3.0])
    assert np.allclose(softmax(v), np.exp(v) / np.exp(v).sum())
    assert np.array_equal(v, [1.0, 2.0, 3.0])


def test_normalize_rows_does_not_mutate():
    x = np.array([[3.0, 4.0], [1.0, 2.0]])
    before = x.copy()
    assert np.allclose(normalize_rows(x), [[0.6, 0.8], [0.4472136, 0.89442719]])
    assert np.array_equal(x, before)


# --- the published skip-gram numbers (the assignment's test_word2vec) ----------------------

@pytest.mark.parametrize("center, context, loss, row, grad_row, grad_outside", NAIVE_CASES)
def test_naive_softmax_skipgram_matches_spec(center, context, loss, row, grad_row, grad_outside):
    fx = make_dummy_fixture()
    got = skipgram(center, 3, context, fx.tokens, fx.vectors[:5], fx.vectors[5:], fx.dataset)
    assert np.allclose(got[0], loss)
    assert np.allclose(got[1], _expected_center(row, grad_row))
    assert np.allclose(got[2], grad_outside)


def test_assignment_sequence_reproduces_negative_sampling_numbers():
    """test_word2vec's order: seed, gradcheck(naive), gradcheck(neg), then N1, N2, N3."""
    fx = make_dummy_fixture()
    gradcheck_naive(_wrapper(fx, naive_softmax_loss_and_gradient), fx.vectors, "naive")
    gradcheck_naive(_wrapper(fx, neg_sampling_loss_and_gradient), fx.vectors, "neg")
    for center, window, context, loss, row, grad_row, grad_outside in NEG_CASES:
        got = skipgram(center, window, context, fx.tokens, fx.vectors[:5], fx.vectors[5:],
                       fx.dataset, neg_sampling_loss_and_gradient)
        assert np.allclose(got[0], loss)
        assert np.allclose(got[1], _expected_center(row, grad_row))
        assert np.allclose(got[2], grad_outside)


def test_wrapper_regression_values():
    fx = make_dummy_fixture()
    loss_naive, grad = _wrapper(fx, naive_softmax_loss_and_gradient)(fx.vectors)
    loss_neg, _ = _wrapper(fx, neg_sampling_loss_and_gradient)(fx.vectors)
    assert np.isclose(loss_naive, 10.624221541032474, rtol=1e-12)
    assert np.isclose(loss_neg, 57.893448051327624, rtol=1e-12)
    assert grad.shape == (10, 3)


@pytest.mark.parametrize("loss_fn", [naive_softmax_loss_and_gradient,
                                     neg_sampling_loss_and_gradient])
def test_gradcheck_through_sgd_wrapper(loss_fn):
    fx = make_dummy_fixture()
    report = gradcheck_naive(_wrapper(fx, loss_fn), fx.vectors, loss_fn.__name__)
    assert report.passed and report.checked == 30 and report.max_rel_error < 1e-7


@pytest.mark.parametrize("loss_fn", [naive_softmax_loss_and_gradient,
                                     neg_sampling_loss_and_gradient])
def test_vectorised_skipgram_equals_the_assignment_loop(loss_fn):
    fx = make_dummy_fixture()
    state = random.getstate()
    fast = skipgram("a", 3, CONTEXT, fx.tokens, fx.vectors[:5], fx.vectors[5:], fx.dataset, loss_fn)
    random.setstate(state)
    # A wrapper function is not recognised, so skipgram takes the per-pair loop.
    slow = skipgram("a", 3, CONTEXT, fx.tokens, fx.vectors[:5], fx.vectors[5:], fx.dataset,
                    lambda *args: loss_fn(*args))
    for a, b in zip(fast, slow, strict=True):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


# --- negative sampling details --------------------------------------------------------------

class _ScriptedDataset:
    def __init__(self, draws):
        self.draws = list(draws)

    def sample_token_idx(self):
        return self.draws.pop(0)


def test_get_negative_samples_redraws_only_the_outside_word():
    ds = _ScriptedDataset([2, 1, 2, 2, 0, 3, 3])
    # outside word 2: the 2s are redrawn, the center word and duplicates are kept
    assert get_negative_samples(2, ds, 4) == [1, 0, 3, 3]
    assert ds.draws == []


def test_duplicate_negatives_count_with_multiplicity():
    rng = np.random.default_rng(0)
    u, v_c = rng.normal(size=(6, 4)), rng.normal(size=4)
    loss2, gc2, gu2 = neg_sampling_loss_and_gradient(v_c, 0, u, neg_sample_word_indices=[3, 3])
    loss1, gc1, gu1 = neg_sampling_loss_and_gradient(v_c, 0, u, neg_sample_word_indices=[3])
    pos_loss = np.logaddexp(0, -(u[0] @ v_c))
    assert np.isclose(loss2 - pos_loss, 2 * (loss1 - pos_loss))
    assert np.allclose(gu2[3], 2 * gu1[3])
    assert np.allclose(gu2[3], 2 * sigmoid(u[3] @ v_c) * v_c)
    assert np.allclose(gc2 - gc1, sigmoid(u[3] @ v_c) * u[3])


def test_neg_sampling_needs_dataset_or_indices():
    u, v_c = np.ones((3, 2)), np.ones(2)
    with pytest.raises(ConfigError, match="dataset"):
        neg_sampling_loss_and_gradient(v_c, 0, u)
    with pytest.raises(ConfigError, match="word ids in"):
        neg_sampling_loss_and_gradient(v_c, 0, u, neg_sample_word_indices=[5])


# --- properties on random shapes ------------------------------------------------------------

def _central_differences(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[ix] += h
        xm[ix] -= h
        grad[ix] = (f(xp) - f(xm)) / (2 * h)
    return grad


shapes = st.tuples(st.integers(2, 7), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31))


@settings(max_examples=25, deadline=None)
@given(shapes)
def test_pair_gradients_agree_with_central_differences(shape):
    n, d, k, seed = shape
    rng = np.random.default_rng(seed)
    u, v_c = rng.normal(size=(n, d)), rng.normal(size=d)
    o = int(rng.integers(n))
    negs = rng.integers(0, n, size=k)  # may contain o and duplicates: the math still holds
    losses = [naive_softmax_loss_and_gradient,
              lambda v, o, u, ds=None: neg_sampling_loss_and_gradient(
                  v, o, u, neg_sample_word_indices=negs)]
    for loss_fn in losses:
        u0, v0 = u.copy(), v_c.copy()
        _, g_c, g_u = loss_fn(v_c, o, u)
        assert np.array_equal(u, u0) and np.array_equal(v_c, v0)  # inputs not mutated
        assert np.allclose(g_c, _central_differences(lambda v, fn=loss_fn: fn(v, o, u)[0], v_c),
                           rtol=1e-5, atol=1e-6)
        assert np.allclose(g_u, _central_differences(lambda m, fn=loss_fn: fn(v_c, o, m)[0], u),
                           rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(shapes, st.sampled_from(["naive", "neg"]))
def test_skipgram_gradient_is_zero_for_other_center_vectors(shape, loss_name):
    n, d, m, seed = shape
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    word2ind = {w: i for i, w in enumerate(words)}
    v, u = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    center = words[int(rng.integers(n))]
    outside = [words[i] for i in rng.integers(0, n, size=m)]
    loss_fn = naive_softmax_loss_and_gradient
    if loss_name == "neg":
        negs = rng.integers(0, n, size=3)
        def loss_fn(vc, o, uu, ds=None):
            return neg_sampling_loss_and_gradient(vc, o, uu, neg_sample_word_indices=negs)
    loss, g_v, g_u = skipgram(center, 2, outside, word2ind, v, u, None, loss_fn)
    c = word2ind[center]
    others = np.delete(g_v, c, axis=0)
    assert np.all(others == 0.0)
    numeric = _central_differences(
        lambda vc: skipgram(center, 2, outside, word2ind,
                            np.vstack([v[:c], vc, v[c + 1:]]), u, None, loss_fn)[0], v[c:c + 1])
    assert np.allclose(g_v[c], numeric[0], rtol=1e-5, atol=1e-6)


def test_gradcheck_catches_a_wrong_gradient_and_restores_x():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    before = x.copy()

    def wrong(z):
        grad = 2 * z
        grad[1, 0] += 0.01  # a bug in one coordinate
        return float(np.sum(z**2)), grad

    with pytest.raises(GradientCheckError, match=r"\(1, 0\)"):
        gradcheck_naive(wrong, x, "quadratic")
    report = gradcheck_naive(wrong, x, "quadratic", raise_on_failure=False)
    assert not report.passed and report.worst_index == (1, 0)
    assert np.array_equal(x, before)
    assert gradcheck_naive(lambda z: (float(np.sum(z**2)), 2 * z), x).passed


def test_gradcheck_restores_random_state_before_each_evaluation():
    random.seed(7)
    start = random.getstate()

    def noisy(z):  # draws a random number: consistent only if the state is restored
        r = random.random()
        return float(r * np.sum(z**2)), 2 * r * z

    assert gradcheck_naive(noisy, np.array([0.3, -0.7])).passed
    random.setstate(start)
    random.random()
    after_one_call = random.getstate()
    random.setstate(start)
    gradcheck_naive(noisy, np.array([0.3, -0.7]))
    assert random.getstate() == after_one_call


# --- SGD (the assignment's sgd.py and its sanity_check) -----------------------------------

def _quad(x):
    return float(np.sum(x**2)), 2 * x


@pytest.mark.parametrize("x0, expected", [(0.5, 8.414836786079626e-10), (0.0, 0.0),
                                          (-1.5, -2.5244510358238877e-09)])
def test_sgd_sanity_check_on_the_quadratic(x0, expected):
    lines = []
    result = sgd(_quad, np.array(x0), 0.01, 1000, print_every=100,
                 print_fn=lambda it, loss: lines.append((it, loss)))
    assert abs(result) <= 1e-6
    assert np.isclose(result, expected, rtol=1e-12, atol=0)
    assert [it for it, _ in lines] == list(range(100, 1001, 100))


def test_sgd_default_print_and_annealing(capsys):
    def f(x):
        return 1.0, np.ones_like(x)

    # gradient 1 everywhere: the decrease of x at each iteration is the step in use
    x = sgd(f, np.zeros(1), 1.0, 5, print_every=2, anneal_every=2)
    assert np.isclose(x[0], -(1 + 1 + 0.5 + 0.5 + 0.25))
    assert capsys.readouterr().out == "iter 2: 1.000000\niter 4: 1.000000\n"


def test_sgd_loss_average_falls_back_when_zero():
    losses = iter([0.0, 2.0, 4.0])
    seen = []
    sgd(lambda x: (next(losses), np.zeros_like(x)), np.zeros(1), 0.1, 3, print_every=1,
        print_fn=lambda it, loss: seen.append(loss))
    # 0.0 is falsy: the average restarts from the raw loss 2.0, then 0.95*2 + 0.05*4
    assert seen == [0.0, 2.0, 0.95 * 2.0 + 0.05 * 4.0]


def _noisy_quad(x):
    r = random.random()  # the Python random state must be saved and restored
    return float(np.sum(x**2)), 2 * x * r


def test_sgd_resume_equals_uninterrupted_run(tmp_path):
    x0 = np.array([1.0, -2.0, 0.5])
    random.seed(3)
    full = sgd(_noisy_quad, x0, 0.1, 12, print_fn=None, anneal_every=4)
    random.seed(3)
    sgd(_noisy_quad, x0, 0.1, 7, use_saved=True, save_dir=tmp_path, save_every=5,
        print_fn=None, anneal_every=4)
    assert latest_save_iteration(tmp_path) == 5
    random.seed(999)  # the save's random state must win
    resumed = sgd(_noisy_quad, x0, 0.1, 12, use_saved=True, save_dir=tmp_path, save_every=5,
                  print_fn=None, anneal_every=4)
    assert np.array_equal(resumed, full)
    assert np.array_equal(x0, [1.0, -2.0, 0.5])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["saved_10.npz", "saved_5.npz"]  # one file a save, no temporary files left
    with np.load(tmp_path / "saved_5.npz") as save:
        header = json.loads(save["header.json"])
        assert header["iteration"] == 5 and save["random_state"].shape == (625,)
        assert header["exploss"] is None and save["params"].shape == (3,)  # no report yet


def test_sgd_fractional_anneal_quirk_on_resume(tmp_path):
    def f(x):
        return 1.0, np.ones_like(x)

    sgd(f, np.zeros(1), 1.0, 2, use_saved=True, save_dir=tmp_path, save_every=2,
        print_fn=None, anneal_every=4)
    x = sgd(f, np.zeros(1), 1.0, 3, use_saved=True, save_dir=tmp_path, save_every=2,
            print_fn=None, anneal_every=4, fractional_anneal_on_resume=True)
    assert np.isclose(x[0], -2.0 - 0.5 ** 0.5)


def test_sgd_corrupt_save_or_another_shape_raises_checkpoint_error(tmp_path):
    sgd(_quad, np.ones(2), 0.1, 4, use_saved=True, save_dir=tmp_path, save_every=2,
        print_fn=None)
    (tmp_path / "saved_4.npz").write_bytes(b"not numpy")
    with pytest.raises(CheckpointError, match="saved_4.npz"):
        sgd(_quad, np.ones(2), 0.1, 6, use_saved=True, save_dir=tmp_path, print_fn=None)
    (tmp_path / "saved_4.npz").unlink()
    with pytest.raises(CheckpointError, match="shape"):  # another configuration's save
        sgd(_quad, np.ones(3), 0.1, 6, use_saved=True, save_dir=tmp_path, print_fn=None)
    x = sgd(_quad, np.ones(2), 0.1, 3, use_saved=True, save_dir=tmp_path, print_fn=None)
    assert np.allclose(x, 0.8 ** 3)  # resumed from the save at 2


def test_sgd_does_not_save_a_diverged_state(tmp_path):
    with pytest.raises(DivergenceError, match="iteration 2"):
        sgd(lambda x: (float("inf"), np.full_like(x, np.inf)), np.ones(2), 0.1, 4, use_saved=True,
            save_dir=tmp_path, save_every=2, print_fn=None)
    assert latest_save_iteration(tmp_path) == 0


def test_sgd_failed_save_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_write(handle, arr, allow_pickle=False):
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", broken_write)
    with pytest.raises(OSError, match="saved_2.npz"):
        sgd(_quad, np.ones(2), 0.1, 2, use_saved=True, save_dir=tmp_path, save_every=2,
            print_fn=None)
    assert latest_save_iteration(tmp_path) == 0
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.parametrize("kwargs", [{"iterations": 0}, {"iterations": 2.5}, {"step": -1.0},
                                    {"step": float("nan")}, {"print_every": 0},
                                    {"iterations": True}])
def test_sgd_rejects_bad_options(kwargs):
    options = {"iterations": 3, "step": 0.1} | kwargs
    with pytest.raises(ConfigError):
        sgd(_quad, np.ones(1), options.pop("step"), options.pop("iterations"), **options)


# --- hierarchical softmax ----------------------------------------------------------------

def test_hierarchical_softmax_is_a_distribution_over_the_leaves():
    rng = np.random.default_rng(5)
    counts = np.sort(rng.integers(1, 50, 17))[::-1]
    tree = build_huffman_tree(counts)
    u = rng.normal(0, 1, (tree.inner_nodes, 6))
    v_c = rng.normal(0, 1, 6)
    losses = [reference.hierarchical_softmax_loss_and_gradient(v_c, w, u, tree=tree)[0]
              for w in range(len(counts))]
    assert np.exp(-np.array(losses)).sum() == pytest.approx(1.0, rel=1e-12)


def test_hierarchical_softmax_gradients_touch_only_the_path():
    tree = build_huffman_tree(np.array([9, 7, 5, 3, 2, 1]))
    rng = np.random.default_rng(1)
    u, v_c = rng.normal(0, 1, (5, 4)), rng.normal(0, 1, 4)
    loss, grad_c, grad_u = reference.hierarchical_softmax_loss_and_gradient(v_c, 4, u,
                                                                            tree=tree)
    codes, points = tree.path(4)
    off_path = np.setdiff1d(np.arange(5), points)
    assert (grad_u[off_path] == 0).all() and (grad_u[points] != 0).all()
    # Each node is a logistic unit whose label is 1 - code (word2vec.c's convention).
    s = u[points] @ v_c
    labels = 1.0 - codes
    expected = -np.sum(labels * np.log(reference.sigmoid(s))
                       + (1 - labels) * np.log(reference.sigmoid(-s)))
    assert loss == pytest.approx(expected)
    np.testing.assert_allclose(grad_c, (reference.sigmoid(s) - labels) @ u[points])


def test_hierarchical_softmax_needs_a_tree():
    with pytest.raises(ConfigError, match="tree"):
        reference.hierarchical_softmax_loss_and_gradient(np.zeros(3), 0, np.zeros((4, 3)))
