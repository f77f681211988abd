"""Log-probability of sentences under a hierarchical-softmax model (gensim's ``score``).

Taddy (2015), "Document classification by inversion of distributed language
representations": train one model per class, then give a document the class whose model
finds it likeliest. A sentence's score is the sum over its words w and their contexts of
``log p(w | context)`` through the Huffman tree:

    log p(w | x) = sum_d log sigma(eps_d * u_{n_d} . x),   eps_d = 1 - 2 * code_d

(the hierarchical-softmax loss of :func:`w2v.reference.hierarchical_softmax_loss_and_gradient`
with its sign turned). Skip-gram: x is each input vector v_c of the whole window around w
(``window`` words each side, never shrunk). CBOW: x is the mean (``cbow_mean``) or sum of
them. Words outside the vocabulary are dropped before windows are taken, as gensim drops
them.

gensim reads log sigma from word2vec.c's 1,000-entry table over (-6, 6) and leaves out a
unit whose score is beyond it; here every unit counts, computed exactly (float64), so the
two differ by the table's rounding and by those saturated units.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from w2v.errors import ConfigError

if TYPE_CHECKING:
    from w2v.training import Model


def score_sentences(model: Model, sentences: Iterable[list[str]],
                    max_sentence_length: int = 10_000) -> np.ndarray:
    """Log-probability of each sentence under ``model``: float32 (S,), 0 for none known.

    Raises
    ------
    ConfigError
        If the model was not trained with hierarchical softmax (``hs=True``), whose tree
        the probabilities need (gensim: the same).
    """
    cfg = model.config
    if not cfg.hs or model.hs_vectors is None:
        raise ConfigError("Sentence scores need a model trained with hierarchical softmax: "
                          "train with hs=True (and negative=0, as gensim advises).",
                          parameter="hs")
    tree = model.vocab.huffman_tree()
    w_in = np.asarray(model.vectors.vectors, dtype=np.float64)  # (V, D)
    w_hs = np.asarray(model.hs_vectors, dtype=np.float64)  # (V - 1, D)
    lookup = model.vectors.key_to_index.get
    scores = []
    for sentence in sentences:
        ids = [i for i in map(lookup, sentence[:max_sentence_length]) if i is not None]
        scores.append(_sentence_score(np.array(ids, dtype=np.int64), w_in, w_hs, tree,
                                      cfg.window, cfg.sg, cfg.cbow_mean))
    return np.array(scores, dtype=np.float32)


def _sentence_score(ids: np.ndarray, w_in: np.ndarray, w_hs: np.ndarray, tree,
                    window: int, sg: bool, cbow_mean: bool) -> float:
    """Sum of log p(word | context) over the words of one sentence (ids (n,))."""
    total = 0.0
    for i, word in enumerate(ids.tolist()):
        context = np.concatenate([ids[max(0, i - window):i], ids[i + 1:i + window + 1]])
        if not len(context):
            continue
        a, b = tree.offsets[word], tree.offsets[word + 1]
        nodes = w_hs[tree.points[a:b]]  # (L, D)
        signs = 1.0 - 2.0 * tree.codes[a:b].astype(np.float64)  # (L,)
        if sg:
            hidden = w_in[context]  # (C, D): each context word predicts the word
        else:
            summed = w_in[context].sum(axis=0)
            hidden = (summed / len(context) if cbow_mean else summed)[None]  # (1, D)
        # log sigma(z) = -log(1 + exp(-z)), computed without overflow
        total -= float(np.logaddexp(0.0, -(hidden @ nodes.T) * signs).sum())
    return total
