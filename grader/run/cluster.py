"""Grade a batch on a running Dask distributed cluster (`cnngrade grade --cluster ADDRESS`).

The client (this process) plans the batch, skips what is already graded and writes every report,
exactly as `grader.run.batch` does locally; only the grading moves. One Dask task grades one
submission: the submission travels as bytes (a file's bytes, or a folder's code packed as a tar),
the Dask worker unpacks it into a temporary folder and runs `grade_submission` on it, with the
same sandbox and limits as locally, and returns the report as JSON, which the client validates
and writes atomically.

What each worker needs for the whole batch (the rubric, the options, the secret) travels once,
in a worker plugin registered under a name that holds no secret; tasks carry only a submission.
The training data and the reference runs are prepared on a worker's first task and kept in its
cache folder, so they are computed once per worker (per machine when workers share one).
Task keys are `cnngrade-<batch>-<index>`, the secret is never logged and the plugin is removed
from the cluster when the batch ends.

A worker that dies mid-task costs nothing: the scheduler gives the task to another worker. A
submission that kills every worker that grades it is given up after the scheduler's
`distributed.scheduler.allowed-failures` (default 3) deaths; it gets an error report saying so.

`distributed` is an optional extra (`pip install 'cnngrade[cluster]'`); it is imported only here.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import socket
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from distributed import Client, Future, KilledWorker, WorkerPlugin, as_completed, get_worker
from pydantic import ValidationError

from grader import __version__
from grader.isolate import IsolationError, available_levels
from grader.isolate.isolation import RANK
from grader.judge.rubric import Rubric
from grader.judge.training import store
from grader.load.archive import DEFAULT_LIMITS
from grader.load.submission import LoadError, load
from grader.report.models import Report, Status, write_report
from grader.run.batch import (
    Job,
    Outcome,
    already_graded,
    grade_to_report,
    remove_stale_dirs,
    report_progress,
    with_student,
)
from grader.run.console import Progress
from grader.run.grade import GradeOptions, not_graded, prepare_training

logger = logging.getLogger(__name__)
CODE_SUFFIXES = (".py", ".ipynb", ".zip")  # what the loader reads in a folder; the rest stays home
MAX_PAYLOAD_BYTES = DEFAULT_LIMITS.max_total_bytes  # the loader refuses more anyway
LINK_EXISTS = "CNNGRADE.link_exists"  # a tar header: a link out of a folder led somewhere on the client
MAX_LINK_UPS = 64
CONNECT_TIMEOUT_S = 10.0
IN_FLIGHT_PER_THREAD = 4  # submissions held by the cluster at once, per worker thread


class ClusterError(Exception):
    """The cluster cannot be used (unreachable, bad address, too weak a sandbox). One line."""


# ---------------------------------------------------------------------------------------------
# The submission as bytes


@dataclass(frozen=True)
class Payload:
    """One submission as it travels to a worker: no shared filesystem is assumed."""

    name: str  # the batch's name for it
    source: str  # the path as given on the client, for the report
    basename: str  # the file or folder name the loader sees
    folder: bool  # data is a tar of the folder's code, else the file's bytes
    data: bytes


def pack(job: Job) -> Payload:
    """The job's submission as bytes. A folder keeps its layout, its symbolic links and its code
    files (.py, .ipynb, .zip); other files (data sets, images) are not read by the loader and stay."""
    source = job.source
    if not source.is_dir():
        data = source.read_bytes()
    else:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            tar.add(source, arcname=source.name, filter=lambda member: _code_only(member, source))
        data = buffer.getvalue()
    return Payload(job.name, str(source), source.name, source.is_dir(), data)


def _code_only(member: tarfile.TarInfo, source: Path) -> tarfile.TarInfo | None:
    """What of a folder travels: its folders, code files and links (no fifos or devices, which the
    worker would refuse). A link whose target lies inside the folder is made relative, so it still
    points there when unpacked elsewhere; one pointing outside stays as it is (and, as locally, the
    loader will not follow it)."""
    parts = Path(member.name).parts
    kept = member.isfile() or member.isdir() or member.issym() or member.islnk()
    if not kept or "site-packages" in parts or "node_modules" in parts:
        return None
    if member.isfile() and not member.name.lower().endswith(CODE_SUFFIXES):
        return None
    if member.issym():
        here = source.parent / member.name
        target = Path(os.path.realpath(here))
        if target.is_relative_to(os.path.realpath(source)) and target.exists():
            member.linkname = os.path.relpath(target, os.path.realpath(here.parent))
        else:  # the loader says whether it leads somewhere: so must the unpacked link
            member.pax_headers = {**member.pax_headers, LINK_EXISTS: str(int(target.exists()))}
    return member


def unpack(payload: Payload, into: Path) -> Path:
    """Recreate the submission under `into`; the path the loader is given."""
    if not payload.folder:
        target = into / payload.basename
        target.write_bytes(payload.data)
        return target
    with tarfile.open(fileobj=io.BytesIO(payload.data), mode="r:gz") as tar:
        members = tar.getmembers()
        # Deep enough that a relative link out of the submission still ends inside `into`.
        ups = max((Path(m.linkname).parts.count("..") for m in members if m.issym()), default=0)
        home = into.joinpath(*["up"] * min(ups, MAX_LINK_UPS))
        home.mkdir(parents=True, exist_ok=True)
        # Links are kept as links (the loader follows only those that stay inside the submission,
        # as it does locally); nothing else may land outside `home`.
        links = {Path(m.name) for m in members if m.issym()}
        tar.extractall(home, members=[_extractable(m, links) for m in members], **EXTRACT_FILTER)
    for member in members:
        if member.issym() and member.pax_headers.get(LINK_EXISTS) == "1":
            _stand_in(home / member.name, into)
    return home / payload.basename


# tarfile's "tar" filter where this Python has it (3.11.4 and later); Debian 12's python3 is
# 3.11.2, which has none, so `_extractable` checks the same things on every Python.
EXTRACT_FILTER: dict[str, str] = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}


def _extractable(member: tarfile.TarInfo, links: set[Path]) -> tarfile.TarInfo:
    """The member, refused (ValueError) unless it is a file, folder, symbolic link or hard link
    whose path (and a hard link's target) stays inside the folder: relative, no `..`, through none
    of the payload's symbolic `links`. Its setuid, setgid, sticky and group/other write bits cleared."""

    def inside(name: str) -> bool:
        path = Path(name)
        return not path.is_absolute() and ".." not in path.parts and not links.intersection(path.parents)

    if not inside(member.name) or (member.islnk() and not inside(member.linkname)):
        raise ValueError(f"a payload member outside its folder: {member.name!r}")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        raise ValueError(f"a payload member that is not a file, folder or link: {member.name!r}")
    member.mode &= 0o755
    return member


def _stand_in(link: Path, into: Path) -> None:
    """An empty file where a link out of the submission leads, if that is inside `into`: on the
    client it led to something, and the loader reports such a link unlike a broken one."""
    text = os.readlink(link)
    target = Path(os.path.normpath(link.parent / text))
    if not os.path.exists(link) and not os.path.isabs(text) and target.is_relative_to(into):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()


# ---------------------------------------------------------------------------------------------
# The worker's side


class _Secret:
    """The instructor's secret, shown as *** by repr and str, so no log line can carry it."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "_Secret(***)"

    __str__ = __repr__


class GradingPlugin(WorkerPlugin):
    """What every worker needs for one batch: rubric and options, sent once per worker.

    Registered with `Client.register_plugin` (so a worker that joins later gets it too), under
    the name `cnngrade-<batch>`; a task finds it by that name. The client's cache and scratch
    folders mean nothing on a worker: each worker uses its own (`$CNNGRADE_CACHE`).
    """

    def __init__(self, batch: str, rubric: Rubric, options: GradeOptions) -> None:
        self.name = plugin_name(batch)
        self.rubric = rubric
        self.options = options.model_copy(update={"secret": None, "scratch_dir": None})
        self.secret = _Secret(options.secret)
        self.code = code_fingerprint()
        self._prepared: GradeOptions | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_prepared", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _prepared=None, _lock=threading.Lock())

    def setup(self, worker: Any) -> None:
        """Only the task dirs of workers killed mid-task (a glob of the temp dir): setup runs on the
        worker's event loop, which must keep answering."""
        remove_stale_dirs(TASK_DIR)

    def prepared(self) -> GradeOptions:
        """The options on this worker, with the training data and the reference runs ready
        (made by the worker's first task, under a lock; later tasks find them)."""
        with self._lock:
            if self._prepared is None:
                if code_fingerprint() != self.code:
                    raise RuntimeError("this worker runs other cnngrade code than the client")
                options = self.options.model_copy(
                    update={"secret": self.secret.value, "cache_dir": store.default_cache_dir()}
                )
                _prepare_training(self.rubric, options)
                self._prepared = options
            return self._prepared


def _prepare_training(rubric: Rubric, options: GradeOptions) -> None:
    """The dataset and the reference runs the training checks compare with, in this worker's cache."""
    if options.cifar_dir is not None and not options.cifar_dir.is_dir():
        raise FileNotFoundError(f"no CIFAR-10 folder {options.cifar_dir} on this worker")
    prepare_training(rubric, options)


TASK_DIR = "cnngrade-task-{pid}-"  # a task's temp dir, named for the Dask worker process running it


def plugin_name(batch: str) -> str:
    return f"cnngrade-{batch}"


@dataclass(frozen=True)
class TaskResult:
    """What a task sends back: the report as JSON, or why there is none (errors are values)."""

    host: str
    report_json: str | None = None
    error: str | None = None


def grade_task(batch: str, payload: Payload) -> TaskResult:
    """Run on a Dask worker: grade one submission exactly as `cnngrade grade` does locally."""
    worker = get_worker()
    host = socket.gethostname()
    plugin = worker.plugins.get(plugin_name(batch))
    if plugin is None:
        return TaskResult(host, error=f"worker {worker.address} has not received the batch's settings")
    try:
        rubric, options = plugin.rubric, plugin.prepared()
        # Everything the task makes (the submission, its bundle, the sandbox's trees) goes in one
        # dir named for this worker's pid, which the next worker's setup removes if this one dies.
        with tempfile.TemporaryDirectory(prefix=TASK_DIR.format(pid=os.getpid())) as scratch:
            (Path(scratch) / "submission").mkdir()
            source = unpack(payload, Path(scratch) / "submission")
            options = options.model_copy(update={"scratch_dir": Path(scratch)})
            report = grade_to_report(source, rubric, options, payload.name)
            report = _as_sent(report, payload, source, host, worker.address)
    except IsolationError as e:
        return TaskResult(host, error=f"{host}: {e}")
    except Exception as e:  # a grader bug or a broken worker: one line to the client
        # The traceback goes to the worker's log for the maintainer (as a local batch prints it).
        logger.exception("cnngrade: grading task %s failed", get_worker().get_current_task())
        first = str(e).splitlines()[0] if str(e) else ""
        return TaskResult(host, error=f"the grader failed on {host}: {type(e).__name__}: {first}")
    return TaskResult(host, report_json=report.model_dump_json())


def _as_sent(report: Report, payload: Payload, local: Path, host: str, address: str) -> Report:
    """The report as the client would have written it: the client's path for the submission's,
    and the host and Dask worker that graded it in its environment."""
    text = report.model_dump_json().replace(json.dumps(str(local))[1:-1], json.dumps(payload.source)[1:-1])
    report = Report.model_validate_json(text)
    environment = report.environment.model_dump() | {"host": host, "dask_worker": address}
    return report.model_copy(update={"environment": type(report.environment)(**environment)})


# ---------------------------------------------------------------------------------------------
# The client's side


def connect(address: str | None, scheduler_file: Path | None) -> Client:
    """A client of the running cluster, or a ClusterError saying in one line why not."""
    where = address or str(scheduler_file)
    if scheduler_file is not None and not scheduler_file.is_file():
        raise ClusterError(f"no scheduler file {scheduler_file}")
    try:
        if scheduler_file is not None:
            return Client(scheduler_file=str(scheduler_file), timeout=CONNECT_TIMEOUT_S)
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {where}: {reason}") from None


def code_fingerprint() -> str:
    """cnngrade's version and a hash of its code (grader and reference): a worker must grade with
    the very code the client has, or its reports would not be the ones a local run writes."""
    import reference

    digest = hashlib.sha256(__version__.encode())
    for package in (Path(__file__).parents[1], Path(reference.__file__).parent):  # grader/, reference/
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _worker_facts() -> tuple[str, str]:
    """(code fingerprint, strongest sandbox level) of the worker this runs on."""
    return code_fingerprint(), available_levels()[0]


def check_workers(client: Client, min_isolation: str | None) -> None:
    """Refuse the batch, in one line, if a worker runs other cnngrade code than this client or
    offers a sandbox weaker than `min_isolation`. (A worker that joins later is held to both by
    its tasks: `GradingPlugin.prepared` and `grade_submission`.)"""
    facts = client.run(_worker_facts)
    mine = code_fingerprint()
    other = sorted(a for a, (code, _) in facts.items() if code != mine)
    if other:
        raise ClusterError(f"worker {other[0]}{_more(other)} runs other cnngrade code than this client")
    if min_isolation is None:
        return
    weak = sorted(a for a, (_, level) in facts.items() if RANK[level] < RANK[min_isolation])
    if weak:
        best = facts[weak[0]][1]
        raise ClusterError(
            f"--min-isolation {min_isolation}: worker {weak[0]}{_more(weak)} offers at most {best!r}"
        )


def _more(items: list[str]) -> str:
    return f" (and {len(items) - 1} more)" if len(items) > 1 else ""


def _scheduler_settings(dask_scheduler: Any) -> tuple[int, float]:
    """(allowed failures, worker saturation) as the scheduler runs them."""
    return dask_scheduler.allowed_failures, dask_scheduler.WORKER_SATURATION


def scheduler_warnings(client: Client) -> tuple[int, list[str]]:
    """How many times a task is tried before the scheduler gives up (allowed failures + 1), and
    what in the scheduler's settings the user should know about."""
    allowed, saturation = client.run_on_scheduler(_scheduler_settings)
    warnings = []
    if saturation > 1.0:
        warnings.append(
            f"the scheduler gives a worker more tasks than threads (worker-saturation {saturation:g}): "
            "a submission that kills its worker also costs the one queued beside it a try; "
            "start it with DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0 (docs/scale.md)"
        )
    return allowed + 1, warnings


def grade_on_cluster(
    jobs: list[Job], rubric: Rubric, options: GradeOptions, client: Client, stream: TextIO | None = None
) -> list[Outcome]:
    """Grade every job on the cluster; outcomes in the jobs' order, reports written by this process."""
    check_workers(client, options.min_isolation)
    tries, warnings = scheduler_warnings(client)
    if stream:
        print(describe(client), *(f"cnngrade: warning: {w}" for w in warnings), sep="\n", file=stream)
    threads = max(1, sum(client.nthreads().values()))
    progress = Progress(len(jobs), min(threads, len(jobs)), stream) if stream else None
    batch = _ClusterBatch(client, rubric, options, progress, tries)
    client.register_plugin(batch.plugin, name=batch.plugin.name)
    try:
        batch.run(jobs, in_flight=IN_FLIGHT_PER_THREAD * threads)
    finally:
        client.cancel(list(batch.futures))  # interrupted: finished reports are kept
        client.unregister_worker_plugin(batch.plugin.name)
    return [batch.outcomes[j] for j in jobs]


class _ClusterBatch:
    """One batch's state on the client: the tasks in flight and the outcomes so far."""

    def __init__(
        self, client: Client, rubric: Rubric, options: GradeOptions, progress: Progress | None, tries: int
    ) -> None:
        self.client, self.rubric, self.options, self.progress = client, rubric, options, progress
        self.tries = tries
        self.id = uuid.uuid4().hex[:12]
        self.plugin = GradingPlugin(self.id, rubric, options)
        self.outcomes: dict[Job, Outcome] = {}
        self.futures: dict[Future, Job] = {}
        self.pending = as_completed()

    def run(self, jobs: list[Job], in_flight: int) -> None:
        todo = iter(enumerate(jobs))
        for _ in range(in_flight):
            self.submit_next(todo)
        for future in self.pending:
            job = self.futures.pop(future)
            self.record(self.collect(future, job))
            self.submit_next(todo)

    def record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.job] = outcome
        report_progress(self.progress, outcome)

    def submit_next(self, todo: Iterator[tuple[int, Job]]) -> None:
        """Send the next job that needs grading; those already graded are recorded on the way."""
        for index, job in todo:
            existing = already_graded(job, self.rubric, self.options)
            if existing is not None:
                self.record(Outcome(job, "skipped", 0.0, report=existing))
                continue
            payload = pack(job)
            if len(payload.data) > MAX_PAYLOAD_BYTES:
                message = f"{len(payload.data)} bytes of code, more than the cap of {MAX_PAYLOAD_BYTES}"
                self.record(Outcome(job, "crashed", 0.0, message=message))
                continue
            # The key names the batch and the job's place in it: no secret, no student's name.
            future = self.client.submit(grade_task, self.id, payload, key=f"cnngrade-{self.id}-{index}")
            self.futures[future] = job
            self.pending.add(future)
            return

    def collect(self, future: Future, job: Job) -> Outcome:
        """The task's result as an Outcome; its report validated and written here, atomically."""
        try:
            result: TaskResult = future.result()
        except KilledWorker:
            return self.killer(job)
        except Exception as e:  # the cluster lost the task (cancelled, scheduler gone)
            return Outcome(job, "crashed", 0.0, message=f"the cluster did not grade it: {type(e).__name__}")
        if result.report_json is None:
            return Outcome(job, "crashed", 0.0, message=result.error or "no report")
        try:
            report = Report.model_validate_json(result.report_json)
        except ValidationError as e:
            message = f"{result.host} sent an invalid report: {e.errors()[0]['msg']}"
            return Outcome(job, "crashed", 0.0, message=message)
        report = with_student(report, job)
        write_report(report, job.target)
        return Outcome(job, "graded", report.duration_s, report=report)

    def killer(self, job: Job) -> Outcome:
        """A submission whose task killed every worker that took it: an error report, with the
        inputs key a grading would have, so a re-run does not throw it at the workers again."""
        error = f"grading it killed the Dask worker every time ({self.tries} tries); not graded"
        with tempfile.TemporaryDirectory(prefix="cnngrade-", dir=self.options.scratch_dir) as scratch:
            try:
                bundle = load(job.source, Path(scratch), run_notebook=self.options.run_notebook)
            except LoadError:
                bundle = None
            dataset = store.dataset_label(self.options.cifar_dir)
            report = not_graded(
                job.source, self.rubric, self.options, job.name, error, datetime.now(UTC),
                time.perf_counter(), dataset, bundle, Status.error,
            )  # fmt: skip
        report = with_student(report, job)
        write_report(report, job.target)
        return Outcome(job, "graded", 0.0, report=report)


def grade_batch(
    jobs: list[Job],
    rubric: Rubric,
    options: GradeOptions,
    address: str | None,
    scheduler_file: Path | None,
    stream: TextIO,
) -> list[Outcome]:
    """`cnngrade grade --cluster`: connect, say where, grade, disconnect."""
    with connect(address, scheduler_file) as client:
        return grade_on_cluster(jobs, rubric, options, client, stream)


def describe(client: Client) -> str:
    """One line for the user: where the batch runs."""
    workers = client.scheduler_info().get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    where = client.scheduler.address
    return f"grading on the Dask cluster at {where}: {len(workers)} workers, {threads} threads"
