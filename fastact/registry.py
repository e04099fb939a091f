"""The registry: the one list of every activation fastact knows.

Each :class:`Activation` entry says what the function is called (and its
aliases), its parameters with PyTorch's defaults, whether it is elementwise or
row-wise, its formula for the docs, and for elementwise functions the scalar
forward and backward definitions every backend compiles. The public API
(``fastact.<name>`` and ``fastact.<name>_backward``), the numba CPU, CUDA and C
backends, the tests and the benchmarks all iterate over :data:`REGISTRY`;
none keeps a list of its own. Adding an activation means writing its scalar
``_fwd``/``_bwd`` pair in :mod:`fastact.definitions.elementwise` and one
entry below.

Names of kernels: an elementwise entry may have *variants* selected by a
string option (``gelu(approximate="none" | "tanh")``); each variant is one
compiled kernel. :meth:`Activation.kernel_ids` lists them; the C backend's
symbols are ``fastact_<kernel_id>_{fwd,bwd}_{f32,f64}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from .definitions import elementwise as d

__all__ = ["REQUIRED", "Param", "Activation", "REGISTRY", "ALIASES", "get",
           "elementwise", "rowwise"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a parameter that has none (``threshold(x, threshold, value)``)."""


@dataclass(frozen=True)
class Param:
    """One parameter of an activation.

    ``kind`` is how the dispatcher hands it to an elementwise kernel:
    ``"scalar"`` -- a float, converted to the compute dtype;
    ``"array"`` -- an array broadcast against the input (prelu's weight);
    ``"option"`` -- a Python-level value (a variant name, an axis, a flag),
    never passed to a kernel as is.
    """

    name: str
    default: Any = REQUIRED
    kind: Literal["scalar", "array", "option"] = "scalar"
    doc: str = ""
    keyword_only: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Kernel:
    """A compiled unit of an elementwise entry: scalar forward and backward.

    ``fwd(x, *args)`` and ``bwd(g, v, *args)`` take the same kernel arguments
    ``args`` (what :attr:`Activation.prepare` returns). ``f32_via_f64``
    computes float32 input in float64 and rounds once: used where float32
    arithmetic cannot meet the accuracy bound (subnormal results of x*e^x).
    """

    id: str
    fwd: Callable
    bwd: Callable
    f32_via_f64: bool = False
    fwd32: Callable | None = None
    bwd32: Callable | None = None

    def scalar(self, backward: bool, float32: bool) -> Callable:
        """The scalar definition compiled for this direction and dtype.

        ``fwd32``/``bwd32`` (with ``f32_via_f64``) are float32 specialisations:
        the same function evaluated in float64 to the accuracy a float32
        result needs, where the generic definition must be exact to float64
        and would cost several times more (GELU's erfc).
        """
        if float32 and (self.bwd32 if backward else self.fwd32) is not None:
            return self.bwd32 if backward else self.fwd32
        return self.bwd if backward else self.fwd

    @property
    def nargs(self) -> int:
        return self.fwd.__code__.co_argcount


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name, aliases : public names (``fastact.<name>``, ``fastact.<name>_backward``)
    kind : ``"elementwise"`` or ``"rowwise"``
    params : parameters after the input, in PyTorch's order, with its defaults
    formula : forward formula (plain text, used in docstrings and the README)
    backward_from : whether the backward takes the input ``x`` or the output ``y``
    backward_formula : derivative (plain text)
    kernels : elementwise only; the variants' kernels, keyed by the value of
        ``variant_param`` (a single entry keyed ``None`` when there is no variant)
    variant_param : name of the ``"option"`` parameter that selects a kernel
    prepare : elementwise only; ``prepare(x, backward=bool, **params) -> tuple``
        validates the parameters and returns the kernel arguments (default:
        the scalar and array parameters in order)
    reference : where the definition comes from when not PyTorch
    """

    name: str
    kind: Literal["elementwise", "rowwise"]
    formula: str
    backward_formula: str
    backward_from: Literal["input", "output"] = "input"
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    kernels: Mapping[str | None, Kernel] = field(default_factory=dict)
    variant_param: str | None = None
    prepare: Callable[..., tuple] | None = None
    reference: str = "torch.nn.functional"

    def kernel_ids(self) -> list[str]:
        return [k.id for k in self.kernels.values()]

    def kernel_for(self, params: Mapping[str, Any]) -> Kernel:
        if self.variant_param is None:
            return self.kernels[None]
        choice = params[self.variant_param]
        try:
            return self.kernels[choice]
        except (KeyError, TypeError):
            choices = ", ".join(repr(c) for c in self.kernels)
            raise ValueError(f"{self.name}: {self.variant_param} must be one of "
                             f"{choices}, got {choice!r}") from None

    def kernel_args(self, x, params: Mapping[str, Any], backward: bool = False) -> tuple:
        if self.prepare is not None:
            return self.prepare(x, backward=backward, **params)
        return tuple(params[p.name] for p in self.params if p.kind != "option")


# --------------------------------------------------------------------------
# helpers to keep the table below short

def _k(name: str, *, via64: bool = False, id: str | None = None) -> Kernel:
    # a float32 specialisation <name>32_fwd/_bwd, where defined, is picked up here
    fwd32, bwd32 = getattr(d, f"{name}32_fwd", None), getattr(d, f"{name}32_bwd", None)
    return Kernel(id or name, getattr(d, f"{name}_fwd"), getattr(d, f"{name}_bwd"),
                  via64 or fwd32 is not None, fwd32, bwd32)


def _ew(name, formula, backward_formula, *, params=(), aliases=(), backward_from="input",
        via64=False, **kw) -> Activation:
    kernels = kw.pop("kernels", None) or {None: _k(name, via64=via64)}
    return Activation(name, "elementwise", formula, backward_formula, backward_from,
                      tuple(params), tuple(aliases), kernels, **kw)


def _rw(name, formula, backward_formula, *, params=(), aliases=(), backward_from="input",
        **kw) -> Activation:
    return Activation(name, "rowwise", formula, backward_formula, backward_from,
                      tuple(params), tuple(aliases), **kw)


def _float(value, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a real number, got {value!r}") from None


def _prep_celu(x, alpha, **_):
    alpha = _float(alpha, "celu: alpha")
    if alpha == 0.0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by alpha)")
    return (alpha,)


def _prep_hardtanh(x, min_val, max_val, **_):
    lo, hi = _float(min_val, "hardtanh: min_val"), _float(max_val, "hardtanh: max_val")
    if lo > hi:
        raise ValueError(f"hardtanh: min_val ({lo}) must not exceed max_val ({hi})")
    return (lo, hi)


def _prep_softshrink(x, lambd, **_):
    lambd = _float(lambd, "softshrink: lambd")
    if not lambd >= 0.0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return (lambd,)


def _prep_squareplus(x, b, **_):
    b = _float(b, "squareplus: b")
    if not b >= 0.0:
        raise ValueError(f"squareplus: b must be >= 0, got {b}")
    return (b,)


def _prep_softplus(x, beta, threshold, **_):
    beta = _float(beta, "softplus: beta")
    if beta == 0.0:
        raise ValueError("softplus: beta must not be 0")
    return (beta, _float(threshold, "softplus: threshold"))


def _prep_rrelu(x, lower, upper, training, generator, noise, backward=False):
    import numpy as np
    lower, upper = _float(lower, "rrelu: lower"), _float(upper, "rrelu: upper")
    if not lower <= upper:
        raise ValueError(f"rrelu: lower ({lower}) must not exceed upper ({upper})")
    if not training:
        return ((lower + upper) / 2.0,)
    if noise is not None:
        if not isinstance(noise, np.ndarray) or noise.shape != np.shape(x):
            raise ValueError(f"rrelu: noise must be an array of the input's shape {np.shape(x)}")
        if noise.dtype.kind != "f":
            raise TypeError(f"rrelu: noise must be a float array, got dtype {noise.dtype}")
    if backward:
        if noise is None:
            raise ValueError("rrelu_backward: training=True needs the noise the forward drew "
                             "(pass noise=..., filled by rrelu(..., training=True, noise=...))")
        return (noise,)
    if not isinstance(generator, np.random.Generator):
        raise TypeError("rrelu: training=True needs generator=numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    if noise is not None and not noise.flags.writeable:
        raise ValueError("rrelu: noise is read-only")
    a = generator.uniform(lower, upper, size=np.shape(x))
    if noise is not None:
        # as PyTorch: the slope used for each element, 1 where x > 0
        np.copyto(noise, np.where(np.asarray(x) > 0, 1.0, a), casting="unsafe")
    return (a,)


def _prep_prelu(x, weight, **_):
    import numpy as np
    w = np.asarray(weight)
    if w.dtype.kind not in "fiub":
        raise TypeError(f"prelu: weight must be real, got dtype {w.dtype}")
    if w.size == 1:
        return (w.reshape(()),)
    if w.ndim != 1 or np.ndim(x) < 2 or w.shape[0] != np.shape(x)[1]:
        raise ValueError(f"prelu: weight of shape {w.shape} must have 1 element or one per "
                         f"channel (axis 1) of the input of shape {np.shape(x)}")
    return (w.reshape((-1,) + (1,) * (np.ndim(x) - 2)),)


AXIS = Param("axis", -1, "option", "axis along which the function works")

_ENTRIES: list[Activation] = [
    _ew("identity", "x", "g", aliases=("linear",)),
    _ew("sigmoid", "1/(1+e^-x), stable for both signs", "g·y·(1−y)", backward_from="output"),
    _ew("tanh", "tanh x", "g·(1−y²)", backward_from="output"),
    _ew("log_sigmoid", "min(x,0) − log1p(e^−|x|)", "g·sigmoid(−x)", aliases=("logsigmoid",)),
    _ew("relu", "max(x,0); nan stays nan", "g where y>0 else 0", backward_from="output"),
    _ew("relu6", "min(max(x,0),6)", "g where 0<x<6 else 0"),
    _ew("selu", "scale·(x if x>0 else α(e^x−1)), α≈1.6733, scale≈1.0507",
        "g·scale if x>0 else g·scale·α·e^x"),
    _ew("gelu", "½x(1+erf(x/√2)) (approximate='none'); "
        "½x(1+tanh(√(2/π)(x+0.044715x³))) (approximate='tanh')",
        "g·(Φ(x)+x·φ(x)) (none); tanh form differentiated (tanh)",
        params=(Param("approximate", "none", "option", "'none' (erf) or 'tanh'"),),
        variant_param="approximate",
        kernels={"none": _k("gelu", via64=True),
                 "tanh": _k("gelu_tanh", via64=True)}),
    _ew("silu", "x·sigmoid(x)", "g·s·(1+x(1−s)), s=sigmoid(x)", aliases=("swish",)),
    _ew("mish", "x·tanh(softplus(x))", "g·(t + x·sigmoid(x)·(1−t²)), t=tanh(softplus(x))",
        via64=True),
    _ew("softsign", "x/(1+|x|)", "g/(1+|x|)²", aliases=("soft_sign",)),
    _ew("tanhshrink", "x − tanh x", "g·tanh²x"),
    _ew("hardsigmoid", "0 if x≤−3, 1 if x≥3, else (x+3)/6", "g/6 where −3<x<3 else 0",
        aliases=("hard_sigmoid",)),
    _ew("hardswish", "0 if x≤−3, x if x≥3, else x(x+3)/6",
        "0 if x≤−3, g·(x/3+½) if −3<x<3, g if x≥3", aliases=("hard_swish", "hard_silu")),
    _ew("sparse_sigmoid", "0 if x≤−1, 1 if x≥1, else (x+1)/2", "g/2 where −1<x<1 else 0",
        reference="jax.nn.sparse_sigmoid"),
    _ew("sparse_plus", "0 if x≤−1, x if x≥1, else (x+1)²/4", "0, g, or g·(x+1)/2",
        reference="jax.nn.sparse_plus"),
    _ew("leaky_relu", "x if x>0 else negative_slope·x", "g if x>0 else g·negative_slope",
        params=(Param("negative_slope", 0.01),)),
    _ew("elu", "x if x>0 else α(e^x−1)", "g if x>0 else g·α·e^x",
        params=(Param("alpha", 1.0),)),
    _ew("celu", "max(0,x)+min(0,α(e^(x/α)−1)); α=0 is an error", "g if x>0 else g·e^(x/α)",
        params=(Param("alpha", 1.0),), prepare=_prep_celu, via64=True),
    _ew("softplus", "x if βx>threshold else log1p(e^(βx))/β",
        "g if βx>threshold else g·sigmoid(βx)",
        params=(Param("beta", 1.0), Param("threshold", 20.0)), prepare=_prep_softplus),
    _ew("hardtanh", "clamp(x, min_val, max_val); min_val>max_val is an error",
        "g where min_val<x<max_val else 0",
        params=(Param("min_val", -1.0), Param("max_val", 1.0)), aliases=("hard_tanh",),
        prepare=_prep_hardtanh),
    _ew("hardshrink", "x if |x|>λ else 0", "g where |x|>λ else 0",
        params=(Param("lambd", 0.5),), aliases=("hard_shrink",)),
    _ew("softshrink", "x−λ if x>λ, x+λ if x<−λ, else 0; λ<0 is an error",
        "g where |x|>λ else 0", params=(Param("lambd", 0.5),), aliases=("soft_shrink",),
        prepare=_prep_softshrink),
    _ew("threshold", "x if x>threshold else value", "g where x>threshold else 0",
        params=(Param("threshold"), Param("value"))),
    _ew("squareplus", "(x+√(x²+b))/2", "g·½(1+x/√(x²+b))", params=(Param("b", 4.0),),
        prepare=_prep_squareplus, reference="jax.nn.squareplus"),
    _ew("rrelu", "eval: leaky_relu with slope (lower+upper)/2; training: x if x≥0 else a·x, "
        "a~U(lower, upper) per element",
        "g·slope (eval) or g·a with the same a (training)",
        params=(Param("lower", 1.0 / 8.0), Param("upper", 1.0 / 3.0),
                Param("training", False, "option"), Param("generator", None, "option"),
                Param("noise", None, "option", "array receiving the slopes drawn in training "
                      "(1 where x > 0), as PyTorch's rrelu_with_noise", keyword_only=True)),
        prepare=_prep_rrelu),
    _ew("prelu", "x if x>0 else w·x; w has 1 element or one per channel (axis 1)",
        "grad_input: g if x>0 else w·g; grad_weight: Σ over non-channel axes of (x>0 ? 0 : x·g)",
        params=(Param("weight", kind="array"),), prepare=_prep_prelu),
    # ---- row-wise
    _rw("softmax", "e^(x−max)/Σe^(x−max)", "y·(g − Σ g·y)", params=(AXIS,),
        backward_from="output"),
    _rw("log_softmax", "x−max−log Σe^(x−max)", "g − e^y·Σg", params=(AXIS,),
        backward_from="output"),
    _rw("softmin", "softmax(−x)", "−y·(g − Σ g·y)", params=(AXIS,), backward_from="output"),
    _rw("logsumexp", "max + log1p(Σ e^(x−max) over the other entries)", "g·softmax(x)",
        params=(AXIS, Param("keepdims", False, "option"))),
    _rw("glu", "a·sigmoid(b), a,b = first and second half along axis", "[g·s, g·a·s(1−s)]",
        params=(AXIS,)),
    _rw("maxout", "max over consecutive groups of `pieces` along axis",
        "g to the first maximum of each group, 0 elsewhere",
        params=(Param("pieces", kind="option"), AXIS), reference="Goodfellow et al. 2013"),
    _rw("sparsemax", "Euclidean projection of the row onto the probability simplex",
        "g_i − mean of g over the support, on the support; 0 elsewhere", params=(AXIS,),
        backward_from="output", reference="keras.activations.sparsemax"),
]

REGISTRY: dict[str, Activation] = {a.name: a for a in _ENTRIES}
"""Every activation, by name, in catalogue order."""

ALIASES: dict[str, str] = {alias: a.name for a in _ENTRIES for alias in a.aliases}
"""Alias -> canonical name."""


def get(name: str) -> Activation:
    """The entry for ``name`` or one of its aliases."""
    try:
        return REGISTRY[ALIASES.get(name, name)]
    except KeyError:
        raise KeyError(f"fastact has no activation named {name!r}") from None


def elementwise() -> list[Activation]:
    return [a for a in _ENTRIES if a.kind == "elementwise"]


def rowwise() -> list[Activation]:
    return [a for a in _ENTRIES if a.kind == "rowwise"]

