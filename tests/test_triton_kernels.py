"""The fused Triton kernels of the torch engine against w2v.reference.

Without CUDA they run on the CPU through Triton's interpreter (``TRITON_INTERPRET=1``, set
here before Triton is imported), which runs the programs one after the other in launch
order: so a launch equals the windows trained sequentially, run by run, and the reference
replays exactly that. On a GPU the same tests run compiled, with a single program wherever
the order matters.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'w2v[gpu]')")
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
pytest.importorskip("triton", reason="Triton is not installed (it comes with CUDA PyTorch)")

from w2v import reference  # noqa: E402
from w2v.config import TrainConfig  # noqa: E402
from w2v.corpus import encode_corpus  # noqa: E402
from w2v.engines.torch import engine, triton_kernels  # noqa: E402
from w2v.vocab import build_vocab  # noqa: E402
from word_groups import nearest_neighbour_group_accuracy, small_group_sentences  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# float32 kernels vs the float64 reference over a few dozen sequential windows.
RTOL, ATOL = 2e-5, 2e-6


def _corpus(n=40, vocab_size=9, window=3, k=4, seed=0):
    """Random kept tokens with sentence breaks, radii and negatives (some equal the center)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, n).astype(np.int32)
    sentence = np.cumsum(rng.random(n) < 0.15).astype(np.int32)
    radius = rng.integers(1, window + 1, n).astype(np.uint8)
    negatives = rng.integers(0, vocab_size, (n, k)).astype(np.int32)
    negatives[::5, 0] = ids[::5]              # a negative equal to its center: skipped
    negatives[1::7, 1] = negatives[1::7, 2]   # a negative drawn twice: counts twice
    return ids, sentence, radius, negatives


def _tables(vocab_size=9, dim=6, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32),
            rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32))


def _contexts(i, ids, sentence, radius):
    lo, hi = max(0, i - int(radius[i])), min(len(ids), i + int(radius[i]) + 1)
    return [ids[j] for j in range(lo, hi) if j != i and sentence[j] == sentence[i]]


def _reference_window(w_in, w_out, i, ids, sentence, radius, negatives, lr, sg):
    """Train center i in place (float64), all gradients from the tables before the window.

    Returns (loss, examples)."""
    center = int(ids[i])
    used = [int(w) for w in negatives[i] if w != center]
    contexts = _contexts(i, ids, sentence, radius)
    if not contexts:
        return 0.0, 0
    if sg:
        grads = [reference.neg_sampling_loss_and_gradient(
            w_in[c], center, w_out, neg_sample_word_indices=used) for c in contexts]
        for c, (_, grad_v, grad_u) in zip(contexts, grads, strict=True):
            w_in[c] -= lr * grad_v
            w_out -= lr * grad_u
        return sum(g[0] for g in grads), len(contexts)
    h = np.mean([w_in[c] for c in contexts], axis=0)
    loss, grad_h, grad_u = reference.neg_sampling_loss_and_gradient(
        h, center, w_out, neg_sample_word_indices=used)
    for c in contexts:
        w_in[c] -= lr * grad_h            # undivided, as word2vec.c and the CPU engine
    w_out -= lr * grad_u
    return loss, 1


def _launch(w_in, w_out, corpus, order, start, stop, per_run, lrs, sg, window, programs=None):
    ids, sentence, radius, negatives = corpus
    t_in, t_out = (torch.tensor(a, device=DEVICE) for a in (w_in, w_out))

    def dev(a):
        return torch.from_numpy(a).to(DEVICE)

    loss, count = triton_kernels.train_block(
        t_in, t_out, dev(ids), dev(sentence), dev(radius), dev(negatives[start:stop]),
        dev(np.asarray(order, dtype=np.int32)), start, stop, per_run, *lrs, sg=sg,
        window=window, programs=programs)
    return t_in.cpu().numpy(), t_out.cpu().numpy(), float(loss), int(count)


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_one_program_trains_its_windows_in_order(sg):
    window = 3
    corpus = _corpus(window=window)
    w_in, w_out = _tables()
    got_in, got_out, got_loss, got_count = _launch(
        w_in, w_out, corpus, [0], 0, 40, 40, (0.2, 0.2), sg, window)
    exp_in, exp_out = w_in.astype(np.float64), w_out.astype(np.float64)
    exp_loss, exp_count = 0.0, 0
    for i in range(40):
        loss, count = _reference_window(exp_in, exp_out, i, *corpus, 0.2, sg)
        exp_loss += loss
        exp_count += count
    assert got_count == exp_count > 0
    assert got_loss == pytest.approx(exp_loss, rel=1e-5)
    np.testing.assert_allclose(got_in, exp_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_out, exp_out, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("programs", [None, 3, 1], ids=["one-per-run", "three", "one"])
def test_runs_are_taken_in_order_with_a_linear_learning_rate(sg, programs):
    # Block [6, 37) in runs of 4 (the last run short), taken in a shuffled order; the
    # learning rate falls linearly from the first run taken to the last. With P programs,
    # program p takes the runs order[p], order[p + P], ...; the interpreter runs program 0's
    # runs first, then program 1's, and so on.
    if DEVICE == "cuda" and programs != 1:
        pytest.skip("programs run concurrently on a GPU")
    window, start, stop, per_run = 2, 6, 37, 4
    corpus = _corpus(window=window, seed=3)
    w_in, w_out = _tables(seed=4)
    order = np.random.default_rng(5).permutation(8)
    lrs = np.linspace(0.3, 0.1, 8)
    got_in, got_out, got_loss, got_count = _launch(
        w_in, w_out, corpus, order, start, stop, per_run, (0.3, 0.1), sg, window, programs)
    step = 8 if programs is None else programs
    taken = [r for p in range(step) for r in range(p, 8, step)]
    exp_in, exp_out = w_in.astype(np.float64), w_out.astype(np.float64)
    exp_loss, exp_count = 0.0, 0
    for r in taken:
        run = order[r]
        for i in range(start + run * per_run, min(stop, start + (run + 1) * per_run)):
            loss, count = _reference_window(exp_in, exp_out, i, *corpus, lrs[r], sg)
            exp_loss += loss
            exp_count += count
    assert got_count == exp_count
    assert got_loss == pytest.approx(exp_loss, rel=1e-5)
    np.testing.assert_allclose(got_in, exp_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got_out, exp_out, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_a_window_never_crosses_a_sentence_break(sg):
    # Every token its own sentence: no window has a context, nothing changes.
    ids, _, radius, negatives = _corpus()
    alone = np.arange(len(ids), dtype=np.int32)
    w_in, w_out = _tables()
    got_in, got_out, loss, count = _launch(w_in, w_out, (ids, alone, radius, negatives),
                                           [0], 0, len(ids), len(ids), (0.5, 0.5), sg, 3)
    assert count == 0 and loss == 0.0
    np.testing.assert_array_equal(got_in, w_in)
    np.testing.assert_array_equal(got_out, w_out)


# Compiles both kernels for an H100 (sm_90) with Triton's own ptxas, no GPU needed, as a launch
# compiles them (pointers and the run length known to be 16-aligned), and checks that no shape
# spills registers to local memory (which ``num_warps`` is chosen to avoid).
COMPILE_FOR_H100 = """
import os, re, subprocess, sys, tempfile
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from w2v.engines.torch import triton_kernels as tk

pointers = dict(w_in="*fp32", w_out="*fp32", ids="*i32", sentence="*i32", radius="*u8",
                negatives="*i32", order="*i32", loss_out="*fp32", count_out="*i32")
scalars = dict(n="i32", block_start="i32", block_stop="i32", runs="i32", centers_per_run="i32",
               lr_first="fp32", lr_step="fp32")
names = [*pointers, *scalars]
cuobjdump = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin",
                         "cuobjdump")
num_warps = tk.num_warps if len(sys.argv) < 2 else lambda slots, block_d: int(sys.argv[1])
aligned = {(names.index(name),): [["tt.divisibility", 16]]
           for name in [*pointers, "centers_per_run"]}
for sg in (True, False):
    for dim, window, k in ((100, 5, 5), (300, 5, 5), (100, 10, 15)):
        slots, block_d = tk._padded(2 * window), tk._padded(dim)
        constants = dict(SG=sg, DIM=dim, BLOCK_D=block_d, WINDOW=window, SLOTS=slots, K=k,
                         TARGETS=tk._padded(k + 1))
        signature = {**pointers, **scalars, **{name: "constexpr" for name in constants}}
        source = ASTSource(fn=tk.neg_kernel, signature=signature, constexprs=constants,
                           attrs=aligned)
        compiled = triton.compile(source, target=GPUTarget("cuda", 90, 32),
                                  options={"num_warps": num_warps(slots, block_d)})
        with tempfile.NamedTemporaryFile(suffix=".cubin") as cubin:
            cubin.write(compiled.asm["cubin"])
            cubin.flush()
            usage = subprocess.run([cuobjdump, "--dump-resource-usage", cubin.name],
                                   capture_output=True, text=True, check=True).stdout
        stack = [int(b) for b in re.findall(r"STACK:(\\d+)", usage)]
        assert stack and max(stack) == 0, ("spills", sg, dim, window, k, usage)
print("compiled")
"""


def test_kernels_compile_for_an_h100():
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["TRITON_DEFAULT_FP_FUSION"] = "1"
    done = subprocess.run([sys.executable, "-c", COMPILE_FOR_H100], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "compiled"


def test_an_order_or_negatives_that_do_not_match_the_block_are_refused():
    ids, sentence, radius, negatives = _corpus()
    w_in, w_out = _tables()
    corpus = (ids, sentence, radius, negatives)
    with pytest.raises(ValueError, match="needs an order of 10 runs"):
        _launch(w_in, w_out, corpus, range(7), 0, 40, 4, (0.1, 0.1), True, 3)
    short = (ids, sentence, radius, negatives[:30])
    with pytest.raises(ValueError, match="40 rows of negatives; got 10 and 30"):
        _launch(w_in, w_out, short, range(10), 0, 40, 4, (0.1, 0.1), True, 3)


def test_a_kernel_that_cannot_run_is_a_device_error(monkeypatch):
    from triton.runtime.errors import OutOfResources

    from w2v.cli import option_flag
    from w2v.errors import DeviceError

    class Unlaunchable:
        def __getitem__(self, grid):
            def launch(*args, **kwargs):
                raise OutOfResources(300_000, 232_448, "shared memory")
            return launch

    monkeypatch.setattr(triton_kernels, "neg_kernel", Unlaunchable())
    with pytest.raises(DeviceError, match=r"fused CUDA kernels could not run .*out of resource"
                                          r".*'shared_negatives' parameter to False") as error:
        _launch(*_tables(), _corpus(), [0], 0, 40, 40, (0.1, 0.1), True, 3)
    # The command line names its flag.
    assert error.value.parameter == "shared_negatives"
    assert "'--shared-negatives/--per-pair-negatives' option to False" in error.value.render(
        option_flag)


def test_padded_sizes_are_powers_of_two_at_least_sixteen():
    assert [triton_kernels._padded(s) for s in (1, 6, 16, 17, 100, 300)] == [
        16, 16, 16, 32, 128, 512]


# --- the torch engine on the fused path -----------------------------------------------------------

@pytest.fixture
def fused(monkeypatch):
    """Make the torch engine take the fused path on any device (interpreted on a CPU)."""
    monkeypatch.setattr(engine, "uses_fused_kernels", lambda config, device: True)
    return engine


@pytest.mark.slow
@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_fused_training_recovers_the_word_groups(fused, sg):
    sentences = small_group_sentences()
    vocab = build_vocab(sentences, min_count=1)
    encoded = encode_corpus(sentences, vocab)
    config = TrainConfig(vector_size=16, window=3, epochs=3, sample=0.0, min_count=1, sg=sg,
                         alpha=0.05, engine="torch", device=DEVICE, seed=2)
    run = fused.train(encoded, vocab, config)
    assert run.details["kernels"] == "fused"
    assert nearest_neighbour_group_accuracy(run.w_in, vocab.words) == 1.0
    epochs = [r for r in run.history if r.kind == "epoch"]
    assert [r.epoch for r in epochs] == [1, 2, 3]
    assert epochs[-1].loss < epochs[0].loss
    assert epochs[-1].words_done == 3 * len(encoded.ids)
    assert sum(r.examples for r in epochs) == run.examples > 0
