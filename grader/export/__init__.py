"""Exporters render reports for the places people read them.

Each format has `export(reports, to, *, unreadable=()) -> list[Path]` (`unreadable`: files that
are not reports, which the output names where the format has a place for them): the module's
`export`, or the function named after a colon (`lms:export_canvas`); FORMATS names them for the
command line.
They are imported on demand so `cnngrade check` does not pay for matplotlib.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

# format -> (module, default target); Gradescope's is results.json for one report (default_target)
FORMATS = {
    "gradescope": ("gradescope", Path("gradescope")),
    "junit": ("junit", Path("junit.xml")),
    "csv": ("gradebook", Path("grades.csv")),
    "html": ("html", Path("html")),
    "canvas": ("lms:export_canvas", Path("grades.csv")),
    "moodle": ("lms:export_moodle", Path("grades.csv")),
    "items": ("items", Path("items.csv")),
}


def exporter(fmt: str) -> Callable[..., list[Path]]:
    """`export(reports, to, *, unreadable=())` of the format's module."""
    module, _, function = FORMATS[fmt][0].partition(":")
    return getattr(importlib.import_module(f"grader.export.{module}"), function or "export")


def default_target(fmt: str, count: int) -> Path:
    """Where a format goes without --to: one Gradescope report is results.json, several a folder."""
    return Path("results.json") if fmt == "gradescope" and count == 1 else FORMATS[fmt][1]
