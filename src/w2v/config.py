"""TrainConfig: every training option, with gensim's names, validated in one place."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from w2v.errors import ConfigError

LOSSES = ("neg", "softmax")
ENGINES = ("numba", "torch", "reference")
# Initial input vectors U(-s/dim, s/dim): word2vec.c's s = 0.5, gensim 4's s = 1.
INIT_SCALES = {"word2vec": 0.5, "gensim": 1.0}


@dataclass(frozen=True)
class TrainConfig:
    """Options of one training run. Names follow gensim's ``Word2Vec`` where one exists.

    Build it with ``TrainConfig(**options)``; every value is checked in ``__post_init__``
    and a bad one raises :class:`~w2v.errors.ConfigError` naming the option.
    """

    # Skip-gram (the seed's model) by default; gensim and word2vec.c default to CBOW.
    sg: bool = True
    vector_size: int = 100
    # Largest window: each center draws its window uniformly in 1..window (word2vec.c).
    window: int = 5
    negative: int = 5
    loss: str = "neg"
    # word2vec.c's subsampling threshold; 0 disables subsampling.
    sample: float = 1e-3
    min_count: int = 5
    # Prune rare words while counting when the vocabulary passes this size (None: never).
    max_vocab_size: int | None = None
    # Keep at most this many words, raising min_count as needed (gensim's max_final_vocab).
    max_final_vocab: int | None = None
    epochs: int = 5
    workers: int = dataclasses.field(default_factory=lambda: min(4, os.cpu_count() or 1))
    # None picks word2vec.c's default for the architecture: 0.025 skip-gram, 0.05 CBOW.
    alpha: float | None = None
    min_alpha: float = 1e-4
    ns_exponent: float = 0.75
    seed: int = 1
    engine: str = "numba"
    # Torch engine only: "cpu", "cuda" or "cuda:N".
    device: str = "cpu"
    # gensim splits longer lines; we split them too but never drop a token.
    max_sentence_length: int = 10_000
    # Torch engine, batched path only (the full softmax, per-pair negatives, the CPU; the
    # fused CUDA kernels train window by window): (context, center) pairs per SGD step; a
    # CBOW step takes batch_pairs // (2 * window) windows (a window holds up to 2 * window
    # pairs).
    # Summed SGD at lr 0.025 diverges at 65,536 shuffled pairs per step on text8 (the word
    # "the" gets ~5,600 summed updates); 16,384 matches gensim's quality with a 4x margin.
    # An upper bound: the engine takes fewer where a frequent word would be the input of
    # too many pairs of one step (torch_engine.examples_per_step).
    batch_pairs: int = 16_384
    # The K negatives of a center are shared by all its contexts (Ji et al. 2016), which
    # turns the updates into small matrix products; False draws fresh negatives for every
    # (center, context) pair as word2vec.c does. Numba engine: skip-gram (CBOW has one
    # example per window anyway). Torch engine on CUDA, both architectures: True selects its
    # fused kernels, False its batched path.
    shared_negatives: bool = True
    # Range of the initial input vectors, in every engine (output vectors start at zero).
    # "word2vec" is word2vec.c's U(-0.5/dim, 0.5/dim) (issue 4); "gensim" is gensim 4's
    # U(-1/dim, 1/dim), twice as wide, which scored about 0.7 points higher on analogies on
    # the text8 prefix (5 seeds, docs/benchmarks.md).
    init: str = "word2vec"

    def __post_init__(self) -> None:
        _check_int(self, "vector_size", low=1)
        _check_int(self, "window", low=1)
        _check_int(self, "negative", low=0)
        _check_choice(self, "loss", LOSSES)
        if self.loss == "neg" and self.negative < 1:
            raise ConfigError(
                "The 'negative' parameter must be an int in the range [1, inf) when "
                f"loss='neg'. Got {self.negative!r} instead (use loss='softmax' for none)."
            )
        _check_float(self, "sample", low=0.0)
        _check_int(self, "min_count", low=1)
        _check_int(self, "max_vocab_size", low=1, optional=True)
        _check_int(self, "max_final_vocab", low=1, optional=True)
        _check_int(self, "epochs", low=1)
        _check_int(self, "workers", low=1)
        if self.alpha is None:
            object.__setattr__(self, "alpha", 0.025 if self.sg else 0.05)
        _check_float(self, "alpha", low=0.0, strict=True)
        _check_float(self, "min_alpha", low=0.0)
        if self.min_alpha > self.alpha:
            raise ConfigError(
                f"The 'min_alpha' parameter ({self.min_alpha}) must not exceed 'alpha' "
                f"({self.alpha})."
            )
        _check_float(self, "ns_exponent", low=float("-inf"))
        _check_int(self, "seed", low=0)
        _check_choice(self, "engine", ENGINES)
        if not isinstance(self.device, str) or not self.device:
            raise ConfigError(f"The 'device' parameter must be a non-empty string. Got "
                              f"{self.device!r} instead.")
        _check_int(self, "max_sentence_length", low=1)
        _check_int(self, "batch_pairs", low=1)
        if not isinstance(self.shared_negatives, bool):
            raise ConfigError(f"The 'shared_negatives' parameter must be a bool. Got "
                              f"{self.shared_negatives!r} instead.")
        _check_choice(self, "init", tuple(INIT_SCALES))

    def replace(self, **changes: Any) -> TrainConfig:
        """Return a copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """All options as a plain dict (JSON-serialisable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_options(cls, **options: Any) -> TrainConfig:
        """Build a config, turning unknown option names into a clear error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(
                f"Unknown training option(s): {', '.join(unknown)}. "
                f"Known options: {', '.join(sorted(known))}."
            )
        return cls(**options)


def _check_int(cfg: TrainConfig, name: str, low: int, optional: bool = False) -> None:
    value = getattr(cfg, name)
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(
            f"The '{name}' parameter must be an int in the range [{low}, inf). "
            f"Got {value!r} instead."
        )


def _check_float(cfg: TrainConfig, name: str, low: float, strict: bool = False) -> None:
    value = getattr(cfg, name)
    ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
    in_range = ok_type and value == value and value != float("inf") and (
        value > low if strict else value >= low
    )
    if not in_range:
        bracket = "(" if strict else "["
        raise ConfigError(
            f"The '{name}' parameter must be a finite float in the range {bracket}{low}, inf). "
            f"Got {value!r} instead."
        )
    object.__setattr__(cfg, name, float(value))


def _check_choice(cfg: TrainConfig, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(cfg, name)
    if value not in choices:
        raise ConfigError(
            f"The '{name}' parameter must be one of {', '.join(map(repr, choices))}. "
            f"Got {value!r} instead."
        )
