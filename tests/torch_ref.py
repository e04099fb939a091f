"""PyTorch counterparts of the catalogue (imported only when torch is installed).

Used by test_torch.py (fastact vs torch) and by test_reference_selfcheck.py (references vs torch).
JAX-only functions (sparse_sigmoid, sparse_plus, squareplus) and Keras' sparsemax have no torch
counterpart and map to None.
"""
import numpy as np
import torch
import torch.nn.functional as F


def _prelu(x, weight):
    w = torch.as_tensor(np.asarray(weight).reshape(-1), dtype=x.dtype)
    return F.prelu(x, w)


ELEMENTWISE = {
    "identity": lambda x: x * 1,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "log_sigmoid": F.logsigmoid,
    "relu": F.relu,
    "relu6": F.relu6,
    "selu": F.selu,
    "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
    "silu": F.silu,
    "mish": F.mish,
    "softsign": F.softsign,
    "tanhshrink": F.tanhshrink,
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "sparse_sigmoid": None,
    "sparse_plus": None,
    "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
    "elu": lambda x, alpha=1.0: F.elu(x, alpha),
    "celu": lambda x, alpha=1.0: F.celu(x, alpha),
    "softplus": lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold),
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val),
    "hardshrink": lambda x, lambd=0.5: F.hardshrink(x, lambd),
    "softshrink": lambda x, lambd=0.5: F.softshrink(x, lambd),
    "threshold": lambda x, threshold, value: F.threshold(x, threshold, value),
    "squareplus": None,
    "rrelu": lambda x, lower=1.0 / 8, upper=1.0 / 3: F.rrelu(x, lower, upper, training=False),
    "prelu": _prelu,
}


def forward_backward(name, x, g, **params):
    """(y, dx) from torch, as float64 numpy arrays; x and g numpy arrays of one float dtype."""
    fn = ELEMENTWISE[name]
    xt = torch.tensor(x).requires_grad_(True)
    y = fn(xt, **params)
    y.backward(torch.tensor(g))
    return y.detach().numpy().astype(np.float64), xt.grad.numpy().astype(np.float64)


def _maxout(x, pieces, dim=-1):
    dim = dim % x.ndim
    n = x.shape[dim]
    return x.unflatten(dim, (n // pieces, pieces)).amax(dim + 1)


ROWWISE = {
    "softmax": lambda x, axis=-1: torch.softmax(x, axis),
    "log_softmax": lambda x, axis=-1: torch.log_softmax(x, axis),
    "softmin": lambda x, axis=-1: F.softmin(x, axis),
    "logsumexp": lambda x, axis=-1, keepdims=False: torch.logsumexp(x, axis, keepdim=keepdims),
    "glu": lambda x, axis=-1: F.glu(x, axis),
    "maxout": lambda x, pieces, axis=-1: _maxout(x, pieces, axis),
    "sparsemax": None,
}


def row_forward_backward(name, x, g, **params):
    fn = ROWWISE[name]
    xt = torch.tensor(x).requires_grad_(True)
    y = fn(xt, **params)
    y.backward(torch.tensor(g))
    return y.detach().numpy().astype(np.float64), xt.grad.numpy().astype(np.float64)
