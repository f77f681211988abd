"""Atomic file writes: a temporary file in the target folder, then ``os.replace``.

A reader never sees a half-written file, and a failed write (disk full, Ctrl-C)
leaves the previous file, if any, untouched. A process killed outright (SIGKILL, power
loss) cannot remove its temporary file; the name of every temporary file and folder says
which host and process wrote it, and the next write to the same target removes those whose
process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from w2v.errors import OutputError


def check_writable_dir(folder: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Return ``folder`` as a Path after checking that it exists and can be written.

    Parameters
    ----------
    folder : path-like
        The folder to check.
    what : str
        How error messages name the folder (e.g. "checkpoint folder").

    Returns
    -------
    Path
        ``folder`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputError
        If the folder is missing, is not a folder, or is not writable.
    """
    path = Path(folder)
    if not path.exists():
        raise OutputError(f"The {what} '{path}' does not exist; create it first.")
    if not path.is_dir():
        raise OutputError(f"The {what} '{path}' is not a folder.")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"The {what} '{path}' is not writable.")
    return path


def make_output_dir(folder: str | os.PathLike[str], what: str = "output folder",
                    parents: bool = True) -> Path:
    """Create ``folder`` if missing (and its parents, unless ``parents=False``) and check it.

    Raises
    ------
    OutputError
        If the folder cannot be created (e.g. a file is in the way) or is not writable.
    """
    path = Path(folder)
    try:
        path.mkdir(parents=parents, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the {what} '{path}': {exc.strerror or exc}.") from exc
    return check_writable_dir(path, what)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb",
                 encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left as it was.
    ``OSError`` raised while writing (e.g. disk full) becomes :class:`OutputError`
    naming the file.

    Parameters
    ----------
    path : path-like
        The file to write; its folder must exist and be writable.
    mode : str
        Mode of the temporary file, ``"wb"`` or ``"w"`` (then give ``encoding``).
    encoding : str or None
        Text encoding for ``"w"``.

    Yields
    ------
    file object
        The open temporary file; it is flushed, synced and renamed over ``path`` on exit.

    Raises
    ------
    OutputError
        If the folder is missing or not writable, or writing fails.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    check_writable_dir(folder, "folder of the output file")
    remove_stale_leftovers(target)
    fd, tmp_name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp",
                                    dir=folder)
    try:
        # mkstemp creates the file 0600; give it the permissions a plain open() would.
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove_quietly(tmp_name)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"Cannot write '{target}': {exc.strerror or exc}.") from exc
    except BaseException:
        _remove_quietly(tmp_name)
        raise


# --- leftovers of killed writers ---------------------------------------------------------------

# The owner tag of a temporary name: ".<target name>.w2v-<host>-<pid>.<random><suffix>".
_OWNER_TAG = re.compile(r"\.w2v-(?P<host>[A-Za-z0-9-]{0,32})-(?P<pid>[0-9]+)\.[^.]+\.(tmp|old)$")


def _host_tag() -> str:
    """This host's name as it appears in temporary names (letters, digits, '-'; 32 at most)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]


def _temporary_prefix(target: Path) -> str:
    """The start of a temporary name beside ``target``: hidden, and naming its writer.

    The target's name is cut to 120 characters so that the whole name stays within the
    255 bytes a file name may have.
    """
    return f".{target.name[:120]}.w2v-{_host_tag()}-{os.getpid()}."


def remove_stale_leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files and folders left beside ``target`` by killed writers.

    Only names this module makes for ``target`` are considered, and only those written on
    this host by a process that no longer exists: a live writer's staging is never touched
    (a pid that was reused by another process keeps its leftover, the safe side), nor is
    anything a user named. Returns what was removed.
    """
    path = Path(target)
    parent = path.parent if str(path.parent) else Path(".")
    start = f".{path.name[:120]}"
    removed = []
    try:
        entries = [entry for entry in os.scandir(parent) if entry.name.startswith(start)]
    except OSError:
        return removed
    for entry in entries:
        owner = _OWNER_TAG.fullmatch(entry.name[len(start):])
        if owner is None or owner["host"] != _host_tag() or _process_exists(int(owner["pid"])):
            continue
        leftover = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            _remove_tree_quietly(leftover)
        else:
            _remove_quietly(leftover)
        removed.append(leftover)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a pid we cannot judge: keep its files
    return True


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(name)


# --- folders of several files -----------------------------------------------------------------

# renameat2's flag that swaps two paths in one step (Linux 3.15+).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def check_folder_target(target: str | os.PathLike[str], marker: str,
                        what: str = "output folder") -> Path:
    """Check that :func:`atomic_folder` may write ``target``, before any work is done.

    A folder target is accepted when it does not exist yet (its parent must exist and be
    writable), is empty, or holds ``marker`` (a folder this project wrote, which a save
    replaces). Anything else belongs to the user and is refused, so a save never replaces
    files it did not write.

    Parameters
    ----------
    target : path-like
        The folder a save will create or replace.
    marker : str
        Name of the file that identifies a folder this project wrote (e.g. ``"w2v.json"``).
    what : str
        How error messages name the folder.

    Returns
    -------
    Path
        ``target`` as a Path.

    Raises
    ------
    OutputError
        If ``target`` is a file or another non-folder, a folder of the user's, or its parent
        is missing or not writable.
    """
    path = Path(target)
    try:
        return _check_folder_target(path, marker, what)
    except OutputError:  # already says what is wrong
        raise
    except OSError as exc:  # e.g. a name longer than the filesystem allows
        raise OutputError(f"The {what} '{path}' cannot be used: {exc.strerror or exc}.") from None


def _check_folder_target(path: Path, marker: str, what: str) -> Path:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OutputError(f"The {what} '{path}' exists and is not a folder; give a new "
                          f"folder name.")
    if path.is_dir() and any(path.iterdir()) and not (path / marker).is_file():
        raise OutputError(f"The {what} '{path}' already holds files that w2v did not write "
                          f"(no {marker}); give a new or empty folder.")
    check_writable_dir(path.parent if str(path.parent) else Path("."),
                       f"folder of the {what}")
    return path


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str], marker: str,
                  what: str = "output folder") -> Iterator[Path]:
    """Build a folder of several files privately, then put it in place in one step.

    Yields a new, empty staging folder beside ``target``; write every file into it (plain
    writes are fine: nobody else sees the folder). When the block exits without an
    exception, the files are synced and the staging folder takes the place of ``target``:
    created if absent, or swapped with the old folder in one rename (Linux ``renameat2``
    RENAME_EXCHANGE; elsewhere two renames) and the old folder removed, except for entries
    the new save did not write, which move into the new folder. A reader sees the old
    folder or the new one, never a mix. On any exception, or if ``marker`` was not written,
    the staging folder is removed and ``target`` is left exactly as it was.

    Parameters
    ----------
    target : path-like
        The folder to create or replace; checked by :func:`check_folder_target` first.
    marker : str
        The file that marks the folder as this project's; the block must write it.
    what : str
        How error messages name the folder.

    Yields
    ------
    Path
        The staging folder.

    Raises
    ------
    OutputError
        If the target is refused (see :func:`check_folder_target`) or writing fails (e.g.
        disk full); the target is then untouched and no staging folder is left.
    """
    path = check_folder_target(target, marker, what)
    parent = path.parent if str(path.parent) else Path(".")
    remove_stale_leftovers(path)
    try:
        staging = Path(tempfile.mkdtemp(prefix=_temporary_prefix(path), suffix=".tmp",
                                        dir=parent))
    except OSError as exc:
        raise OutputError(f"Cannot write the {what} '{path}': {exc.strerror or exc}.") from exc
    try:
        os.chmod(staging, 0o777 & ~_current_umask())
        yield staging
        if not (staging / marker).is_file():
            raise RuntimeError(f"atomic_folder: the block did not write {marker}")  # a bug
        _sync_folder(staging)
        _swap_in(staging, path)
    except OSError as exc:
        _remove_tree_quietly(staging)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"Cannot write the {what} '{path}': {exc.strerror or exc}.") from exc
    except BaseException:
        _remove_tree_quietly(staging)
        raise


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; an old ``target`` is replaced whole, then removed.

    Entries of the old folder that the new save did not write (a file the user put there)
    are moved into the new folder, never deleted.
    """
    if not target.exists():
        os.rename(staging, target)
        return
    if _rename_exchange(staging, target):
        old = staging  # the swap left the old folder at the staging name
    else:
        old = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".old",
                                    dir=target.parent))
        os.rmdir(old)  # a unique name for the old folder, free again
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old, target)  # put the old folder back before reporting the failure
            raise
    for entry in old.iterdir():
        if not os.path.lexists(target / entry.name):
            os.rename(entry, target / entry.name)
    _remove_tree_quietly(old)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it is unavailable."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this filesystem cannot swap
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _sync_folder(folder: Path) -> None:
    for entry in folder.rglob("*"):
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _remove_tree_quietly(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# --- outputs that would destroy inputs --------------------------------------------------------

def check_not_an_input(output: str | os.PathLike[str], output_what: str,
                       inputs: dict[str, str | os.PathLike[str]]) -> None:
    """Refuse an output path that is one of the inputs, or inside an input folder.

    Writing there would replace the input (a vectors file plotted onto itself) or feed the
    output to the next run as input (vectors written into the corpus folder).

    Parameters
    ----------
    output : path-like
        The path about to be written.
    output_what : str
        How messages name it (e.g. "output vectors").
    inputs : dict
        What each input is ("corpus", ...) → its path.

    Raises
    ------
    OutputError
        Naming both paths.
    """
    out = Path(os.path.abspath(output))
    for what, given in inputs.items():
        source = Path(os.path.abspath(given))
        same = out == source or (out.exists() and source.exists() and _same_file(out, source))
        if same:
            raise OutputError(f"The {output_what} '{output}' is the {what} '{given}'; writing "
                              f"it would replace the {what}. Give another path.")
        if source.is_dir() and (out.is_relative_to(source) or
                                Path(os.path.realpath(out)).is_relative_to(
                                    os.path.realpath(source))):
            raise OutputError(f"The {output_what} '{output}' is inside the {what} '{given}': "
                              f"writing there would change the {what} (the next run would read "
                              f"it too). Give a path outside it.")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
