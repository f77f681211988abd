"""Checks of option values, with one message template for every option in the library.

Each constraint is a small object (:class:`Int`, :class:`Float`, :class:`Choice`,
:class:`Flag`) that checks a value and, when it is wrong, raises a
:class:`~w2v.errors.ConfigError` in scikit-learn's template::

    The 'window' parameter must be an int in the range [1, 10000]. Got 0 instead.

Options are named in the template (``{window}``), so the command line can show the same
error with its flag (``The '--window' option ...``). :class:`~w2v.config.TrainConfig`
checks all of its fields from one table of these constraints; queries, plots and the
assignment's functions use the same objects for their own arguments.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from w2v.errors import ConfigError


def _fail(name: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"The {{{name}}} must be {expected}. Got {{got}} instead.",
                       parameter=name, got=repr(value))


def _bound(value: float) -> str:
    return "inf" if value == math.inf else ("-inf" if value == -math.inf else repr(value))


@dataclass(frozen=True)
class Int:
    """An int in ``[low, high]`` (bool is refused: ``True`` is not a window size)."""

    low: int | float = -math.inf
    high: int | float = math.inf
    optional: bool = False  # None is accepted (and means "no limit" or "default")

    def check(self, name: str, value: Any) -> int | None:
        """Return ``value`` if valid, else raise :class:`ConfigError` naming ``name``."""
        if value is None and self.optional:
            return None
        # numbers.Integral admits numpy integers; bool is refused explicitly.
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if not ok or not self.low <= value <= self.high:
            closing = ")" if self.high == math.inf else "]"
            opening = "(" if self.low == -math.inf else "["
            kind = "an int or None" if self.optional else "an int"
            raise _fail(name, f"{kind} in the range {opening}{_bound(self.low)}, "
                              f"{_bound(self.high)}{closing}", value)
        return int(value)


@dataclass(frozen=True)
class Float:
    """A finite number in ``[low, high]``; ``open_low`` excludes ``low`` itself."""

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    optional: bool = False

    def check(self, name: str, value: Any) -> float | None:
        """Return ``float(value)`` if valid, else raise :class:`ConfigError` naming ``name``."""
        if value is None and self.optional:
            return None
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        in_range = ok and math.isfinite(value) and (
            value > self.low if self.open_low else value >= self.low) and value <= self.high
        if not in_range:
            opening = "(" if self.open_low or self.low == -math.inf else "["
            closing = ")" if self.high == math.inf else "]"
            raise _fail(name, f"a finite float in the range {opening}{_bound(float(self.low))}, "
                              f"{_bound(float(self.high))}{closing}", value)
        return float(value)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of values."""

    choices: Sequence[Any]

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` if it is one of the choices, else raise :class:`ConfigError`."""
        if isinstance(value, bool) or value not in self.choices:
            raise _fail(name, f"one of {', '.join(map(repr, self.choices))}", value)
        return value


@dataclass(frozen=True)
class Flag:
    """A bool (not an int: ``1`` is refused, so that a misplaced argument is caught)."""

    def check(self, name: str, value: Any) -> bool:
        """Return ``value`` if it is a bool, else raise :class:`ConfigError`."""
        if not isinstance(value, bool):
            raise _fail(name, "a bool", value)
        return value


@dataclass(frozen=True)
class Text:
    """A non-empty string."""

    def check(self, name: str, value: Any) -> str:
        """Return ``value`` if it is a non-empty str, else raise :class:`ConfigError`."""
        if not isinstance(value, str) or not value:
            raise _fail(name, "a non-empty string", value)
        return value


Constraint = Int | Float | Choice | Flag | Text


def check(name: str, value: Any, constraint: Constraint) -> Any:
    """Check one value: ``check("topn", 10, Int(low=1))`` returns 10 or raises."""
    return constraint.check(name, value)
