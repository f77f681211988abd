"""Where a save may write: check_output, the native folder swapped in whole, the projector pair."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from w2v.atomic import check_not_an_input
from w2v.errors import FormatError, OutputError
from w2v.formats import check_output, export_projector, load_vectors, save_vectors
from w2v.formats.projector import check_projector_folder
from w2v.vectors import Vectors


@pytest.fixture
def vectors() -> Vectors:
    return Vectors(["the", "fox", "dog"], np.arange(12, dtype=np.float32).reshape(3, 4))


def tree(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with the SHA-256 of its content ("dir" for folders)."""
    return {str(p.relative_to(folder)): "dir" if p.is_dir() else
            hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))}


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def _fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("os.mkfifo is not available on this platform")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


# --- check_output -----------------------------------------------------------------------------

@pytest.mark.parametrize("format", ["text", "binary", "native"])
def test_check_output_accepts_new_paths(tmp_path, format):
    assert check_output(tmp_path / "new", format) == tmp_path / "new"
    assert list(tmp_path.iterdir()) == []  # a check writes nothing


@pytest.mark.parametrize("format", ["text", "binary", "native"])
def test_check_output_refuses_a_fifo(tmp_path, format):
    fifo = _fifo(tmp_path)
    with pytest.raises(OutputError, match="pipe") as error:
        check_output(fifo, format)  # must not block
    assert "pipe" in one_line(error)


@pytest.mark.parametrize("format", ["text", "native"])
def test_check_output_refuses_a_character_device(format):
    if not Path("/dev/null").exists() or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("no /dev/null character device here")
    with pytest.raises(OutputError, match="/dev/null"):
        check_output("/dev/null", format)


@pytest.mark.parametrize("format", ["text", "binary"])
def test_check_output_refuses_a_folder_for_a_file_format(tmp_path, format):
    with pytest.raises(OutputError, match=f"is a folder; the {format} format writes a file"):
        check_output(tmp_path, format)


def test_check_output_refuses_a_file_for_native(tmp_path):
    (tmp_path / "v.txt").write_text("x")
    with pytest.raises(OutputError, match="v.txt' exists and is not a folder"):
        check_output(tmp_path / "v.txt", "native")


@pytest.mark.parametrize("format", ["text", "binary", "native"])
def test_check_output_refuses_a_missing_parent(tmp_path, format):
    with pytest.raises(OutputError, match="does not exist; create it first"):
        check_output(tmp_path / "missing" / "v", format)


def test_check_output_native_folders(tmp_path, vectors):
    users = tmp_path / "users"
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="did not write") as error:
        check_output(users, "native")
    assert str(users) in one_line(error)
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty", "native")
    save_vectors(vectors, tmp_path / "ours", "native")
    check_output(tmp_path / "ours", "native")
    with pytest.raises(FormatError, match="'format' parameter"):
        check_output(tmp_path / "x", "pickle")


def test_an_output_over_its_input_names_both_paths(tmp_path, vectors):
    save_vectors(vectors, tmp_path / "v.txt")
    save_vectors(vectors, tmp_path / "nat", "native")
    inputs = {"vectors file": tmp_path / "v.txt"}
    with pytest.raises(OutputError, match="v.txt' is the vectors file .*v.txt'"):
        check_not_an_input(tmp_path / "sub" / ".." / "v.txt", "figure", inputs)
    with pytest.raises(OutputError, match="is inside the vectors file"):
        check_not_an_input(tmp_path / "nat" / "vectors.npy", "figure",
                           {"vectors file": tmp_path / "nat"})
    (tmp_path / "link.txt").symlink_to(tmp_path / "v.txt")
    with pytest.raises(OutputError, match="is the vectors file"):
        check_not_an_input(tmp_path / "v.txt", "figure", {"vectors file": tmp_path / "link.txt"})
    check_not_an_input(tmp_path / "w.txt", "figure", inputs)


# --- saves --------------------------------------------------------------------------------------

def test_save_refuses_a_fifo_without_blocking(tmp_path, vectors):
    fifo = _fifo(tmp_path)
    with pytest.raises(OutputError, match="FIFO"):
        save_vectors(vectors, fifo, "text")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a regular file


def test_native_save_refuses_a_users_folder(tmp_path, vectors):
    users = tmp_path / "users"
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    with pytest.raises(OutputError, match="users"):
        save_vectors(vectors, users, "native")
    assert tree(tmp_path) == before


def test_native_save_replaces_the_old_folder_and_keeps_files_it_did_not_write(tmp_path,
                                                                             vectors):
    folder = tmp_path / "nat"
    save_vectors(vectors, folder, "native")
    (folder / "notes.txt").write_text("the user's")
    smaller = Vectors(["a"], np.ones((1, 4), dtype=np.float32))
    save_vectors(smaller, folder, "native")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "vectors.npy", "vocab.txt",
                                                        "w2v.json"]
    assert (folder / "notes.txt").read_text() == "the user's"
    assert load_vectors(folder).index_to_key == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["nat"]  # no staging folder left


@pytest.mark.parametrize("fault", [KeyboardInterrupt, RuntimeError, "ENOSPC"])
def test_failed_native_save_leaves_the_old_folder_intact(tmp_path, vectors, monkeypatch, fault):
    folder = tmp_path / "nat"
    save_vectors(vectors, folder, "native")
    before = tree(tmp_path)

    if fault == "ENOSPC":
        def failing(*args, **kwargs):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(os, "fsync", failing)
        expected = OutputError
    else:
        real_save = np.save

        def failing(file, array, **kwargs):  # half a matrix written, then the fault
            real_save(file, array[:1], **kwargs)
            raise fault("interrupted while writing")
        monkeypatch.setattr(np, "save", failing)
        expected = fault
    with pytest.raises(expected):
        save_vectors(Vectors(["x"], np.zeros((1, 4), dtype=np.float32)), folder, "native")
    monkeypatch.undo()
    assert tree(tmp_path) == before  # old folder byte for byte, no staging folder left
    assert load_vectors(folder).index_to_key == ["the", "fox", "dog"]


def test_failed_first_native_save_leaves_nothing(tmp_path, vectors, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left") as error:
        save_vectors(vectors, tmp_path / "nat", "native")
    assert "nat" in one_line(error)
    assert list(tmp_path.iterdir()) == []


# --- the projector pair ---------------------------------------------------------------------------

def test_projector_keeps_other_files_and_creates_missing_folders(tmp_path, vectors):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "projector_config.pbtxt").write_text("embeddings {}")
    export_projector(vectors, logs)
    assert sorted(p.name for p in logs.iterdir()) == ["metadata.tsv", "projector_config.pbtxt",
                                                      "vectors.tsv"]
    vectors_tsv, metadata_tsv = export_projector(vectors, tmp_path / "new" / "run1")
    assert metadata_tsv.read_text().splitlines() == ["the", "fox", "dog"]
    assert np.loadtxt(vectors_tsv, delimiter="\t").shape == (3, 4)


def test_failed_projector_export_keeps_the_previous_pair(tmp_path, vectors, monkeypatch):
    export_projector(vectors, tmp_path / "proj")
    before = tree(tmp_path)
    calls = []

    def second_fails(fd):  # the vectors file is synced, the metadata file is not
        calls.append(fd)
        if len(calls) % 2 == 0:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", second_fails)
    bigger = Vectors(["a", "b", "c", "d"], np.ones((4, 4), dtype=np.float32))
    with pytest.raises(OutputError, match="No space left"):
        export_projector(bigger, tmp_path / "proj")
    assert tree(tmp_path) == before
    with pytest.raises(OutputError):
        export_projector(bigger, tmp_path / "fresh" / "deeper")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # made folders removed


def test_check_projector_folder(tmp_path):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(OutputError, match="'.*a_file' is not a folder"):
        check_projector_folder(tmp_path / "a_file" / "sub")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "vectors.tsv").mkdir()
    with pytest.raises(OutputError, match="vectors.tsv' is a folder"):
        check_projector_folder(tmp_path / "proj")
    assert check_projector_folder(tmp_path / "x" / "y") == tmp_path / "x" / "y"
    assert not (tmp_path / "x").exists()
