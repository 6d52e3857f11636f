"""The rubric models every check kind builds on, and the parameter models read beyond one kind.

`CheckBase` holds the fields every rubric check has; each kind's module in `grader.judge.kinds`
adds its own `kind` tag and parameter model on top of it. `ModelConfig` (the net's constructor:
four kinds, the probes and the reference net read it) and `TrainParams` (the `train` kind's, which
the reference's training runs follow too) live here because modules below the kinds need them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.report.models import Visibility


class Strict(BaseModel):
    """A rubric model: an unknown key is a typo, caught when the rubric loads."""

    model_config = ConfigDict(extra="forbid")


Cases = Literal["public", "hidden"]


# No docstring: a model's docstring is its description in `cnngrade schema rubric`.
class CheckBase(Strict):
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")
    title: str
    section: str = ""
    points: float = Field(ge=0)
    visibility: Visibility = Visibility.public
    time_limit_s: float = Field(default=30.0, gt=0)  # wall clock per call into the student's code
    # Ids of earlier checks that must pass for this one to run (else it is skipped, no points).
    requires: list[str] = Field(default_factory=list)


class ModelConfig(Strict):
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


class TrainParams(Strict):
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
