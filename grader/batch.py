"""Grade a class: many submissions in parallel, resumable, and safe to kill at any moment.

Each submission is graded in its own child process (forked from the batch, so the grader
is imported once), which writes `OUT/<submission>.json` with `write_report`: a
temp file and a rename, so a report is either absent or whole. Killing the batch, even
with SIGKILL, kills the children too (the kernel's parent-death signal) and loses only
the reports in progress; the next run skips every submission whose report has the same
inputs key (grader version, rubric, secret, submission hash, dataset) and grades the rest.

A child that crashes or outlives its time budget is killed with its process group and
recorded as a problem in the summary; the other submissions go on. It gets no report,
so the next run tries it again.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import statistics
import tempfile
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from grader.console import Progress, duration
from grader.data_cache import dataset_label
from grader.exporters.common import unique_stems
from grader.grade import GradeOptions, grade_submission, inputs_key
from grader.report import Report, Status, read_report, write_report
from grader.rubric import Rubric
from grader.submission import LoadError, load

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
# Files that mark a folder as one submission (the course's package layout or a flat set of
# modules) rather than a folder of submissions.
SUBMISSION_MARKERS = ("cs231n", "layers.py", "cnn.py", "__init__.py")
PR_SET_PDEATHSIG = 1


class BatchError(Exception):
    """User-caused: nothing to grade, or an output folder that cannot be written. One line."""


@dataclass(frozen=True)
class Job:
    name: str
    source: Path
    target: Path  # OUT/<stem>.json


@dataclass(frozen=True)
class Outcome:
    job: Job
    state: Literal["graded", "skipped", "crashed", "timeout"]
    seconds: float
    report: Report | None = None
    message: str = ""

    @property
    def problem(self) -> bool:
        return self.report is None or self.report.error is not None


def _candidates(folder: Path) -> list[Path]:
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))
    return [p for p in entries if p.is_dir() or p.suffix in SUBMISSION_SUFFIXES]


def is_submission_dir(folder: Path) -> bool:
    """A folder in the course layout, or one holding a single module, notebook or zip, is one submission."""
    if any((folder / marker).exists() for marker in SUBMISSION_MARKERS):
        return True
    entries = _candidates(folder)
    return len(entries) == 1 and entries[0].is_file()


def _expand(folder: Path) -> list[Path]:
    """The submissions in a folder of them; sub-folders that are not submissions are searched too
    (a class sorted into sections, or the examples sorted into buggy/ and hostile/)."""
    found = []
    for entry in _candidates(folder):
        found += [entry] if entry.is_file() or is_submission_dir(entry) else _expand(entry)
    return found


def find_submissions(paths: list[Path]) -> list[tuple[str, Path]]:
    """(name, path) of every submission: each path is one, or a folder of them.

    A submission is named after its path below the folder given, without the file suffix
    (`buggy/conv_no_padding`, `alice`); the suffix stays when two would clash (`alice.py`,
    `alice.ipynb`), and the folder's own name is put first when two folders hold the same name.
    """
    found: list[tuple[Path, Path]] = []  # (folder given, submission)
    for path in paths:
        if not path.exists():
            raise BatchError(f"no such file or folder: {path}")
        if path.is_file() or is_submission_dir(path):
            found.append((path.parent, path))
        else:
            found += [(path, s) for s in _expand(path)]
    if not found:
        raise BatchError(f"no submissions (.py, .ipynb, .zip or folders) in {', '.join(map(str, paths))}")
    full = [s.relative_to(base).as_posix() for base, s in found]
    short = [n.removesuffix(s.suffix) if s.is_file() else n for n, (_, s) in zip(full, found, strict=True)]
    clashes = {n for n, k in Counter(short).items() if k > 1}
    names = [f if n in clashes else n for f, n in zip(full, short, strict=True)]
    clashes = {n for n, k in Counter(names).items() if k > 1}
    names = [f"{b.name}/{n}" if n in clashes else n for (b, _), n in zip(found, names, strict=True)]
    if len(set(names)) != len(names):
        raise BatchError("two submissions have the same name; grade them in separate batches")
    return [(n, s) for n, (_, s) in zip(names, found, strict=True)]


def plan(paths: list[Path], out: Path) -> list[Job]:
    named = find_submissions(paths)
    stems = unique_stems([n for n, _ in named])
    return [Job(n, s, out / f"{stems[n]}.json") for n, s in named]


def prepare_out(out: Path) -> None:
    """Make sure `out` is writable, and clear temp files a killed run left behind."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise BatchError(f"cannot write reports to {out}: {e.strerror or e}") from None
    for stale in out.glob(".*.json.*.tmp"):  # write_report's temp files
        stale.unlink(missing_ok=True)


def _die_with_parent(batch_pid: int) -> None:
    """Let the kernel SIGKILL this child when its parent dies, so a killed batch leaves no orphans."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        os.kill(batch_pid, 0)  # the batch may have died before the signal was armed
    except ProcessLookupError:
        os._exit(1)


def _existing_key(target: Path) -> str | None:
    try:
        return read_report(target).inputs_key
    except (OSError, ValidationError, ValueError):
        return None


def _current_key(source: Path, rubric: Rubric, options: GradeOptions) -> str | None:
    """The inputs key a grading of `source` would have now; None if it does not load (grade it again)."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-key-", dir=options.scratch_dir) as scratch:
        try:
            bundle = load(source, Path(scratch), run_notebook=options.run_notebook)
        except LoadError:
            return None
    return inputs_key(rubric, options, bundle.sha256, dataset_label(options.cifar_dir))


def _child(job: Job, rubric: Rubric, options: GradeOptions, batch_pid: int, conn: Connection) -> None:
    """Grade one submission in this child process and write its report."""
    _die_with_parent(batch_pid)
    os.setpgid(0, 0)  # the parent kills the whole group (sandbox workers included) on timeout
    existing = _existing_key(job.target)
    if existing and existing == _current_key(job.source, rubric, options):
        conn.send("skipped")
        return
    try:
        report = grade_submission(job.source, rubric, options, name=job.name)
    except Exception as e:
        # A bug in the grader, not the submission's doing: the traceback goes to stderr for the
        # maintainer, one line to the summary, and the other submissions go on.
        traceback.print_exc()
        conn.send(f"the grader failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return
    write_report(report, job.target)
    conn.send("graded")


@dataclass
class _Running:
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: Connection
    started: float


def _finish(run: _Running, timed_out: bool) -> Outcome:
    seconds = time.monotonic() - run.started
    if timed_out:
        return Outcome(run.job, "timeout", seconds, message=f"grading took longer than {duration(seconds)}")
    try:
        state = run.conn.recv() if run.conn.poll() else None
    except EOFError:  # the child died before it said anything
        state = None
    if state is None:
        code = run.process.exitcode
        cause = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
        return Outcome(run.job, "crashed", seconds, message=f"the grader crashed ({cause})")
    if state not in ("graded", "skipped"):
        return Outcome(run.job, "crashed", seconds, message=state)
    return Outcome(run.job, state, seconds, report=read_report(run.job.target))


def _kill(run: _Running) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(run.process.pid, signal.SIGKILL)
    run.process.kill()  # in case it had not made its own process group yet
    run.process.join()
    run.conn.close()


def grade_all(
    jobs: list[Job],
    rubric: Rubric,
    options: GradeOptions,
    *,
    workers: int,
    timeout_s: float,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Grade every job with at most `workers` children at once; outcomes in the jobs' order."""
    # fork: the child starts with the grader already imported, and its parent is this process,
    # which the parent-death signal watches (a forkserver in between would outlive a SIGKILL).
    context = multiprocessing.get_context("fork")
    pending = deque(jobs)
    running: dict[int, _Running] = {}
    outcomes: dict[Job, Outcome] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child, args=(job, rubric, options, os.getpid(), send), name=f"grade {job.name}"
                )
                process.start()
                send.close()
                running[process.sentinel] = _Running(job, process, receive, time.monotonic())
            deadline = min(r.started for r in running.values()) + timeout_s
            ready = set(wait(list(running), timeout=max(0.0, deadline - time.monotonic())))
            now = time.monotonic()
            for sentinel, run in list(running.items()):
                timed_out = sentinel not in ready and now - run.started >= timeout_s
                if sentinel not in ready and not timed_out:
                    continue
                if timed_out:
                    _kill(run)
                else:
                    run.process.join()
                outcome = _finish(run, timed_out)
                run.conn.close()
                del running[sentinel]
                outcomes[run.job] = outcome
                report_progress(progress, outcome)
    finally:
        for run in running.values():  # interrupted (Ctrl-C): stop the children, keep finished reports
            _kill(run)
    return [outcomes[j] for j in jobs]


def report_progress(progress: Progress | None, outcome: Outcome) -> None:
    """One job finished: advance the progress line (shared by the local and the cluster batch)."""
    if progress:
        progress.advance(outcome.job.name, _describe(outcome), _graded_seconds(outcome), outcome.problem)


def _graded_seconds(outcome: Outcome) -> float | None:
    return None if outcome.state == "skipped" else outcome.seconds


def _describe(outcome: Outcome) -> str:
    if outcome.report is None:
        return outcome.message
    report = outcome.report
    text = f"{report.score:g}/{report.max_score:g}"
    if outcome.state == "skipped":
        text += " (already graded)"
    return text + (f" - {report.error}" if report.error else "")


def summary(outcomes: list[Outcome], wall_s: float) -> str:
    """The end-of-batch summary: counts, score statistics, problems, the slowest submissions."""
    reports = [o.report for o in outcomes if o.report is not None]
    graded = [o for o in outcomes if o.state == "graded"]
    skipped = sum(o.state == "skipped" for o in outcomes)
    lines = [
        f"{len(outcomes)} submissions: {len(graded)} graded, {skipped} already graded, "
        f"{len(outcomes) - len(reports)} not graded; wall time {duration(wall_s)}"
    ]
    if reports:
        scores = [r.score for r in reports]
        lines.append(
            f"scores (of {max(r.max_score for r in reports):g}): mean {statistics.fmean(scores):.1f}, "
            f"median {statistics.median(scores):g}, min {min(scores):g}, max {max(scores):g}"
        )
        failing = Counter(c.id for r in reports for c in r.checks if c.status is not Status.passed)
        if failing:
            lines.append("checks failed most: " + ", ".join(f"{i} ({n})" for i, n in failing.most_common(5)))
    problems = [o for o in outcomes if o.problem]
    if problems:
        lines.append("problems:")
        lines += [f"  {o.job.name}: {o.message or o.report.error}" for o in problems]
    if graded:
        slowest = sorted(graded, key=lambda o: o.seconds, reverse=True)[:3]
        lines.append("slowest: " + ", ".join(f"{o.job.name} {o.seconds:.1f}s" for o in slowest))
    return "\n".join(lines)


def already_graded(job: Job, rubric: Rubric, options: GradeOptions) -> Report | None:
    """The job's existing report if it has the inputs key a grading would have now, so the job is
    skipped (as `_child` does; the cluster batch asks before sending a job)."""
    existing = _existing_key(job.target)
    if existing and existing == _current_key(job.source, rubric, options):
        return read_report(job.target)
    return None
