"""What the command prints for people: the check table, the batch progress bar and the self-check's
live status line.

Everything a student wrote (names, messages, hints, output) goes through `grader.report.text`
first, so it cannot move the cursor, recolour or forge lines of the instructor's terminal.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import textwrap
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from grader.export.figures import shown_checks, total_line, with_threshold
from grader.report.models import Report, Status
from grader.report.text import multi_line, one_line

if TYPE_CHECKING:  # grader.run.grade pulls in numpy and the sandbox; the console only reads its steps
    from grader.run.grade import Step


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


def check_table(report: Report, *, width: int = 80, color: bool = False, verbose: bool = False) -> str:
    """The student's view of a report, `width` columns wide: one line per check with its status,
    figures, threshold and points; under a check that did not pass, its message and hint on lines
    of their own; then the total. `verbose` adds each check's captured output.

    Hidden checks that did not run (a self-check) are not listed, and the total is over the checks
    that are; one line says what the instructor's grading adds.
    """
    width = max(width, MIN_WIDTH)
    shown, not_run = shown_checks(report)
    ids = max((len(one_line(c.id)) for c in shown), default=0)
    ids = min(ids, width // 3)
    points = max((len(f"{c.points:g}/{c.max_points:g}") for c in shown), default=0)
    middle = width - (MARK_WIDTH + 2 + ids + 2 + 2 + points)
    indent = " " * (MARK_WIDTH + 2)
    lines = _wrapped(one_line(f"{report.submission.name} ({report.submission.kind})"), width, "")
    lines += _wrapped(one_line(f"rubric {report.rubric_name()}"), width, "")
    if report.confinement:
        lines += _wrapped(one_line(report.confinement.line()), width, "")
    if report.error:
        lines += _wrapped(f"error: {one_line(report.error)}", width, "")
    for finding in report.findings:
        lines += _wrapped(f"note: {one_line(finding.message)}", width, "")
    lines.append("")
    for check in shown:
        mark, sgr = MARKS[check.status]
        figures = with_threshold(check)
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
            self.stream.write(f"\r\x1b[K{_fit(f'{status}  {name}: {outcome}', columns(self.stream) - 1)}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{status}  {name}: {outcome}\n")
        self.stream.flush()


def clock(seconds: float) -> str:
    """Elapsed time for a line that redraws twice a second: tenths while they still mean something."""
    return f"{seconds:.1f} s" if seconds < 60 else duration(seconds)


def columns(stream: TextIO) -> int:
    """The width of the terminal `stream` writes to: $COLUMNS if set, else the terminal's own
    (shutil asks stdout's, which may be a file while stderr is the terminal), else 80."""
    if "COLUMNS" not in os.environ:
        with contextlib.suppress(AttributeError, ValueError, OSError):
            width = os.get_terminal_size(stream.fileno()).columns
            if width > 0:  # a terminal whose size was never set says 0
                return width
    return shutil.get_terminal_size().columns


class LiveStatus:
    """`cnngrade check`'s status line on a terminal: `[ 7/19] conv_backward.numeric  4.2 s`, the
    check running (or the phase before the checks), how many are done and the time since grading
    began. It is redrawn in place at each step and every `TICK` seconds in between, since one step
    (starting the worker, preparing the training data, a training check) can take minutes and a
    clock that stops looks like a hang. Leaving the `with` block stops the ticking thread and
    erases the line, however grading ended (a report, an error, Ctrl-C), so what is printed next
    is exactly what would be printed without it.
    """

    TICK = 0.5

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.color = use_color(stream)
        self.step: Step | None = None
        self.start = time.monotonic()
        self._drawn = False
        self._lock = threading.Lock()  # the ticker and the grading thread both draw
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="cnngrade-status", daemon=True)

    @staticmethod
    def wanted(stream: TextIO) -> bool:
        """Only on a terminal that understands moving back along a line: never in a log or a pipe,
        where each redraw would be a line of its own, nor with TERM=dumb."""
        return stream.isatty() and os.environ.get("TERM") != "dumb"

    def __enter__(self) -> LiveStatus:
        self.start = time.monotonic()
        self._ticker.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._ticker.join()
        with self._lock:
            if self._drawn:
                self._write("\r\x1b[K")

    def __call__(self, step: Step) -> None:
        with self._lock:
            self.step = step
            self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK):
            with self._lock:
                self._draw()

    def line(self, width: int) -> str:
        """The status as it fits in `width` columns, the check id or phase cut first."""
        if self.step is None:
            return ""
        count = f"[{self.step.done:>{len(str(self.step.total))}}/{self.step.total}]"
        elapsed = clock(time.monotonic() - self.start)
        room = width - len(count) - len(elapsed) - 3
        if room < 1:
            return _fit(f"{count} {elapsed}", width)
        doing = _fit(one_line(self.step.doing), room)
        if self.color:
            count, elapsed = f"\x1b[36m{count}\x1b[0m", f"\x1b[2m{elapsed}\x1b[0m"
        return f"{count} {doing}  {elapsed}"

    def _draw(self) -> None:
        if self.step is None:
            return
        # One terminal line at most: a wrapped line is not redrawn by \r, it piles up.
        self._write(f"\r\x1b[K{self.line(columns(self.stream) - 1)}")
        self._drawn = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: grading goes on without the line
            self._stop.set()
