"""Saves of the assignment's SGD: one file a save, one format for both kinds of save.

Two things save a run of the assignment's SGD so that it can be resumed: :func:`w2v.reference.sgd`
with ``use_saved`` (every ``SAVE_PARAMS_EVERY`` iterations: the parameters and Python's
``random`` state, as the assignment's ``sgd.py`` does) and the fast run of ``w2v seed`` (its
checkpoints: the parameters and the kernels' xoshiro256** state). Both write the same file::

    saved_<iteration>.npz    a zip archive of .npy arrays that np.load reads (no pickle)
      header.json            format, version, iteration, run, run_id, written_ns, exploss,
                             random_state_kind and, for Python's random, its version and gauss_next
      params.npy             float64, any shape: the parameters after <iteration>
      random_state.npy       uint32 (625,): Python's Mersenne Twister (624 words and the position)
                             or uint64 (4,): the kernels' xoshiro256** state
      history.npy            float64 (n, 2): (iteration, smoothed loss) of every report so far

A save is one file, written atomically (:func:`w2v.atomic.atomic_write`): it is whole or it is
absent. Reading checks every field (kinds, shapes, ranges, and the file's name against the
iteration in its header), so a damaged or hand-edited save gives a one-line
:class:`~w2v.errors.CheckpointError` that names it, whatever is wrong with it.

A :class:`SaveFolder` holds the saves of one run, told apart by a ``run_id`` that a resumed run
keeps. A new run leaves the saves of earlier runs alone until its own first save is written;
only then does it remove them, and only files that are saves of this format. If the process
stops between the two steps, a resume continues the run whose save was written last.

The assignment's own functions, :func:`save_params`, :func:`load_saved_params` and
:func:`latest_save_iteration`, are re-exported by :mod:`w2v.reference`.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import struct
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from w2v.atomic import atomic_write
from w2v.errors import CheckpointError, DivergenceError
from w2v.validation import Int

__all__ = ["FORMAT", "PYTHON_RANDOM", "SAVE_FILE_RE", "VERSION", "XOSHIRO", "Save", "SaveFolder",
           "SaveHeader", "latest_save_iteration", "load_saved_params", "read_header",
           "read_save", "save_params", "save_path", "write_save"]

FORMAT = "w2v-seed-save"
VERSION = 1
#: Name of a save file; group 1 is its iteration.
SAVE_FILE_RE = re.compile(r"^saved_([1-9][0-9]*)\.npz$")
#: ``random.getstate()``: version 3, 624 words and a position, gauss_next.
PYTHON_RANDOM = "python-mt19937"
#: The kernels' generator (:mod:`w2v.seed.kernels`): four uint64 words, never all zero.
XOSHIRO = "xoshiro256**"

# Iterations and history entries are stored as float64 in history.npy: exact up to 2^53.
_MAX_ITERATION = 2**53
_HEADER = "header.json"
_MAX_HEADER_BYTES = 1 << 20  # a header is a few hundred bytes; refuse to read a huge one
_RANDOM_LAYOUT = {PYTHON_RANDOM: (np.dtype(np.uint32), (625,)),
                  XOSHIRO: (np.dtype(np.uint64), (4,))}
_T = TypeVar("_T")
# What reading a damaged file can raise from zipfile, numpy's .npy header parser and json.
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile,
                zipfile.LargeZipFile, NotImplementedError, RecursionError, OverflowError,
                struct.error)


@dataclass(frozen=True)
class Save:
    """The state of a run after ``iteration``: what continuing it needs.

    Attributes
    ----------
    iteration : int
        Iterations done, >= 1.
    params : ndarray of float64, any shape
        The parameters after ``iteration`` (the assignment's stacked (2N, D) matrix).
    random_state : tuple or ndarray
        Python's ``random.getstate()`` (:data:`PYTHON_RANDOM`) or the kernels' xoshiro256**
        state, uint64 (4,) (:data:`XOSHIRO`).
    exploss : float or None
        The running loss average of ``sgd``; None before the first report.
    history : ndarray of float64, shape (n, 2)
        ``(iteration, smoothed loss)`` of every report so far.
    """

    iteration: int
    params: np.ndarray
    random_state: tuple | np.ndarray
    exploss: float | None = None
    history: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    @property
    def random_state_kind(self) -> str:
        """:data:`XOSHIRO` for an array state, :data:`PYTHON_RANDOM` for ``random``'s tuple."""
        return XOSHIRO if isinstance(self.random_state, np.ndarray) else PYTHON_RANDOM


@dataclass(frozen=True)
class SaveHeader:
    """What ``header.json`` says about a save, checked (see :func:`read_header`)."""

    path: Path
    iteration: int
    run: dict[str, Any]
    run_id: str
    written_ns: int
    exploss: float | None
    random_state_kind: str
    python_random: dict[str, Any] | None


def save_path(folder: str | os.PathLike[str], iteration: int) -> Path:
    """The file of the save after ``iteration``: ``<folder>/saved_<iteration>.npz``."""
    return Path(folder) / f"saved_{iteration}.npz"


# --- writing ------------------------------------------------------------------------------------

def write_save(path: str | os.PathLike[str], save: Save, run: Mapping[str, Any] | None = None,
               run_id: str | None = None) -> None:
    """Write ``save`` to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        The file, normally :func:`save_path`; its folder must exist.
    save : Save
    run : mapping, optional
        JSON values that identify the run (its options), compared before a resume.
    run_id : str, optional
        The run the save belongs to; a new one by default.

    Raises
    ------
    ConfigError
        If ``save.iteration`` is not an int in [1, 2^53].
    DivergenceError
        If the parameters, the loss average or the history hold NaN or infinity: such a
        state cannot be resumed, so it is not saved.
    OutputError
        If the file cannot be written (the previous file of that name, if any, is kept).
    """
    Int(low=1, high=_MAX_ITERATION).check("iteration", save.iteration)
    params = np.asarray(save.params, dtype=np.float64)
    history = np.asarray(save.history, dtype=np.float64).reshape(-1, 2)
    exploss = None if save.exploss is None else float(save.exploss)
    if not (np.isfinite(params).all() and np.isfinite(history).all()
            and (exploss is None or math.isfinite(exploss))):
        raise DivergenceError(f"The state after iteration {save.iteration} holds NaN or "
                              f"infinity; it is not saved, so the last save is still the "
                              f"latest.")
    header: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "iteration": int(save.iteration),
        "run": dict(run or {}), "run_id": run_id or uuid.uuid4().hex,
        "written_ns": time.time_ns(), "exploss": exploss,
        "random_state_kind": save.random_state_kind}
    if save.random_state_kind == PYTHON_RANDOM:
        version, internal, gauss_next = save.random_state
        header["python_random"] = {"version": version, "gauss_next": gauss_next}
        state = np.asarray(internal, dtype=np.uint32)
    else:
        state = np.asarray(save.random_state, dtype=np.uint64)
    arrays = {"params": params, "random_state": state, "history": history}
    with atomic_write(path, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(_HEADER, json.dumps(header, allow_nan=False))
        for name, array in arrays.items():
            # Streamed into the archive, as np.savez does: no second copy of the parameters.
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array),
                                          allow_pickle=False)


# --- reading ------------------------------------------------------------------------------------

class _Corrupt(Exception):
    """A field of a save that is missing or wrong; the message says which."""


def read_header(path: str | os.PathLike[str]) -> SaveHeader:
    """Read and check the header of the save at ``path`` (not its arrays).

    Raises
    ------
    CheckpointError
        If the file cannot be read, is not a save of this format and version, or a field of its
        header is missing, of the wrong kind or out of range. The message names the file.
    """
    path = Path(path)
    with _open(path) as archive:
        return _guard(path, lambda: _header_of(archive, path))


def read_save(path: str | os.PathLike[str]) -> Save:
    """Read the save at ``path``, checking every field.

    Returns
    -------
    Save
        Its ``random_state`` is a tuple for ``random.setstate`` or a uint64 (4,) array.

    Raises
    ------
    CheckpointError
        If the file cannot be read, or a field is missing, wrongly shaped, of the wrong kind,
        out of range or not finite. The message names the file.
    """
    path = Path(path)
    with _open(path) as archive:
        return _guard(path, lambda: _save_of(archive, _header_of(archive, path)))


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except OSError as exc:  # the file itself: missing, a folder, no permission
        raise CheckpointError(f"The save '{path}' cannot be read ({_one_line(exc)}).") from exc
    except _READ_ERRORS as exc:
        raise CheckpointError(f"The save '{path}' is corrupt (not a zip archive: "
                              f"{_one_line(exc)}); delete it to resume from an earlier save, or "
                              f"start a new run.") from exc


def _guard(path: Path, read: Callable[[], _T]) -> _T:
    """Run ``read()``, turning whatever a damaged file makes it raise into CheckpointError."""
    try:
        return read()
    except _Corrupt as exc:
        problem = str(exc)
    except _READ_ERRORS as exc:
        problem = f"it cannot be read: {_one_line(exc)}"
    raise CheckpointError(f"The save '{path}' is corrupt ({problem}); delete it to resume "
                          f"from an earlier save, or start a new run.")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _header_of(archive: zipfile.ZipFile, path: Path) -> SaveHeader:
    info = _member(archive, _HEADER)
    if info.file_size > _MAX_HEADER_BYTES:
        raise _Corrupt(f"its {_HEADER} has {info.file_size} bytes")
    raw = json.loads(archive.read(info).decode("utf-8"))
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _Corrupt(f"it is not a w2v save: no \"format\": \"{FORMAT}\" in its {_HEADER}")
    if raw.get("version") != VERSION:
        raise _Corrupt(f"version {_short(raw.get('version'))}; this w2v reads version {VERSION}")
    iteration = _int_field(raw, "iteration", 1, _MAX_ITERATION)
    named = SAVE_FILE_RE.match(path.name)
    if named and int(named.group(1)) != iteration:
        raise _Corrupt(f"its name says iteration {named.group(1)}, its header {iteration}")
    run_id = raw.get("run_id")
    if not isinstance(run_id, str) or not 0 < len(run_id) <= 64:
        raise _Corrupt("the field 'run_id' must be a string of 1 to 64 characters")
    kind = raw.get("random_state_kind")
    if kind not in _RANDOM_LAYOUT:
        raise _Corrupt(f"the field 'random_state_kind' is {_short(kind)}, not one of "
                       f"{', '.join(map(repr, _RANDOM_LAYOUT))}")
    return SaveHeader(path, iteration, _run_field(raw), run_id,
                      _int_field(raw, "written_ns", 0, 2**63 - 1),
                      _float_field(raw, "exploss", optional=True), kind,
                      _python_random_field(raw) if kind == PYTHON_RANDOM else None)


def _int_field(raw: dict, name: str, low: int, high: int) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Corrupt(f"the field '{name}' must be an int in [{low}, {high}]; it is "
                       f"{_short(value)}")
    return value


def _float_field(raw: dict, name: str, optional: bool = False) -> float | None:
    value = raw.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Corrupt(f"the field '{name}' must be a finite number; it is {_short(value)}")
    return float(value)


def _run_field(raw: dict) -> dict[str, Any]:
    run = raw.get("run")
    scalars = (str, int, float, bool, type(None))
    if not isinstance(run, dict) or not all(isinstance(k, str) and isinstance(v, scalars)
                                            for k, v in run.items()):
        raise _Corrupt("the field 'run' must map option names to single values")
    return run


def _python_random_field(raw: dict) -> dict[str, Any]:
    fields = raw.get("python_random")
    if not isinstance(fields, dict):
        raise _Corrupt("the field 'python_random' is missing")
    version = _int_field(fields, "version", 1, 100)
    gauss_next = _float_field(fields, "gauss_next", optional=True)
    return {"version": version, "gauss_next": gauss_next}


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        info = archive.getinfo(name)
    except KeyError:
        what = f"the field '{name.removesuffix('.npy')}'" if name.endswith(".npy") else name
        raise _Corrupt(f"{what} is missing") from None
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        raise _Corrupt(f"its member '{name}' is compressed or encrypted")
    return info


def _save_of(archive: zipfile.ZipFile, header: SaveHeader) -> Save:
    dtype, shape = _RANDOM_LAYOUT[header.random_state_kind]
    params = _array(archive, "params", np.dtype(np.float64), None)
    state = _array(archive, "random_state", dtype, shape)
    history = _array(archive, "history", np.dtype(np.float64), (None, 2))
    if not np.isfinite(params).all():
        raise _Corrupt("its parameters hold NaN or infinity")
    _check_history(history, header.iteration)
    if header.random_state_kind == PYTHON_RANDOM:
        fields = header.python_random or {}
        random_state: tuple | np.ndarray = (fields["version"], tuple(int(v) for v in state),
                                            fields["gauss_next"])
        try:
            random.Random().setstate(random_state)  # checks it without touching `random`
        except (ValueError, TypeError, OverflowError) as exc:
            raise _Corrupt(f"its Python random state is invalid ({_one_line(exc)})") from None
    else:
        if not state.any():
            raise _Corrupt("its xoshiro256** state is all zero")
        random_state = state
    return Save(header.iteration, params, random_state, header.exploss, history)


def _check_history(history: np.ndarray, iteration: int) -> None:
    its = history[:, 0]
    if not np.isfinite(history).all():
        raise _Corrupt("its loss history holds NaN or infinity")
    if len(its) and (np.any(its != np.floor(its)) or its[0] < 1 or its[-1] > iteration
                     or np.any(np.diff(its) <= 0)):
        raise _Corrupt(f"its loss history must have increasing iterations in [1, {iteration}]")


def _array(archive: zipfile.ZipFile, name: str, dtype: np.dtype,
           shape: tuple[int | None, ...] | None) -> np.ndarray:
    """Read member ``name``.npy after checking its .npy header against ``dtype`` and ``shape``.

    ``shape`` may hold None for any length, or be None for any shape. The declared size must
    match the member's, so a forged header cannot make the reader allocate a huge array.
    """
    info = _member(archive, f"{name}.npy")
    with archive.open(info) as member:
        stored_shape, stored_dtype = _npy_header(member, name)
        if stored_dtype.kind != dtype.kind or stored_dtype.itemsize != dtype.itemsize:
            raise _Corrupt(f"the field '{name}' has dtype {stored_dtype}, not {dtype}")
        if shape is not None and (len(stored_shape) != len(shape) or any(
                want is not None and got != want for got, want in zip(stored_shape, shape,
                                                                       strict=True))):
            expected = ", ".join("n" if s is None else str(s) for s in shape)
            expected += "," if len(shape) == 1 else ""
            raise _Corrupt(f"the field '{name}' has shape {stored_shape}, not ({expected})")
        nbytes = math.prod(stored_shape) * stored_dtype.itemsize
        if nbytes != info.file_size - member.tell():
            raise _Corrupt(f"the field '{name}' declares {nbytes} bytes of data but holds "
                           f"{info.file_size - member.tell()}")
        data = member.read(nbytes)  # reading to the end also checks the member's CRC
    return np.frombuffer(data, dtype=stored_dtype).reshape(stored_shape).astype(dtype)


def _npy_header(member: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype]:
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise _Corrupt(f"the field '{name}' is not a .npy array of version 1 or 2")
    if fortran_order or dtype.hasobject or len(shape) > 32:
        raise _Corrupt(f"the field '{name}' is not a plain C-ordered array")
    return tuple(int(s) for s in shape), dtype


# --- a folder of saves --------------------------------------------------------------------------

class SaveFolder:
    """The saves of one run in a folder: resume from the latest, add new ones.

    Parameters
    ----------
    folder : path-like
        Where the ``saved_<iteration>.npz`` files are; it must exist before the first save.
    resume : bool
        True: continue the run whose save was written last (:meth:`latest`), adding this run's
        saves to it. False: start a new run: the saves already in the folder are not read,
        and once this run's first save is written they are removed.
    run : mapping, optional
        JSON values that identify the run, e.g. ``{"random_seed": 31415, "loss": "neg"}``:
        written into every save and compared with a save before resuming from it. None
        compares nothing.
    """

    def __init__(self, folder: str | os.PathLike[str], *, resume: bool = True,
                 run: Mapping[str, Any] | None = None) -> None:
        self.folder = Path(folder)
        self.resume = resume
        self.run = None if run is None else dict(run)
        # A resumed run takes the run_id of its save (latest() or the first write).
        self._run_id: str | None = None if resume else uuid.uuid4().hex

    def __repr__(self) -> str:
        return f"SaveFolder({str(self.folder)!r}, resume={self.resume}, run={self.run!r})"

    def files(self) -> list[Path]:
        """The save files in the folder, by iteration (none when the folder is missing)."""
        if not self.folder.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.folder.iterdir()
                 if (m := SAVE_FILE_RE.match(p.name)) and p.is_file()]
        return [p for _, p in sorted(found)]

    def latest_iteration(self) -> int:
        """The iteration :meth:`latest` would resume from; 0 when there is none."""
        if not self.resume:
            return 0
        return max((h.iteration for h in self._current_run()), default=0)

    def latest(self, random_state_kind: str,
               params_shape: tuple[int, ...] | None = None) -> Save | None:
        """The latest save of the run to continue, checked; None when there is none.

        Parameters
        ----------
        random_state_kind : str
            :data:`PYTHON_RANDOM` or :data:`XOSHIRO`: the generator this run restores.
        params_shape : tuple of int, optional
            The shape this run's parameters have; None accepts any.

        Raises
        ------
        CheckpointError
            If a save in the folder is corrupt, or the latest belongs to another kind of run,
            to a run with other options (``run``), or has parameters of another shape.
        """
        if not self.resume:
            return None
        run = self._current_run()
        if not run:
            return None
        header = max(run, key=lambda h: h.iteration)
        where = f"The save '{header.path}'"
        if self.run is not None and header.run != self.run:
            raise CheckpointError(f"{where} belongs to a run with {_describe(header.run)}, not "
                                  f"{_describe(self.run)}; resume with the same options, or "
                                  f"start a new run in another folder.")
        if header.random_state_kind != random_state_kind:
            raise CheckpointError(f"{where} holds the state of another generator "
                                  f"({header.random_state_kind}, not {random_state_kind}): "
                                  f"another kind of run wrote it; use another folder.")
        save = read_save(header.path)
        if params_shape is not None and save.params.shape != tuple(params_shape):
            raise CheckpointError(f"{where} holds parameters of shape {save.params.shape}, but "
                                  f"this run's have shape {tuple(params_shape)}; resume with "
                                  f"the same configuration or use another folder.")
        self._run_id = header.run_id
        return save

    def write(self, save: Save) -> Path:
        """Write ``save`` (atomically), then remove the saves of other runs in the folder.

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        CheckpointError
            If this run is resumed from the folder but a save in it cannot be read.
        DivergenceError, OutputError, ConfigError
            As :func:`write_save`; nothing is removed then.
        """
        if self._run_id is None:  # resuming, but latest() was not asked: the newest run
            run = self._current_run()
            self._run_id = run[0].run_id if run else uuid.uuid4().hex
        path = save_path(self.folder, save.iteration)
        write_save(path, save, self.run, self._run_id)
        self._remove_other_runs(keep=path)
        return path

    def _current_run(self) -> list[SaveHeader]:
        """Headers of the saves of the run whose save was written last."""
        headers = [read_header(p) for p in self.files()]
        if not headers:
            return []
        newest = max(headers, key=lambda h: h.written_ns)
        return [h for h in headers if h.run_id == newest.run_id]

    def _remove_other_runs(self, keep: Path) -> None:
        for path in self.files():
            if path == keep:
                continue
            try:
                header = read_header(path)
            except CheckpointError:
                continue  # not a save this project can read: not ours to delete
            if header.run_id != self._run_id:
                path.unlink(missing_ok=True)


def _describe(run: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in sorted(run.items())) or "no options"


# --- the assignment's functions -----------------------------------------------------------------

def save_params(iteration: int, params: np.ndarray,
                save_dir: str | os.PathLike[str] = ".") -> Path:
    """Save ``params`` and Python's ``random`` state after ``iteration`` (the assignment's).

    The save joins the run of the folder's latest save (or starts one).

    Parameters
    ----------
    iteration : int
        >= 1.
    params : ndarray, any shape
        Saved as float64.
    save_dir : path-like
        Existing, writable folder.

    Returns
    -------
    Path
        ``<save_dir>/saved_<iteration>.npz``.
    """
    return SaveFolder(save_dir).write(Save(iteration, np.asarray(params, dtype=np.float64),
                                           random.getstate()))


def load_saved_params(save_dir: str | os.PathLike[str] = ".",
                      ) -> tuple[int, np.ndarray | None, tuple | None]:
    """The latest save in ``save_dir``: ``(iteration, params, random_state)``, the assignment's.

    Returns
    -------
    iteration : int
        0 when there is no save.
    params : ndarray of float64 or None
    random_state : tuple or None
        Ready for ``random.setstate``.

    Raises
    ------
    CheckpointError
        If a save is corrupt or holds another generator's state (names the file).
    """
    save = SaveFolder(save_dir).latest(PYTHON_RANDOM)
    if save is None:
        return 0, None, None
    return save.iteration, save.params, save.random_state


def latest_save_iteration(save_dir: str | os.PathLike[str] = ".") -> int:
    """Iteration of the latest save in ``save_dir``; 0 when there is none (or no folder).

    Raises
    ------
    CheckpointError
        If a save's header is corrupt (names the file).
    """
    return SaveFolder(save_dir).latest_iteration()
