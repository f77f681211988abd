"""The torch engine's random draws on the device: negatives, subsampling, window radii.

Every function takes tensors and a ``torch.Generator`` and works on whatever device its
tensors live on (CUDA or CPU); both paths use them. The generator is seeded once per run
from the run's numpy Generator (:mod:`w2v.engines.torch.tables`), so a seed fixes every
draw.
"""

from __future__ import annotations

import numpy as np
import torch

from w2v.config import TrainConfig
from w2v.engines.torch.schedule import SUBSAMPLE_CHUNK
from w2v.vocab import alias_table


class AliasSampler:
    """Exact draws from a discrete distribution in O(1) per draw, on the device.

    The tables are :func:`w2v.vocab.alias_table`'s, moved to the device: ``prob[i]``
    (float32, (V,)) and ``alias[i]`` (int64, (V,)). A draw picks a uniform column i, then
    keeps i with probability ``prob[i]`` or takes ``alias[i]``. Two random numbers and two
    gathers per draw, no search, no 1e8-entry unigram table.

    Parameters
    ----------
    probabilities : np.ndarray
        float64 (V,), summing to 1 (e.g. :meth:`w2v.vocab.Vocab.noise_distribution`).
    device : torch.device
        Where the tables live and the draws are made.
    """

    def __init__(self, probabilities: np.ndarray, device: torch.device) -> None:
        prob, alias = alias_table(probabilities)
        self.prob = torch.as_tensor(prob, device=device)
        self.alias = torch.as_tensor(alias.astype(np.int64), device=device)
        self.size = len(prob)

    def draw(self, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
        """Return int64 ids of the given shape, each drawn independently."""
        device = self.prob.device
        column = torch.randint(self.size, shape, generator=generator, device=device)
        coin = torch.rand(shape, generator=generator, device=device)
        return torch.where(coin < self.prob[column], column, self.alias[column])


def subsample(ids: torch.Tensor, keep_probability: torch.Tensor,
              generator: torch.Generator) -> torch.Tensor:
    """Boolean mask (N,): token i is kept with probability ``keep_probability[ids[i]]``."""
    coin = torch.rand(ids.shape, generator=generator, device=ids.device)
    return coin < keep_probability[ids]


def epoch_tokens(ids: torch.Tensor, sentence: torch.Tensor, keep: torch.Tensor,
                 generator: torch.Generator,
                 config: TrainConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One epoch's kept tokens, drawn afresh: (kept ids, their sentence numbers, radii).

    Parameters
    ----------
    ids, sentence : torch.Tensor
        (N,) int32: the corpus and each token's sentence number.
    keep : torch.Tensor
        (V,) float32: each word's subsampling keep probability.
    generator : torch.Generator
        On the tensors' device.
    config : TrainConfig
        Reads ``window``.

    Returns
    -------
    (kept_ids, kept_sentence, radius) : (N',) int32, (N',) int32, (N',) uint8
        Subsampling comes before windows, as in word2vec.c, so a window spans kept words;
        each center's radius is uniform in 1..window (word2vec.c's dynamic window).
    """
    kept_ids, kept_sentence = [], []
    # In chunks: the random buffer and the mask stay at SUBSAMPLE_CHUNK tokens.
    for lo in range(0, len(ids), SUBSAMPLE_CHUNK):
        chunk = ids[lo:lo + SUBSAMPLE_CHUNK]
        mask = subsample(chunk, keep, generator)
        kept_ids.append(chunk[mask])
        kept_sentence.append(sentence[lo:lo + SUBSAMPLE_CHUNK][mask])
    kept = torch.cat(kept_ids)
    radius = torch.randint(1, config.window + 1, (len(kept),), generator=generator,
                           device=kept.device, dtype=torch.uint8)
    if not config.shrink_windows:  # the whole window for every center (drawn all the same)
        radius.fill_(config.window)
    return kept, torch.cat(kept_sentence), radius
