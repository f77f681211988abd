"""``train_to_path``: every output checked before work, nothing the user has is lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

import w2v
from w2v.errors import CheckpointError, ConfigError, OutputError
from w2v.job import deferred_signals, train_to_path

CORPUS = "\n".join(["the quick brown fox jumps over the lazy dog"] * 40) + "\n"
FAST = {"vector_size": 8, "window": 2, "negative": 2, "min_count": 1, "epochs": 1,
        "workers": 1, "seed": 3}


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS)
    return path


def test_trains_and_saves(tmp_path, corpus):
    model = train_to_path(corpus, tmp_path / "v.bin", format="binary", **FAST)
    loaded = w2v.Vectors.load(tmp_path / "v.bin")
    np.testing.assert_array_equal(loaded.vectors, model.vectors.vectors)


def test_an_output_that_is_the_corpus_is_refused_before_reading_it(tmp_path, corpus):
    with pytest.raises(OutputError, match="is the corpus"):
        train_to_path(corpus, corpus, **FAST)
    assert corpus.read_text() == CORPUS


def test_an_output_inside_the_corpus_folder_is_refused(tmp_path, corpus):
    with pytest.raises(OutputError, match="inside the corpus"):
        train_to_path(tmp_path, tmp_path / "vectors.txt", **FAST)


def test_checkpoint_folder_and_output_must_differ(tmp_path, corpus):
    with pytest.raises(OutputError, match="also the output"):
        train_to_path(corpus, tmp_path / "vecs", format="native",
                      checkpoint_dir=tmp_path / "vecs", **FAST)


def test_native_output_never_writes_into_a_folder_of_the_user(tmp_path, corpus):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "vocab.txt").write_text("my own list\n")
    with pytest.raises(OutputError, match="did not write"):
        train_to_path(corpus, mine, format="native", **FAST)
    assert (mine / "vocab.txt").read_text() == "my own list\n"


@pytest.mark.parametrize("bad", ["a folder", "a missing folder"])
def test_file_outputs_are_checked_up_front(tmp_path, corpus, bad):
    output = tmp_path if bad == "a folder" else tmp_path / "nope" / "v.txt"
    with pytest.raises(OutputError):
        train_to_path(corpus, output, **FAST)


def test_a_device_node_is_not_an_output(corpus):
    with pytest.raises(OutputError, match="not a regular file"):
        train_to_path(corpus, "/dev/null", **FAST)


def test_resume_and_another_checkpoint_dir_blames_the_right_option(tmp_path, corpus):
    train_to_path(corpus, tmp_path / "v.txt", checkpoint_dir=tmp_path / "ck",
                  checkpoint_every=0, **FAST)
    with pytest.raises(ConfigError, match="'checkpoint_dir' parameter.*differs from the "
                                          "'resume' parameter"):
        train_to_path(corpus, tmp_path / "v.txt", resume=tmp_path / "ck",
                      checkpoint_dir=tmp_path / "ck2")


def test_engines_that_cannot_checkpoint_say_so_before_training(tmp_path, corpus):
    with pytest.raises(ConfigError, match="only the 'numba' engine"):
        train_to_path(corpus, tmp_path / "v.txt", engine="numpy",
                      checkpoint_dir=tmp_path / "ck", **FAST)
    assert not (tmp_path / "v.txt").exists()


def test_a_failed_final_save_keeps_the_run_as_a_checkpoint(tmp_path, corpus, monkeypatch):
    def full_disk(self, path, format="text"):
        raise OutputError(f"Cannot write '{path}': No space left on device.")

    monkeypatch.setattr(w2v.Vectors, "save", full_disk)
    with pytest.raises(OutputError, match=r"kept as a checkpoint in '.*v\.txt\.checkpoint'"):
        train_to_path(corpus, tmp_path / "v.txt", **FAST)
    monkeypatch.undo()
    model = train_to_path(corpus, tmp_path / "v.txt", resume=tmp_path / "v.txt.checkpoint")
    assert (tmp_path / "v.txt").is_file() and len(model.vectors) == 8


def test_a_signal_during_a_save_waits_until_the_save_is_done():
    from w2v.job import Interrupted

    order = []
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted, match="SIGTERM; the file was saved first") as stop, \
            deferred_signals("the file was saved"):
        os.kill(os.getpid(), signal.SIGTERM)
        order.append("saved")
    assert order == ["saved"] and stop.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_run_that_trains_nothing_is_an_error(tmp_path):
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("one two three four five six seven eight\n")
    with pytest.raises(w2v.errors.CorpusError, match="no training example"):
        train_to_path(tiny, tmp_path / "v.txt", **{**FAST, "sample": 1e-5})
    assert not (tmp_path / "v.txt").exists()


def test_a_checkpoint_lock_names_the_holder(tmp_path, corpus):
    from w2v.checkpoint import Checkpointer

    with Checkpointer(tmp_path / "ck", every_minutes=1), pytest.raises(
            CheckpointError, match="in use by process"):
        train_to_path(corpus, tmp_path / "v.txt", checkpoint_dir=tmp_path / "ck", **FAST)


def test_a_finished_run_with_a_checkpoint_folder_can_be_trained_further(tmp_path, corpus):
    # No periodic checkpoint falls inside so short a run: the folder still holds the end.
    folder = tmp_path / "ck"
    train_to_path(corpus, tmp_path / "v.txt", checkpoint_dir=folder, **{**FAST, "epochs": 2})
    header = w2v.checkpoint.read_header(folder)
    assert header["epoch"] == 2
    further = train_to_path(corpus, tmp_path / "v4.txt", resume=folder, epochs=4)
    assert [r.epoch for r in further.history if r.epoch > 2]  # epochs 3 and 4 were trained
    assert w2v.checkpoint.read_header(folder)["epoch"] == 4
    assert not (tmp_path / "v.txt.checkpoint").exists()


def test_a_run_without_a_checkpoint_folder_leaves_no_checkpoint(tmp_path, corpus):
    train_to_path(corpus, tmp_path / "v.txt", **FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "v.txt"]
