"""Saves of the reference ``sgd``: parameters as ``.npy`` and Python's ``random`` state as JSON.

The assignment's ``sgd.py`` pickles ``random.getstate()`` beside ``saved_params_<iter>.npy``;
here the state goes to ``saved_state_<iter>.json`` instead (no pickle), each file written
atomically, and a save counts only once its ``.npy`` (written last) exists. The names are
re-exported by :mod:`w2v.reference`, where :func:`~w2v.reference.sgd` uses them;
:mod:`w2v.seed_run` names its parameters files the same way.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import CheckpointError

__all__ = ["PARAMS_FILE_RE", "latest_save_iteration", "load_saved_params", "params_path",
           "save_params", "state_path"]

#: Name of a parameters file; group 1 is its iteration.
PARAMS_FILE_RE = re.compile(r"^saved_params_(\d+)\.npy$")


def params_path(save_dir: Path, iteration: int) -> Path:
    """The parameters file of the save after ``iteration``: ``saved_params_<iter>.npy``."""
    return save_dir / f"saved_params_{iteration}.npy"


def state_path(save_dir: Path, iteration: int) -> Path:
    """The random-state file of the save after ``iteration``: ``saved_state_<iter>.json``."""
    return save_dir / f"saved_state_{iteration}.json"


def latest_save_iteration(save_dir: str | Path = ".") -> int:
    """Largest ``<iter>`` of the ``saved_params_<iter>.npy`` in ``save_dir``; 0 when none.

    Parameters
    ----------
    save_dir : path-like
        The folder of the saves; a missing folder has none.

    Returns
    -------
    int
    """
    folder = Path(save_dir)
    if not folder.is_dir():
        return 0
    its = [int(m.group(1)) for p in folder.iterdir() if (m := PARAMS_FILE_RE.match(p.name))]
    return max(its, default=0)


def save_params(iteration: int, params: np.ndarray, save_dir: str | Path = ".",
                extra: dict[str, Any] | None = None) -> None:
    """Save ``params`` and Python's ``random`` state after iteration ``iteration``.

    Writes ``saved_state_<iter>.json`` (``random.getstate()`` plus ``extra``) and then
    ``saved_params_<iter>.npy``, each atomically. Saves are found by their ``.npy`` file, which
    is written last, so an interrupted save is never picked up half-done.

    Parameters
    ----------
    iteration : int
    params : ndarray, any shape
    save_dir : path
        Existing, writable folder.
    extra : dict, optional
        JSON-serialisable values stored beside the random state (e.g. the loss average).
    """
    folder = Path(save_dir)
    version, internal, gauss_next = random.getstate()
    state = {"format": "w2v-sgd-state", "version": 1, "iteration": int(iteration),
             "random_state": {"version": version, "internal": list(internal),
                              "gauss_next": gauss_next},
             "extra": extra or {}}
    with atomic_write(state_path(folder, iteration), "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    with atomic_write(params_path(folder, iteration), "wb") as handle:
        np.save(handle, np.asarray(params), allow_pickle=False)


def load_saved_params(save_dir: str | Path = ".") -> tuple[int, np.ndarray | None,
                                                         dict[str, Any] | None]:
    """Load the latest save in ``save_dir``: ``(iteration, params, state)``, or ``(0, None, None)``.

    ``state`` holds ``random_state`` (a tuple ready for ``random.setstate``) and ``extra``.

    Raises
    ------
    CheckpointError
        If the latest parameters file or its state file is missing or corrupt (names the file).
    """
    folder = Path(save_dir)
    start = latest_save_iteration(folder)
    if start == 0:
        return 0, None, None
    params_file, state_file = params_path(folder, start), state_path(folder, start)
    try:
        params = np.load(params_file, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise CheckpointError(f"The saved parameters '{params_file}' cannot be read ({exc}); "
                              "delete it to resume from the previous save.") from exc
    if not state_file.exists():
        raise CheckpointError(f"The random state '{state_file}' that goes with '{params_file}' "
                              "is missing; delete both to resume from the previous save.")
    try:
        raw = json.loads(state_file.read_text(encoding="utf-8"))
        rs = raw["random_state"]
        random_state = (int(rs["version"]), tuple(int(v) for v in rs["internal"]),
                        rs["gauss_next"])
        random.Random().setstate(random_state)  # validates without touching the global state
        extra = dict(raw.get("extra", {}))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"The random state '{state_file}' is corrupt ({exc}); "
                              "delete it and its parameters to resume from the previous save."
                              ) from exc
    return start, params, {"random_state": random_state, "extra": extra}
