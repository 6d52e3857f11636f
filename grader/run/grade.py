"""Grade one submission: load it, start its worker, run every rubric check, build the Report.

`grade_submission` never raises for anything the submission does: a submission
that cannot be loaded gives a Report with `error` set; a check whose student
code crashes or hangs is recorded as error / timeout and the next check gets a
fresh worker (the Worker restarts itself after a failure).
"""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader import __version__
from grader.isolate import IsolationError, StaleHandleError, StudentFailure, Worker
from grader.judge import delegation, expected
from grader.judge.check_models import CheckBase
from grader.judge.kinds.registry import CheckKind, kind_of
from grader.judge.kinds.train import TrainCheck
from grader.judge.rubric import Rubric
from grader.judge.student_calls import (
    CheckContext,
    MalformedResultError,
    Outcome,
    StudentCalls,
    failure_message,
)
from grader.judge.training import runs_cache, store
from grader.judge.yardstick import NotPrecomputedError
from grader.load import old_numpy
from grader.load.starter import PACKAGE
from grader.load.submission import (
    NOTEBOOK_MODULE,
    OWN_FAST_SYMBOLS,
    REQUIRED_SYMBOLS,
    Bundle,
    LoadError,
    SymbolLocation,
    load,
)
from grader.report.models import CheckResult, Environment, Finding, Report, Status, SubmissionInfo, Visibility

OUTPUT_CHARS = 4000  # captured output kept per check in the report


class GradeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str | None = None  # None or blank: hidden checks are skipped (a self-check)
    public_only: bool = False  # skip hidden checks even with a secret
    cifar_dir: Path | None = None  # None: the built-in dataset
    min_isolation: str | None = None  # refuse to grade below this sandbox level
    run_notebook: bool = False  # run a notebook top to bottom instead of taking its definitions
    scratch_dir: Path | None = None  # where scratch trees go (None: the system temp dir)
    cache_dir: Path = Field(default_factory=store.default_cache_dir)

    @property
    def runs_hidden(self) -> bool:
        # An empty secret is no secret: anyone could reproduce the hidden cases it seeds. The
        # student kit has no yardsticks for hidden cases, whatever the secret.
        return bool(self.secret and self.secret.strip()) and not self.public_only and expected.full()


class Step(BaseModel):
    """Where the grading of one submission has got to, for a live display; never in a report."""

    model_config = ConfigDict(frozen=True)
    doing: str  # a phase before the checks ("loading the submission") or the id of the check
    done: int  # checks finished
    total: int  # checks in the rubric


Listener = Callable[[Step], None]


def _nobody_listens(step: Step) -> None:
    """The listener when no one watches the grading (a batch, a notebook)."""


def inputs_key(rubric: Rubric, options: GradeOptions, submission_sha256: str, dataset: str) -> str:
    """Everything that decides a report's content: equal keys mean re-grading can be skipped."""
    secret = hashlib.sha256(options.secret.encode()).hexdigest() if options.runs_hidden else "public-only"
    parts = [__version__, rubric.sha256, secret, submission_sha256, dataset]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def environment() -> Environment:
    config = np.show_config(mode="dicts")  # type: ignore[call-arg]
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return Environment(
        python=platform.python_version(),
        numpy=np.__version__,
        blas=f"{blas.get('name', '')} {blas.get('version', '')}".strip(),
        cpu=platform.processor() or platform.machine(),
        platform=platform.platform(),
    )


def grade_submission(
    source: Path,
    rubric: Rubric,
    options: GradeOptions,
    *,
    name: str | None = None,
    progress: Listener | None = None,
) -> Report:
    """`progress` hears of each phase before the checks and of each check as it starts and ends."""
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    dataset = store.dataset_label(options.cifar_dir)
    tell = progress or _nobody_listens
    with tempfile.TemporaryDirectory(prefix="cnngrade-", dir=options.scratch_dir) as scratch:
        tell(Step(doing="loading the submission", done=0, total=len(rubric.checks)))
        try:
            bundle = load(
                Path(source), Path(scratch), run_notebook=options.run_notebook, own_symbols=looked_up(rubric)
            )
        except LoadError as exc:
            error = str(exc)
            return not_graded(source, rubric, options, name, error, started_at, start, dataset)
        if not any(bundle.manifest.symbols.values()):
            # Nothing importable (e.g. one module that does not parse): a problem for a person to see.
            findings = "; ".join(f.message for f in bundle.manifest.findings[:2])
            error = "the submission defines none of the functions the rubric needs" + (
                f" ({findings})" if findings else ""
            )
            return not_graded(source, rubric, options, name, error, started_at, start, dataset, bundle)
        data_dir = training_data(rubric, options, tell)
        tell(Step(doing="starting the sandboxed worker", done=0, total=len(rubric.checks)))
        try:
            worker = Worker(
                _with_starter_fast_layers(bundle),
                rubric.limits,
                ro_dirs=[data_dir] if data_dir else [],
                min_isolation=options.min_isolation,
                temp_dir=options.scratch_dir,
            )
        except IsolationError:
            raise  # the machine, not the submission: the caller says so in one line
        except RuntimeError as exc:  # e.g. a file in the submission shadows a module Python needs
            error = f"the submission's worker could not start: {exc}"
            return not_graded(
                source, rubric, options, name, error, started_at, start, dataset, bundle, Status.error
            )
        with worker:
            results, student_time, noticed = _run_checks(
                worker, bundle, rubric, options, data_dir, dataset, tell
            )
            isolation = worker.isolation
            confinement = worker.confinement
    score = round(sum(r.points for r in results), 6)
    max_score = round(sum(r.max_points for r in results), 6)
    return Report(
        submission=SubmissionInfo(
            name=name or bundle.name, kind=bundle.kind, sha256=bundle.sha256, source=str(source)
        ),
        rubric_id=rubric.id,
        rubric_title=rubric.title,
        rubric_sha256=rubric.sha256,
        grader_version=__version__,
        started_at=started_at,
        duration_s=time.perf_counter() - start,
        student_time_s=student_time,
        environment=environment(),
        isolation=isolation,
        confinement=confinement,
        dataset=dataset,
        inputs_key=inputs_key(rubric, options, bundle.sha256, dataset),
        score=score,
        max_score=max_score,
        checks=results,
        findings=[*bundle.manifest.findings, *noticed],
    )


def _run_checks(
    worker: Worker,
    bundle: Bundle,
    rubric: Rubric,
    options: GradeOptions,
    data_dir: Path | None,
    dataset: str,
    tell: Listener,
) -> tuple[list[CheckResult], float, list[Finding]]:
    """Every rubric check in order, in one worker; (results, seconds spent in the student's code,
    what the worker noticed the code rely on: whole-number floats as sizes, old_numpy.py; and
    the naive layers found handing their work to the fast ones, whose checks fail unrun).

    A function that hung is not called again: the checks that need it are skipped, the others run
    (a hung conv forward costs the conv checks, not the max-pool ones). A module that hung at
    import times out the first check that needs it and skips the rest: a report of skips alone
    would read as nothing wrong, and `check` would exit 0.

    Every public check runs before the first hidden one: the student's code may keep what it was
    called with and print it later, and public checks show what was printed. The results are
    returned in the rubric's order.
    """
    defined = frozenset(k for k, v in bundle.manifest.symbols.items() if v is not None)
    total = len(rubric.checks)
    tell(Step(doing="importing the submission's modules", done=0, total=total))
    hung: dict[str, str] = _imports_that_hang(worker, bundle, rubric)  # function -> why it is not called
    charged: set[str] = set()  # the hangs a check's timeout already reports
    delegated = delegation.find(bundle.root, bundle.manifest.symbols)
    results: list[CheckResult] = []
    student_time = 0.0
    notes: list[object] = []  # the worker's, as it sent them: checked by old_numpy
    hidden_ran = False
    for spec in sorted(rubric.checks, key=lambda check: check.visibility == Visibility.hidden):
        tell(Step(doing=spec.id, done=len(results), total=total))
        unmet = [r.id for r in results if r.id in spec.requires and r.status != Status.passed]
        needed = kind_of(spec).symbols(spec)
        blocked = [hung[s] for s in needed if s in hung]
        handed_on = [delegated[s].reason() for s in needed if s in delegated]
        if unmet:
            result = _not_run(spec, Status.skipped, f"not run: needs {', '.join(unmet)} to pass")
        elif handed_on and (spec.visibility == Visibility.public or options.runs_hidden):
            result = _not_run(spec, Status.failed, handed_on[0])
        elif blocked and blocked[0] not in charged:
            charged.add(blocked[0])
            result = _not_run(spec, Status.timeout, blocked[0])
        elif blocked:
            result = _not_run(spec, Status.skipped, f"not run: {blocked[0]}")
        else:
            calls = StudentCalls(worker)
            ctx = CheckContext(
                calls=calls,
                submission_sha256=bundle.sha256,
                secret=options.secret if options.runs_hidden else None,
                defined=defined,
                data_dir=data_dir,
                dataset=dataset,
                cache_dir=options.cache_dir,
            )
            # The worker reads its call timeout per call: each check brings its own.
            worker.limits = rubric.limits.model_copy(update={"call_timeout_s": spec.time_limit_s})
            result = run_check(spec, ctx)
            if result.status == Status.timeout and calls.current:
                reason = f"{calls.current} timed out in {spec.id}"
                charged.add(hung.setdefault(calls.current.split(".")[0], reason))
            student_time += calls.student_time_s
            # Notes are the student process's words: once it has seen a hidden case they could
            # carry it, so they are read only before any hidden check ran.
            hidden_ran |= spec.visibility == Visibility.hidden and result.status != Status.skipped
            if not hidden_ran:
                notes = _float_size_notes(worker, notes)
        results.append(result)
        tell(Step(doing=spec.id, done=len(results), total=total))
    order = {spec.id: i for i, spec in enumerate(rubric.checks)}
    results.sort(key=lambda result: order[result.id])
    notebook = next((f.path for f in bundle.manifest.files if f.path.endswith(".ipynb")), None)
    noticed = old_numpy.float_size_findings(
        notes, bundle.root, (f"{NOTEBOOK_MODULE}.py", notebook) if notebook else None
    ) + delegation.findings(delegated, bundle.manifest.symbols)
    return results, student_time, noticed


def _float_size_notes(worker: Worker, before: list[object]) -> list[object]:
    """The worker's notes so far; the ones from before when it fails (a restarted worker starts
    with none, so the longer list is kept)."""
    try:
        notes = worker.op("float_size_notes").value
    except (StudentFailure, StaleHandleError):
        return before
    return notes if isinstance(notes, list) and len(notes) >= len(before) else before


def _imports_that_hang(worker: Worker, bundle: Bundle, rubric: Rubric) -> dict[str, str]:
    """Import each of the submission's modules once, up front: code that hangs at import would
    otherwise cost every check that touches the module its whole time limit."""
    modules: dict[str, list[str]] = {}
    for symbol, location in bundle.manifest.symbols.items():
        if location is not None:
            modules.setdefault(location.module, []).append(symbol)
    hung: dict[str, str] = {}
    worker.limits = rubric.limits
    for module, module_symbols in sorted(modules.items()):
        try:
            worker.op("import_module", name=module)
        except StudentFailure as failure:
            if failure.status == Status.timeout:  # the worker's own words: "timed out after 30 s"
                hung |= {s: f"importing {module} {failure.message}" for s in module_symbols}
    return hung


def looked_up(rubric: Rubric) -> tuple[str, ...]:
    """The optional functions the loader lists when the submission defines them: its own fast
    layers, and whatever else the rubric's checks call (the notebook's later sections, such as
    spatial batch normalization); a check whose functions are absent is "not implemented"."""
    wanted = {s for spec in rubric.checks for s in kind_of(spec).symbols(spec)}
    return (*OWN_FAST_SYMBOLS, *sorted(wanted - {*REQUIRED_SYMBOLS, *OWN_FAST_SYMBOLS}))


def run_check(spec: CheckBase, ctx: CheckContext) -> CheckResult:
    """One rubric entry -> its CheckResult; the student's failures become statuses, not exceptions."""
    kind = kind_of(spec)
    start = time.perf_counter()
    needed = kind.symbols(spec)
    missing = [s for s in needed if s not in ctx.defined]
    hidden = spec.visibility == Visibility.hidden
    if hidden and ctx.secret is None:
        outcome = Outcome(Status.skipped, message="hidden check: run when the instructor grades")
    elif missing:
        outcome = Outcome(Status.missing, message=f"the submission does not define {', '.join(missing)}")
    else:
        outcome = _guarded(kind, spec, ctx, hidden=hidden)
    return CheckResult(
        id=spec.id,
        title=spec.title,
        section=spec.section,
        visibility=spec.visibility,
        status=outcome.status,
        points=round(spec.points * outcome.fraction, 6) if outcome.applies else 0,
        max_points=spec.points if outcome.applies else 0,
        metrics={**outcome.metrics, "student_time_s": round(ctx.calls.student_time_s, 6)},
        figures=outcome.figures,
        threshold=outcome.threshold,
        message=outcome.message,
        hint=outcome.hint,
        # What the student's code printed during hidden cases could show those cases: withheld.
        output=_truncate(ctx.calls.output) if not hidden else "",
        duration_s=time.perf_counter() - start,
        artifacts=outcome.artifacts,
    )


def _guarded(kind: CheckKind[CheckBase], spec: CheckBase, ctx: CheckContext, *, hidden: bool) -> Outcome:
    try:
        return kind.run(spec, ctx)
    except StudentFailure as failure:
        if failure.output:
            ctx.calls.outputs.append(failure.output)
        message = failure_message(failure, ctx.calls, hidden=hidden)
        return Outcome(Status(failure.status), message=message)
    except MalformedResultError as exc:
        return Outcome(Status.failed, message=str(exc))
    except StaleHandleError:
        # A call crashed mid-check and the next one used an object from the dead worker.
        return Outcome(Status.error, message="the worker restarted in the middle of this check")
    except NotPrecomputedError:
        # Only in the student kit, given a rubric other than the one it was built for.
        return Outcome(
            Status.skipped,
            applies=False,
            message="not checked: this student kit was built for another rubric and has no answers "
            "for this check's inputs (use the kit's own rubric, or ask for a kit of this one)",
        )


def _truncate(text: str) -> str:
    if len(text) <= OUTPUT_CHARS:
        return text
    half = OUTPUT_CHARS // 2
    return f"{text[:half]}\n... [{len(text) - OUTPUT_CHARS} characters cut] ...\n{text[-half:]}"


def _with_starter_fast_layers(bundle: Bundle) -> Bundle:
    """The bundle as the worker sees it: the fast-layer symbols the submission does not define
    point at the starter ones it carries."""
    symbols = dict(bundle.manifest.symbols)
    for name in OWN_FAST_SYMBOLS:
        if symbols.get(name) is None:
            symbols[name] = SymbolLocation(
                module=f"{PACKAGE}.fast_layers", file=f"{PACKAGE}/fast_layers.py", line=1
            )
    manifest = bundle.manifest.model_copy(update={"symbols": symbols})
    return bundle.model_copy(update={"manifest": manifest})


def training_data(rubric: Rubric, options: GradeOptions, tell: Listener = _nobody_listens) -> Path | None:
    """The dataset directory (prepared on first use) when a training check will run."""
    checks = [c for c in rubric.checks if isinstance(c, TrainCheck)]
    runs = [c for c in checks if c.visibility == Visibility.public or options.runs_hidden]
    if not runs:
        return None
    # Sized for every training check, run or not: a self-check and a grading see the same data.
    cifar = options.cifar_dir is not None
    num_train = max(
        (c.params.cifar_num_train or c.params.num_train) if cifar else c.params.num_train for c in checks
    )
    num_val = max(c.params.num_val for c in checks)
    # Generating or checking the data takes a while on a cold cache: say what is happening.
    tell(Step(doing="preparing the training data", done=0, total=len(rubric.checks)))
    return store.prepare_dataset(options.cache_dir, options.cifar_dir, num_train, num_val)


def prepare_training(rubric: Rubric, options: GradeOptions) -> None:
    """Ahead of grading: the dataset and the reference runs over seeds (the thresholds) of every
    training check that will run, in the options' cache, so that no submission waits for them.
    CIFAR-10 has fixed thresholds: its runs are not needed."""
    data_dir = training_data(rubric, options)
    if data_dir is None or options.cifar_dir is not None:
        return
    dataset = store.dataset_label(None)
    for check in rubric.checks:
        if isinstance(check, TrainCheck) and (options.runs_hidden or check.visibility == Visibility.public):
            p = check.params
            runs_cache.reference_distribution(options.cache_dir, data_dir, dataset, p, p.num_train)


def _not_run(spec: CheckBase, status: Status, message: str) -> CheckResult:
    return CheckResult(
        id=spec.id,
        title=spec.title,
        section=spec.section,
        visibility=spec.visibility,
        status=status,
        points=0,
        max_points=spec.points,
        message=message,
    )


def not_graded(
    source: Path,
    rubric: Rubric,
    options: GradeOptions,
    name: str | None,
    error: str,
    started_at: datetime,
    start: float,
    dataset: str,
    bundle: Bundle | None = None,
    status: Status = Status.missing,
) -> Report:
    """The report of a submission that was not graded: it could not be loaded, it defines nothing
    the rubric needs (every check missing), or its worker could not start (every check error).
    Score 0; `error` says why."""
    message = "not graded: " + error.splitlines()[0] if error else "not graded"
    if bundle is None:
        info = SubmissionInfo(
            name=name or Path(os.path.abspath(source)).name,
            kind="unknown",
            sha256=_source_sha256(Path(source)),
            source=str(source),
        )
    else:
        info = SubmissionInfo(
            name=name or bundle.name, kind=bundle.kind, sha256=bundle.sha256, source=str(source)
        )
    return Report(
        submission=info,
        rubric_id=rubric.id,
        rubric_title=rubric.title,
        rubric_sha256=rubric.sha256,
        grader_version=__version__,
        started_at=started_at,
        duration_s=time.perf_counter() - start,
        environment=environment(),
        isolation="none",
        dataset=dataset,
        inputs_key=inputs_key(rubric, options, info.sha256, dataset),
        score=0,
        max_score=rubric.max_score,
        checks=[_not_run(spec, status, message) for spec in rubric.checks],
        findings=bundle.manifest.findings if bundle else [],
        error=error,
    )


def _source_sha256(path: Path) -> str:
    """A hash of what was handed in, for a submission the loader could not read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    except OSError:
        return ""
