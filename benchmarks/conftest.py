"""Benchmarks: timed by ``pytest --benchmark-only``, smoke-tested by a plain ``pytest``.

Without ``--benchmark-only`` (a normal test run, CI) every benchmark runs its
function once, untimed, at the smallest size: the suite stays a correctness
smoke test and costs seconds. With ``--benchmark-only`` the full size grid is
timed. ``--benchmark-disable`` is deliberately not in ``addopts``: it would
make ``--benchmark-only`` skip everything.
"""

from __future__ import annotations

import os

import pytest

SIZES_FULL = [1_000, 100_000, 1_000_000, 16_000_000]
SIZES_SMOKE = [1_000]
ROWWISE_SHAPES_FULL = [(4096, 1024), (256, 32768), (65536, 64)]
ROWWISE_SHAPES_SMOKE = [(8, 64)]


def timing(config: pytest.Config) -> bool:
    return bool(config.getoption("benchmark_only", False))


def pytest_configure(config: pytest.Config) -> None:
    if not timing(config) and hasattr(config.option, "benchmark_disable"):
        config.option.benchmark_disable = True
    if timing(config):
        # like for like: fastact's parallel path and PyTorch get the same threads
        # (all cores, or FASTACT_BENCH_THREADS)
        from fastact import _bench
        _bench.set_threads(int(os.environ.get("FASTACT_BENCH_THREADS", os.cpu_count() or 1)))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    full = timing(metafunc.config)
    if "size" in metafunc.fixturenames:
        metafunc.parametrize("size", SIZES_FULL if full else SIZES_SMOKE,
                             ids=lambda n: f"{n:.0e}")
    if "rows_shape" in metafunc.fixturenames:
        metafunc.parametrize("rows_shape", ROWWISE_SHAPES_FULL if full else ROWWISE_SHAPES_SMOKE,
                             ids=lambda s: f"{s[0]}x{s[1]}")
