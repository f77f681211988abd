"""One SGD step of the torch engine's batched path, in eager PyTorch: the loss and its gradients.

Every function takes tensors and scalars and works on whatever device its tensors live on
(CUDA or CPU), with no host sync: the loss comes back as a 0-d tensor. The driver
(:mod:`w2v.engines.torch.batched`) owns the examples, the schedule and the history.

Notation (the seed's): ``v_c`` is an input ("center") row of ``w_in`` (V, D), ``u_o`` an
output ("outside") row of ``w_out`` (V, D), sigma the logistic function. A training example
is a hidden vector ``h`` (B, D) -- ``v_c`` for skip-gram, the mean of the context rows for
CBOW -- and a target word id. One step computes every gradient from the parameters as they
were before the step, then applies plain SGD with ``index_add_``: the exact SGD step of the
loss summed over the batch (no autograd, no optimizer state).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from w2v.huffman import HuffmanTree

# Rows of the output table scored at once by the full softmax: the (B, tile) logits block is
# the only memory that grows with the batch, kept near 2**24 floats (64 MB).
SOFTMAX_TILE_FLOATS = 1 << 24


@dataclass
class HsTables:
    """Hierarchical softmax on the device: the inner-node table and padded Huffman paths."""

    w_hs: torch.Tensor      # (V - 1, D) float32: inner-node output vectors
    points: torch.Tensor    # (V, L) int64: each word's inner nodes, root first, 0-padded
    codes: torch.Tensor     # (V, L) float32: its branches (0 or 1), 0-padded
    used: torch.Tensor      # (V, L) float32: 1 on the path, 0 on the padding

    @classmethod
    def from_tree(cls, tree: HuffmanTree, w_hs: torch.Tensor) -> HsTables:
        """Pad every path of ``tree`` to the longest; tensors on ``w_hs``'s device."""
        lengths = tree.lengths()
        width = max(int(lengths.max()), 1)
        column = np.arange(width)[None, :]
        used = column < lengths[:, None]                              # (V, L)
        index = np.minimum(tree.offsets[:-1, None] + column, max(len(tree.codes) - 1, 0))
        points = np.where(used, tree.points[index] if len(tree.codes) else 0, 0)
        codes = np.where(used, tree.codes[index] if len(tree.codes) else 0, 0)
        device = w_hs.device
        return cls(w_hs=w_hs, points=torch.as_tensor(points.astype(np.int64), device=device),
                   codes=torch.as_tensor(codes.astype(np.float32), device=device),
                   used=torch.as_tensor(used.astype(np.float32), device=device))


# --- one SGD step: output side -----------------------------------------------------------------

def negative_sampling_step(w_out: torch.Tensor, h: torch.Tensor, targets: torch.Tensor,
                           negatives: torch.Tensor, lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Negative-sampling loss of B examples; updates ``w_out`` in place, returns (grad_h, loss).

    loss_b = -log sigma(u_o . h_b) - sum_k log sigma(-u_k . h_b)
    grad_h_b = (sigma(u_o . h_b) - 1) u_o + sum_k sigma(u_k . h_b) u_k
    grad u_o += (sigma(u_o . h_b) - 1) h_b;  grad u_k += sigma(u_k . h_b) h_b (once per draw)

    Shapes: w_out (V, D) float32, h (B, D), targets (B,) int64, negatives (B, K) int64.
    A negative equal to its example's target is skipped, as word2vec.c does (the seed redraws
    it instead; both keep o out of the negatives). Returns grad_h (B, D) -- computed from the
    pre-step ``w_out`` -- and the summed loss as a 0-d tensor (no host sync).
    """
    rows = torch.cat([targets[:, None], negatives], dim=1)            # (B, 1+K)
    u = w_out[rows]                                                   # (B, 1+K, D)
    scores = torch.bmm(u, h[:, :, None]).squeeze(2)                   # (B, 1+K)
    used = (negatives != targets[:, None]).to(scores.dtype)           # (B, K)
    # -log sigma(s) = softplus(-s) for the target, -log sigma(-s) = softplus(s) for a negative.
    loss = F.softplus(-scores[:, 0]).sum() + (F.softplus(scores[:, 1:]) * used).sum()
    # dJ/ds: sigma(s) - 1 for the target, sigma(s) for a used negative, 0 for a skipped one.
    g = torch.sigmoid(scores)                                         # (B, 1+K)
    g[:, 0] -= 1.0
    g[:, 1:] *= used
    grad_h = torch.bmm(g[:, None, :], u).squeeze(1)                   # (B, D)
    grad_u = g[:, :, None] * h[:, None, :]                            # (B, 1+K, D)
    w_out.index_add_(0, rows.reshape(-1), grad_u.reshape(-1, h.shape[1]), alpha=-lr)
    return grad_h, loss


def hierarchical_softmax_step(tree: HsTables, h: torch.Tensor, targets: torch.Tensor,
                              lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Hierarchical-softmax loss of B examples; updates ``tree.w_hs`` in place.

    With n_d, b_d the inner nodes and branches of the target's Huffman path and
    s_bd = u_{n_d} . h_b (``docs/math.md``, hierarchical softmax):

    loss_b = -sum_d log sigma((1 - 2 b_d) s_bd)
    grad_h_b = sum_d (sigma(s_bd) - 1 + b_d) u_{n_d};  grad u_{n_d} += (sigma(s_bd) - 1 + b_d) h_b

    Paths are padded to the longest (``tree.used`` masks the padding, which points at row
    0 and adds zeros). Shapes: w_hs (V - 1, D), h (B, D), targets (B,) int64. Returns
    grad_h (B, D), from the pre-step ``w_hs``, and the summed loss (0-d tensor).
    """
    rows = tree.points[targets]                                       # (B, L)
    code = tree.codes[targets]                                        # (B, L) float
    used = tree.used[targets]                                         # (B, L) float
    u = tree.w_hs[rows]                                               # (B, L, D)
    scores = torch.bmm(u, h[:, :, None]).squeeze(2)                   # (B, L)
    # -log sigma(s) = softplus(-s) on branch 0; -log sigma(-s) = softplus(s) on branch 1.
    loss = (F.softplus(scores * (2.0 * code - 1.0)) * used).sum()
    g = (torch.sigmoid(scores) - 1.0 + code) * used                   # dJ/ds (B, L)
    grad_h = torch.bmm(g[:, None, :], u).squeeze(1)                   # (B, D)
    grad_u = g[:, :, None] * h[:, None, :]                            # (B, L, D)
    tree.w_hs.index_add_(0, rows.reshape(-1), grad_u.reshape(-1, h.shape[1]), alpha=-lr)
    return grad_h, loss


def softmax_step(w_out: torch.Tensor, h: torch.Tensor, targets: torch.Tensor,
                 lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact full-softmax loss of B examples in vocabulary tiles; updates ``w_out`` in place.

    loss_b = logsumexp_w(u_w . h_b) - u_o . h_b
    grad_h_b = sum_w p_bw u_w - u_o,      p_bw = softmax_w(u_w . h_b)
    grad u_w = sum_b (p_bw - [w == o_b]) h_b

    Memory does not grow with B x V: pass 1 streams a logsumexp over tiles of ``w_out``;
    pass 2 recomputes each tile's logits, adds its share of grad_h from the tile as it was,
    then updates that tile at once (later tiles are other rows, so every gradient still
    uses the pre-step parameters). Shapes: w_out (V, D), h (B, D), targets (B,) int64.
    Returns grad_h (B, D) and the summed loss (0-d tensor).
    """
    vocab_size = w_out.shape[0]
    tile = max(1, SOFTMAX_TILE_FLOATS // max(1, h.shape[0]))
    u_o = w_out[targets]                                              # (B, D), before updates
    lse = torch.full((h.shape[0],), float("-inf"), dtype=h.dtype, device=h.device)
    for lo in range(0, vocab_size, tile):
        logits = h @ w_out[lo:lo + tile].T                            # (B, T)
        lse = torch.logaddexp(lse, torch.logsumexp(logits, dim=1))
    loss = (lse - (h * u_o).sum(1)).sum()
    grad_h = -u_o
    for lo in range(0, vocab_size, tile):
        block = w_out[lo:lo + tile]                                   # view: updated in place
        p = torch.exp(h @ block.T - lse[:, None])                     # (B, T)
        grad_h = grad_h + p @ block
        block.add_(p.T @ h, alpha=-lr)
    # The target term of grad u_o: -h_b for each example (summed over repeats).
    w_out.index_add_(0, targets, h, alpha=lr)
    return grad_h, loss


# --- one SGD step: input side ------------------------------------------------------------------

def cbow_hidden(w_in: torch.Tensor, context_ids: torch.Tensor,
                valid: torch.Tensor, mean: bool = True) -> torch.Tensor:
    """Mean (or, ``mean=False``, sum) of the valid context rows: h (B, D) from
    context_ids (B, C) and valid (B, C).

    Every example must have at least one valid context.
    """
    weight = valid.to(w_in.dtype)
    total = torch.einsum("bc,bcd->bd", weight, w_in[context_ids])
    return total / weight.sum(1, keepdim=True) if mean else total


def cbow_input_update(w_in: torch.Tensor, context_ids: torch.Tensor, valid: torch.Tensor,
                      grad_h: torch.Tensor, lr: float) -> None:
    """Apply grad_h (B, D) to every valid context row, undivided, as word2vec.c and gensim do.

    With h the mean of n context rows the true gradient of each row is grad_h / n; word2vec.c
    (``cbow_mean=1``) adds the whole grad_h to each, and the CPU engine follows it.
    """
    # Invalid slots add zeros (to a valid row id): a fixed shape, so no host sync per step,
    # which selecting the valid slots (``nonzero``) would cost on a GPU.
    update = grad_h[:, None, :] * valid[:, :, None].to(grad_h.dtype)    # (B, C, D)
    w_in.index_add_(0, context_ids.reshape(-1), update.reshape(-1, grad_h.shape[1]), alpha=-lr)


# --- one whole SGD step ------------------------------------------------------------------------

def sgd_step(w_in: torch.Tensor, w_out: torch.Tensor, targets: torch.Tensor,
             inputs: torch.Tensor, valid: torch.Tensor | None, negatives: torch.Tensor | None,
             lr: float, *, tree: HsTables | None = None, cbow_mean: bool = True) -> torch.Tensor:
    """One SGD step on B examples, both tables updated in place; returns the summed loss.

    Skip-gram (``valid`` None): inputs (B,) are the context ids whose input rows predict
    targets (B,), the center ids. CBOW: inputs (B, C) are context ids, valid (B, C) marks
    the real ones (at least one per row), and their mean (``cbow_mean``, else their sum)
    predicts targets (B,). ``negatives`` (B, K) int64 selects negative sampling; None the
    exact full softmax, unless a Huffman ``tree`` is given: hierarchical softmax, alone
    (``negatives`` None) or with negative sampling (both gradients at the same weights).
    """
    # h (B, D): the context's input row for skip-gram, the mean of the context rows for CBOW.
    h = w_in[inputs] if valid is None else cbow_hidden(w_in, inputs, valid, cbow_mean)
    if tree is not None:
        grad_h, loss = hierarchical_softmax_step(tree, h, targets, lr)
        if negatives is not None:
            grad_neg, loss_neg = negative_sampling_step(w_out, h, targets, negatives, lr)
            grad_h, loss = grad_h + grad_neg, loss + loss_neg
    elif negatives is None:
        grad_h, loss = softmax_step(w_out, h, targets, lr)
    else:
        grad_h, loss = negative_sampling_step(w_out, h, targets, negatives, lr)
    if valid is None:
        w_in.index_add_(0, inputs, grad_h, alpha=-lr)
    else:
        cbow_input_update(w_in, inputs, valid, grad_h, lr)
    return loss
