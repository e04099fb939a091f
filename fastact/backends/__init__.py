"""Backends: numba CPU (``numba_cpu``), CUDA (``numba_cuda``), C via cffi (``native``).

Every backend compiles the registry's definitions; none keeps its own list.
"""
