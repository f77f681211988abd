"""w2v.seed.saves: one save format, read back exactly, damaged files refused in one line."""

from __future__ import annotations

import io
import json
import random
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.errors import CheckpointError, ConfigError, DivergenceError
from w2v.seed.saves import (
    PYTHON_RANDOM,
    XOSHIRO,
    Save,
    SaveFolder,
    latest_save_iteration,
    load_saved_params,
    read_header,
    read_save,
    save_params,
    save_path,
    write_save,
)


def _kernel_save(iteration: int = 30, value: float = 1.0) -> Save:
    history = np.array([[10, 5.0], [20, 4.5], [30, 4.25]])
    return Save(iteration, np.full((6, 2), value), np.array([1, 2, 3, 2**64 - 1], dtype=np.uint64),
                4.25, history[history[:, 0] <= iteration])


def _python_save(iteration: int = 30) -> Save:
    rng = random.Random(5)
    rng.gauss(0, 1)  # leaves a gauss_next to save
    return Save(iteration, np.arange(12.0).reshape(3, 4), rng.getstate(), None)


# --- the format ------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [_kernel_save, _python_save])
def test_a_save_reads_back_exactly(tmp_path, make) -> None:
    save = make()
    path = save_path(tmp_path, save.iteration)
    write_save(path, save, run={"loss": "neg"}, run_id="abc")
    got = read_save(path)
    assert got.iteration == save.iteration and got.exploss == save.exploss
    np.testing.assert_array_equal(got.params, save.params)
    np.testing.assert_array_equal(got.history, np.asarray(save.history).reshape(-1, 2))
    if isinstance(save.random_state, tuple):
        assert got.random_state == save.random_state
    else:
        np.testing.assert_array_equal(got.random_state, save.random_state)
        assert got.random_state.dtype == np.uint64
    header = read_header(path)
    assert (header.run, header.run_id, header.random_state_kind) == (
        {"loss": "neg"}, "abc", save.random_state_kind)
    assert got.params.flags.writeable and got.params.flags.c_contiguous
    assert [p.name for p in tmp_path.iterdir()] == ["saved_30.npz"]  # no temporary file left


def test_numpy_reads_a_save_without_pickle(tmp_path) -> None:
    path = save_path(tmp_path, 30)
    write_save(path, _kernel_save())
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["header.json", "history", "params", "random_state"]
        assert archive["params"].shape == (6, 2)
        assert json.loads(archive["header.json"])["format"] == "w2v-seed-save"


def test_a_state_that_cannot_be_resumed_is_not_saved(tmp_path) -> None:
    save = _kernel_save()
    with pytest.raises(DivergenceError, match="iteration 30"):
        write_save(save_path(tmp_path, 30), Save(30, np.full(2, np.nan), save.random_state))
    with pytest.raises(DivergenceError):
        write_save(save_path(tmp_path, 30), Save(30, np.ones(2), save.random_state, np.inf))
    with pytest.raises(ConfigError, match="'iteration'"):
        write_save(save_path(tmp_path, 0), Save(0, np.ones(2), save.random_state))
    assert list(tmp_path.iterdir()) == []


# --- damaged and hand-edited files -------------------------------------------------------------

def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _forge(path, members: dict[str, bytes], compress: bool = False) -> None:
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _edit_header(**changes):
    def edit(members, header):
        header.update(changes)
        for key in [k for k, v in changes.items() if v is _DROP]:
            del header[key]
        members["header.json"] = json.dumps(header).encode()
    return edit


_DROP = object()


def _set(name: str, data: bytes | None):
    def edit(members, header):
        if data is None:
            del members[name]
        else:
            members[name] = data
    return edit


def _forged_shape(members, header):
    # A .npy header that claims 10^12 rows: reading it must not try to allocate them.
    members["params.npy"] = members["params.npy"].replace(b"(6, 2)", b"(1000000000000, 2)")


DAMAGE = {
    "header not JSON": lambda m, h: m.update({"header.json": b"{not json"}),
    "header not UTF-8": lambda m, h: m.update({"header.json": b"\xff\xfe{}"}),
    "header deeply nested": lambda m, h: m.update({"header.json": b"[" * 100_000}),
    "header too big": lambda m, h: m.update({"header.json": b" " * (2 << 20)}),
    "header missing": _set("header.json", None),
    "other format": _edit_header(format="w2v-checkpoint"),
    "other version": _edit_header(version=2),
    "iteration missing": _edit_header(iteration=_DROP),
    "iteration a string": _edit_header(iteration="30"),
    "iteration huge": _edit_header(iteration=10**30),
    "iteration of 5000 digits": lambda m, h: m.update({"header.json": json.dumps(h).replace(
        '"iteration": 30', '"iteration": ' + "9" * 5000).encode()}),
    "iteration against the name": _edit_header(iteration=20),
    "exploss infinite": lambda m, h: m.update({"header.json": json.dumps(h).replace(
        '"exploss": 4.25', '"exploss": 1e999').encode()}),
    "exploss NaN": lambda m, h: m.update({"header.json": json.dumps(h).replace(
        '"exploss": 4.25', '"exploss": NaN').encode()}),
    "run_id a number": _edit_header(run_id=7),
    "written_ns negative": _edit_header(written_ns=-1),
    "run a list": _edit_header(run=[1, 2]),
    "unknown generator": _edit_header(random_state_kind="pcg64"),
    "params missing": _set("params.npy", None),
    "params of ints": _set("params.npy", _npy(np.ones((6, 2), dtype=np.int64))),
    "params NaN": _set("params.npy", _npy(np.full((6, 2), np.nan))),
    "params not .npy": _set("params.npy", b"\x93NUMPY garbage"),
    "params header forged": _forged_shape,
    "params truncated": lambda m, h: m.update({"params.npy": m["params.npy"][:-8]}),
    "random state wrongly shaped": _set("random_state.npy", _npy(np.ones(5, dtype=np.uint64))),
    "random state all zero": _set("random_state.npy", _npy(np.zeros(4, dtype=np.uint64))),
    "history wrongly shaped": _set("history.npy", _npy(np.zeros((2, 3)))),
    "history infinite": _set("history.npy", _npy(np.array([[10, np.inf]]))),
    "history beyond the save": _set("history.npy", _npy(np.array([[10, 1.0], [40, 1.0]]))),
    "history not increasing": _set("history.npy", _npy(np.array([[20, 1.0], [10, 1.0]]))),
    "history of fractions": _set("history.npy", _npy(np.array([[10.5, 1.0]]))),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_save_is_one_line_naming_the_file(tmp_path, damage) -> None:
    path = save_path(tmp_path, 30)
    write_save(path, _kernel_save())
    members = _members(path)
    header = json.loads(members["header.json"])
    DAMAGE[damage](members, header)
    _forge(path, members)
    with pytest.raises(CheckpointError) as caught:
        read_save(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message and len(message) < 600


def test_a_python_random_state_out_of_range_is_refused(tmp_path) -> None:
    path = save_path(tmp_path, 30)
    write_save(path, _python_save())
    members = _members(path)
    state = np.frombuffer(members["random_state.npy"][-625 * 4:], dtype=np.uint32).copy()
    state[-1] = 700  # the position must be at most 624
    members["random_state.npy"] = _npy(state)
    _forge(path, members)
    with pytest.raises(CheckpointError, match="Python random state is invalid"):
        read_save(path)
    members.pop("random_state.npy")
    _forge(path, members)
    with pytest.raises(CheckpointError, match="'random_state' is missing"):
        read_save(path)


def test_compressed_members_and_non_zip_files_are_refused(tmp_path) -> None:
    path = save_path(tmp_path, 30)
    write_save(path, _kernel_save())
    _forge(path, _members(path), compress=True)
    with pytest.raises(CheckpointError, match="compressed"):
        read_save(path)
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="corrupt"):
        read_header(path)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_damage_never_escapes_as_another_exception(tmp_path, data) -> None:
    path = save_path(tmp_path, 30)
    write_save(path, _kernel_save())
    raw = bytearray(path.read_bytes())
    if data.draw(st.booleans()):
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    else:
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    path.write_bytes(bytes(raw))
    try:
        save = read_save(path)
    except CheckpointError as exc:
        assert "\n" not in str(exc)
    else:  # a change the checks cannot see (zip metadata): the content is still the save's
        assert save.iteration == 30 and np.isfinite(save.params).all()


# --- a folder of saves: runs, resume, removal ----------------------------------------------------

def test_a_new_run_removes_old_saves_only_after_its_first_save(tmp_path) -> None:
    old = SaveFolder(tmp_path, resume=False)
    for it in (10, 20, 30):
        old.write(_kernel_save(it, value=1.0))
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "saved_99.npz").write_bytes(b"not ours")
    new = SaveFolder(tmp_path, resume=False)
    assert new.latest(XOSHIRO) is None  # a new run does not resume
    assert len(new.files()) == 4  # nothing removed yet
    new.write(_kernel_save(10, value=2.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "saved_10.npz",
                                                         "saved_99.npz"]
    assert read_save(tmp_path / "saved_10.npz").params[0, 0] == 2.0


def test_resume_continues_the_run_written_last(tmp_path, monkeypatch) -> None:
    old = SaveFolder(tmp_path, resume=False)
    for it in (10, 20, 30):
        old.write(_kernel_save(it, value=1.0))
    new = SaveFolder(tmp_path, resume=False)
    # Stopped between writing its first save and removing the old run's saves.
    monkeypatch.setattr(SaveFolder, "_remove_other_runs", lambda self, keep: None)
    new.write(_kernel_save(10, value=2.0))
    monkeypatch.undo()
    resumed = SaveFolder(tmp_path)
    assert resumed.latest_iteration() == 10
    save = resumed.latest(XOSHIRO)
    assert save.iteration == 10 and save.params[0, 0] == 2.0
    resumed.write(_kernel_save(20, value=3.0))  # continuing that run removes the other one
    assert [p.name for p in resumed.files()] == ["saved_10.npz", "saved_20.npz"]


def test_latest_refuses_another_run_generator_or_shape(tmp_path) -> None:
    SaveFolder(tmp_path, resume=False, run={"random_seed": 1, "loss": "neg"}).write(
        _kernel_save())
    with pytest.raises(CheckpointError, match="loss='neg', random_seed=1, not loss='neg', "
                                              "random_seed=2"):
        SaveFolder(tmp_path, run={"random_seed": 2, "loss": "neg"}).latest(XOSHIRO)
    with pytest.raises(CheckpointError, match="another generator"):
        SaveFolder(tmp_path).latest(PYTHON_RANDOM)
    with pytest.raises(CheckpointError, match=r"shape \(6, 2\)"):
        SaveFolder(tmp_path).latest(XOSHIRO, params_shape=(4, 2))
    assert SaveFolder(tmp_path / "missing").latest(XOSHIRO) is None


# --- the assignment's functions --------------------------------------------------------------

def test_the_assignments_save_functions(tmp_path) -> None:
    assert load_saved_params(tmp_path) == (0, None, None)
    assert latest_save_iteration(tmp_path / "missing") == 0
    random.seed(3)
    state = random.getstate()
    save_params(5, np.ones((2, 3)), tmp_path)
    random.random()
    save_params(10, np.zeros((2, 3)), tmp_path)
    assert latest_save_iteration(tmp_path) == 10
    iteration, params, random_state = load_saved_params(tmp_path)
    assert iteration == 10 and not params.any() and random_state != state
    assert len({read_header(p).run_id for p in SaveFolder(tmp_path).files()}) == 1
    with pytest.raises(ConfigError, match="'iteration'"):
        save_params(0, np.ones(2), tmp_path)
