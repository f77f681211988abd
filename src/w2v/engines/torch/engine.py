"""The torch engine's entry point: :func:`train` (the engine contract) and the choice of path.

This module imports neither PyTorch nor Triton at import time: :func:`train` imports the
path it needs once :func:`~w2v.engines.torch.device.import_torch` has found PyTorch, so a
machine without it gets a :class:`~w2v.errors.DeviceError` saying how to install it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.engines.contract import Control, EngineResult, Report, TrainingState
from w2v.engines.torch.device import check_device_memory, import_torch, resolve_device
from w2v.engines.torch.meter import Meter
from w2v.engines.torch.schedule import examples_per_step
from w2v.errors import ConfigError, DeviceError
from w2v.vocab import Vocab


def uses_fused_kernels(config: TrainConfig, device: Any) -> bool:
    """Whether a run trains with the fused Triton kernels (else the batched PyTorch steps).

    They cover negative sampling with negatives shared per window (``shared_negatives``, the
    default; skip-gram and CBOW) on CUDA, where Triton 3 is installed (it comes with
    PyTorch's CUDA builds on Linux, from PyTorch 2.4). The full softmax, per-pair negatives,
    hierarchical softmax (``hs``), CBOW on the sum (``cbow_mean=False``), fixed windows
    (``shrink_windows=False``) and the CPU use the batched steps.
    """
    if device.type != "cuda" or config.loss != "neg" or not config.shared_negatives:
        return False
    if config.hs or not config.cbow_mean or not config.shrink_windows:
        return False  # the fused kernels train negative sampling on the mean, dynamic windows
    try:
        import triton
    except ImportError:
        return False
    major = triton.__version__.split(".")[0]
    return major.isdigit() and int(major) >= 3


def train(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
          report: Report | None = None, state: TrainingState | None = None,
          control: Control | None = None) -> EngineResult:
    """Train word vectors with PyTorch on ``config.device``.

    Parameters
    ----------
    corpus : EncodedCorpus
        The corpus as ids (``ids`` uint32 (N,), ``sentence_starts`` int64 (S + 1,)).
    vocab : Vocab
        Its vocabulary (counts give subsampling and the noise distribution).
    config : TrainConfig
        Options; this engine reads ``sg, vector_size, window, negative, loss, sample,
        epochs, workers`` (CPU threads), ``alpha, min_alpha, ns_exponent, seed, init, device,
        batch_pairs, shared_negatives``.
    report : callable, optional
        Called with each history record as it is made (e.g. to drive a progress bar).
    state, control
        Given together by a distributed run (:mod:`w2v.distributed.run`): ``state`` holds
        the tables to start from, and ``control`` is asked after every step whether to
        pause, and shown the tables then (:class:`~w2v.engines.torch.pauses.HostPauses`).
        ``training`` gives neither (the torch engine does not checkpoint).

    Returns
    -------
    EngineResult
        ``w_in``, ``w_out``, the history, and in ``details``: ``kernels`` ("fused": Triton
        programs training runs of windows; "batched": PyTorch ops, one summed SGD step per
        batch; see :func:`uses_fused_kernels`), ``peak_device_bytes`` (CUDA; None on the
        CPU) and ``examples_per_step`` (batched path; None when fused).

    Raises
    ------
    ConfigError
        For ``cbow_gradient="mean"`` with CBOW (not implemented here).
    DeviceError
        If PyTorch is missing, the device is unavailable, or the model does not fit in it.
    DivergenceError
        If the loss becomes non-finite or far above the untrained model's.
    """
    if not config.sg and config.cbow_gradient != "word2vec":
        raise ConfigError("The {cbow_gradient} {got!r} is not implemented by the torch engine: "
                          "use the numba or numpy engine, or cbow_gradient='word2vec'.",
                          got=config.cbow_gradient)
    torch = import_torch()
    device = resolve_device(config.device)
    fused = uses_fused_kernels(config, device)
    check_device_memory(device, len(corpus.ids), len(vocab), config, fused)
    # Imported only now: both need PyTorch, and the fused path Triton.
    if fused:
        from w2v.engines.torch.fused import run_epoch
    else:
        from w2v.engines.torch.batched import run_epoch
    from w2v.engines.torch.pauses import HostPauses
    from w2v.engines.torch.tables import init_tables

    threads = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(config.workers)
    else:
        torch.cuda.reset_peak_memory_stats(device)
    # On CUDA, make the run's GPU the current one: Triton launches on the current device.
    on_device = torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()
    try:
        with torch.no_grad(), on_device:
            tables = init_tables(corpus, vocab, config, device)
            pauses = None
            if state is not None and control is not None:
                pauses = HostPauses(tables, state, control, len(corpus.ids))
            meter = Meter(len(corpus.ids), config, report, fused=fused, vocab_size=len(vocab))
            for epoch in range(config.epochs):
                run_epoch(tables, config, epoch, meter, pauses)
    except torch.cuda.OutOfMemoryError as exc:
        raise DeviceError(
            "{name} ran out of memory while training ({detail}). Lower the {batch_pairs} or "
            "the {vector_size}, or raise the {min_count}.", name=str(device),
            detail=str(exc)) from exc
    finally:
        torch.set_num_threads(threads)
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    details = {"kernels": "fused" if fused else "batched", "peak_device_bytes": peak,
               "examples_per_step": None if fused else examples_per_step(config,
                                                                         tables.top_share)}
    return EngineResult(w_in=tables.w_in.cpu().numpy(), w_out=tables.w_out.cpu().numpy(),
                        history=meter.history, examples=int(meter.examples),
                        device=str(device), details=details,
                        w_hs=None if tables.hs is None else tables.hs.w_hs.cpu().numpy())
