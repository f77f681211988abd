"""Approximate nearest neighbours over the unit vectors, through faiss: two methods.

Exact search scores every row (:mod:`w2v.search`): O(V D) a query, about 41 ms for a million
300-D words on one core (the whole matrix read from memory). faiss (an optional dependency,
``pip install 'w2v[ann]'``) gives two ways to ask less of the memory:

``method="pq"`` (the default)
    A product-quantised scan (Jégou et al. 2011) with faiss's 4-bit fast-scan kernels
    (``IndexPQFastScan``). Each unit vector is cut into ``codes`` pieces of 1 to 3 numbers
    (the build measures which), and each piece stored as one of 16 centroids: 4 bits for 4 to
    12 bytes, D/6 to D/2 bytes a word (50 to 150 for D = 300). A query scores every code from
    a table in the CPU's vector registers, which reads an 8th to a 24th of the bytes exact
    search reads, and the ``rerank`` best are then scored exactly. The build is seconds for
    a million words (k-means on a sample, then encoding), and the index is small beside the
    vectors. A large index is scanned on every core at once, as shards (:mod:`w2v.ann_shards`).
``method="hnsw"``
    An HNSW graph (Malkov & Yashunin 2016, ``IndexHNSWFlat``): a query visits a few thousand
    rows, O(log V), the fastest on trained vectors. But the build is slower (7 s for 81,000
    trained 100-D words on two quiet cores, 49 s for 100,000 random 300-D ones, and many
    times that on busy cores), the graph holds its own copy of the vectors (4 D + 8 M bytes a
    word), and on vectors without neighbourhoods it must visit most of the set.

docs/benchmarks.md says why faiss (against hnswlib and usearch) and what each method gives:
recall and speed on trained vectors and on a million random ones, build time and memory.

Either index only proposes candidates: their cosines are computed again from the vectors and
they are ranked by those, so a word the index finds has the score exact search gives it (up
to float rounding). What the index can do is miss a word (recall below 1); raise ``rerank``
(pq) or ``ef_search`` (hnsw) to miss fewer, at some speed. Both are query-time settings.

An index is built once (:meth:`AnnIndex.build`) and saved beside the vectors as ``PATH.ann``
(one file, written atomically): a JSON header line (library, method, parameters, V, D, and
the size and modification time of the vectors file it was built from), then faiss's
serialised index. :meth:`Vectors.ann_index` loads it when it matches the file and builds
(and saves) it otherwise.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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
# 2: the method and its parameters in the header (version 1 files are HNSW indexes)
VERSION = 2
METHODS = ("pq", "hnsw")
DEFAULT_METHOD = "pq"
# pq: the codings tried, in numbers of a vector per 4-bit code. 3 is the fastest on a million
# random 300-D unit vectors (the worst case: no neighbourhoods; recall@10 0.97 with 2,000
# candidates re-scored, where 4 needed 10,000); 1 on trained vectors whose rare words nearly
# coincide (docs/benchmarks.md). The build keeps the faster at the target recall.
NUMBERS_PER_CODE = (3, 2, 1)
# pq: the fewest candidates re-scored exactly (the probe raises it until recall is reached)
MIN_RERANK = 500
# pq: rows the codebooks are trained on (k-means of 16 centroids a code: a few thousand rows
# are plenty; more only slows the build)
TRAIN_ROWS = 65_536
# HNSW parameters: M links a node (memory: ~8 M bytes a word beside the 4 D of its vector),
# efConstruction candidates while building (build time vs graph quality), efSearch while
# searching. On 81,000 trained 100-D vectors 32/200 gives recall@10 0.99 at efSearch 64 and
# 0.998 at 128 (docs/benchmarks.md); 128 leaves room for larger, harder vocabularies.
DEFAULT_M = 32
DEFAULT_EF_CONSTRUCTION = 200
DEFAULT_EF_SEARCH = 128
# pq: the cost model of a query (query_cost_ms), measured on AMD EPYC, one thread: faiss's
# fast scan reads 18 ps a code a word (memory-bound, ~28 GB/s, as exact search), and each
# candidate costs 135 ns to keep plus 0.32 ns a number to re-score
SCAN_NS_PER_CODE = 0.018
SCAN_BYTES_PER_NS = 28.0
CANDIDATE_NS = 135.0
CANDIDATE_NS_PER_NUMBER = 0.32
# the parameters each method takes (the others are refused: they would be ignored)
PARAMETERS = {"pq": ("codes", "rerank"), "hnsw": ("m", "ef_construction", "ef_search")}


def _faiss():
    """The faiss module, or a MissingExtraError (an ImportError) naming the extra to install."""
    try:
        import faiss
    except ImportError:
        raise MissingExtraError("Approximate search needs faiss: pip install 'w2v[ann]' "
                                "(faiss-cpu).") from None
    return faiss


@contextmanager
def _faiss_threads(faiss: Any, threads: int | None) -> Iterator[None]:
    """faiss's OpenMP threads set to ``threads`` inside (None: unchanged), restored after."""
    before = faiss.omp_get_max_threads()
    if threads is not None:
        faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)  # the caller's setting, for its other searches


class AnnIndex:
    """An approximate index over the unit vectors of a :class:`~w2v.vectors.Vectors`.

    Build with :meth:`build` or read with :meth:`load`; ask with :meth:`most_similar`.

    Attributes
    ----------
    method : str
        ``"pq"`` or ``"hnsw"`` (see the module docstring).
    rerank : int
        pq: candidates re-scored exactly a query; higher finds more of the true neighbours.
    ef_search : int
        hnsw: candidates explored a query; higher finds more of the true neighbours.
    search_threads : int or None
        pq: threads one query's scan may use (None: every core this process may run on). A
        large index is scanned as that many shards at once (:mod:`w2v.ann_shards`).
    """

    def __init__(self, vectors: Vectors, index: Any, header: dict[str, Any]) -> None:
        self.vectors = vectors
        self.index = index
        self.header = header
        self.search_threads: int | None = None
        self._shards: tuple[int, Any] | None = None  # (count, the sharded index) once asked
        self.method = header.get("method", "hnsw")  # version 1 files hold HNSW graphs
        self.rerank = int(header.get("rerank") or MIN_RERANK)
        self.ef_search = int(header.get("ef_search") or DEFAULT_EF_SEARCH)
        # pq codes cut the vector into equal pieces: zeros pad it to a multiple of them
        self.padded_dim = int(header.get("padded_dim") or header["dim"])

    @classmethod
    def build(cls, vectors: Vectors, method: str = DEFAULT_METHOD, threads: int | None = None,
              **parameters: int) -> AnnIndex:
        """Build the index of ``vectors`` (rows added block by block, as unit vectors).

        Parameters
        ----------
        vectors : Vectors
        method : {"pq", "hnsw"}
            The kind of index (see the module docstring).
        threads : int or None
            Threads for the build (None: faiss's default, every core).
        **parameters : int
            pq: ``codes`` (4-bit codes a vector) and ``rerank`` (candidates re-scored);
            measured when not given (:func:`_build_pq`). hnsw: ``m``, ``ef_construction`` and
            ``ef_search`` (see the module constants).

        Raises
        ------
        MissingExtraError
            If faiss is not installed (an ImportError).
        ConfigError
            If the method is unknown, a parameter belongs to the other method, or a value is
            not a positive int.
        """
        _check_parameters(method, parameters, vectors.vector_size)
        faiss = _faiss()
        builder = _build_pq if method == "pq" else _build_hnsw
        with _faiss_threads(faiss, threads):
            index, settings = builder(faiss, vectors, **parameters)
        header = {"format": FORMAT, "version": VERSION, "library": "faiss",
                  "library_version": faiss.__version__, "method": method,
                  "metric": "inner_product", "count": len(vectors),
                  "dim": vectors.vector_size, **settings}
        return cls(vectors, index, header)

    def most_similar(self, query: np.ndarray, topn: int = 10,
                     exclude: set[int] = frozenset()) -> list[tuple[str, float]]:
        """The ``topn`` words the index finds nearest to ``query`` (D,), best first.

        Scores are the exact cosines; rows in ``exclude`` (the query words) are left out.
        """
        if not len(self.vectors):
            return []
        unit = np.asarray(query, dtype=REAL) / max(float(np.linalg.norm(query)), 1e-30)
        rows = self._candidates(unit, min(topn + len(exclude), len(self.vectors)))
        best, scores = self.vectors.nearest_of(unit, rows, topn, exclude)
        words = self.vectors.index_to_key
        return [(words[row], score) for row, score in zip(best.tolist(), scores.tolist(),
                                                          strict=True)]

    def _candidates(self, unit: np.ndarray, wanted: int) -> np.ndarray:
        """The rows the index proposes for the unit query (D,), sorted (int64 (K,)); -1 where
        it found fewer (:meth:`Vectors.nearest_of` leaves those out).

        Every row when it would be asked for all of them: asking could only lose some
        (faiss's fast scan returns fewer than k results when many coded scores tie).
        """
        count = len(self.vectors)
        asked = min(max(self.rerank, wanted), count) if self.method == "pq" else wanted
        if asked >= count:
            return np.arange(count)
        faiss = _faiss()
        if self.method == "pq":
            query, params = _padded(unit[None], self.padded_dim), None
        else:
            query, params = unit[None], faiss.SearchParametersHNSW()
            params.efSearch = max(self.ef_search, wanted)
        # faiss's OpenMP team splits a batch of queries, and one query is one thread's work:
        # waking the team for it costs more than the search itself when the cores are busy
        # (measured 3-4x on a shared machine). A large pq index is split into shards instead.
        with _faiss_threads(faiss, 1):
            _, found = self._searcher(faiss).search(query, asked, params=params)  # (1, asked)
        # in row order: the exact scores then read the matrix in order (0.16 against 0.18 ms
        # for 1,529 candidates of a million 300-D rows, the sort included)
        return np.sort(found[0])

    def _searcher(self, faiss: Any) -> Any:
        """The faiss index a query searches: the index, or its shards (pq, large enough)."""
        from w2v.ann_shards import shard_count, sharded, usable_cores

        if self.method != "pq":
            return self.index
        threads = self.search_threads if self.search_threads is not None else usable_cores()
        parts = shard_count(self.index.ntotal, max(1, int(threads)))
        if parts == 1:
            return self.index
        if self._shards is None or self._shards[0] != parts:
            self._shards = (parts, sharded(faiss, self.index, parts))
        return self._shards[1]

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], source: str | os.PathLike[str] | None = None
             ) -> None:
        """Write the index to ``path`` atomically, with the fingerprint of ``source`` (a file)."""
        from w2v.atomic import atomic_write

        setting = {"rerank": self.rerank} if self.method == "pq" else \
            {"ef_search": self.ef_search}  # the query-time setting, as it is now
        header = dict(self.header, **setting,
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
                ok = header.get("format") == FORMAT and int(header.get("version")) >= 1
            except (ValueError, TypeError, AttributeError):
                ok = False
            if not ok:
                raise FormatError(f"{path}: not a w2v approximate index.")
            if header["version"] > VERSION:
                raise FormatError(f"{path}: an approximate index of version "
                                  f"{header['version']}, written by a newer w2v (this one "
                                  f"reads up to {VERSION}); upgrade w2v or build it again.")
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
        # the header and the index must agree: a row number beyond V would be read from
        # outside the matrix
        if index.ntotal != len(vectors) or index.d != int(header.get("padded_dim") or
                                                           header["dim"]):
            raise FormatError(f"{path}: the index does not match its header (damaged or "
                              f"edited); build it again.")
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

    A stale or unreadable index is rebuilt, and so is one built with another method or other
    build parameters than ``options`` name; an index that cannot be saved (a read-only
    folder) is kept in memory with a warning.
    """
    if source is None:
        return AnnIndex.build(vectors, **options)
    path = index_path(source)
    if path.is_file():
        try:
            saved = AnnIndex.load(path, vectors, source)
        except FormatError:
            saved = None  # stale or damaged: build it again below, and replace it
        if saved is not None and built_as_asked(saved, options):
            return saved
    index = AnnIndex.build(vectors, **options)
    try:
        index.save(path, source)
    except OutputError as exc:
        warnings.warn(f"the approximate index was built but not saved: {exc}", stacklevel=3)
    return index


def _check_parameters(method: str, parameters: dict[str, Any], dim: int) -> None:
    """Refuse an unknown method, the other method's parameters, and non-positive values."""
    if method not in METHODS:
        raise ConfigError("The {method} must be one of {allowed}. Got {got} "
                          "instead.",
                          allowed=", ".join(repr(m) for m in METHODS), got=repr(method),
                          parameter="method")
    for name, value in parameters.items():
        if name not in PARAMETERS[method]:
            owner = [m for m, names in PARAMETERS.items() if name in names]
            hint = f"it applies to method={owner[0]!r}" if owner else "it is not a parameter"
            raise ConfigError("The {" + name + "} does not apply to method="
                              f"{method!r}: {hint}.")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError("The {" + name + "} must be a positive int. Got {got} instead.",
                              got=repr(value))
    if parameters.get("codes", 1) > dim:
        raise ConfigError("The {codes} must be at most the dimension ({dim}). Got {got} "
                          "instead.", dim=dim, got=parameters["codes"])


def _padded(block: np.ndarray, width: int) -> np.ndarray:
    """``block`` (k, D) with zero columns added up to ``width``, C-contiguous float32."""
    if block.shape[1] == width:
        return np.ascontiguousarray(block, dtype=REAL)
    out = np.zeros((block.shape[0], width), dtype=REAL)
    out[:, :block.shape[1]] = block
    return out


def _unit_blocks(vectors: Vectors, width: int) -> Iterator[np.ndarray]:
    """The unit rows of ``vectors``, BLOCK_ROWS at a time, padded to ``width`` columns.

    Rows holding NaN or inf go in as zeros (a row number must stay a row number); their exact
    score is NaN, so they are dropped from every answer.
    """
    for start in range(0, len(vectors), BLOCK_ROWS):
        block = vectors.unit_rows(slice(start, start + BLOCK_ROWS))
        yield _padded(np.nan_to_num(block, nan=0.0), width)


def _training_sample(vectors: Vectors) -> np.ndarray:
    """Unit rows to train the pq codebooks on (k, D): a seeded sample of TRAIN_ROWS rows.

    A small vocabulary is topped up with random unit rows to 1,024, so that k-means has the
    points its 16 centroids a code need (its answers are re-scored exactly in any case).
    """
    rng = np.random.default_rng(0)
    count = len(vectors)
    rows = np.sort(rng.choice(count, TRAIN_ROWS, replace=False)) if count > TRAIN_ROWS \
        else slice(None)
    sample = np.nan_to_num(vectors.unit_rows(rows), nan=0.0)
    if len(sample) < 1024:
        extra = rng.standard_normal((1024 - len(sample), sample.shape[1])).astype(REAL)
        sample = np.vstack([sample, extra / np.linalg.norm(extra, axis=1, keepdims=True)])
    return sample


def _build_pq(faiss: Any, vectors: Vectors, codes: int | None = None,
              rerank: int | None = None) -> tuple[Any, dict[str, Any]]:
    """A 4-bit fast-scan product quantiser of the unit vectors, and its header settings.

    What is not given is measured (:mod:`w2v.ann_probe`): each coding of NUMBERS_PER_CODE
    is built and given the fewest candidates that reach the target recall on probe words
    (or, with ``rerank`` given, measured at it), and of the codings that reach the target the
    one with the cheapest query (:func:`query_cost_ms`) is kept; if none does, the one with
    the highest recall. The candidates stop growing where a query would cost more than exact
    search. The choice depends on the vectors only, never on the machine's load, so a build
    is reproducible. The header records the probe's recall.
    """
    dim, count = vectors.vector_size, len(vectors)
    sample = _training_sample(vectors)
    if count <= MIN_RERANK and rerank is None:  # every row re-scored: nothing can be missed
        codes, rerank = codes or math.ceil(dim / NUMBERS_PER_CODE[0]), count
    if codes is not None and rerank is not None:
        return _pq_index(faiss, vectors, sample, codes), _pq_settings(vectors, codes, rerank)
    from w2v.ann_probe import TARGET_RECALL, Probe

    probe = Probe(vectors)
    best: tuple[bool, float, float, Any, dict[str, Any]] | None = None  # met, recall, -cost
    for tried in [codes] if codes else sorted({math.ceil(dim / n) for n in NUMBERS_PER_CODE}):
        if best is not None and best[0] and \
                query_cost_ms(count, dim, tried, rerank or MIN_RERANK) >= -best[2]:
            break  # finer codings only cost more to scan: none can beat the best any more
        index = _pq_index(faiss, vectors, sample, tried)
        settings = _pq_settings(vectors, tried, rerank)
        queries = _padded(probe.queries, settings["padded_dim"])
        limit = rerank or _rerank_limit(count, dim, tried)
        settings["rerank"], recall = probe.smallest_rerank(
            index, queries, vectors, rerank or MIN_RERANK, limit)
        settings["probe"] = {"words": len(probe.rows), "recall_at_10": round(recall, 4)}
        cost = query_cost_ms(count, dim, tried, settings["rerank"])
        ranked = (recall >= TARGET_RECALL, recall if recall < TARGET_RECALL else 0.0, -cost)
        if best is None or ranked > best[:3]:
            best = (*ranked, index, settings)
    assert best is not None
    return best[3], best[4]


def _rerank_limit(count: int, dim: int, codes: int) -> int:
    """The most candidates worth re-scoring: beyond it a query costs more than exact search
    (a scan of the float32 matrix, 4 D bytes a word at the scan's bandwidth)."""
    exact_ns = count * dim * 4 / SCAN_BYTES_PER_NS
    spare_ns = exact_ns - count * codes * SCAN_NS_PER_CODE
    return int(min(count, max(MIN_RERANK, spare_ns / (CANDIDATE_NS + CANDIDATE_NS_PER_NUMBER
                                                                    * dim))))


def query_cost_ms(count: int, dim: int, codes: int, rerank: int) -> float:
    """Estimated time of one pq query, ms: the scan of every code, then each candidate.

    From faiss's fast scan on a million words and 100 codes (1.8 ms, memory-bound: 18 ps a
    code a word) and from re-scoring 2,000 300-D candidates (0.19 ms) plus faiss keeping them
    (0.27 ms); AMD EPYC, one thread, docs/benchmarks.md.
    """
    scan_ns = count * codes * SCAN_NS_PER_CODE
    candidate_ns = rerank * (CANDIDATE_NS + CANDIDATE_NS_PER_NUMBER * dim)
    return (scan_ns + candidate_ns) / 1e6


def _pq_index(faiss: Any, vectors: Vectors, sample: np.ndarray, codes: int) -> Any:
    """faiss's IndexPQFastScan of ``codes`` 4-bit codes, trained on ``sample``, all rows added."""
    width = codes * math.ceil(vectors.vector_size / codes)
    index = faiss.IndexPQFastScan(width, codes, 4, faiss.METRIC_INNER_PRODUCT)
    index.train(_padded(sample, width))
    for block in _unit_blocks(vectors, width):
        index.add(block)
    return index


def _pq_settings(vectors: Vectors, codes: int, rerank: int | None) -> dict[str, Any]:
    """The header entries of a pq index of ``codes`` codes (``rerank`` None: not chosen yet)."""
    return {"index": "IndexPQFastScan", "codes": codes, "bits": 4,
            "padded_dim": codes * math.ceil(vectors.vector_size / codes), "rerank": rerank}


def _build_hnsw(faiss: Any, vectors: Vectors, m: int = DEFAULT_M,
                ef_construction: int = DEFAULT_EF_CONSTRUCTION,
                ef_search: int = DEFAULT_EF_SEARCH) -> tuple[Any, dict[str, Any]]:
    """An HNSW graph over the unit vectors, and its header settings."""
    index = faiss.IndexHNSWFlat(vectors.vector_size, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    for block in _unit_blocks(vectors, vectors.vector_size):
        index.add(block)
    return index, {"index": "IndexHNSWFlat", "m": m, "ef_construction": ef_construction,
                   "ef_search": ef_search}


def built_as_asked(index: AnnIndex, options: dict[str, Any]) -> bool:
    """Whether a saved index has the method and build parameters ``options`` ask for.

    Query-time settings (``rerank``, ``ef_search``) are not build parameters: a saved index
    takes the asked value instead.
    """
    if options.get("method", index.method) != index.method:
        return False
    asked = {k: v for k, v in options.items() if k in ("rerank", "ef_search")}
    _check_parameters(index.method, asked, index.vectors.vector_size)  # the other's: refused
    for name, value in asked.items():
        setattr(index, name, value)
    built = {k: v for k, v in options.items() if k not in ("method", "threads", "rerank",
                                                               "ef_search")}
    return all(index.header.get(k) == v for k, v in built.items())
