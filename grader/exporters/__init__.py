"""Exporters render reports for the places people read them.

Each module has `export(reports, to, *, unreadable=()) -> list[Path]` (`unreadable`: files that
are not reports, which the output names where the format has a place for them); FORMATS names
them for the command line.
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
}


def exporter(fmt: str) -> Callable[..., list[Path]]:
    """`export(reports, to, *, unreadable=())` of the format's module."""
    return importlib.import_module(f"grader.exporters.{FORMATS[fmt][0]}").export


def default_target(fmt: str, count: int) -> Path:
    """Where a format goes without --to: one Gradescope report is results.json, several a folder."""
    return Path("results.json") if fmt == "gradescope" and count == 1 else FORMATS[fmt][1]
