"""The rubric: which checks a submission gets, their points, parameters and visibility.

A rubric is a TOML file (the built-in ones are in `rubrics/`, see grader.judge.rubric_catalog). These
pydantic models are the single source of truth for its shape: every check
kind has its own parameter model (in its module in `grader.judge.kinds`), selected by the
check's `kind`, so a typo in a parameter name or a negative tolerance is caught when the rubric
loads, not halfway through grading a class.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Union

from pydantic import Field, ValidationError, model_validator

from grader.isolate.limits import Limits
from grader.judge.check_models import Strict
from grader.judge.kinds.registry import KINDS
from grader.report.late import LatePolicy


class RubricError(Exception):
    """A rubric that cannot be used; str(e) is one line naming the key and the reason."""


# The rubric's checks: one model per kind, told apart by `kind`. Each kind's module owns its model
# (`CHECK`) and its parameter model; the registry's order is the schema's.
CheckSpec = Annotated[Union[tuple(kind.CHECK for kind in KINDS)], Field(discriminator="kind")]  # noqa: UP007


class Rubric(Strict):
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
