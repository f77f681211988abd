"""Fused Triton kernels of the torch engine: GPU programs train runs of windows, Hogwild.

One kernel launch trains a whole block of kept centers, the way word2vec.c's threads do,
instead of the batched path's summed SGD steps (:mod:`w2v.engines.torch.steps`), which read
and write each row through separate kernels:

- The block is cut into **runs** of ``centers_per_run`` consecutive kept centers. Each
  **program** trains runs one after the other, and a run's centers one after the other: for
  each center it loads the window's context rows and the target rows (the center and its K
  negatives) once, computes every score, gradient and the loss in registers, and adds the
  updates to the two tables with atomic adds. Updates are applied at once, window by window
  (word2vec.c's per-window granularity), not summed over a big batch, so a frequent row sees
  at most as many stale updates as there are windows in flight -- at most one per program,
  and the caller can bound the programs -- never the thousands of identical ones that make
  large summed batches diverge (``docs/gpu.md``).
- Runs are taken in a **random order** (``order``, a permutation drawn per block): the
  windows in flight at any moment are spread over the whole block, not crowded into one
  article, which is what made pairs in corpus order diverge.
- The K negatives are **shared by all contexts of a window** (Ji et al. 2016; the CPU
  engine's default): a skip-gram window is then one small matrix product of its (up to
  2 * window) context rows by its K + 1 target rows.

The math of one window is the CPU engine's (:func:`w2v.engines.numba_kernels.sg_neg_update`,
:func:`~w2v.engines.numba_kernels.cbow_neg_update`): skip-gram in word2vec.c's orientation
(the context's input row predicts the center against the negatives), a negative equal to the
center skipped, CBOW's mean of the context rows with the whole dJ/dh added to each context
row. Every gradient of a window uses the tables as the program read them at the window's
start; atomic adds make repeated rows within a window (and across programs) sum instead of
overwrite.

This module imports Triton; only :mod:`w2v.engines.torch.fused` imports it, when a run
trains on CUDA. The tests run these kernels on the CPU through Triton's interpreter
(``TRITON_INTERPRET=1``), which executes the programs one after the other.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from triton.errors import TritonError

from w2v.errors import DeviceError


@triton.jit
def _window(ids, sentence, radius, n, i, slot, WINDOW: tl.constexpr):
    """Context slots of center ``i``: (context ids, valid mask), each of ``slot``'s shape.

    Slot j < WINDOW holds offset j - WINDOW, slot j >= WINDOW offset j - WINDOW + 1; a slot
    is valid when its offset is within the center's radius, inside the array and in the
    center's sentence (word2vec.c's dynamic window over the kept words).
    """
    offset = tl.where(slot < WINDOW, slot - WINDOW, slot - WINDOW + 1)
    pos = i + offset
    r = tl.load(radius + i).to(tl.int32)
    ok = (slot < 2 * WINDOW) & (offset <= r) & (-offset <= r) & (pos >= 0) & (pos < n)
    same = tl.load(sentence + pos, mask=ok, other=-1) == tl.load(sentence + i)
    ok = ok & same
    return tl.load(ids + pos, mask=ok, other=0), ok


@triton.jit
def _targets(ids, negatives, i, block_start, target, K: tl.constexpr):
    """Target slots of center ``i``: (word ids, valid mask, label). Slot 0 is the center.

    Slots 1..K hold the window's negatives; one equal to the center is not used (word2vec.c).
    """
    word = tl.load(ids + i)
    is_neg = (target >= 1) & (target <= K)
    neg = tl.load(negatives + (i - block_start) * K + target - 1, mask=is_neg, other=0)
    rows = tl.where(target == 0, word, neg)
    ok = (target == 0) | (is_neg & (neg != word))
    return rows, ok, target == 0


@triton.jit
def _log_one_plus_exp(z):
    """log(1 + e^z) without overflow: -log sigma(-z)."""
    return tl.maximum(z, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(z)))


# Triton compiles a variant per divisibility-by-16 of each integer argument; n and the block
# bounds change from call to call, so they are not specialised: one compilation per shape.
_VARYING = ["n", "block_start", "block_stop", "runs"]


@triton.jit
def _train_window(w_in, w_out, ids, sentence, radius, negatives, n, block_start, i, lr,
                  SG: tl.constexpr, DIM: tl.constexpr, BLOCK_D: tl.constexpr,
                  WINDOW: tl.constexpr, SLOTS: tl.constexpr, K: tl.constexpr,
                  TARGETS: tl.constexpr):
    """Train center ``i``; returns (summed loss, examples: skip-gram pairs or 1 CBOW window).

    Skip-gram: each context's input row x_j predicts the center against the K negatives,
    g_jk = lr (label_k - sigma(x_j . y_k)), x_j += sum_k g_jk y_k, y_k += sum_j g_jk x_j.
    CBOW: h = mean of the context rows, g_k = lr (label_k - sigma(h . y_k)), y_k += g_k h,
    and every context row += sum_k g_k y_k (undivided, as word2vec.c).
    """
    d = tl.arange(0, BLOCK_D)
    d_ok = d < DIM
    target = tl.arange(0, TARGETS)
    ctx, ctx_ok = _window(ids, sentence, radius, n, i, tl.arange(0, SLOTS), WINDOW)
    n_ctx = tl.sum(ctx_ok.to(tl.int32))
    tgt, tgt_ok, label = _targets(ids, negatives, i, block_start, target, K)
    # A center without context trains nothing: no (zero) updates to its targets. (Broadcast
    # before the &: Triton's interpreter turns a block & a 0-d bool into int32.)
    tgt_ok = tgt_ok & (tl.zeros_like(target) + n_ctx > 0)
    x_ptr = w_in + ctx.to(tl.int64)[:, None] * DIM + d[None, :]
    y_ptr = w_out + tgt.to(tl.int64)[:, None] * DIM + d[None, :]
    x_ok = ctx_ok[:, None] & d_ok[None, :]
    y_ok = tgt_ok[:, None] & d_ok[None, :]
    # .cg: from L2, where the atomic adds of every SM land (an SM's L1 is not kept coherent).
    x = tl.load(x_ptr, mask=x_ok, other=0.0, cache_modifier=".cg")   # (SLOTS, BLOCK_D)
    y = tl.load(y_ptr, mask=y_ok, other=0.0, cache_modifier=".cg")   # (TARGETS, BLOCK_D)
    if SG:
        score = tl.dot(x, tl.trans(y), input_precision="ieee")      # (SLOTS, TARGETS)
        pair_ok = ctx_ok[:, None] & tgt_ok[None, :]
        # J = -log sigma(s) for the center, -log sigma(-s) for a negative.
        z = tl.where(label[None, :], -score, score)
        loss = tl.sum(tl.where(pair_ok, _log_one_plus_exp(z), 0.0))
        # g = -lr dJ/ds = lr (label - sigma(s)); zero for the slots not used.
        g = tl.where(pair_ok, lr * (label[None, :].to(tl.float32) - tl.sigmoid(score)), 0.0)
        dx = tl.dot(g, y, input_precision="ieee")                   # (SLOTS, BLOCK_D)
        dy = tl.dot(tl.trans(g), x, input_precision="ieee")         # (TARGETS, BLOCK_D)
        tl.atomic_add(x_ptr, dx, mask=x_ok, sem="relaxed")
        tl.atomic_add(y_ptr, dy, mask=y_ok, sem="relaxed")
        examples = n_ctx
    else:
        h = tl.sum(x, axis=0) / tl.maximum(n_ctx, 1).to(tl.float32)  # (BLOCK_D,)
        score = tl.sum(y * h[None, :], axis=1)                      # (TARGETS,)
        z = tl.where(label, -score, score)
        loss = tl.sum(tl.where(tgt_ok, _log_one_plus_exp(z), 0.0))
        g = tl.where(tgt_ok, lr * (label.to(tl.float32) - tl.sigmoid(score)), 0.0)
        dh = tl.sum(g[:, None] * y, axis=0)                         # (BLOCK_D,)
        tl.atomic_add(y_ptr, g[:, None] * h[None, :], mask=y_ok, sem="relaxed")
        tl.atomic_add(x_ptr, tl.broadcast_to(dh[None, :], (SLOTS, BLOCK_D)), mask=x_ok,
                      sem="relaxed")
        examples = (n_ctx > 0).to(tl.int32)
    return loss, examples


@triton.jit(do_not_specialize=_VARYING)
def neg_kernel(w_in, w_out, ids, sentence, radius, negatives, order, loss_out, count_out,
               n, block_start, block_stop, runs, centers_per_run, lr_first, lr_step,
               SG: tl.constexpr, DIM: tl.constexpr, BLOCK_D: tl.constexpr,
               WINDOW: tl.constexpr, SLOTS: tl.constexpr, K: tl.constexpr,
               TARGETS: tl.constexpr):
    """Negative sampling, skip-gram (SG) or CBOW: program p trains runs ``order[r]`` for
    r = p, p + P, p + 2P, ... (P programs), each run's centers in order.

    Tables: w_in, w_out (V, DIM) float32, updated in place. Corpus (kept tokens of the
    epoch): ids, sentence (n,) int32, radius (n,) uint8. negatives (block_stop -
    block_start, K) int32. order (runs,) int32: a permutation; run j holds centers
    ``block_start + j * centers_per_run`` onward. Learning rate of the r-th run taken:
    ``lr_first - r * lr_step``. Outputs per program: loss_out float32 (summed loss),
    count_out int32 (examples: skip-gram pairs or CBOW windows). SLOTS, TARGETS: powers of
    two >= 2 * WINDOW and >= K + 1, at least 16 (the sizes ``tl.dot`` needs).
    """
    p = tl.program_id(0)
    loss = tl.zeros((), tl.float32)
    count = tl.zeros((), tl.int32)
    for r in range(p, runs, tl.num_programs(0)):
        lr = lr_first - r * lr_step
        start = block_start + tl.load(order + r) * centers_per_run
        for i in range(start, tl.minimum(start + centers_per_run, block_stop)):
            window_loss, examples = _train_window(
                w_in, w_out, ids, sentence, radius, negatives, n, block_start, i, lr,
                SG, DIM, BLOCK_D, WINDOW, SLOTS, K, TARGETS)
            loss += window_loss
            count += examples
            # The next window (which shares most rows with this one) reads after every
            # thread's updates of this one.
            tl.debug_barrier()
    tl.store(loss_out + p, loss)
    tl.store(count_out + p, count)


def _padded(size: int) -> int:
    """The power of two >= size, at least 16 (``tl.dot``'s smallest operand side)."""
    return max(16, triton.next_power_of_2(size))


def num_warps(slots: int, block_d: int) -> int:
    """Warps per program for a (slots, block_d) context tile: 4 up to 2,048 floats, then more.

    One warp per 512 floats of the tile, 4 to 16: with 4 warps at every shape, the
    skip-gram kernel compiled for sm_90 spills registers at 300 dims or at window 10; with
    these it does not at the shapes in ``docs/gpu.md``.
    """
    return max(4, min(16, slots * block_d // 512))


def train_block(w_in: torch.Tensor, w_out: torch.Tensor, ids: torch.Tensor,
                sentence: torch.Tensor, radius: torch.Tensor, negatives: torch.Tensor,
                order: torch.Tensor, block_start: int, block_stop: int,
                centers_per_run: int, lr_first: float, lr_last: float, *, sg: bool,
                window: int, programs: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Train the kept centers ``[block_start, block_stop)`` in one launch.

    Parameters
    ----------
    w_in, w_out : torch.Tensor
        (V, D) float32, contiguous: the tables, updated in place.
    ids, sentence : torch.Tensor
        (n,) int32: the epoch's kept tokens and their sentence numbers. Windows may reach
        outside the block (never outside the sentence).
    radius : torch.Tensor
        (n,) uint8: each center's window radius, in 1..window.
    negatives : torch.Tensor
        (block_stop - block_start, K) int32: each center's negatives, shared by its window.
    order : torch.Tensor
        (runs,) int32: a permutation of the block's runs, in the order they are taken; run j
        holds the centers ``block_start + j * centers_per_run`` onward (the last one may be
        short), so runs = ceil((block_stop - block_start) / centers_per_run).
    block_start, block_stop : int
        The block, as positions in ``ids``.
    centers_per_run : int
        Consecutive centers a program trains in a row.
    lr_first, lr_last : float
        Learning rates of the first and the last run taken (linear in between; a block of
        one run trains at ``lr_first``).
    sg : bool
        Skip-gram (True) or CBOW.
    window : int
        The largest radius (``config.window``).
    programs : int, optional
        Programs launched (default: one per run): at most this many windows are trained at
        once, which bounds how stale a row can be when it is read.

    Returns
    -------
    (loss, count) : 0-d float64 and int64 tensors on the device (no host sync): the summed
    loss and the number of examples trained (skip-gram pairs or CBOW windows).

    Raises
    ------
    ValueError
        If ``order`` or ``negatives`` do not match the block (a caller's bug: the kernel
        would skip centers or read out of bounds).
    DeviceError
        If Triton cannot build or launch the kernel on this device.
    """
    runs, centers = len(order), block_stop - block_start
    if runs != -(-centers // centers_per_run) or negatives.shape[0] != centers:
        raise ValueError(
            f"A block of {centers} centers in runs of {centers_per_run} needs an order of "
            f"{-(-centers // centers_per_run)} runs and {centers} rows of negatives; got "
            f"{runs} and {negatives.shape[0]}.")
    programs = runs if programs is None else max(1, min(runs, programs))
    k = negatives.shape[1]
    loss = torch.empty(programs, dtype=torch.float32, device=w_in.device)
    count = torch.empty(programs, dtype=torch.int32, device=w_in.device)
    lr_step = (lr_first - lr_last) / max(1, runs - 1)
    slots, block_d = _padded(2 * window), _padded(w_in.shape[1])
    try:
        neg_kernel[(programs,)](
            w_in, w_out, ids, sentence, radius, negatives, order, loss, count,
            len(ids), block_start, block_stop, runs, centers_per_run, lr_first, lr_step,
            SG=sg, DIM=w_in.shape[1], BLOCK_D=block_d, WINDOW=window, SLOTS=slots, K=k,
            TARGETS=_padded(k + 1), num_warps=num_warps(slots, block_d))
    except TritonError as exc:
        # A Triton that cannot build for this GPU, or a shape that needs more shared memory
        # or registers than it has: say so in one line, and how to train without the kernels.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DeviceError(
            "The fused CUDA kernels could not run on {device} (Triton {version}: {reason}). "
            "Set the {shared_negatives} to False (per-pair negatives), which trains on the "
            "batched PyTorch path.", device=str(w_in.device), version=triton.__version__,
            reason=reason) from exc
    return loss.double().sum(), count.sum()
