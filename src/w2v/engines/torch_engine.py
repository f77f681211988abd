"""The torch engine: word2vec on a CUDA GPU (or on the CPU) with PyTorch.

The same model as the CPU engine -- skip-gram or CBOW (mean), negative sampling or the exact
full softmax, word2vec.c's subsampling and dynamic window, linear learning-rate decay,
input table U(+-0.5/dim), output table zeros. Two paths (:func:`uses_fused_kernels`):

- **fused** (CUDA, negative sampling with negatives shared per window): one Triton launch per
  block of centers, GPU programs training runs of windows Hogwild-style
  (:mod:`w2v.engines.triton_kernels`);
- **batched** (the full softmax, per-pair negatives, the CPU): summed SGD steps over batches
  of shuffled pairs in eager PyTorch (:mod:`w2v.engines.torch_kernels`).

Either way everything per step runs on the device; the host only walks the schedule and
reads the loss back at each report.

Why the batches look the way they do (``docs/gpu.md``, measured in
``../shared/reference/gpu_sgns_findings.md``): pairs taken in corpus order diverge at a few
thousand pairs per step, because a word bursty within one article gets dozens of identical
stale gradients summed in one step. So the pairs of each block of up to
:data:`SHUFFLE_BLOCK` kept centers (the whole epoch on the text8 prefix) are shuffled before
batching. Even shuffled, summed SGD at lr 0.025 diverges at 65,536 pairs per step, so the
default ``batch_pairs`` is 16,384 (lowered where one word dominates the kept tokens); a
CBOW step takes as many (context, center) pairs, i.e. ``batch_pairs // (2 * window)``
windows (:func:`examples_per_step`).

PyTorch is an optional dependency (the ``gpu`` extra): this module imports it only inside
its functions (:func:`import_torch`), so importing the module always works and training
without PyTorch raises a :class:`~w2v.errors.DeviceError` saying how to install it.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.engines.common import initial_w_in, learning_rate
from w2v.engines.contract import Control, EngineResult, HistoryRecord, Report, TrainingState
from w2v.errors import DeviceError, DivergenceError
from w2v.vocab import Vocab

# Kept centers whose pairs are generated and shuffled together. Bounds the pair buffers
# (about 2 * window * SHUFFLE_BLOCK pairs, 40 bytes each) while keeping each shuffle wide
# enough to spread bursty words over many steps.
SHUFFLE_BLOCK = 1 << 21
# Tokens subsampled at once: bounds the (chunk,) random buffer.
SUBSAMPLE_CHUNK = 1 << 24
# Batched path: expected pairs per step whose input is the most frequent kept word (its input
# row gets their gradients summed). Measured on text8, skip-gram, lr 0.025: 80 (the prefix,
# sample 1e-4, 16,384 pairs per step), 96, 104 and 156 trained normally; 208 (its first 500k
# words, sample 1e-3 -- the default -- at 16,384 pairs), 321 and 983 (sample 0) diverged.
MAX_ROW_PAIRS = 100
# A mean loss this many times the untrained model's is divergence (it only falls in training).
DIVERGED_LOSS_FACTOR = 100
# Fused (Triton) path: consecutive kept centers trained in a row by one program (a run). Short
# runs spread the windows in flight over the whole block (the runs are taken in a random
# order); long ones amortise each run's start.
CENTERS_PER_RUN = 16
# Wall seconds between history records (each record reads the loss back: one device sync).
REPORT_SECONDS = 1.0



def import_torch() -> Any:
    """Return the ``torch`` module, or raise :class:`DeviceError` saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise DeviceError(
            "The torch engine needs PyTorch, which is not installed. Install it with "
            "pip install 'w2v[gpu]' (or set the {engine} to 'numba')."
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


def uses_fused_kernels(config: TrainConfig, device: Any) -> bool:
    """Whether a run trains with the fused Triton kernels (else the batched PyTorch steps).

    They cover negative sampling with negatives shared per window (``shared_negatives``, the
    default; skip-gram and CBOW) on CUDA, where Triton 3 is installed (it comes with
    PyTorch's CUDA builds on Linux, from PyTorch 2.4). The full softmax, per-pair negatives
    and the CPU use the batched steps.
    """
    if device.type != "cuda" or config.loss != "neg" or not config.shared_negatives:
        return False
    try:
        import triton
    except ImportError:
        return False
    major = triton.__version__.split(".")[0]
    return major.isdigit() and int(major) >= 3


def required_bytes(n_tokens: int, vocab_size: int, config: TrainConfig,
                   fused: bool = False) -> dict[str, int]:
    """Estimated device memory of a run, by part, in bytes (an upper bound, not a promise).

    ``fused``: the run uses the fused kernels (:func:`uses_fused_kernels`), which hold one
    block's negatives and run order instead of the batched path's pairs and batch buffers.
    """
    dim, window, batch = config.vector_size, config.window, config.batch_pairs
    block = min(SHUFFLE_BLOCK, n_tokens)
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
                          + block // CENTERS_PER_RUN * 12)
        return parts
    # positions, ids and the permutation of one shuffled block of pairs.
    parts["pairs"] = block * 2 * window * 40
    # gathered rows, their gradients, scores; the softmax's logits tiles.
    parts["batch"] = (3 * batch * (rows_per_example + 2 * window) * dim * 4
                      + (3 * 4 << 24 if config.loss == "softmax" else 0))
    return parts


def check_device_memory(device: Any, n_tokens: int, vocab_size: int,
                        config: TrainConfig, fused: bool = False) -> None:
    """Raise :class:`DeviceError` if a CUDA device has too little free memory for the run."""
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


@dataclass
class _Tables:
    """Everything one run keeps on the device (and the one host number its steps need)."""

    w_in: Any          # (V, D) float32: input ("center") vectors, the result
    w_out: Any         # (V, D) float32: output ("outside") vectors
    ids: Any           # (N,) int32: the corpus
    sentence: Any      # (N,) int32: sentence number of each token
    keep: Any          # (V,) float32: subsampling keep probability
    top_share: float   # the most frequent word's share of the kept tokens
    noise: Any         # AliasSampler over unigram ** ns_exponent
    generator: Any     # torch.Generator on the device


def _init_tables(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig,
                 device: Any) -> _Tables:
    torch = import_torch()
    from w2v.engines.torch_kernels import AliasSampler

    # One numpy Generator from the seed: it draws the initial table (the same on every
    # device) and seeds the device's torch.Generator.
    rng = np.random.default_rng(config.seed)
    size, dim = len(vocab), config.vector_size
    w_in = initial_w_in(rng, size, config)
    generator = torch.Generator(device=device)
    generator.manual_seed(int(rng.integers(2**62)))
    lengths = np.diff(np.asarray(corpus.sentence_starts, dtype=np.int64))
    sentence = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    ids = np.asarray(corpus.ids, dtype=np.uint32).view(np.int32)  # ids < 2**31
    return _Tables(
        w_in=torch.as_tensor(w_in, device=device),
        w_out=torch.zeros((size, dim), dtype=torch.float32, device=device),
        ids=_to_device(ids, device),
        sentence=_to_device(sentence, device),
        keep=torch.as_tensor(vocab.keep_probabilities(config.sample).astype(np.float32),
                             device=device),
        top_share=top_kept_share(vocab, config),
        noise=AliasSampler(vocab.noise_distribution(config.ns_exponent), device),
        generator=generator,
    )


def _to_device(array: np.ndarray, device: Any) -> Any:
    """Copy a 1-D int32 array to the device in chunks (it may be a read-only memmap)."""
    torch = import_torch()
    out = torch.empty(array.shape, dtype=torch.int32, device=device)
    for lo in range(0, len(array), SUBSAMPLE_CHUNK):
        out[lo:lo + SUBSAMPLE_CHUNK] = torch.from_numpy(np.array(array[lo:lo + SUBSAMPLE_CHUNK]))
    return out


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
        epochs, workers`` (CPU threads), ``alpha, min_alpha, ns_exponent, seed, device,
        batch_pairs``.
    report : callable, optional
        Called with each history record as it is made (e.g. to drive a progress bar).
    state, control
        Not supported (the torch engine does not checkpoint); never given by ``training``.

    Returns
    -------
    EngineResult
        ``w_in``, ``w_out``, the history, and in ``details``: ``kernels`` ("fused": Triton
        programs training runs of windows; "batched": PyTorch ops, one summed SGD step per
        batch; see :func:`uses_fused_kernels`), ``peak_device_bytes`` (CUDA; None on the
        CPU) and ``examples_per_step`` (batched path; None when fused).

    Raises
    ------
    DeviceError
        If PyTorch is missing, the device is unavailable, or the model does not fit in it.
    DivergenceError
        If the loss becomes non-finite.
    """
    torch = import_torch()
    device = resolve_device(config.device)
    fused = uses_fused_kernels(config, device)
    check_device_memory(device, len(corpus.ids), len(vocab), config, fused)
    threads = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(config.workers)
    else:
        torch.cuda.reset_peak_memory_stats(device)
    run_epoch = _run_epoch_fused if fused else _run_epoch
    # On CUDA, make the run's GPU the current one: Triton launches on the current device.
    on_device = torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()
    try:
        with torch.no_grad(), on_device:
            tables = _init_tables(corpus, vocab, config, device)
            meter = _Meter(len(corpus.ids), config, report, fused=fused,
                           vocab_size=len(vocab))
            for epoch in range(config.epochs):
                run_epoch(tables, config, epoch, meter)
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
                        device=str(device), details=details)


class _Meter:
    """Loss (kept on the device) and counts since the last interval and epoch record."""

    def __init__(self, words_per_epoch: int, config: TrainConfig, report: Report | None, *,
                 fused: bool, vocab_size: int) -> None:
        self.words_per_epoch = words_per_epoch
        self.report = report
        # The loss of the untrained model (zero output table): (1 + K) log 2 per negative-
        # sampling example, log V for the softmax. Training lowers it; a mean loss far above it
        # is divergence even while it is still finite.
        self.loss_start = ((1 + config.negative) * math.log(2) if config.loss == "neg"
                           else math.log(vocab_size))
        self.loss_limit = DIVERGED_LOSS_FACTOR * self.loss_start
        # What to lower when training diverges (batch_pairs does not apply to the fused path).
        self.advice = ("Lower the {alpha} (now {now_alpha})." if fused else
                       "Lower the {batch_pairs} (now {now_batch}) or the {alpha} "
                       "(now {now_alpha}).")
        self.advice_values = {"now_alpha": config.alpha, "now_batch": config.batch_pairs}
        self.history: list[HistoryRecord] = []
        self.examples = 0
        self.start = time.perf_counter()
        # Per kind: [loss sum (device tensor or 0.0), examples, time, words] at the last record.
        self.open = {"interval": [0.0, 0, self.start, 0], "epoch": [0.0, 0, self.start, 0]}

    def add(self, loss: Any, examples: Any) -> None:
        """Add a step's summed loss (0-d tensor) and its examples (int or 0-d tensor)."""
        # float64 sums on the device: no sync per step, no float32 drift over millions of
        # steps (a fused launch sums its programs' float32 partial sums here).
        loss = loss.double()
        for acc in self.open.values():
            acc[0] = acc[0] + loss
            acc[1] += examples
        self.examples += examples

    def record(self, kind: str, epoch: int, epochs_done: float, alpha: float,
               force: bool = False) -> None:
        """Append a record of ``kind``; an interval only after REPORT_SECONDS, or ``force``."""
        now = time.perf_counter()
        loss_sum, examples, since, words_then = self.open[kind]
        if kind == "interval" and now - since < REPORT_SECONDS and not force:
            return
        examples = int(examples)  # device syncs: the examples, then the loss
        if kind == "interval" and examples == 0:
            return
        loss_sum = float(loss_sum)
        loss = loss_sum / examples if examples else float("nan")
        if examples and not loss <= self.loss_limit:  # also NaN
            raise DivergenceError(
                "Training diverged in epoch {epoch}: the mean loss became {loss:.4g} "
                "(untrained: {start:.3g}). " + self.advice, epoch=epoch + 1, loss=loss,
                start=self.loss_start, **self.advice_values)
        words = round(self.words_per_epoch * epochs_done)
        entry = HistoryRecord.of_span(kind, epoch, words, loss_sum, examples, words - words_then,
                                      now - since, alpha, now - self.start)
        self.history.append(entry)
        self.open[kind] = [0.0, 0, now, words]
        if self.report is not None:
            self.report(entry)


def top_kept_share(vocab: Vocab, config: TrainConfig) -> float:
    """The most frequent word's share of the tokens that subsampling keeps (expected)."""
    kept = vocab.counts * vocab.keep_probabilities(config.sample)
    return float(kept.max() / kept.sum()) if kept.sum() > 0 else 0.0


def examples_per_step(config: TrainConfig, top_share: float = 0.0) -> int:
    """Examples per batched SGD step: skip-gram pairs, or CBOW windows holding as many pairs.

    The pairs per step are ``batch_pairs``, lowered where needed so that the most frequent
    kept word (``top_share`` of the kept tokens) is the input of at most about
    :data:`MAX_ROW_PAIRS` pairs of one step: its input row gets that many stale gradients
    summed, and too many make training diverge.

    A CBOW window adds its whole dJ/dh to each of its up to 2 * window context rows, so a
    frequent word gets about 2 * window times more summed updates per window than per
    skip-gram pair. Measured on the text8 prefix (CBOW, alpha 0.05): 16,384 windows per
    step diverge, 8,192 do not; the default 16,384 pairs gives 1,638 windows.
    """
    pairs = config.batch_pairs
    if top_share > 0:
        pairs = max(1, min(pairs, int(MAX_ROW_PAIRS / top_share)))
    if config.sg:
        return pairs
    return max(1, pairs // (2 * config.window))


def fused_programs(config: TrainConfig, top_share: float) -> int | None:
    """Programs per fused launch, or None for one per run (the GPU then decides how many run).

    Each program trains one window at a time, so the programs bound the windows in flight,
    hence the stale gradients a row can get: as :func:`examples_per_step` does for the
    batched path, the most frequent kept word is kept to about :data:`MAX_ROW_PAIRS`
    contexts in flight (a window has window + 1 contexts on average). On text8 that is
    3,400 programs at sample 1e-4 and 1,312 at 1e-3 -- more than an H100 holds at once at
    100 dims, so no limit in effect -- and 277 at sample 0.
    """
    if top_share <= 0:
        return None
    return max(1, int(MAX_ROW_PAIRS / (top_share * (config.window + 1))))


def _learning_rate(config: TrainConfig, epochs_done: float) -> float:
    """Linear decay from alpha to min_alpha over all epochs (word2vec.c, gensim)."""
    return learning_rate(config, epochs_done / config.epochs)


def _run_epoch(t: _Tables, config: TrainConfig, epoch: int, meter: _Meter) -> None:
    """One pass: subsample, draw windows, then shuffled batches block by block."""
    kept_ids, kept_sentence, radius = _epoch_tokens(t, config)
    n = len(kept_ids)
    alpha = config.alpha
    for start in range(0, n, SHUFFLE_BLOCK):
        stop = min(n, start + SHUFFLE_BLOCK)
        targets, inputs, valid = _block_examples(t, config, kept_ids, kept_sentence, radius,
                                                 start, stop)
        m, step = len(targets), examples_per_step(config, t.top_share)
        for b in range(0, m, step):
            epochs_done = epoch + (start + (stop - start) * b / m) / n
            alpha = _learning_rate(config, epochs_done)
            e = min(m, b + step)
            batch_valid = None if valid is None else valid[b:e]
            loss = _step(t, config, targets[b:e], inputs[b:e], batch_valid, alpha)
            meter.add(loss, e - b)
            meter.record("interval", epoch, epoch + (start + (stop - start) * e / m) / n, alpha)
    meter.record("interval", epoch, epoch + 1.0, alpha, force=True)
    meter.record("epoch", epoch, epoch + 1.0, alpha)


def _run_epoch_fused(t: _Tables, config: TrainConfig, epoch: int, meter: _Meter) -> None:
    """One pass with the fused kernels: subsample, draw windows, then one launch per block.

    Each block of up to SHUFFLE_BLOCK kept centers gets its negatives (K per center, shared
    by its window), a random order of its runs of CENTERS_PER_RUN centers, and a learning
    rate falling linearly over the block (:func:`w2v.engines.triton_kernels.train_block`),
    on at most :func:`fused_programs` programs.
    """
    torch = import_torch()
    from w2v.engines.triton_kernels import train_block

    kept_ids, kept_sentence, radius = _epoch_tokens(t, config)
    n, device = len(kept_ids), kept_ids.device
    alpha = config.alpha
    for start in range(0, n, SHUFFLE_BLOCK):
        stop = min(n, start + SHUFFLE_BLOCK)
        negatives = t.noise.draw((stop - start, config.negative), t.generator).int()
        runs = -(-(stop - start) // CENTERS_PER_RUN)
        order = torch.randperm(runs, generator=t.generator, device=device, dtype=torch.int32)
        lr_first = _learning_rate(config, epoch + start / n)
        alpha = _learning_rate(config, epoch + stop / n)
        loss, count = train_block(t.w_in, t.w_out, kept_ids, kept_sentence, radius, negatives,
                                  order, start, stop, CENTERS_PER_RUN, lr_first, alpha,
                                  sg=config.sg, window=config.window,
                                  programs=fused_programs(config, t.top_share))
        meter.add(loss, count)
        meter.record("interval", epoch, epoch + stop / n, alpha)
    meter.record("interval", epoch, epoch + 1.0, alpha, force=True)
    meter.record("epoch", epoch, epoch + 1.0, alpha)


def _epoch_tokens(t: _Tables, config: TrainConfig) -> tuple[Any, Any, Any]:
    """This epoch's kept ids, their sentence numbers (N',) int32, and radii (N',) uint8."""
    torch = import_torch()
    kept_ids, kept_sentence = _subsample(t)
    # word2vec.c's dynamic window: each center's radius uniform in 1..window.
    radius = torch.randint(1, config.window + 1, (len(kept_ids),), generator=t.generator,
                           device=kept_ids.device, dtype=torch.uint8)
    return kept_ids, kept_sentence, radius


def _subsample(t: _Tables) -> tuple[Any, Any]:
    """Kept ids and their sentence numbers, (N',) int32 each, redrawn every epoch."""
    torch = import_torch()
    from w2v.engines.torch_kernels import subsample

    ids, sentences = [], []
    for lo in range(0, len(t.ids), SUBSAMPLE_CHUNK):
        chunk = t.ids[lo:lo + SUBSAMPLE_CHUNK]
        mask = subsample(chunk, t.keep, t.generator)
        ids.append(chunk[mask])
        sentences.append(t.sentence[lo:lo + SUBSAMPLE_CHUNK][mask])
    return torch.cat(ids), torch.cat(sentences)


def _block_examples(t: _Tables, config: TrainConfig, kept_ids: Any, kept_sentence: Any,
                    radius: Any, start: int, stop: int) -> tuple[Any, Any, Any]:
    """Shuffled examples of the centers in ``[start, stop)``: (targets, inputs, valid).

    Skip-gram: targets (P,) are the center ids, inputs (P,) the context ids, valid None
    (word2vec.c's orientation: the context's input vector predicts the center word).
    CBOW: targets (B,) are the center ids, inputs (B, 2W) the context ids, valid (B, 2W)
    (centers without any context are dropped, as in word2vec.c).
    """
    torch = import_torch()
    from w2v.engines.torch_kernels import cbow_contexts, skipgram_pairs

    device = kept_ids.device
    if config.sg:
        centers, contexts = skipgram_pairs(kept_sentence, radius, start, stop, config.window)
        order = torch.randperm(len(centers), generator=t.generator, device=device)
        return kept_ids[centers[order]].long(), kept_ids[contexts[order]].long(), None
    centers = torch.arange(start, stop, device=device)
    positions, valid = cbow_contexts(kept_sentence, radius, centers, config.window)
    has_context = valid.any(1)
    centers, positions, valid = centers[has_context], positions[has_context], valid[has_context]
    order = torch.randperm(len(centers), generator=t.generator, device=device)
    return kept_ids[centers[order]].long(), kept_ids[positions[order]].long(), valid[order]


def _step(t: _Tables, config: TrainConfig, targets: Any, inputs: Any, valid: Any,
          lr: float) -> Any:
    """Draw the batch's negatives (if any) and take one SGD step; returns the summed loss."""
    from w2v.engines.torch_kernels import sgd_step

    negatives = None
    if config.loss == "neg":
        negatives = t.noise.draw((len(targets), config.negative), t.generator)
    return sgd_step(t.w_in, t.w_out, targets, inputs, valid, negatives, lr)
