"""numba's cached kernels are dropped when any kernel source changes (numba checks only its own)."""

from __future__ import annotations

from w2v.engines.kernel_cache import KERNEL_MODULES, STAMP, cache_folders, drop_stale


def _sources(folder):
    folder.mkdir()
    for name in KERNEL_MODULES:
        (folder / f"{name}.py").write_text(f"# {name}\n")
    return folder


def test_an_edited_callee_drops_its_callers_caches(tmp_path):
    folder = _sources(tmp_path / "engines")
    cache = folder / "__pycache__"
    assert drop_stale(folder, cache) is False  # fresh: nothing cached, only stamped
    assert (cache / STAMP).is_file()
    kernels = [cache / "subword_kernels.cbow_subword_step-40.py311.nbi",
               cache / "subword_kernels.cbow_subword_step-40.py311.1.nbc",
               cache / "numba_kernels.train_chunk-90.py311.nbi"]
    other = cache / "vectors.cpython-311.pyc"
    for path in [*kernels, other]:
        path.write_bytes(b"compiled")
    assert drop_stale(folder, cache) is False  # unchanged sources: kept
    assert all(path.is_file() for path in kernels)
    (folder / "numba_hs.py").write_text("# numba_hs, edited\n")  # a callee, not the callers
    assert drop_stale(folder, cache) is True
    assert not any(path.exists() for path in kernels) and other.is_file()
    assert drop_stale(folder, cache) is False  # stamped again: the next import keeps them


def test_a_damaged_stamp_only_drops_the_caches(tmp_path):
    folder = _sources(tmp_path / "engines")
    cache = folder / "__pycache__"
    cache.mkdir()
    (cache / STAMP).write_bytes(b"\xff\xfe not text")
    (cache / "logistic.logistic-41.py311.nbi").write_bytes(b"compiled")
    assert drop_stale(folder, cache) is True
    assert drop_stale(folder, cache) is False


def test_a_missing_cache_folder_is_made_and_stamped(tmp_path):
    folder = _sources(tmp_path / "engines")
    cache = tmp_path / "numba-cache" / "engines"
    assert drop_stale(folder, cache) is False and (cache / STAMP).is_file()


def test_numba_cache_dir_is_one_of_the_places(tmp_path, monkeypatch):
    folder = _sources(tmp_path / "engines")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    places = cache_folders(folder)
    assert places[0] == folder / "__pycache__"

    from numba.core.caching import _CacheLocator  # how numba names it, for a kernel file

    subpath = _CacheLocator.get_suitable_cache_subpath(str(folder / "logistic.py"))
    assert places[1] == tmp_path / "elsewhere" / subpath
