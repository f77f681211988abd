"""What one run of the torch engine keeps on the device, and how it gets there.

The two weight tables, the corpus as ids and sentence numbers (copied once, 8 bytes per
corpus word), the subsampling keep probabilities, the noise sampler and the run's
``torch.Generator``: everything either path reads each epoch, so that no step waits for the
host.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.engines.common import initial_w_in
from w2v.engines.torch.sampling import AliasSampler, epoch_tokens
from w2v.engines.torch.schedule import SUBSAMPLE_CHUNK, top_kept_share
from w2v.engines.torch.steps import HsTables
from w2v.vocab import Vocab


@dataclass
class DeviceTables:
    """Everything one run keeps on the device (and the one host number its schedule needs)."""

    w_in: torch.Tensor         # (V, D) float32: input ("center") vectors, the result
    w_out: torch.Tensor        # (V, D) float32: output ("outside") vectors
    ids: torch.Tensor          # (N,) int32: the corpus
    sentence: torch.Tensor     # (N,) int32: sentence number of each token
    keep: torch.Tensor         # (V,) float32: subsampling keep probability
    top_share: float           # the most frequent word's share of the kept tokens
    noise: AliasSampler        # over unigram ** ns_exponent
    generator: torch.Generator
    hs: HsTables | None = None  # hierarchical softmax: w_hs and the padded Huffman paths

    def epoch_tokens(self, config: TrainConfig) -> tuple[torch.Tensor, torch.Tensor,
                                                         torch.Tensor]:
        """This epoch's kept ids, sentence numbers and radii (:func:`sampling.epoch_tokens`)."""
        return epoch_tokens(self.ids, self.sentence, self.keep, self.generator, config)


def init_tables(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                device: torch.device) -> DeviceTables:
    """Copy the corpus to ``device`` and draw the initial tables from ``config.seed``.

    One numpy Generator from the seed draws the initial input table (the same values as the
    CPU engine's, on every device) and then seeds the device's ``torch.Generator``, which
    makes every later draw of the run.
    """
    rng = np.random.default_rng(config.seed)
    size, dim = len(vocab), config.vector_size
    w_in = initial_w_in(rng, size, config)
    generator = torch.Generator(device=device)
    generator.manual_seed(int(rng.integers(2**62)))
    lengths = np.diff(np.asarray(corpus.sentence_starts, dtype=np.int64))
    sentence = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    ids = np.asarray(corpus.ids, dtype=np.uint32).view(np.int32)  # ids < 2**31
    return DeviceTables(
        w_in=torch.as_tensor(w_in, device=device),
        w_out=torch.zeros((size, dim), dtype=torch.float32, device=device),
        ids=to_device(ids, device),
        sentence=to_device(sentence, device),
        keep=torch.as_tensor(vocab.keep_probabilities(config.sample).astype(np.float32),
                             device=device),
        top_share=top_kept_share(vocab, config),
        noise=AliasSampler(vocab.noise_distribution(config.ns_exponent), device),
        generator=generator,
        hs=HsTables.from_tree(vocab.huffman_tree(), torch.zeros(
            (max(size - 1, 0), dim), dtype=torch.float32, device=device)) if config.hs else None,
    )


def to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """Copy a 1-D int32 array to the device in chunks (it may be a read-only memmap)."""
    out = torch.empty(array.shape, dtype=torch.int32, device=device)
    for lo in range(0, len(array), SUBSAMPLE_CHUNK):
        # np.array copies the chunk: torch.from_numpy warns on a read-only array.
        out[lo:lo + SUBSAMPLE_CHUNK] = torch.from_numpy(np.array(array[lo:lo + SUBSAMPLE_CHUNK]))
    return out
