"""The parts of distributed training that need no process group: shares, merges, syncs.

The syncs are checked with a fake group whose "ranks" are threads that sum their arrays
at a barrier, so the schemes' arithmetic is tested exactly and fast.
"""

from __future__ import annotations

import gzip
import os
import threading

import numpy as np
import pytest

from w2v.corpus import iter_sentences
from w2v.distributed.shares import LINE_LOOKAHEAD, plan_shares
from w2v.distributed.sync import (
    AverageSync,
    DeltaSync,
    MomentumSync,
    SyncControl,
    chunk_limit,
    frequent_rows,
    norm_factors,
)
from w2v.distributed.vocab import merge_word_lists
from w2v.engines.contract import TrainingState
from w2v.errors import CorpusError


def _tokens(sentences):
    return [token for sentence in sentences for token in sentence]


@pytest.fixture
def corpus_folder(tmp_path):
    """A folder: lines of varied length, one long line (text8-like), a gzip file, UTF-8."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)] + ["é", "naïve", "日本"]
    folder = tmp_path / "corpus"
    folder.mkdir()
    lines = [" ".join(rng.choice(words, size=rng.integers(1, 30))) for _ in range(400)]
    (folder / "a.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "b.txt").write_text(" ".join(rng.choice(words, size=5000)), encoding="utf-8")
    with gzip.open(folder / "c.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[:100]))
    (folder / "d.txt").write_text("\ufeff" + "\n".join(lines[100:200]), encoding="utf-8")
    return folder


@pytest.mark.parametrize("world_size", [1, 2, 3, 4, 7])
def test_shares_hold_exactly_the_corpus_tokens_in_order(corpus_folder, world_size):
    shares = plan_shares(corpus_folder, world_size, max_sentence_length=100)
    assert len(shares) == world_size and all(share.pieces for share in shares)
    joined = [t for share in shares for t in _tokens(share)]
    assert joined == _tokens(iter_sentences(corpus_folder, 100))


def test_a_line_is_never_split_when_a_line_break_is_near(corpus_folder):
    file = corpus_folder / "a.txt"
    whole = list(iter_sentences(file))
    shares = plan_shares(file, 3)
    assert [s for share in shares for s in share] == whole
    assert [share.pieces[0].start for share in shares][1:] != [0, 0]


def test_a_file_of_one_long_line_is_cut_at_spaces(tmp_path):
    file = tmp_path / "long.txt"
    file.write_text(" ".join(f"t{i}" for i in range(LINE_LOOKAHEAD // 3)), encoding="utf-8")
    shares = plan_shares(file, 2)
    assert all(len(share.pieces) == 1 for share in shares)
    assert _tokens(shares[0]) + _tokens(shares[1]) == _tokens(iter_sentences(file))
    assert abs(shares[0].bytes - shares[1].bytes) < 16


def test_shares_are_balanced_by_bytes(corpus_folder):
    sizes = [share.bytes for share in plan_shares(corpus_folder / "a.txt", 4)]
    assert max(sizes) - min(sizes) < 200  # a line is at most ~30 short words


def test_a_rank_without_text_is_refused_with_the_way_out(tmp_path):
    file = tmp_path / "one.txt.gz"
    with gzip.open(file, "wt") as f:
        f.write("a b c\n" * 100)
    with pytest.raises(CorpusError, match=r"rank \d gets no text.*at least as many files"):
        plan_shares(file, 2)


def test_a_pipe_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(CorpusError, match="pipe"):
        plan_shares(fifo, 2)


def test_word_lists_merge_in_rank_order_first_occurrence_kept():
    assert list(merge_word_lists([["b", "a"], ["c", "a", "d"], ["d", "e"]])) == \
        ["b", "a", "c", "d", "e"]


class ThreadGroup:
    """A fake process group: each rank a thread; a collective sums at a barrier."""

    def __init__(self, world_size: int) -> None:
        self.world_size = world_size
        self.barrier = threading.Barrier(world_size)
        self.slots: list = [None] * world_size

    def rank_view(self, rank: int) -> _Rank:
        return _Rank(self, rank)


class _Rank:
    def __init__(self, shared: ThreadGroup, rank: int) -> None:
        self.shared, self.rank, self.world_size = shared, rank, shared.world_size

    def _sum(self, array: np.ndarray) -> np.ndarray:
        self.shared.slots[self.rank] = array.copy()
        self.shared.barrier.wait()
        total = np.sum(self.shared.slots, axis=0).astype(array.dtype)
        self.shared.barrier.wait()
        return total

    def all_reduce_control(self, values, op, what):
        assert op == "sum"
        return self._sum(np.asarray(values))

    def all_reduce_(self, array, what):
        array[...] = self._sum(array)


def _run_ranks(scheme, changes, world_size=2):
    """Each rank changes rows of a shared start by ``changes[rank]`` and syncs once."""
    rng = np.random.default_rng(1)
    start_in = rng.normal(size=(4, 3)).astype(np.float32)
    start_out = rng.normal(size=(4, 3)).astype(np.float32)
    group = ThreadGroup(world_size)
    results = [None] * world_size

    def rank(r):
        state = TrainingState(start_in.copy(), start_out.copy(), np.ones((1, 1), np.uint64),
                              alpha=0.025)
        sync = scheme(group.rank_view(r), state)
        for row, delta in changes[r].items():
            state.w_in[row] += delta
        from w2v.distributed.sync import SyncStats

        sync(state, SyncStats())
        results[r] = state

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return start_in, start_out, results


CHANGES = [{1: np.float32(1.0)}, {1: np.float32(3.0), 2: np.float32(-2.0)}]


def test_delta_mean_averages_each_row_over_the_ranks_that_moved_it():
    def mean(group, state):
        return DeltaSync(group, state, "mean")

    start_in, start_out, (a, b) = _run_ranks(mean, CHANGES)
    np.testing.assert_array_equal(a.w_in, b.w_in)
    np.testing.assert_allclose(a.w_in[1], start_in[1] + 2.0, rtol=1e-6)  # (1 + 3) / 2
    np.testing.assert_allclose(a.w_in[2], start_in[2] - 2.0, rtol=1e-6)  # one rank: in full
    np.testing.assert_array_equal(a.w_in[[0, 3]], start_in[[0, 3]])
    np.testing.assert_array_equal(a.w_out, start_out)


def test_delta_sum_adds_every_rank_s_change():
    def summed(group, state):
        return DeltaSync(group, state, "sum")

    start_in, _, (a, b) = _run_ranks(summed, CHANGES)
    np.testing.assert_allclose(a.w_in[1], start_in[1] + 4.0, rtol=1e-6)
    np.testing.assert_allclose(b.w_in[2], start_in[2] - 2.0, rtol=1e-6)


def test_average_divides_every_change_by_the_ranks():
    start_in, start_out, (a, b) = _run_ranks(AverageSync, CHANGES)
    np.testing.assert_array_equal(a.w_in, b.w_in)
    np.testing.assert_allclose(a.w_in[1], start_in[1] + 2.0, rtol=1e-6)
    np.testing.assert_allclose(a.w_in[2], start_in[2] - 1.0, rtol=1e-6)
    np.testing.assert_allclose(a.w_out, start_out, rtol=1e-6)


class _CountingScheme:
    def __init__(self):
        self.calls = 0

    def __call__(self, state, stats):
        self.calls += 1
        return 0


def test_every_rank_syncs_s_times_an_epoch_however_its_chunks_fall():
    state = TrainingState(np.zeros((2, 2), np.float32), np.zeros((2, 2), np.float32),
                          np.ones((1, 1), np.uint64), counters=np.zeros((1, 3)))
    scheme = _CountingScheme()
    class OneRank:
        def wait(self, what):
            pass

    control = SyncControl(OneRank(), scheme, state, local_words=1000, syncs_per_epoch=4)
    assert not control.wants_pause()
    state.counters[0, 2] = 260  # past the first point
    assert control.wants_pause()
    state.counters[0, 2] = 760  # a long chunk passed three points at once
    control.paused(state, epoch_end=False)
    assert scheme.calls == 3 and not control.wants_pause()
    state.counters[0, 2], state.epoch = 1000, 1
    control.paused(state, epoch_end=True)
    assert scheme.calls == 4 and control.done == 0


def test_chunks_are_cut_so_that_each_thread_passes_a_sync_point_within_a_quarter():
    assert chunk_limit(1_000_000, 10, 2) == 12_500
    assert chunk_limit(10_000, 100, 4) == 1_000  # never below the floor


def test_deltas_sum_the_changes_of_a_row_up_to_twice_their_mean():
    four = [{1: np.float32(1.0), 2: np.float32(1.0)}, {1: np.float32(3.0)},
            {1: np.float32(1.0)}, {1: np.float32(3.0), 2: np.float32(3.0)}]
    start_in, _, results = _run_ranks(DeltaSync, four, world_size=4)
    for other in results[1:]:
        np.testing.assert_array_equal(results[0].w_in, other.w_in)
    np.testing.assert_allclose(results[0].w_in[1], start_in[1] + 4.0, rtol=1e-6)  # 8 x 2/4
    np.testing.assert_allclose(results[0].w_in[2], start_in[2] + 4.0, rtol=1e-6)  # 2 ranks: sum


def test_norm_factors_keep_independent_changes_and_cut_agreeing_ones():
    summed = np.array([[1.0, 1.0, 0.0],    # two orthogonal unit changes: kept
                       [2.0, 0.0, 0.0],    # two equal ones: slack 2 keeps the sum
                       [4.0, 0.0, 0.0],    # four equal ones: cut to sqrt(2 * 4) = 2.83
                       [0.0, 0.0, 0.0]],   # changes that cancel: nothing to cut
                      np.float32)
    squares = np.array([2.0, 2.0, 4.0, 2.0], np.float32)
    factors = norm_factors(summed, squares)
    np.testing.assert_allclose(factors, [1.0, 1.0, np.sqrt(8.0) / 4.0, 1.0], rtol=1e-6)
    assert factors.dtype == np.float32
    np.testing.assert_allclose(norm_factors(summed[2:3], squares[2:3], slack=4.0), [1.0])


def test_delta_norm_sums_orthogonal_changes_and_cuts_agreeing_ones():
    unit = np.eye(3, dtype=np.float32)
    four = [{1: unit[0], 2: unit[0]}, {1: unit[0], 2: unit[1]}, {1: unit[0]}, {1: unit[0]}]

    def norm(group, state):
        return DeltaSync(group, state, "norm")

    start_in, start_out, results = _run_ranks(norm, four, world_size=4)
    for other in results[1:]:
        np.testing.assert_array_equal(results[0].w_in, other.w_in)
    a = results[0]
    np.testing.assert_allclose(a.w_in[1], start_in[1] + np.sqrt(8.0) * unit[0], rtol=1e-5)
    np.testing.assert_allclose(a.w_in[2], start_in[2] + unit[0] + unit[1], rtol=1e-5)
    np.testing.assert_array_equal(a.w_in[[0, 3]], start_in[[0, 3]])
    np.testing.assert_array_equal(a.w_out, start_out)


def _run_syncs(scheme, rounds, world_size=2):
    """Like :func:`_run_ranks`, for several syncs: ``rounds[k][rank]`` before sync ``k``.

    Returns the start of ``w_in`` and, per sync, every rank's ``w_in`` after it.
    """
    start_in = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    group = ThreadGroup(world_size)
    after = [[None] * world_size for _ in rounds]

    def rank(r):
        from w2v.distributed.sync import SyncStats

        state = TrainingState(start_in.copy(), np.zeros((4, 3), np.float32),
                              np.ones((1, 1), np.uint64), alpha=0.025)
        sync = scheme(group.rank_view(r), state)
        for k, changes in enumerate(rounds):
            for row, delta in changes[r].items():
                state.w_in[row] += delta(state.w_in[row]) if callable(delta) else delta
            sync(state, SyncStats())
            after[k][r] = state.w_in.copy()

    threads = [threading.Thread(target=rank, args=(r,)) for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return start_in, after


def test_momentum_applies_the_mean_change_and_reaches_the_sum_over_later_syncs():
    moved = [{1: np.float32(1.0)}, {1: np.float32(3.0)}]
    still = [{}, {}]
    start, after = _run_syncs(MomentumSync, [moved, still, still])
    for ranks in after:
        np.testing.assert_array_equal(ranks[0], ranks[1])
    # mean 2; then the momentum (eta = 1/2) adds 1, then 0.5: towards the sum, 4
    for k, total in enumerate([2.0, 3.0, 3.5]):
        np.testing.assert_allclose(after[k][0][1], start[1] + total, rtol=1e-6)
    np.testing.assert_array_equal(after[2][0][[0, 2, 3]], start[[0, 2, 3]])


def test_momentum_settles_a_row_that_every_rank_moves_to_the_same_target():
    # Between syncs each of 4 ranks moves row 1 all the way to 0 (a saturated frequent
    # row): the plain sum lands at -3 times the error each sync and diverges; the
    # momentum's error shrinks.
    def to_zero(row):
        return -row

    rounds = [[{1: to_zero}] * 4] * 40
    for scheme, shrinks in ((MomentumSync, True),
                            (lambda group, state: DeltaSync(group, state, "sum"), False)):
        start, after = _run_syncs(scheme, rounds, world_size=4)
        first = np.abs(after[1][0][1]).max()  # the first sync lands on 0 for both
        last = np.abs(after[-1][0][1]).max()
        assert (last < 0.05 * first) == shrinks, (scheme, first, last)


def test_frequent_rows_are_the_words_expected_more_than_five_times_a_rank_an_interval():
    counts = np.array([500, 200, 150, 100, 50], np.int64)  # sorted, 1,000 words
    # 4 ranks, 200 words between syncs: 50 a rank, a word expected count / 20 times
    assert frequent_rows(counts, 200, 4) == 3  # 25, 10, 7.5, then 5 (not more than 5)
    assert frequent_rows(counts, 400, 4) == 4  # 50, 20, 15, 10, then 5
    assert frequent_rows(counts, 200, 8) == 1  # more ranks, fewer words each: 12.5, 5


def test_split_caps_the_frequent_rows_and_sums_the_others():
    four = [{0: np.float32(1.0), 1: np.float32(1.0)}] * 4

    def split(group, state):
        return DeltaSync(group, state, "split", frequent=1)

    start_in, start_out, results = _run_ranks(split, four, world_size=4)
    for other in results[1:]:
        np.testing.assert_array_equal(results[0].w_in, other.w_in)
    np.testing.assert_allclose(results[0].w_in[0], start_in[0] + 2.0, rtol=1e-6)  # 4 x 2/4
    np.testing.assert_allclose(results[0].w_in[1], start_in[1] + 4.0, rtol=1e-6)  # the sum
    np.testing.assert_array_equal(results[0].w_out, start_out)
