"""Data-parallel training on torch.distributed: one process a rank, launched by torchrun.

Each rank reads its own share of the corpus (:mod:`.shares`), the vocabulary is counted per
rank and reduced to the single-process one (:mod:`.vocab`), every rank trains its share with
the numba engine, and the tables are kept consistent by collectives at sync points
(:mod:`.sync`: row deltas or whole-table averages). Rank 0 writes the vectors and the
checkpoints (:mod:`.job`, :mod:`.checkpoints`); a resume may use another number of ranks.
The process group (:mod:`.group`) uses gloo on CPU ranks and NCCL on CUDA ranks, with
timeouts, so that a lost rank stops the run with a message instead of a hang.

Usage::

    torchrun --nproc-per-node 2 -m w2v train corpus.txt -o vectors.txt --distributed

or, in a script launched by torchrun, ``w2v.train("corpus.txt", distributed=True)``.
The cost model of the syncs is in docs/distributed.md. Importing this package imports no
PyTorch; joining a run does.
"""

from w2v.distributed.run import CheckpointPlan, DistributedOptions, train

__all__ = ["CheckpointPlan", "DistributedOptions", "train"]
