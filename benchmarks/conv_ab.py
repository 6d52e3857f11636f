"""Two versions of reference/fast_layers.py, timed alternately in one process: medians and ratios.

    .venv/bin/python benchmarks/conv_ab.py [--rev main] [--threads N] [--rounds R]

A is `git show REV:reference/fast_layers.py` (default: main), B this checkout's file; both are
imported by path, so the same inputs go through both in turn, round by round, and load from other
processes hits both alike. Cases: the notebook's convolution forward and backward (float64) and
the ThreeLayerConvNet's 7x7 convolution forward+backward (float64, float32). On 1 thread the
time is the thread's CPU time (time.thread_time), which another busy process barely moves; on N
threads ($CNNGRADE_THREADS=N, one BLAS thread each) it is wall time after a 0.25 s pause and 0.1 s
of untimed calls, as in reference_speed.py. Also prints the largest difference between A's and
B's outputs and gradients.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The BLAS thread count is read when numpy loads, so it must be set before the imports below.
if __name__ == "__main__":
    _threads = argparse.ArgumentParser(add_help=False)
    _threads.add_argument("--threads", type=int, default=1)
    _known, _ = _threads.parse_known_args()
    os.environ["CNNGRADE_THREADS"] = str(_known.threads)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_CONV = ((100, 3, 31, 31), (25, 3, 3, 3), {"stride": 2, "pad": 1})
MODEL_CONV = ((50, 3, 32, 32), (32, 3, 7, 7), {"stride": 1, "pad": 3})


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inputs(case, dtype):
    x_shape, w_shape, conv_param = case
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, w_shape[:1]))
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    out_shape = (N, F, 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride)
    return x, w, b, conv_param, rng.standard_normal(out_shape).astype(dtype)


def cases(module):
    """name -> zero-argument callable returning every array it computes."""
    x64, w64, b64, p64, d64 = inputs(NOTEBOOK_CONV, np.float64)
    _, cache = module.conv_forward_fast(x64, w64, b64, p64)
    result = {
        "notebook forward f64": lambda: module.conv_forward_fast(x64, w64, b64, p64)[:1],
        "notebook backward f64": lambda: module.conv_backward_fast(d64, cache),
    }
    for dtype in (np.float64, np.float32):
        x, w, b, p, d = inputs(MODEL_CONV, dtype)

        def both(x=x, w=w, b=b, p=p, d=d):
            out, cache = module.conv_forward_fast(x, w, b, p)
            return (out, *module.conv_backward_fast(d, cache))

        result[f"7x7 fwd+bwd {np.dtype(dtype).name}"] = both
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="main", help="git revision of side A (default main)")
    parser.add_argument("--threads", type=int, default=1, help="layer threads ($CNNGRADE_THREADS)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{args.rev}:reference/fast_layers.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path_a = Path(tmp) / "fast_layers_a.py"
        path_a.write_text(source)
        a, b = load(path_a, "fast_layers_a"), load(ROOT / "reference" / "fast_layers.py", "fast_layers_b")
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, load average "
        f"{os.getloadavg()[0]:.1f}, CNNGRADE_THREADS={args.threads}, A = {args.rev}, B = this checkout"
    )
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    settle, warm = (0.0, 0.0) if args.threads == 1 else (0.25, 0.1)
    cases_a, cases_b = cases(a), cases(b)
    print(f"{'case':24} {'A ms':>8} {'B ms':>8} {'B/A':>6} {'max |B-A|':>10}")
    for name in cases_a:
        sides = {"A": cases_a[name], "B": cases_b[name]}
        diff = max(
            float(np.max(np.abs(ra - rb), initial=0.0))
            for ra, rb in zip(sides["A"](), sides["B"](), strict=True)
            if ra is not None
        )
        times = {side: [] for side in sides}
        for round_ in range(args.rounds):
            # Flip the order every round, so neither side always runs right after the other.
            for side in sides if round_ % 2 == 0 else reversed(sides):
                f = sides[side]
                time.sleep(settle)
                end = time.perf_counter() + warm
                while time.perf_counter() < end:
                    f()
                start = clock()
                f()
                times[side].append(clock() - start)
        ta, tb = (float(np.median(times[side])) * 1e3 for side in sides)
        print(f"{name:24} {ta:8.2f} {tb:8.2f} {tb / ta:6.3f} {diff:10.2e}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
