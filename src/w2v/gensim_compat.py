"""``w2v.Word2Vec``: gensim's ``Word2Vec`` class over a w2v :class:`~w2v.training.Model`.

A script written for ``gensim.models.Word2Vec`` runs after changing only its import::

    from w2v import Word2Vec          # was: from gensim.models import Word2Vec

    model = Word2Vec(sentences, vector_size=100, window=5, min_count=1, workers=4)
    model.wv.most_similar("king")
    model.save("word2vec.model")
    model = Word2Vec.load("word2vec.model")
    model.build_vocab(more_sentences, update=True)
    model.train(more_sentences, total_examples=model.corpus_count, epochs=model.epochs)

It takes gensim's arguments with gensim's defaults (CBOW, ``alpha=0.025`` for both
architectures, gensim 4's initial range, 3 workers), keeps gensim's attributes (``wv``,
``corpus_count``, ``epochs``, ``syn1neg``, ...), calls gensim-style callbacks (any object with
``on_train_begin``/``on_epoch_begin``/``on_epoch_end``/``on_train_end`` taking the model) and
logs at INFO on the ``"w2v"`` logger. Each ``train()`` call is a new learning-rate schedule
from ``alpha`` to ``min_alpha``, as in gensim. An option w2v does not implement is refused by
name with what to use instead; docs/gensim.md lists every gensim name and what w2v does with
it. ``save`` writes a w2v model folder (no pickle), which gensim cannot read, nor can this
class read gensim's pickles.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from typing import Any

from w2v.callbacks import Callback
from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.corpus_scan import ScannedCorpus
from w2v.errors import ConfigError
from w2v.training import Model
from w2v.vectors import Vectors

# gensim flags given as 0/1 that TrainConfig holds as bool.
_FLAGS = ("hs", "cbow_mean", "shrink_windows", "sorted_vocab")
# Model.stats key: the epoch records before the latest train() call (for the loss after load).
_LATEST_TRAIN_KEY = "gensim_latest_train_from"

# Gensim methods w2v does not have, and what to use instead.
_MISSING = {
    "estimate_memory": "w2v checks the memory itself before it allocates the tables",
    "init_sims": "not needed, unit vectors are computed when a query needs them",
    "reset_from": "train a new model",
    "add_null_word": "w2v has no padding word",
    "create_binary_tree": "the Huffman tree is model.vocab.huffman_tree()",
    "make_cum_table": "not needed, each run builds its noise table",
    "seeded_vector": "new rows are drawn from the model's seed by build_vocab(update=True)",
    "prepare_vocab": "use build_vocab",
    "scan_vocab": "use build_vocab",
    "prepare_weights": "use build_vocab",
    "init_weights": "use build_vocab",
    "update_weights": "use build_vocab(..., update=True)",
    "syn1": "it exists only with hierarchical softmax (hs=1); the output vectors are syn1neg",
    "cum_table": "negatives are drawn from an alias table built for each run",
}


class Word2Vec:
    """gensim's ``Word2Vec`` on w2v's engines (see the module docstring).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        Train on these at once (build_vocab, then train), as gensim does.
    corpus_file : path, optional
        A text file (or folder, or ``.gz``) instead of ``sentences``.
    vector_size, alpha, window, min_count, max_vocab_size, sample, seed, workers, min_alpha,
    sg, hs, negative, ns_exponent, cbow_mean, epochs, trim_rule, sorted_vocab,
    max_final_vocab, shrink_windows
        gensim's options, gensim's defaults.
    hashfxn, null_word
        Only gensim's defaults are accepted (w2v seeds vectors from ``seed``, and has no
        null word).
    batch_words
        Accepted and ignored.
    compute_loss : bool
        Kept for gensim's attribute; w2v always measures the loss.
    callbacks : sequence
        gensim-style callbacks (``CallbackAny2Vec`` subclasses or any object with its
        methods), called with this object.
    comment : str, optional
        Kept as ``comment``.
    **options
        w2v options beyond gensim's (``engine``, ``shared_negatives``, ``init``, ...).

    Raises
    ------
    ConfigError
        For an option w2v does not implement (named, with what to use instead), or an
        invalid value.
    """

    def __init__(self, sentences: Iterable[list[str]] | None = None,
                 corpus_file: str | os.PathLike[str] | None = None, vector_size: int = 100,
                 alpha: float = 0.025, window: int = 5, min_count: int = 5,
                 max_vocab_size: int | None = None, sample: float = 1e-3, seed: int = 1,
                 workers: int = 3, min_alpha: float = 0.0001, sg: int = 0, hs: int = 0,
                 negative: int = 5, ns_exponent: float = 0.75, cbow_mean: int = 1,
                 hashfxn: Any = hash, epochs: int = 5, null_word: int = 0,
                 trim_rule: Any = None, sorted_vocab: int = 1, batch_words: int = 10000,
                 compute_loss: bool = False, callbacks: Sequence[Any] = (),
                 comment: str | None = None, max_final_vocab: int | None = None,
                 shrink_windows: bool = True, **options: Any) -> None:
        if hashfxn is not hash:
            raise ConfigError("The {hashfxn} cannot be set: w2v draws initial vectors from "
                              "the {seed}. Leave it out.")
        if null_word:
            raise ConfigError("The {null_word} is not implemented (w2v has no padding word); "
                              "leave it at 0.")
        flags = {"hs": bool(hs), **_cbow_options(cbow_mean),
                 "shrink_windows": bool(shrink_windows), "sorted_vocab": bool(sorted_vocab)}
        # gensim's defaults where w2v's differ: CBOW at 0.025, gensim 4's initial range.
        settings = {"vector_size": vector_size, "alpha": alpha, "window": window,
                    "min_count": min_count, "max_vocab_size": max_vocab_size,
                    "sample": sample, "seed": seed, "workers": workers,
                    "min_alpha": min_alpha, "sg": bool(sg), "negative": negative,
                    "ns_exponent": ns_exponent, "epochs": epochs,
                    "max_final_vocab": max_final_vocab, "init": "gensim",
                    **flags, **options}
        self._config = TrainConfig.from_options(**settings)
        self._model: Model | None = None
        self._trim_rule = trim_rule  # Python only: applied when counting, as gensim does
        self._loss_from = 0  # first history record of the latest train() call
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.comment = comment
        self.batch_words = batch_words
        self.corpus_count = 0
        self.corpus_total_words = 0
        self._empty_wv: Vectors | None = None  # wv before build_vocab
        if sentences is not None or corpus_file is not None:
            # Counted and encoded in one reading (w2v.corpus_scan): the constructor trains
            # on the corpus it has just counted, so nothing can change it in between.
            corpus = _reusable(_one_corpus(sentences, corpus_file))
            scanned = self._new_vocab(corpus, trim_rule)
            encoded = scanned.encode(self.model.vocab) if scanned is not None else None
            self._train(corpus, self.epochs, {}, callbacks, compute_loss, encoded)

    # --- gensim's attributes ----------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only called for names not found normally: gensim's options, then missing methods.
        if name.startswith("_"):
            raise AttributeError(name)
        model = self.__dict__.get("_model")
        config = model.config if model is not None else self.__dict__.get("_config")
        if config is not None and name in _ATTRIBUTES:
            value = getattr(config, _ATTRIBUTES[name])
            return int(value) if name in ("sg", *_FLAGS) and value is not None else value
        if name in _MISSING:
            raise AttributeError(f"w2v's {type(self).__name__} has no {name!r}: "
                                 f"{_MISSING[name]}.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def wv(self) -> Vectors:
        """The word vectors (gensim's ``KeyedVectors``): the model's
        :class:`~w2v.vectors.Vectors`, one object for the model's life (training renews it in
        place, as gensim's); empty before ``build_vocab``."""
        model = self.__dict__.get("_model")
        if model is not None:
            return self._gensim_vectors(model)
        if self.__dict__.get("_empty_wv") is None:
            self._empty_wv = self._empty_vectors()
        return self._empty_wv

    @wv.setter
    def wv(self, vectors: Vectors) -> None:
        """``model.wv = kv``: the model's vectors become ``kv`` (its words in the model's
        order, of its dimension; :meth:`w2v.training.Model.use_vectors`), trained from then
        on."""
        self.model.use_vectors(vectors)

    def _gensim_vectors(self, model: Model) -> Vectors:
        """What ``wv`` shows of the model's vectors (a subclass may give them its class)."""
        return model.vectors

    def _empty_vectors(self) -> Vectors:
        """``wv`` before ``build_vocab``: no words."""
        return Vectors([], _empty(self.vector_size))

    @property
    def syn1neg(self) -> Any:
        """The output vectors ``w_out``, float32 (V, D)."""
        return self.model.output_vectors

    @property
    def syn1(self) -> Any:
        """The hierarchical softmax's inner-node vectors ``w_hs``, float32 (V - 1, D).

        gensim's ``syn1`` has V rows, the last never used; w2v keeps the V - 1 of the tree.
        """
        if self.model.hs_vectors is None:
            raise AttributeError("syn1")  # __getattr__ then says why (_MISSING)
        return self.model.hs_vectors

    @property
    def model(self) -> Model:
        """The w2v :class:`~w2v.training.Model` behind this object."""
        if self._model is None:
            raise RuntimeError("you must first build vocabulary before training the model")
        return self._model

    def __repr__(self) -> str:
        return (f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"alpha={self.alpha}>")

    # --- vocabulary and training ------------------------------------------------------------

    def build_vocab(self, corpus_iterable: Iterable[list[str]] | None = None,
                    corpus_file: str | os.PathLike[str] | None = None, update: bool = False,
                    progress_per: int = 10000, keep_raw_vocab: bool = False,
                    trim_rule: Any = None, **kwargs: Any) -> None:
        """Count a corpus: a new vocabulary and initial tables, or (``update=True``) new words.

        ``update=True`` adds counts and new words as gensim does (see
        :func:`w2v.continuing.update_vocab`).

        Raises
        ------
        ConfigError
            For both or neither of ``corpus_iterable`` and ``corpus_file``, an update of a
            model without vocabulary, or a ``trim_rule`` w2v cannot apply.
        """
        corpus = _one_corpus(corpus_iterable, corpus_file)
        trim_rule = trim_rule if trim_rule is not None else self._trim_rule
        if update:
            corpus = _reusable(corpus)
            self._model_to_update().build_vocab(corpus, trim_rule=trim_rule)
            self._count(corpus)
        else:
            self._new_vocab(_reusable(corpus), trim_rule)

    def _model_to_update(self) -> Model:
        """The model a vocabulary update (``update=True``) extends; gensim's error if none."""
        if self._model is None:
            raise ConfigError("You cannot do an online vocabulary-update of a model which has "
                              "no prior vocabulary ({update}=True). First build the "
                              "vocabulary of your model.")
        return self._model

    def build_vocab_from_freq(self, word_freq: dict[str, int], keep_raw_vocab: bool = False,
                              corpus_count: int | None = None, trim_rule: Any = None,
                              update: bool = False) -> None:
        """A vocabulary from word counts instead of a corpus (gensim's method).

        ``word_freq`` maps each word to its count; ties of count keep its order, as a
        corpus's first occurrences do. ``update=True`` adds the counts and new words to the
        model's vocabulary (:func:`w2v.continuing.add_counted_words`). ``corpus_count``
        sets the attribute of that name (gensim's use: the sentences of a corpus counted
        elsewhere); ``keep_raw_vocab`` is accepted and ignored.

        Raises
        ------
        ConfigError
            If a count is not a non-negative int, or ``update=True`` without a vocabulary.
        CorpusError
            If the counts are all zero, or no word reaches ``min_count``.
        """
        from collections import Counter

        from w2v.continuing import add_counted_words, new_model
        from w2v.logs import log_vocab
        from w2v.vocab import vocab_from_counts

        counts = _checked_counts(word_freq)
        total = sum(counts.values())
        trim_rule = trim_rule if trim_rule is not None else self._trim_rule
        if update:
            add_counted_words(self._model_to_update(), Counter(counts), total, "word_freq",
                              trim_rule=trim_rule)
        else:
            config = self._config
            vocab = vocab_from_counts(Counter(counts), total, config.min_count,
                                      config.max_final_vocab, "word_freq",
                                      trim_rule=trim_rule, sorted_vocab=config.sorted_vocab)
            log_vocab(vocab, config)
            self._model = new_model(vocab, config)
            self.corpus_total_words = total
        self.corpus_count = corpus_count or 0

    def predict_output_word(self, context_words_list: Sequence[str | int],
                            topn: int | None = 10) -> list[tuple[str, float]] | None:
        """The likeliest center words of a context, with their probabilities (gensim's).

        As gensim computes it: h = the mean (or, with ``cbow_mean=0``, the sum) of the
        context words' input vectors, then softmax(h @ syn1neg.T) over the vocabulary, the
        ``topn`` most probable first (all with None). Words outside the vocabulary are left
        out; when none is left the answer is None, with a warning. A crude predictor, even
        for skip-gram models: training never used this full softmax.

        Raises
        ------
        RuntimeError
            Without negative sampling (``negative=0``), as gensim: the softmax needs the
            negative-sampling output vectors.
        """
        import warnings

        import numpy as np

        if not self.negative:
            raise RuntimeError("predict_output_word needs the output vectors of negative "
                               "sampling: train with negative > 0.")
        vectors = self.model.vectors
        rows = [vectors.get_index(w) for w in context_words_list if vectors.has_index_for(w)]
        if not rows:
            warnings.warn("All the input context words are out-of-vocabulary for the "
                          "current model.", stacklevel=2)
            return None
        hidden = vectors.vectors[rows].astype(np.float64).sum(axis=0)  # (D,)
        if self.cbow_mean:
            hidden /= len(rows)
        logits = self.model.output_vectors @ hidden  # (V,)
        # Shifted by the largest logit: the same softmax, never exp's overflow to inf.
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")
        order = order if topn is None else order[:max(topn, 0)]  # gensim: [] for topn <= 0
        return [(vectors.index_to_key[i], float(probabilities[i])) for i in order.tolist()]

    def score(self, sentences: Iterable[list[str]], total_sentences: int = int(1e6),
              chunksize: int = 100, queue_factor: int = 2, report_delay: float = 1) -> Any:
        """Log-probability of each of the first ``total_sentences`` sentences, float32 (S,)
        (gensim's method; :func:`w2v.sentence_scores.score_sentences`, exact where gensim
        reads a table). ``chunksize``, ``queue_factor``, ``report_delay``: accepted, ignored.

        Raises
        ------
        RuntimeError
            Without hierarchical softmax (``hs=1``), as gensim.
        """
        import itertools

        from w2v.sentence_scores import score_sentences

        if not self.hs:
            raise RuntimeError("score() needs the hierarchical softmax's tree: train with "
                               "hs=1 and negative=0.")
        return score_sentences(self.model, itertools.islice(sentences, total_sentences),
                               self._config.max_sentence_length)

    def _new_vocab(self, corpus: Any, trim_rule: Any) -> ScannedCorpus | None:
        """A new vocabulary and untrained tables from ``corpus``; the scan that counted it
        (None when ``max_vocab_size`` counted it in a pass of its own)."""
        self._model, stats, scanned = _new_model(corpus, self._config, trim_rule)
        self.corpus_count, self.corpus_total_words = stats.sentences, stats.tokens
        return scanned

    def train(self, corpus_iterable: Iterable[list[str]] | None = None,
              corpus_file: str | os.PathLike[str] | None = None,
              total_examples: int | None = None, total_words: int | None = None,
              epochs: int | None = None, start_alpha: float | None = None,
              end_alpha: float | None = None, word_count: int = 0, queue_factor: int = 2,
              report_delay: float = 1.0, compute_loss: bool = False,
              callbacks: Sequence[Any] = (), **kwargs: Any) -> tuple[int, int]:
        """Train ``epochs`` epochs: a new schedule from ``start_alpha`` (default ``alpha``) to
        ``end_alpha`` (default ``min_alpha``), as each gensim ``train()`` call.

        ``total_examples``/``total_words`` are required as in gensim (w2v counts the corpus
        itself, so their values are not used).

        Returns
        -------
        (int, int)
            In-vocabulary words and raw words processed, all epochs (gensim's pair; the first
            counts the words before subsampling).

        Raises
        ------
        ConfigError
            Without ``epochs`` or without either total, as gensim.
        RuntimeError
            Before ``build_vocab``.
        """
        corpus = _reusable(_one_corpus(corpus_iterable, corpus_file))
        self.model  # noqa: B018 - before build_vocab this raises gensim's RuntimeError
        if epochs is None or epochs <= 0:
            raise ConfigError("You must specify an explicit {epochs} count. The usual value is "
                              "epochs=model.epochs.")
        if total_examples is None and total_words is None:
            raise ConfigError("You must specify either {total_examples} or {total_words}, for "
                              "proper learning-rate and progress calculations. If you've just "
                              "built the vocabulary using the same corpus, using the count "
                              "cached in the model is sufficient: "
                              "total_examples=model.corpus_count.")
        options = {"alpha": start_alpha or self.alpha, "min_alpha": end_alpha or self.min_alpha}
        return self._train(corpus, epochs, options, callbacks, compute_loss)

    def _train(self, corpus: Any, epochs: int, options: dict[str, Any],
               callbacks: Sequence[Any], compute_loss: bool,
               encoded: EncodedCorpus | None = None) -> tuple[int, int]:
        """:meth:`train`'s work; ``encoded``: the corpus already in the model's ids."""
        from w2v.continuing import continue_training

        model = self.model
        options = {"alpha": self.alpha, "min_alpha": self.min_alpha, **options}
        self.compute_loss = bool(compute_loss)
        self._loss_from = len(model.history)
        continue_training(model, corpus, epochs=epochs,
                          callbacks=[_GensimCallbacks(self, callbacks)], encoded=encoded,
                          **options)
        words = int(model.stats.get("train_words", 0)) * epochs
        return words, int(model.stats.get("tokens", 0)) * epochs

    def get_latest_training_loss(self) -> float:
        """Summed loss of the latest ``train()`` call so far (gensim's running loss).

        The sum over its epochs of each example's loss, ``-log sigma(u_o . v_c) - sum_k log
        sigma(-u_k . v_c)`` (skip-gram pair or CBOW window); per epoch, the difference
        between two calls. Measured whatever ``compute_loss`` says.
        """
        if self._model is None:
            return 0.0
        records = self._model.history[self._loss_from:]
        return float(sum(r.loss * r.examples for r in records
                         if r.kind == "epoch" and r.examples))

    # --- files ------------------------------------------------------------------------------

    def save(self, fname_or_handle: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        """Write the model folder ``fname_or_handle`` (:mod:`w2v.model_file`; no pickle)."""
        if not isinstance(fname_or_handle, (str, os.PathLike)):
            raise ConfigError("The {fname_or_handle} must be a path: a w2v model is a folder, "
                              "not a stream.")
        model = self.model
        # The file keeps the epoch records only: where the latest train() call's begin
        # among them, so that get_latest_training_loss() answers the same after load.
        model.stats[_LATEST_TRAIN_KEY] = sum(1 for r in model.history[:self._loss_from]
                                             if r.kind == "epoch")
        model.save(fname_or_handle)

    @classmethod
    def load(cls, fname: str | os.PathLike[str], mmap: str | None = None,
             *args: Any, **kwargs: Any) -> Word2Vec:
        """Read a model folder written by :meth:`save` (or by ``w2v.Model.save``).

        ``mmap='r'`` maps the weight tables read-only (nothing read until used); by default
        they are read into memory, as gensim does.
        """
        from w2v.model_file import load_model

        model = load_model(fname, mmap=mmap is not None)
        if model.config.subwords and cls is Word2Vec:  # gensim's load gives the saved class
            from w2v.gensim_fasttext import FastText

            return FastText._of_model(model)
        return cls._of_model(model)

    @classmethod
    def _of_model(cls, model: Model) -> Any:
        """This class around an existing :class:`~w2v.training.Model` (loaded or read)."""
        self = cls.__new__(cls)
        self._config, self._model = model.config, model
        latest = model.stats.get(_LATEST_TRAIN_KEY)
        self._loss_from = latest if isinstance(latest, int) else len(model.history)
        self._trim_rule = None  # a callable is not saved (gensim does not keep it either)
        self.compute_loss, self.callbacks, self.comment = False, (), None
        self.batch_words = 10000
        self.corpus_count = int(model.stats.get("sentences", 0))
        self.corpus_total_words = int(model.stats.get("tokens", 0))
        return self

    def _count(self, corpus: Any) -> None:
        from w2v.corpus import CorpusStats, sentences_from

        stats = CorpusStats()
        for _ in sentences_from(corpus, self._config.max_sentence_length, stats=stats,
                                warn=False):
            pass
        self.corpus_count, self.corpus_total_words = stats.sentences, stats.tokens

    def __setattr__(self, name: str, value: Any) -> None:
        # Setting a gensim option (model.epochs = 10) changes the options of later calls.
        if name in _ATTRIBUTES and name not in ("corpus_count", "corpus_total_words"):
            field = _ATTRIBUTES[name]
            if field not in _CONFIG_FIELDS:
                raise AttributeError(f"Word2Vec.{name} cannot be set in w2v.")
            value = bool(value) if name in ("sg", *_FLAGS) else value
            config = self._model.config if self._model is not None else self._config
            # gensim's cbow_mean brings its gradient rule along, when it changes: a
            # cbow_gradient the user chose for the current setting stays
            changes = _cbow_options(value) if name == "cbow_mean" and \
                value != config.cbow_mean else {field: value}
            if self._model is not None:
                from w2v.continuing import check_changes

                self._model.config = check_changes(self._model.config, changes)
            self._config = self._config.replace(**changes)
            return
        object.__setattr__(self, name, value)


def _cbow_options(cbow_mean: Any) -> dict[str, Any]:
    """The w2v options of gensim's ``cbow_mean``: on the mean (1) each context row gets the
    whole gradient wrt it, as word2vec.c; on the sum (0) gensim divides that gradient by the
    number of context words ("divide error over summed window vectors"), w2v's
    ``cbow_gradient="mean"``."""
    return {"cbow_mean": bool(cbow_mean),
            "cbow_gradient": "word2vec" if cbow_mean else "mean"}


_CONFIG_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}
# gensim attribute -> TrainConfig field.
_ATTRIBUTES = {name: name for name in (
    "vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample", "seed",
    "workers", "min_alpha", "sg", "negative", "ns_exponent", "epochs", "max_final_vocab",
    *_FLAGS)}
_ATTRIBUTES["layer1_size"] = "vector_size"


def _checked_counts(word_freq: Any) -> dict[str, int]:
    """``word_freq`` as a dict of str -> int, or a ConfigError naming the first bad entry."""
    import numbers

    if not hasattr(word_freq, "items"):
        raise ConfigError("The {word_freq} must map each word to its count (a dict), got "
                          f"{type(word_freq).__name__}.")
    counts: dict[str, int] = {}
    for word, count in word_freq.items():
        if not isinstance(word, str) or not word:
            raise ConfigError(f"{{word_freq}} keys must be words (non-empty str), got {word!r}.")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise ConfigError(f"{{word_freq}}[{word!r}] must be a count (an int >= 0), got "
                              f"{count!r}.")
        counts[word] = int(count)
    return counts


def _one_corpus(corpus_iterable: Any, corpus_file: Any) -> Any:
    if (corpus_iterable is None) == (corpus_file is None):
        raise ConfigError("You must provide only one of {corpus_iterable} or {corpus_file}.")
    return corpus_iterable if corpus_iterable is not None else corpus_file


def _reusable(corpus: Any) -> Any:
    from w2v.training import reusable

    return reusable(corpus)


def _new_model(corpus: Any, config: TrainConfig,
               trim_rule: Any = None) -> tuple[Model, Any, ScannedCorpus | None]:
    """An untrained model of a new vocabulary from ``corpus`` (counted as w2v.train counts
    it), the counting pass's CorpusStats, and the scan that counted it: one reading that
    also holds the corpus as ids, unless ``max_vocab_size`` prunes while counting (then a
    counting pass of its own, and None)."""
    from w2v.continuing import new_model
    from w2v.corpus import CorpusStats, sentences_from
    from w2v.corpus_scan import scan_corpus
    from w2v.logs import log_vocab
    from w2v.training import check_fits_in_memory, collector_paused, corpus_name, readable
    from w2v.vocab import build_vocab, vocab_from_counts

    # The same calls as w2v.train's: new vocabulary options are wired in both places.
    options = {"source_name": corpus_name(corpus), "trim_rule": trim_rule,
               "sorted_vocab": config.sorted_vocab}
    stats, scanned = CorpusStats(), None
    with readable(corpus) as source, collector_paused():
        if config.max_vocab_size is None:
            scanned = scan_corpus(source, config.max_sentence_length, stats)
            vocab = vocab_from_counts(scanned.counts(), stats.tokens, config.min_count,
                                      config.max_final_vocab, **options)
        else:
            vocab = build_vocab(sentences_from(source, config.max_sentence_length,
                                               stats=stats),
                                config.min_count, config.max_vocab_size,
                                config.max_final_vocab, **options)
    log_vocab(vocab, config)
    check_fits_in_memory(vocab, stats.tokens, config)
    return new_model(vocab, config), stats, scanned


def _empty(dim: int) -> Any:
    import numpy as np

    from w2v.dtypes import REAL

    return np.zeros((0, max(int(dim), 1)), dtype=REAL)


class KeyedVectors(Vectors):
    """gensim's ``KeyedVectors`` name: ``KeyedVectors(vector_size)`` is empty vectors of that
    dimension (fill them with ``add_vectors``), ``KeyedVectors.load_word2vec_format(path)``
    reads a file. Every method is :class:`w2v.Vectors`'s; files read are Vectors objects.
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = None,
                 mapfile_path: Any = None) -> None:
        super().__init__([], _empty(vector_size))


class CallbackAny2Vec:
    """gensim's callback base class (``gensim.models.callbacks.CallbackAny2Vec``).

    Subclass it and override what you need; each method is given the :class:`Word2Vec`
    being trained. Any object with these methods works too (they are looked up by name).
    """

    def on_epoch_begin(self, model: Word2Vec) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, model: Word2Vec) -> None:
        """Called after each epoch."""

    def on_train_begin(self, model: Word2Vec) -> None:
        """Called when a ``train()`` call begins."""

    def on_train_end(self, model: Word2Vec) -> None:
        """Called when a ``train()`` call ends."""


class _GensimCallbacks(Callback):
    """gensim-style callbacks as one w2v callback: each method is given the facade."""

    def __init__(self, facade: Word2Vec, callbacks: Sequence[Any]) -> None:
        self.facade, self.callbacks = facade, list(callbacks)

    def _call(self, method: str) -> None:
        for callback in self.callbacks:
            function = getattr(callback, method, None)
            if callable(function):
                function(self.facade)

    def on_train_begin(self, total_words: int, epochs: int) -> None:
        self._call("on_train_begin")

    def on_epoch_begin(self, model: Model) -> None:
        self._call("on_epoch_begin")

    def on_epoch_end(self, model: Model) -> None:
        self._call("on_epoch_end")

    def on_train_end(self, model: Model) -> None:
        self._call("on_train_end")
