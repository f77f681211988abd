"""The tables' row width as a compile-time constant of the training kernels.

Every step of the kernels loops over a row's D numbers (``for d in range(dim)``). With D
known only at run time, LLVM vectorises such a loop for any length: 64 numbers an
iteration (four AVX-512 registers), then an 8-wide loop and a scalar loop for the rest.
At D = 100 that is one full iteration, four 8-wide ones and four scalar ones, and a dot
product reduces its sums twice. With D a constant, LLVM writes the loop out as six
16-wide steps and one 4-wide step, with one reduction. The engine alone trained 16% faster
for CBOW and 6-20% for the other steps (one thread, text8 prefix, docs/benchmarks.md).

The width reaches the kernels as a type: ``width`` is a tuple of D ``None`` (numba types it
``UniTuple(none, D)``, which holds no data, so passing it costs nothing and ``len(width)``
is a constant), or the empty tuple for the kernels compiled for any width, which read D
off their arrays. Each constant width is compiled on its own, so only the widths of
:data:`CONSTANT_WIDTHS` get one: the default, which ``pip install`` compiles ahead
(:mod:`w2v.engines.precompile`). Every other width runs the kernels compiled for any
width, as fast as before.
"""

from __future__ import annotations

from numba import njit

# Widths compiled as constants: the default vector_size of w2v, gensim, word2vec.c and
# fastText. Another width added here compiles on its first run (a few seconds) unless
# precompile covers it too.
CONSTANT_WIDTHS = (100,)


def kernel_width(dim: int) -> tuple[None, ...]:
    """The ``width`` argument of the kernels for rows of ``dim`` numbers."""
    return (None,) * dim if dim in CONSTANT_WIDTHS else ()


@njit(inline="always", nogil=True, cache=True)
def row_width(width, actual: int) -> int:
    """D for a kernel: ``len(width)`` (a constant) if ``width`` holds one, else ``actual``
    (the width of the kernel's arrays).

    Raises ValueError if the arrays are not as wide as the constant: the loops would read
    and write past their rows.
    """
    if len(width) == 0:
        return actual
    if actual != len(width):
        raise ValueError("the rows are not as wide as the kernel was compiled for")
    return len(width)
