"""w2v: word2vec you can read and check, fast on CPU and GPU.

The public surface is small and imports nothing heavy (no numba, torch or matplotlib):

>>> import w2v
>>> model = w2v.train("corpus.txt", vector_size=100, epochs=5)   # doctest: +SKIP
>>> model.vectors.most_similar("king")                           # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from w2v.config import TrainConfig

__version__ = "0.1.0"
__all__ = ["FastText", "SubwordVectors", "TrainConfig", "Vectors", "Word2Vec",
           "load_facebook_model", "load_facebook_vectors", "load_model", "save_facebook_model",
           "train", "__version__"]

# Library logging as gensim's: INFO records on the "w2v" logger, shown only when configured.
logging.getLogger("w2v").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from w2v.gensim_compat import Word2Vec
    from w2v.gensim_fasttext import (
        FastText,
        load_facebook_model,
        load_facebook_vectors,
        save_facebook_model,
    )
    from w2v.subword_vectors import SubwordVectors
    from w2v.training import Model
    from w2v.vectors import Vectors


def train(corpus: Any, **config: Any) -> Model:
    """Train word vectors; see :func:`w2v.training.train` for the options."""
    from w2v.training import train as _train

    return _train(corpus, **config)


def load_model(path: Any, mmap: bool = True) -> Model:
    """Read a model folder written by ``Model.save``, or a fastText ``.bin``; see
    :func:`w2v.model_file.load_model`."""
    from w2v.model_file import load_model as _load

    return _load(path, mmap=mmap)


# gensim's FastText names (gensim.models.FastText and gensim.models.fasttext's functions).
_GENSIM_FASTTEXT = ("FastText", "load_facebook_model", "load_facebook_vectors",
                    "save_facebook_model")


def __getattr__(name: str) -> Any:
    # Vectors and Word2Vec are imported on first use so that ``import w2v`` stays light.
    if name == "Vectors":
        from w2v.vectors import Vectors

        return Vectors
    if name == "Word2Vec":
        from w2v.gensim_compat import Word2Vec

        return Word2Vec

    if name == "SubwordVectors":
        from w2v.subword_vectors import SubwordVectors

        return SubwordVectors
    if name in _GENSIM_FASTTEXT:
        from w2v import gensim_fasttext

        return getattr(gensim_fasttext, name)
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
