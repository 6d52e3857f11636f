"""Exporters render reports for the places people read them.

Each module has `export(reports, to) -> list[Path]`; FORMATS names them for the command line.
They are imported on demand so `cnngrade check` does not pay for matplotlib.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from grader.report import Report

# format -> (module, default target)
FORMATS = {
    "gradescope": ("gradescope", Path("results.json")),
    "junit": ("junit", Path("junit.xml")),
    "csv": ("gradebook", Path("grades.csv")),
    "html": ("html", Path("html")),
}


def exporter(fmt: str) -> Callable[[list[Report], Path], list[Path]]:
    return importlib.import_module(f"grader.exporters.{FORMATS[fmt][0]}").export
