"""The score report: one pydantic `Report` per graded submission.

The models here are the single source of truth for what a report holds;
exporters read them, `cnngrade schema` prints their JSON Schema, and
`write_report` / `read_report` are the only way reports touch the disk.

A report must always be writable and readable back, whatever the student's code
produced, so the models themselves clean what a producer hands them:

- strings: lone surrogates (which UTF-8 cannot encode) become U+FFFD, and every
  field is capped in length (`NAME_CHARS`, `TEXT_CHARS`);
- floats that are the student's figures (metrics, timings, training curves): a
  NaN, an infinity or an int too large for a float becomes None, and the check's
  or report's `absent` says which value and why;
- points and scores, which the parent computes, must be finite; anything else is
  a grader bug and fails validation.

`write_report` also round-trips every report (dump, load, compare) before it
writes, so a report that could not be read back is never written.
"""

from __future__ import annotations

import math
import os
import platform
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from grader.isolate.confinement import Confinement
from grader.report import migrations
from grader.report.overrides import Overridden
from grader.report.text import valid_utf8

# Fields that change between two gradings of the same submission with the
# same rubric and secret; everything else in a report must be identical.
TIMING_FIELDS = frozenset({"started_at", "duration_s", "student_time_s", "environment"})

NAME_CHARS = 200  # ids, titles, names, kinds: one line of a table
TEXT_CHARS = 20_000  # messages, hints, captured output (grade.py keeps less output than this)
SCHEMA_VERSION = 3  # what Report.schema_version says of a report written now
_LARGEST_INT = 2**63  # beyond this an int metric is stored as a float (JSON readers lose precision anyway)


class ReportError(ValueError):
    """A report that does not survive a round trip through JSON: a grader bug, never written."""


def clean_text(value: str, limit: int = TEXT_CHARS) -> str:
    """`value` as valid UTF-8 text of at most `limit` characters (the head and tail kept if longer)."""
    value = valid_utf8(value)
    if len(value) <= limit:
        return value
    marker = f" [... {len(value) - limit} characters cut ...] "
    keep = max(limit - len(marker), 0)
    return value[: keep - keep // 4] + marker + value[len(value) - keep // 4 :] if keep else value[:limit]


def _capped(limit: int) -> AfterValidator:
    return AfterValidator(lambda value: clean_text(value, limit))


Name = Annotated[str, _capped(NAME_CHARS)]
Text = Annotated[str, _capped(TEXT_CHARS)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Points = Annotated[float, Field(ge=0, allow_inf_nan=False)]
MetricValue = float | int | Text | bool | None


def _not_finite(value: object) -> str | None:
    """Why a number cannot be stored as a JSON number, or None if it can."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            return "too large for a float"
        return None
    return None if math.isfinite(value) else f"not finite ({value})"


def _storable(value: object) -> object:
    """A number as it is stored: huge ints become floats (they are compared as floats anyway)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _LARGEST_INT:
        return float(value)
    return value


def _absent_numbers(data: Any, fields: tuple[str, ...]) -> Any:
    """Before validation: each field (or metrics entry) holding a number JSON cannot hold
    becomes None, and `absent` records it with the reason."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    absent = dict(data.get("absent") or {})
    for field in fields:
        if field in data and (reason := _not_finite(data[field])):
            data[field] = None
            absent[field] = reason
    if isinstance(data.get("metrics"), dict):
        metrics = {}
        for key, value in data["metrics"].items():
            reason = _not_finite(value)
            metrics[key] = None if reason else _storable(value)
            if reason:
                absent[f"metrics.{key}"] = reason
        data["metrics"] = metrics
    if absent:
        data["absent"] = absent
    return data


class Status(StrEnum):
    passed = "passed"
    failed = "failed"
    error = "error"  # the submission crashed, hit a limit, or returned malformed data
    timeout = "timeout"
    missing = "missing"  # a symbol the check needs is not in the submission
    skipped = "skipped"  # not run: not selected (e.g. hidden in a self-check) or a prerequisite failed


class Visibility(StrEnum):
    public = "public"
    hidden = "hidden"


class Series(BaseModel):
    """A named curve for the report's plots (loss history, accuracy per epoch).

    A point that was not a finite number (a loss that turned NaN) is None: a gap in the curve.
    `x` places each point (the iteration it was recorded at); None, as in reports written before
    it existed, places them at 0, 1, 2, ...
    """

    model_config = ConfigDict(extra="forbid")
    name: Name
    x_label: Name = "iteration"
    # The grader computes these (never the student), so they must be finite.
    x: list[Finite] | None = None
    y: list[float | None]

    @field_validator("y", mode="before")
    @classmethod
    def _gaps(cls, y: Any) -> Any:
        if not isinstance(y, list | tuple):
            return y
        return [None if _not_finite(v) else v for v in y]

    @model_validator(mode="after")
    def _one_x_per_y(self) -> Series:
        if self.x is not None and len(self.x) != len(self.y):
            raise ValueError(f"series {self.name!r}: {len(self.x)} x values for {len(self.y)} points")
        return self


class Artifacts(BaseModel):
    """Data the check produced for people to look at (plots, pictures)."""

    model_config = ConfigDict(extra="forbid")
    series: list[Series] = Field(default_factory=list)
    # First-layer filters as uint8 RGB, shape (F, HH, WW, 3), stored as nested lists.
    filters: list[list[list[list[Annotated[int, Field(ge=0, le=255)]]]]] | None = None


class Figure(BaseModel):
    """One number a check is known by, as the notebook prints it (`dx 1.2e-08`, `8/8 cases`,
    `conv_forward 212x`): made by the check kind that measured it, written out by the views
    (grader/export/figures.py) as it is, never read back out of the metrics' names."""

    model_config = ConfigDict(extra="forbid")
    name: Name  # what it measures: "dx", "rel_error", "conv_forward", "train_acc", "cases"
    # None: not a finite number (it is a copy of a metric, whose `absent` entry says why).
    value: float | None
    # What the value must reach to pass: at most this for an error, at least this for the others
    # (for cases: all of them). None: the figure is shown, not judged on its own.
    threshold: Finite | None = None
    # How it reads: "cases" passed/threshold; an "error" in 1.2e-08 notation (several side by side,
    # more than three as the worst of them); a "speedup" 212x; a "number" to 4 digits.
    unit: Literal["cases", "error", "speedup", "number"]

    @field_validator("value", mode="before")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return None if _not_finite(value) else value


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Name
    title: Name
    section: Name = ""
    visibility: Visibility = Visibility.public
    status: Status
    points: Points
    max_points: Points
    metrics: dict[Name, MetricValue] = Field(default_factory=dict)
    figures: list[Figure] = Field(default_factory=list)  # the headline: a few of the metrics, as shown
    threshold: Text | None = None  # human-readable, e.g. "rel_error <= 1e-7"
    message: Text = ""
    hint: Text | None = None  # from the diagnosis: the likely bug, never hidden inputs
    output: Text = ""  # captured stdout/stderr of the student's code, truncated
    duration_s: float | None = 0.0  # None: not a finite number (see absent)
    artifacts: Artifacts | None = None
    # Values that were not finite numbers and are stored as None: "metrics.loss" -> "not finite (nan)".
    absent: dict[Name, Name] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _absent(cls, data: Any) -> Any:
        return _absent_numbers(data, ("duration_s",))


# The docstring is the description in `cnngrade schema report`: kept word for word as published,
# old module path included, so the schema does not change.
class LmsStudent(BaseModel):
    """The student a submission in an LMS download belongs to, as the download names them
    (grader/lms_download.py): what the LMS grade files match a grade by."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lms: Literal["canvas", "moodle"]
    id: Name  # Canvas: the user id; Moodle: the assignment's participant id
    name: Name  # Canvas: the lower-case name without spaces (doejane); Moodle: the full name
    submission_id: Name | None = None  # Canvas's submission id
    # Canvas's _LATE_ marker: True or False; None where the download says nothing (Moodle).
    late: bool | None = None
    download: Text = ""  # the zip or folder as given


class SubmissionInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    kind: Name  # module | package | notebook | zip
    sha256: Name  # of the whole submission (manifest hash)
    source: Text  # the path as given (for an LMS download: the student's restored tree)
    lms: LmsStudent | None = None  # None: not from an LMS download (or a report before version 2)


class Finding(BaseModel):
    """Something the loader noticed: a skipped cell, a changed skeleton line, a duplicate."""

    model_config = ConfigDict(extra="forbid")
    kind: Name
    file: Text | None = None
    line: int | None = None
    message: Text


class Environment(BaseModel):
    model_config = ConfigDict(extra="allow")
    python: Name
    numpy: Name
    blas: Name = ""
    cpu: Name = ""
    platform: Name = ""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # 1: the first; 2: submission.lms (a version 1 report reads as one without it); 3: checks'
    # figures (an older report reads with figures derived from its metrics: report/migrations.py)
    schema_version: int = SCHEMA_VERSION
    submission: SubmissionInfo
    rubric_id: Name
    rubric_title: Name = ""  # the rubric's one-line title ("": a report from before rubrics had one)
    rubric_sha256: Name
    grader_version: Name
    started_at: datetime
    duration_s: float | None = 0.0  # None: not a finite number (see absent)
    student_time_s: float | None = 0.0  # calls into the student's code, by the grader's clock
    environment: Environment
    isolation: Name  # bwrap | unshare | process | none (not graded)
    confinement: Confinement | None = None  # the level and limits in force (None: older reports)
    dataset: Text = ""  # builtin | cifar10:<path>
    # sha256 over (grader version, rubric hash, secret hash, submission hash, dataset):
    # a batch re-run skips a submission whose existing report has the same key.
    inputs_key: Name = ""
    score: Finite
    max_score: Finite
    checks: list[CheckResult]
    findings: list[Finding] = Field(default_factory=list)
    error: Text | None = None  # a grading-level failure (the submission could not load at all)
    absent: dict[Name, Name] = Field(default_factory=dict)  # as CheckResult.absent
    # Only on the copies `cnngrade report --overrides` renders (grader/report/overrides.py): never
    # serialised, never in the schema, so no report on disk holds anything but the grader's score.
    overridden: SkipJsonSchema[Overridden | None] = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _absent(cls, data: Any) -> Any:
        data = migrations.with_figures(data, SCHEMA_VERSION)
        return _absent_numbers(data, ("duration_s", "student_time_s"))

    def rubric_name(self) -> str:
        """'convnet (its title)': what every view names the rubric by; the id alone for a report
        from before rubrics had titles. Raw text: each view cleans it for its format."""
        return f"{self.rubric_id} ({self.rubric_title})" if self.rubric_title else self.rubric_id

    def comparable(self) -> dict[str, Any]:
        """The report without timing fields, for 'same grade twice' comparisons."""
        data = self.model_dump(mode="json", exclude=set(TIMING_FIELDS))
        data["absent"] = {k: v for k, v in data["absent"].items() if k not in TIMING_FIELDS}
        for check in data["checks"]:
            check.pop("duration_s", None)
            timing = [k for k in check["metrics"] if k.endswith("_s") or "speedup" in k]
            for key in timing:
                check["metrics"].pop(key)
            check["figures"] = [f for f in check["figures"] if f["unit"] != "speedup"]  # timed too
            dropped = {"duration_s", *(f"metrics.{k}" for k in timing)}
            check["absent"] = {k: v for k, v in check["absent"].items() if k not in dropped}
        return data


def error_report(
    name: str,
    source: str,
    message: str,
    *,
    rubric_id: str = "",
    rubric_title: str = "",
    rubric_sha256: str = "",
    max_score: float = 0.0,
    grader_version: str = "",
) -> Report:
    """The smallest valid report: a submission whose real report could not be made or written.

    It has no inputs key, so a batch re-run grades the submission again.
    """
    try:
        numpy = metadata.version("numpy")
    except metadata.PackageNotFoundError:
        numpy = ""
    return Report(
        submission=SubmissionInfo(name=name, kind="unknown", sha256="", source=source),
        rubric_id=rubric_id,
        rubric_title=rubric_title,
        rubric_sha256=rubric_sha256,
        grader_version=grader_version,
        started_at=datetime.now(UTC),
        environment=Environment(python=platform.python_version(), numpy=numpy),
        isolation="none",
        score=0.0,
        max_score=max_score,
        checks=[],
        error=message,
    )


def dump_report(report: Report) -> str:
    """The report as JSON text, after checking that it reads back equal; ReportError if not."""
    if report.overridden is not None:
        raise ReportError(
            f"the report of {report.submission.name!r} carries overrides: "
            "only the grader's own report is written"
        )
    text = report.model_dump_json(indent=2)
    try:
        again = Report.model_validate_json(text)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise ReportError(f"the report of {report.submission.name!r} does not read back: {e}") from None
    if again != report:
        raise ReportError(f"the report of {report.submission.name!r} reads back different")
    return text


def write_report(report: Report, path: Path) -> None:
    """Write atomically: a reader sees the old file or the whole new one, never a part.

    The report is round-tripped first (`dump_report`), so nothing unreadable is ever written.
    """
    text = dump_report(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".json.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_report(path: Path) -> Report:
    return Report.model_validate_json(Path(path).read_text(encoding="utf-8"))
