"""Speed of the reference layers, printed side by side in one run.

    .venv/bin/python benchmarks/reference_speed.py [--threads N] [--no-epoch] [--naive-rounds R]

1. fast / naive speedups on the notebook's shapes (conv: x (100,3,31,31), w (25,3,3,3), stride 2,
   pad 1; pool: x (100,3,32,32), 2x2 stride 2), next to the course's published Cython figures;
2. conv forward+backward on x (50,3,32,32), w (32,3,7,7), stride 1, pad 3, in float64 and float32,
   against torch.nn.functional.conv2d with the same number of threads (if torch is installed);
3. the forward convolution's GFLOP/s against a large matmul's on this machine;
4. one epoch of ThreeLayerConvNet (hidden_dim 500, batch 50, adam) on 49,000 built-in images.

Timings are medians; the candidates of one comparison are timed alternately, round by round, so
load from other processes hits both alike. --threads N runs the fast layers on N threads
($CNNGRADE_THREADS=N, each thread's matmuls on one BLAS thread), torch on N threads, and the
reference matmul on N BLAS threads; without it, every library uses its defaults.
"""

import argparse
import os
import sys
import time

# The BLAS thread count is read when numpy loads, so it must be set before the imports below.
if __name__ == "__main__":
    _threads = argparse.ArgumentParser(add_help=False)
    _threads.add_argument("--threads", type=int)
    _known, _ = _threads.parse_known_args()
    if _known.threads:
        os.environ["CNNGRADE_THREADS"] = str(_known.threads)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = "1"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from reference import fast_layers, layers  # noqa: E402
from reference.cnn import ThreeLayerConvNet  # noqa: E402
from reference.data import get_builtin_data  # noqa: E402
from reference.solver import Solver  # noqa: E402

PUBLISHED = {"conv forward": 254, "conv backward": 907, "pool forward": 77, "pool backward": 33}
TARGET = {"conv forward": 1000, "conv backward": 1000, "pool forward": 1000, "pool backward": 500}


def alternate_medians(candidates: dict, rounds: int, settle: float = 0.0, warm: float = 0.0) -> dict:
    """Median seconds of each zero-argument callable, timing them in turn every round.

    settle: seconds to sleep before each candidate's turn. After a call returns, OpenBLAS's and
    torch's worker threads keep spinning for a while (OpenBLAS about 0.1 s) and take the cores the
    next candidate's threads need: without the pause, alternating numpy and torch on 2 threads
    doubled both sides' times.
    warm: seconds to call the candidate untimed before its timed call. Cores that sat idle start
    slow: after a pause, our 2-thread fwd+bwd took 29.5, 26.6, then 19.6 ms. With it, every
    candidate is timed in its steady state, as in a training loop.
    """
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, f in candidates.items():
            time.sleep(settle)
            end = time.perf_counter() + warm
            while time.perf_counter() < end:
                f()
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def speedups(naive_rounds: int) -> None:
    print("\n## 1. Fast vs naive on the notebook's shapes (float64)")
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((100, 3, 31, 31)),
        rng.standard_normal((25, 3, 3, 3)),
        rng.standard_normal(25),
    )
    conv_param = {"stride": 2, "pad": 1}
    out, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    _, cache_fast = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    xp = rng.standard_normal((100, 3, 32, 32))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    pooled, pool_naive = layers.max_pool_forward_naive(xp, pool_param)
    _, pool_fast = fast_layers.max_pool_forward_fast(xp, pool_param)
    dpool = rng.standard_normal(pooled.shape)
    cases = {
        "conv forward": (
            lambda: layers.conv_forward_naive(x, w, b, conv_param),
            lambda: fast_layers.conv_forward_fast(x, w, b, conv_param),
        ),
        "conv backward": (
            lambda: layers.conv_backward_naive(dout, cache_naive),
            lambda: fast_layers.conv_backward_fast(dout, cache_fast),
        ),
        "pool forward": (
            lambda: layers.max_pool_forward_naive(xp, pool_param),
            lambda: fast_layers.max_pool_forward_fast(xp, pool_param),
        ),
        "pool backward": (
            lambda: layers.max_pool_backward_naive(dpool, pool_naive),
            lambda: fast_layers.max_pool_backward_fast(dpool, pool_fast),
        ),
    }
    print(f"{'layer':15} {'naive':>10} {'fast':>10} {'speedup':>9} {'target':>7} {'course (Cython)':>16}")
    for name, (naive, fast) in cases.items():
        t_naive = alternate_medians({"naive": naive}, naive_rounds)["naive"]
        # The second core sat idle while the naive layer ran: wake it before each timing.
        t_fast = alternate_medians({"fast": fast}, 50, warm=0.05)["fast"]
        print(
            f"{name:15} {t_naive * 1e3:8.1f}ms {t_fast * 1e3:8.3f}ms {t_naive / t_fast:8.0f}x "
            f"{TARGET[name]:6}x {PUBLISHED[name]:15}x"
        )


def conv_flops(x_shape, w_shape, out_shape) -> float:
    """Multiply-adds of one forward convolution, counted as 2 FLOPs each."""
    return 2.0 * out_shape[0] * w_shape[0] * np.prod(w_shape[1:]) * out_shape[2] * out_shape[3]


def matmul_gflops(dtype, threads: int | None, settle: float, rounds: int = 10) -> float:
    """GFLOP/s of a 2048x2048 matmul on `threads` BLAS threads (None: BLAS's default)."""
    a = np.random.default_rng(1).standard_normal((2048, 2048)).astype(dtype)
    with threadpool_limits(limits=threads, user_api="blas"):
        seconds = alternate_medians({"matmul": lambda: a @ a}, rounds, settle, warm=0.1)["matmul"]
    return 2.0 * 2048**3 / seconds / 1e9


def versus_torch(threads: int | None, rounds: int = 20) -> None:
    print("\n## 2-3. conv x (50,3,32,32), w (32,3,7,7), stride 1, pad 3: forward+backward, against torch")
    try:
        import torch
        from torch.nn import functional as F  # noqa: N812 (the usual name)
    except ImportError:
        torch = None
        print("(torch is not installed: no comparison)")
    if torch is not None:
        torch.set_num_threads(threads or os.cpu_count())
        print(f"torch {torch.__version__} with {torch.get_num_threads()} threads")
    # Lets the other library's spinning threads go to sleep (see alternate_medians); one thread has none.
    settle = 0.0 if threads == 1 else 0.25
    rng = np.random.default_rng(2)
    conv_param = {"stride": 1, "pad": 3}
    header = f"{'dtype':8} {'fwd':>9} {'fwd+bwd':>9} {'torch fwd+bwd':>14} {'ours/torch':>11}"
    print(header + f" {'fwd GFLOP/s':>12} {'matmul GFLOP/s':>15} {'fwd/matmul':>10}")
    for dtype in (np.float64, np.float32):
        x = rng.standard_normal((50, 3, 32, 32)).astype(dtype)
        w = rng.standard_normal((32, 3, 7, 7)).astype(dtype)
        b = rng.standard_normal(32).astype(dtype)
        out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
        dout = rng.standard_normal(out.shape).astype(dtype)

        def ours_fwd(x=x, w=w, b=b):
            return fast_layers.conv_forward_fast(x, w, b, conv_param)

        def ours_both(x=x, w=w, b=b, dout=dout):
            fast_layers.conv_backward_fast(dout, fast_layers.conv_forward_fast(x, w, b, conv_param)[1])

        candidates = {"fwd": ours_fwd, "both": ours_both}
        if torch is not None:
            tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
            tdout = torch.tensor(dout)

            def torch_both(tx=tx, tw=tw, tb=tb, tdout=tdout):
                F.conv2d(tx, tw, tb, stride=1, padding=3).backward(tdout)

            candidates["torch"] = torch_both
        t = alternate_medians(candidates, rounds, settle, warm=0.1)
        gflops = conv_flops(x.shape, w.shape, out.shape) / t["fwd"] / 1e9
        peak = matmul_gflops(dtype, threads, settle)
        torch_cols = (
            f"{t['torch'] * 1e3:12.1f}ms {t['both'] / t['torch']:10.2f}x"
            if "torch" in t
            else f"{'-':>14} {'-':>11}"
        )
        print(
            f"{np.dtype(dtype).name:8} {t['fwd'] * 1e3:7.1f}ms {t['both'] * 1e3:7.1f}ms {torch_cols} "
            f"{gflops:12.1f} {peak:15.1f} {gflops / peak:9.0%}"
        )


def one_epoch() -> None:
    print("\n## 4. One epoch of ThreeLayerConvNet (hidden 500, batch 50, adam) on 49,000 built-in images")
    start = time.perf_counter()
    data = get_builtin_data(num_training=49000, num_validation=1000, num_test=0)
    print(f"generating the dataset: {time.perf_counter() - start:.1f} s")
    np.random.seed(0)
    model = ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001)
    solver = Solver(
        model,
        data,
        num_epochs=1,
        batch_size=50,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=True,
        print_every=100,
    )
    start = time.perf_counter()
    solver.train()
    print(
        f"one epoch (980 iterations + accuracy checks): {time.perf_counter() - start:.1f} s; "
        f"val acc {solver.best_val_acc:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, help="threads of the layers, torch and the matmul")
    parser.add_argument("--no-epoch", action="store_true", help="skip the one-epoch training run")
    parser.add_argument("--naive-rounds", type=int, default=3, help="timings of each naive layer (default 3)")
    args = parser.parse_args()
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    layer_threads = os.environ.get("CNNGRADE_THREADS", "1")
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}, CNNGRADE_THREADS={layer_threads}, "
        f"OPENBLAS_NUM_THREADS={blas_threads}"
    )
    speedups(args.naive_rounds)
    versus_torch(args.threads)
    if not args.no_epoch:
        one_epoch()


if __name__ == "__main__":
    main()
