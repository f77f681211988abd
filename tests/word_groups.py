"""Word-group corpora for the training tests, and the score that reads the groups back.

Each sentence takes its words from one group (word ``"g{group}w{i}"``), so words of a group
co-occur and words of different groups never do: trained vectors should put every word's
nearest neighbour in its own group. Shared by the torch engine's tests (batched and fused).
"""

from __future__ import annotations

import numpy as np

GROUPS, GROUP_SIZE = 6, 8


def group_sentences(sentences: int = 1500, seed: int = 0) -> list[list[str]]:
    """Sentences of 10 words, each from one of GROUPS groups of GROUP_SIZE words."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(sentences):
        g = rng.integers(GROUPS)
        out.append([f"g{g}w{i}" for i in rng.integers(GROUP_SIZE, size=10)])
    return out


def small_group_sentences(sentences: int = 80, groups: int = 4, group_size: int = 4,
                          length: int = 8, seed: int = 0) -> list[list[str]]:
    """A smaller group corpus, for the fused kernels under Triton's interpreter.

    Small because the interpreter takes about 10 ms per window. Calibrated: every word's
    nearest neighbour is in its own group for 8 of 8 seeds with the CPU engine and for 5 of
    5 seeds (0 to 4) with the fused kernels, skip-gram and CBOW.
    """
    rng = np.random.default_rng(seed)
    return [[f"g{g}w{i}" for i in rng.integers(group_size, size=length)]
            for g in rng.integers(groups, size=sentences)]


def nearest_neighbour_group_accuracy(vectors: np.ndarray, words: list[str]) -> float:
    """Share of the words (rows of ``vectors``, (V, D)) whose nearest neighbour is in its group."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    group = np.array([w.split("w")[0] for w in words])
    return float(np.mean(group[sim.argmax(1)] == group))
