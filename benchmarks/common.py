"""Shared benchmark helpers: same-tokens corpus, trainers run in child processes, evaluation.

Each trainer runs in a fresh child process (``python common.py child '<json>'``) so that
its peak RSS is its own and imports or caches of one tool cannot help another. The child
times only the training call (vocabulary scan included, saving excluded), takes its
peak RSS (VmHWM) before saving, writes the vectors in word2vec text format and prints
one JSON line:
``{"wall_s", "peak_rss_mb", "tool", ...}``. The parent evaluates every vectors file with
the same evaluator (:func:`evaluate_vectors`).

Used by ``cpu_vs_peers.py`` (and meant for the GPU benchmark: add a tool to
:data:`TRAINERS`).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEFAULT_CORPUS = SHARED / "data" / "text8" / "text8_prefix.gz"
EVAL_DIR = SHARED / "data" / "eval"
LINE_TOKENS = 10_000


def write_lines_corpus(source: str | os.PathLike[str], target: str | os.PathLike[str],
                       line_tokens: int = LINE_TOKENS) -> int:
    """Re-write a corpus's tokens as plain-text lines of ``line_tokens`` tokens.

    gensim's ``corpus_file`` trains only the first 10,000 tokens of each line and fastText
    reads at most 1,024 words per line, so every tool gets the same tokens in this shape
    (see ``../shared/data/text8/SOURCE.md``). Returns the number of tokens written.
    """
    from w2v.corpus import iter_sentences

    n = 0
    with open(target, "w", encoding="utf-8") as out:
        for sentence in iter_sentences(source, max_sentence_length=line_tokens):
            out.write(" ".join(sentence))
            out.write("\n")
            n += len(sentence)
    return n


# --- trainers, run inside the child -----------------------------------------------------

# (train, save): the first is timed, the second writes word2vec text vectors to p["out"].
_Trainer = tuple[Callable[[], Any], Callable[[Any], None]]

def _train_w2v(p: dict[str, Any]) -> _Trainer:
    import w2v

    # the tool's name may override a setting (w2v+workers=1)
    options = {"sg": p["sg"], "vector_size": p["dim"], "window": p["window"],
               "negative": p["negative"], "sample": p["sample"], "min_count": p["min_count"],
               "epochs": p["epochs"], "workers": p["workers"], "alpha": p.get("alpha"),
               "seed": p["seed"], "hs": p.get("hs", False), **p.get("extra", {})}

    def run() -> Any:
        return w2v.train(p["corpus"], **options)

    def save(model: Any) -> None:
        model.save(p["out"], format="text")

    return run, save


def _train_gensim(p: dict[str, Any]) -> _Trainer:
    """gensim's Word2Vec; ``p["extra"]`` may set ``workers`` and ``init_scale``.

    ``init_scale`` multiplies gensim's initial input vectors, U(-1/dim, 1/dim), between
    ``build_vocab`` and ``train``: 0.5 gives word2vec.c's range. ``workers=1`` gives gensim's
    nominal learning-rate schedule: with ``corpus_file`` and N workers each worker decays the
    rate on its 1/N of the sentences against the whole corpus's count.
    """
    from gensim.models import Word2Vec

    extra = p.get("extra", {})
    options = {"sg": int(p["sg"]), "vector_size": p["dim"], "window": p["window"],
               "negative": p["negative"], "sample": p["sample"], "min_count": p["min_count"],
               "epochs": p["epochs"], "workers": extra.get("workers", p["workers"]),
               "min_alpha": 1e-4, "seed": p["seed"],
               "hs": int(p.get("hs", False))}
    if p.get("alpha") is not None:  # else gensim's default, 0.025 for both architectures
        options["alpha"] = p["alpha"]

    def run() -> Any:
        if "init_scale" not in extra:
            return Word2Vec(corpus_file=p["corpus"], **options)
        model = Word2Vec(**options)
        model.build_vocab(corpus_file=p["corpus"])
        model.wv.vectors *= extra["init_scale"]
        model.train(corpus_file=p["corpus"], total_examples=model.corpus_count,
                    total_words=model.corpus_total_words, epochs=model.epochs)
        return model

    def save(model: Any) -> None:
        model.wv.save_word2vec_format(p["out"])

    return run, save


def _train_fasttext(p: dict[str, Any]) -> _Trainer:
    import fasttext

    def run() -> Any:
        # maxn=0: no character n-grams, i.e. plain word2vec.
        return fasttext.train_unsupervised(
            p["corpus"], model="skipgram" if p["sg"] else "cbow", dim=p["dim"], ws=p["window"],
            neg=p["negative"], t=p["sample"], minCount=p["min_count"], epoch=p["epochs"],
            thread=p["workers"], maxn=0, minn=0,
            loss="hs" if p.get("hs") else "ns", verbose=0,
            **({} if p.get("alpha") is None else {"lr": p["alpha"]}))

    def save(model: Any) -> None:
        words = model.words
        with open(p["out"], "w", encoding="utf-8") as f:
            f.write(f"{len(words)} {model.get_dimension()}\n")
            for w in words:
                vec = model.get_word_vector(w)
                f.write(w + " " + " ".join(f"{x:.6f}" for x in vec) + "\n")

    return run, save


TRAINERS = {"w2v": _train_w2v, "gensim": _train_gensim, "fasttext": _train_fasttext}


def _child(params: dict[str, Any]) -> None:
    # The tool's import is timed apart: gensim loads its compiled code at import, w2v its
    # numba kernels on the first call (inside wall_s). import_s + wall_s is the same span
    # of a whole process for every tool.
    t0 = time.perf_counter()
    run, save = TRAINERS[params["tool"]](params)
    t1 = time.perf_counter()
    model = run()
    wall = time.perf_counter() - t1
    # Peak of training, before saving: writing text vectors costs each tool its own extra.
    peak = _peak_rss_kib() / 1024
    save(model)
    print(json.dumps({"wall_s": wall, "import_s": t1 - t0, "peak_rss_mb": peak}))


def _peak_rss_kib() -> float:
    """This process's peak resident set (VmHWM), in KiB.

    Not ``getrusage``: Linux carries the parent's high-water mark into ``ru_maxrss`` across
    fork + exec, so every child would report at least the parent's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# --- parent side ------------------------------------------------------------------------

def run_trainer(params: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    """Train in a child process; returns the child's JSON (wall_s, peak_rss_mb)."""
    proc = subprocess.run([sys.executable, __file__, "child", json.dumps(params)],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{params['tool']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def evaluate_vectors(path: str | os.PathLike[str]) -> dict[str, float]:
    """Analogy accuracy (Google set, 30k most frequent), WS-353 and SimLex-999 Spearman."""
    from w2v import evaluate
    from w2v.vectors import Vectors

    vectors = Vectors.load(path, format="text")
    return {
        "analogy": evaluate.analogy(vectors, EVAL_DIR / "questions-words.txt",
                                    restrict_vocab=30000).accuracy,
        "ws353": evaluate.similarity(vectors, EVAL_DIR / "wordsim353.tsv").spearman,
        "simlex": evaluate.similarity(vectors, EVAL_DIR / "simlex999.txt").spearman,
    }


def spread(values: list[float]) -> str:
    """'median [min-max]' of a list, for tables."""
    if len(values) == 1:
        return f"{values[0]:.3g}"
    return f"{statistics.median(values):.3g} [{min(values):.3g}–{max(values):.3g}]"


def mean_range(values: list[float], digits: int = 3) -> str:
    """'mean [min-max]' of a list with fixed decimals, for quality tables."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (f"{statistics.fmean(values):.{digits}f} "
            f"[{min(values):.{digits}f}–{max(values):.{digits}f}]")


def mean_difference(a: list[float], b: list[float]) -> tuple[float, float]:
    """Difference of the means of two independent samples and its standard error.

    The seeds of two tools drive different random streams, so the samples are independent
    (not paired): SE = sqrt(var_a / n_a + var_b / n_b), with sample variances.
    """
    diff = statistics.fmean(a) - statistics.fmean(b)
    if len(a) < 2 or len(b) < 2:
        return diff, float("nan")
    return diff, (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5


def machine() -> str:
    """One line describing the machine (CPU model, cores, Python, key library versions)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import gensim
    import numba
    import numpy

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
            f"{numpy.__version__}, numba {numba.__version__}, gensim {gensim.__version__}")


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "child":
    _child(json.loads(sys.argv[2]))
