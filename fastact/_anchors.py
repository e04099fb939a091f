"""What a user would write instead of fastact: the anchors benchmarks compare with.

``NUMPY`` holds each function written in NumPy the way a careful user writes it
(stable formulas, no overflow warnings, ``out=`` where it saves a pass) --
the baseline to beat, never fastact's own code. SciPy, numexpr and PyTorch
anchors are built only when those packages import. The same tables feed
``python -m fastact bench`` and ``benchmarks/``.

These are *benchmark anchors*, not test references: the tests carry their own
float64 references in ``tests/reference.py``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _gelu_tanh(x):
    c = np.asarray(math.sqrt(2 / math.pi), x.dtype)
    return 0.5 * x * (1 + np.tanh(c * (x + np.asarray(0.044715, x.dtype) * x * x * x)))


def _softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    s = x - m
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


NUMPY: dict[str, Callable] = {
    "identity": lambda x: x.copy(),
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, x * np.asarray(0.01, x.dtype)),
    "hardtanh": lambda x: np.clip(x, -1, 1),
    "hardsigmoid": lambda x: np.clip((x + 3) / 6, 0, 1),
    "hardswish": lambda x: x * np.clip((x + 3) / 6, 0, 1),
    "hardshrink": lambda x: np.where(np.abs(x) > 0.5, x, 0).astype(x.dtype),
    "softshrink": lambda x: (np.sign(x) * np.maximum(np.abs(x) - np.asarray(0.5, x.dtype), 0)),
    "sigmoid": _sigmoid,
    "log_sigmoid": lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))),
    "tanh": np.tanh,
    "tanhshrink": lambda x: x - np.tanh(x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "softplus": _softplus,
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "celu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: np.asarray(1.0507009873554805, x.dtype) * np.where(
        x > 0, x, np.asarray(1.6732632423543772, x.dtype) * np.expm1(np.minimum(x, 0))),
    "gelu_tanh": _gelu_tanh,  # GELU(erf): NumPy has no erf, see scipy_anchors
    "softmax": _softmax,
    "log_softmax": _log_softmax,
}


def scipy_anchors() -> dict[str, Callable]:
    try:
        import scipy.special as sp
    except ImportError:
        return {}
    return {
        "sigmoid": sp.expit,
        "log_sigmoid": sp.log_expit,
        "softmax": lambda x: sp.softmax(x, axis=-1),
        "log_softmax": lambda x: sp.log_softmax(x, axis=-1),
        "gelu": lambda x: 0.5 * x * sp.erfc(x * np.asarray(-1 / math.sqrt(2), x.dtype)),
    }


def numexpr_anchors() -> dict[str, Callable]:
    try:
        import numexpr as ne
    except ImportError:
        return {}
    return {
        "sigmoid": lambda x: ne.evaluate("1 / (1 + exp(-x))"),
        "tanh": lambda x: ne.evaluate("tanh(x)"),
        "relu": lambda x: ne.evaluate("where(x > 0, x, 0)"),
        "silu": lambda x: ne.evaluate("x / (1 + exp(-x))"),
        "softplus": lambda x: ne.evaluate("where(x > 20, x, log1p(exp(x)))"),
        "elu": lambda x: ne.evaluate("where(x > 0, x, expm1(x))"),
        "gelu_tanh": lambda x: ne.evaluate(
            "0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))"),
    }


def torch_anchors() -> dict[str, Callable]:
    """torch.nn.functional on torch.from_numpy views, writing into a preallocated out."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return {}

    def wrap(f):
        def call(x, _cache={}):
            t = torch.from_numpy(x)
            return f(t)
        return call

    return {name: wrap(f) for name, f in {
        "relu": F.relu, "relu6": F.relu6, "leaky_relu": F.leaky_relu, "hardtanh": F.hardtanh,
        "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "hardshrink": F.hardshrink,
        "softshrink": F.softshrink, "sigmoid": torch.sigmoid, "log_sigmoid": F.logsigmoid,
        "tanh": torch.tanh, "tanhshrink": F.tanhshrink, "softsign": F.softsign,
        "softplus": F.softplus, "silu": F.silu, "mish": F.mish, "elu": F.elu, "celu": F.celu,
        "selu": F.selu, "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "softmax": lambda t: torch.softmax(t, -1), "log_softmax": lambda t: torch.log_softmax(t, -1),
        "identity": lambda t: t.clone(),
    }.items()}


def torch_out_anchors() -> dict[str, Callable]:
    """``key -> (x, out) -> call``: PyTorch CPU writing into a preallocated ``out``.

    ``torch.ops.aten.<op>.out`` on ``torch.from_numpy`` views, so that PyTorch,
    like fastact with ``out=``, allocates nothing per call. Threads: whatever
    ``torch.set_num_threads`` says (the bench sets it equal to fastact's).
    """
    try:
        import torch
    except ImportError:
        return {}
    A = torch.ops.aten
    ops = {
        "identity": lambda t, o: o.copy_(t),
        "relu": lambda t, o: A.clamp_min.out(t, 0, out=o),
        "relu6": lambda t, o: A.hardtanh.out(t, 0.0, 6.0, out=o),
        "leaky_relu": lambda t, o: A.leaky_relu.out(t, 0.01, out=o),
        "hardtanh": lambda t, o: A.hardtanh.out(t, -1.0, 1.0, out=o),
        "hardsigmoid": lambda t, o: A.hardsigmoid.out(t, out=o),
        "hardswish": lambda t, o: A.hardswish.out(t, out=o),
        "hardshrink": lambda t, o: A.hardshrink.out(t, 0.5, out=o),
        "softshrink": lambda t, o: A.softshrink.out(t, 0.5, out=o),
        "sigmoid": lambda t, o: A.sigmoid.out(t, out=o),
        "log_sigmoid": lambda t, o: A.log_sigmoid.out(t, out=o),
        "tanh": lambda t, o: A.tanh.out(t, out=o),
        "softplus": lambda t, o: A.softplus.out(t, 1, 20, out=o),
        "silu": lambda t, o: A.silu.out(t, out=o),
        "mish": lambda t, o: A.mish.out(t, out=o),
        "elu": lambda t, o: A.elu.out(t, 1.0, 1, 1, out=o),
        "celu": lambda t, o: A.elu.out(t, 1.0, 1, 1.0, out=o),  # celu(alpha=1) = elu(alpha=1)
        "selu": lambda t, o: A.elu.out(t, 1.6732632423543772, 1.0507009873554805, 1, out=o),
        "gelu": lambda t, o: A.gelu.out(t, out=o),
        "gelu_tanh": lambda t, o: A.gelu.out(t, approximate="tanh", out=o),
        # composites in PyTorch (F.tanhshrink, F.softsign), with their temporaries
        "tanhshrink": lambda t, o: torch.sub(t, torch.tanh(t), out=o),
        "softsign": lambda t, o: torch.div(t, torch.abs(t).add_(1), out=o),
        "softmax": lambda t, o: A._softmax.out(t, -1, False, out=o),
        "log_softmax": lambda t, o: A._log_softmax.out(t, -1, False, out=o),
    }

    def bind(op):
        def make(x, out):
            t, o = torch.from_numpy(x), torch.from_numpy(out)
            return lambda: op(t, o)
        return make

    return {k: bind(op) for k, op in ops.items()}
