"""`w2v train` with model files: --save-model, --init-from, the vocabulary options, and
--resume of a finished run (nothing to train) or with more epochs."""

from __future__ import annotations

import re

import numpy as np
import pytest

import w2v

CORPUS = "\n".join(["the quick brown fox jumps over the lazy dog"] * 40) + "\n"
MORE = "\n".join(["the quick red fox meets a lazy cat"] * 40) + "\n"
FAST = ["--dim", "8", "--window", "2", "--negative", "2", "--min-count", "1",
        "--workers", "1", "--seed", "3", "--quiet"]


@pytest.fixture
def corpora(tmp_path):
    first, second = tmp_path / "c1.txt", tmp_path / "c2.txt"
    first.write_text(CORPUS)
    second.write_text(MORE)
    return first, second


def test_save_model_then_init_from_grows_the_vocabulary(tmp_path, corpora, run_w2v):
    first, second = corpora
    model_dir = tmp_path / "model"
    result = run_w2v("train", str(first), "-o", str(tmp_path / "v1.txt"), "--epochs", "2",
                     "--save-model", str(model_dir), *FAST)
    assert result.returncode == 0, result.stderr
    assert f"--init-from {model_dir}" in result.stdout
    saved = w2v.load_model(model_dir)
    assert len(saved.vocab) == 8 and saved.epochs_done == 2
    np.testing.assert_array_equal(saved.vectors.vectors,
                                  w2v.Vectors.load(tmp_path / "v1.txt").vectors)
    result = run_w2v("train", str(second), "-o", str(tmp_path / "v2.txt"), "--init-from",
                     str(model_dir), "--save-model", str(model_dir), "--epochs", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    grown = w2v.load_model(model_dir)
    assert grown.vocab.words[:8] == saved.vocab.words
    assert {"red", "meets", "a", "cat"} <= set(grown.vocab.words) and len(grown.vocab) == 12
    assert grown.vocab.counts[grown.vocab.key_to_index["the"]] == 80 + 40
    assert grown.config.epochs == 3 and grown.config.vector_size == 8
    assert "cat" in w2v.Vectors.load(tmp_path / "v2.txt")


def test_init_from_refuses_what_cannot_change_with_the_flag(tmp_path, corpora, run_w2v):
    first, second = corpora
    run_w2v("train", str(first), "-o", str(tmp_path / "v.txt"), "--epochs", "1",
            "--save-model", str(tmp_path / "m"), *FAST)
    result = run_w2v("train", str(second), "-o", str(tmp_path / "v2.txt"), "--init-from",
                     str(tmp_path / "m"), "--dim", "16")
    assert result.returncode == 1
    assert "The '--dim' option cannot change" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "v2.txt").exists()
    result = run_w2v("train", str(second), "-o", str(tmp_path / "v2.txt"), "--init-from",
                     str(tmp_path / "m"), "--checkpoint-dir", str(tmp_path / "ck"))
    assert result.returncode == 1 and "'--checkpoint-dir' option cannot be used" in result.stderr
    result = run_w2v("train", str(second), "-o", str(tmp_path / "v2.txt"), "--init-from",
                     str(tmp_path / "nothing"))
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_save_model_collisions_are_refused_before_work(tmp_path, corpora, run_w2v):
    first, _ = corpora
    out = tmp_path / "v.txt"
    result = run_w2v("train", str(first), "-o", str(out), "--save-model", str(out), *FAST)
    assert result.returncode == 1 and "also the output" in result.stderr
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    result = run_w2v("train", str(first), "-o", str(out), "--save-model",
                     str(tmp_path / "mine"), *FAST)
    assert result.returncode == 1 and "did not write" in result.stderr
    assert not out.exists()


def test_vocabulary_and_noise_options(tmp_path, run_w2v):
    # Counts 50, 40, 30, 20, 10: gensim's max_final_vocab=3 raises min_count to 21.
    first = tmp_path / "graded.txt"
    first.write_text("".join(" ".join(f"w{k}" for k in range(1, n + 1)) + "\n"
                             for n in (5, 4, 3, 2, 1) for _ in range(10)))
    model_dir = tmp_path / "m"
    result = run_w2v("train", str(first), "-o", str(tmp_path / "v.txt"), "--epochs", "1",
                     "--max-final-vocab", "3", "--ns-exponent", "0.5", "--max-vocab-size",
                     "100", "--save-model", str(model_dir), *FAST)
    assert result.returncode == 0, result.stderr
    model = w2v.load_model(model_dir)
    assert len(model.vocab) == 3
    assert (model.config.ns_exponent, model.config.max_vocab_size) == (0.5, 100)
    result = run_w2v("train", str(first), "-o", str(tmp_path / "v.txt"), "--ns-exponent", "99")
    assert result.returncode == 1 and "--ns-exponent" in result.stderr


def test_resume_a_finished_run_and_with_more_epochs(tmp_path, corpora, run_w2v):
    first, _ = corpora
    folder = tmp_path / "ck"
    result = run_w2v("train", str(first), "-o", str(tmp_path / "v.txt"), "--epochs", "2",
                     "--checkpoint-dir", str(folder), "--checkpoint-every", "0", *FAST)
    assert result.returncode == 0, result.stderr
    done = w2v.Vectors.load(tmp_path / "v.txt").vectors
    again = run_w2v("train", str(first), "-o", str(tmp_path / "v_again.txt"), "--resume",
                    str(folder), "--quiet")
    assert again.returncode == 0, again.stderr
    assert "Nothing left to train" in again.stdout and "nan" not in again.stdout
    np.testing.assert_array_equal(w2v.Vectors.load(tmp_path / "v_again.txt").vectors, done)
    more = run_w2v("train", str(first), "-o", str(tmp_path / "v4.txt"), "--resume", str(folder),
                   "--epochs", "4", "--quiet")
    assert more.returncode == 0, more.stderr
    # Two epochs were trained in this call, the last two of a schedule of four.
    assert re.search(r"x 2 epochs \(3-4 of 4\) .*final loss \d", more.stdout), more.stdout
    assert not np.array_equal(w2v.Vectors.load(tmp_path / "v4.txt").vectors, done)
    # The resumed run kept its end in the folder: the checkpoint has trained 4 epochs now.
    fewer = run_w2v("train", str(first), "-o", str(tmp_path / "v1.txt"), "--resume", str(folder),
                    "--epochs", "1", "--quiet")
    assert fewer.returncode == 1 and "trained 4 epochs" in fewer.stderr


def test_sigint_while_training_a_saved_model_further_keeps_what_was_trained(tmp_path, corpora):
    """No checkpoint folder there: the threads park at the next chunk, the vectors and the
    model so far are saved, and Interrupted says where."""
    import os
    import signal

    from w2v.callbacks import Callback
    from w2v.job import Interrupted, train_to_path

    first, second = corpora
    w2v.train(str(first), vector_size=8, min_count=1, epochs=1, workers=1).save(tmp_path / "m")

    class InterruptAfterFirstEpoch(Callback):
        def on_epoch_end(self, model):
            if model.epochs_done == 1:
                os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Interrupted, match="vectors so far were saved .* model so far") as err:
        train_to_path(second, tmp_path / "v.txt", init_from=tmp_path / "m",
                      save_model=tmp_path / "m2", epochs=50,
                      callbacks=[InterruptAfterFirstEpoch()])
    assert err.value.signum == signal.SIGINT
    kept = w2v.load_model(tmp_path / "m2")
    # The corpus is one chunk: the thread trains the next chunk (epoch 2) before it parks.
    assert kept.epochs_done == 2 and "cat" in kept.vocab
    np.testing.assert_array_equal(w2v.Vectors.load(tmp_path / "v.txt").vectors,
                                  kept.vectors.vectors)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
