"""TrainConfig: every training option, with gensim's names, validated in one place."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from w2v.engines.registry import NAMES as ENGINES
from w2v.errors import ConfigError
from w2v.validation import Choice, Constraint, Flag, Float, Int, Text

LOSSES = ("neg", "softmax")
# Initial input vectors U(-s/dim, s/dim): word2vec.c's s = 0.5, gensim 4's s = 1.
INIT_SCALES = {"word2vec": 0.5, "gensim": 1.0}
# The learning rate when none is given, by architecture. Chosen by measurement on the text8
# prefix against gensim's defaults (docs/benchmarks.md, "Default quality"): with gensim's
# initial range these scored higher than word2vec.c's 0.025 (skip-gram) and 0.05 (CBOW) on
# analogies and WS-353 at the same speed. word2vec.c's model is init="word2vec" with
# alpha=0.025 (skip-gram) or alpha=0.05 (CBOW); the schedule is linear in both.
DEFAULT_ALPHA = {"sg": 0.035, "cbow": 0.06}
# The subword (fastText) model takes fastText's own defaults where they are its model: lr 0.05
# for both architectures and noise count ** 0.5 (fastText's -lr and its negative table); its
# initial range U(-1/dim, 1/dim) is init="gensim", already the default. On the text8 prefix
# against the fastText CLI, 0.5 and word2vec's 0.75 scored level on analogies (within the
# spread between seeds; docs/benchmarks.md, "Subword model against fastText").
SUBWORD_ALPHA = 0.05
NS_EXPONENT = {"words": 0.75, "subwords": 0.5}
CBOW_GRADIENTS = ("word2vec", "mean")


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
    # None picks DEFAULT_ALPHA for the architecture: 0.035 skip-gram, 0.06 CBOW
    # (word2vec.c: 0.025 and 0.05); SUBWORD_ALPHA (fastText's 0.05) with subwords.
    alpha: float | None = None
    min_alpha: float = 1e-4
    # None picks NS_EXPONENT: 0.75 (word2vec.c, gensim), 0.5 with subwords (fastText).
    ns_exponent: float | None = None
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
    # too many pairs of one step (w2v.engines.torch.schedule.examples_per_step).
    batch_pairs: int = 16_384
    # The K negatives of a center are shared by all its contexts (Ji et al. 2016), which
    # turns the updates into small matrix products; False draws fresh negatives for every
    # (center, context) pair as word2vec.c does. Numba engine: skip-gram (CBOW has one
    # example per window anyway). Torch engine on CUDA, both architectures: True selects its
    # fused kernels, False its batched path. None picks True, or False with subwords, whose
    # skip-gram always draws them per pair (sharing cost 16 points of syntactic analogy).
    shared_negatives: bool | None = None
    # Range of the initial input vectors, in every engine (output vectors start at zero).
    # "word2vec" is word2vec.c's U(-0.5/dim, 0.5/dim); "gensim" (the default) is gensim 4's
    # U(-1/dim, 1/dim), twice as wide, which scored about 0.7 points higher on analogies on
    # the text8 prefix (5 seeds, docs/benchmarks.md).
    init: str = "gensim"
    # Hierarchical softmax over word2vec.c's Huffman tree (word2vec.c -hs 1, gensim hs=1):
    # alone with negative=0, or added to negative sampling with negative > 0 (both losses
    # on the same hidden vector, as word2vec.c and gensim). Its inner-node vectors are the
    # table w_hs, (V - 1, D).
    hs: bool = False
    # CBOW's hidden vector: the mean of the context vectors (True, word2vec.c's default)
    # or their sum. What each context row gets of the gradient wrt it is cbow_gradient's
    # choice; gensim's cbow_mean=0 is the sum with cbow_gradient="mean" (gensim divides the
    # gradient by the number of context words there).
    cbow_mean: bool = True
    # Each center draws its window uniformly in 1..window (word2vec.c, gensim's default);
    # False uses the whole window for every center (gensim shrink_windows=False).
    shrink_windows: bool = True
    # Ids by descending count (True). False keeps the order of first occurrence (gensim
    # sorted_vocab=0); the Huffman tree then needs sorted counts, so hs requires True.
    sorted_vocab: bool = True
    # The subword (fastText) model: a word's input vector is the mean of its own row and the
    # rows of its character n-grams of min_n..max_n characters, hashed into `bucket` rows
    # (fastText's -minn, -maxn, -bucket and defaults; max_n < min_n: no n-grams). Numba
    # engine, loss "neg" (hs=True, negative=0: fastText's -loss hs); the result answers
    # unseen words (w2v.subword_vectors). Skip-gram then draws negatives per (center,
    # context) pair, as fastText: shared_negatives=True is refused (sharing them cost 16
    # points of syntactic analogy accuracy, docs/subwords.md).
    subwords: bool = False
    min_n: int = 3
    max_n: int = 6
    bucket: int = 2_000_000
    # CBOW: what each context row of a window receives of dJ/dh.
    # "word2vec" adds the whole dJ/dh to every row (word2vec.c, gensim's cbow_mean=1);
    # "mean" divides it by the number of context words: on the mean, its true gradient
    # (İrsoy, Benton and Stratos 2021, the kōan library); on the sum, gensim's cbow_mean=0.
    cbow_gradient: str = "word2vec"

    def __post_init__(self) -> None:
        if self.alpha is None:
            alpha = SUBWORD_ALPHA if self.subwords is True else \
                DEFAULT_ALPHA["sg" if self.sg else "cbow"]
            object.__setattr__(self, "alpha", alpha)
        if self.ns_exponent is None:
            model = "subwords" if self.subwords is True else "words"
            object.__setattr__(self, "ns_exponent", NS_EXPONENT[model])
        if self.shared_negatives is None:
            object.__setattr__(self, "shared_negatives", self.subwords is not True)
        for name, constraint in CONSTRAINTS.items():
            object.__setattr__(self, name, constraint.check(name, getattr(self, name)))
        if self.hs and self.loss == "softmax":
            raise ConfigError("The {hs} (hierarchical softmax) replaces the full softmax: use "
                              "loss='neg' with hs=True (negative=0 for hierarchical softmax "
                              "alone).", parameter="hs")
        if self.hs and not self.sorted_vocab:
            raise ConfigError("The {hs} needs sorted_vocab=True: the Huffman tree is built "
                              "from counts in descending order.", parameter="hs")
        if self.loss == "softmax" and not self.cbow_mean:
            raise ConfigError("The {cbow_mean} must be True with loss='softmax' (the sum of "
                              "the context vectors trains with negative sampling or hs).",
                              parameter="cbow_mean")
        if self.loss == "neg" and self.negative < 1 and not self.hs:
            raise ConfigError("The {negative} must be an int in the range [1, inf) when "
                              "loss='neg'. Got {got} instead (use hs=True or "
                              "loss='softmax' for none).", got=repr(self.negative))
        if self.min_alpha > self.alpha:
            raise ConfigError("The {min_alpha} ({low}) must not exceed the {alpha} ({high}).",
                              low=self.min_alpha, high=self.alpha)
        if self.subwords and self.shared_negatives:
            raise ConfigError("Subword training (the {subwords}) draws the negatives of each "
                              "(center, context) pair afresh, as fastText does (sharing them "
                              "cost 16 points of syntactic analogy accuracy); leave out the "
                              "{shared_negatives}.", parameter="shared_negatives")
        if self.subwords and self.loss != "neg":
            raise ConfigError("Subword training (the {subwords}) needs the {loss} 'neg'. "
                              "Got {got} instead.", parameter="loss", got=repr(self.loss))
        if self.window > self.max_sentence_length:
            raise ConfigError("The {window} ({got}) must not exceed the {max_sentence_length} "
                              "({limit}): no sentence is longer.", got=self.window,
                              limit=self.max_sentence_length)

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
            raise ConfigError("Unknown training option(s): {unknown}. Known options: {known}.",
                              parameter=unknown[0], unknown=", ".join(unknown),
                              known=", ".join(sorted(known)))
        return cls(**options)


# Every option's constraint: TrainConfig checks its fields from this one table.
# Upper bounds keep a typo from asking for terabytes or years: a window longer than any
# sentence, a dimension or a negative count no model uses.
CONSTRAINTS: dict[str, Constraint] = {
    "sg": Flag(),
    "vector_size": Int(1, 100_000),
    "window": Int(1, 1_000_000),
    "negative": Int(0, 10_000),
    "loss": Choice(LOSSES),
    "sample": Float(0.0),
    "min_count": Int(1),
    "max_vocab_size": Int(1, optional=True),
    "max_final_vocab": Int(1, optional=True),
    "epochs": Int(1, 1_000_000),
    "workers": Int(1, 4096),
    "alpha": Float(0.0, open_low=True),
    "min_alpha": Float(0.0),
    "ns_exponent": Float(-10.0, 10.0),
    "seed": Int(0, 2**63 - 1),
    "engine": Choice(ENGINES),
    "device": Text(),
    "max_sentence_length": Int(1, 1_000_000_000),
    "batch_pairs": Int(1, 1 << 30),
    "shared_negatives": Flag(),
    "init": Choice(tuple(INIT_SCALES)),
    "hs": Flag(),
    "cbow_mean": Flag(),
    "shrink_windows": Flag(),
    "sorted_vocab": Flag(),
    "subwords": Flag(),
    "min_n": Int(0, 1000),
    "max_n": Int(0, 1000),
    # fastText stores the bucket count and every row id as a 32-bit int.
    "bucket": Int(0, 2**31 - 1),
    "cbow_gradient": Choice(CBOW_GRADIENTS),
}
