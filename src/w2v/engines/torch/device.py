"""PyTorch and the device: importing it, naming the device, and whether the run fits in it.

PyTorch is an optional dependency (the ``gpu`` extra): this module imports it only inside
:func:`import_torch`, so that importing the engine always works and training without
PyTorch raises a :class:`~w2v.errors.DeviceError` saying how to install it.
"""

from __future__ import annotations

from typing import Any

from w2v.config import TrainConfig
from w2v.engines.torch import schedule
from w2v.errors import DeviceError


def import_torch() -> Any:
    """Return the ``torch`` module, or raise :class:`DeviceError` saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        # parameter= makes the message a template (it has no other values), so that
        # {engine} is rendered as the option's name.
        raise DeviceError(
            "The torch engine needs PyTorch, which is not installed. Install it with "
            "pip install 'w2v[gpu]' (or set the {engine} to 'numba').", parameter="engine"
        ) from exc
    return torch


def resolve_device(name: str) -> Any:
    """Turn ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a ``torch.device`` that is usable.

    Raises
    ------
    DeviceError
        If the name is not one of those, or CUDA (or GPU N) is not available.
    """
    torch = import_torch()
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as exc:
        raise DeviceError("The {device} must be 'cpu', 'cuda' or 'cuda:N'. Got {got} instead.",
                          got=repr(name)) from exc
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise DeviceError("The torch engine runs on 'cpu' or 'cuda' devices; the {device} "
                          "is {got}.", got=repr(name))
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise DeviceError(
            "CUDA was requested (the {device} is {got}) but is not available: PyTorch "
            "{version} is {build} and sees no GPU. Set the {device} to 'cpu', or install a "
            "CUDA build of PyTorch on a machine with an NVIDIA GPU.", got=repr(name),
            version=torch.__version__, build=build)
    index = 0 if device.index is None else device.index
    if index >= torch.cuda.device_count():
        raise DeviceError("The {device} {got} asks for GPU {index} but only {count} GPU(s) "
                          "are visible.", got=repr(name), index=index,
                          count=torch.cuda.device_count())
    return torch.device("cuda", index)


def required_bytes(n_tokens: int, vocab_size: int, config: TrainConfig,
                   fused: bool = False) -> dict[str, int]:
    """Estimated device memory of a run, by part, in bytes (an upper bound, not a promise).

    Parameters
    ----------
    n_tokens, vocab_size : int
        Corpus words and vocabulary size.
    config : TrainConfig
        Reads ``vector_size``, ``window``, ``batch_pairs``, ``negative`` and ``loss``.
    fused : bool
        The run uses the fused kernels, which hold one block's negatives and run order
        instead of the batched path's pairs and batch buffers.

    Returns
    -------
    dict of str to int
        ``tables``, ``corpus``, then ``block`` (fused) or ``pairs`` and ``batch`` (batched).
    """
    dim, window, batch = config.vector_size, config.window, config.batch_pairs
    block = min(schedule.SHUFFLE_BLOCK, n_tokens)
    rows_per_example = config.negative + 1 if config.loss == "neg" else 1
    parts = {
        "tables": 2 * vocab_size * dim * 4,
        # ids, sentence numbers; per epoch the kept copies, radii and the subsampling mask.
        "corpus": n_tokens * (4 + 4) + n_tokens * (4 + 4 + 1 + 1),
    }
    if fused:
        # The negatives' alias draws (int64 column, float32 coin, int64 pick) and their int32
        # copy; the order, loss and count of each run.
        parts["block"] = (block * config.negative * (8 + 4 + 8 + 4)
                          + block // schedule.CENTERS_PER_RUN * 12)
        return parts
    # positions, ids and the permutation of one shuffled block of pairs.
    parts["pairs"] = block * 2 * window * 40
    # gathered rows, their gradients, scores; the softmax's logits tiles.
    parts["batch"] = (3 * batch * (rows_per_example + 2 * window) * dim * 4
                      + (3 * 4 << 24 if config.loss == "softmax" else 0))
    if config.hs:
        # w_hs, the padded paths (int64 node, float32 code and mask; at most 40 wide for
        # any real vocabulary, word2vec.c's MAX_CODE_LENGTH) and each batch's gathered path
        # rows and their gradients.
        width = 40
        parts["hs"] = vocab_size * dim * 4 + vocab_size * width * 16 + 3 * batch * width * dim * 4
    return parts


def check_device_memory(device: Any, n_tokens: int, vocab_size: int,
                        config: TrainConfig, fused: bool = False) -> None:
    """Raise :class:`DeviceError` if a CUDA device has too little free memory for the run.

    The need is :func:`required_bytes`; the CPU is not checked.
    """
    if device.type != "cuda":
        return
    torch = import_torch()
    parts = required_bytes(n_tokens, vocab_size, config, fused)
    need = sum(parts.values())
    free, total = torch.cuda.mem_get_info(device)
    if need > free:
        gib = 1 << 30
        detail = ", ".join(f"{k} {v / gib:.2f}" for k, v in parts.items())
        raise DeviceError(
            "The model does not fit in GPU memory: it needs about {need:.2f} GiB ({detail} "
            "GiB) but {name} has {free:.2f} GiB free of {total:.2f} GiB. Raise the "
            "{min_count}, lower the {vector_size} or the {batch_pairs}, or set the {engine} to "
            "'numba'.", need=need / gib, detail=detail, name=str(device), free=free / gib,
            total=total / gib)
