"""Kind `train`: the student's net is trained in the worker, and the grader judges what it learned.

Used twice by the assignment: overfitting a few examples and one epoch of real training. The
worker builds the student's net, runs the starter Solver on the worker's data dir (training
samples, and a val split that is only the Solver's bookkeeping) and sends back every trained
parameter. Everything the worker says is a claim (its Solver, its accuracies and the op itself
may have been replaced by the student's code), so the verdict is computed here: the parameters
are validated (names, shapes, finite floats) and scored with the reference net's forward pass —
training accuracy on the first training samples, validation accuracy on a held-out split whose
images and labels never enter the worker. The loss and accuracy histories are shown, never judged.

On CIFAR-10 the threshold is the notebook's absolute one. On any other dataset (the built-in one
by default) the reference net is trained the same way over several seeds and weight-init orders
(`grader.judge.training.reference_runs`, cached by `grader.judge.training.runs_cache`), and the
threshold is a fraction of its lowest accuracy, so that every correct net passes whatever its seed
or init order.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from grader.isolate import StudentFailure
from grader.judge import claims, expected, model_io, probes
from grader.judge.check_models import CheckBase, ModelConfig, TrainParams
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome
from grader.judge.training import reference_runs, store
from grader.report.models import Artifacts, Figure, Series, Status

MAX_POINTS = 1000  # of a history shown in the report
PROBE_IMAGES = 2  # the speed probe after a timeout: loss calls on this many images...
PROBE_TIMEOUT_S = 20.0  # ...each of which may take at most this long
# Every net built on the fast layers runs the starter's (the reference's own) fast layers, so it is
# about as fast as the reference net; semi-vectorised naive layers (a loop over output pixels)
# made one loss call on 2 images 12-15 times as slow on a quiet machine, but only 6 times on a
# loaded one (a worker's CPU share is capped, the reference's child is not), so the bar is low.
SLOW_FACTOR = 3.0
JUDGE_BATCH = 200  # images per loss(X) call when the student kit scores a trained net


class TrainCheck(CheckBase):
    kind: Literal["train"]
    params: TrainParams


CHECK = TrainCheck  # the rubric entry this kind runs


def symbols(spec: TrainCheck) -> list[str]:
    return [model_io.MODEL]


def precompute(spec: TrainCheck, kit: KitContext) -> None:
    """The reference's runs on the built-in dataset, which the threshold is a fraction of (with
    CIFAR-10 the kit uses the rubric's absolute threshold, like the grader)."""
    assert kit.data_dir is not None, "the kit prepares the dataset for its public training checks"
    expected.reference_runs(
        kit.cache_dir, kit.data_dir, store.dataset_label(None), spec.params, spec.params.num_train
    )


def run(spec: TrainCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    assert ctx.data_dir is not None and ctx.cache_dir is not None, "training checks need the dataset"
    cifar = ctx.dataset.startswith("cifar10")
    num_train = (p.cifar_num_train or p.num_train) if cifar else p.num_train
    model = model_io.build(ctx.calls, p.model, seed=p.seed)
    ctx.calls.seed(p.seed)  # the Solver's minibatch sampling uses the global RNG too
    try:
        claim = ctx.calls.op(
            "train",
            model=model,
            data_dir=str(ctx.data_dir),
            solver=reference_runs.solver_kwargs(p),
            num_train=num_train,
            val_split=p.solver_val_split,
        )
    except StudentFailure as failure:
        if failure.status != "timeout":
            raise
        if failure.output:
            ctx.calls.outputs.append(failure.output)
        return Outcome(Status.timeout, message=failure.message, hint=_slow_net_hint(ctx, p.model))
    params = trained_params(claim, p.model)
    if expected.full():
        judged = reference_runs.judged(ctx.cache_dir, ctx.data_dir, p.model, params, num_train, p.metric)
        judge = "judged by the grader on the trained parameters"
    else:
        judged = _judged_by_own_forward(ctx, model, p, params, num_train)
        judge = "scored with your own loss(X): the student kit has no reference net"
    achieved = judged[p.metric]
    metrics: dict[str, float | int | str | bool | None] = {**judged, "num_train": num_train}
    if cifar:
        threshold = p.cifar_threshold
        threshold_text = f"{p.metric} >= {threshold:g} (CIFAR-10)"
    else:
        runs = expected.reference_runs(ctx.cache_dir, ctx.data_dir, ctx.dataset, p, num_train)
        lowest = min(run[p.metric] for run in runs)
        threshold = threshold_from(p, runs)
        threshold_text = (
            f"{p.metric} >= {threshold:.3f} ({p.relative_threshold:g} x the lowest of {len(runs)} "
            f"reference runs, {lowest:.3f}, over seeds and init orders; at least {p.min_accuracy:g})"
        )
        metrics |= {f"reference_{p.metric}_min": lowest}
    ok = achieved >= threshold
    figures = [  # the accuracy that is not `p.metric` is only shown
        Figure(name=name, value=value, threshold=threshold if name == p.metric else None, unit="number")
        for name, value in judged.items()
    ]
    label = {"train_acc": "training", "val_acc": "held-out validation"}[p.metric]
    return Outcome.graded(
        int(ok),
        1,
        metrics=metrics,
        figures=figures,
        threshold=threshold_text,
        message=f"{label} accuracy {achieved:.3f} ({judge})"
        + ("" if ok else f", below the threshold {threshold:.3f}"),
        artifacts=Artifacts(
            series=training_series(claim, accuracy_iterations(num_train, p)),
            filters=filters_as_uint8(params["W1"]),
        ),
    )


def threshold_from(p: TrainParams, runs: list[dict[str, float]]) -> float:
    """The pass mark on non-CIFAR data: a fraction of the reference's lowest run, at least min_accuracy."""
    return max(p.relative_threshold * min(run[p.metric] for run in runs), p.min_accuracy)


def trained_params(claim: Any, config: ModelConfig) -> dict[str, np.ndarray]:
    """The parameters the worker sent back, through the one door for student values: exactly the
    assignment's names and shapes, finite float arrays (as float64: the reference forward casts)."""
    params = claims.mapping(claim, "the training's result", ["params"])["params"]
    try:
        found = claims.arrays(
            params, "after training, model.params", probes.param_shapes(config), exact_keys=True, kinds="f"
        )
    except MalformedResultError as exc:
        raise MalformedResultError(f"{exc} (training diverged)" if "NaN" in str(exc) else str(exc)) from None
    return {name: value.astype(np.float64) for name, value in found.items()}


def _judged_by_own_forward(
    ctx: CheckContext, model: Any, p: TrainParams, params: dict[str, np.ndarray], num_train: int
) -> dict[str, float]:
    """The student kit's judge: it has no reference net, so the trained parameters (as read back)
    are scored with the student's own forward pass, `loss(X)`, on the grader's judging samples. A
    self-check only: a net whose forward pass is wrong fails `initial_loss` and `cnn_gradient`."""
    assert ctx.cache_dir is not None and ctx.data_dir is not None
    judging = store.read_arrays(
        store.judging_dir(ctx.cache_dir, ctx.data_dir), ("X_fit", "y_fit", "X_heldout", "y_heldout")
    )
    X, y = (
        (judging["X_fit"][: min(num_train, len(judging["y_fit"]))], judging["y_fit"])
        if p.metric == "train_acc"
        else (judging["X_heldout"], judging["y_heldout"])
    )
    model_io.set_params(ctx.calls, model, {k: v.astype(p.model.dtype) for k, v in params.items()})
    predicted = np.concatenate(
        [
            model_io.scores(ctx.calls, model, p.model, X[start : start + JUDGE_BATCH]).argmax(axis=1)
            for start in range(0, len(X), JUDGE_BATCH)
        ]
    )
    return {p.metric: float(np.mean(predicted == y[: len(X)]))}


def display_history(values: Any) -> list[float]:
    """A history from the worker, fit to plot: numbers up to the first non-finite one, at most
    MAX_POINTS of them (evenly spaced when there are more)."""
    return [value for _, value in display_points(values)]


def display_points(values: Any) -> list[tuple[int, float]]:
    """`display_history` with each value's index in the history."""
    if not isinstance(values, list):
        return []
    shown: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            break
        shown.append(float(value))
    kept = range(len(shown))
    if len(shown) > MAX_POINTS:
        kept = np.linspace(0, len(shown) - 1, MAX_POINTS).round().astype(int).tolist()
    return [(i, shown[i]) for i in kept]


def accuracy_iterations(num_train: int, p: TrainParams) -> list[int]:
    """The iterations (counted from 1) after which the starter Solver measures both accuracies:
    the first one and the last of every epoch, in the order it records them."""
    per_epoch = max(num_train // p.batch_size, 1)
    return sorted({1, *(per_epoch * epoch for epoch in range(1, p.num_epochs + 1))})


def training_series(claim: dict[str, Any], accuracy_at: list[int]) -> list[Series]:
    """The claimed histories on one iteration axis: the loss after every iteration, each accuracy
    at the iteration it was measured (`accuracy_at`). The histories are only drawn, so points a
    claim has beyond the Solver's schedule are left out rather than placed anywhere."""
    loss = display_points(claim.get("loss_history"))
    series = [Series(name="loss", x_label="iteration", x=[i + 1 for i, _ in loss], y=[v for _, v in loss])]
    for name in ("train_acc", "val_acc"):
        history = display_points(claim.get(f"{name}_history"))
        placed = [(accuracy_at[i], v) for i, v in history if i < len(accuracy_at)]
        series.append(
            Series(name=name, x_label="iteration", x=[x for x, _ in placed], y=[v for _, v in placed])
        )
    return series


def _slow_net_hint(ctx: CheckContext, config: ModelConfig) -> str | None:
    """After training timed out: is the student's net slow per call? Loss calls on a couple of
    images, timed by the grader's clock (the round trip, which the worker cannot shorten), against
    the reference net (fast layers) on the same images; the fastest of each. A net built on the
    naive conv / pool layers is many times slower, and the hint says so. (Not in the student kit:
    it has no reference net to time.)"""
    if not expected.full():
        return None
    X, y = probes.inputs(np.random.default_rng(0), config, PROBE_IMAGES)
    worker = ctx.calls.worker
    limits = worker.limits
    worker.limits = limits.model_copy(update={"call_timeout_s": PROBE_TIMEOUT_S})
    try:
        model = model_io.build(ctx.calls, config, seed=0)
        student_s = min(worker.call_method(model, "loss", X, y, keep=(1,)).wall_s for _ in range(2))
    except StudentFailure as failure:
        if failure.status != "timeout":
            return None  # a crash says nothing about speed
        student_s = PROBE_TIMEOUT_S
    finally:
        worker.limits = limits
    reference_s = reference_runs.in_child("loss-seconds", config.model_dump_json(), str(PROBE_IMAGES))
    if student_s < SLOW_FACTOR * reference_s:
        return None
    return (
        f"one loss call of your ThreeLayerConvNet on {PROBE_IMAGES} images took {student_s:.2f} s, "
        f"{student_s / reference_s:.0f} times the reference net with fast layers "
        f"({reference_s * 1e3:.1f} ms): "
        "it probably uses the naive layers (conv_forward_naive, max_pool_forward_naive). Build it on "
        "the fast sandwich layers (conv_relu_pool_forward / _backward in layer_utils)."
    )


def filters_as_uint8(W1: np.ndarray) -> list[list[list[list[int]]]] | None:
    """First-layer filters (F, C, HH, WW) as RGB pictures (F, HH, WW, 3), each stretched to 0..255."""
    if W1.ndim != 4 or W1.shape[1] not in (1, 3) or not np.all(np.isfinite(W1)):
        return None
    pictures = np.repeat(W1, 3 // W1.shape[1], axis=1).transpose(0, 2, 3, 1).astype(np.float64)
    low = pictures.min(axis=(1, 2, 3), keepdims=True)
    span = np.maximum(pictures.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
    return np.round(255 * (pictures - low) / span).astype(np.uint8).tolist()
