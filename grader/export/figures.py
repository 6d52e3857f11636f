"""The figures a check is known by and the total line, as every view shows them: the terminal's
check table (`grader.run.console`), the Markdown job summary, the exporters."""

from __future__ import annotations

from itertools import groupby

from grader.report.models import CheckResult, Figure, Report, Status, Visibility

MAX_ERRORS_SIDE_BY_SIDE = 3  # more errors than this (a net's six parameters) show as the worst one


def headline(check: CheckResult) -> str:
    """The figures a check is known by, as the notebook prints them, in a few words: the check's
    `figures` in order, those of one unit side by side (`dx 1.2e-08 dw 3.4e-10`), the groups
    apart (`8/8 cases, rel_error 1.6e-07`). A figure that is not a finite number is left out."""
    shown = [f for f in check.figures if f.value is not None]
    parts: list[str] = []
    for unit, group in groupby(shown, key=lambda figure: figure.unit):
        parts += _written(unit, list(group))
    return ", ".join(parts)


def _written(unit: str, figures: list[Figure]) -> list[str]:
    """One unit's consecutive figures (every value a number) as the headline's parts."""
    if unit == "cases":
        return [f"{f.value:g}{'' if f.threshold is None else f'/{f.threshold:g}'} cases" for f in figures]
    if unit == "number":
        return [f"{f.name} {f.value:.4g}" for f in figures]
    if unit == "speedup":
        return [" ".join(f"{f.name} {f.value:.0f}x" for f in figures)]
    if len(figures) > MAX_ERRORS_SIDE_BY_SIDE:
        worst = max(figures, key=lambda f: f.value or 0.0)
        return [f"max rel_error {worst.value:.1e} ({worst.name})"]
    return [" ".join(f"{f.name} {f.value:.1e}" for f in figures)]


def with_threshold(check: CheckResult) -> str:
    """The check's figures and what they need, e.g. `dx 1.2e-08 (needs relative error <= 1e-08)`."""
    figures = headline(check)
    if check.threshold:
        figures += f" (needs {check.threshold})" if figures else f"needs {check.threshold}"
    return figures


def shown_checks(report: Report) -> tuple[list[CheckResult], list[CheckResult]]:
    """(checks to list, hidden checks not run): a self-check does not list checks it could not run."""
    hidden = [c for c in report.checks if c.visibility is Visibility.hidden]
    not_run = hidden if all(c.status is Status.skipped for c in hidden) else []
    return [c for c in report.checks if c not in not_run], not_run


def total_line(report: Report) -> str:
    """The score over the checks that could run, and how many passed."""
    shown, not_run = shown_checks(report)
    ran = [c for c in shown if c.status is not Status.skipped]
    passed = sum(c.status is Status.passed for c in ran)
    possible = sum(c.max_points for c in shown)
    return f"total {report.score:g} / {possible:g} points; {passed} of {len(ran)} checks run passed"
