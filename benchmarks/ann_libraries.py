"""hnswlib, faiss and usearch side by side: the same HNSW graph over the same unit vectors.

Each library builds an HNSW index (M = 32, efConstruction = 200, ``--threads`` threads) over
the unit vectors of a vectors file (or ``random:N`` Gaussian rows of 300 dimensions), then
answers 200 of its words (one thread, the library's own search call, no w2v code around it)
at efSearch 64 and 256. Reported: build time, recall@11 against exact search (the word itself
is one of the 11), median latency, peak RSS. Run one library a process, so that their peaks
are their own:

    python benchmarks/ann_libraries.py VECTORS faiss|hnswlib|usearch [--threads 2]

Only the installed libraries can be measured (``pip install faiss-cpu hnswlib usearch``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from w2v.vectors import Vectors  # noqa: E402

M, EF_CONSTRUCTION, QUERIES = 32, 200, 200


def unit_rows(source: str) -> np.ndarray:
    """The unit vectors of a file, or of ``random:N`` Gaussian 300-D rows; float32 (V, D)."""
    if source.startswith("random:"):
        rows = np.random.default_rng(1).standard_normal((int(source[7:]), 300), dtype=np.float32)
    else:
        rows = np.array(Vectors.load(source).vectors)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-30)


def build(library: str, rows: np.ndarray, threads: int):
    """Build the library's index; return ``search(query, k, ef) -> row ids``."""
    count, dim = rows.shape
    if library == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(count, M=M, ef_construction=EF_CONSTRUCTION)
        index.set_num_threads(threads)
        index.add_items(rows)
        index.set_num_threads(1)

        def search(query, k, ef):
            index.set_ef(ef)
            return index.knn_query(query, k)[0][0]
    elif library == "faiss":
        import faiss

        faiss.omp_set_num_threads(threads)
        index = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.add(rows)
        faiss.omp_set_num_threads(1)

        def search(query, k, ef):
            index.hnsw.efSearch = ef
            return index.search(query[None], k)[1][0]
    elif library == "usearch":
        from usearch.index import Index

        index = Index(ndim=dim, metric="ip", dtype="f32", connectivity=M,
                      expansion_add=EF_CONSTRUCTION)
        index.add(np.arange(count), rows, threads=threads)

        def search(query, k, ef):
            index.expansion_search = ef
            return index.search(query, k, threads=1).keys
    else:
        raise SystemExit(f"unknown library {library!r}: faiss, hnswlib or usearch")
    return search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors")
    parser.add_argument("library")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rows = unit_rows(args.vectors)
    queries = rows[np.random.default_rng(0).choice(len(rows), QUERIES, replace=False)]
    truth = [set(np.argpartition(-(rows @ q), 11)[:11].tolist()) for q in queries]
    start = time.perf_counter()
    search = build(args.library, rows, args.threads)
    build_s = time.perf_counter() - start
    for ef in (64, 256):
        recall, latency = [], []
        for query, exact in zip(queries, truth, strict=True):
            t0 = time.perf_counter()
            found = search(query, 11, ef)
            latency.append(time.perf_counter() - t0)
            recall.append(len(set(np.asarray(found).tolist()) & exact) / 11)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.library} {Path(args.vectors).name} {rows.shape[0]}x{rows.shape[1]} "
              f"build {build_s:.1f} s, efSearch {ef}: recall@11 {np.mean(recall):.3f}, "
              f"median {np.median(latency) * 1e3:.3f} ms, peak RSS {peak:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
