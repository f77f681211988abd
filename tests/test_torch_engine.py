"""The torch engine: its schedule and memory arithmetic, training on the CPU, devices, errors.

The step math, sampling and windows are in ``test_torch_steps.py``, the fused kernels in
``test_triton_kernels.py``. Tests that train or name a device need PyTorch and skip without
it (the ``torch`` fixture); the arithmetic and the "PyTorch is missing" errors run anyway.
The tests marked ``gpu`` need CUDA and skip without it.
"""

from __future__ import annotations

import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from w2v.config import TrainConfig
from w2v.corpus import encode_corpus
from w2v.engines import registry
from w2v.engines.torch import device, engine, meter, schedule
from w2v.errors import ConfigError, DeviceError, DivergenceError
from w2v.vocab import build_vocab
from word_groups import (
    GROUP_SIZE,
    GROUPS,
    group_sentences,
    nearest_neighbour_group_accuracy,
)

# Tests that train (or build a torch.device) need PyTorch; they skip without it.
needs_torch = pytest.mark.usefixtures("torch")


@pytest.fixture(scope="module")
def group_corpus():
    sentences = group_sentences()
    vocab = build_vocab(sentences, min_count=1)
    return encode_corpus(sentences, vocab), vocab


@pytest.fixture
def cuda(torch):
    """Skips the test unless CUDA is available."""
    if not torch.cuda.is_available():
        pytest.skip("CUDA is not available")


def _config(**changes):
    options = {"vector_size": 16, "window": 3, "epochs": 3, "sample": 0.0, "min_count": 1,
               "engine": "torch", "device": "cpu", "workers": 1, "batch_pairs": 128}
    options.update(changes)
    return TrainConfig(**options)


def _corpus_with_a_frequent_word():
    """The group corpus with "the" after every third word: 3 of 13 tokens (a share of 0.23)."""
    sentences = [[w for i, x in enumerate(words) for w in ([x, "the"] if i % 3 == 2 else [x])]
                 for words in group_sentences()]
    vocab = build_vocab(sentences, min_count=1)
    return encode_corpus(sentences, vocab), vocab


# --- the registry and the schedule (no PyTorch needed) -------------------------------------------

def test_the_registry_loads_this_engine():
    assert registry.get("torch").load() is engine.train


def test_loading_the_engine_imports_neither_torch_nor_triton():
    # PyTorch is an optional extra: the engine loads (and can say how to install it) without.
    probe = ("import sys\nfrom w2v.engines import registry\nregistry.get('torch').load()\n"
             "print(sorted({'torch', 'triton'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_examples_per_step_keeps_the_frequent_words_input_rows_in_bounds():
    # At the rates of the calibration (0.025 skip-gram, 0.05 CBOW).
    sg = _config(batch_pairs=16_384, window=5, alpha=0.025)
    cbow = _config(sg=False, batch_pairs=16_384, window=5, alpha=0.05)
    assert schedule.examples_per_step(sg, top_share=0.0049) == 16_384    # text8, 1e-4
    assert schedule.examples_per_step(sg, top_share=0.0127) == 7_874     # text8, 1e-3
    assert schedule.examples_per_step(cbow, top_share=0.0127) == 787
    assert schedule.examples_per_step(sg, top_share=1.0) == 100


def test_a_cbow_step_holds_batch_pairs_context_pairs():
    assert schedule.examples_per_step(_config(batch_pairs=16_384, window=5)) == 16_384
    cbow = _config(sg=False, batch_pairs=16_384, window=5)
    assert schedule.examples_per_step(cbow) == 1_638
    assert schedule.examples_per_step(cbow.replace(batch_pairs=3)) == 1


def test_fused_launches_bound_the_frequent_words_contexts_in_flight():
    config = _config(window=5)
    assert schedule.fused_programs(config, 0.0049) == 3_401     # text8, sample 1e-4
    assert schedule.fused_programs(config, 0.06) == 277          # text8, sample 0
    assert schedule.fused_programs(config, 1.0) == 16
    assert schedule.fused_programs(config, 0.0) is None


def test_the_top_kept_share_is_the_most_frequent_words_share():
    _, vocab = _corpus_with_a_frequent_word()
    assert schedule.top_kept_share(vocab, _config()) == pytest.approx(3 / 13)


def test_batch_pairs_is_validated():
    with pytest.raises(ConfigError, match="batch_pairs"):
        TrainConfig(batch_pairs=0)


def test_the_fused_path_needs_no_pair_buffers():
    config = _config(vector_size=100, window=5, negative=5)
    batched = device.required_bytes(10**7, 10**5, config)
    fused = device.required_bytes(10**7, 10**5, config, fused=True)
    assert "pairs" in batched and "pairs" not in fused and "block" in fused
    assert fused["tables"] == batched["tables"] == 2 * 10**5 * 100 * 4
    assert sum(fused.values()) < sum(batched.values())


def test_the_fused_kernels_serve_shared_negative_sampling_on_cuda(monkeypatch):
    cuda, cpu = SimpleNamespace(type="cuda"), SimpleNamespace(type="cpu")
    monkeypatch.setitem(sys.modules, "triton", SimpleNamespace(__version__="3.6.0"))
    assert engine.uses_fused_kernels(_config(), cuda)
    assert engine.uses_fused_kernels(_config(sg=False), cuda)
    assert not engine.uses_fused_kernels(_config(), cpu)
    assert not engine.uses_fused_kernels(_config(loss="softmax"), cuda)
    assert not engine.uses_fused_kernels(_config(shared_negatives=False), cuda)
    monkeypatch.setitem(sys.modules, "triton", SimpleNamespace(__version__="2.3.1"))
    assert not engine.uses_fused_kernels(_config(), cuda)     # too old
    monkeypatch.setitem(sys.modules, "triton", None)          # not installed
    assert not engine.uses_fused_kernels(_config(), cuda)


# --- without PyTorch ----------------------------------------------------------------------------

def test_missing_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # makes `import torch` raise ImportError
    with pytest.raises(DeviceError, match=r"pip install 'w2v\[gpu\]'"):
        device.import_torch()


def test_training_without_torch_says_how_to_install_it(monkeypatch):
    import w2v

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(DeviceError, match=r"pip install 'w2v\[gpu\]' \(or set the 'engine'"):
        w2v.train(group_sentences(20), engine="torch", device="cpu", vector_size=8, epochs=1,
                  min_count=1)


# --- training on the CPU -------------------------------------------------------------------------

@needs_torch
@pytest.mark.slow
@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["neg", "softmax"])
def test_training_recovers_the_word_groups(group_corpus, sg, loss):
    encoded, vocab = group_corpus
    run = engine.train(encoded, vocab, _config(sg=sg, loss=loss))
    # Calibrated: every variant reaches 1.0 in 3 epochs; chance is 7/47 = 0.15.
    assert nearest_neighbour_group_accuracy(run.w_in, vocab.words) >= 0.9
    epochs = [r for r in run.history if r.kind == "epoch"]
    assert [r.epoch for r in epochs] == [1, 2, 3]
    assert epochs[-1].loss < epochs[0].loss
    assert epochs[-1].words_done == 3 * len(encoded.ids)
    assert sum(r.examples for r in epochs) == run.examples
    assert run.w_in.dtype == np.float32
    assert run.w_in.shape == (len(vocab), 16)
    assert run.details["kernels"] == "batched" and run.details["peak_device_bytes"] is None


@needs_torch
def test_history_loss_is_the_mean_loss_per_example(group_corpus):
    # With a vanishing learning rate the output table stays at zero, so every score is 0:
    # softmax loss per example is log V, negative sampling (1 + K) log 2 minus skipped draws.
    encoded, vocab = group_corpus
    still = {"alpha": 1e-12, "min_alpha": 0.0, "epochs": 1}
    run = engine.train(encoded, vocab, _config(loss="softmax", **still))
    for record in run.history:
        assert record.loss == pytest.approx(math.log(len(vocab)), rel=1e-6)
    run = engine.train(encoded, vocab, _config(negative=4, **still))
    epoch = [r for r in run.history if r.kind == "epoch"][0]
    # A negative equal to the target (~1/48 of draws for a flat noise) is skipped.
    assert 4.8 * math.log(2) < epoch.loss < 5 * math.log(2)


@needs_torch
def test_same_seed_same_vectors_on_cpu(group_corpus):
    encoded, vocab = group_corpus
    a = engine.train(encoded, vocab, _config(epochs=1, sample=1e-2))
    b = engine.train(encoded, vocab, _config(epochs=1, sample=1e-2))
    c = engine.train(encoded, vocab, _config(epochs=1, sample=1e-2, seed=2))
    np.testing.assert_array_equal(a.w_in, b.w_in)
    assert not np.array_equal(a.w_in, c.w_in)


@needs_torch
@pytest.mark.filterwarnings("error")
def test_a_read_only_id_array_is_copied_without_warning(group_corpus):
    # encode_corpus memory-maps large corpora read-only.
    encoded, vocab = group_corpus
    ids = encoded.ids.copy()
    ids.flags.writeable = False
    frozen = type(encoded)(ids=ids, sentence_starts=encoded.sentence_starts,
                           raw_words=encoded.raw_words, stats=encoded.stats)
    run = engine.train(frozen, vocab, _config(epochs=1))
    assert np.isfinite(run.w_in).all()


@needs_torch
def test_reports_are_passed_to_the_callback(group_corpus):
    encoded, vocab = group_corpus
    seen = []
    run = engine.train(encoded, vocab, _config(epochs=2), report=seen.append)
    assert seen == run.history
    assert {r.kind for r in seen} == {"interval", "epoch"}


@needs_torch
def test_divergence_is_reported(group_corpus):
    encoded, vocab = group_corpus
    with pytest.raises(DivergenceError, match="batch_pairs"):
        engine.train(encoded, vocab, _config(alpha=1e4, batch_pairs=4096, epochs=1))


@needs_torch
def test_a_frequent_word_lowers_the_batched_step(monkeypatch):
    # "the" is the input of 23% of the pairs: 16,384 pairs per step would sum ~3,800 stale
    # gradients into its row (diverges); the step is cut to MAX_ROW_PAIRS / 0.23 = 433 pairs.
    encoded, vocab = _corpus_with_a_frequent_word()
    config = _config(batch_pairs=16_384, vector_size=32, alpha=0.025)  # the calibration's rate
    run = engine.train(encoded, vocab, config)
    assert run.details["examples_per_step"] == int(schedule.MAX_ROW_PAIRS / (3 / 13)) == 433
    # At a higher rate the bound is lowered in proportion.
    assert schedule.examples_per_step(config.replace(alpha=0.05), 3 / 13) == 216
    groups = [i for i, w in enumerate(vocab.words) if w != "the"]
    accuracy = nearest_neighbour_group_accuracy(run.w_in[groups],
                                                [vocab.words[i] for i in groups])
    assert accuracy == 1.0
    monkeypatch.setattr(schedule, "MAX_ROW_PAIRS", 10**9)   # the step uncut
    with pytest.raises(DivergenceError, match="diverged in epoch 1"):
        engine.train(encoded, vocab, config)


def test_a_finite_but_exploding_loss_is_divergence(torch):
    m = meter.Meter(1000, _config(), None, fused=False, vocab_size=50)
    m.add(torch.tensor(1e12), 10)
    with pytest.raises(DivergenceError, match=r"mean loss became 1e\+11 \(untrained: 4\.16\)"):
        m.record("epoch", 0, 1.0, 0.01)


# --- devices and errors --------------------------------------------------------------------------

def test_cuda_asked_for_but_missing_is_a_device_error(torch, group_corpus):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    encoded, vocab = group_corpus
    with pytest.raises(DeviceError, match="CUDA was requested"):
        engine.train(encoded, vocab, _config(device="cuda"))


@needs_torch
@pytest.mark.parametrize("name", ["tpu", "cuda:x", "mps"])
def test_unknown_device_is_a_device_error(name):
    with pytest.raises(DeviceError, match="device"):
        device.resolve_device(name)


def test_model_too_big_for_the_gpu_says_how_much_it_needs(torch, monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (1 << 30, 2 << 30))
    config = _config(vector_size=300)
    need = sum(device.required_bytes(10**7, 3_000_000, config).values())
    assert need > 1 << 30
    with pytest.raises(DeviceError, match=r"needs about \d+\.\d\d GiB .* 1\.00 GiB free"):
        device.check_device_memory(torch.device("cuda", 0), 10**7, 3_000_000, config)


@pytest.mark.gpu
@pytest.mark.usefixtures("cuda")
@pytest.mark.parametrize(("shared", "kernels"), [(True, "fused"), (False, "batched")])
@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_cuda_training_recovers_the_word_groups(group_corpus, sg, shared, kernels):
    encoded, vocab = group_corpus
    run = engine.train(encoded, vocab, _config(device="cuda", sg=sg, shared_negatives=shared))
    assert run.details["kernels"] == kernels
    assert run.device.startswith("cuda")
    assert run.details["peak_device_bytes"] > 0
    assert nearest_neighbour_group_accuracy(run.w_in, vocab.words) >= 0.9


# --- through the public API and the CLI ----------------------------------------------------------

@needs_torch
def test_w2v_train_with_the_torch_engine():
    import w2v

    model = w2v.train(group_sentences(300), engine="torch", device="cpu", vector_size=8,
                      window=2, epochs=1, min_count=1, sample=0.0, workers=1, batch_pairs=64)
    assert model.vectors.vectors.shape == (len(model.vocab), 8)
    assert model.config.engine == "torch"
    assert [r.epoch for r in model.history if r.kind == "epoch"] == [1]


def test_cli_trains_with_torch_and_refuses_missing_cuda(torch, tmp_path):
    from typer.testing import CliRunner

    from w2v.cli import app

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in group_sentences(200)) + "\n")
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


def test_the_mean_cbow_gradient_is_refused_not_ignored():
    sentences = [["a", "b", "c", "d"]] * 5
    vocab = build_vocab(sentences, min_count=1)
    config = TrainConfig(engine="torch", sg=False, cbow_gradient="mean", min_count=1)
    with pytest.raises(ConfigError, match="not implemented by the torch engine"):
        engine.train(encode_corpus(sentences, vocab), vocab, config)
