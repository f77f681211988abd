"""gensim's names for the word2vec files: ``save_word2vec_format`` and ``load_word2vec_format``.

The files are w2v's (:mod:`w2v.formats.word2vec_text`, :mod:`w2v.formats.word2vec_binary`);
this module maps gensim's arguments onto them, and reads and writes gensim's vocabulary file
(``fvocab``: one ``word count`` line per word, in row order), which carries the counts a
vectors file lacks. Arguments w2v does not implement are refused by name, never ignored.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.atomic import atomic_write
from w2v.dtypes import REAL
from w2v.errors import ConfigError, FormatError
from w2v.formats.paths import check_output_file
from w2v.formats.vectors_io import save_vectors

if TYPE_CHECKING:
    from w2v.vectors import Vectors


def save_word2vec_format(vectors: Vectors, fname: str | os.PathLike[str],
                         fvocab: str | os.PathLike[str] | None = None, binary: bool = False,
                         total_vec: int | None = None, write_header: bool = True,
                         prefix: str = "", append: bool = False,
                         sort_attr: str = "count") -> None:
    """Write ``vectors`` as gensim's ``KeyedVectors.save_word2vec_format`` does.

    Rows are written in descending ``sort_attr`` when the vectors carry that attribute
    (a trained model's counts: already their order), else in row order; ``fvocab`` also
    writes the counts. ``write_header=False`` writes a text file without the ``V D`` line
    (GloVe's layout).

    Raises
    ------
    ConfigError
        For ``prefix``, ``append`` or a ``total_vec`` other than the number of words (not
        implemented), or a binary file without header.
    """
    if prefix or append:
        raise ConfigError("The {prefix} and {append} options of save_word2vec_format are not "
                          "implemented: write the whole vectors to a new file.")
    if total_vec is not None and total_vec != len(vectors):
        raise ConfigError("The {total_vec} must be the number of words ({n}) or None.",
                          n=len(vectors))
    if binary and not write_header:
        raise ConfigError("A binary word2vec file always has its header: {write_header}=False "
                          "needs binary=False.")
    ordered = _in_order(vectors, sort_attr)
    if fvocab is not None:
        fvocab = check_output_file(fvocab, "vocabulary file")  # before the vectors are written
    save_vectors(ordered, fname, "binary" if binary else "text", header=write_header)
    if fvocab is not None:
        counts = [ordered.get_vecattr(word, "count") for word in ordered.index_to_key]
        with atomic_write(fvocab, "w", encoding="utf-8") as out:
            out.write("".join(f"{w} {c}\n" for w, c in zip(ordered.index_to_key, counts,
                                                           strict=True)))


def load_word2vec_format(fname: str | os.PathLike[str],
                         fvocab: str | os.PathLike[str] | None = None, binary: bool = False,
                         encoding: str = "utf8", unicode_errors: str = "strict",
                         limit: int | None = None, datatype: Any = REAL,
                         no_header: bool = False) -> Vectors:
    """Read a word2vec file as gensim's ``KeyedVectors.load_word2vec_format`` does.

    The format is sniffed from the content, so ``binary`` is only a hint (a text file read
    with ``binary=True`` is read as text). ``fvocab`` gives the words' counts
    (``get_vecattr(word, "count")``; a word it lacks counts 0).

    Raises
    ------
    ConfigError
        For an ``encoding`` other than UTF-8 or a ``datatype`` other than float32.
    FormatError
        For a malformed file (see :func:`w2v.formats.load_vectors`).
    """
    from w2v.vectors import Vectors

    if encoding.replace("-", "").replace("_", "").lower() != "utf8":
        raise ConfigError("The {encoding} must be UTF-8: word2vec files are UTF-8 (w2v reads "
                          "no other encoding). Got {got}.", got=repr(encoding))
    if np.dtype(datatype) != np.dtype(REAL):
        raise ConfigError("The {datatype} must be float32: w2v keeps vectors in float32 (cast "
                          "the matrix afterwards if another type is needed).")
    vectors = Vectors.load(fname, limit=limit or None, header=not no_header,  # 0: all, as gensim
                           unicode_errors=unicode_errors)
    if fvocab is not None:
        counts = _read_counts(fvocab)
        vectors.expandos["count"] = np.array([counts.get(w, 0) for w in vectors.index_to_key],
                                             dtype=np.int64)
    return vectors


def _in_order(vectors: Vectors, sort_attr: str) -> Vectors:
    """``vectors``, or a copy in descending ``sort_attr`` (stable) if not already so."""
    from w2v.vectors import Vectors

    values = vectors.expandos.get(sort_attr)
    if values is None or len(values) < 2 or bool((values[:-1] >= values[1:]).all()):
        return vectors
    order = np.argsort(-values, kind="stable")
    ordered = Vectors([vectors.index_to_key[i] for i in order.tolist()],
                      np.asarray(vectors.vectors)[order])
    ordered.expandos = {name: column[order] for name, column in vectors.expandos.items()}
    return ordered


def _read_counts(fvocab: str | os.PathLike[str]) -> dict[str, int]:
    """word -> count of a gensim vocabulary file (``word count`` lines)."""
    counts: dict[str, int] = {}
    try:
        with open(fvocab, encoding="utf-8") as lines:
            for line_no, line in enumerate(lines, start=1):
                fields = line.split()
                if not fields:
                    continue
                try:
                    if len(fields) != 2 or int(fields[1]) < 0:
                        raise ValueError
                except ValueError:
                    raise FormatError(f"{fvocab}, line {line_no}: expected 'word count', got "
                                      f"{line.strip()[:60]!r}.") from None
                counts[fields[0]] = int(fields[1])
    except OSError as exc:
        raise FormatError(f"Cannot read the vocabulary file '{fvocab}': "
                          f"{exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"{fvocab}: not UTF-8 text (byte {exc.start}).") from None
    return counts
