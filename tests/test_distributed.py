"""Distributed training end to end: 2 ranks with gloo on 127.0.0.1, as torchrun runs them.

Each test starts real processes (torchrun, or the ranks with torchrun's environment set by
hand), so they are few, on a small generated corpus of word groups (tests/word_groups.py):
the vocabulary equals the single-process one, only rank 0 writes, a rank stopped by a
signal stops every rank after a checkpoint that resumes with another number of ranks, a
killed rank gives a clear error, and quality matches a single process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2v.corpus import iter_sentences
from w2v.vectors import Vectors
from w2v.vocab import build_vocab

pytest.importorskip("torch.distributed", reason="PyTorch is not installed")

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from distributed_worker import OPTIONS  # noqa: E402
from word_groups import group_sentences, nearest_neighbour_group_accuracy  # noqa: E402

SRC = str(HERE.parent / "src")
TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
            "OMP_NUM_THREADS": "1"}


def torchrun(nproc: int, *args: str) -> subprocess.CompletedProcess:
    """``torchrun --nproc-per-node nproc ARGS`` on 127.0.0.1."""
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
               "--master-addr", "127.0.0.1", "--master-port", str(_free_port()), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S,
                          env=_env())


def ranks_by_hand(nproc: int, *args: str) -> list[subprocess.CompletedProcess]:
    """The ranks as separate processes with torchrun's environment (no agent to kill them)."""
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={**_env(), "RANK": str(r), "LOCAL_RANK": str(r),
                                   "WORLD_SIZE": str(nproc), "MASTER_ADDR": "127.0.0.1",
                                   "MASTER_PORT": port})
             for r in range(nproc)]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "groups.txt"
    path.write_text("\n".join(" ".join(s) for s in group_sentences(3000, seed=5)) + "\n")
    return path


@pytest.fixture(scope="module")
def single(corpus):
    """The single-process model on the same corpus and options."""
    from w2v.training import train

    return train(corpus, **OPTIONS)


def _outcome(log: Path, rank: int) -> dict:
    return json.loads((log / f"rank-{rank}.json").read_text())


@pytest.fixture(scope="module")
def two_ranks(corpus, tmp_path_factory):
    """A 2-rank run of the worker's ``job`` mode under torchrun."""
    folder = tmp_path_factory.mktemp("two")
    result = torchrun(2, str(HERE / "distributed_worker.py"), "job", str(corpus),
                      str(folder / "v.txt"), str(folder))
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def test_every_rank_ends_with_the_single_process_vocabulary(two_ranks, corpus):
    vocab = build_vocab(iter_sentences(corpus), OPTIONS["min_count"])
    for rank in (0, 1):
        outcome = _outcome(two_ranks, rank)
        assert outcome["words"] == vocab.words
        assert outcome["counts"] == vocab.counts.tolist()
        assert outcome["total"] == vocab.total_words


def test_ranks_end_with_the_same_tables_and_only_rank_0_writes(two_ranks):
    assert _outcome(two_ranks, 0)["w_in"] == _outcome(two_ranks, 1)["w_in"]
    assert (two_ranks / "saves").read_text().split() == ["0"]
    stats = _outcome(two_ranks, 0)["stats"]
    assert stats["world_size"] == 2 and stats["backend"] == "gloo"
    assert stats["syncs"] == stats["syncs_per_epoch"] * OPTIONS["epochs"] == 30


def _separation(vectors: Vectors) -> float:
    """Mean cosine of words of one group minus that of words of different groups."""
    unit = vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    group = np.array([w.split("w")[0] for w in vectors.index_to_key])
    same = group[:, None] == group[None, :]
    np.fill_diagonal(same, False)
    return float(cosine[same].mean() - cosine[group[:, None] != group[None, :]].mean())


def test_quality_matches_a_single_process(two_ranks, single):
    """Calibrated: every word's nearest neighbour is in its group in both runs; the groups'
    separation (within minus across, mean cosine) of 2 ranks was 0.658 against the single
    process's 0.659, and the last epoch's loss 0.918 against 0.920. The bars: 0.8 of the
    separation, the loss within 10%."""
    vectors = Vectors.load(two_ranks / "v.txt")
    assert nearest_neighbour_group_accuracy(vectors.vectors, vectors.index_to_key) == 1.0
    assert nearest_neighbour_group_accuracy(single.vectors.vectors,
                                            single.vectors.index_to_key) == 1.0
    assert _separation(vectors) > 0.8 * _separation(single.vectors)
    loss, single_loss = _outcome(two_ranks, 0)["loss"], single.epoch_losses()[-1]
    assert abs(loss - single_loss) < 0.1 * single_loss


def test_a_signal_on_one_rank_checkpoints_and_one_rank_resumes(corpus, tmp_path, single):
    stopped = torchrun(2, str(HERE / "distributed_worker.py"), "stop", str(corpus),
                       str(tmp_path / "v.txt"), str(tmp_path), str(tmp_path / "ck"))
    assert stopped.returncode == 0, stopped.stderr[-3000:]
    for rank in (0, 1):
        assert _outcome(tmp_path, rank)["interrupted"] == 15
    header = json.loads((tmp_path / "ck" / "checkpoint.json").read_text())
    assert header["epoch"] == 0 and header["distributed"]["sync"] == 3
    assert (tmp_path / "saves").read_text().split() == ["0"]  # the vectors so far
    # Resume with one rank, through the command line as torchrun runs it (python -m w2v).
    resumed = torchrun(1, "-m", "w2v", "train", str(corpus), "-o", str(tmp_path / "v.txt"),
                       "--resume", str(tmp_path / "ck"), "--distributed", "--sync-every",
                       "5000", "--workers", "2", "-q")  # 1 rank x 2 threads for 2 x 1
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.count("Trained 48 words x 20 dims") == 1
    vectors = Vectors.load(tmp_path / "v.txt")
    assert vectors.index_to_key == single.vectors.index_to_key
    assert nearest_neighbour_group_accuracy(vectors.vectors, vectors.index_to_key) == 1.0


def test_a_killed_rank_stops_the_others_with_a_clear_error(corpus, tmp_path):
    rank0, rank1 = ranks_by_hand(2, str(HERE / "distributed_worker.py"), "kill", str(corpus),
                                 str(tmp_path / "v.txt"), str(tmp_path))
    assert rank1.returncode == -9
    assert rank0.returncode != 0
    assert "Rank 0 of 2 lost contact with the other ranks during the table sync" in \
        rank0.stderr
    assert not (tmp_path / "v.txt").exists()


def test_without_torchrun_the_error_says_how_to_launch(corpus, tmp_path, monkeypatch):
    from w2v.errors import DistributedError
    from w2v.training import train

    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(DistributedError, match="launched by torchrun.*--nproc-per-node"):
        train(corpus, distributed=True, **OPTIONS)
    with pytest.raises(Exception, match="path, not sentences"):
        train([["a", "b"]], distributed=True)


def test_torch_ranks_sync_and_match_a_single_torch_process(corpus, tmp_path):
    """The torch engine on every rank (gloo, CPU): the ranks pause at the same sync points,
    end with the same tables, and learn the groups as one torch process does."""
    from w2v.training import train

    result = torchrun(2, str(HERE / "distributed_worker.py"), "torch", str(corpus),
                      str(tmp_path / "v.txt"), str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [_outcome(tmp_path, r) for r in (0, 1)]
    assert ranks[0]["w_in"] == ranks[1]["w_in"]
    stats = ranks[0]["stats"]
    assert stats["syncs"] == stats["syncs_per_epoch"] * OPTIONS["epochs"] > OPTIONS["epochs"]
    vectors = Vectors.load(tmp_path / "v.txt")
    single = train(corpus, **{**OPTIONS, "engine": "torch"})
    assert nearest_neighbour_group_accuracy(vectors.vectors, vectors.index_to_key) == 1.0
    assert _separation(vectors) > 0.8 * _separation(single.vectors)
