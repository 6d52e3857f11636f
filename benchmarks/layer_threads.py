"""The reference on 1 and on N threads, timed alternately in one process.

    .venv/bin/python benchmarks/layer_threads.py [--threads N] [--rounds R]

Three ways to run on an N-core machine, switched between calls:
- "1": everything on one thread ($CNNGRADE_THREADS=1, one BLAS thread);
- "N layer": the fast convolution on N threads, one BLAS thread each ($CNNGRADE_THREADS=N);
- "N BLAS": the layers on one thread, BLAS on N (what OpenBLAS does by default).
Cases: the notebook's convolution (float64), the ThreeLayerConvNet's 7x7 convolution forward+
backward (float64, float32), and one training step (loss, gradients and an Adam update of
ThreeLayerConvNet(hidden_dim=500) on a batch of 50). Medians of R rounds, timed with
reference_speed.alternate_medians: a 0.25 s pause before each turn (so the last configuration's
BLAS threads stop spinning), then 0.1 s of untimed calls (so idle cores wake up).
"""

import argparse
import os

import numpy as np
from bench_reference import MODEL_CONV, NOTEBOOK_CONV, conv_inputs
from reference_speed import alternate_medians
from threadpoolctl import ThreadpoolController

from reference import fast_layers
from reference.cnn import ThreeLayerConvNet
from reference.data import get_builtin_data
from reference.solver import Solver


def conv_forward(case, dtype):
    x, w, b, conv_param = conv_inputs(case, dtype)
    return lambda: fast_layers.conv_forward_fast(x, w, b, conv_param)


def conv_forward_backward(case, dtype):
    x, w, b, conv_param = conv_inputs(case, dtype)
    out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    return lambda: fast_layers.conv_backward_fast(dout, fast_layers.conv_forward_fast(x, w, b, conv_param)[1])


def training_step():
    data = get_builtin_data(num_training=500, num_validation=50, num_test=0)
    np.random.seed(0)
    model = ThreeLayerConvNet(hidden_dim=500, reg=0.001)
    solver = Solver(model, data, batch_size=50, update_rule="adam", optim_config={"learning_rate": 1e-3})
    return solver._step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    n = args.threads
    cases = {
        "notebook conv forward (float64)": conv_forward(NOTEBOOK_CONV, np.float64),
        "notebook conv fwd+bwd (float64)": conv_forward_backward(NOTEBOOK_CONV, np.float64),
        "7x7 conv fwd+bwd (float64)": conv_forward_backward(MODEL_CONV, np.float64),
        "7x7 conv fwd+bwd (float32)": conv_forward_backward(MODEL_CONV, np.float32),
        "training step (float32)": training_step(),
    }
    blas = ThreadpoolController().select(user_api="blas").lib_controllers
    configs = {"1": (1, 1), f"{n} layer": (n, 1), f"{n} BLAS": (1, n)}

    def under(config: str, f):
        """f, called with the layer and BLAS thread counts of config (setting them costs microseconds)."""
        layer_threads, blas_threads = configs[config]

        def call():
            os.environ["CNNGRADE_THREADS"] = str(layer_threads)
            for lib in blas:
                lib.set_num_threads(blas_threads)
            f()

        return call

    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds, medians in ms"
    )
    print(
        f"{'case':34}"
        + "".join(f"{c:>11}" for c in configs)
        + "".join(f"{c + ' / 1':>14}" for c in configs if c != "1")
    )
    for name, f in cases.items():
        candidates = {config: under(config, f) for config in configs}
        seconds = alternate_medians(candidates, args.rounds, settle=0.25, warm=0.1)
        med = {config: t * 1e3 for config, t in seconds.items()}
        ratios = "".join(f"{med[c] / med['1']:14.2f}" for c in configs if c != "1")
        print(f"{name:34}" + "".join(f"{med[c]:11.2f}" for c in configs) + ratios)


if __name__ == "__main__":
    main()
