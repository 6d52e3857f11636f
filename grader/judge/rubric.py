"""The rubric: which checks a submission gets, their points, parameters and visibility.

A rubric is a TOML file (the built-in ones are in `rubrics/`, see grader.judge.rubric_catalog). These
pydantic models are the single source of truth for its shape: every check
kind has its own parameter model, selected by the check's `kind`, so a typo in
a parameter name or a negative tolerance is caught when the rubric loads, not
halfway through grading a class.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader.isolate.limits import Limits
from grader.judge.layers.registry import check_layer
from grader.report.late import LatePolicy
from grader.report.models import Visibility


class RubricError(Exception):
    """A rubric that cannot be used; str(e) is one line naming the key and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Cases = Literal["public", "hidden"]


class ReferenceMatchParams(_Strict):
    """Compare a student's layer with the reference on the notebook's case or on seeded random cases."""

    layer: str  # a name in grader.judge.layers.registry.LAYERS
    direction: Literal["forward", "backward"]
    cases: Cases
    num_cases: int = Field(default=1, ge=1, le=100)  # hidden cases; the public case is always one
    tol: float = Field(default=1e-7, gt=0)  # relative error for float64 inputs
    tol_float32: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _layer_has_the_cases(self) -> ReferenceMatchParams:
        if self.cases == "hidden":
            check_layer(self.layer, needs="hidden")
        elif self.direction not in check_layer(self.layer).public:
            raise ValueError(f"layer {self.layer!r} has no notebook case for its {self.direction} pass")
        return self


class NumericGradientParams(_Strict):
    """The student's backward against centered differences of the student's own forward."""

    layer: str
    tol: float = Field(default=1e-7, gt=0)
    h: float = Field(default=1e-5, gt=0)
    # The forward must also equal the reference's (for the sandwich layers, which have no forward
    # check of their own: a forward of zeros and a backward of zeros agree with each other).
    forward_must_match: bool = False

    @model_validator(mode="after")
    def _layer_has_a_backward_case(self) -> NumericGradientParams:
        if "backward" not in check_layer(self.layer).public:
            raise ValueError(f"layer {self.layer!r} has no notebook case for its backward pass")
        return self


class RunningAverageParams(_Strict):
    """Train-mode passes write running averages into the caller's param dict; test mode uses them.

    Public: the notebook's cell (50 training batches, then one test batch). Hidden: seeded random
    shapes, eps and momentum, `passes` training batches each.
    """

    layer: str
    cases: Cases
    num_cases: int = Field(default=2, ge=1, le=20)  # hidden sequences
    passes: int = Field(default=5, ge=1, le=100)  # hidden: train-mode batches before the test one
    tol: float = Field(default=1e-7, gt=0)
    tol_float32: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _layer_keeps_running_averages(self) -> RunningAverageParams:
        check_layer(self.layer, needs="running_averages")
        if self.cases == "hidden":
            check_layer(self.layer, needs="hidden")
        return self


class FastAgreementParams(_Strict):
    """Fast layers (the submission's own or the starter ones) against the student's naive ones."""

    tol: float = Field(default=1e-9, gt=0)
    num_inputs: int = Field(default=4, ge=1)  # N of the notebook's fast-layer inputs (it uses 100)


class FastSpeedupParams(_Strict):
    """Median speedup of fast over naive, timed alternately in the same worker."""

    min_speedup: float = Field(default=2.0, gt=0)  # every one of the four speedups must reach it
    repeats: int = Field(default=5, ge=1, le=50)
    num_inputs: int = Field(default=10, ge=1)  # the ratio barely depends on N; naive loops are slow


class ModelConfig(_Strict):
    """Constructor arguments of ThreeLayerConvNet (omitted ones take the class defaults)."""

    input_dim: tuple[int, int, int] = (3, 32, 32)
    num_filters: int = Field(default=32, ge=1)
    filter_size: int = Field(default=7, ge=1)
    hidden_dim: int = Field(default=100, ge=1)
    num_classes: int = Field(default=10, ge=2)
    weight_scale: float = Field(default=1e-3, gt=0)
    reg: float = Field(default=0.0, ge=0)
    dtype: Literal["float32", "float64"] = "float64"

    @model_validator(mode="after")
    def _odd_filter_and_even_input(self) -> ModelConfig:
        # The net pads by (filter_size - 1) // 2 and pools 2x2: both need these to come out whole.
        if self.filter_size % 2 == 0:
            raise ValueError("filter_size must be odd (the net keeps the spatial size)")
        if self.input_dim[1] % 2 or self.input_dim[2] % 2:
            raise ValueError("input height and width must be even (the net pools 2x2)")
        return self


class CnnInitParams(_Strict):
    configs: list[ModelConfig] = Field(min_length=1)
    # Weights' std must lie within this factor of weight_scale (generous: a few entries, one draw).
    spread_factor: float = Field(default=4.0, gt=1)


class InitialLossParams(_Strict):
    model: ModelConfig = ModelConfig()
    # Few inputs: a correct net built on the student's naive layers must answer within the time limit.
    num_inputs: int = Field(default=4, ge=1)
    reg: float = Field(ge=0)  # 0: loss ~ ln(num_classes); > 0: exactly loss0 + 0.5*reg*sum(W**2)
    tol: float = Field(default=0.05, gt=0)  # |loss - ln C| for reg 0 (absolute)
    reg_tol: float = Field(default=1e-6, gt=0)  # relative error of the reg term
    # |loss - reference loss| / max(1, |reference loss|) and the scores' scaled error, same weights
    reference_tol: float = Field(default=1e-6, gt=0)


class CnnGradientParams(_Strict):
    model: ModelConfig
    num_inputs: int = Field(default=2, ge=1)
    # max |student - reference| / max |reference| per gradient, on the same weights and inputs
    tol: float = Field(default=1e-6, gt=0)
    # The notebook's figure (public checks only): the student's gradients against numeric ones of
    # their own loss, taken by the grader with this step on this many entries per parameter.
    # Shown, not judged.
    h: float = Field(default=1e-6, gt=0)
    numeric_samples: int = Field(default=12, ge=1)


class TrainParams(_Strict):
    """Train the student's net in the worker with the starter Solver; the grader judges the result.

    The verdict never comes from the worker: the grader reads the trained parameters back and
    scores them with the reference net's forward pass, training accuracy on the first training
    samples, validation accuracy on a held-out split the worker never sees.
    """

    model: ModelConfig
    num_train: int = Field(ge=10)  # on the built-in dataset (and on CIFAR-10 unless the next is set)
    cifar_num_train: int | None = Field(default=None, ge=10)
    num_val: int = Field(default=1000, ge=10)  # the Solver's own validation split (its bookkeeping)
    # The split the Solver keeps its best parameters by: the val split, or (to overfit) the
    # training samples themselves, so that the parameters handed back are the best fit found.
    solver_val_split: Literal["val", "train"] = "val"
    num_epochs: int = Field(default=1, ge=1)
    batch_size: int = Field(default=50, ge=1)
    learning_rate: float = Field(gt=0)
    metric: Literal["train_acc", "val_acc"]
    # On CIFAR-10 the threshold is absolute (the notebook's own expectation). On any other dataset
    # the reference net is trained `reference_runs` times (seeds 0, 1, ..., each with another order
    # of drawing its weights) and the threshold is this fraction of its lowest accuracy: every
    # correct net, whatever its seed or init order, passes (docs/performance.md, "Training thresholds").
    cifar_threshold: float = Field(gt=0, le=1)
    relative_threshold: float = Field(gt=0, le=1)
    reference_runs: int = Field(default=6, ge=1, le=60)
    # ...but never below this: a net that does not learn must not pass because the reference
    # happened to learn little on the data at hand.
    min_accuracy: float = Field(default=0.2, ge=0, le=1)
    seed: int = 0  # the student's net is built and trained with this seed


class _CheckBase(_Strict):
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")
    title: str
    section: str = ""
    points: float = Field(ge=0)
    visibility: Visibility = Visibility.public
    time_limit_s: float = Field(default=30.0, gt=0)  # wall clock per call into the student's code
    # Ids of earlier checks that must pass for this one to run (else it is skipped, no points).
    requires: list[str] = Field(default_factory=list)


class ReferenceMatchCheck(_CheckBase):
    kind: Literal["reference_match"]
    params: ReferenceMatchParams


class NumericGradientCheck(_CheckBase):
    kind: Literal["numeric_gradient"]
    params: NumericGradientParams


class RunningAverageCheck(_CheckBase):
    kind: Literal["running_average"]
    params: RunningAverageParams


class FastAgreementCheck(_CheckBase):
    kind: Literal["fast_agreement"]
    params: FastAgreementParams = FastAgreementParams()


class FastSpeedupCheck(_CheckBase):
    kind: Literal["fast_speedup"]
    params: FastSpeedupParams = FastSpeedupParams()


class CnnInitCheck(_CheckBase):
    kind: Literal["cnn_init"]
    params: CnnInitParams


class InitialLossCheck(_CheckBase):
    kind: Literal["initial_loss"]
    params: InitialLossParams


class CnnGradientCheck(_CheckBase):
    kind: Literal["cnn_gradient"]
    params: CnnGradientParams


class TrainCheck(_CheckBase):
    kind: Literal["train"]
    params: TrainParams


CheckSpec = Annotated[
    ReferenceMatchCheck
    | NumericGradientCheck
    | RunningAverageCheck
    | FastAgreementCheck
    | FastSpeedupCheck
    | CnnInitCheck
    | InitialLossCheck
    | CnnGradientCheck
    | TrainCheck,
    Field(discriminator="kind"),
]


class Rubric(_Strict):
    # The name `--rubric` takes for a built-in (its file is `<id>.toml`) and reports record.
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    # One line naming the course and notebook version, shown by `cnngrade rubrics`, reports, kits.
    title: str = Field(min_length=1, max_length=200, pattern=r"^[^\r\n]*\S[^\r\n]*$")
    limits: Limits = Limits()  # the sandbox's limits for every call; time_limit_s overrides per check
    checks: list[CheckSpec] = Field(min_length=1)
    late: LatePolicy | None = None  # the gradebook's late policy; not part of grading
    # Filled by load_rubric from the file's bytes (without comments, blank lines and [late]: see
    # _graded_bytes); part of every report and of its inputs key.
    sha256: str = ""

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        hidden: dict[str, bool] = {}
        for check in self.checks:
            if check.id in seen:
                raise ValueError(f"duplicate check id {check.id!r}")
            unknown = [r for r in check.requires if r not in seen]
            if unknown:
                raise ValueError(f"{check.id} requires {unknown[0]!r}, which is not an earlier check")
            # Public checks all run before hidden ones (grader.run.grade), so none can wait for one.
            after = [r for r in check.requires if check.visibility == "public" and hidden.get(r)]
            if after:
                raise ValueError(f"{check.id} is public and cannot require the hidden check {after[0]!r}")
            seen.add(check.id)
            hidden[check.id] = check.visibility == "hidden"
        return self

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    def part(self, ids: set[str]) -> Rubric:
        """Only the checks in `ids`; a kept check's prerequisites that are not kept are dropped, so
        it still runs. The hash names the part, so a report never claims the whole rubric."""
        kept = [c for c in self.checks if c.id in ids]
        checks = [c.model_copy(update={"requires": [r for r in c.requires if r in ids]}) for c in kept]
        part = hashlib.sha256(f"{self.sha256}\0{' '.join(sorted(ids))}".encode()).hexdigest()
        return self.model_copy(update={"checks": checks, "sha256": part})


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric file; any problem raises RubricError with one clear line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"{path}: cannot read rubric: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"{path}: not valid TOML: {exc}") from None
    data.pop("sha256", None)  # never trust a hash written into the file itself
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(f"{path}: {_first_error(exc, data)}") from None
    return rubric.model_copy(update={"sha256": hashlib.sha256(_graded_bytes(raw, data)).hexdigest()})


_TABLE_HEADER = re.compile(rb"^[ \t]*\[")  # [table] or [[array of tables]]
_LATE_HEADER = re.compile(rb"^[ \t]*\[[ \t]*late[ \t]*\][ \t]*(#.*)?$")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t]*(#.*)?\r?\n?$")


def _graded_bytes(raw: bytes, data: dict) -> bytes:
    """What the rubric's hash covers: the file without its `[late]` table, comment lines and
    blank lines.

    The hash names what grades a submission (reports and `grade`'s refusal to mix rubrics rely on
    it), so neither a comment nor a late policy set or changed after grading (only the gradebook
    reads it) may make a class look graded with another rubric. When the lines kept do not read
    back as the rubric without its policy (a `late = {...}` written inline, a multi-line string
    holding such lines), the whole file is hashed.
    """
    kept: list[bytes] = []
    inside = False
    for line in raw.splitlines(keepends=True):
        if _TABLE_HEADER.match(line):
            inside = bool(_LATE_HEADER.match(line.rstrip(b"\r\n")))
        if not inside and not _BLANK_OR_COMMENT.match(line):
            kept.append(line)
    graded = b"".join(kept)
    try:
        again = tomllib.loads(graded.decode("utf-8"))
    except tomllib.TOMLDecodeError:
        return raw
    again.pop("sha256", None)
    return graded if again == {k: v for k, v in data.items() if k != "late"} else raw


def _first_error(exc: ValidationError, data: dict) -> str:
    """'checks[3] (conv_forward.public).params.tol: Input should be greater than 0'."""
    error = exc.errors()[0]
    parts: list[str] = []
    node: object = data
    for item in error["loc"]:
        if isinstance(item, int):
            label = f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                label += f" ({node['id']})"
            parts.append(label)
        else:
            # The discriminated union puts the kind's tag in the location; the user never wrote it.
            if isinstance(node, dict) and item not in node and item == node.get("kind"):
                continue
            parts.append(f".{item}" if parts else str(item))
            node = node.get(item) if isinstance(node, dict) else None
    key = "".join(parts) or "rubric"
    return f"{key}: {error['msg']}"
