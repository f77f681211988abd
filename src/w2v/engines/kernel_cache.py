"""Drop numba's cached kernels when any kernel source changed, not only their own file.

numba (``cache=True``) keys a compiled function on the file that defines it only (its
modification time and size, or its contents in recent versions). A kernel that calls into
another module (``subword_kernels`` and ``numba_kernels`` call ``numba_hs`` and
``logistic``) has the callee compiled into it, so editing ``numba_hs.py`` left the callers'
cached machine code in use: old code, silently, in a source checkout or an editable install.
Here the sources of every kernel module are hashed together; when the hash differs from the
one stamped beside the cache, every cached kernel of these modules is deleted and compiles
again on first use.

This runs on every import of :mod:`w2v.engines` (hashing about 150 kB: well under a
millisecond) and never fails an import: a cache folder that cannot be read or written is left
to numba.

What it does not cover: a process that imported the engines before the edit and compiles
after it writes the old code back, stamped as fresh (restart such processes after editing
a kernel); and numba's user-wide cache folder, used when the package folder is read-only
(where its sources cannot be edited either).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# the modules whose functions numba compiles and caches, and that call one another
KERNEL_MODULES = ("logistic", "prefetch", "row_width", "numba_hs", "numba_kernels",
                  "subword_kernels", "row_scores", "token_kernels")
STAMP = "w2v-kernel-sources.sha256"


def sources_digest(folder: Path) -> str:
    """SHA-256 of the kernel modules' sources in ``folder``, in KERNEL_MODULES order."""
    digest = hashlib.sha256()
    for name in KERNEL_MODULES:
        path = folder / f"{name}.py"
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def cache_folders(folder: Path) -> list[Path]:
    """Where numba caches the kernels of ``folder``: ``__pycache__`` beside them, and its
    folder under ``NUMBA_CACHE_DIR`` when that is set.

    The second is named as numba's ``_CacheLocator.get_suitable_cache_subpath`` names it: the
    folder's name, ``_``, and the SHA-1 of its absolute path (computed here rather than
    imported, so that importing the engines does not import numba).
    """
    places = [folder / "__pycache__"]
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        absolute = os.path.abspath(folder)
        hashed = hashlib.sha1(absolute.encode()).hexdigest()
        places.append(Path(os.path.abspath(chosen)) / f"{os.path.basename(absolute)}_{hashed}")
    return places


def drop_stale(folder: Path, cache: Path, digest: str | None = None) -> bool:
    """Delete the cached kernels in ``cache`` if ``folder``'s sources changed since the stamp.

    ``digest`` is :func:`sources_digest` of ``folder`` when the caller has it already.
    Returns whether anything was dropped. A missing stamp with no cached kernels is only
    stamped (a fresh install or cache folder).
    """
    digest = digest or sources_digest(folder)
    stamp = cache / STAMP
    try:
        if stamp.is_file() and stamp.read_bytes().strip() == digest.encode():
            return False
        cached = [path for name in KERNEL_MODULES for pattern in (f"{name}.*.nbi",
                                                                   f"{name}.*.nbc")
                  for path in cache.glob(pattern)]
        for path in cached:
            path.unlink(missing_ok=True)
        # created now if numba has not yet: kernels it caches later must find the stamp, or
        # the next import would take them for stale
        cache.mkdir(parents=True, exist_ok=True)
        # another process may read the stamp meanwhile: it sees the old one or the new one
        partial = cache / f"{STAMP}.{os.getpid()}"
        partial.write_text(digest + "\n")
        os.replace(partial, stamp)
        return bool(cached)
    except OSError:
        return False  # a read-only or vanished cache: numba decides


def drop_stale_kernel_caches() -> None:
    """:func:`drop_stale` for this package's kernels, in every cache folder numba may use."""
    folder = Path(os.path.dirname(os.path.abspath(__file__)))  # as numba names it
    try:
        digest = sources_digest(folder)
        for cache in cache_folders(folder):
            drop_stale(folder, cache, digest)
    except OSError:
        pass
