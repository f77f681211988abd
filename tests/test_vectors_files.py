"""GoogleNews-style compressed files read with ``limit``: only the rows asked for are read."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from w2v.errors import FormatError
from w2v.formats import load_vectors
from w2v.vectors import Vectors


@pytest.mark.parametrize("format", ["binary", "text"])
def test_a_compressed_file_with_limit_stops_reading_after_the_rows_asked(tmp_path, format):
    rng = np.random.default_rng(0)
    # 40,000 x 16: 2.8 MB as binary, more than the 1 MiB the binary reader reads at a time
    vectors = Vectors([f"w{i}" for i in range(40_000)],
                      rng.standard_normal((40_000, 16)).astype("f4"))
    vectors.save(tmp_path / "plain", format=format)
    data = (tmp_path / "plain").read_bytes()
    # cut the compressed stream in the middle: a reader that went on would fail
    packed = gzip.compress(data)
    path = tmp_path / "GoogleNews-like.bin.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(FormatError, match="truncated or corrupt"):
        load_vectors(path)
    head = load_vectors(path, limit=20)
    assert head.index_to_key == vectors.index_to_key[:20]
    np.testing.assert_array_equal(head.vectors, vectors.vectors[:20])
    assert head.source is None  # a part of the file: its approximate index is not the file's
