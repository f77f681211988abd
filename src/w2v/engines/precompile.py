"""Compile the CPU kernels ahead of their first use: at install time, or with ``w2v warmup``.

numba compiles a kernel the first time it is called and caches the machine code on disk
(``cache=True``); later processes load it in a fraction of a second. The compile is seconds
(about 2.3 CPU s for a skip-gram run's kernel), which a first ``w2v train`` would wait for.
:func:`compile_ahead` calls each kernel a common run uses once, on inputs of the types such a
run passes, so that its specialisation is compiled and cached now (the full softmax, 77 s an
epoch at a 4,500-word vocabulary, is left to its first use):

- ``"train"``: the training kernel for skip-gram and for CBOW with negative sampling (the
  defaults), at the default width and for every other width;
- ``"hs"``: the same with hierarchical softmax (alone or beside negative sampling: one
  specialisation);
- ``"subwords"``: the subword (fastText) model's kernels, skip-gram and CBOW (their
  hierarchical softmax too);
- ``"scan"``: the compiled corpus scan that large corpora are read with
  (:mod:`w2v.corpus_tokens`);
- ``"rows"``: the re-scoring of candidate rows (queries over some rows, approximate search);
- ``"seed"``: the assignment's SGD kernels that ``w2v seed`` runs (both losses).

At install time: building the package's wheel (``pip install .``) runs this module on the
built package (``setup.py``), so the cache is written beside the kernels inside the wheel and
a plain ``pip install`` brings it along. numba keys its cache on the source's contents, its
own version, the Python version and the CPU, so the cache serves the machine that built the
wheel (``pip install .`` builds it there); anywhere else numba finds no matching entry and
compiles on first use, as without it.

Run ``python -m w2v.engines.precompile [--quiet] [PART ...]`` to do it from a shell.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

PARTS = ("train", "hs", "subwords", "scan", "rows", "seed")
# the sentences the subword model's kernels are compiled on (a real run's argument types)
_SENTENCES = [["compiled", "ahead", "of", "the", "first", "run"]] * 4
# a row width not compiled as a constant: its kernels serve every such width
_ANY_WIDTH = 4


def _widths() -> tuple[int, ...]:
    """The row widths to compile at: each constant one, and one for all the others."""
    from w2v.engines.row_width import CONSTANT_WIDTHS

    assert _ANY_WIDTH not in CONSTANT_WIDTHS
    return (*CONSTANT_WIDTHS, _ANY_WIDTH)


def _training_kernel(**options: object) -> None:
    """The training kernel's skip-gram and CBOW specialisations for ``options``, for each
    row width compiled as a constant (:mod:`w2v.engines.row_width`) and for all others."""
    from w2v.config import TrainConfig
    from w2v.engines.numba_engine import compile_kernels

    for dim in _widths():
        for sg in (True, False):
            compile_kernels(TrainConfig(sg=sg, vector_size=dim, **options))


def _train() -> None:
    """Negative sampling (the defaults)."""
    _training_kernel()


def _hs() -> None:
    """Hierarchical softmax, no negative sampling."""
    _training_kernel(hs=True, negative=0)


def _subwords() -> None:
    """The subword model's kernels: one epoch of skip-gram and of CBOW on six words, at
    each constant row width and at another."""
    from w2v.training import train

    for dim in _widths():
        for sg in (True, False):
            train(_SENTENCES, subwords=True, sg=sg, min_count=1, vector_size=dim, window=2,
                  epochs=1, workers=1, sample=0.0, min_n=3, max_n=4, bucket=64)


def _scan() -> None:
    """The corpus scan and the rehash of its token table, on a few words of text."""
    from w2v.corpus_tokens import TokenTable
    from w2v.engines.token_kernels import rehash

    table = TokenTable(max_sentence_length=1000)
    table.feed("compiled ahead\nof the first run\n")
    rehash(np.full_like(table.slots, -1), table.hashes, int(table.state[0]))


def _rows() -> None:
    """The candidate rows' cosines and their top-n, on a three-word matrix."""
    from w2v.vectors import Vectors

    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) + 1.0
    vectors = Vectors(["a", "b", "c"], matrix)
    rows = np.array([0, 2], dtype=np.int64)
    vectors.cosines(matrix[1], rows=rows)
    vectors.nearest_of(matrix[1], rows, topn=1, exclude={1})


def _seed() -> None:
    """The seed job's kernels (:mod:`w2v.seed.kernels`), for each of its losses."""
    from w2v.seed.run import LOSSES, warm_up

    for loss in LOSSES:
        warm_up(loss)


_COMPILERS: dict[str, Callable[[], None]] = {"train": _train, "hs": _hs, "subwords": _subwords,
                                             "scan": _scan, "rows": _rows, "seed": _seed}


def compile_ahead(parts: Sequence[str] = PARTS) -> dict[str, float]:
    """Compile (or load from numba's cache) the kernels of ``parts``; seconds each took.

    Raises
    ------
    ValueError
        If a part is not one of :data:`PARTS`.
    """
    unknown = [part for part in parts if part not in _COMPILERS]
    if unknown:
        raise ValueError(f"unknown kernel parts {unknown}: expected some of {list(PARTS)}")
    seconds = {}
    for part in parts:
        start = time.perf_counter()
        _COMPILERS[part]()
        seconds[part] = time.perf_counter() - start
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m w2v.engines.precompile [--quiet] [PART ...]``: compile, print the seconds."""
    args = list(sys.argv[1:] if argv is None else argv)
    quiet = "--quiet" in args
    parts = [arg for arg in args if arg != "--quiet"] or list(PARTS)
    seconds = compile_ahead(parts)
    if not quiet:
        print(", ".join(f"{part} {s:.1f} s" for part, s in seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
