"""Run-time choices: which backend computes, and when kernels run in parallel.

Both are context variables, so they are per thread and per asyncio task:

* ``backend``: ``"auto"`` (default; NumPy arrays on numba's CPU kernels, or on
  the native C library when numba cannot be imported; CUDA arrays on the CUDA
  backend), ``"numba"``, ``"native"`` or ``"cuda"``.
* ``parallel``: ``"auto"`` (default; multithreaded above
  :data:`PARALLEL_THRESHOLD` elements when a thread-safe layer is available),
  ``"never"`` or ``"always"``.

Set them for a block with :func:`fastact.using`, or for the process with the
environment variables ``FASTACT_BACKEND`` and ``FASTACT_PARALLEL``; a
``backend=`` keyword on any call wins over both.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterator, Literal

BACKENDS = ("auto", "numba", "native", "cuda")
PARALLEL_MODES = ("auto", "never", "always")

PARALLEL_THRESHOLD = 262_144
"""Elements above which ``parallel="auto"`` uses the multithreaded kernels.

A parallel call costs 2.5-25 us of thread wake-up here; below a few hundred
thousand elements the serial kernel is done before the threads are.
"""

PARALLEL_THRESHOLD_HEAVY = 32_768
"""The same for kernels that compute in float64 for float32 data (GELU, mish,
celu...: 3-4 ns/element serial): measured here, they gain from two threads from
~16,000 elements, where sigmoid (0.8 ns/element) still loses at 262,144.
"""

Backend = Literal["auto", "numba", "native", "cuda"]


def _env(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: must be one of {', '.join(allowed)}")
    return value


_backend: contextvars.ContextVar[str] = contextvars.ContextVar(
    "fastact_backend", default=_env("FASTACT_BACKEND", BACKENDS, "auto"))
_parallel: contextvars.ContextVar[str] = contextvars.ContextVar(
    "fastact_parallel", default=_env("FASTACT_PARALLEL", PARALLEL_MODES, "auto"))


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {name!r}")
    return name


def get_backend() -> str:
    return _backend.get()


def get_parallel() -> str:
    return _parallel.get()


@contextlib.contextmanager
def using(backend: Backend | None = None,
          parallel: Literal["auto", "never", "always"] | None = None) -> Iterator[None]:
    """Run the block with another backend and/or parallel mode.

    >>> with fastact.using(backend="native"):
    ...     y = fastact.gelu(x)
    """
    tokens = []
    if backend is not None:
        tokens.append((_backend, _backend.set(check_backend(backend))))
    if parallel is not None:
        if parallel not in PARALLEL_MODES:
            raise ValueError(f"parallel must be one of {PARALLEL_MODES}, got {parallel!r}")
        tokens.append((_parallel, _parallel.set(parallel)))
    try:
        yield
    finally:
        for var, tok in reversed(tokens):
            var.reset(tok)
