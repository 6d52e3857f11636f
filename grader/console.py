"""What the command prints for people: the check table and the batch progress bar."""

from __future__ import annotations

import textwrap
import time
from typing import TextIO

from grader.report import CheckResult, Report, Status, Visibility


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


def table(rows: list[list[str]], header: list[str], right: set[int] = frozenset()) -> str:
    """Plain-text columns; the last column is free to run long (messages, hints)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(cells: list[str]) -> str:
        padded = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells[:-1])]
        return "  ".join([*padded, cells[-1]]).rstrip()

    rule = "  ".join("-" * w for w in widths) + "  " + "-" * len(header[-1])
    return "\n".join([line(header), rule, *map(line, rows)])


def check_table(report: Report) -> str:
    """The student's view of a report: one line per check that ran, a note per problem, the total.

    When no hidden check ran (a self-check), they are summed up in one line instead of listed.
    """
    hidden = [c for c in report.checks if c.visibility is Visibility.hidden]
    not_run = hidden if all(c.status is Status.skipped for c in hidden) else []
    shown = [c for c in report.checks if c not in not_run]
    rows = []
    details = []
    for check in shown:
        problem = "" if check.status is Status.passed else check.message
        note = check.hint or problem.split("\n", 1)[0]
        rows.append(
            [check.id, check.status.value, f"{check.points:g}/{check.max_points:g}", headline(check), note]
        )
        if "\n" in problem or (check.hint and problem):
            details.append(f"{check.id}:\n" + textwrap.indent(problem, "    "))
    text = table(rows, ["check", "status", "points", "result", "hint / message"], right={2})
    ran = [c for c in shown if c.status is not Status.skipped]
    passed = sum(c.status is Status.passed for c in ran)
    hidden_points = sum(c.max_points for c in not_run)
    total = f"total {report.score:g} / {report.max_score - hidden_points:g} points"
    if not_run:
        total += (
            f" ({len(not_run)} hidden checks worth {hidden_points:g} more run when the instructor grades)"
        )
    lines = [f"{report.submission.name} ({report.submission.kind})"]
    lines += [report.confinement.line()] if report.confinement else []
    if report.error:
        lines.append(f"error: {report.error}")
    lines += [f"note: {f.message}" for f in report.findings]
    lines += [
        "",
        text,
        "",
        *details,
        *([""] if details else []),
        f"{total}; {passed} of {len(ran)} checks run passed",
    ]
    return "\n".join(lines)


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


class Progress:
    """A progress line on stderr: done/total, failures, elapsed and an estimate of the time left.

    On a terminal the line redraws in place; in a log (CI, a pipe) each finished submission gets
    its own line, so the log reads top to bottom. The estimate counts only submissions that were
    graded, not skipped ones, and divides by the jobs running side by side.
    """

    WIDTH = 24

    def __init__(self, total: int, jobs: int, stream: TextIO) -> None:
        self.total, self.jobs, self.stream = total, jobs, stream
        self.done = self.graded = self.problems = 0
        self.graded_time = 0.0
        self.start = time.monotonic()
        self.live = stream.isatty()

    def eta(self) -> float | None:
        left = self.total - self.done
        if not self.graded:
            return None
        return self.graded_time / self.graded * left / min(self.jobs, max(left, 1))

    def advance(self, name: str, outcome: str, seconds: float | None, problem: bool = False) -> None:
        """One submission finished; `seconds` is its grading time, None if it was skipped."""
        self.done += 1
        self.problems += problem
        if seconds is not None:
            self.graded += 1
            self.graded_time += seconds
        filled = self.WIDTH * self.done // max(self.total, 1)
        eta = self.eta()
        status = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total}"
            f"  {self.problems} problem{'s' * (self.problems != 1)}"
            f"  elapsed {duration(time.monotonic() - self.start)}"
            f"  left {'?' if eta is None else duration(eta)}"
        )
        if self.live:
            self.stream.write(f"\r\x1b[K{status}  {name}: {outcome}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{status}  {name}: {outcome}\n")
        self.stream.flush()
