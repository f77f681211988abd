"""save_vectors and load_vectors: check the path and options, then call the format's module."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, FormatError
from w2v.formats.compression import open_decompressed
from w2v.formats.native import read_native, write_native
from w2v.formats.paths import check_input, check_output
from w2v.formats.sniff import refuse_non_vectors, sniff
from w2v.formats.word2vec_binary import read_binary, write_binary
from w2v.formats.word2vec_fields import UNICODE_ERRORS, check_keys_storable
from w2v.formats.word2vec_text import read_text, write_text
from w2v.validation import Choice, Int, check

if TYPE_CHECKING:
    from w2v.vectors import Vectors

FORMATS = ("text", "binary", "native", "fasttext")
_SNIFF_BYTES = 1024  # enough for every signature that sniff.refuse_non_vectors knows


# --- public entry points ------------------------------------------------------------------

def save_vectors(vectors: Vectors, path: str | os.PathLike[str], format: str = "text",
                 header: bool = True) -> None:
    """Write ``vectors`` to ``path`` in ``format`` ("text", "binary" or "native"), atomically.

    Parameters
    ----------
    vectors : Vectors
        The keys and their float32 (V, D) matrix.
    path : path-like
        The file to write; for "native", the folder to create or replace (a new folder, an
        empty one, or a native folder, which is replaced whole).
    format : {"text", "binary", "native"}
        See :mod:`w2v.formats`.
    header : bool
        text: write the ``V D`` line (False: GloVe's layout, read back with ``header=False``).

    Raises
    ------
    FormatError
        If ``format`` is unknown, or a key cannot be stored (empty, or containing whitespace,
        which the word2vec formats use as separators).
    OutputError
        If ``path`` is refused (see :func:`~w2v.formats.check_output`) or cannot be written;
        a previous file or folder at ``path`` is then left as it was.
    """
    path = check_output(path, format)
    if format == "fasttext":
        _save_fasttext(vectors, path)
        return
    keys = list(vectors.index_to_key)
    matrix = np.asarray(vectors.vectors, dtype=REAL)
    check_keys_storable(keys, format)
    if format == "text":
        write_text(keys, matrix, path, header)
    elif format == "binary":
        write_binary(keys, matrix, path)
    else:
        write_native(keys, matrix, path, vectors.expandos)


def load_vectors(path: str | os.PathLike[str], format: str | None = None,
                 limit: int | None = None, header: bool = True,
                 unicode_errors: str = "strict") -> Vectors:
    """Read vectors from ``path``.

    Parameters
    ----------
    path : path-like
        A word2vec text or binary file, plain or gzip / bzip2 / xz compressed (recognised by
        content, whatever the suffix), or a native folder.
    format : {"text", "binary", "native"} or None
        None detects the format from the content (see :func:`~w2v.formats.sniff.sniff`).
    limit : int or None
        Read only the first ``limit`` words (files are usually sorted by frequency).
    header : bool
        Whether a text file starts with the ``V D`` line. False reads GloVe-style files.
    unicode_errors : {"strict", "replace", "ignore"}
        How undecodable bytes in words are handled, as in :meth:`bytes.decode`. word2vec.c
        truncates long words at a byte boundary, which can split a UTF-8 character;
        "replace" reads such files.

    Returns
    -------
    Vectors
        Keys in file order and a float32 (V, D) matrix (memory-mapped for "native").

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    ConfigError
        If ``limit`` or ``unicode_errors`` is invalid.
    FormatError
        If the path is not a regular file or a folder, is recognisably not word vectors, or
        is malformed; the message names the file and the line or byte offset. A word that is
        not UTF-8 raises an error that is both (see
        :class:`~w2v.formats.word2vec_fields.UndecodableWordError`).
    """
    from w2v.vectors import Vectors

    limit = check("limit", limit, Int(low=0, optional=True))
    unicode_errors = check("unicode_errors", unicode_errors, Choice(UNICODE_ERRORS))
    path = check_input(path)
    found = sniff(path, header) if format is None else None
    format = found.format if found is not None else check_format(format)
    if path.is_dir() != (format == "native"):
        raise FormatError(f"'{path}' is a {'folder' if path.is_dir() else 'file'}, but the "
                          f"{format} format is a {'folder' if format == 'native' else 'file'}.")
    if format == "native":
        keys, matrix, attributes = read_native(path, limit)
        vectors = Vectors(keys, matrix)
        vectors.expandos.update(attributes)
        return vectors
    if format == "fasttext":
        if limit is not None:
            raise ConfigError("The {limit} does not apply to a fastText model, whose n-gram "
                              "rows are shared by all words; leave it out.")
        return _load_fasttext(path, found)
    with open_decompressed(path) as (stream, compression, size):
        if found is None:  # a forced format: still never parse a pickle or a zip as vectors
            refuse_non_vectors(stream.read(_SNIFF_BYTES), path, compression)
            stream.seek(0)
        if format == "binary":
            keys, matrix = read_binary(stream, path, limit, unicode_errors,
                                       size=None if compression else size)
        else:
            keys, matrix = read_text(stream, path, limit, header, unicode_errors)
    return Vectors(keys, matrix)


def _save_fasttext(vectors: Vectors, path: os.PathLike[str]) -> None:
    """A subword model as fastText's .bin; plain word vectors have no n-gram rows to write."""
    from w2v.formats.fasttext_bin import write_fasttext_bin
    from w2v.subword_vectors import SubwordVectors

    if not isinstance(vectors, SubwordVectors):
        raise FormatError("The fasttext format holds a subword model (word and n-gram rows); "
                          "these are plain word vectors. Train with subwords=True (w2v "
                          "train --subwords), or save them as text (fastText's .vec).")
    write_fasttext_bin(path, vectors.to_fasttext())


def _load_fasttext(path: os.PathLike[str], found: object) -> Vectors:
    """A fastText .bin model as SubwordVectors (uncompressed: its matrix is memory-mapped)."""
    from w2v.formats.fasttext_bin import read_fasttext_bin
    from w2v.subword_vectors import SubwordVectors

    if getattr(found, "compression", None):
        raise FormatError(f"{path}: a {found.compression}-compressed fastText model; "
                          f"decompress it first (w2v memory-maps fastText models).")
    return SubwordVectors.from_fasttext(read_fasttext_bin(path))


# --- shared checks ------------------------------------------------------------------------

def check_format(format: str) -> str:
    """Return ``format`` if it is one of :data:`FORMATS`, else raise :class:`FormatError`."""
    if format not in FORMATS:
        raise FormatError(f"The 'format' parameter must be one of {', '.join(FORMATS)}. "
                          f"Got {format!r} instead.")
    return format
