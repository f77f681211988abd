"""The torch engine on the CPU: one step against w2v.reference, sampling, windows, training.

Every test here runs on ``device="cpu"``; the ones marked ``gpu`` need CUDA and skip without it.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'w2v[gpu]')")

from w2v import reference  # noqa: E402
from w2v.config import TrainConfig  # noqa: E402
from w2v.corpus import encode_corpus  # noqa: E402
from w2v.engines import torch_engine, torch_kernels  # noqa: E402
from w2v.errors import ConfigError, DeviceError, DivergenceError  # noqa: E402
from w2v.vocab import build_vocab  # noqa: E402

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
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
    monkeypatch.setattr(torch_kernels, "SOFTMAX_TILE_FLOATS", 2 * len(SG_TARGETS))
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
    got = torch_kernels.sgd_step(t_in, t_out, torch.tensor(SG_TARGETS), torch.tensor(SG_INPUTS),
                                 None, negatives, lr)
    assert float(got) == pytest.approx(exp_loss, rel=RTOL)
    np.testing.assert_allclose(t_in.numpy(), exp_in, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t_out.numpy(), exp_out, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss", ["neg", "softmax"])
def test_cbow_step_matches_reference(loss, monkeypatch):
    monkeypatch.setattr(torch_kernels, "SOFTMAX_TILE_FLOATS", 3 * 2)
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
    got = torch_kernels.sgd_step(t_in, t_out, torch.tensor(SG_TARGETS), torch.tensor(contexts),
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
    got_h, _ = torch_kernels.negative_sampling_step(
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
        monkeypatch.setattr(torch_kernels, "SOFTMAX_TILE_FLOATS", floats)
        table = torch.tensor(w_out)
        grad_h, loss = torch_kernels.softmax_step(table, h, targets, lr=0.1)
        results.append((grad_h.numpy(), float(loss), table.numpy()))
    for grad_h, loss, table in results[1:]:
        np.testing.assert_allclose(grad_h, results[0][0], rtol=RTOL, atol=ATOL)
        assert loss == pytest.approx(results[0][1], rel=RTOL)
        np.testing.assert_allclose(table, results[0][2], rtol=RTOL, atol=ATOL)


# --- sampling and windows ------------------------------------------------------------------------

def test_alias_sampler_follows_the_distribution():
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0])
    sampler = torch_kernels.AliasSampler(p, torch.device("cpu"))
    draws = sampler.draw((200_000,), torch.Generator().manual_seed(0)).numpy()
    freq = np.bincount(draws, minlength=len(p)) / len(draws)
    # 200k draws: standard error <= 0.0012; 0.006 is five of them.
    np.testing.assert_allclose(freq, p, atol=0.006)
    assert freq[-1] == 0.0


def test_subsample_keeps_with_the_given_probability():
    ids = torch.tensor([0, 1, 2] * 20_000, dtype=torch.int32)
    keep = torch.tensor([1.0, 0.5, 0.0])
    mask = torch_kernels.subsample(ids, keep, torch.Generator().manual_seed(0))
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
    centers, contexts = torch_kernels.skipgram_pairs(
        torch.tensor(sentence), torch.tensor(radius, dtype=torch.uint8), start, stop, window=4)
    got = list(zip(centers.tolist(), contexts.tolist(), strict=True))
    assert len(got) == len(set(got))
    assert set(got) == _brute_force_pairs(sentence, radius, start, stop)


def test_cbow_contexts_match_a_brute_force_window():
    rng = np.random.default_rng(2)
    sentence = np.repeat(np.arange(4), [5, 1, 10, 6])
    radius = rng.integers(1, 4, size=len(sentence))
    centers = torch.arange(len(sentence))
    positions, valid = torch_kernels.cbow_contexts(
        torch.tensor(sentence), torch.tensor(radius, dtype=torch.uint8), centers, window=3)
    assert positions.shape == valid.shape == (len(sentence), 6)
    pairs = _brute_force_pairs(sentence, radius, 0, len(sentence))
    got = {(c, int(positions[c, j])) for c in range(len(sentence)) for j in range(6)
           if valid[c, j]}
    assert got == pairs
    assert int(valid.sum()) == len(pairs)


# --- training ------------------------------------------------------------------------------------

GROUPS, GROUP_SIZE = 6, 8


def _group_corpus(sentences=1500, seed=0):
    """Sentences of 10 words all from one group: words of a group co-occur, others never."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(sentences):
        g = rng.integers(GROUPS)
        out.append([f"g{g}w{i}" for i in rng.integers(GROUP_SIZE, size=10)])
    return out


@pytest.fixture(scope="module")
def group_corpus():
    sentences = _group_corpus()
    vocab = build_vocab(sentences, min_count=1)
    return encode_corpus(sentences, vocab), vocab


def _config(**changes):
    options = {"vector_size": 16, "window": 3, "epochs": 3, "sample": 0.0, "min_count": 1,
               "engine": "torch", "device": "cpu", "workers": 1, "batch_pairs": 128}
    options.update(changes)
    return TrainConfig(**options)


def _nearest_neighbour_group_accuracy(vectors, words):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    group = np.array([w.split("w")[0] for w in words])
    return float(np.mean(group[sim.argmax(1)] == group))


@pytest.mark.slow
@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["neg", "softmax"])
def test_training_recovers_the_word_groups(group_corpus, sg, loss):
    encoded, vocab = group_corpus
    run = torch_engine.train(encoded, vocab, _config(sg=sg, loss=loss))
    # Calibrated: every variant reaches 1.0 in 3 epochs; chance is 7/47 = 0.15.
    assert _nearest_neighbour_group_accuracy(run.w_in, vocab.words) >= 0.9
    epochs = [r for r in run.history if r.kind == "epoch"]
    assert [r.epoch for r in epochs] == [1, 2, 3]
    assert epochs[-1].loss < epochs[0].loss
    assert epochs[-1].words_done == 3 * len(encoded.ids)
    assert sum(r.examples for r in epochs) == run.examples
    assert run.w_in.dtype == np.float32
    assert run.w_in.shape == (len(vocab), 16)


def test_history_loss_is_the_mean_loss_per_example(group_corpus):
    # With a vanishing learning rate the output table stays at zero, so every score is 0:
    # softmax loss per example is log V, negative sampling (1 + K) log 2 minus skipped draws.
    encoded, vocab = group_corpus
    still = {"alpha": 1e-12, "min_alpha": 0.0, "epochs": 1}
    run = torch_engine.train(encoded, vocab, _config(loss="softmax", **still))
    for record in run.history:
        assert record.loss == pytest.approx(math.log(len(vocab)), rel=1e-6)
    run = torch_engine.train(encoded, vocab, _config(negative=4, **still))
    epoch = [r for r in run.history if r.kind == "epoch"][0]
    # A negative equal to the target (~1/48 of draws for a flat noise) is skipped.
    assert 4.8 * math.log(2) < epoch.loss < 5 * math.log(2)


def test_same_seed_same_vectors_on_cpu(group_corpus):
    encoded, vocab = group_corpus
    a = torch_engine.train(encoded, vocab, _config(epochs=1, sample=1e-2))
    b = torch_engine.train(encoded, vocab, _config(epochs=1, sample=1e-2))
    c = torch_engine.train(encoded, vocab, _config(epochs=1, sample=1e-2, seed=2))
    np.testing.assert_array_equal(a.w_in, b.w_in)
    assert not np.array_equal(a.w_in, c.w_in)


@pytest.mark.filterwarnings("error")
def test_a_read_only_id_array_is_copied_without_warning(group_corpus):
    # encode_corpus memory-maps large corpora read-only.
    encoded, vocab = group_corpus
    ids = encoded.ids.copy()
    ids.flags.writeable = False
    frozen = type(encoded)(ids=ids, sentence_starts=encoded.sentence_starts,
                           raw_words=encoded.raw_words, stats=encoded.stats)
    run = torch_engine.train(frozen, vocab, _config(epochs=1))
    assert np.isfinite(run.w_in).all()


def test_reports_are_passed_to_the_callback(group_corpus):
    encoded, vocab = group_corpus
    seen = []
    run = torch_engine.train(encoded, vocab, _config(epochs=2), report=seen.append)
    assert seen == run.history
    assert {r.kind for r in seen} == {"interval", "epoch"}


def test_divergence_is_reported(group_corpus):
    encoded, vocab = group_corpus
    with pytest.raises(DivergenceError, match="batch_pairs"):
        torch_engine.train(encoded, vocab, _config(alpha=1e4, batch_pairs=4096, epochs=1))


def _corpus_with_a_frequent_word():
    """The group corpus with "the" after every third word: 3 of 13 tokens (a share of 0.23)."""
    sentences = [[w for i, x in enumerate(words) for w in ([x, "the"] if i % 3 == 2 else [x])]
                 for words in _group_corpus()]
    vocab = build_vocab(sentences, min_count=1)
    return encode_corpus(sentences, vocab), vocab


def test_a_frequent_word_lowers_the_batched_step(monkeypatch):
    # "the" is the input of 23% of the pairs: 16,384 pairs per step would sum ~3,800 stale
    # gradients into its row (diverges); the step is cut to MAX_ROW_PAIRS / 0.23 = 433 pairs.
    encoded, vocab = _corpus_with_a_frequent_word()
    config = _config(batch_pairs=16_384, vector_size=32)
    assert torch_engine.top_kept_share(vocab, config) == pytest.approx(3 / 13)
    run = torch_engine.train(encoded, vocab, config)
    assert run.details["examples_per_step"] == int(torch_engine.MAX_ROW_PAIRS / (3 / 13)) == 433
    groups = [i for i, w in enumerate(vocab.words) if w != "the"]
    accuracy = _nearest_neighbour_group_accuracy(run.w_in[groups],
                                                 [vocab.words[i] for i in groups])
    assert accuracy == 1.0
    monkeypatch.setattr(torch_engine, "MAX_ROW_PAIRS", 10**9)   # the step uncut
    with pytest.raises(DivergenceError, match="diverged in epoch 1"):
        torch_engine.train(encoded, vocab, config)


def test_examples_per_step_keeps_the_frequent_words_input_rows_in_bounds():
    sg, cbow = _config(batch_pairs=16_384, window=5), _config(sg=False, batch_pairs=16_384,
                                                              window=5)
    assert torch_engine.examples_per_step(sg, top_share=0.0049) == 16_384    # text8, 1e-4
    assert torch_engine.examples_per_step(sg, top_share=0.0127) == 7_874     # text8, 1e-3
    assert torch_engine.examples_per_step(cbow, top_share=0.0127) == 787
    assert torch_engine.examples_per_step(sg, top_share=1.0) == 100


def test_fused_launches_bound_the_frequent_words_contexts_in_flight():
    config = _config(window=5)
    assert torch_engine.fused_programs(config, 0.0049) == 3_401     # text8, sample 1e-4
    assert torch_engine.fused_programs(config, 0.06) == 277          # text8, sample 0
    assert torch_engine.fused_programs(config, 1.0) == 16
    assert torch_engine.fused_programs(config, 0.0) is None


def test_a_finite_but_exploding_loss_is_divergence():
    meter = torch_engine._Meter(1000, _config(), None, fused=False, vocab_size=50)
    meter.add(torch.tensor(1e12), 10)
    with pytest.raises(DivergenceError, match=r"mean loss became 1e\+11 \(untrained: 4\.16\)"):
        meter.record("epoch", 0, 1.0, 0.01)


# --- devices and errors --------------------------------------------------------------------------

@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_asked_for_but_missing_is_a_device_error(group_corpus):
    encoded, vocab = group_corpus
    with pytest.raises(DeviceError, match="CUDA was requested"):
        torch_engine.train(encoded, vocab, _config(device="cuda"))


@pytest.mark.parametrize("name", ["tpu", "cuda:x", "mps"])
def test_unknown_device_is_a_device_error(name):
    with pytest.raises(DeviceError, match="device"):
        torch_engine.resolve_device(name)


def test_missing_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # makes `import torch` raise ImportError
    with pytest.raises(DeviceError, match=r"pip install 'w2v\[gpu\]'"):
        torch_engine.import_torch()


def test_model_too_big_for_the_gpu_says_how_much_it_needs(monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (1 << 30, 2 << 30))
    config = _config(vector_size=300)
    need = sum(torch_engine.required_bytes(10**7, 3_000_000, config).values())
    assert need > 1 << 30
    with pytest.raises(DeviceError, match=r"needs about \d+\.\d\d GiB .* 1\.00 GiB free"):
        torch_engine.check_device_memory(torch.device("cuda", 0), 10**7, 3_000_000, config)


def test_the_fused_kernels_serve_shared_negative_sampling_on_cuda(monkeypatch):
    from types import SimpleNamespace

    cuda, cpu = SimpleNamespace(type="cuda"), SimpleNamespace(type="cpu")
    monkeypatch.setitem(sys.modules, "triton", SimpleNamespace(__version__="3.6.0"))
    assert torch_engine.uses_fused_kernels(_config(), cuda)
    assert torch_engine.uses_fused_kernels(_config(sg=False), cuda)
    assert not torch_engine.uses_fused_kernels(_config(), cpu)
    assert not torch_engine.uses_fused_kernels(_config(loss="softmax"), cuda)
    assert not torch_engine.uses_fused_kernels(_config(shared_negatives=False), cuda)
    monkeypatch.setitem(sys.modules, "triton", SimpleNamespace(__version__="2.3.1"))
    assert not torch_engine.uses_fused_kernels(_config(), cuda)     # too old
    monkeypatch.setitem(sys.modules, "triton", None)                # not installed
    assert not torch_engine.uses_fused_kernels(_config(), cuda)


def test_the_fused_path_needs_no_pair_buffers():
    config = _config(vector_size=100, window=5, negative=5)
    batched = torch_engine.required_bytes(10**7, 10**5, config)
    fused = torch_engine.required_bytes(10**7, 10**5, config, fused=True)
    assert "pairs" in batched and "pairs" not in fused and "block" in fused
    assert fused["tables"] == batched["tables"] == 2 * 10**5 * 100 * 4
    assert sum(fused.values()) < sum(batched.values())


def test_a_cbow_step_holds_batch_pairs_context_pairs():
    assert torch_engine.examples_per_step(_config(batch_pairs=16_384, window=5)) == 16_384
    cbow = _config(sg=False, batch_pairs=16_384, window=5)
    assert torch_engine.examples_per_step(cbow) == 1_638
    assert torch_engine.examples_per_step(cbow.replace(batch_pairs=3)) == 1


def test_batch_pairs_is_validated():
    with pytest.raises(ConfigError, match="batch_pairs"):
        TrainConfig(batch_pairs=0)


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(("shared", "kernels"), [(True, "fused"), (False, "batched")])
@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_cuda_training_recovers_the_word_groups(group_corpus, sg, shared, kernels):
    encoded, vocab = group_corpus
    run = torch_engine.train(encoded, vocab, _config(device="cuda", sg=sg,
                                                     shared_negatives=shared))
    assert run.details["kernels"] == kernels
    assert run.device.startswith("cuda")
    assert run.details["peak_device_bytes"] > 0
    assert _nearest_neighbour_group_accuracy(run.w_in, vocab.words) >= 0.9


# --- through the public API and the CLI ----------------------------------------------------------

def test_w2v_train_with_the_torch_engine(group_corpus):
    import w2v

    model = w2v.train(_group_corpus(300), engine="torch", device="cpu", vector_size=8,
                      window=2, epochs=1, min_count=1, sample=0.0, workers=1, batch_pairs=64)
    assert model.vectors.vectors.shape == (len(model.vocab), 8)
    assert model.config.engine == "torch"
    assert [r.epoch for r in model.history if r.kind == "epoch"] == [1]


def test_cli_trains_with_torch_and_refuses_missing_cuda(tmp_path):
    from typer.testing import CliRunner

    from w2v.cli import app

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _group_corpus(200)) + "\n")
    out = tmp_path / "vectors.txt"
    runner = CliRunner()
    base = ["train", str(corpus), "-o", str(out), "--engine", "torch", "--dim", "8",
            "--epochs", "1", "--min-count", "1", "--workers", "1", "--quiet"]
    result = runner.invoke(app, [*base, "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert out.read_text().split("\n")[0] == f"{GROUPS * GROUP_SIZE} 8"
    if not torch.cuda.is_available():
        missing = tmp_path / "none.txt"
        result = runner.invoke(app, [*base[:3], str(missing), *base[4:], "--device", "cuda"])
        assert isinstance(result.exception, DeviceError)
        assert not missing.exists()
