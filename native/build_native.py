"""cffi build script of the native backend, ``fastact._native`` (out-of-line API mode).

setuptools runs it through ``setup.py`` (``cffi_modules``) on ``pip install .``,
``pip install -e .`` and ``pip wheel .``; nothing is compiled at run time.
The declarations handed to cffi are the ones between the CDEF markers of
``native/fastact.h``, so the header is the single list of C symbols.

Run directly, it builds a module somewhere else (used by native/sanitize.sh)::

    python native/build_native.py --sanitize --name _fastact_native_asan --outdir DIR
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ["fastact_elementwise.c", "fastact_rowwise.c"]
DEPENDS = ["fastact.h", "kernels_ew.inc", "kernels_rw.inc"]

# Safe on any x86-64 / aarch64 (no -march); IEEE semantics kept (no -ffast-math):
# -fno-math-errno lets sqrt inline, -fno-trapping-math lets selects vectorize,
# -ffp-contract=off keeps the exact two-product and the same results on every ISA,
# -fopenmp-simd enables the `omp simd` loop pragmas without any OpenMP runtime.
CFLAGS = ["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off",
          "-fopenmp-simd", "-DFASTACT_OPENMP_SIMD"]
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                  "-fno-omit-frame-pointer", "-g"]


def cdef_text() -> str:
    with open(os.path.join(HERE, "fastact.h"), encoding="utf-8") as f:
        text = f.read()
    begin, end = "/* CDEF BEGIN */", "/* CDEF END */"
    return text[text.index(begin) + len(begin):text.index(end)]


def _path(name: str, absolute: bool = False) -> str:
    # setuptools wants paths relative to setup.py (the working directory of a build)
    p = os.path.join(HERE, name)
    if absolute:
        return p
    try:
        rel = os.path.relpath(p)
    except ValueError:  # another drive on Windows
        return p
    return p if rel.startswith("..") else rel


def make_builder(module: str = "fastact._native", sanitize: bool = False,
                 absolute: bool = False) -> FFI:
    ffi = FFI()
    ffi.cdef(cdef_text())
    if sys.platform == "win32":
        cflags, ldflags = ["/O2", "/fp:precise"], []
    else:
        cflags = CFLAGS + (SANITIZE_FLAGS if sanitize else [])
        ldflags = ["-fsanitize=address,undefined"] if sanitize else []
    info = {"module": module, "cflags": cflags, "sanitize": sanitize}
    preamble = (
        '#include "fastact.h"\n'
        "const char *fastact_build_info(void) {\n"
        f"    return {json.dumps(json.dumps(info))}\n"
        '#ifdef __VERSION__\n    " compiler: " __VERSION__\n#endif\n'
        "    ;\n}\n"
    )
    ffi.set_source(
        module, preamble,
        sources=[_path(s, absolute) for s in SOURCES],
        depends=[_path(d, absolute) for d in DEPENDS],
        include_dirs=[_path(".", absolute)],
        extra_compile_args=cflags,
        extra_link_args=ldflags,
        libraries=[] if sys.platform == "win32" else ["m"],
    )
    return ffi


ffibuilder = make_builder()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="_fastact_native_dev", help="module name")
    ap.add_argument("--outdir", default=".", help="where the module is written")
    ap.add_argument("--sanitize", action="store_true", help="build with ASan + UBSan")
    args = ap.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    ffi = make_builder(args.name, args.sanitize, absolute=True)
    path = ffi.compile(tmpdir=args.outdir, verbose=False)
    print(path)


if __name__ == "__main__":
    main()
