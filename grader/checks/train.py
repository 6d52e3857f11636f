"""Kind `train`: train the student's net with the starter Solver and judge the accuracy it reaches.

Used twice by the assignment: overfitting 100 examples and one epoch of real
training. On CIFAR-10 the threshold is the notebook's absolute one; on any
other dataset (the built-in one by default) it is a fraction of what the
reference net reaches with the same seed on the same data, so it holds on
whatever data the grader uses. That reference run is cached on disk
(`grader.data_cache`), computed once per dataset and parameters.
"""

from __future__ import annotations

import numpy as np

from grader import data_cache
from grader.checks import expected, model_io
from grader.checks.base import CheckContext, Outcome
from grader.report import Artifacts, Series
from grader.rubric import TrainCheck


def symbols(spec: TrainCheck) -> list[str]:
    return [model_io.MODEL]


def run(spec: TrainCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    assert ctx.data_dir is not None and ctx.cache_dir is not None, "training checks need the dataset"
    cifar = ctx.dataset.startswith("cifar10")
    num_train = (p.cifar_num_train or p.num_train) if cifar else p.num_train
    model = model_io.build(ctx.calls, p.model, seed=p.seed)
    ctx.calls.seed(p.seed)  # the Solver's minibatch sampling uses the global RNG too
    result = ctx.calls.op(
        "train",
        model=model,
        data_dir=str(ctx.data_dir),
        solver=data_cache.solver_kwargs(p),
        num_train=num_train,
    )
    achieved = float(result[f"final_{p.metric}"])
    if cifar:
        threshold, threshold_text = p.cifar_threshold, f"{p.metric} >= {p.cifar_threshold:g} (CIFAR-10)"
        metrics: dict[str, float | int | str | bool | None] = {}
    else:
        reference = expected.reference_run(ctx.cache_dir, ctx.data_dir, ctx.dataset, p, num_train)
        threshold = max(p.relative_threshold * reference[p.metric], p.min_accuracy)
        threshold_text = (
            f"{p.metric} >= {threshold:.3f} ({p.relative_threshold:g} x the reference's "
            f"{reference[p.metric]:.3f} on the same data and seed, at least {p.min_accuracy:g})"
        )
        metrics = {f"reference_{p.metric}": reference[p.metric]}
    metrics |= {
        p.metric: achieved,
        "final_train_acc": float(result["final_train_acc"]),
        "final_val_acc": float(result["final_val_acc"]),
        "final_loss": float(result["loss_history"][-1]) if result["loss_history"] else None,
        "num_train": num_train,
    }
    ok = achieved >= threshold
    label = {"train_acc": "training", "val_acc": "validation"}[p.metric]
    return Outcome.graded(
        int(ok),
        1,
        metrics=metrics,
        threshold=threshold_text,
        message=f"{label} accuracy {achieved:.3f}" + ("" if ok else f", below the threshold {threshold:.3f}"),
        artifacts=Artifacts(
            series=[
                Series(name="loss", x_label="iteration", y=[float(v) for v in result["loss_history"]]),
                Series(name="train_acc", x_label="epoch", y=[float(v) for v in result["train_acc_history"]]),
                Series(name="val_acc", x_label="epoch", y=[float(v) for v in result["val_acc_history"]]),
            ],
            filters=filters_as_uint8(np.asarray(result["W1"])),
        ),
    )


def filters_as_uint8(W1: np.ndarray) -> list[list[list[list[int]]]] | None:
    """First-layer filters (F, C, HH, WW) as RGB pictures (F, HH, WW, 3), each stretched to 0..255."""
    if W1.ndim != 4 or W1.shape[1] not in (1, 3) or not np.all(np.isfinite(W1)):
        return None
    pictures = np.repeat(W1, 3 // W1.shape[1], axis=1).transpose(0, 2, 3, 1).astype(np.float64)
    low = pictures.min(axis=(1, 2, 3), keepdims=True)
    span = np.maximum(pictures.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
    return np.round(255 * (pictures - low) / span).astype(np.uint8).tolist()
