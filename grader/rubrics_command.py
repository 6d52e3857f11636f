"""The `cnngrade rubrics` subcommand: the built-in rubrics, their sections and points.

`--json` prints a `RubricList` (grader/rubric_listing.py), for scripts that pick a rubric. The
parser is built on every `cnngrade` run, so this module imports pydantic only when it lists.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.rubric_listing import RubricList


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the list as JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    """Print the built-ins; a built-in that does not load raises RubricError (one line)."""
    from grader.rubric_catalog import BUILT_IN, DEFAULT_ID, built_ins
    from grader.rubric_listing import RubricList, summarize

    listed = RubricList(
        rubrics=[
            summarize(r, default=r.id == DEFAULT_ID, file=str(BUILT_IN / f"{r.id}.toml")) for r in built_ins()
        ]
    )
    print(listed.model_dump_json(indent=2) if args.json else table(listed))
    return 0


def table(listed: RubricList) -> str:
    """Each rubric: its id (marked if it is the default), points and title, then its sections."""
    from grader.text import one_line

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
