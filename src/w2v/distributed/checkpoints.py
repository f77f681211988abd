"""Checkpoints of a distributed run: rank 0 writes them, any number of ranks resumes them.

They are ordinary checkpoint folders (:mod:`w2v.checkpoint`), written by rank 0 right after
a sync, when every rank holds the same tables. What differs from a single process:

- the **position** is global: epochs done plus the sync points passed in the current epoch
  (``"distributed": {"sync": k, "syncs_per_epoch": S, ...}`` in ``checkpoint.json``), that
  is the fraction ``k/S`` of every rank's share. A resume with another number of ranks
  starts each rank at that fraction of its new share (:func:`start_positions`);
- the **corpus fingerprint** holds the vocabulary, its ranking and its counts, as a single
  process's does; no rank has the whole token sequence, so ``tokens`` is a digest of the
  corpus's token total instead;
- each rank's **random state** is derived from the saved one and its rank, so a resume with
  the same ranks does not repeat the random draws of the interrupted run, but is not
  bit-identical to it;
- the options must be the checkpoint's, except ``workers``: threads a rank may change with
  the number of ranks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from w2v.checkpoint import corpus_fingerprint, load_checkpoint, read_header, save_checkpoint
from w2v.config import TrainConfig
from w2v.corpus import CorpusStats, EncodedCorpus
from w2v.engines.contract import TrainingState
from w2v.errors import CheckpointError
from w2v.vocab import Vocab


def fingerprint(vocab: Vocab) -> dict[str, str]:
    """The corpus fingerprint of a distributed run (the same on every rank)."""
    empty = EncodedCorpus(ids=np.zeros(0, dtype=np.uint32),
                          sentence_starts=np.zeros(1, dtype=np.int64), raw_words=0,
                          stats=CorpusStats())
    parts = corpus_fingerprint(vocab, empty)
    total = f"distributed tokens {vocab.total_words} retained {vocab.retained_words}"
    parts["tokens"] = hashlib.sha256(total.encode()).hexdigest()
    return parts


def save(folder: str | os.PathLike[str], state: TrainingState, config: TrainConfig,
         vocab: Vocab, epoch: int, sync: int, position: dict[str, Any]) -> Path:
    """Write the synced ``state`` of rank 0 as the checkpoint in ``folder``.

    ``epoch`` epochs are done and ``sync`` sync points of the next one are passed;
    ``position`` adds the run's shape (ranks, syncs per epoch, scheme).
    """
    saved = TrainingState(w_in=state.w_in, w_out=state.w_out, rng_states=state.rng_states,
                          epoch=epoch, position=np.zeros(config.workers, dtype=np.int64),
                          counters=np.zeros((config.workers, 3)), alpha=state.alpha)
    return save_checkpoint(folder, saved, config, vocab, fingerprint(vocab),
                           extra={"distributed": {**position, "sync": int(sync)}})


def load(folder: str | os.PathLike[str], config: TrainConfig, vocab: Vocab,
         rank: int) -> tuple[TrainingState, float]:
    """This rank's state from a distributed checkpoint, and the fraction of the epoch done.

    Raises
    ------
    CheckpointError
        If the checkpoint is unusable (:func:`w2v.checkpoint.load_checkpoint`) or was not
        written by a distributed run.
    """
    header = read_header(folder)
    where = header.get("distributed")
    if not isinstance(where, dict) or not all(
            isinstance(where.get(k), int) for k in ("sync", "syncs_per_epoch")):
        raise CheckpointError(f"Checkpoint '{folder}' was written by a single process; resume "
                              f"it without --distributed.")
    # Threads a rank may change with the number of ranks (ranks x threads = cores): the
    # options are compared with the checkpoint's thread count, the states drawn for ours.
    saved_workers = header["config"].get("workers")
    same_threads = (config.replace(workers=saved_workers)
                    if isinstance(saved_workers, int) and saved_workers >= 1 else config)
    state = load_checkpoint(folder, same_threads, vocab, fingerprint(vocab))
    fraction = min(max(where["sync"] / max(where["syncs_per_epoch"], 1), 0.0), 1.0)
    state.rng_states = rank_rng_states(state.rng_states, rank, config.workers)
    return state, fraction


def rank_rng_states(seed_states: np.ndarray | int, rank: int, workers: int) -> np.ndarray:
    """uint64 (workers, 1) kernel RNG states of ``rank``, derived from a seed or saved states."""
    entropy = [int(s) for s in np.asarray(seed_states, dtype=np.uint64).ravel()] + [rank]
    return np.random.default_rng(entropy).integers(1, 2**63, size=(workers, 1),
                                                   dtype=np.uint64)


def start_positions(encoded: EncodedCorpus, config: TrainConfig, vocab_size: int,
                    fraction: float, max_chunk_words: int) -> tuple[np.ndarray, int]:
    """Chunk positions of the numba engine's threads at ``fraction`` of this rank's share.

    Each thread starts at the first chunk of its shard that begins at or after the fraction
    of the shard's words (the engine's own shards, and its chunks cut to at most
    ``max_chunk_words``, :mod:`w2v.engines.numba_engine`).

    Returns
    -------
    position : np.ndarray
        int64 (workers,).
    words : int
        Words of the share before those positions (already trained).
    """
    from w2v.engines.numba_engine import _chunks, chunk_words, shard_bounds

    starts = np.asarray(encoded.sentence_starts, dtype=np.int64)
    position = np.zeros(config.workers, dtype=np.int64)
    skipped = 0
    for worker, (first, end) in enumerate(shard_bounds(starts, config.workers)):
        if first == end:
            continue
        chunks = _chunks(starts, first, end,
                         max(1, min(chunk_words(config, vocab_size), max_chunk_words)))
        goal = starts[first] + fraction * (starts[end] - starts[first])
        k = next((i for i, (a, _) in enumerate(chunks) if starts[a] >= goal), len(chunks))
        position[worker] = k
        skipped += int((starts[chunks[k][0]] if k < len(chunks) else starts[end])
                       - starts[first])
    return position, skipped
