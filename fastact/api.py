"""The public functions, generated from the registry.

For every entry ``name`` this module defines ``name(x, *params, out=None,
backend=None)`` and ``name_backward(grad_output, x_or_output, *params,
out=None, backend=None)`` with real signatures (generated source, as
:mod:`dataclasses` does, so that calls cost no argument binding at run time),
PyTorch's defaults and a docstring stating the formula. Aliases are the same
function objects under other names.
"""

from __future__ import annotations

from typing import Any, Callable

from . import dispatch
from .registry import REGISTRY, REQUIRED, Activation

__all__: list[str] = []


def _param_src(entry: Activation) -> tuple[str, str]:
    """(parameter list source, dict-of-params source) for ``entry``."""
    pos, kwonly, items = [], [], []
    for p in entry.params:
        default = "" if p.default is REQUIRED else f"=_d_{p.name}"
        (kwonly if p.keyword_only else pos).append(f"{p.name}{default}")
        items.append(f"{p.name!r}: {p.name}")
    sig = "".join(f", {s}" for s in pos)
    sig += ", *" + "".join(f", {s}" for s in kwonly)
    return sig, "{" + ", ".join(items) + "}"


_ANNOT = {"x": "ArrayLike", "grad_output": "ArrayLike", "output": "ArrayLike",
          "out": "NDArray | None", "backend": "Backend | None", "return": "NDArray"}


def _make(entry: Activation, backward: bool) -> Callable:
    sig, params = _param_src(entry)
    second = "output" if entry.backward_from == "output" else "x"
    args = f"grad_output, {second}" if backward else "x"
    call = "dispatch.prelu_backward(_entry, grad_output, x, weight, out, backend, stream)" \
        if (backward and entry.name == "prelu") else \
        f"_run(_entry, {backward}, ({args},), {params}, out, backend, stream)"
    fname = entry.name + ("_backward" if backward else "")
    fast = "" if (backward and entry.name == "prelu") else (
        f"    if backend is None:\n"
        f"        r = _fast(_entry, {backward}, ({args},), {params}, out)\n"
        f"        if r is not None:\n"
        f"            return r\n")
    src = (f"def {fname}({args}{sig}, out=None, backend=None, stream=None):\n"
           f"{fast}    return {call}\n")
    ew = entry.kind == "elementwise"
    ns: dict[str, Any] = {
        "_entry": entry, "dispatch": dispatch,
        "_run": dispatch.elementwise if ew else dispatch.rowwise,
        "_fast": dispatch.fast_elementwise if ew else dispatch.fast_rowwise,
    }
    ns.update({f"_d_{p.name}": p.default for p in entry.params})
    exec(compile(src, f"<fastact.api.{fname}>", "exec"), ns)
    f = ns[fname]
    f.__module__ = "fastact"
    f.__qualname__ = fname
    f.__doc__ = _doc(entry, backward)
    ann = {a.strip(): _ANNOT.get(a.strip(), "Any") for a in args.split(",")}
    ann.update({p.name: "Any" for p in entry.params})
    ann.update(out=_ANNOT["out"], backend=_ANNOT["backend"], stream="Any",
               **{"return": "tuple[NDArray, NDArray]" if (backward and entry.name == "prelu")
                  else _ANNOT["return"]})
    f.__annotations__ = ann
    return f


_DASK_NOTE = {
    "elementwise": "dask arrays give a lazy dask array with the same chunks, computed chunk "
                   "by chunk.",
    "softmax": "dask arrays give a lazy dask array; along a split axis a two-pass tree "
               "reduction (no rechunk).",
    "glu": "dask arrays give a lazy dask array; along a split axis the second half is "
           "rechunked to the first half's chunks (no whole-row chunk).",
    "maxout": "dask arrays give a lazy dask array; along a split axis the chunk boundaries "
              "are moved to multiples of `pieces` (a rechunk that keeps every group in one "
              "chunk).",
    "sparsemax": "dask arrays give a lazy dask array; a split axis is rechunked into one "
                 "chunk (every row must fit in a worker's memory).",
}


def _dask_note(entry: Activation) -> str:
    if entry.kind == "elementwise":
        return _DASK_NOTE["elementwise"]
    return _DASK_NOTE.get(entry.name, _DASK_NOTE["softmax"])


def _doc(entry: Activation, backward: bool) -> str:
    params = "\n".join(
        f"    {p.name} : default {p.default!r}" + (f" -- {p.doc}" if p.doc else "")
        if p.default is not REQUIRED else f"    {p.name} : required" + (f" -- {p.doc}" if p.doc else "")
        for p in entry.params) or "    (none)"
    alias = f"\nAliases: {', '.join(entry.aliases)}.\n" if entry.aliases else ""
    where = "elementwise" if entry.kind == "elementwise" else "along `axis`"
    if backward:
        second = "the forward output y" if entry.backward_from == "output" else "the input x"
        head = (f"Gradient of `{entry.name}` with respect to its input, given grad_output g "
                f"and {second}.\n\n    {entry.backward_formula}\n")
    else:
        head = f"{entry.name} ({where}), as {entry.reference}.\n\n    {entry.formula}\n"
    return (f"{head}{alias}\nParameters\n----------\n{params}\n"
            "out : ndarray, optional -- result array of the exact result shape and dtype "
            "(may be the input itself)\n"
            "backend : 'auto' | 'numba' | 'native' | 'cuda', optional -- overrides "
            "fastact.using() and FASTACT_BACKEND\n"
            "stream : CUDA stream, optional -- for CUDA arrays: a numba, CuPy or torch stream "
            "(default: CuPy's or torch's current stream for their arrays, else the default "
            "stream); ignored for host arrays\n\n"
            "float16 is computed in float32 and rounded once; integers and bools are "
            "promoted to float64.\n\n"
            f"Dask: {_dask_note(entry)} out= is not accepted with dask arrays.\n")


def build() -> dict[str, Callable]:
    """name -> function for every entry, its backward and every alias."""
    funcs: dict[str, Callable] = {}
    for entry in REGISTRY.values():
        fwd, bwd = _make(entry, False), _make(entry, True)
        for n in (entry.name, *entry.aliases):
            funcs[n] = fwd
            funcs[f"{n}_backward"] = bwd
    return funcs
