"""`python -m reference.demo`, the README's main command, runs and prints passing checks."""

import os
import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_prints_the_assignments_checks_with_small_errors():
    # One BLAS thread, for the reason given in tests/conftest.py's one_blas_thread.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "reference.demo"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for title in ("conv_forward_naive", "max_pool_backward_naive", "conv_backward_fast", "conv_relu_pool"):
        assert title in out
    # Every difference and error printed, except the model's gradient check (float64 numeric
    # gradients at the default weight scale are only good to ~1e-2), is tiny.
    checks = out.split("# Three-layer ConvNet")[0]
    errors = [float(v) for v in re.findall(r"(?:difference|error): +(\S+)", checks, re.IGNORECASE)]
    assert len(errors) == 18 and max(errors) < 1e-7
    assert all(float(v) < 5e-2 for v in re.findall(r"max relative error: (\S+)", out))
    speedups = [float(v) for v in re.findall(r"[Ss]peedup: (\S+)x", out)]
    assert len(speedups) == 4 and min(speedups) > 10
    initial = float(re.search(r"Initial loss \(no regularization\): +(\S+)", out).group(1))
    assert abs(initial - 2.3026) < 0.01
    assert float(re.search(r"Final training accuracy: +(\S+)", out).group(1)) >= 0.9
