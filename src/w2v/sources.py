"""Where a corpus's bytes come from: files, folders, compressed files and pipes.

- A **folder** is read file by file in sorted order; hidden files and folders are skipped,
  linked folders are followed (each real folder once), and a dangling link or a FIFO inside
  it is an error that names it, never a silent skip.
- **Compression is recognised by content**, the extension being only a hint: gzip, bzip2
  and xz are read (standard library); zstd and other formats are refused with a line that
  says what the file is.
- **Encodings**: UTF-8, with or without a byte-order mark; UTF-16 and UTF-32 with a BOM are
  decoded; NUL bytes without a BOM mean UTF-16/32 without one, or a binary file, and are
  refused rather than trained on as pseudo-words.
- A **pipe** (``<(zcat big.gz)``, ``/dev/stdin``, a FIFO) can be read only once, and training
  reads its corpus twice (count, then encode): :func:`readable_corpus` copies it once to a
  temporary file that is removed afterwards. Devices (``/dev/zero``) are refused.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from w2v.compression import HEAD_BYTES, READABLE, compression_of, open_compressed
from w2v.errors import CorpusError, InputNotFoundError

# Byte-order marks, longest first (UTF-32-LE's starts with UTF-16-LE's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def corpus_files(path: str | os.PathLike[str]) -> list[Path]:
    """Files of a corpus: ``path`` itself, or every non-hidden file under a folder, sorted.

    Parameters
    ----------
    path : path-like
        A corpus file or folder (pipes go through :func:`readable_corpus` first).

    Returns
    -------
    list of Path
        The files to read, in reading order.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    CorpusError
        If ``path`` is a device, a dangling link, or a folder with no file or with a link
        or an entry that cannot be read as a file.
    """
    root = Path(path)
    if not os.path.lexists(root):
        raise InputNotFoundError(f"Corpus '{root}' does not exist.")
    if not root.exists():
        raise CorpusError(f"Corpus '{root}' is a link to '{os.readlink(root)}', which does not "
                          f"exist.")
    mode = root.stat().st_mode
    if stat.S_ISREG(mode):
        return [root]
    if not stat.S_ISDIR(mode):
        raise CorpusError(f"Corpus '{root}' is {_kind(mode)}; give a text file, a .gz/.bz2/.xz "
                          f"file, a folder of them, or a pipe.")
    files = _folder_files(root)
    if not files:
        raise CorpusError(f"Corpus folder '{root}' contains no files (hidden files are "
                          f"skipped).")
    return files


def _folder_files(root: Path) -> list[Path]:
    """Regular files under ``root``, following linked folders once each (no cycles)."""
    files: list[Path] = []
    seen = {os.path.realpath(root)}
    for folder, subfolders, names in os.walk(root, followlinks=True):
        kept = []
        for name in sorted(subfolders):
            real = os.path.realpath(os.path.join(folder, name))
            if not name.startswith(".") and real not in seen:
                seen.add(real)
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(names):
            if name.startswith("."):
                continue
            file = Path(folder) / name
            if not file.exists():
                raise CorpusError(f"Corpus folder '{root}' holds '{file}', a link to "
                                  f"'{os.readlink(file)}', which does not exist; remove the "
                                  f"link or restore its target.")
            mode = file.stat().st_mode
            if not stat.S_ISREG(mode):
                raise CorpusError(f"Corpus folder '{root}' holds '{file}', which is "
                                  f"{_kind(mode)}; a corpus folder holds only files.")
            files.append(file)
    return sorted(files)


def is_pipe(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a pipe or socket (readable once), e.g. ``/dev/stdin`` or ``<(...)``."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def readable_corpus(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a corpus path that can be read several times.

    A pipe is copied once, as it streams, to a temporary file (in ``$TMPDIR``), which is
    removed when the block ends; any other path is yielded as it is.

    Raises
    ------
    CorpusError
        If the copy cannot be written (e.g. the temporary folder's disk is full).
    """
    if not is_pipe(path):
        yield Path(path)
        return
    folder = tempfile.gettempdir()
    fd, name = tempfile.mkstemp(prefix="w2v-corpus-", suffix=".txt", dir=folder)
    try:
        try:
            with open(path, "rb") as source, os.fdopen(fd, "wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
        except OSError as exc:
            raise CorpusError(f"Corpus '{path}' is a pipe, read once into a temporary file in "
                              f"'{folder}', which failed ({exc.strerror or exc}); set TMPDIR "
                              f"to a folder with room, or give a file.") from None
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.remove(name)


def open_corpus_file(path: Path) -> IO[bytes]:
    """Open a corpus file for reading its (decompressed) bytes, by its content.

    Raises
    ------
    CorpusError
        If the file is compressed in a format the standard library cannot read (zstd, zip,
        7z), or cannot be opened.
    """
    try:
        with open(path, "rb") as probe:
            kind = compression_of(probe.read(HEAD_BYTES))
    except OSError as exc:
        raise CorpusError(f"Cannot read corpus file '{path}': {exc.strerror or exc}.") from None
    if kind is None:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    if kind not in READABLE:
        raise CorpusError(f"Corpus file '{path}' is {kind}-compressed, which w2v cannot read; "
                          f"decompress it, or give it as .gz, .bz2 or .xz.")
    return open_compressed(path, kind)


def text_encoding(path: Path, head: bytes) -> tuple[str, int]:
    """The encoding of a corpus file from its first bytes, and the BOM's length to skip.

    Raises
    ------
    CorpusError
        If the bytes hold NULs without a byte-order mark (UTF-16/32 without one, or binary).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    if head.count(0) > max(1, len(head) // 100):
        raise CorpusError(f"Corpus file '{path}' holds NUL bytes: it looks like UTF-16 or "
                          f"UTF-32 text without a byte-order mark, or a binary file. w2v reads "
                          f"UTF-8 text (convert it, e.g. iconv -f UTF-16 -t UTF-8).")
    return "utf-8", 0
