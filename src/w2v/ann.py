"""Approximate nearest neighbours: an HNSW graph over the unit vectors, through faiss.

Exact search scores every row (:mod:`w2v.search`): O(V D) a query, 30-50 ms for a million
300-D words. An HNSW graph (Malkov & Yashunin 2016) visits a few thousand rows instead. The
index is faiss's ``IndexHNSWFlat`` with inner products over unit vectors (= cosines); faiss
is an optional dependency, ``pip install 'w2v[ann]'``. docs/benchmarks.md says why faiss
(against hnswlib and usearch) and what it gives: recall and speed on trained vectors, and
why no approximate index does well on random vectors.

The graph only proposes candidates: their cosines are computed again from the vectors and
they are ranked by those, so a word the index finds has the score exact search gives it (up
to float rounding). What the index can do is miss a word (recall below 1); raise
``ef_search`` to miss fewer, at some speed.

An index is built once (:meth:`AnnIndex.build`, minutes for a million words) and saved
beside the vectors as ``PATH.ann`` (one file, written atomically): a JSON header line
(library, parameters, V, D, and the size and modification time of the vectors file it was
built from), then faiss's serialised index. :meth:`Vectors.ann_index` loads it when it
matches the file and builds (and saves) it otherwise.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.dtypes import REAL
from w2v.errors import ConfigError, FormatError, MissingExtraError, OutputError
from w2v.search import BLOCK_ROWS

if TYPE_CHECKING:
    from w2v.vectors import Vectors

SUFFIX = ".ann"
FORMAT = "w2v-ann"
VERSION = 1
# HNSW parameters: M links a node (memory: ~8 M bytes a word beside the 4 D of its vector),
# efConstruction candidates while building (build time vs graph quality), efSearch while
# searching. On 81,000 trained 100-D vectors 32/200 gives recall@10 0.99 at efSearch 64 and
# 0.998 at 128 (docs/benchmarks.md); 128 leaves room for larger, harder vocabularies.
DEFAULT_M = 32
DEFAULT_EF_CONSTRUCTION = 200
DEFAULT_EF_SEARCH = 128


def _faiss():
    """The faiss module, or a MissingExtraError (an ImportError) naming the extra to install."""
    try:
        import faiss
    except ImportError:
        raise MissingExtraError("Approximate search needs faiss: pip install 'w2v[ann]' "
                                "(faiss-cpu).") from None
    return faiss


class AnnIndex:
    """An HNSW index over the unit vectors of a :class:`~w2v.vectors.Vectors`.

    Build with :meth:`build` or read with :meth:`load`; ask with :meth:`most_similar`.

    Attributes
    ----------
    ef_search : int
        Candidates explored a query: higher finds more of the true neighbours, slower.
    """

    def __init__(self, vectors: Vectors, index: Any, header: dict[str, Any]) -> None:
        self.vectors = vectors
        self.index = index
        self.header = header
        self.ef_search = int(header.get("ef_search", DEFAULT_EF_SEARCH))

    @classmethod
    def build(cls, vectors: Vectors, m: int = DEFAULT_M,
              ef_construction: int = DEFAULT_EF_CONSTRUCTION,
              ef_search: int = DEFAULT_EF_SEARCH, threads: int | None = None) -> AnnIndex:
        """Build the index of ``vectors`` (rows added block by block, as unit vectors).

        Parameters
        ----------
        vectors : Vectors
        m, ef_construction, ef_search : int
            HNSW's M, efConstruction and efSearch (see the module constants).
        threads : int or None
            Threads for the build (None: faiss's default, every core).

        Raises
        ------
        MissingExtraError
            If faiss is not installed (an ImportError).
        ConfigError
            If a parameter is not a positive int.
        """
        for name, value in (("m", m), ("ef_construction", ef_construction),
                            ("ef_search", ef_search)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError("The {" + name + "} must be a positive int. Got {got} "
                                  "instead.", got=repr(value))
        faiss = _faiss()
        index = faiss.IndexHNSWFlat(vectors.vector_size, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        before = faiss.omp_get_max_threads()
        if threads is not None:
            faiss.omp_set_num_threads(threads)
        try:
            for start in range(0, len(vectors), BLOCK_ROWS):
                # rows holding NaN or inf go in as zeros (a row number must stay a row
                # number); their exact score is NaN, so they are dropped from every answer
                block = vectors.unit_rows(slice(start, start + BLOCK_ROWS))
                index.add(np.ascontiguousarray(np.nan_to_num(block, nan=0.0), dtype=REAL))
        finally:
            faiss.omp_set_num_threads(before)  # the caller's setting, for its other searches
        header = {"format": FORMAT, "version": VERSION, "library": "faiss",
                  "library_version": faiss.__version__, "index": "IndexHNSWFlat",
                  "metric": "inner_product", "count": len(vectors), "dim": vectors.vector_size,
                  "m": m, "ef_construction": ef_construction, "ef_search": ef_search}
        return cls(vectors, index, header)

    def most_similar(self, query: np.ndarray, topn: int = 10,
                     exclude: set[int] = frozenset()) -> list[tuple[str, float]]:
        """The ``topn`` words the index finds nearest to ``query`` (D,), best first.

        Scores are the exact cosines; rows in ``exclude`` (the query words) are left out.
        """
        faiss = _faiss()
        unit = np.asarray(query, dtype=REAL) / max(float(np.linalg.norm(query)), 1e-30)
        wanted = min(topn + len(exclude), len(self.vectors))
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(self.ef_search, wanted)
        # one query is one thread's work: waking faiss's OpenMP team for it costs more than
        # the search itself when the cores are busy (measured 3-4x on a shared machine)
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            _, found = self.index.search(unit[None], wanted, params=params)  # (1, wanted)
        finally:
            faiss.omp_set_num_threads(threads)
        rows = [i for i in found[0].tolist() if i >= 0 and i not in exclude]
        if not rows:
            return []
        # exact cosines of the candidates, computed as exact search computes them
        scores = self.vectors.cosines(unit[None], None, rows=rows)[0]
        order = np.argsort(-scores, kind="stable")
        return [(self.vectors.index_to_key[rows[i]], float(scores[i])) for i in order.tolist()
                if not np.isnan(scores[i])][:topn]

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], source: str | os.PathLike[str] | None = None
             ) -> None:
        """Write the index to ``path`` atomically, with the fingerprint of ``source`` (a file)."""
        from w2v.atomic import atomic_write

        header = dict(self.header, ef_search=self.ef_search,
                      source=fingerprint(source) if source is not None else None)
        data = _faiss().serialize_index(self.index)  # uint8 array
        with atomic_write(path, "wb") as out:
            out.write(json.dumps(header).encode() + b"\n")
            out.write(memoryview(data))

    @classmethod
    def load(cls, path: str | os.PathLike[str], vectors: Vectors,
             source: str | os.PathLike[str] | None = None) -> AnnIndex:
        """Read an index saved by :meth:`save` for ``vectors``.

        Raises
        ------
        FormatError
            If the file is not an index, or was built for other vectors (another V or D,
            or, when ``source`` is given, another version of the vectors file).
        """
        path = Path(path)
        with open(path, "rb") as handle:
            first = handle.readline(1 << 16)
            try:
                header = json.loads(first)
                ok = header.get("format") == FORMAT and header.get("version") <= VERSION
            except (ValueError, TypeError, AttributeError):
                ok = False
            if not ok:
                raise FormatError(f"{path}: not a w2v approximate index.")
            data = np.frombuffer(handle.read(), dtype=np.uint8)
        wanted = {"count": len(vectors), "dim": vectors.vector_size}
        if source is not None:
            wanted["source"] = fingerprint(source)
        stale = [k for k, v in wanted.items() if header.get(k) != v]
        if stale:
            raise FormatError(f"{path}: built for other vectors ({', '.join(stale)} differ); "
                              f"build it again.")
        try:
            index = _faiss().deserialize_index(data)
        except RuntimeError:  # faiss's error for bytes it cannot read
            raise FormatError(f"{path}: the index is damaged; build it again.") from None
        return cls(vectors, index, header)


def fingerprint(source: str | os.PathLike[str]) -> dict[str, int]:
    """Size and modification time (ns) of a vectors file (of the matrix of a native folder)."""
    from w2v.formats.native import NATIVE_MATRIX

    path = Path(source)
    stat = (path / NATIVE_MATRIX if path.is_dir() else path).stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def index_path(source: str | os.PathLike[str]) -> Path:
    """Where the index of a vectors file or folder lives: ``PATH.ann`` beside it."""
    path = Path(source)
    return path.with_name(path.name + SUFFIX)


def index_for(vectors: Vectors, source: str | os.PathLike[str] | None,
              **options: Any) -> AnnIndex:
    """The index of ``vectors`` loaded from beside ``source``, else built (and saved there).

    A stale or unreadable index is rebuilt; an index that cannot be saved (a read-only
    folder) is kept in memory with a warning.
    """
    if source is None:
        return AnnIndex.build(vectors, **options)
    path = index_path(source)
    if path.is_file():
        try:
            return AnnIndex.load(path, vectors, source)
        except FormatError:
            pass  # stale or damaged: build it again below, and replace it
    index = AnnIndex.build(vectors, **options)
    try:
        index.save(path, source)
    except OutputError as exc:
        warnings.warn(f"the approximate index was built but not saved: {exc}", stacklevel=3)
    return index
