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
