"""The main job and the training example run, and do what they claim."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from fastact import _demo_train


@pytest.mark.parametrize("activation", ["gelu", "tanh", "relu"])
def test_training_example_reaches_stated_accuracy(activation):
    # stated in the README and the demo: 200 seeded full-batch Adam steps reach
    # >= 98 % training accuracy and cross-entropy < 0.05 on the three spirals
    r = _demo_train.train(activation, steps=200, hidden=64, seed=0)
    assert r.accuracy >= 0.98, r
    assert r.loss < 0.05, r


def test_training_loss_decreases_with_backward_kernels():
    short = _demo_train.train("silu", steps=5, seed=1)
    longer = _demo_train.train("silu", steps=60, seed=1)
    assert longer.loss < 0.5 * short.loss


def test_spirals_are_deterministic():
    a, la = _demo_train.spirals(seed=3)
    b, lb = _demo_train.spirals(seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert a.shape == (600, 2) and set(la) == {0, 1, 2}


def _run(*args):
    return subprocess.run([sys.executable, "-m", "fastact", *args], capture_output=True,
                          text=True, timeout=600)


def test_main_job_runs_and_checks_accuracy():
    r = _run("bench", "--size", "20000", "--reps", "1", "sigmoid", "gelu", "softmax")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "accuracy check passed" in r.stdout
    assert "sigmoid" in r.stdout and "softmax" in r.stdout


def test_info_runs():
    r = _run("info")
    assert r.returncode == 0, r.stderr
    assert "numba" in r.stdout and "CUDA" in r.stdout


def test_demo_command_runs():
    r = _run("demo", "--steps", "20", "--activation", "elu")
    assert r.returncode == 0, r.stderr
    assert "training accuracy" in r.stdout
