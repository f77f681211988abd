"""Training engines: kernels (numba, torch) and their drivers."""
