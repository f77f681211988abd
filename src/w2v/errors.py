"""The project's error types.

Every error a user can cause is a :class:`W2VError`. Each subclass also inherits the
builtin exception a Python user would catch for that kind of problem, so
``except FileNotFoundError`` and ``except ValueError`` keep working.

The library raises; only :mod:`w2v.cli` turns a ``W2VError`` into one line on stderr and
a non-zero exit status. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class W2VError(Exception):
    """Base class of every error caused by the user's input, files or options."""


class ConfigError(W2VError, ValueError):
    """An option is out of range or of the wrong type."""


class InputNotFoundError(W2VError, FileNotFoundError):
    """A file or folder given as input does not exist."""


class CorpusError(W2VError, ValueError):
    """A corpus cannot be used: empty, unreadable, or no vocabulary left after filtering."""


class FormatError(W2VError, ValueError):
    """A vectors, checkpoint or evaluation file is malformed (names the file and where)."""


class OutputError(W2VError, OSError):
    """An output path cannot be written (missing folder, read-only, disk full)."""


class CheckpointError(W2VError, ValueError):
    """A checkpoint is missing, corrupt, or was written by a different configuration."""


class DivergenceError(W2VError, FloatingPointError):
    """Training produced a non-finite loss or parameter."""


class GradientCheckError(W2VError, ArithmeticError):
    """An analytic gradient disagrees with central differences."""


class DeviceError(W2VError, RuntimeError):
    """The requested device (e.g. CUDA) is unavailable or too small for the model."""


class UnknownWordError(W2VError, KeyError):
    """A word is not in the vocabulary; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would print the repr of its argument
        return str(self.args[0]) if self.args else ""
