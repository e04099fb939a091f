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


def test_bench_every_function_in_the_table():
    r = _run("bench", "all", "--size", "4096", "--reps", "1", "--threads", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    from fastact._bench import CASES
    rows = [ln.split()[0] for ln in r.stdout.splitlines() if ln.split()]
    for key, _, _ in CASES:
        assert key in rows, key
    assert "accuracy check passed" in r.stdout


def test_bench_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "speed.png"
    r = _run("bench", "relu", "sigmoid", "--size", "2048", "--reps", "1", "--plot", str(png))
    assert r.returncode == 0, r.stdout + r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_cold_reports_import_and_first_calls():
    r = _run("bench", "--cold", "--reps", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "import fastact" in r.stdout
    assert "empty kernel cache" in r.stdout and "warm kernel cache" in r.stdout


def test_bench_overhead_and_shape():
    r = _run("bench", "--overhead", "--reps", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sigmoid(x, out=o)" in r.stdout and "overhead" in r.stdout
    r = _run("bench", "softmax", "--shape", "64x300", "--reps", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "64x300" in r.stdout and "accuracy check passed" in r.stdout
    assert _run("bench", "softmax", "--shape", "64by300").returncode == 2


def test_info_runs():
    r = _run("info")
    assert r.returncode == 0, r.stderr
    assert "numba" in r.stdout and "CUDA" in r.stdout


def test_demo_command_runs():
    r = _run("demo", "--steps", "20", "--activation", "elu")
    assert r.returncode == 0, r.stderr
    assert "training accuracy" in r.stdout
