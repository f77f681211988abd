"""One query's product-quantised scan on several cores: the codes cut into shards.

faiss's fast scan (``IndexPQFastScan``) runs one query on one thread: its threads split a
batch of queries, and ``most_similar`` asks one. Its scan reads every code of the index from
memory, and one core does not draw all the memory bandwidth there is: on a million 300-D
words (50 MB of codes) the scan took 1.59 ms on one core of the 2-core test machine and
0.98 ms as two shards scanned at once (docs/benchmarks.md). :func:`sharded` cuts the index's
codes into contiguous shards that share its codebooks, and faiss's ``IndexShards`` scans them
in its own threads and merges their best candidates; the candidates are the whole index's
(the same coded scores; only ties may be cut differently).

The shards copy the packed codes (no re-encoding: 30 ms for a million words) and live beside
the index only in memory; the saved file is the whole index.
"""

from __future__ import annotations

import os
from typing import Any

# Rows a shard holds at least: below that the scan is shorter than handing it to the shards'
# threads and merging their candidates. Measured on the 2-core machine, 1,529 candidates of
# 300-D codes, one thread against two shards: 200,000 rows 0.35 against 0.36 ms, 400,000
# rows 0.59 against 0.46 ms, 1,000,000 rows 1.62 against 0.99 ms.
SHARD_ROWS = 200_000


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def shard_count(rows: int, threads: int) -> int:
    """Shards for an index of ``rows`` codes searched on ``threads`` threads (1: unsharded)."""
    return max(1, min(threads, rows // SHARD_ROWS))


def sharded(faiss: Any, index: Any, parts: int) -> Any:
    """An ``IndexShards`` over ``parts`` contiguous pieces of a fast-scan index's codes.

    Row numbers are the whole index's (shard s holds rows ``[start_s, start_{s+1})``). The
    pieces are cut at the code blocks of ``index.bbs`` rows, the unit the fast scan packs.
    """
    block_rows = index.bbs
    block_bytes = block_rows * index.M2 // 2  # two 4-bit codes a byte
    codes = faiss.AlignedTable_to_array(index.codes)
    blocks = -(-index.ntotal // block_rows)
    cuts = [blocks * s // parts for s in range(parts + 1)]
    shards = faiss.IndexShards(index.d, True, True)  # threaded, successive row numbers
    for first, last in zip(cuts[:-1], cuts[1:], strict=True):
        if first == last:
            continue
        shard = faiss.IndexPQFastScan(index.d, index.M, index.nbits, index.metric_type,
                                      block_rows)
        shard.pq = index.pq  # the codebooks (copied)
        shard.is_trained = True
        faiss.copy_array_to_AlignedTable(codes[first * block_bytes:last * block_bytes].copy(),
                                         shard.codes)
        shard.ntotal = min(last * block_rows, index.ntotal) - first * block_rows
        shard.ntotal2 = (last - first) * block_rows
        shards.add_shard(shard)  # faiss's wrapper keeps the shard alive with the shards
    return shards
