"""numba's on-disk cache for fastact's kernels, keyed on fastact's own sources.

numba keys a cached kernel on the source file of the function it compiles. A
fastact kernel inlines definitions and math helpers from other files, so a
change there would load a stale build. This locator, consulted first for
functions defined inside the fastact package only, puts fastact's kernels in
``<cache root>/<version>-<hash of every fastact source file>/``: any edit of the
package, or a new version, starts a fresh cache.

The cache root is ``$FASTACT_CACHE_DIR``, else ``$NUMBA_CACHE_DIR/fastact``,
else ``$XDG_CACHE_HOME/fastact`` (``~/.cache/fastact``). ``FASTACT_CACHE=0``
disables the disk cache (kernels are then compiled in every process).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from .._version import __version__

_PKG = Path(__file__).resolve().parent.parent


def enabled() -> bool:
    return os.environ.get("FASTACT_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_root() -> Path:
    if os.environ.get("FASTACT_CACHE_DIR"):
        return Path(os.environ["FASTACT_CACHE_DIR"])
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"]) / "fastact"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fastact"


@functools.lru_cache(maxsize=None)
def source_hash() -> str:
    h = hashlib.sha256(__version__.encode())
    for path in sorted(_PKG.rglob("*.py")):
        h.update(path.relative_to(_PKG).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    return cache_root() / f"{__version__}-{source_hash()}"


@functools.lru_cache(maxsize=None)
def install() -> None:
    """Put fastact's locator first in numba's list (idempotent)."""
    from numba.core import caching

    class FastactCacheLocator(caching._CacheLocator):
        def __init__(self, py_func, py_file):
            self._lineno = py_func.__code__.co_firstlineno
            self._path = str(cache_dir())

        def get_cache_path(self):
            return self._path

        def get_source_stamp(self):
            return source_hash()

        def get_disambiguator(self):
            return str(self._lineno)

        @classmethod
        def from_function(cls, py_func, py_file):
            if not str(getattr(py_func, "__module__", "")).startswith("fastact."):
                return None
            self = cls(py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError:
                return None
            return self

    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")
    impl._locator_classes.insert(0, FastactCacheLocator)
