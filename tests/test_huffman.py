"""The Huffman tree: word2vec.c's codes and points, checked against independent builds."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from w2v.errors import ConfigError
from w2v.huffman import build_huffman_tree


def _heap_tree(counts):
    """A plain heap-based Huffman build with word2vec.c's tie order, as dicts of paths.

    Keys order the heap: by count; on a tie inner nodes before leaves, inner nodes oldest
    first, leaves rarest (highest index) first: what word2vec.c's two queues give.
    """
    size = len(counts)
    heap = [(int(c), 1, -w, w) for w, c in enumerate(counts)]
    heapq.heapify(heap)
    parent, bit = {}, {}
    for a in range(size - 1):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        node = size + a
        parent[first[3]], bit[first[3]] = node, 0
        parent[second[3]], bit[second[3]] = node, 1
        heapq.heappush(heap, (first[0] + second[0], 0, a, node))
    paths = []
    for w in range(size):
        codes, points, node = [], [], w
        while node in parent:
            codes.append(bit[node])
            points.append(parent[node] - size)
            node = parent[node]
        paths.append((codes[::-1], points[::-1]))
    return paths


def _as_lists(tree):
    return [tuple(a.tolist() for a in tree.path(w)) for w in range(len(tree))]


@pytest.mark.parametrize("counts", [
    [5, 3, 2, 1],
    [4, 4, 4, 4, 4],            # all tied
    [10, 7, 3, 3, 3, 2, 2, 1, 1, 1],
    [2, 1],
])
def test_tree_equals_heap_build_with_word2vec_tie_order(counts):
    assert _as_lists(build_huffman_tree(np.array(counts))) == _heap_tree(counts)


def test_tree_equals_heap_build_on_random_counts():
    rng = np.random.default_rng(3)
    for _ in range(20):
        counts = np.sort(rng.zipf(1.5, size=rng.integers(2, 300)).clip(max=10**6))[::-1]
        assert _as_lists(build_huffman_tree(counts)) == _heap_tree(counts.tolist())


def test_small_tree_by_hand():
    # counts 5,3,2,1: merge 1+2 -> node0 (3), then leaf 3 vs node0 3: node0 first (tie),
    # -> node1 (6), then leaf 5 and node1 -> root node2 (11).
    tree = build_huffman_tree(np.array([5, 3, 2, 1]))
    assert _as_lists(tree) == [([0], [2]), ([1, 1], [2, 1]), ([1, 0, 1], [2, 1, 0]),
                               ([1, 0, 0], [2, 1, 0])]
    assert tree.inner_nodes == 3
    assert tree.offsets.tolist() == [0, 1, 3, 6, 9]
    assert tree.codes.dtype == np.uint8 and tree.points.dtype == np.int32


def test_paths_are_prefix_free_and_cover_every_inner_node():
    counts = np.sort(np.random.default_rng(0).integers(1, 1000, 200))[::-1]
    tree = build_huffman_tree(counts)
    codes = {"".join(map(str, tree.path(w)[0])) for w in range(len(tree))}
    assert len(codes) == len(tree)
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)
    assert set(tree.points.tolist()) == set(range(len(tree) - 1))
    assert (tree.points[tree.offsets[:-1]] == len(tree) - 2).all()  # every path starts at root


def test_one_word_has_an_empty_path():
    tree = build_huffman_tree(np.array([7]))
    assert tree.lengths().tolist() == [0] and tree.inner_nodes == 0


@pytest.mark.parametrize("counts", [[], [1, 2], [3, -1]])
def test_bad_counts_are_refused(counts):
    with pytest.raises(ConfigError, match="non-increasing"):
        build_huffman_tree(np.array(counts, dtype=np.int64))


def _gensim_codes(sentences):
    gensim = pytest.importorskip("gensim.models")
    model = gensim.Word2Vec(vector_size=4, min_count=1, hs=1, negative=0, workers=1)
    model.build_vocab(sentences)
    wv = model.wv
    counts = np.array([wv.get_vecattr(w, "count") for w in wv.index_to_key])
    paths = [(list(wv.get_vecattr(w, "code")), list(wv.get_vecattr(w, "point")))
             for w in wv.index_to_key]
    return counts, paths


def test_gensim_gives_the_same_codes_where_no_counts_tie():
    # Counts that are powers of two: distinct subsets have distinct sums, so no two nodes
    # of any tree over them tie, and both tie orders must agree.
    sentences = [[f"w{k}"] * (2 ** k) for k in range(9)]
    counts, paths = _gensim_codes(sentences)
    sums = [sum(int(c) for k, c in enumerate(counts) if mask >> k & 1)
            for mask in range(1, 1 << len(counts))]
    assert len(set(sums)) == len(sums)  # no tie possible anywhere
    tree = build_huffman_tree(counts)
    assert [(c, [int(p) for p in q]) for c, q in _as_lists(tree)] == \
        [([int(b) for b in c], [int(p) for p in q]) for c, q in paths]


def test_gensim_tree_has_the_same_cost_where_counts_tie():
    # With ties gensim's heap may pick other nodes, but any Huffman tree has the least
    # total cost sum(count * code length).
    sentences = [["a", "b", "c", "d", "e", "f"], ["a", "b", "c"], ["a", "b"], ["g", "h"]]
    counts, paths = _gensim_codes(sentences)
    tree = build_huffman_tree(counts)
    ours = int((counts * tree.lengths()).sum())
    theirs = int(sum(c * len(p[0]) for c, p in zip(counts, paths, strict=True)))
    assert ours == theirs


def test_counts_out_of_order_get_the_sorted_tree_with_each_word_its_own_path():
    from w2v.huffman import build_huffman_tree_any_order

    counts = np.array([9, 4, 4, 2, 1, 1])
    sorted_tree = build_huffman_tree(counts)
    shuffle = np.array([3, 0, 4, 1, 5, 2])  # new id -> old id; ties keep their order
    tree = build_huffman_tree_any_order(counts[shuffle])
    for new, old in enumerate(shuffle):
        codes, points = tree.path(new)
        expected_codes, expected_points = sorted_tree.path(int(old))
        np.testing.assert_array_equal(codes, expected_codes)
        np.testing.assert_array_equal(points, expected_points)
    assert _as_lists(build_huffman_tree_any_order(counts)) == _as_lists(sorted_tree)
