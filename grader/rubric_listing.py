"""What `cnngrade rubrics --json` prints: each built-in rubric's id, title, sections and points."""

from __future__ import annotations

from pydantic import BaseModel

from grader.rubric import Rubric


class Section(BaseModel):
    name: str  # "" for checks that name no section
    points: float
    checks: int


class RubricSummary(BaseModel):
    id: str
    title: str
    default: bool  # what every command grades with when --rubric is not given
    max_score: float
    sha256: str
    file: str
    sections: list[Section]


class RubricList(BaseModel):
    rubrics: list[RubricSummary]


def summarize(rubric: Rubric, *, default: bool, file: str) -> RubricSummary:
    sections: dict[str, Section] = {}
    for check in rubric.checks:  # in the rubric's order, each section where it first appears
        section = sections.setdefault(check.section, Section(name=check.section, points=0, checks=0))
        section.points += check.points
        section.checks += 1
    return RubricSummary(
        id=rubric.id,
        title=rubric.title,
        default=default,
        max_score=rubric.max_score,
        sha256=rubric.sha256,
        file=file,
        sections=list(sections.values()),
    )
