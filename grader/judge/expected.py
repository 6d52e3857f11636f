"""The answer key as the checks use it: what the reference computes on the grader's inputs.

Everything here runs in the grader's own (trusted) process, on inputs the
grader chose or on values the student claimed (the parameters read back from
their model). It is the only place the checks call `reference`, so the
yardsticks of every check can be read in one file.

Each function that runs answer-key code is a `yardstick`: in the student kit, which has none,
its answers were computed at release time for the inputs fixed before any student is seen
(`grader.judge.yardstick`), and other inputs raise `NotPrecomputedError`. `full()` says which
grader this is.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from grader.judge import numeric, probes
from grader.judge.check_models import ModelConfig, TrainParams
from grader.judge.layers import registry as layer_registry
from grader.judge.layers.cases import Case, NormCase
from grader.judge.layers.registry import LAYERS
from grader.judge.training import runs_cache
from grader.judge.yardstick import KIT, yardstick
from reference import layer_utils
from reference.cnn import ThreeLayerConvNet
from reference.fast_layers import conv_forward_fast, max_pool_forward_fast
from reference.layers import affine_forward, conv_backward_naive, conv_forward_naive, softmax_loss

FAST_TWINS = frozenset(spec.fast for spec in LAYERS.values() if spec.fast)


def full() -> bool:
    """True in the instructor's grader; False in the student kit (no answer key, no hidden checks)."""
    return KIT is None


# --- layers -----------------------------------------------------------------------------------


def layer_forward(layer: str, args: list[object]) -> np.ndarray:
    """The reference's forward output of a layer on these arguments, computed the fastest way."""
    spec = LAYERS[layer]
    if spec.fast is not None or layer in FAST_TWINS:
        # The course's fast layers answer: starter code, shipped in the student kit too.
        return layer_registry.fastest_forward(spec, args)
    return answer_forward(layer, args)


@yardstick()
def answer_forward(layer: str, args: list[object]) -> np.ndarray:
    """The forward output of a layer the course hands out no fast version of (sandwiches, norms)."""
    return layer_registry.fastest_forward(LAYERS[layer], args)


def course_fast_layer(layer: str, args: list[object], dout: np.ndarray) -> tuple[np.ndarray, ...]:
    """The course's fast twin of a naive layer on these arguments: (out, then the backward's
    outputs on dout). Starter code, shipped in the student kit too, so not a yardstick."""
    forward, backward = LAYERS[LAYERS[layer].fast or layer].reference
    out, cache = forward(*args)
    grads = backward(dout, cache)
    return (out, *(grads if isinstance(grads, tuple) else (grads,)))


@yardstick()
def numeric_layer_gradient(
    layer: str, args: list[object], wrt: int, dout: np.ndarray, h: float
) -> np.ndarray:
    """The centered differences of the reference's forward, taken as `numeric.layer_gradient` takes
    the student's: what a forward that is correct around the test case gives."""
    outputs = np.stack([layer_forward(layer, moved) for moved in numeric.perturbed(args, wrt, h)])
    return numeric.from_outputs(outputs, dout, h, np.shape(args[wrt]))


@yardstick()
def correct_output(layer: str, direction: str, case: Case) -> object:
    """The reference's answer on a layer's case in float64 (the yardstick for float32 too): the
    forward's out, or the backward's outputs (a lone dx alone)."""
    spec = LAYERS[layer]
    if direction == "forward":
        return layer_registry.reference_forward(spec, case.args())[0]
    grads = layer_registry.reference_backward(spec, case.args(), case.dout)
    return grads if len(grads) > 1 else grads[0]


@yardstick()
def bug_output(layer: str, direction: str, bug: str, case: Case) -> object:
    """What a known bug of the layer (`LayerSpec.bugs`) computes on the case, in float64."""
    return layer_registry.bug_output(LAYERS[layer], direction, bug, case.args(), case.dout)


@yardstick()
def running_averages(layer: str, case: NormCase, batches: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The reference's running_mean and running_var after train-mode passes over `batches` (with the
    case's gamma, beta and param), and its test-mode out on case.x with them."""
    forward = LAYERS[layer].reference[0]
    gamma, beta = case.gamma.astype(np.float64), case.beta.astype(np.float64)
    param = {**case.param, "mode": "train"}
    for x in batches:
        forward(x.astype(np.float64), gamma, beta, param)
    out = forward(case.x.astype(np.float64), gamma, beta, {**param, "mode": "test"})[0]
    return {"running_mean": param["running_mean"], "running_var": param["running_var"], "out": out}


@yardstick()
def conv_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict) -> np.ndarray:
    """conv_forward_naive's out, in float64 (the diagnosis's variants change one argument)."""
    return conv_forward_naive(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), conv_param)[0]


@yardstick()
def conv_naive_backward(
    dout: np.ndarray, x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """conv_backward_naive's (dx, dw, db), in float64."""
    cache = (x.astype(np.float64), w.astype(np.float64), b, conv_param)
    return conv_backward_naive(dout.astype(np.float64), cache)


def naive_pass(layer: str, case: Case) -> tuple[float, float]:
    """Seconds of the reference's naive forward and backward on a case, as fast_speedup times them
    (the instructor's grader only: the kit has no naive layers)."""
    forward, backward = LAYERS[layer].reference
    start = time.perf_counter()
    _, cache = forward(*case.args())
    middle = time.perf_counter()
    backward(case.dout, cache)
    return middle - start, time.perf_counter() - middle


# --- ThreeLayerConvNet ------------------------------------------------------------------------


def model(config: ModelConfig, params: dict[str, np.ndarray]) -> ThreeLayerConvNet:
    """The reference net of this config holding exactly these parameters (copied).

    Made without `__init__`, whose random initialization (0.8 million normals for the notebook's
    net, about 20 ms, from numpy's global generator) these parameters would replace at once:
    `loss` reads only `params` and `reg`.
    """
    net = ThreeLayerConvNet.__new__(ThreeLayerConvNet)
    net.reg, net.dtype = config.reg, np.dtype(config.dtype).type
    net.params = {name: np.array(params[name]) for name in probes.PARAM_NAMES}
    return net


@yardstick()
def model_loss(
    config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """The reference's (loss, grads) with these parameters."""
    loss, grads = model(config, params).loss(X, y)
    return float(loss), grads


@yardstick()
def model_loss_value(
    config: ModelConfig,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    reg: float | None = None,
) -> float:
    """The reference's loss alone (`reg` overrides the config's); the student kit stores no
    gradients of the notebook's default net, whose W2 alone is 6.5 MB."""
    net = model(config if reg is None else config.model_copy(update={"reg": reg}), params)
    return float(net.loss(X, y)[0])


@yardstick()
def model_scores(config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    return model(config, params).loss(X)


@yardstick()
def relu_missing_loss(
    config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> float:
    """The loss of the assignment's net with its first ReLU left out (a common bug), on these weights."""
    W1, b1, W2, b2, W3, b3 = (params[k] for k in probes.PARAM_NAMES)
    conv_param = {"stride": 1, "pad": (config.filter_size - 1) // 2}
    pooled, _ = max_pool_forward_fast(
        conv_forward_fast(X, W1, b1, conv_param)[0], {"pool_height": 2, "pool_width": 2, "stride": 2}
    )
    scores, _ = affine_forward(layer_utils.affine_relu_forward(pooled, W2, b2)[0], W3, b3)
    data_loss, _ = softmax_loss(scores, y)
    return float(data_loss + 0.5 * config.reg * sum(float(np.sum(W**2)) for W in (W1, W2, W3)))


def weight_norm(params: dict[str, np.ndarray]) -> float:
    """sum(W**2) over the weight matrices (not the biases), in float64."""
    return float(sum(np.sum(np.asarray(params[k], dtype=np.float64) ** 2) for k in ("W1", "W2", "W3")))


# --- training ---------------------------------------------------------------------------------


@yardstick(
    key=lambda cache_dir, data_dir, dataset, p, num_train: (
        dataset,
        p.model_dump(mode="json", include=runs_cache.TRAINING_FIELDS),
        num_train,
    )
)
def reference_runs(
    cache_dir: Path, data_dir: Path, dataset: str, p: TrainParams, num_train: int
) -> list[dict[str, float]]:
    """The reference net trained as the student's is, over seeds and init orders, judged as the
    student's is (`runs_cache.reference_distribution`); stored in the kit for the built-in dataset."""
    return runs_cache.reference_distribution(cache_dir, data_dir, dataset, p, num_train)
