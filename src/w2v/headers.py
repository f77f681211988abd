"""The JSON headers of the project's folders (native vectors, checkpoints): read them safely.

A header is small, written by this project, and may have been tampered with or replaced by
anything: a huge file, a FIFO, ``1e400``, ``NaN``, 100,000 levels of nesting, a number where
a list belongs. :func:`read_json_header` turns every such case into one
:class:`~w2v.errors.W2VError` that names the file, and :func:`check_fields` checks the types
of the fields a reader is about to use.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from w2v.errors import W2VError

# Headers hold options, counts and a few RNG states: far below this.
MAX_HEADER_BYTES = 16 << 20


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json_header(path: str | os.PathLike[str], what: str,
                     error: type[W2VError]) -> dict[str, Any]:
    """Read a JSON object from ``path``, or raise ``error`` with one line naming the file.

    Parameters
    ----------
    path : path-like
        The header file.
    what : str
        What the file is, for messages (e.g. "checkpoint header").
    error : type of W2VError
        The error to raise (e.g. ``CheckpointError``, ``FormatError``).

    Returns
    -------
    dict
        The parsed object. Numbers are finite; NaN, Infinity and out-of-range numbers
        are refused.

    Raises
    ------
    error
        If the file is missing, not a regular file, larger than :data:`MAX_HEADER_BYTES`,
        not UTF-8 JSON, nested too deeply, or not a JSON object.
    """
    file = Path(path)
    try:
        info = file.stat()
    except OSError as exc:
        raise error(f"The {what} '{file}' cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"The {what} '{file}' is not a regular file.")
    if info.st_size > MAX_HEADER_BYTES:
        raise error(f"The {what} '{file}' is {info.st_size:,} bytes; a w2v header is far "
                    f"smaller, so this is not one.")
    try:
        text = file.read_text(encoding="utf-8")
        value = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else (
            getattr(exc, "strerror", None) or str(exc).split("\n")[0][:120])
        raise error(f"The {what} '{file}' is unreadable or corrupt ({reason}).") from None
    if not isinstance(value, dict):
        raise error(f"The {what} '{file}' does not hold a JSON object.")
    return value


def check_fields(header: dict[str, Any], fields: dict[str, type | tuple[type, ...]],
                 path: str | os.PathLike[str], error: type[W2VError]) -> None:
    """Raise ``error`` unless every field exists with one of its expected types.

    ``bool`` never passes for ``int`` (JSON ``true`` is not a count).
    """
    for key, kind in fields.items():
        value = header.get(key)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise error(f"'{path}': field {key!r} is missing or not a {names}.")


def check_format(header: dict[str, Any], path: str | os.PathLike[str], what: str,
                 expected: tuple[str, int], error: type[W2VError]) -> None:
    """Raise ``error`` unless the header's ``format`` and ``version`` are ``expected``.

    ``what`` names the kind of file in the messages (e.g. "checkpoint", "model").
    """
    name, version = expected
    if header.get("format") != name:
        raise error(f"'{path}' is not a w2v {what} (its format is "
                    f"{str(header.get('format'))[:40]!r}).")
    if header.get("version") != version:
        raise error(f"'{path}' has {what} version {str(header.get('version'))[:20]}; this "
                    f"w2v reads version {version}.")
