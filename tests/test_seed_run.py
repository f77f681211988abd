"""w2v.seed.run and ``w2v seed``: initialisation, saves and resume, outputs, the command line."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from w2v.errors import OutputError
from w2v.seed import run as run_module
from w2v.seed.run import _initial_state, replay_assignment, run_assignment


def _params(folder, iteration, saves="checkpoints"):
    with np.load(folder / saves / f"saved_{iteration}.npz") as archive:
        return archive["params"]


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_initialisation_is_run_py() -> None:
    state = _initial_state(19539, 31415)
    np.random.seed(9265)  # run.py's global seeding, for comparison
    expected = (np.random.rand(19539, 10) - 0.5) / 10
    np.testing.assert_array_equal(state.params[:19539], expected)
    assert not state.params[19539:].any() and state.params.shape == (39078, 10)


def test_resume_is_bit_identical(tmp_path) -> None:
    whole = run_assignment(iterations=900, out=tmp_path / "whole", progress=False, save_every=300)
    part = run_assignment(iterations=600, out=tmp_path / "part", progress=False, save_every=300)
    assert part.final_loss is not None and whole.start_iteration == 0
    # Interrupted after the save at 600: resume to 900.
    resumed = run_assignment(iterations=900, out=tmp_path / "part", resume=True, progress=False,
                             save_every=300)
    assert resumed.start_iteration == 600
    np.testing.assert_array_equal(_params(tmp_path / "part", 900), _params(tmp_path / "whole", 900))
    assert resumed.final_loss == whole.final_loss
    assert ((tmp_path / "part" / "loss.tsv").read_text()
            == (tmp_path / "whole" / "loss.tsv").read_text())
    assert "resumed at 600" in resumed.summary() and "around or below 10" in resumed.summary()
    assert _names(tmp_path / "part" / "checkpoints") == [
        "saved_300.npz", "saved_600.npz", "saved_900.npz"]


def test_the_last_iteration_is_saved_and_can_be_continued(tmp_path) -> None:
    run_assignment(iterations=250, out=tmp_path, progress=False, save_every=300)
    assert _names(tmp_path / "checkpoints") == ["saved_250.npz"]
    resumed = run_assignment(iterations=300, out=tmp_path, resume=True, progress=False,
                             save_every=300)
    whole = run_assignment(iterations=300, out=tmp_path / "whole", progress=False,
                           save_every=300)
    assert resumed.start_iteration == 250 and resumed.final_loss == whole.final_loss
    np.testing.assert_array_equal(_params(tmp_path, 300), _params(tmp_path / "whole", 300))


def _interrupt_training(monkeypatch) -> None:
    """Make the next run stop (as on Ctrl-C) in its first kernel call after the warm-up."""
    real = run_module._run_kernel

    def kernel(loss, params, *args):
        if params.shape[0] > 4:  # the warm-up's toy parameters have 4 rows
            raise KeyboardInterrupt
        real(loss, params, *args)

    monkeypatch.setattr(run_module, "_run_kernel", kernel)


def test_a_new_run_keeps_old_saves_until_its_own_first_save(tmp_path, monkeypatch) -> None:
    run_assignment(iterations=600, out=tmp_path, progress=False, save_every=300)
    checkpoints = tmp_path / "checkpoints"
    before = {p.name: p.read_bytes() for p in checkpoints.iterdir()}
    (checkpoints / "notes.txt").write_text("mine")
    (checkpoints / "saved_7.npz").write_bytes(b"not a save of w2v")
    with monkeypatch.context() as patch:
        _interrupt_training(patch)
        with pytest.raises(KeyboardInterrupt):
            run_assignment(iterations=600, random_seed=7, out=tmp_path, progress=False,
                           save_every=300)
    assert {name: (checkpoints / name).read_bytes() for name in before} == before
    # A new run that writes a save replaces the old run's saves, and only them.
    run_assignment(iterations=300, random_seed=7, out=tmp_path, progress=False, save_every=300)
    assert _names(checkpoints) == ["notes.txt", "saved_300.npz", "saved_7.npz"]
    assert (checkpoints / "saved_300.npz").read_bytes() != before["saved_300.npz"]


def test_softmax_run_writes_everything(tmp_path) -> None:
    result = run_assignment(iterations=20, loss="softmax", out=tmp_path, progress=False)
    assert sorted(p.name for p in result.files) == ["loss.png", "loss.tsv", "vectors.txt",
                                                    "word_vectors.png"]
    lines = (tmp_path / "loss.tsv").read_text().splitlines()
    assert lines[0] == "iteration\tsmoothed_loss"
    assert [line.split("\t")[0] for line in lines[1:]] == ["10", "20"]


def test_faithful_replay_runs_the_reference(tmp_path) -> None:
    result = replay_assignment(iterations=10, out=tmp_path, progress=False)
    assert result.final_loss is not None and (tmp_path / "word_vectors.png").exists()
    assert _names(tmp_path / "checkpoints_faithful") == []  # sgd saves every 5,000
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


def test_faithful_resume_equals_an_uninterrupted_replay(tmp_path) -> None:
    whole = replay_assignment(iterations=20, out=tmp_path / "whole", progress=False,
                              save_every=10)
    replay_assignment(iterations=10, out=tmp_path / "part", progress=False, save_every=10)
    resumed = replay_assignment(iterations=20, out=tmp_path / "part", resume=True,
                                progress=False, save_every=10)
    assert resumed.start_iteration == 10 and resumed.final_loss == whole.final_loss
    np.testing.assert_array_equal(_params(tmp_path / "part", 20, "checkpoints_faithful"),
                                  _params(tmp_path / "whole", 20, "checkpoints_faithful"))
    # The loss history before the resume travels with the save.
    assert ((tmp_path / "part" / "loss.tsv").read_text()
            == (tmp_path / "whole" / "loss.tsv").read_text())


@pytest.mark.parametrize("options, name", [
    ({"iterations": 0}, "iterations"), ({"iterations": 2.5}, "iterations"),
    ({"loss": "hinge"}, "loss"), ({"random_seed": -1}, "random_seed"),
    ({"save_every": 0}, "save_every"), ({"resume": 1}, "resume"),
])
def test_bad_options_name_the_parameter(tmp_path, options, name) -> None:
    from w2v.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_assignment(out=tmp_path / "out", progress=False, **options)
    assert caught.value.parameter == name and f"'{name}' parameter" in str(caught.value)
    assert "--" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_read_only_output_folder(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(OutputError):
            run_assignment(iterations=5, out=folder / "out", progress=False)
    finally:
        folder.chmod(0o700)


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
    (["--iterations", "0"], "'--iterations' option"),
    (["--iterations", "abc"], "'--iterations' option"),
    (["--iterations", "2.5"], "'--iterations' option"),
    (["--loss", "hinge"], "'--loss' option"),
    (["--seed", "-1"], "'--seed' option"),
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


def test_cli_resume_without_saves_with_corrupt_ones_or_other_options(tmp_path, run_w2v) -> None:
    done = run_w2v("seed", "--iterations", "5", "--out", str(tmp_path), "--resume")
    assert done.returncode != 0 and "no save to resume from" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "checkpoints" / "saved_5000.npz").write_bytes(b"not a zip")
    done = run_w2v("seed", "--iterations", "5", "--out", str(tmp_path), "--resume")
    assert done.returncode != 0 and "corrupt" in done.stderr and "saved_5000.npz" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert _names(tmp_path) == ["checkpoints"]  # nothing written
    (tmp_path / "checkpoints" / "saved_5000.npz").unlink()
    assert run_w2v("seed", "--iterations", "5", "--out", str(tmp_path)).returncode == 0
    done = run_w2v("seed", "--iterations", "10", "--out", str(tmp_path), "--resume",
                   "--seed", "7")
    assert done.returncode != 0 and "random_seed=31415" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
