"""The torch engine: word2vec on a CUDA GPU (or on the CPU) with PyTorch.

The same model as the CPU engine -- skip-gram or CBOW (mean), negative sampling or the exact
full softmax, word2vec.c's subsampling and dynamic window, linear learning-rate decay,
input table U(+-0.5/dim), output table zeros. Two paths (:func:`uses_fused_kernels`):

- **fused** (CUDA, negative sampling with negatives shared per window): one Triton launch per
  block of centers, GPU programs training runs of windows Hogwild-style;
- **batched** (the full softmax, per-pair negatives, the CPU): summed SGD steps over batches
  of shuffled examples in eager PyTorch.

Either way everything per step runs on the device; the host only walks the schedule and
reads the loss back at each report. The modules, in the order a run uses them:

``engine``          :func:`train` (the engine contract) and :func:`uses_fused_kernels`
``device``          importing PyTorch, naming the device, the memory estimate and check
``schedule``        blocks, steps per block, programs per launch, learning rate (no PyTorch)
``tables``          what a run keeps on the device: tables, corpus, noise sampler, generator
``sampling``        draws on the device: negatives (alias table), subsampling, window radii
``meter``           the loss summed on the device, history records, the divergence check
``batched``         the batched path: each block's shuffled examples, its SGD steps
``steps``           one SGD step in eager PyTorch (negative sampling, tiled full softmax)
``fused``           the fused path: one launch per block
``triton_kernels``  the fused Triton kernels (imported only by ``fused``)

Importing this package imports neither PyTorch nor Triton (absolute imports throughout:
``import torch`` in these modules is PyTorch, never this package).
"""

from w2v.engines.torch.engine import train, uses_fused_kernels

__all__ = ["train", "uses_fused_kernels"]
