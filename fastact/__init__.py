"""fastact: fast, exact activation functions for NumPy and CUDA arrays.

Every function of the catalogue (``fastact.registry.REGISTRY``) is available
as ``fastact.<name>(x, ...)`` with its backward ``fastact.<name>_backward``.
Nothing is compiled at import: each kernel is compiled (or loaded from the
disk cache) on its first call, per function and dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import using
from .registry import REGISTRY

from . import api as _api

_FUNCS = _api.build()
globals().update(_FUNCS)

__all__ = ["__version__", "using", "REGISTRY", *_FUNCS]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # the generated functions, for type checkers
    def __getattr__(name: str) -> Any: ...
