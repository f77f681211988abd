"""The model file: a round trip keeps everything, hostile folders are refused in one line,
and a save killed with SIGKILL leaves the old model whole or the new one complete."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import w2v
from w2v.errors import FormatError, InputNotFoundError, OutputError
from w2v.training import Model

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"],
             ["the", "dog", "sat", "on", "the", "log"]] * 30
SMALL = {"vector_size": 8, "window": 2, "negative": 3, "min_count": 1, "epochs": 2,
         "workers": 1, "sample": 0.0, "seed": 3}


@pytest.fixture(scope="module")
def model() -> Model:
    return w2v.train(SENTENCES, **SMALL)


def test_round_trip_keeps_everything(model, tmp_path):
    model.save(tmp_path / "m")
    loaded = w2v.load_model(tmp_path / "m")
    assert loaded.vocab.words == model.vocab.words
    np.testing.assert_array_equal(loaded.vocab.counts, model.vocab.counts)
    assert loaded.vocab.total_words == model.vocab.total_words
    np.testing.assert_array_equal(loaded.vectors.vectors, model.vectors.vectors)
    np.testing.assert_array_equal(loaded.output_vectors, model.output_vectors)
    np.testing.assert_array_equal(loaded.rng_states, model.rng_states)
    assert loaded.config == model.config
    assert loaded.epochs_done == model.epochs_done == 2
    assert loaded.epoch_losses() == model.epoch_losses()
    assert loaded.stats["examples"] == model.stats["examples"]
    assert Model.load(tmp_path / "m").vocab.words == model.vocab.words


def test_tables_are_memory_mapped_and_loss_free_without_mmap(model, tmp_path):
    model.save(tmp_path / "m")
    mapped = w2v.load_model(tmp_path / "m")
    assert isinstance(mapped.vectors.vectors, np.memmap)
    assert isinstance(mapped.output_vectors, np.memmap)
    in_memory = w2v.load_model(tmp_path / "m", mmap=False)
    assert not isinstance(in_memory.vectors.vectors, np.memmap)
    np.testing.assert_array_equal(in_memory.vectors.vectors, model.vectors.vectors)
    assert mapped.vectors.most_similar("cat", topn=3) == model.vectors.most_similar("cat",
                                                                                     topn=3)


def test_files_are_plain_npy_and_json(model, tmp_path):
    model.save(tmp_path / "m")
    names = sorted(os.listdir(tmp_path / "m"))
    assert names == ["counts.npy", "model.json", "vocab.txt", "w_in.npy", "w_out.npy"]
    header = json.loads((tmp_path / "m" / "model.json").read_text())
    assert header["format"] == "w2v-model" and header["version"] == 1
    for name in ("w_in", "w_out", "counts"):
        np.load(tmp_path / "m" / f"{name}.npy", allow_pickle=False)  # never a pickle


def test_vectors_formats_still_save(model, tmp_path):
    model.save(tmp_path / "v.txt", format="text")
    assert w2v.Vectors.load(tmp_path / "v.txt").index_to_key == model.vocab.words


def test_save_replaces_an_old_model_and_refuses_user_folders(model, tmp_path):
    model.save(tmp_path / "m")
    model.save(tmp_path / "m")  # replacing a model is fine
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="did not write"):
        model.save(tmp_path / "mine")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        model.save(tmp_path / "file")


def _damage(folder: Path, name: str, how: str) -> None:
    path = folder / name
    if how == "missing":
        path.unlink()
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[: max(len(path.read_bytes()) // 2, 1)])
    elif how == "flip":
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))


@pytest.mark.parametrize(("name", "how", "message"), [
    ("model.json", "missing", "not a w2v model folder"),
    ("model.json", "truncate", "unreadable or corrupt"),
    ("vocab.txt", "flip", "SHA-256"),
    ("counts.npy", "truncate", "SHA-256"),
    ("vocab.txt", "missing", "missing or unreadable"),
    ("w_in.npy", "truncate", "truncated"),
    ("w_out.npy", "missing", "missing or unreadable"),
])
def test_damaged_folders_are_refused_by_name(model, tmp_path, name, how, message):
    model.save(tmp_path / "m")
    _damage(tmp_path / "m", name, how)
    with pytest.raises(FormatError, match=message):
        w2v.load_model(tmp_path / "m")


def test_foreign_header_fields_are_refused(model, tmp_path):
    model.save(tmp_path / "m")
    header_path = tmp_path / "m" / "model.json"
    header = json.loads(header_path.read_text())
    for change, message in [({"version": 99}, "version 99"), ({"format": "x"}, "not a w2v"),
                            ({"dim": 9}, "dim 9"), ({"vocab_size": 3}, "expected 3"),
                            ({"config": {**header["config"], "window": 0}}, "not valid"),
                            ({"epochs_done": "2"}, "epochs_done")]:
        header_path.write_text(json.dumps({**header, **change}))
        with pytest.raises(FormatError, match=message):
            w2v.load_model(tmp_path / "m")


def test_a_pickled_table_is_refused(model, tmp_path):
    model.save(tmp_path / "m")
    np.save(tmp_path / "m" / "w_in.npy", np.array([object()] * 7 * 8).reshape(7, 8),
            allow_pickle=True)
    with pytest.raises(FormatError, match="float32"):
        w2v.load_model(tmp_path / "m")


def test_missing_and_non_folder_paths(tmp_path):
    with pytest.raises(InputNotFoundError):
        w2v.load_model(tmp_path / "nothing")
    (tmp_path / "v.txt").write_text("1 2\na 0.5 0.5\n")
    with pytest.raises(FormatError, match="Vectors.load"):
        w2v.load_model(tmp_path / "v.txt")


_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from w2v.config import TrainConfig
    from w2v.training import Model
    from w2v.vectors import Vectors
    from w2v.vocab import Vocab

    V, D = 3000, 64
    target = sys.argv[1]
    tag = 0
    while True:
        tag += 1
        words = [f"w{tag % 7}_{i}" for i in range(V)]  # each save its own vocabulary
        w_in = np.full((V, D), tag, dtype=np.float32)
        model = Model(vectors=Vectors(words, w_in), output_vectors=w_in + 0.5,
                      config=TrainConfig(vector_size=D, workers=1),
                      vocab=Vocab(words=words, counts=np.full(V, tag), total_words=V * tag),
                      stats={"tag": tag})
        model.save(target)
        print(tag, flush=True)
""")


def test_sigkill_during_save_never_leaves_a_half_written_model(tmp_path):
    """Kill a process that saves models in a loop at random moments: what is left loads,
    and its tables, vocabulary and header all come from one save."""
    script = tmp_path / "saver.py"
    script.write_text(_SAVER)
    target = tmp_path / "model"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(7)
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, str(script), str(target)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while not (target / "model.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))  # lands mid-save in most attempts
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        loaded = w2v.load_model(target, mmap=False)
        tag = loaded.stats["tag"]
        assert np.all(loaded.vectors.vectors == tag), attempt
        assert np.all(loaded.output_vectors == tag + 0.5), attempt
        assert np.all(loaded.vocab.counts == tag)
        assert loaded.vocab.words[0] == f"w{tag % 7}_0"
    # Staging folders a kill left behind are hidden and do not stop the next save.
    w2v.load_model(target).save(target)
    assert w2v.load_model(target).stats["tag"] >= 1
