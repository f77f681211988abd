"""The fast assignment run: kernels against w2v.reference, the driver, resume, and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from w2v import reference
from w2v.seed import kernels

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


# --- the driver: initialisation, resume, outputs ----------------------------------------------

def test_initialisation_is_run_py() -> None:
    from w2v.seed.run import _initial_state

    state = _initial_state(19539, 31415)
    np.random.seed(9265)  # run.py's global seeding, for comparison
    expected = (np.random.rand(19539, 10) - 0.5) / 10
    np.testing.assert_array_equal(state["params"][:19539], expected)
    assert not state["params"][19539:].any() and state["params"].shape == (39078, 10)


def _params(folder, iteration):
    return np.load(folder / "checkpoints" / f"saved_params_{iteration}.npy")


def test_resume_is_bit_identical(tmp_path) -> None:
    from w2v.seed.run import run_seed

    whole = run_seed(iterations=900, out=tmp_path / "whole", progress=False, save_every=300)
    part = run_seed(iterations=600, out=tmp_path / "part", progress=False, save_every=300)
    assert part.final_loss is not None and whole.start_iteration == 0
    # Interrupted after the save at 600: resume to 900.
    resumed = run_seed(iterations=900, out=tmp_path / "part", resume=True, progress=False,
                       save_every=300)
    assert resumed.start_iteration == 600
    np.testing.assert_array_equal(_params(tmp_path / "part", 900), _params(tmp_path / "whole", 900))
    assert resumed.final_loss == whole.final_loss
    assert ((tmp_path / "part" / "loss.tsv").read_text()
            == (tmp_path / "whole" / "loss.tsv").read_text())
    assert "resumed at 600" in resumed.summary() and "around or below 10" in resumed.summary()


def test_softmax_run_writes_everything(tmp_path) -> None:
    from w2v.seed.run import run_seed

    result = run_seed(iterations=20, loss="softmax", out=tmp_path, progress=False)
    assert sorted(p.name for p in result.files) == ["loss.png", "loss.tsv", "vectors.txt",
                                                    "word_vectors.png"]
    assert (tmp_path / "loss.tsv").read_text().splitlines()[0] == "iteration\tsmoothed_loss"
    assert len((tmp_path / "loss.tsv").read_text().splitlines()) == 3  # iterations 10 and 20


# --- the command line ------------------------------------------------------------------------

def test_cli_end_to_end(tmp_path) -> None:
    from typer.testing import CliRunner

    from w2v.cli import app

    result = CliRunner().invoke(app, ["seed", "--iterations", "200", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "final smoothed loss" in result.output
    for name in ("word_vectors.png", "vectors.txt", "loss.png", "loss.tsv"):
        assert (tmp_path / name).stat().st_size > 0
    header = (tmp_path / "vectors.txt").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == "19539 10"


@pytest.mark.parametrize("args, message", [
    (["--iterations", "0"], "positive integer"),
    (["--iterations", "abc"], "positive integer"),
    (["--iterations", "2.5"], "positive integer"),
    (["--loss", "hinge"], "'loss'"),
])
def test_cli_rejects_bad_options(tmp_path, args, message, run_w2v) -> None:
    done = run_w2v("seed", *args, "--out", str(tmp_path / "out"))
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_cli_rejects_unwritable_output(tmp_path, run_w2v) -> None:
    (tmp_path / "file").write_text("x")
    done = run_w2v("seed", "--iterations", "5", "--out", str(tmp_path / "file" / "out"))
    assert done.returncode != 0 and "Cannot create the output folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_read_only_output_folder(tmp_path) -> None:
    import os

    from w2v.errors import OutputError
    from w2v.seed.run import run_seed

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(OutputError):
            run_seed(iterations=5, out=folder / "out", progress=False)
    finally:
        folder.chmod(0o700)


def test_cli_resume_without_or_with_corrupt_saves(tmp_path, run_w2v) -> None:
    done = run_w2v("seed", "--iterations", "5", "--out", str(tmp_path), "--resume")
    assert done.returncode != 0 and "No checkpoint to resume from" in done.stderr
    assert "Traceback" not in done.stderr
    checkpoints = tmp_path / "checkpoints"
    (checkpoints / "saved_params_5000.npy").write_bytes(b"not numpy")
    (checkpoints / "saved_state_5000.npz").write_bytes(b"not a zip")
    done = run_w2v("seed", "--iterations", "5", "--out", str(tmp_path), "--resume")
    assert done.returncode != 0 and "corrupt" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]  # nothing written


def test_faithful_replay_runs_the_reference(tmp_path) -> None:
    import random

    from w2v.seed.run import run_seed_faithful

    result = run_seed_faithful(iterations=10, out=tmp_path, progress=False)
    assert result.final_loss is not None and (tmp_path / "word_vectors.png").exists()
    assert sorted(p.name for p in (tmp_path / "checkpoints_faithful").iterdir()) == []
    # The same replay by hand, from the same seeds: the same smoothed loss.
    from w2v import reference
    from w2v.seed.dataset import StanfordSentiment

    dataset = StanfordSentiment()
    tokens = dataset.tokens()
    random.seed(31415)
    np.random.seed(9265)
    x0 = np.concatenate(((np.random.rand(len(tokens), 10) - 0.5) / 10,
                         np.zeros((len(tokens), 10))))
    seen = []
    reference.sgd(lambda x: reference.word2vec_sgd_wrapper(
        reference.skipgram, tokens, x, dataset, 5, reference.neg_sampling_loss_and_gradient),
        x0, 0.3, 10, print_fn=lambda it, loss: seen.append(loss))
    assert seen[-1] == result.final_loss
    assert len(dataset.all_sentences()) == 299303  # run.py's subsampling order


def test_kernel_windows_have_the_assignments_distribution() -> None:
    """On SST, the kernel's windows match get_random_context's in distribution (not bit for bit)."""
    import random

    from w2v.seed.dataset import StanfordSentiment

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
