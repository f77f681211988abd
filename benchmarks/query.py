"""Query latency and file loading: w2v.Vectors against gensim's KeyedVectors, in the same run.

    python benchmarks/query.py [--words 100000] [--dim 300] [--queries 200] [--files] [--eval]

Random float32 vectors (queries do not depend on the values). Reports the median latency of
``most_similar(word, topn=10)`` and of a 3CosAdd analogy over many random query words, the
one-off cost of the normalised copy; with ``--files`` the time to load the same vectors
from word2vec binary and text files (ours and gensim's readers) and from the native format;
with ``--eval`` the time to evaluate the Google analogy set (``restrict_vocab=30000``) on a
vocabulary that holds all its words.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from w2v.vectors import Vectors


def median_ms(call: Callable[[int], object], repeats: int) -> float:
    """Median wall time of ``call(i)`` over ``repeats`` calls, in milliseconds."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def once_s(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--files", action="store_true", help="Also time loading files.")
    parser.add_argument("--eval", action="store_true", help="Also time the analogy evaluation.")
    args = parser.parse_args()
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(args.words)]
    matrix = rng.standard_normal((args.words, args.dim)).astype(np.float32)
    ours = Vectors(keys, matrix)
    theirs = KeyedVectors(args.dim)
    theirs.add_vectors(keys, matrix)
    probe = [keys[i] for i in rng.integers(0, args.words, size=(args.queries, 3))[:, 0]]
    triples = [[keys[j] for j in row] for row in rng.integers(0, args.words, (args.queries, 3))]

    print(f"# {args.words:,} words x {args.dim} dims, {args.queries} queries; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"numpy {np.__version__}")
    print(f"normalised copy (once)      ours {1000 * once_s(ours.get_normed_vectors):8.1f} ms   "
          f"gensim {1000 * once_s(theirs.fill_norms):8.1f} ms (norms only)")
    for name, mine, gensims in [
        ("most_similar(word, 10)",
         lambda i: ours.most_similar(probe[i], topn=10),
         lambda i: theirs.most_similar(probe[i], topn=10)),
        ("analogy b-a+c (3cosadd)",
         lambda i: ours.analogy(*triples[i], topn=1),
         lambda i: theirs.most_similar([triples[i][1], triples[i][2]], [triples[i][0]], topn=1)),
        ("most_similar restrict 30k",
         lambda i: ours.most_similar(probe[i], topn=10, restrict_vocab=30_000),
         lambda i: theirs.most_similar(probe[i], topn=10, restrict_vocab=30_000)),
    ]:
        assert [w for w, _ in mine(0)] == [w for w, _ in gensims(0)]  # same answers
        print(f"{name:27s} ours {median_ms(mine, args.queries):8.2f} ms   "
              f"gensim {median_ms(gensims, args.queries):8.2f} ms   (median)")
    if args.files:
        time_files(ours, theirs)
    if args.eval:
        time_analogies(args.words, args.dim)


def time_analogies(words: int, dim: int) -> None:
    from gensim.models import KeyedVectors

    from w2v import evaluate

    rng = np.random.default_rng(1)
    set_words = sorted({w for line in evaluate.DATA_DIR.joinpath("questions-words.txt")
                        .read_text().splitlines() if not line.startswith(":")
                        for w in line.lower().split()})
    keys = set_words + [f"filler{i}" for i in range(words - len(set_words))]
    matrix = rng.standard_normal((len(keys), dim)).astype(np.float32)
    ours = Vectors(keys, matrix)
    theirs = KeyedVectors(dim)
    theirs.add_vectors(keys, matrix)
    path = str(evaluate.DATA_DIR / "questions-words.txt")
    result = None

    def run_ours():
        nonlocal result
        result = evaluate.analogy(ours, restrict_vocab=30_000)

    mine = once_s(run_ours)
    gensim_time = once_s(lambda: theirs.evaluate_word_analogies(path, restrict_vocab=30_000))
    print(f"Google analogies ({result.total:,} answered, restrict 30k)   ours {mine:6.1f} s   "
          f"gensim {gensim_time:6.1f} s")


def time_files(ours: Vectors, theirs) -> None:
    from gensim.models import KeyedVectors

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for fmt, name in [("binary", "v.bin"), ("text", "v.txt"), ("native", "v_native")]:
            path = folder / name
            saved = once_s(lambda path=path, fmt=fmt: ours.save(path, format=fmt))
            loaded = once_s(lambda path=path: Vectors.load(path))
            line = f"{fmt:7s} save ours {saved:6.2f} s   load ours {loaded:6.2f} s"
            if fmt != "native":
                binary = fmt == "binary"
                gensim_save = once_s(lambda path=path, binary=binary: theirs.save_word2vec_format(
                    str(path) + ".g", binary=binary))
                gensim_load = once_s(lambda path=path, binary=binary:
                                     KeyedVectors.load_word2vec_format(path, binary=binary))
                line += f"   save gensim {gensim_save:6.2f} s   load gensim {gensim_load:6.2f} s"
            print(line)


if __name__ == "__main__":
    main()
