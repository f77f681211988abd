"""w2v: word2vec you can read and check, fast on CPU and GPU.

The public surface is small and imports nothing heavy (no numba, torch or matplotlib):

>>> import w2v
>>> model = w2v.train("corpus.txt", vector_size=100, epochs=5)   # doctest: +SKIP
>>> model.vectors.most_similar("king")                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from w2v.config import TrainConfig

__version__ = "0.1.0"
__all__ = ["SubwordVectors", "TrainConfig", "Vectors", "train", "__version__"]

if TYPE_CHECKING:
    from w2v.subword_vectors import SubwordVectors
    from w2v.training import Model
    from w2v.vectors import Vectors


def train(corpus: Any, **config: Any) -> Model:
    """Train word vectors; see :func:`w2v.training.train` for the options."""
    from w2v.training import train as _train

    return _train(corpus, **config)


def __getattr__(name: str) -> Any:
    # Vectors is imported on first use so that ``import w2v`` stays light.
    if name == "Vectors":
        from w2v.vectors import Vectors

        return Vectors
    if name == "SubwordVectors":
        from w2v.subword_vectors import SubwordVectors

        return SubwordVectors
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
