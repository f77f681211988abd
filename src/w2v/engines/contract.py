"""The engine contract: what every training engine receives, returns and may be asked.

An engine is a function with this signature (see :class:`Engine`)::

    train(corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
          report: Report | None = None, state: TrainingState | None = None,
          control: Control | None = None) -> EngineResult

- It receives the corpus as word ids (:class:`~w2v.corpus.EncodedCorpus`), the vocabulary
  (counts give subsampling and the noise distribution) and the validated options. It may not
  build its own vocabulary, tokenizer or output format.
- It calls ``report`` with each :class:`HistoryRecord` as it is made (intervals of about a
  second, and one per epoch), and raises :class:`~w2v.errors.DivergenceError` on a
  non-finite loss.
- An engine whose registry entry says ``checkpoints=True`` also accepts ``state`` (start from
  it: a resume) and ``control`` (asked between chunks whether to pause, and called while
  paused so that a checkpoint can be written). Others are never given them.
- It returns one :class:`EngineResult`: both weight tables and the history.

The two weight tables have one name in every engine and kernel:

``w_in``
    float32 (V, D), the input vectors: the result ("word vectors"). word2vec.c's ``syn0``,
    gensim's ``wv.vectors``; in the assignment, the center vectors ``v``.
``w_out``
    float32 (V, D), the output vectors. word2vec.c's ``syn1neg``, gensim's ``syn1neg``;
    in the assignment, the outside vectors ``U``.
``w_hs``
    float32 (V - 1, D), hierarchical softmax only (``hs=True``): one output vector per
    inner node of the Huffman tree (:mod:`w2v.huffman`). word2vec.c's and gensim's
    ``syn1``. With ``hs=True, negative=0`` the table ``w_out`` is kept, untrained (zeros).

:mod:`w2v.engines.registry` lists the engines and what each supports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from w2v.config import TrainConfig
    from w2v.corpus import EncodedCorpus
    from w2v.vocab import Vocab


@dataclass(frozen=True)
class HistoryRecord:
    """One line of a run's history: a reporting interval or a whole epoch.

    Attributes
    ----------
    kind : {"interval", "epoch"}
    epoch : int
        1-based epoch the record belongs to.
    words_done : int
        Corpus words read so far, all epochs.
    loss : float
        Mean loss per trained example in the record's span (NaN when none was trained).
    examples : int
        Trained examples in the span: skip-gram (center, context) pairs or CBOW windows.
    words_per_s : float
        Corpus words read per wall-clock second in the span.
    alpha : float
        Learning rate at the end of the span.
    elapsed_s : float
        Seconds since training started.
    """

    kind: Literal["interval", "epoch"]
    epoch: int
    words_done: int
    loss: float
    examples: int
    words_per_s: float
    alpha: float
    elapsed_s: float

    @classmethod
    def of_span(cls, kind: Literal["interval", "epoch"], epoch: int, words_done: float,
                loss_sum: float, examples: int, words: float, seconds: float, alpha: float,
                elapsed_s: float) -> HistoryRecord:
        """Build a record from the sums of a span (``epoch`` is 0-based here).

        ``loss_sum`` and ``examples`` give the mean loss; ``words`` and ``seconds`` the
        speed (seconds are floored at 1 ns so that an empty span does not divide by zero).
        """
        return cls(kind=kind, epoch=epoch + 1, words_done=int(words_done),
                   loss=float(loss_sum / examples) if examples else float("nan"),
                   examples=int(examples), words_per_s=float(words / max(seconds, 1e-9)),
                   alpha=float(alpha), elapsed_s=float(elapsed_s))

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict (JSON-serialisable)."""
        return asdict(self)


# Called with each history record as it is made (e.g. a progress bar).
Report = Callable[[HistoryRecord], None]


@dataclass
class TrainingState:
    """Everything needed to continue a run exactly where it stopped (a checkpoint).

    Attributes
    ----------
    w_in, w_out : np.ndarray
        float32 (V, D): input and output vectors.
    rng_states : np.ndarray
        uint64 (workers, 1): one kernel RNG state per thread.
    epoch : int
        Epochs completed.
    position : np.ndarray or None
        int64 (workers,): chunks of its shard each thread has trained in epoch ``epoch``
        (None: all 0, the start of the epoch).
    counters : np.ndarray or None
        float64 (workers, 3): running loss sum, examples and words of each thread.
    alpha : float or None
        Learning rate at the end of the last chunk trained.
    w_hs : np.ndarray or None
        float32 (V - 1, D): the hierarchical softmax's inner-node vectors (``hs=True``;
        None otherwise).
    """

    w_in: np.ndarray
    w_out: np.ndarray
    rng_states: np.ndarray
    epoch: int = 0
    position: np.ndarray | None = None
    counters: np.ndarray | None = None
    alpha: float | None = None
    w_hs: np.ndarray | None = None


class Control:
    """What an engine asks between chunks; this base class never pauses.

    :class:`w2v.checkpoint.Checkpointer` is the control that writes checkpoints and turns
    SIGINT/SIGTERM into a checkpoint and a clean stop.
    """

    # An upper bound on the words of one chunk (None: the engine's own size), for a control
    # that must be asked more often than once a chunk (a distributed run's sync points).
    max_chunk_words: int | None = None

    def wants_pause(self) -> bool:
        """Called by each thread before a chunk: True parks it at this chunk boundary."""
        return False

    def paused(self, state: TrainingState, epoch_end: bool) -> None:
        """Called in the main thread with every thread parked, or at an epoch's end."""

    def epoch_begin(self, epoch: int, state: TrainingState) -> None:
        """Called in the main thread before epoch ``epoch`` (0-based) starts or resumes.

        Engines whose registry entry says ``epoch_callbacks`` call it (and
        :meth:`epoch_end`); ``state`` holds the live weights (float64 in the numpy engine).
        """

    def epoch_end(self, epoch: int, state: TrainingState) -> bool:
        """Called in the main thread after epoch ``epoch``'s record; True stops training there."""
        return False


@dataclass
class EngineResult:
    """What every engine returns.

    Attributes
    ----------
    w_in, w_out : np.ndarray
        float32 (V, D): the trained input vectors (the result) and output vectors.
    history : list of HistoryRecord
        Interval and epoch records, in order.
    examples : int
        Trained examples, all epochs.
    device : str
        Where it trained, e.g. ``"cpu"`` or ``"cuda:0"``.
    details : dict
        Facts only one engine has, e.g. the torch engine's ``kernels`` ("fused" or
        "batched"), ``peak_device_bytes`` and ``examples_per_step``.
    state : TrainingState or None
        The final state (RNG states, epochs done) of an engine that can resume from one;
        a saved model keeps it so that training can continue exactly.
    w_hs : np.ndarray or None
        float32 (V - 1, D): the trained inner-node vectors of hierarchical softmax
        (``hs=True``; None otherwise).
    """

    w_in: np.ndarray
    w_out: np.ndarray
    history: list[HistoryRecord] = field(default_factory=list)
    examples: int = 0
    device: str = "cpu"
    details: dict[str, Any] = field(default_factory=dict)
    state: TrainingState | None = None
    w_hs: np.ndarray | None = None


class Engine(Protocol):
    """The signature of every engine's ``train`` function (see the module docstring)."""

    def __call__(self, corpus: EncodedCorpus, vocab: Vocab, config: TrainConfig, *,
                 report: Report | None = None, state: TrainingState | None = None,
                 control: Control | None = None) -> EngineResult: ...
