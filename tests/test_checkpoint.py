"""Checkpoints in-process: exact resume, atomic saves, refusals, divergence, interruption.

The engine's chunk is shrunk to 400 words so that a corpus of a few thousand words gives
dozens of chunk boundaries (and checkpoints) in well under a second.
"""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest

import w2v.checkpoint as checkpoint_module
import w2v.engines.numba_engine as numba_engine
from w2v.checkpoint import Checkpointer, TrainingInterrupted, load_checkpoint, read_header
from w2v.config import TrainConfig
from w2v.errors import CheckpointError, ConfigError, DivergenceError, OutputError
from w2v.training import train

OPTIONS = {"vector_size": 12, "window": 3, "negative": 3, "min_count": 1, "epochs": 3,
           "workers": 1, "seed": 7, "sample": 1e-3}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(numba_engine, "CHUNK_WORDS", 400)


@pytest.fixture(scope="module")
def sentences():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(200)]
    return [[words[j % 200] for j in rng.zipf(1.3, 15)] for _ in range(300)]


@pytest.fixture(scope="module")
def reference(sentences):
    """The uninterrupted run, without any checkpoint."""
    import w2v.engines.numba_engine as engine

    saved, engine.CHUNK_WORDS = engine.CHUNK_WORDS, 400
    try:
        return train(sentences, **OPTIONS).vectors.vectors.copy()
    finally:
        engine.CHUNK_WORDS = saved


class CrashAfter(Checkpointer):
    """A checkpointer whose process 'dies' (raises) right after its n-th save."""

    def __init__(self, folder, n, **kwargs):
        super().__init__(folder, every_minutes=0, **kwargs)
        self.n = n

    def paused(self, state, epoch_end):
        super().paused(state, epoch_end)
        if self.saves == self.n:
            raise KeyboardInterrupt  # stands for a crash: nothing after this point runs


def crash_after(sentences, folder, n, **options):
    with pytest.raises(KeyboardInterrupt):
        train(sentences, checkpoint=CrashAfter(folder, n), **{**OPTIONS, **options})


# --- exact resume --------------------------------------------------------------------------

def test_checkpointing_every_chunk_does_not_change_the_result(tmp_path, sentences, reference):
    checkpointer = Checkpointer(tmp_path / "ck", every_minutes=0)
    model = train(sentences, checkpoint=checkpointer, **OPTIONS)
    assert checkpointer.saves > 20  # every chunk boundary and every epoch end
    np.testing.assert_array_equal(model.vectors.vectors, reference)
    header = read_header(tmp_path / "ck")
    assert header["epoch"] == 3 and header["position"] == [0]
    # One checkpoint, whole; nothing left beside it.
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == [
        "checkpoint.json", "counts.npy", "vocab.txt", "w_in.npy", "w_out.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]


@pytest.mark.parametrize("n", [1, 5, 12, 17, 30])
def test_resume_after_a_crash_is_bit_identical(tmp_path, sentences, reference, n):
    crash_after(sentences, tmp_path / "ck", n)
    header = read_header(tmp_path / "ck")
    assert header["step"] == n
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)
    np.testing.assert_array_equal(resumed.vectors.vectors, reference)


SUBWORDS = {"subwords": True, "min_n": 2, "max_n": 3, "bucket": 500}


@pytest.mark.parametrize("loss", [{}, {"hs": True, "negative": 0}])
@pytest.mark.parametrize("n", [3, 11])
def test_a_subword_run_resumes_bit_identical(tmp_path, sentences, loss, n):
    # The subword model checkpoints its whole input table (word and n-gram rows) and, with
    # hierarchical softmax, the tree's rows: a resumed run ends where an unbroken one does.
    options = {**SUBWORDS, **loss}
    unbroken = train(sentences, **{**OPTIONS, **options})
    crash_after(sentences, tmp_path / "ck", n, **options)
    state = load_checkpoint(tmp_path / "ck", _config(**options), _vocab(sentences),
                            read_header(tmp_path / "ck")["corpus_fingerprint"])
    assert state.w_in.shape == (len(unbroken.vocab) + 500, OPTIONS["vector_size"])
    assert (state.w_hs is not None) == bool(loss)
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True),
                    **{**OPTIONS, **options})
    np.testing.assert_array_equal(resumed.vectors.input_table, unbroken.vectors.input_table)
    np.testing.assert_array_equal(resumed.output_vectors, unbroken.output_vectors)
    if loss:
        np.testing.assert_array_equal(resumed.hs_vectors, unbroken.hs_vectors)


def test_an_interrupted_subword_run_keeps_a_subword_model(tmp_path, sentences):
    from w2v.subword_vectors import SubwordVectors

    class InterruptAfter(Checkpointer):
        def paused(self, state, epoch_end):
            if self.saves == 2:
                self.interrupted = signal.SIGINT
            super().paused(state, epoch_end)

    with pytest.raises(TrainingInterrupted) as stop:
        train(sentences, checkpoint=InterruptAfter(tmp_path / "ck", every_minutes=0),
              **{**OPTIONS, **SUBWORDS})
    vectors = stop.value.vectors
    assert isinstance(vectors, SubwordVectors)  # the vectors so far answer unseen words too
    assert np.isfinite(vectors["w1w2"]).all()
    assert read_header(tmp_path / "ck")["config"]["subwords"] is True


def test_resume_with_two_workers(tmp_path, sentences):
    # Two workers: Hogwild order varies, but a resume must still run to the end from the
    # saved position of each thread and give finite vectors of the right shape.
    crash_after(sentences, tmp_path / "ck", 4, workers=2)
    assert len(read_header(tmp_path / "ck")["rng_states"]) == 2
    model = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True,
                                                     every_minutes=0),
                  **{**OPTIONS, "workers": 2})
    assert np.isfinite(model.vectors.vectors).all()
    assert read_header(tmp_path / "ck")["epoch"] == 3


def test_state_round_trips_exactly(tmp_path, sentences):
    crash_after(sentences, tmp_path / "ck", 9)
    header = read_header(tmp_path / "ck")
    state = load_checkpoint(tmp_path / "ck", _config(), _vocab(sentences),
                            header["corpus_fingerprint"])
    assert state.w_in.dtype == np.float32 and state.w_in.flags.writeable
    assert state.rng_states.dtype == np.uint64 and state.rng_states.shape == (1, 1)
    assert int(state.rng_states[0, 0]) == header["rng_states"][0]
    assert state.epoch == header["epoch"] and list(state.position) == header["position"]
    assert 0 < state.alpha <= TrainConfig(**OPTIONS).alpha


def _config(**changes):
    from w2v.config import TrainConfig

    return TrainConfig(**{**OPTIONS, **changes})


def _vocab(sentences):
    from w2v.vocab import build_vocab

    return build_vocab(sentences, min_count=1)


# --- atomicity -----------------------------------------------------------------------------

def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, sentences, monkeypatch):
    crash_after(sentences, tmp_path / "ck", 3)
    before = {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()}
    calls = {"n": 0}
    real_write = checkpoint_module._write_npy

    def failing_write(path, array):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the next save: disk full
            raise OSError(28, "No space left on device")
        return real_write(path, array)

    monkeypatch.setattr(checkpoint_module, "_write_npy", failing_write)
    with pytest.raises(OutputError, match="No space left"):
        train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True, every_minutes=0),
              **OPTIONS)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (tmp_path / "ck").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]  # no staging folder left
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)
    assert np.isfinite(resumed.vectors.vectors).all()


def test_files_of_the_user_in_the_checkpoint_folder_are_kept(tmp_path, sentences, reference):
    crash_after(sentences, tmp_path / "ck", 6)
    (tmp_path / "ck" / "notes.txt").write_text("mine")
    (tmp_path / "ck" / "step-000099").mkdir()  # named like an old checkpoint step: still mine
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True,
                                                       every_minutes=0), **OPTIONS)
    np.testing.assert_array_equal(resumed.vectors.vectors, reference)
    assert (tmp_path / "ck" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "ck" / "step-000099").is_dir()


def test_a_folder_of_the_user_is_refused_as_checkpoint_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    with pytest.raises(OutputError, match="did not write"):
        Checkpointer(tmp_path / "mine", every_minutes=1)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "x"


def test_a_second_run_on_the_same_folder_is_told_who_holds_it(tmp_path):
    with Checkpointer(tmp_path / "ck", every_minutes=1):
        second = Checkpointer(tmp_path / "ck", every_minutes=1)
        with pytest.raises(CheckpointError, match=r"in use by process \d+"), second:
            pass
    with Checkpointer(tmp_path / "ck", every_minutes=1):  # free again
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- refusals ------------------------------------------------------------------------------

def _corrupt(folder, how):
    header = json.loads((folder / "checkpoint.json").read_text())
    table = folder / "w_in.npy"
    if how == "truncated-array":
        table.write_bytes(table.read_bytes()[:-10])
    elif how == "flipped-byte":
        data = bytearray(table.read_bytes())
        data[-3] ^= 0x40
        table.write_bytes(bytes(data))
    elif how == "missing-array":
        table.unlink()
    elif how == "missing-table":
        (folder / "w_out.npy").unlink()
    elif how == "truncated-json":
        (folder / "checkpoint.json").write_text(json.dumps(header)[:50])
    elif how == "missing-json":
        (folder / "checkpoint.json").unlink()
    elif how == "other-version":
        (folder / "checkpoint.json").write_text(json.dumps({**header, "version": 99}))
    elif how == "bad-field":
        (folder / "checkpoint.json").write_text(json.dumps({**header, "epoch": "three"}))
    elif how == "bad-rng":
        (folder / "checkpoint.json").write_text(json.dumps({**header, "rng_states": [1, 2]}))
    elif how == "huge-number":
        (folder / "checkpoint.json").write_text(json.dumps(header).replace(
            '"epoch": ', '"epoch": 1e400, "was": '))
    elif how == "deep-nesting":
        (folder / "checkpoint.json").write_text("[" * 100_000 + "]" * 100_000)
    elif how == "foreign-json":
        (folder / "checkpoint.json").write_text(json.dumps({"name": "my-package", "deps": []}))
    elif how == "nan":
        (folder / "checkpoint.json").write_text(json.dumps(header).replace(
            '"alpha": ', '"alpha": NaN, "was": '))


@pytest.mark.parametrize("how", ["truncated-array", "flipped-byte", "missing-array",
                                 "missing-table", "truncated-json", "missing-json",
                                 "other-version", "bad-field", "bad-rng", "huge-number",
                                 "deep-nesting", "foreign-json", "nan"])
def test_corrupt_checkpoints_are_refused(tmp_path, sentences, how):
    crash_after(sentences, tmp_path / "ck", 4)
    _corrupt(tmp_path / "ck", how)
    with pytest.raises(CheckpointError, match="ck"):
        train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)


def test_missing_checkpoint_folder(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        Checkpointer(tmp_path / "nope", resume=True)


@pytest.mark.parametrize(("change", "name"), [({"window": 2}, "window"),
                                              ({"vector_size": 8}, "vector_size"),
                                              ({"workers": 2}, "workers"),
                                              ({"seed": 8}, "seed"),
                                              ({"sg": False}, "sg")])
def test_checkpoint_of_another_config_is_refused(tmp_path, sentences, change, name):
    crash_after(sentences, tmp_path / "ck", 2)
    with pytest.raises(CheckpointError, match=f"another configuration:.*{name}="):
        train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True),
              **{**OPTIONS, **change})


def test_checkpoint_of_another_corpus_is_refused(tmp_path, sentences):
    crash_after(sentences, tmp_path / "ck", 2)
    with pytest.raises(CheckpointError, match="another corpus: the same words, ranked in "
                                              "another order .their counts differ"):
        train(sentences[:-1], checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)
    with pytest.raises(CheckpointError, match="another corpus: its vocabulary differs"):
        train([*sentences, ["brand", "new", "words"]],
              checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)


def test_a_corpus_with_two_tokens_swapped_is_another_corpus(tmp_path, sentences):
    crash_after(sentences, tmp_path / "ck", 2)
    swapped = [list(s) for s in sentences]
    first = next(i for i, s in enumerate(swapped) if len(set(s)) > 1)
    a = swapped[first].index(next(w for w in swapped[first] if w != swapped[first][0]))
    swapped[first][0], swapped[first][a] = swapped[first][a], swapped[first][0]
    with pytest.raises(CheckpointError, match="the tokens are in another order"):
        train(swapped, checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)


def test_only_the_numba_engine_checkpoints(tmp_path, sentences):
    with pytest.raises(ConfigError, match="only the 'numba' engine"):
        train(sentences, checkpoint=Checkpointer(tmp_path / "ck", every_minutes=1),
              **{**OPTIONS, "engine": "reference"})


@pytest.mark.parametrize("minutes", [-1.0, float("nan"), float("inf")])
def test_bad_checkpoint_interval(tmp_path, minutes):
    with pytest.raises(ConfigError, match="'checkpoint_every' parameter"):
        Checkpointer(tmp_path / "ck", every_minutes=minutes)


def test_checkpoint_folder_that_is_a_file(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(OutputError, match="taken"):
        Checkpointer(tmp_path / "taken", every_minutes=1)


# --- divergence and interruption ------------------------------------------------------------

class PoisonAfter(Checkpointer):
    """Puts a NaN into the weights after the n-th save (as a too-high lr would)."""

    def __init__(self, folder, n):
        super().__init__(folder, every_minutes=0)
        self.n = n

    def paused(self, state, epoch_end):
        super().paused(state, epoch_end)
        if self.saves == self.n:
            state.w_out[3, 0] = np.nan


def test_divergence_names_epoch_and_lr_and_keeps_the_last_good_checkpoint(tmp_path, sentences):
    with pytest.raises(DivergenceError, match=r"epoch \d+.*learning rate 0\.0\d+"):
        train(sentences, checkpoint=PoisonAfter(tmp_path / "ck", 5), **OPTIONS)
    header = read_header(tmp_path / "ck")
    assert header["step"] == 5  # nothing saved after the NaN
    state = load_checkpoint(tmp_path / "ck", _config(), _vocab(sentences),
                            header["corpus_fingerprint"])
    assert np.isfinite(state.w_in).all() and np.isfinite(state.w_out).all()


def test_a_too_high_learning_rate_diverges_with_a_clear_error(sentences):
    with pytest.raises(DivergenceError, match=r"epoch 1"):
        train(sentences, **{**OPTIONS, "alpha": 1e30, "min_alpha": 1e30})


class SignalAfter(Checkpointer):
    """Delivers a real SIGINT to this process after ``n`` pause checks."""

    def __init__(self, folder, n):
        super().__init__(folder)
        self.n, self.calls = n, 0

    def wants_pause(self):
        self.calls += 1
        if self.calls == self.n:
            signal.raise_signal(signal.SIGINT)
        return super().wants_pause()


def test_sigint_saves_a_checkpoint_and_the_vectors_so_far(tmp_path, sentences, reference):
    checkpointer = SignalAfter(tmp_path / "ck", 10)
    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(TrainingInterrupted) as stop:
        train(sentences, checkpoint=checkpointer, **OPTIONS)
    assert signal.getsignal(signal.SIGINT) is previous  # handlers restored
    assert stop.value.signum == signal.SIGINT and stop.value.epoch == 1
    assert stop.value.vectors.vectors.shape == reference.shape
    assert checkpointer.saves == 1
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True), **OPTIONS)
    np.testing.assert_array_equal(resumed.vectors.vectors, reference)


# --- hierarchical softmax ------------------------------------------------------------------

HS_OPTIONS = {"hs": True, "negative": 0, "sg": False, "cbow_mean": False}


def test_hs_resume_after_a_crash_is_bit_identical(tmp_path, sentences):
    whole = train(sentences, **{**OPTIONS, **HS_OPTIONS})
    crash_after(sentences, tmp_path / "ck", 7, **HS_OPTIONS)
    assert "w_hs.npy" in read_header(tmp_path / "ck")["sha256"]
    resumed = train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True),
                    **{**OPTIONS, **HS_OPTIONS})
    np.testing.assert_array_equal(resumed.vectors.vectors, whole.vectors.vectors)
    np.testing.assert_array_equal(resumed.hs_vectors, whole.hs_vectors)
    assert resumed.hs_vectors.shape == (len(resumed.vocab) - 1, OPTIONS["vector_size"])


def test_hs_checkpoint_with_a_corrupt_inner_node_table_is_refused(tmp_path, sentences):
    crash_after(sentences, tmp_path / "ck", 3, **HS_OPTIONS)
    path = tmp_path / "ck" / "w_hs.npy"
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match="w_hs.npy"):
        train(sentences, checkpoint=Checkpointer(tmp_path / "ck", resume=True),
              **{**OPTIONS, **HS_OPTIONS})
