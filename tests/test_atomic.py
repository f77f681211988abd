"""atomic_folder: a folder of files appears whole or not at all, and never eats the user's."""

from __future__ import annotations

import pytest

from w2v.atomic import atomic_folder, check_not_an_input
from w2v.errors import OutputError


def _save(target, files, marker="m.json"):
    with atomic_folder(target, marker) as staging:
        for name, text in files.items():
            (staging / name).write_text(text)
        (staging / marker).write_text("{}")


def test_a_new_folder_then_a_replacement(tmp_path):
    target = tmp_path / "out"
    _save(target, {"a": "1"})
    assert sorted(p.name for p in target.iterdir()) == ["a", "m.json"]
    _save(target, {"a": "2"})  # a folder of ours: replaced
    assert sorted(p.name for p in target.iterdir()) == ["a", "m.json"]
    assert (target / "a").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_leaves_the_old_folder_and_no_staging(tmp_path):
    target = tmp_path / "out"
    _save(target, {"b": "2"})
    with pytest.raises(ZeroDivisionError), atomic_folder(target, "m.json") as staging:
        (staging / "c").write_text("half")
        raise ZeroDivisionError
    assert sorted(p.name for p in target.iterdir()) == ["b", "m.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_of_the_user_is_refused_before_anything_is_written(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "x").write_text("mine")
    with pytest.raises(OutputError, match="did not write"), atomic_folder(mine, "m.json"):
        pytest.fail("the block must not run")
    assert (mine / "x").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_files_the_user_added_to_our_folder_are_carried_over(tmp_path):
    target = tmp_path / "out"
    _save(target, {"a": "1"})
    (target / "notes.txt").write_text("mine")
    _save(target, {"a": "2"})
    assert (target / "a").read_text() == "2"
    assert (target / "notes.txt").read_text() == "mine"


def test_a_file_in_the_way_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(OutputError, match="not a folder"), atomic_folder(tmp_path / "out", "m"):
        pass


def test_an_output_cannot_be_an_input_or_inside_an_input_folder(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("x")
    with pytest.raises(OutputError, match="is the corpus"):
        check_not_an_input(tmp_path / "." / "corpus.txt", "output", {"corpus": corpus})
    link = tmp_path / "link.txt"
    link.symlink_to(corpus)
    with pytest.raises(OutputError, match="is the corpus"):
        check_not_an_input(link, "output", {"corpus": corpus})
    with pytest.raises(OutputError, match="inside the corpus"):
        check_not_an_input(tmp_path / "sub" / "v.txt", "output", {"corpus": tmp_path})
    check_not_an_input(tmp_path / "v.txt", "output", {"corpus": corpus})  # fine


# --- leftovers of a writer killed with SIGKILL ----------------------------------------------

_KILLED_WRITER = """
import sys, time
from pathlib import Path
from w2v.atomic import atomic_folder, atomic_write
folder, file = Path(sys.argv[1]), Path(sys.argv[2])
with atomic_write(file) as handle:
    handle.write(b"half")
    handle.flush()
    with atomic_folder(folder, "m.json") as staging:
        (staging / "a").write_text("half")
        print("staged", flush=True)
        time.sleep(60)
"""


def _start_writer(tmp_path, target, file):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target), str(file)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "staged"
    return proc


def _hidden(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))


def test_leftovers_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    import signal

    target, file = tmp_path / "out", tmp_path / "v.bin"
    _save(target, {"a": "old"})
    file.write_bytes(b"old")
    proc = _start_writer(tmp_path, target, file)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    user_file = tmp_path / ".out.mine.tmp"  # the user's, in a name close to ours
    user_file.write_text("keep")
    assert len(_hidden(tmp_path)) == 3  # staging folder, temporary file, the user's file
    assert (target / "a").read_text() == "old" and file.read_bytes() == b"old"

    _save(target, {"a": "new"})
    from w2v.atomic import atomic_write

    with atomic_write(file) as handle:
        handle.write(b"new")
    assert _hidden(tmp_path) == [".out.mine.tmp"]
    assert (target / "a").read_text() == "new" and file.read_bytes() == b"new"


def test_the_staging_of_a_live_writer_is_left_alone(tmp_path):
    target, file = tmp_path / "out", tmp_path / "v.bin"
    proc = _start_writer(tmp_path, target, file)
    try:
        from w2v.atomic import remove_stale_leftovers

        assert remove_stale_leftovers(target) == [] and remove_stale_leftovers(file) == []
        assert len(_hidden(tmp_path)) == 2
    finally:
        proc.kill()
        proc.wait(timeout=30)
