"""What every exporter needs: reading a folder of reports and describing one check in words."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from grader.export.figures import headline
from grader.load.naming import report_stem
from grader.report.models import CheckResult, Finding, Report, Status, read_report
from grader.report.text import multi_line, one_line


class ExportError(Exception):
    """User-caused: no reports where the user pointed, or a file that is not a report. One line."""


def unique_stems(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """A distinct file stem per name, in order, none of them a reserved one (compared without case).

    Each name gets `report_stem(name)`, the same as its report in a batch's folder; reports from
    different folders may still meet here with names equal but for case, which get -2, -3, ...
    """
    stems: list[str] = []
    taken = {r.lower() for r in reserved}
    for name in names:
        stem = base = report_stem(name, reserved)
        n = 1
        while stem.lower() in taken:  # case-insensitive file systems would merge "A" and "a"
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem.lower())
        stems.append(stem)
    return stems


@dataclass(frozen=True)
class Unreadable:
    """A file in the reports folder that is not a report this grader can read."""

    path: Path
    reason: str  # one line

    def __str__(self) -> str:
        return f"{one_line(self.path.name)} is not a cnngrade report ({self.reason})"


def load_reports(path: Path) -> tuple[list[Report], list[Unreadable]]:
    """Every report in `path` (a folder of `*.json` reports, or one report file), sorted by name,
    and the files that could not be read as reports; ExportError if none could."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
    else:
        raise ExportError(f"no such file or folder: {path}")
    if not files:
        raise ExportError(f"no reports (*.json) in {path}")
    reports, unreadable = [], []
    for file in files:
        try:
            reports.append(read_report(file))
        except (ValidationError, ValueError, OSError) as e:
            lines = str(e).splitlines()
            unreadable.append(Unreadable(file, one_line(lines[0] if lines else type(e).__name__)))
    if not reports:
        more = f" (and {len(unreadable) - 1} more files)" if len(unreadable) > 1 else ""
        first = unreadable[0]
        raise ExportError(f"{one_line(str(first.path))} is not a cnngrade report ({first.reason}){more}")
    return sorted(reports, key=lambda r: r.submission.name), unreadable


def same_submission(reports: list[Report]) -> list[str]:
    """A warning per group of reports that are of one submission: the same sha256 or the same source."""
    warnings = []
    for label, key in (("sha256", lambda r: r.submission.sha256), ("source", lambda r: r.submission.source)):
        groups: dict[str, list[str]] = {}
        for report in reports:
            if key(report):
                groups.setdefault(key(report), []).append(report.submission.name)
        warnings += [
            f"{', '.join(map(one_line, names))}: reports of the same submission (same {label})"
            for names in groups.values()
            if len(names) > 1
        ]
    return warnings


# Figures for the grader's own use, not the student's: the time spent in their code.
INTERNAL_METRICS = frozenset({"student_time_s"})


def student_metrics(check: CheckResult) -> dict[str, float | int | str | bool | None]:
    """The check's figures a student reads (without the grader's internals)."""
    return {k: v for k, v in check.metrics.items() if k not in INTERNAL_METRICS}


def format_metric(value: float | int | str | bool | None) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def describe(check: CheckResult, *, with_output: bool = True) -> str:
    """A check's verdict as plain text: what a student reads under the check's name.

    Only the message and the captured output keep their lines; no field carries control characters.
    """
    lines = [f"{check.status.value}: {check.points:g} / {check.max_points:g} points"]
    if figures := headline(check):
        lines.append(f"figures: {figures}")
    if check.message:
        lines.append(multi_line(check.message))
    if check.threshold:
        lines.append(f"threshold: {one_line(check.threshold)}")
    if metrics := student_metrics(check):
        lines.append(one_line("  ".join(f"{k}={format_metric(v)}" for k, v in metrics.items())))
    if check.hint:
        lines.append(f"hint: {one_line(check.hint)}")
    if with_output and check.output:
        lines += ["output:", multi_line(check.output)]
    return "\n".join(lines)


def where(finding: Finding) -> str:
    """'file:line' of a loader finding, as much of it as is known, on one line."""
    return one_line(f"{finding.file or ''}{f':{finding.line}' if finding.line else ''}")


def passed(check: CheckResult) -> bool:
    return check.status is Status.passed


def write_csv(to: Path, text: str) -> list[Path]:
    """`text` written to `to` as UTF-8 with its own line ends (the csv module's CRLF), folders made."""
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(text, encoding="utf-8", newline="")
    return [to]
