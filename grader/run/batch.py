"""Grade a class: many submissions in parallel, resumable, and safe to kill at any moment.

Each submission is graded in its own child process (forked from the batch, so the grader
is imported once), which writes `OUT/<submission>.json` with `write_report`: a
temp file and a rename, so a report is either absent or whole. Killing the batch, even
with SIGKILL, kills the children too (the kernel's parent-death signal) and loses only
the reports in progress; the next run skips every submission whose report has the same
inputs key (grader version, rubric, secret, submission hash, dataset) and grades the rest.

Submissions are named by `grader.load.naming`: after themselves, the same alone or in a batch,
and as the reports folder remembers them. (A folder an older cnngrade wrote has no memory of
names; a nested submission may then get a new report once, and `cnngrade report` warns about
the two reports of one submission.)

A child that crashes or outlives its time budget is killed with its process group and
recorded as a problem in the summary; the other submissions go on. It gets no report,
so the next run tries it again. Whatever a child puts in the temp dir (the submission's bundle,
its sandbox workers' trees) is in a directory the batch made for it and removes however the
child ended: a killed child cannot clean up after itself. Nor can a batch killed with SIGKILL;
the next batch removes its children's dirs once they are a day old. A grading that fails in the
grader itself (or a report that would not read back) gets a minimal report naming the failure,
without an inputs key, so it too is graded again next time; nothing one submission does stops
the batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import shutil
import signal
import stat
import statistics
import tempfile
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from grader import __version__
from grader.isolate import IsolationError
from grader.judge.rubric import Rubric
from grader.judge.training.store import CacheError, dataset_label
from grader.load.discovery import DiscoveryError, discover
from grader.load.naming import known_names, name_submissions, read_state, report_stem, write_state
from grader.load.submission import LoadError, load
from grader.report.models import (
    LmsStudent,
    Report,
    Status,
    dump_report,
    error_report,
    read_report,
    write_report,
)
from grader.report.text import one_line
from grader.run.console import Progress, duration
from grader.run.grade import GradeOptions, Listener, grade_submission, inputs_key

# Below the reports folder: each LMS download's students' folders, restored (grader/load/lms_download.py).
LMS_STAGING = ".lms"
PR_SET_PDEATHSIG = 1


class BatchError(Exception):
    """User-caused: nothing to grade, or an output folder that cannot be written. One line."""


@dataclass(frozen=True)
class Job:
    name: str
    source: Path
    target: Path  # OUT/<stem>.json
    force: bool = False  # grade again even if its report has the same inputs key
    lms: LmsStudent | None = None  # the student, for a submission from an LMS download


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


def plan(paths: list[Path], out: Path, warnings: list[str] | None = None) -> list[Job]:
    """A job per submission, named as `out` remembers it or, if new, as `grader.load.naming` names it.

    An LMS download's students are restored into `out/.lms/` (kept, so that each student's
    folder, and so their name, stays the same from run to run, and so the instructor can see what
    was graded); what was noticed reading it is appended to `warnings`."""
    try:
        found_all = discover(paths, out / LMS_STAGING)
    except DiscoveryError as e:
        raise BatchError(str(e)) from None
    found = found_all.found
    if warnings is not None:
        warnings += found_all.warnings
    known = known_names(read_state(out))
    # Reports already in the folder that no remembered name accounts for (a folder copied without
    # its state file) are someone's: a newcomer never takes their stems.
    ours = {report_stem(n).lower() for n in known.values()}
    existing = frozenset(p.stem for p in out.glob("*.json") if p.stem.lower() not in ours)
    names = name_submissions(found, known, existing)
    jobs = [
        Job(n, s, out / f"{report_stem(n)}.json", lms=found_all.students.get(s))
        for n, (_, s) in zip(names, found, strict=True)
    ]
    clashes = [n for n, k in Counter(j.target.name.lower() for j in jobs).items() if k > 1]
    if clashes:  # only names built to look like another's hashed stem get here
        raise BatchError(f"two submissions would share the report {clashes[0]}; grade them apart")
    return jobs


def remember(out: Path, jobs: list[Job], fingerprint: str) -> None:
    """Record the names given and what the reports are graded with, for the next run into `out`."""
    write_state(out, {str(j.source.resolve()): j.name for j in jobs}, fingerprint)


def select(jobs: list[Job], only: list[str], force: list[str]) -> list[Job]:
    """The jobs `--only` keeps (all without it), with those `--force` names marked to be regraded.

    A NAME matches a submission's name or its report's file name, without regard to case.
    """

    def matching(name: str) -> set[Job]:
        wanted = name.lower().removesuffix(".json")
        hits = {j for j in jobs if wanted in (j.name.lower(), j.target.stem.lower())}
        if not hits:
            raise BatchError(f"no submission named {name!r} (names as in the reports, e.g. {jobs[0].name!r})")
        return hits

    kept = set().union(*map(matching, only)) if only else set(jobs)
    forced = set().union(*map(matching, force)) if force else set()
    return [replace(j, force=j in forced) for j in jobs if j in kept]


def prepare_out(out: Path) -> None:
    """Make sure `out` is writable, and clear temp files a killed run left behind."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise BatchError(f"cannot write reports to {out}: {e.strerror or e}") from None
    # write_report's temp files (and an older grader's), and outdir's
    for stale in [*out.glob(".report.*.json.tmp"), *out.glob(".*.json.*.tmp"), *out.glob(".state.*.tmp")]:
        stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process
    return True


def _die_with_parent(batch_pid: int) -> None:
    """Let the kernel SIGKILL this child when its parent dies, so a killed batch leaves no orphans."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if not _alive(batch_pid):  # the batch may have died before the signal was armed
        os._exit(1)


JOB_DIR = "cnngrade-job-{pid}-"  # a child's temp dir, named for the batch that made it
STALE_AFTER_S = 24 * 3600


def remove_stale_dirs(name: str = JOB_DIR) -> None:
    """Remove the temp dirs named `name` (with a pid) that a process killed with SIGKILL left
    behind: this user's, of a process no longer running, untouched for a day (a process in another
    pid namespace that shares the temp dir looks dead from here, but its dirs are recent). A batch
    removes its children's (JOB_DIR), a Dask worker its tasks' (cluster.TASK_DIR)."""
    now = time.time()
    for path in Path(tempfile.gettempdir()).glob(name.format(pid="*") + "*"):
        pid = path.name.split("-")[2]
        with contextlib.suppress(OSError):
            info = path.lstat()
            mine = info.st_uid == os.getuid() and stat.S_ISDIR(info.st_mode)  # a link is no dir here
            if mine and pid.isdigit() and not _alive(int(pid)) and now - info.st_mtime > STALE_AFTER_S:
                shutil.rmtree(path, ignore_errors=True)


def _existing_key(job: Job) -> str | None:
    """The inputs key of the job's report; None (grade it again) if there is none, or if it names
    the student otherwise (a Canvas submission marked late since)."""
    try:
        report = read_report(job.target)
    except (OSError, ValidationError, ValueError):
        return None
    return report.inputs_key if report.submission.lms == job.lms else None


def with_student(report: Report, job: Job) -> Report:
    """The report with the LMS student the job's submission belongs to (the batch knows it, the
    grading does not)."""
    if job.lms is None:
        return report
    return report.model_copy(update={"submission": report.submission.model_copy(update={"lms": job.lms})})


def _current_key(source: Path, rubric: Rubric, options: GradeOptions) -> str | None:
    """The inputs key a grading of `source` would have now; None if it does not load (grade it again)."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-key-", dir=options.scratch_dir) as scratch:
        try:
            bundle = load(source, Path(scratch), run_notebook=options.run_notebook)
        except LoadError:
            return None
    return inputs_key(rubric, options, bundle.sha256, dataset_label(options.cifar_dir))


def grade_to_report(
    source: Path, rubric: Rubric, options: GradeOptions, name: str, progress: Listener | None = None
) -> Report:
    """`grade_submission`'s report, checked to survive the trip to JSON; if grading fails (a grader
    bug) or the report would not read back, a minimal report that says so instead.

    The machine's faults (`IsolationError`, `CacheError`) still raise: they are no submission's.
    The minimal report has no inputs key, so a batch's next run grades the submission again.
    """
    try:
        report = grade_submission(source, rubric, options, name=name, progress=progress)
        dump_report(report)
        return report
    except (IsolationError, CacheError):
        raise
    except Exception as e:
        # The traceback goes to stderr for the maintainer, one line to the report and the summary.
        traceback.print_exc()
        first_line = str(e).splitlines()[0] if str(e) else ""
        return error_report(
            name,
            str(source),
            f"not graded: the grader failed: {type(e).__name__}: {first_line}",
            rubric_id=rubric.id,
            rubric_title=rubric.title,
            rubric_sha256=rubric.sha256,
            max_score=rubric.max_score,
            grader_version=__version__,
        )


def _child(
    job: Job, rubric: Rubric, options: GradeOptions, batch_pid: int, conn: Connection, temp: str
) -> None:
    """Grade one submission in this child process and write its report; its temp files in `temp`
    (its scratch trees too, unless `options.scratch_dir` names a place for them)."""
    _die_with_parent(batch_pid)
    os.setpgid(0, 0)  # the parent kills the whole group (sandbox workers included) on timeout
    tempfile.tempdir = temp  # this process's own: it only grades this submission
    existing = None if job.force else _existing_key(job)
    if existing and existing == _current_key(job.source, rubric, options):
        conn.send("skipped")
        return
    try:
        report = grade_to_report(job.source, rubric, options, job.name)
        write_report(with_student(report, job), job.target)
    except Exception as e:  # the machine's fault (or a full disk): no report, the next run tries again
        traceback.print_exc()
        conn.send(f"the grader failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return
    conn.send("graded")


@dataclass
class _Running:
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: Connection
    started: float
    temp: str  # the child's temp dir, removed when it has ended

    def end(self) -> None:
        self.conn.close()
        shutil.rmtree(self.temp, ignore_errors=True)


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
    try:
        report = read_report(run.job.target)
    except (OSError, ValueError) as e:  # e.g. a report an older grader wrote, or a damaged file
        first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
        return Outcome(run.job, "crashed", seconds, message=f"its report cannot be read: {first_line}")
    return Outcome(run.job, state, seconds, report=report)


def _kill(run: _Running) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(run.process.pid, signal.SIGKILL)
    run.process.kill()  # in case it had not made its own process group yet
    run.process.join()


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
    remove_stale_dirs()
    pending = deque(jobs)
    running: dict[int, _Running] = {}
    outcomes: dict[Job, Outcome] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                receive, send = context.Pipe(duplex=False)
                # In the system's temp dir: a bad `scratch_dir` stays one submission's grader failure.
                temp = tempfile.mkdtemp(prefix=JOB_DIR.format(pid=os.getpid()))
                args = (job, rubric, options, os.getpid(), send, temp)
                process = context.Process(target=_child, args=args, name=f"grade {job.name}")
                process.start()
                send.close()
                running[process.sentinel] = _Running(job, process, receive, time.monotonic(), temp)
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
                run.end()
                del running[sentinel]
                outcomes[run.job] = outcome
                report_progress(progress, outcome)
    finally:
        for run in running.values():  # interrupted (Ctrl-C): stop the children, keep finished reports
            _kill(run)
            run.end()
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
        lines.append(one_line(f"rubric {', '.join(sorted({r.rubric_name() for r in reports}))}"))
        scores = [r.score for r in reports]
        lines.append(
            f"scores (of {max(r.max_score for r in reports):g}): mean {statistics.fmean(scores):.1f}, "
            f"median {statistics.median(scores):g}, min {min(scores):g}, max {max(scores):g}"
        )
        # a skipped check (not applicable, or hidden in a self-check) failed nothing
        failing = Counter(
            c.id for r in reports for c in r.checks if c.status not in (Status.passed, Status.skipped)
        )
        if failing:
            most = ", ".join(f"{i} ({n})" for i, n in failing.most_common(5))
            lines.append(one_line(f"checks failed most: {most}"))
    problems = [o for o in outcomes if o.problem]
    if problems:
        lines.append("problems:")
        lines += [
            one_line(f"  {o.job.name}: {o.message or (o.report and o.report.error) or o.state}")
            for o in problems
        ]
    if graded:
        slowest = sorted(graded, key=lambda o: o.seconds, reverse=True)[:3]
        lines.append(one_line("slowest: " + ", ".join(f"{o.job.name} {o.seconds:.1f}s" for o in slowest)))
    return "\n".join(lines)


def already_graded(job: Job, rubric: Rubric, options: GradeOptions) -> Report | None:
    """The job's existing report if it has the inputs key a grading would have now, so the job is
    skipped (as `_child` does; the cluster batch asks before sending a job)."""
    existing = None if job.force else _existing_key(job)
    if existing and existing == _current_key(job.source, rubric, options):
        return read_report(job.target)
    return None
