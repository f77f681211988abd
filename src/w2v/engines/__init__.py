"""Training engines: kernels (numba, torch) and their drivers."""

from w2v.engines.kernel_cache import drop_stale_kernel_caches

drop_stale_kernel_caches()  # before any kernel module is imported (see kernel_cache)
