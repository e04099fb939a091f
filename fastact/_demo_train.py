"""A NumPy multilayer perceptron trained with fastact's forward and backward kernels.

The data are three interleaved spirals in the plane, generated from a seed
(no download). The model is 2 -> H -> H -> 3 with any elementwise activation
of the catalogue; matrix products are NumPy's, every activation, its gradient
and the softmax cross-entropy (``log_softmax`` + ``log_softmax_backward``) are
fastact's. Adam, full batch.

    python -m fastact demo [--activation gelu] [--steps 1500] [--hidden 64]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

import fastact
from fastact.registry import REGISTRY, REQUIRED


def spirals(n_per_class: int = 200, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """(x, labels): ``classes`` interleaved spiral arms of ``n_per_class`` points."""
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.05, 1.0, n_per_class), classes)
    k = np.repeat(np.arange(classes), n_per_class)
    t = k * (2 * np.pi / classes) + r * 4.0 + rng.normal(scale=noise, size=r.size)
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return x.astype(np.float32), k


@dataclass
class Result:
    loss: float
    accuracy: float
    seconds: float
    steps: int


def activation_names() -> list[str]:
    """Elementwise activations usable with their defaults (no required parameters)."""
    return [e.name for e in REGISTRY.values() if e.kind == "elementwise"
            and all(p.default is not REQUIRED for p in e.params) and e.name != "rrelu"]


def train(activation: str = "gelu", steps: int = 1500, hidden: int = 64, lr: float = 0.01,
          seed: int = 0, dtype=np.float32, log_every: int = 0) -> Result:
    entry = REGISTRY[activation]
    act = getattr(fastact, activation)
    act_bwd = getattr(fastact, activation + "_backward")
    from_output = entry.backward_from == "output"
    x, labels = spirals(seed=seed)
    x = x.astype(dtype)
    n, classes = len(x), int(labels.max()) + 1
    onehot = np.zeros((n, classes), dtype)
    onehot[np.arange(n), labels] = 1
    rng = np.random.default_rng(seed + 1)
    shapes = [(2, hidden), (hidden,), (hidden, hidden), (hidden,), (hidden, classes), (classes,)]
    params = [(rng.normal(size=s) * np.sqrt(2.0 / s[0])).astype(dtype) if len(s) == 2
              else np.zeros(s, dtype) for s in shapes]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    t0 = time.perf_counter()
    loss = acc = float("nan")
    for step in range(1, steps + 1):
        w1, c1, w2, c2, w3, c3 = params
        z1 = x @ w1 + c1
        h1 = act(z1)
        z2 = h1 @ w2 + c2
        h2 = act(z2)
        logits = h2 @ w3 + c3
        logp = fastact.log_softmax(logits, axis=1)
        loss = float(-(onehot * logp).sum() / n)
        acc = float((logp.argmax(axis=1) == labels).mean())
        # backward: d loss / d logp = -onehot / n, through log_softmax
        d_logits = fastact.log_softmax_backward(-onehot / n, logp, axis=1)
        grads = [None] * 6
        grads[4], grads[5] = h2.T @ d_logits, d_logits.sum(0)
        d_z2 = act_bwd(d_logits @ w3.T, h2 if from_output else z2)
        grads[2], grads[3] = h1.T @ d_z2, d_z2.sum(0)
        d_z1 = act_bwd(d_z2 @ w2.T, h1 if from_output else z1)
        grads[0], grads[1] = x.T @ d_z1, d_z1.sum(0)
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            mh = m[i] / (1 - b1 ** step)
            vh = v[i] / (1 - b2 ** step)
            p -= (lr * mh / (np.sqrt(vh) + eps)).astype(dtype)
        if log_every and (step % log_every == 0 or step == 1):
            print(f"step {step:5d}  loss {loss:.4f}  accuracy {acc:.3f}")
    return Result(loss, acc, time.perf_counter() - t0, steps)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fastact demo",
                                 description="Train a NumPy MLP on generated spirals with fastact.")
    ap.add_argument("--activation", default="gelu", choices=activation_names())
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dask", action="store_true", help="run the dask inference pipeline instead")
    args, rest = ap.parse_known_args(argv)
    if args.dask:
        from . import _demo_dask
        return _demo_dask.main(rest)
    if rest:
        ap.error(f"unrecognised arguments: {' '.join(rest)}")
    print(f"MLP 2-{args.hidden}-{args.hidden}-3 ({args.activation}) on 600 spiral points, "
          f"Adam lr={args.lr}, {args.steps} full-batch steps")
    r = train(args.activation, args.steps, args.hidden, args.lr, args.seed,
              log_every=max(1, args.steps // 10))
    print(f"final: loss {r.loss:.4f}, training accuracy {r.accuracy:.3f}, "
          f"{r.seconds:.2f} s ({1e3 * r.seconds / r.steps:.2f} ms/step)")
    return 0
