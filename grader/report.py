"""The score report: one pydantic `Report` per graded submission.

The models here are the single source of truth for what a report holds;
exporters read them, `cnngrade schema` prints their JSON Schema, and
`write_report` / `read_report` are the only way reports touch the disk.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.confinement import Confinement

# Fields that change between two gradings of the same submission with the
# same rubric and secret; everything else in a report must be identical.
TIMING_FIELDS = frozenset({"started_at", "duration_s", "student_time_s", "environment"})


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
    """A named curve for the report's plots (loss history, accuracy per epoch)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    x_label: str = "iteration"
    y: list[float]


class Artifacts(BaseModel):
    """Data the check produced for people to look at (plots, pictures)."""

    model_config = ConfigDict(extra="forbid")
    series: list[Series] = Field(default_factory=list)
    # First-layer filters as uint8 RGB, shape (F, HH, WW, 3), stored as nested lists.
    filters: list[list[list[list[int]]]] | None = None


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    section: str = ""
    visibility: Visibility = Visibility.public
    status: Status
    points: float = Field(ge=0)
    max_points: float = Field(ge=0)
    metrics: dict[str, float | int | str | bool | None] = Field(default_factory=dict)
    threshold: str | None = None  # human-readable, e.g. "rel_error <= 1e-7"
    message: str = ""
    hint: str | None = None  # from the diagnosis: the likely bug, never hidden inputs
    output: str = ""  # captured stdout/stderr of the student's code, truncated
    duration_s: float = 0.0
    artifacts: Artifacts | None = None


class SubmissionInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    kind: str  # module | package | notebook | zip
    sha256: str  # of the whole submission (manifest hash)
    source: str  # the path as given


class Finding(BaseModel):
    """Something the loader noticed: a skipped cell, a changed skeleton line, a duplicate."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    file: str | None = None
    line: int | None = None
    message: str


class Environment(BaseModel):
    model_config = ConfigDict(extra="allow")
    python: str
    numpy: str
    blas: str = ""
    cpu: str = ""
    platform: str = ""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    submission: SubmissionInfo
    rubric_id: str
    rubric_sha256: str
    grader_version: str
    started_at: datetime
    duration_s: float = 0.0
    student_time_s: float = 0.0  # time spent inside the student's code
    environment: Environment
    isolation: str  # bwrap | unshare | process
    confinement: Confinement | None = None  # the level and limits in force (None: older reports)
    dataset: str = ""  # builtin | cifar10:<path>
    # sha256 over (grader version, rubric hash, secret hash, submission hash, dataset):
    # a batch re-run skips a submission whose existing report has the same key.
    inputs_key: str = ""
    score: float
    max_score: float
    checks: list[CheckResult]
    findings: list[Finding] = Field(default_factory=list)
    error: str | None = None  # a grading-level failure (the submission could not load at all)

    def comparable(self) -> dict[str, Any]:
        """The report without timing fields, for 'same grade twice' comparisons."""
        data = self.model_dump(mode="json", exclude=set(TIMING_FIELDS))
        for check in data["checks"]:
            check.pop("duration_s", None)
            for key in [k for k in check["metrics"] if k.endswith("_s") or "speedup" in k]:
                check["metrics"].pop(key)
        return data


def write_report(report: Report, path: Path) -> None:
    """Write atomically: a reader sees the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(report.model_dump_json(indent=2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_report(path: Path) -> Report:
    return Report.model_validate_json(Path(path).read_text(encoding="utf-8"))
