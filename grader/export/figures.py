"""The figures a check is known by and the total line, as every view shows them: the terminal's
check table (`grader.run.console`), the Markdown job summary, the exporters."""

from __future__ import annotations

from grader.report.models import CheckResult, Report, Status, Visibility


def _e(value: object) -> str:
    return f"{value:.1e}" if isinstance(value, float) else str(value)


def headline(check: CheckResult) -> str:
    """The figures a check is known by, as the notebook prints them, in a few words.

    Works from the metric names the checks use: `cases`/`cases_passed`, `*_rel_error`,
    `*_difference`, `*_speedup`, `loss`, `train_acc`, `val_acc`.
    """
    m = check.metrics
    parts = []
    if isinstance(m.get("cases"), int) and m["cases"] > 1:
        parts.append(f"{m.get('cases_passed', 0)}/{m['cases']} cases")
    errors = {k.removesuffix("_rel_error"): v for k, v in m.items() if k.endswith("_rel_error")}
    errors.pop("max", None)
    numbers = {k: v for k, v in errors.items() if isinstance(v, float)}
    if 0 < len(numbers) <= 3:
        parts.append(" ".join(f"{k} {_e(v)}" for k, v in numbers.items()))
    elif numbers:
        worst = max(numbers, key=numbers.__getitem__)
        parts.append(f"max rel_error {_e(numbers[worst])} ({worst})")
    elif isinstance(m.get("max_rel_error"), float):
        parts.append(f"rel_error {_e(m['max_rel_error'])}")
    differences = [v for k, v in m.items() if k.endswith("_difference") and isinstance(v, float)]
    if differences:
        parts.append(f"max difference {_e(max(differences))}")
    speedups = {
        k.removesuffix("_speedup").removesuffix("_fast"): v for k, v in m.items() if k.endswith("_speedup")
    }
    if speedups:
        parts.append(" ".join(f"{k} {v:.0f}x" for k, v in speedups.items() if isinstance(v, float | int)))
    parts += [f"{k} {m[k]:.4g}" for k in ("loss", "train_acc", "val_acc") if isinstance(m.get(k), float)]
    return ", ".join(parts)


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
