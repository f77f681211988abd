"""The engines, what each supports, and how to load one (without importing the others).

:func:`get` is the one place that maps an ``engine=`` name to an engine: ``training.py``
asks it, ``TrainConfig`` takes its names from it, and the capabilities decide whether a run
may checkpoint. Importing this module imports no engine (numba and torch load on demand).

Adding an engine: write ``engines/<name>_engine.py`` (or a package, as ``engines/torch/``)
with a ``train`` function of the :class:`~w2v.engines.contract.Engine` signature, add an
:class:`EngineInfo` below, and test it against :mod:`w2v.reference` (see
docs/architecture.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from w2v.engines.contract import Engine


@dataclass(frozen=True)
class EngineInfo:
    """An engine's name, where it lives and what it supports.

    Attributes
    ----------
    name : str
        The ``engine=`` value.
    module : str
        Module holding its ``train`` function (imported by :meth:`load`).
    summary : str
        One line for help texts.
    losses : tuple of str
        ``loss=`` values it trains, and ``"hs"`` where it trains ``hs=True``.
    checkpoints : bool
        Whether it accepts ``state`` and ``control``: periodic checkpoints, save on
        interrupt, exact resume.
    devices : tuple of str
        Device kinds it runs on (``"cpu"``, ``"cuda"``).
    epoch_callbacks : bool
        Whether it accepts ``control`` and calls its ``epoch_begin`` / ``epoch_end``: epoch
        callbacks and early stopping.
    subwords : str or None
        Module whose ``train`` trains the subword (fastText) model, if the engine has one.
    prepares : bool
        Whether its module has a ``prepare()`` that starts a one-time setup in the
        background (:meth:`prepare`).
    """

    name: str
    module: str
    summary: str
    losses: tuple[str, ...] = ("neg", "softmax", "hs")
    checkpoints: bool = False
    devices: tuple[str, ...] = ("cpu",)
    epoch_callbacks: bool = False
    subwords: str | None = None
    prepares: bool = False

    def load(self) -> Engine:
        """Import the engine's module and return its ``train`` function."""
        return importlib.import_module(self.module).train

    def load_subwords(self) -> Engine:
        """Import and return the engine's subword-model ``train`` (see :attr:`subwords`)."""
        return importlib.import_module(self.subwords).train

    def prepare(self, config: Any) -> None:
        """Start the engine's one-time setup for a run with ``config`` (a TrainConfig) in the
        background, if it has one (the numba engine compiles or loads its kernel while the
        caller reads the corpus)."""
        if self.prepares:
            importlib.import_module(self.module).prepare(config)


ENGINES: dict[str, EngineInfo] = {
    info.name: info for info in (
        EngineInfo("numba", "w2v.engines.numba_engine",
                   "CPU, multi-threaded numba kernels (word2vec.c semantics); the default",
                   checkpoints=True, epoch_callbacks=True, prepares=True,
                   subwords="w2v.engines.subword_engine"),
        EngineInfo("torch", "w2v.engines.torch.engine",
                   "PyTorch on a CUDA GPU (fused Triton kernels) or the CPU",
                   devices=("cpu", "cuda")),
        EngineInfo("numpy", "w2v.engines.numpy_engine",
                   "float64 numpy, one step at a time through w2v.reference; small corpora",
                   epoch_callbacks=True),
    )
}
# Earlier names still accepted: the float64 engine was called "reference".
ALIASES = {"reference": "numpy"}
NAMES = (*ENGINES, *ALIASES)


def get(name: str) -> EngineInfo:
    """The engine called ``name`` (an alias gives the engine it stands for).

    Raises
    ------
    KeyError
        If there is no such engine (``TrainConfig`` has refused it before this is asked).
    """
    return ENGINES[ALIASES.get(name, name)]
