"""The numpy engine: the CPU engine's algorithm in float64 numpy, one step at a time.

Slow (each step goes through :mod:`w2v.reference`, whose gradients are dense (V, D)
matrices) and meant for small corpora: it is the oracle the fast engines are compared
with on real text. It follows the same schedule as :mod:`w2v.engines.numba_engine` --
subsampling redrawn every epoch, dynamic window 1..window, negatives shared by the
contexts of a center (or drawn per pair with ``shared_negatives=False``), CBOW on the
mean of the window, linear learning-rate decay -- but draws its random numbers from
``np.random.Generator(seed)``, so its runs are not the numba engine's bit for bit.
"""

from __future__ import annotations

import time

import numpy as np

from w2v import reference
from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.dtypes import REAL
from w2v.engines.common import initial_w_in, learning_rate
from w2v.engines.contract import Control, EngineResult, HistoryRecord, Report, TrainingState
from w2v.errors import DivergenceError
from w2v.huffman import HuffmanTree
from w2v.vocab import Vocab


def center_step(w_in: np.ndarray, w_out: np.ndarray, contexts: list[int], center: int,
                negatives: list[int] | None, lr: float, sg: bool, *,
                w_hs: np.ndarray | None = None, tree: HuffmanTree | None = None,
                cbow_mean: bool = True, mean_gradient: bool = False) -> float:
    """One SGD step for a center word, from the reference gradients (updates in place).

    Skip-gram: each context c predicts the center with the shared ``negatives``; all
    gradients are taken at the weights before the step and then applied (a batched step).
    CBOW: the mean (or, ``cbow_mean=False``, the sum) h of the context vectors predicts
    the center; every context row gets the whole gradient wrt h (word2vec.c), or with
    ``mean_gradient`` that gradient divided by the number of contexts (on the mean, the
    true gradient of each row; on the sum, gensim's ``cbow_mean=0`` step; a row that
    appears twice gets it twice).
    ``negatives=None`` uses the full softmax, unless a ``tree`` is given: then the
    hierarchical softmax over ``w_hs`` is the only loss. A ``tree`` with negatives adds
    both losses, their gradients taken at the same weights (word2vec.c's hs + negative).

    Parameters
    ----------
    w_in, w_out : np.ndarray
        float64 (V, D): input and output vectors, updated in place.
    contexts : list of int
        Context word ids of the window.
    center : int
        Center word id (the predicted word).
    negatives : list of int or None
        Negative word ids (a negative equal to ``center`` is skipped, as in word2vec.c).
    lr : float
        Learning rate.
    sg : bool
        Skip-gram (True) or CBOW.
    w_hs : np.ndarray, optional
        float64 (V - 1, D): inner-node vectors, updated in place (with ``tree``).
    tree : HuffmanTree, optional
        Turns on the hierarchical softmax.
    cbow_mean : bool
        CBOW's h is the mean (True) or the sum of the context vectors.
    mean_gradient : bool
        CBOW: each context row gets dJ/dh divided by the number of contexts.

    Returns
    -------
    float
        Summed loss of the step's examples (one per context for skip-gram, one for CBOW).
    """
    negs = None if negatives is None else [n for n in negatives if n != center]
    hs = tree is not None

    def loss_and_grads(vec: np.ndarray) -> tuple[float, np.ndarray, list[np.ndarray]]:
        """Loss, gradient wrt vec, gradients wrt the output tables (w_out, then w_hs)."""
        loss, grad_vec, grads = 0.0, np.zeros_like(vec), []
        if negs is not None or not hs:
            if negs is None:
                out = reference.naive_softmax_loss_and_gradient(vec, center, w_out)
            else:
                out = reference.neg_sampling_loss_and_gradient(
                    vec, center, w_out, neg_sample_word_indices=np.array(negs, dtype=np.int64))
            loss, grad_vec, grads = out[0], out[1], [out[2]]
        if hs:
            out = reference.hierarchical_softmax_loss_and_gradient(vec, center, w_hs,
                                                                   tree=tree)
            loss, grad_vec, grads = loss + out[0], grad_vec + out[1], [*grads, out[2]]
        return loss, grad_vec, grads

    tables = ([w_out] if negs is not None or not hs else []) + ([w_hs] if hs else [])
    if not sg:
        rows = w_in[contexts]
        loss, grad_h, grads_out = loss_and_grads(rows.mean(axis=0) if cbow_mean
                                                 else rows.sum(axis=0))
        share = 1.0 / len(contexts) if mean_gradient else 1.0
        for c in contexts:
            w_in[c] -= lr * share * grad_h
        for table, grad in zip(tables, grads_out, strict=True):
            table -= lr * grad
        return float(loss)
    total, grads_in = 0.0, []
    grads_out_sum = [np.zeros_like(table) for table in tables]
    for c in contexts:
        loss, grad_in, grads_out = loss_and_grads(w_in[c])
        total += loss
        grads_in.append(grad_in)
        for acc, grad in zip(grads_out_sum, grads_out, strict=True):
            acc += grad
    for c, grad_in in zip(contexts, grads_in, strict=True):
        w_in[c] -= lr * grad_in
    for table, grad in zip(tables, grads_out_sum, strict=True):
        table -= lr * grad
    return total


def train(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
          report: Report | None = None, state: TrainingState | None = None,
          control: Control | None = None) -> EngineResult:
    """Train with the numpy engine (the :class:`~w2v.engines.contract.Engine` contract).

    Computes in float64 on purpose: it is the oracle the float32 engines are compared with.
    It cannot checkpoint (``state`` is never given to it); ``control`` is told when each
    epoch begins and ends (epoch callbacks, early stopping), with the float64 weights.

    Returns
    -------
    EngineResult
        float32 (V, D) ``w_in`` and ``w_out`` and one history record per epoch.
    """
    rng = np.random.default_rng(config.seed)
    size, dim = len(vocab), config.vector_size
    w_in = initial_w_in(rng, size, config, dtype=np.float64)
    w_out = np.zeros((size, dim))
    tree = vocab.huffman_tree() if config.hs else None
    w_hs = np.zeros((tree.inner_nodes, dim)) if tree is not None else None
    hs = (w_hs, tree)
    keep = vocab.keep_probabilities(config.sample)
    # rng.choice(V, k, p=noise) draws searchsorted(cumsum(noise), uniforms); the cumulative
    # table is built once here instead of in every call (same draws, no O(V) work per center).
    noise_cdf = np.cumsum(vocab.noise_distribution(config.ns_exponent))
    noise_cdf /= noise_cdf[-1]
    ids, starts = np.asarray(corpus.ids, dtype=np.int64), corpus.sentence_starts
    n_words = max(int(starts[-1]), 1)
    history: list[HistoryRecord] = []
    t0 = time.perf_counter()
    all_examples = 0
    control = control if control is not None else Control()
    live = TrainingState(w_in=w_in, w_out=w_out, rng_states=np.zeros((1, 1), dtype=np.uint64),
                         w_hs=w_hs)
    for epoch in range(config.epochs):
        control.epoch_begin(epoch, live)
        t_epoch, loss, examples = time.perf_counter(), 0.0, 0
        for s in range(len(starts) - 1):
            a, b = int(starts[s]), int(starts[s + 1])
            sentence = ids[a:b][rng.random(b - a) < keep[ids[a:b]]]
            for p, center in enumerate(sentence):
                progress = (epoch + (a + p * (b - a) / len(sentence)) / n_words) / config.epochs
                lr = learning_rate(config, progress)
                reach = (int(config.window - rng.integers(config.window))
                         if config.shrink_windows else config.window)
                contexts = [int(c) for c in np.concatenate(
                    [sentence[max(0, p - reach):p], sentence[p + 1:p + 1 + reach]])]
                if not contexts:
                    continue
                step_loss, step_examples = _center(w_in, w_out, contexts, int(center), lr,
                                                   config, rng, noise_cdf, hs)
                loss, examples = loss + step_loss, examples + step_examples
        if not np.isfinite(loss):
            raise DivergenceError("Training diverged in epoch {epoch}: the loss is not finite. "
                                  "Lower the {alpha} (now {now}).", epoch=epoch + 1,
                                  now=config.alpha)
        now = time.perf_counter()
        entry = HistoryRecord.of_span(
            "epoch", epoch, n_words * (epoch + 1), loss, examples, n_words, now - t_epoch,
            learning_rate(config, (epoch + 1) / config.epochs), now - t0)
        history.append(entry)
        all_examples += examples
        if report is not None:
            report(entry)
        live.epoch = epoch + 1
        if control.epoch_end(epoch, live):  # a callback stopped training early
            break
    return EngineResult(w_in.astype(REAL), w_out.astype(REAL), history, examples=all_examples,
                        w_hs=None if w_hs is None else w_hs.astype(REAL))


def _center(w_in: np.ndarray, w_out: np.ndarray, contexts: list[int], center: int, lr: float,
            config: TrainConfig, rng: np.random.Generator, noise_cdf: np.ndarray,
            hs: tuple[np.ndarray | None, HuffmanTree | None]) -> tuple[float, int]:
    """Draw negatives as the config says and take the center's step(s): (loss, examples)."""
    sg, k = config.sg, config.negative
    options = {"w_hs": hs[0], "tree": hs[1], "cbow_mean": config.cbow_mean,
               "mean_gradient": config.cbow_gradient == "mean"}
    if config.loss == "softmax" and sg:
        # One pair after the other, as the numba kernel does (no negatives to share).
        return sum(center_step(w_in, w_out, [c], center, None, lr, True, **options)
                   for c in contexts), len(contexts)
    if config.loss == "softmax" or k == 0:  # the full softmax, or hs alone
        return center_step(w_in, w_out, contexts, center, None, lr, sg, **options), \
            len(contexts) if sg else 1
    if sg and not config.shared_negatives:
        total = 0.0
        for c in contexts:
            negatives = _negatives(rng, noise_cdf, k)
            total += center_step(w_in, w_out, [c], center, negatives, lr, True, **options)
        return total, len(contexts)
    negatives = _negatives(rng, noise_cdf, k)
    return center_step(w_in, w_out, contexts, center, negatives, lr, sg, **options), \
        len(contexts) if sg else 1


def _negatives(rng: np.random.Generator, noise_cdf: np.ndarray, k: int) -> list[int]:
    """``k`` noise words: the same draws as ``rng.choice(V, k, p=noise)``."""
    return [int(n) for n in noise_cdf.searchsorted(rng.random(k), side="right")]
