"""The project's error types.

Every error a user can cause is a :class:`W2VError`. Each subclass also inherits the
builtin exception a Python user would catch for that kind of problem, so
``except FileNotFoundError`` and ``except ValueError`` keep working.

The library raises; only :mod:`w2v.cli` turns a ``W2VError`` into one line on stderr and
a non-zero exit status. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import string
from collections.abc import Callable


class W2VError(Exception):
    """Base class of every error caused by the user's input, files or options.

    A message that names options is a template: each option is written as its Python name
    in braces, ``"Lower the {min_count} (now {now})."``, and values go in as keyword
    arguments, never into the template itself (a value may hold braces). ``str(error)``
    names options as a Python caller knows them ("the 'min_count' parameter"); the command
    line renders the same error with its flags ("the '--min-count' option") through
    :meth:`render`. A message given without ``parameter`` or values is taken literally
    (every :class:`ConfigError` is a template).

    Parameters
    ----------
    message : str
        The message, or a template whose ``{name}`` fields not in ``values`` are options.
    parameter : str, optional
        The option at fault (default: the first option the template names), so that
        callers can tell which one without parsing the message.
    **values
        Values for the other fields of the template (already formatted, e.g. ``repr(x)``).

    Examples
    --------
    >>> str(ConfigError("The {window} must be at least 1. Got {got} instead.", got="0"))
    "The 'window' parameter must be at least 1. Got 0 instead."
    """

    # Subclasses whose messages are always templates (they are always about an option).
    always_template = False

    def __init__(self, message: str = "", parameter: str | None = None,
                 **values: object) -> None:
        self.template = message
        self.values = values
        self.is_template = self.always_template or parameter is not None or bool(values)
        names = self.option_names()
        self.parameter = parameter if parameter is not None else (names[0] if names else None)
        super().__init__(self.render(python_option_name))

    def option_names(self) -> list[str]:
        """The options the message names, in order (empty for a literal message)."""
        if not self.is_template:
            return []
        try:
            fields = [field for _, field, _, _ in string.Formatter().parse(self.template)
                      if field]
        except ValueError:  # unbalanced braces: not a template after all
            return []
        return [field for field in dict.fromkeys(fields) if field not in self.values]

    def render(self, option_name: Callable[[str], str]) -> str:
        """The message with each option named by ``option_name(python_name)``."""
        if not self.is_template:
            return self.template
        fields = {name: option_name(name) for name in self.option_names()}
        try:
            return self.template.format_map({**fields, **self.values})
        except (KeyError, ValueError, IndexError, AttributeError):  # a literal after all
            return self.template

    def __reduce__(self):  # pickling (multiprocessing) with keyword values
        return (_rebuild, (type(self), self.template, self.parameter, self.values))


def python_option_name(name: str) -> str:
    """How library messages name an option: ``'min_count' parameter``."""
    return f"'{name}' parameter"


def _rebuild(kind: type[W2VError], template: str, parameter: str | None,
             values: dict[str, object]) -> W2VError:
    return kind(template, parameter, **values)


class ConfigError(W2VError, ValueError):
    """An option is out of range, of the wrong type, or does not fit the data."""

    always_template = True


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


class MissingExtraError(W2VError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class DistributedError(W2VError, RuntimeError):
    """A distributed run could not start (not launched by torchrun) or lost one of its ranks."""
