"""Error types inherit the matching builtins; atomic writes leave no partial file."""

from __future__ import annotations

import os

import pytest

from w2v import errors
from w2v.atomic import atomic_write


def test_error_types_inherit_builtins():
    assert issubclass(errors.InputNotFoundError, FileNotFoundError)
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.FormatError, ValueError)
    assert issubclass(errors.OutputError, OSError)
    assert issubclass(errors.UnknownWordError, KeyError)
    for name in ("ConfigError", "CorpusError", "FormatError", "CheckpointError", "DeviceError"):
        assert issubclass(getattr(errors, name), errors.W2VError)
    assert str(errors.UnknownWordError("'x' is not in the vocabulary")) == (
        "'x' is not in the vocabulary"
    )


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write("new")
    assert target.read_text() == "new"


def test_atomic_write_to_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(errors.OutputError, match="does not exist"), atomic_write(
        tmp_path / "missing" / "out.txt"
    ):
        pass


def test_disk_full_becomes_output_error(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    with pytest.raises(errors.OutputError, match="No space left"), atomic_write(target) as handle:
        monkeypatch.setattr(handle, "write", fail)
        handle.write(b"x")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_atomic_write_gives_ordinary_permissions(tmp_path):
    target = tmp_path / "out.txt"
    old = os.umask(0o022)
    try:
        with atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write("x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


# --- messages name options as the caller knows them -------------------------------------------

def test_a_template_names_options_for_python_and_renders_flags_for_the_cli():
    error = errors.ConfigError("The {min_count} must be >= 1. Got {got} instead.", got="0")
    assert str(error) == "The 'min_count' parameter must be >= 1. Got 0 instead."
    assert error.parameter == "min_count"
    from w2v.cli import option_flag

    assert error.render(option_flag) == "The '--min-count' option must be >= 1. Got 0 instead."
    assert errors.ConfigError("The {vector_size} is 0.").render(option_flag) == (
        "The '--dim' option is 0.")


def test_values_with_braces_are_never_read_as_options():
    error = errors.ConfigError("Got {got} for the {window}.", got="{window}")
    assert str(error) == "Got {window} for the 'window' parameter."


def test_a_message_without_values_is_literal_except_for_config_errors():
    assert str(errors.FormatError("line 3: {not an option}")) == "line 3: {not an option}"
    assert str(errors.CorpusError("{name} is empty", name="c.txt")) == "c.txt is empty"


def test_templated_errors_survive_pickling():
    import pickle

    error = errors.CorpusError("Lower the {min_count} (now {now}).", now=5)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is errors.CorpusError and str(again) == str(error)
    assert again.parameter == "min_count"
