"""What every exporter needs: reading a folder of reports and describing one check in words."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from grader.report import CheckResult, Finding, Report, Status, read_report


class ExportError(Exception):
    """User-caused: no reports where the user pointed, or a file that is not a report. One line."""


def file_stem(name: str) -> str:
    """A file name for a submission's report or page: the name with anything unsafe made '_'.

    Submission names come from students' file names, so they may hold spaces, slashes or
    characters a shell or a URL would trip over.
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return stem or "submission"


def unique_stems(names: list[str], reserved: tuple[str, ...] = ()) -> dict[str, str]:
    """A distinct file stem per name: names that clean to the same stem (or a reserved one) get -2, -3, ..."""
    stems: dict[str, str] = {}
    taken = {r.lower() for r in reserved}
    for name in names:
        stem, n = file_stem(name), 1
        while stem.lower() in taken:  # case-insensitive file systems would merge "A" and "a"
            n += 1
            stem = f"{file_stem(name)}-{n}"
        taken.add(stem.lower())
        stems[name] = stem
    return stems


def load_reports(path: Path) -> list[Report]:
    """Every report in `path` (a folder of `*.json` reports, or one report file), sorted by name."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
    else:
        raise ExportError(f"no such file or folder: {path}")
    if not files:
        raise ExportError(f"no reports (*.json) in {path}")
    reports = []
    for file in files:
        try:
            reports.append(read_report(file))
        except (ValidationError, ValueError, OSError) as e:
            first_line = str(e).splitlines()[0]
            raise ExportError(f"{file} is not a cnngrade report ({first_line})") from None
    return sorted(reports, key=lambda r: r.submission.name)


def format_metric(value: float | int | str | bool | None) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def describe(check: CheckResult, *, with_output: bool = True) -> str:
    """A check's verdict as plain text: what a student reads under the check's name."""
    lines = [f"{check.status.value}: {check.points:g} / {check.max_points:g} points"]
    if check.message:
        lines.append(check.message)
    if check.threshold:
        lines.append(f"threshold: {check.threshold}")
    if check.metrics:
        lines.append("  ".join(f"{k}={format_metric(v)}" for k, v in check.metrics.items()))
    if check.hint:
        lines.append(f"hint: {check.hint}")
    if with_output and check.output:
        lines += ["output:", check.output]
    return "\n".join(lines)


def where(finding: Finding) -> str:
    """'file:line' of a loader finding, as much of it as is known."""
    return f"{finding.file or ''}{f':{finding.line}' if finding.line else ''}"


def passed(check: CheckResult) -> bool:
    return check.status is Status.passed
