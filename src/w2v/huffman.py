"""The Huffman tree of hierarchical softmax, built as word2vec.c builds it.

Hierarchical softmax predicts a word by the path from the root of a binary tree to its
leaf: at each inner node ``n`` on the path a logistic unit with output vector ``w_hs[n]``
says which child to take. The tree is word2vec.c's Huffman tree over the vocabulary
counts (``CreateBinaryTree``), so frequent words get short paths and the codes and inner
node ids equal word2vec.c's for the same counts in the same order:

- Leaves are the V words in vocabulary order (descending count). The two-queue
  construction takes, V - 1 times, the two smallest nodes among the leaves (from the
  rarest) and the inner nodes made so far (from the oldest); on equal counts the inner
  node is taken before the leaf (word2vec.c compares with a strict ``<``). The first
  node taken gets code bit 0, the second bit 1; the new inner node is numbered
  ``a = 0..V-2`` in order of creation, so the root is ``V - 2``.
- A word's **points** are the inner nodes on its path from the root down, its **codes**
  the bits of the children taken (``codes[d]`` is the branch taken at ``points[d]``).

gensim builds the same tree with a heap; it breaks ties between equal counts the other
way (lower node index first, leaves before inner nodes), so where counts tie its codes
can differ from word2vec.c's, for trees of the same total cost (``docs/math.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.errors import ConfigError

# A sentinel count larger than any corpus (word2vec.c uses 1e15 the same way).
_NO_NODE = np.iinfo(np.int64).max


@dataclass(frozen=True)
class HuffmanTree:
    """Codes and points of every word, flat.

    Word ``w``'s path is ``offsets[w]:offsets[w + 1]`` in ``codes`` and ``points``.

    Attributes
    ----------
    codes : np.ndarray
        uint8, (L,): branch bits, from the root down (0: first child, 1: second).
    points : np.ndarray
        int32, (L,): inner node ids in ``[0, V - 1)`` (rows of ``w_hs``), root first.
    offsets : np.ndarray
        int64, (V + 1,): start of each word's path; ``offsets[-1] == L``.
    """

    codes: np.ndarray
    points: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def inner_nodes(self) -> int:
        """Number of inner nodes, V - 1 (the rows of ``w_hs``); 0 for one word."""
        return max(len(self) - 1, 0)

    def path(self, word: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes, points) of one word: uint8 and int32 arrays of its code length."""
        a, b = self.offsets[word], self.offsets[word + 1]
        return self.codes[a:b], self.points[a:b]

    def lengths(self) -> np.ndarray:
        """int64, (V,): code length of every word."""
        return np.diff(self.offsets)


def build_huffman_tree(counts: np.ndarray) -> HuffmanTree:
    """Build word2vec.c's Huffman tree over counts in vocabulary order.

    Parameters
    ----------
    counts : np.ndarray
        int, (V,): count of each word, non-increasing (the vocabulary's order). A
        vocabulary of one word has an empty path.

    Returns
    -------
    HuffmanTree

    Raises
    ------
    ConfigError
        If the counts are empty, negative or not in non-increasing order.
    """
    counts = np.asarray(counts, dtype=np.int64)
    size = len(counts)
    if size == 0 or counts.ndim != 1 or counts.min() < 0 or np.any(np.diff(counts) > 0):
        raise ConfigError("The {counts} must be a non-empty 1-D array of non-negative counts "
                          "in non-increasing order (the vocabulary's). Got {got} instead.",
                          parameter="counts", got=repr(counts[:10]))
    parent, bit = _merge(counts)
    return _paths(parent, bit, size)


def _merge(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The V - 1 merges: parent and branch bit of every node (leaves 0..V-1, then inner).

    Node ``V + a`` is the a-th inner node. Leaves are taken from the end of the sorted
    counts (``leaf`` goes down), inner nodes in order of creation (``inner`` goes up).
    """
    size = len(counts)
    count = np.full(2 * size, _NO_NODE, dtype=np.int64)
    count[:size] = counts
    parent = np.zeros(2 * size, dtype=np.int64)
    bit = np.zeros(2 * size, dtype=np.uint8)
    leaf, inner = size - 1, size
    for a in range(size - 1):
        picked = []
        for _ in range(2):
            # Strict '<': on a tie the inner node goes first, as in word2vec.c.
            if leaf >= 0 and count[leaf] < count[inner]:
                picked.append(leaf)
                leaf -= 1
            else:
                picked.append(inner)
                inner += 1
        first, second = picked
        count[size + a] = count[first] + count[second]
        parent[first] = parent[second] = size + a
        bit[second] = 1
    return parent, bit


def _paths(parent: np.ndarray, bit: np.ndarray, size: int) -> HuffmanTree:
    """Walk each leaf up to the root and store its path root first."""
    root = 2 * size - 2
    lengths = np.zeros(size, dtype=np.int64)
    if size > 1:
        # Depth of every node, from the root down: parents are created after children.
        depth = np.zeros(2 * size - 1, dtype=np.int64)
        for node in range(root - 1, -1, -1):
            depth[node] = depth[parent[node]] + 1
        lengths = depth[:size]
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.uint8)
    points = np.empty(offsets[-1], dtype=np.int32)
    # All leaves climb together, one level per pass, filling their paths from the end.
    node = np.arange(size)
    slot = offsets[1:].copy()
    climbing = lengths > 0
    while climbing.any():
        node, slot = node[climbing], slot[climbing] - 1
        codes[slot] = bit[node]
        points[slot] = parent[node] - size
        node = parent[node]
        climbing = node != root
    return HuffmanTree(codes=codes, points=points, offsets=offsets)


def build_huffman_tree_any_order(counts: np.ndarray) -> HuffmanTree:
    """The Huffman tree of counts in any order (an unsorted or a grown vocabulary).

    The tree is :func:`build_huffman_tree`'s over the counts sorted by descending count, ties
    in vocabulary order (a stable sort), and each word keeps its own path: for counts that
    are already non-increasing it is exactly :func:`build_huffman_tree`'s.

    Parameters
    ----------
    counts : np.ndarray
        int, (V,): count of each word, in vocabulary order.

    Returns
    -------
    HuffmanTree
        Paths indexed by the vocabulary's ids.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or len(counts) == 0 or not np.any(np.diff(counts) > 0):
        return build_huffman_tree(counts)
    order = np.argsort(-counts, kind="stable")  # sorted position -> word id
    sorted_tree = build_huffman_tree(counts[order])
    lengths = np.empty(len(counts), dtype=np.int64)
    lengths[order] = sorted_tree.lengths()
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    position = np.empty_like(order)  # word id -> sorted position
    position[order] = np.arange(len(counts))
    # Each word's path, gathered from its sorted position, in word-id order.
    starts = sorted_tree.offsets[position]
    source = (np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
              if offsets[-1] else np.zeros(0, dtype=np.int64))
    return HuffmanTree(codes=sorted_tree.codes[source], points=sorted_tree.points[source],
                       offsets=offsets)
