"""`cnngrade rubrics [--json]`: the built-in rubrics, their sections and points.

`--json` prints a `RubricList` (each built-in rubric's id, title, sections and points), for scripts
that pick a rubric.
"""

from __future__ import annotations

import argparse

from pydantic import BaseModel

from grader.cli.common import UserError
from grader.judge.rubric import Rubric, RubricError
from grader.judge.rubric_catalog import BUILT_IN, DEFAULT_ID, built_ins
from grader.report.text import one_line


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the list as JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    """Print the built-ins; a built-in that does not load is a UserError (one line)."""
    try:
        rubrics = built_ins()
    except RubricError as e:
        raise UserError(str(e)) from None
    listed = RubricList(
        rubrics=[
            summarize(r, default=r.id == DEFAULT_ID, file=str(BUILT_IN / f"{r.id}.toml")) for r in rubrics
        ]
    )
    print(listed.model_dump_json(indent=2) if args.json else table(listed))
    return 0


def table(listed: RubricList) -> str:
    """Each rubric: its id (marked if it is the default), points and title, then its sections."""
    blocks = []
    for rubric in listed.rubrics:
        mark = " (default)" if rubric.default else ""
        lines = [f"{rubric.id}{mark}  {rubric.max_score:g} points  {one_line(rubric.title)}"]
        width = max(len(one_line(s.name or "(no section)")) for s in rubric.sections)
        for section in rubric.sections:
            checks = f"{section.checks} check{'s' * (section.checks != 1)}"
            name = one_line(section.name or "(no section)")
            lines.append(f"  {name.ljust(width)}  {section.points:>5g}  {checks}")
        blocks.append("\n".join(lines))
    usage = "--rubric ID grades with one of these; --rubric FILE with a rubric of your own"
    return "\n\n".join(blocks) + "\n\n" + usage
