"""What the command prints for people: the check table and the batch progress bar.

Everything a student wrote (names, messages, hints, output) goes through `grader.text`
first, so it cannot move the cursor, recolour or forge lines of the instructor's terminal.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import time
from typing import TextIO

from grader.report import CheckResult, Report, Status, Visibility
from grader.text import multi_line, one_line


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


# How each status is shown, and its colour (SGR code) on a terminal.
MARKS = {
    Status.passed: ("PASS", "32"),
    Status.failed: ("FAIL", "31"),
    Status.error: ("ERROR", "35"),
    Status.timeout: ("TIME", "33"),
    Status.missing: ("MISS", "31"),
    Status.skipped: ("SKIP", "2"),
}
MARK_WIDTH = max(len(m) for m, _ in MARKS.values())
MIN_WIDTH = 40  # below this the columns cannot be kept apart; lines are cut instead


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, max(width - len(indent), 20), initial_indent=indent, subsequent_indent=indent)


def _gist(message: str) -> str:
    """The line of a message that says what went wrong: the first, or a traceback's exception line
    (the first unindented line after the last frame, so an exception message of several lines
    shows its start, not whatever its last line claims)."""
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("Traceback"):
        return lines[0] if lines else ""
    frames = [i for i, line in enumerate(lines) if line.startswith("  File ")]
    after = lines[frames[-1] + 1 :] if frames else lines[1:]
    return next((line for line in after if not line.startswith(" ")), lines[-1])


def _shown_checks(report: Report) -> tuple[list[CheckResult], list[CheckResult]]:
    """(checks to list, hidden checks not run): a self-check does not list checks it could not run."""
    hidden = [c for c in report.checks if c.visibility is Visibility.hidden]
    not_run = hidden if all(c.status is Status.skipped for c in hidden) else []
    return [c for c in report.checks if c not in not_run], not_run


def total_line(report: Report) -> str:
    """The score over the checks that could run, and how many passed."""
    shown, not_run = _shown_checks(report)
    ran = [c for c in shown if c.status is not Status.skipped]
    passed = sum(c.status is Status.passed for c in ran)
    possible = sum(c.max_points for c in shown)
    return f"total {report.score:g} / {possible:g} points; {passed} of {len(ran)} checks run passed"


def check_table(report: Report, *, width: int = 80, color: bool = False, verbose: bool = False) -> str:
    """The student's view of a report, `width` columns wide: one line per check with its status,
    figures, threshold and points; under a check that did not pass, its message and hint on lines
    of their own; then the total. `verbose` adds each check's captured output.

    Hidden checks that did not run (a self-check) are not listed, and the total is over the checks
    that are; one line says what the instructor's grading adds.
    """
    width = max(width, MIN_WIDTH)
    shown, not_run = _shown_checks(report)
    ids = max((len(one_line(c.id)) for c in shown), default=0)
    ids = min(ids, width // 3)
    points = max((len(f"{c.points:g}/{c.max_points:g}") for c in shown), default=0)
    middle = width - (MARK_WIDTH + 2 + ids + 2 + 2 + points)
    indent = " " * (MARK_WIDTH + 2)
    lines = _wrapped(one_line(f"{report.submission.name} ({report.submission.kind})"), width, "")
    if report.confinement:
        lines += _wrapped(one_line(report.confinement.line()), width, "")
    if report.error:
        lines += _wrapped(f"error: {one_line(report.error)}", width, "")
    for finding in report.findings:
        lines += _wrapped(f"note: {one_line(finding.message)}", width, "")
    lines.append("")
    for check in shown:
        mark, sgr = MARKS[check.status]
        figures = headline(check)
        if check.threshold:
            figures += f" (needs {check.threshold})" if figures else f"needs {check.threshold}"
        score = f"{check.points:g}/{check.max_points:g}"
        row = f"{_fit(one_line(check.id), ids).ljust(ids)}  {_fit(one_line(figures), middle).ljust(middle)}  "
        painted = f"\x1b[{sgr}m{mark}\x1b[0m" if color else mark
        lines.append(f"{painted}{' ' * (MARK_WIDTH - len(mark))}  {row}{score.rjust(points)}".rstrip())
        if check.status is not Status.passed and check.message and verbose:
            lines += [_fit(f"{indent}{line}", width) for line in multi_line(check.message).split("\n")]
        elif check.status is not Status.passed and check.message:
            lines += _wrapped(one_line(_gist(check.message)), width, indent)
        if check.hint:
            lines += _wrapped(f"hint: {one_line(check.hint)}", width, indent)
        if verbose and check.output:
            lines.append(f"{indent}output:")
            lines += [_fit(f"{indent}  {line}", width) for line in multi_line(check.output).split("\n")]
    lines += ["", total_line(report)]
    if not_run:
        more = sum(c.max_points for c in not_run)
        note = f"({len(not_run)} hidden checks worth {more:g} more run when the instructor grades)"
        lines += _wrapped(note, width, "")
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
        name, outcome = one_line(name), one_line(outcome)
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
            # One terminal line at most: a wrapped line is not redrawn by \r, it piles up.
            width = shutil.get_terminal_size().columns - 1
            self.stream.write(f"\r\x1b[K{_fit(f'{status}  {name}: {outcome}', width)}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{status}  {name}: {outcome}\n")
        self.stream.flush()
