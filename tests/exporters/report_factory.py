"""Realistic reports for exporter tests, built with the real pydantic models.

`graded_report` mirrors what grading the convnet rubric produces: every status, hints,
captured output (including bytes XML and spreadsheets choke on), training curves and
first-layer filters.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from grader.report.models import (
    Artifacts,
    CheckResult,
    Environment,
    Figure,
    Report,
    Series,
    Status,
    SubmissionInfo,
    Visibility,
)

# (id, title, section, visibility, max_points)
RUBRIC = [
    ("conv_forward", "Naive conv forward", "layers", "public", 8),
    ("conv_forward_hidden", "Naive conv forward, random cases", "layers", "hidden", 8),
    ("conv_backward", "Naive conv backward", "layers", "public", 10),
    ("max_pool_forward", "Max pool forward", "layers", "public", 6),
    ("max_pool_backward", "Max pool backward", "layers", "public", 8),
    ("fast_layers", "Fast layers agree and are faster", "fast", "public", 6),
    ("conv_relu", "conv_relu gradient", "sandwich", "public", 5),
    ("conv_relu_pool", "conv_relu_pool gradient", "sandwich", "public", 5),
    ("cnn_init", "ThreeLayerConvNet parameters", "cnn", "public", 8),
    ("initial_loss", "Initial loss", "cnn", "public", 6),
    ("cnn_gradient", "ThreeLayerConvNet gradient", "cnn", "hidden", 10),
    ("overfit", "Overfit 100 examples", "train", "public", 10),
    ("train", "Train one epoch", "train", "hidden", 10),
]


def training_artifacts(seed: int, epochs: int = 15, iterations: int = 30, filters: int = 32) -> Artifacts:
    rng = np.random.default_rng(seed)
    t = np.arange(iterations)
    loss = 2.3 * np.exp(-t / 12) + 0.1 + 0.05 * rng.random(iterations)
    e = np.arange(epochs + 1)
    train_acc = 1 - 0.9 * np.exp(-e / 4)
    val_acc = 0.1 + 0.15 * (1 - np.exp(-e / 3))
    weights = rng.integers(0, 256, size=(filters, 7, 7, 3), dtype=np.uint8)
    return Artifacts(
        series=[
            Series(name="loss", y=loss.tolist()),
            Series(name="train accuracy", x_label="epoch", y=train_acc.tolist()),
            Series(name="val accuracy", x_label="epoch", y=val_acc.tolist()),
        ],
        filters=weights.tolist(),
    )


def check(index: int, status: Status, **fields) -> CheckResult:
    id_, title, section, visibility, max_points = RUBRIC[index]
    points = max_points if status is Status.passed else fields.pop("points", 0.0)
    return CheckResult(
        id=id_,
        title=title,
        section=section,
        visibility=Visibility(visibility),
        status=status,
        points=points,
        max_points=max_points,
        duration_s=0.25 + index / 10,
        **fields,
    )


def graded_report(name: str = "alice", *, statuses: dict[str, Status] | None = None, seed: int = 0) -> Report:
    """A report over the whole rubric; `statuses` overrides the default all-passed outcome per check id."""
    statuses = statuses or {}
    checks = []
    for i, (id_, *_rest) in enumerate(RUBRIC):
        status = statuses.get(id_, Status.passed)
        fields: dict = {
            "metrics": {"max_rel_error": 1e-9 * (i + 1)},
            "figures": [Figure(name="rel_error", value=1e-9 * (i + 1), threshold=1e-7, unit="error")],
            "threshold": "rel_error <= 1e-7",
        }
        if status is Status.failed:
            fields.update(
                metrics={"cases": 4, "cases_passed": 0, "max_rel_error": 0.31, "student_time_s": 0.02},
                figures=[
                    Figure(name="cases", value=0, threshold=4, unit="cases"),
                    Figure(name="rel_error", value=0.31, threshold=1e-7, unit="error"),
                ],
                message="out differs from the expected output",
                hint="the output looks like a convolution without zero padding: apply pad before sliding",
            )
        elif status is Status.error:
            fields.update(
                message="the submission raised IndexError",
                output="Traceback (most recent call last):\n  ...\nIndexError: index 4 is out of bounds"
                "\x00\x1b[0m",
            )
        elif status is Status.timeout:
            fields.update(message="no answer within 20 s")
        elif status is Status.missing:
            fields.update(
                message="ThreeLayerConvNet is not defined in the submission", metrics={}, figures=[]
            )
        elif status is Status.skipped:
            fields.update(message="a prerequisite failed: cnn_init", metrics={}, figures=[])
        if id_ == "fast_layers":
            fields["metrics"] = {"conv_forward_speedup": 212.5, "max_pool_forward_speedup": 41.0}
            fields["figures"] = [
                Figure(name=name, value=value, threshold=2.0, unit="speedup")
                for name, value in (("conv_forward", 212.5), ("max_pool_forward", 41.0))
            ]
        if id_ in ("overfit", "train") and status is Status.passed:
            fields["artifacts"] = training_artifacts(seed + i)
            fields["metrics"] = {"train_acc": 0.98, "val_acc": 0.24}
            fields["figures"] = [
                Figure(name="train_acc", value=0.98, threshold=0.9, unit="number"),
                Figure(name="val_acc", value=0.24, unit="number"),
            ]
            fields["threshold"] = "train_acc >= 0.9"
        checks.append(check(i, status, **fields))
    return Report(
        submission=SubmissionInfo(
            name=name, kind="package", sha256=f"{seed:064x}", source=f"submissions/{name}"
        ),
        rubric_id="convnet",
        rubric_title="Convolutional networks: layers, sandwich layers, ThreeLayerConvNet",
        rubric_sha256="ab" * 32,
        grader_version="0.1.0",
        started_at=datetime(2026, 11, 26, 22, 0, seed % 60, tzinfo=UTC),
        duration_s=12.5 + seed,
        student_time_s=10.0,
        environment=Environment(python="3.11.9", numpy="2.4.6"),
        isolation="bwrap",
        dataset="builtin",
        score=sum(c.points for c in checks),
        max_score=sum(c.max_points for c in checks),
        checks=checks,
    )


def buggy_report(name: str = "bob", seed: int = 1) -> Report:
    """Every non-passing status at once, as a class's weakest submission shows them."""
    return graded_report(
        name,
        seed=seed,
        statuses={
            "conv_forward": Status.failed,
            "conv_forward_hidden": Status.failed,
            "max_pool_backward": Status.error,
            "fast_layers": Status.timeout,
            "cnn_init": Status.missing,
            "initial_loss": Status.skipped,
            "cnn_gradient": Status.skipped,
            "train": Status.failed,
        },
    )


def unloadable_report(name: str = "carol.zip", seed: int = 2) -> Report:
    """A submission that could not be loaded: `error` set, every check missing."""
    report = graded_report(name, seed=seed, statuses={i: Status.missing for i, *_ in RUBRIC})
    return report.model_copy(update={"error": "carol.zip is not a valid zip file", "findings": []})


def class_of(count: int) -> list[Report]:
    makers = [graded_report, buggy_report]
    reports = [makers[i % 2](f"student{i:02d}", seed=i) for i in range(count - 1)]
    return reports + [unloadable_report()]
