"""The `cnngrade` command: check one submission, grade a class, render reports, print schemas,
find similar code across a class.

Exit codes: 0 success (for `check`: everything that ran passed, or the score reached
--fail-under); 1 the work was done but the result is not a pass (failed checks, submissions
that could not be graded); 2 a user error (bad path, bad rubric, unwritable output), reported
as one line on stderr.

Each command imports what it needs when it runs: grading pulls in numpy and the sandbox,
the HTML report matplotlib, and `cnngrade --version` or `schema` should not wait for either.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import __version__
from grader.judge.rubric_catalog import DEFAULT_ID

if TYPE_CHECKING:
    from grader.judge.rubric import LatePolicy, Rubric
    from grader.report.models import Report
    from grader.run.grade import GradeOptions

SECRET_ENV = "CNNGRADE_SECRET"
FORMATS = ("gradescope", "junit", "csv", "html", "canvas", "moodle", "items")
LMS_FORMATS = ("canvas", "moodle")  # grade files an LMS imports: one row per roster student
# the gradebook, the class overview and the LMS files show submission times and lateness
TIMED_FORMATS = ("csv", "html", *LMS_FORMATS)
# every format that carries a grade; the item analysis is of the checks as the grader judged them
OVERRIDE_FORMATS = ("gradescope", "junit", "csv", "html", *LMS_FORMATS)


class UserError(Exception):
    """A mistake on the command line; main prints it as one line and exits 2."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in each command's epilog as written."""


RUBRIC_HELP = "a built-in rubric's id (`cnngrade rubrics` lists them) or a rubric TOML file"


def _add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rubric", default=DEFAULT_ID, metavar="NAME", help=f"{RUBRIC_HELP} (default: %(default)s)"
    )
    parser.add_argument(
        "--secret",
        help=f"instructor secret that seeds the hidden checks (default: ${SECRET_ENV}; none: public only)",
    )
    parser.add_argument(
        "--cifar", type=Path, metavar="DIR", help="CIFAR-10 python folder (default: the built-in dataset)"
    )
    parser.add_argument(
        "--min-isolation",
        choices=("bwrap", "unshare", "process"),
        help="refuse to grade if the sandbox cannot reach this level (default: the strongest available)",
    )


def _command(commands: Any, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return commands.add_parser(
        name, help=help, description=help, epilog=f"examples:\n{examples}", formatter_class=_HelpFormatter
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnngrade",
        description=__doc__.splitlines()[0],
        epilog="examples:\n  cnngrade check .\n  cnngrade grade submissions --out reports\n"
        "  cnngrade report reports --format html\n\n'cnngrade COMMAND --help' describes each command.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cnngrade {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = _command(
        commands,
        "check",
        "self-check one submission: public checks, one line each, and a total",
        "  cnngrade check .                               # your assignment folder\n"
        "  cnngrade check ConvolutionalNetworks.ipynb -k conv   # only the conv checks\n"
        "  cnngrade check . --fail-under 52 --junit junit.xml --annotations   # in CI",
    )
    check.add_argument("path", type=Path, help="a .py module, a package folder, a notebook or a .zip")
    _add_grading_options(check)
    check.add_argument(
        "-k",
        dest="keywords",
        action="append",
        default=[],
        metavar="WORD",
        help="run only checks whose id, title or section contains WORD (repeat for more; default: all)",
    )
    shown = check.add_mutually_exclusive_group()
    shown.add_argument(
        "-v", "--verbose", action="store_true", help="also show each check's whole message and output"
    )
    shown.add_argument("-q", "--quiet", action="store_true", help="print only the total")
    shown.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    check.add_argument(
        "--fail-under",
        type=float,
        metavar="SCORE",
        help="exit 0 if the score reaches SCORE (default: exit 0 only if every check that ran passed)",
    )
    check.add_argument("--junit", type=Path, metavar="FILE", help="also write the result as JUnit XML")
    check.add_argument("--annotations", action="store_true", help="print GitHub Actions ::error annotations")
    check.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help='append the result as a Markdown table to FILE (in GitHub Actions: "$GITHUB_STEP_SUMMARY")',
    )

    grade = _command(
        commands,
        "grade",
        "grade every submission under PATH... into DIR/<name>.json",
        "  CNNGRADE_SECRET=... cnngrade grade submissions --out reports --jobs 2\n"
        "  cnngrade grade submissions --out reports --force alice     # regrade one\n"
        "  cnngrade grade submissions --out reports --only bob --only carol\n"
        "  cnngrade grade submissions.zip --out reports      # a Canvas or Moodle download: one per student",
    )
    grade.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH",
        help="submissions, folders of them, or Canvas / Moodle submissions downloads (zip or unpacked)",
    )  # fmt: skip
    grade.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder for the reports (required)"
    )
    grade.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions graded at once (default: %(default)s)",
    )
    grade.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="S",
        help="wall-clock budget per submission in seconds (default: %(default)g)",
    )
    grade.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="grade only this submission (its name in the reports; repeat for more; default: all)",
    )
    grade.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="NAME",
        help="grade this submission again even if it is already graded (repeat for more)",
    )
    grade.add_argument(
        "--regrade-all",
        action="store_true",
        help="grade everything again, even if DIR was graded with another secret or rubric (default: refuse)",
    )
    _add_grading_options(grade)
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--cluster", metavar="ADDRESS", help="grade on a Dask cluster (docs/scale.md)")
    where.add_argument("--scheduler-file", type=Path, metavar="FILE", help="a Dask scheduler file")
    grade.add_argument(
        "--allow-process-isolation",
        action="store_true",
        help="grade even where only the process level works (students could read the answer key)",
    )

    report = _command(
        commands,
        "report",
        "render a folder of reports for Gradescope, CI, a sheet, the web",
        "  cnngrade report reports --format html                # writes html/index.html\n"
        "  cnngrade report reports --format csv --roster roster.csv --to grades.csv\n"
        "  cnngrade report reports --format csv --rubric late.toml --submission-times "
        "export/submission_metadata.yml\n"
        "  cnngrade report reports --format html --rubric late.toml --roster roster.csv "
        "--deadline 2026-12-04T23:59+01:00\n"
        "  cnngrade report /tmp/report.json --format gradescope --to /autograder/results/results.json\n"
        "  cnngrade report reports --format canvas --roster roster.csv --assignment-id 4711 --to canvas.csv\n"
        "  cnngrade report reports --format moodle --roster roster.csv --to moodle.csv\n"
        "  cnngrade report reports --format items --to items.csv            # item analysis per check\n"
        "  cnngrade report reports --format csv --overrides overrides.toml  # the instructor's changes\n\n"
        "roster columns (one row per student; 'submission' is the name in the reports):\n"
        "  canvas: student (or name), canvas_id, sis_user_id, sis_login_id (one of the three ids at least),\n"
        "          section\n"
        "  moodle: participant_id (the number in 'Participant 123' of Moodle's grading worksheet),\n"
        "          full_name (or name), email\n"
        "  csv, html, canvas, moodle: submitted_at (ISO 8601 with a timezone) for the late policy",
    )
    report.add_argument("reports", type=Path, metavar="DIR", help="folder of reports (or one report file)")
    report.add_argument("--format", required=True, choices=FORMATS, help="output format (required)")
    report.add_argument(
        "--to",
        type=Path,
        metavar="PATH",
        help="output file or folder (default: results.json for one Gradescope report, else gradescope/; "
        "junit.xml; grades.csv; html/; grades.csv for canvas and moodle; items.csv)",
    )
    report.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="csv: a CSV with a 'submission' column and any others (student id, email) to add to each row; "
        "canvas, moodle: the students and their LMS ids (columns below; required unless the reports are of "
        "a Canvas or Moodle download, which carry their ids); "
        "csv, html, canvas, moodle: its 'submitted_at' column (ISO 8601 with a timezone) gives "
        "submission times",
    )
    report.add_argument(
        "--submission-times",
        type=Path,
        metavar="YML",
        help="csv, html, canvas, moodle: submission times (and submitters) from a Gradescope export's "
        "submission_metadata.yml",
    )
    report.add_argument(
        "--rubric",
        metavar="NAME",
        help="csv, html, canvas, moodle: apply this rubric's late policy, its [late] table; "
        f"{RUBRIC_HELP} (default: no late policy)",
    )
    report.add_argument(
        "--deadline",
        metavar="TIME",
        help="csv, html, canvas, moodle: this deadline (ISO 8601 with a timezone) instead of the rubric's "
        "[late] deadline",
    )
    report.add_argument(
        "--similarity",
        type=Path,
        metavar="DIR",
        help="csv: add a 'similarity' column, html: list the flags and link the page, "
        "from a 'cnngrade similarity --out DIR' folder",
    )
    report.add_argument(
        "--assignment-id",
        metavar="ID",
        help="canvas (required): the assignment's Canvas id, the number after /assignments/ in its URL",
    )
    report.add_argument(
        "--assignment-title",
        metavar="TITLE",
        help="canvas: the assignment's name in the column header 'TITLE (ID)' (default: the rubric's id)",
    )
    report.add_argument(
        "--overrides",
        type=Path,
        metavar="FILE",
        help="all but items: the instructor's grade changes, a TOML ([[override]] tables) or CSV file of "
        "submission, check (or total), points or excused, reason, who, when; applied to what is written, "
        "never to the reports (docs/exports.md, Overrides)",
    )
    report.add_argument(
        "--missing-as-zero",
        action="store_true",
        help="canvas, moodle: a roster student without a report gets 0 (default: an empty cell, "
        "which leaves the LMS's grade as it is)",
    )

    similarity = _command(
        commands,
        "similarity",
        "pairs of submissions whose own code is similar: an HTML page, CSVs, flags",
        "  cnngrade similarity submissions --out similarity\n"
        "  cnngrade similarity submissions --out similarity --against public-solutions",
    )
    from grader.similarity.command import add_arguments

    add_arguments(similarity)

    release = _command(
        commands,
        "release",
        "build what an instructor hands out: the student kit, the Gradescope autograder",
        "  cnngrade release --kit dist/\n"
        "  cnngrade release --gradescope autograder.zip --secret-file secret.txt",
    )
    from grader.release.command import add_arguments as add_release_arguments

    add_release_arguments(release, RUBRIC_HELP)

    rubrics = _command(
        commands,
        "rubrics",
        "list the built-in rubrics (one per course or notebook version): sections and points",
        "  cnngrade rubrics\n  cnngrade rubrics --json\n  cnngrade check . --rubric convnet",
    )
    from grader.cli.rubrics import add_arguments as add_rubrics_arguments

    add_rubrics_arguments(rubrics)

    schema = _command(
        commands,
        "schema",
        "print the JSON Schemas of the rubric and the report",
        "  cnngrade schema report > report.schema.json",
    )
    schema.add_argument(
        "which", nargs="?", choices=("rubric", "report"), help="only this one (default: both)"
    )
    return parser


def _load_rubric(name: str) -> Rubric:
    from grader.judge.rubric import RubricError
    from grader.judge.rubric_catalog import load_named

    try:
        return load_named(name)[1]
    except RubricError as e:
        raise UserError(str(e)) from None


def _given_secret(args: argparse.Namespace) -> str | None:
    """The secret as given: --secret, else $CNNGRADE_SECRET (possibly blank), else None."""
    return args.secret or os.environ.get(SECRET_ENV, args.secret)


def _secret(args: argparse.Namespace) -> str | None:
    """The secret that seeds hidden checks; a blank one is none (anyone could reproduce its cases)."""
    given = _given_secret(args)
    return given if given and given.strip() else None


def _grade_options(args: argparse.Namespace, *, refuse_process: bool = False) -> GradeOptions:
    from grader.isolate import IsolationError
    from grader.isolate.worker import select_level
    from grader.judge.training.store import CacheError, usable_cache
    from grader.run.grade import GradeOptions

    if args.cifar is not None and not args.cifar.is_dir():
        raise UserError(f"--cifar: no such folder: {args.cifar}")
    minimum = args.min_isolation
    if refuse_process and minimum in (None, "process"):
        minimum = "unshare"  # grades that count: the process level hides nothing (docs/security.md)
    if not _on_cluster(args):  # the cluster checks its workers
        try:  # a real worker is started once here: a batch fails in one line, its graders inherit it
            select_level(None, minimum)
        except IsolationError as e:
            hint = "; pass --allow-process-isolation to grade anyway" if refuse_process else ""
            raise UserError(f"{e}{hint}") from None
    options = GradeOptions(secret=_secret(args), cifar_dir=args.cifar, min_isolation=minimum)
    if not _on_cluster(args):  # each worker has its own cache
        try:  # here, once: a batch's graders would each fail with a traceback of their own
            usable_cache(options.cache_dir)
        except CacheError as e:
            raise UserError(str(e)) from None
    return options


def _only_matching(rubric: Rubric, keywords: list[str]) -> Rubric:
    """The rubric with only the checks whose id, title or section contains one of `keywords`;
    a kept check's prerequisites that are not kept are dropped, so it still runs."""
    words = [w.lower() for w in keywords]
    kept = [c for c in rubric.checks if any(w in f"{c.id} {c.title} {c.section}".lower() for w in words)]
    if not kept:
        raise UserError(
            f"-k {' -k '.join(keywords)}: no check matches; the checks are "
            + ", ".join(c.id for c in rubric.checks)
        )
    return rubric.part({c.id for c in kept})


def _check_submission_path(path: Path) -> None:
    """Refuse what is not a submission in one line, as `grade` does."""
    from grader.load.discovery import SUBMISSION_SUFFIXES, DiscoveryError, find_submissions

    if path.is_file() and path.suffix not in SUBMISSION_SUFFIXES:
        raise UserError(f"not a submission (a .py, .ipynb or .zip file, or a folder): {path}")
    try:
        find_submissions([path])
    except DiscoveryError as e:
        raise UserError(str(e)) from None


def _blank_secret(args: argparse.Namespace) -> bool:
    """A secret given but empty (`--secret " "`, an unset CI variable): it must not seed hidden checks."""
    given = _given_secret(args)
    return given is not None and not given.strip()


def _check(args: argparse.Namespace) -> int:
    from grader.export import junit, markdown
    from grader.export.figures import total_line
    from grader.report.models import Status
    from grader.report.text import one_line
    from grader.run.console import check_table, use_color

    _check_submission_path(args.path)
    for target in (args.junit, args.summary):
        if target:
            _writable(target)
    if _blank_secret(args):
        print("cnngrade: note: the secret is empty, so hidden checks are skipped", file=sys.stderr)
    rubric = _load_rubric(args.rubric)
    if args.keywords:
        rubric = _only_matching(rubric, args.keywords)
    if args.fail_under is not None and args.fail_under > rubric.max_score:
        print(
            f"cnngrade: warning: --fail-under {args.fail_under:g} is above the most this rubric gives "
            f"({rubric.max_score:g}): the check cannot pass",
            file=sys.stderr,
        )
    report = _self_check(args, rubric, live=not (args.quiet or args.json))
    if args.junit:
        junit.export([report], args.junit)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as out:  # GitHub's summary file is shared by steps
            out.write(markdown.summary(report))
    if report.error is not None:  # nothing was graded: the reason, once, not once per check
        print(f"cnngrade: error: {one_line(report.error)}", file=sys.stderr)
    if args.json:
        print(report.model_dump_json(indent=2))
    elif report.error is None and args.quiet:
        print(total_line(report))
    elif report.error is None:
        width = shutil.get_terminal_size().columns
        print(check_table(report, width=width, color=use_color(sys.stdout), verbose=args.verbose))
    if args.annotations:
        print(annotations(report))
    if report.error is not None:
        return 2
    if args.fail_under is not None:
        return 0 if report.score >= args.fail_under else 1
    ran = [c for c in report.checks if c.status is not Status.skipped]
    return 0 if report.error is None and all(c.status is Status.passed for c in ran) else 1


def _self_check(args: argparse.Namespace, rubric: Rubric, *, live: bool) -> Report:
    """`check`'s grading, with a live status line on stderr when `live` and stderr is a terminal
    (erased before anything else is printed)."""
    from grader.isolate import IsolationError
    from grader.judge.training.store import CacheError
    from grader.run.batch import grade_to_report
    from grader.run.console import LiveStatus
    from grader.run.grade import Step

    status = LiveStatus(sys.stderr) if live and LiveStatus.wanted(sys.stderr) else None
    with status or contextlib.nullcontext():
        if status is not None:  # the sandbox probe starts a real worker: a second or more
            status(Step(doing="testing the sandbox on this machine", done=0, total=len(rubric.checks)))
        try:
            options = _grade_options(args)
            return grade_to_report(args.path, rubric, options, args.path.resolve().name, status)
        except (CacheError, IsolationError) as e:  # the machine's fault, not the submission's
            raise UserError(str(e)) from None


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping, after control characters are made visible (grader.report.text);
    a property value is one line and also escapes ':' and ','."""
    from grader.report.text import multi_line, one_line

    text = one_line(text) if prop else multi_line(text)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def annotations(report: Report) -> str:
    """GitHub Actions workflow commands: an ::error per check that did not pass, a ::notice total."""
    from grader.export.common import describe
    from grader.report.models import Status

    lines = []
    if report.error:
        lines.append(f"::error title={_escape('cnngrade: not graded', prop=True)}::{_escape(report.error)}")
    for finding in report.findings:
        where = f"file={_escape(finding.file, prop=True)}," if finding.file else ""
        where += f"line={finding.line}," if finding.file and finding.line else ""
        lines.append(f"::warning {where}title={_escape(finding.kind, prop=True)}::{_escape(finding.message)}")
    for check in report.checks:
        if check.status in (Status.passed, Status.skipped):
            continue
        title = _escape(f"{check.id}: {check.status.value}", prop=True)
        lines.append(f"::error title={title}::{_escape(describe(check, with_output=False))}")
    lines.append(f"::notice title=cnngrade score::{report.score:g} / {report.max_score:g} points")
    return "\n".join(lines)


def _writable(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None
    if not os.access(path.parent, os.W_OK):
        raise UserError(f"cannot write {path}: permission denied")


def _grade(args: argparse.Namespace) -> int:
    if args.jobs > 1:
        # Graders side by side must not each spin up a BLAS thread per core (docs/performance.md,
        # "A warning for anything that trains in parallel"); this has to happen before numpy loads.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    from grader.judge import expected
    from grader.load.naming import fingerprint, read_state
    from grader.run.batch import BatchError, grade_all, plan, prepare_out, remember, select, summary
    from grader.run.console import Progress

    if not expected.full():
        raise UserError(
            "this is the student kit: it has no answer key, so it cannot grade "
            "(`cnngrade check FILE` checks a submission)"
        )
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if not _secret(args):
        raise UserError(
            f"grading needs a non-empty instructor secret for the hidden checks: --secret or ${SECRET_ENV}"
        )
    rubric = _load_rubric(args.rubric)
    graded_with = fingerprint(_secret(args), rubric.sha256)
    before = read_state(args.out).get("fingerprint")
    if before and before != graded_with and not args.regrade_all:
        raise UserError(
            f"the reports in {args.out} were graded with another secret or rubric; "
            "--regrade-all grades every submission again with these, or use another --out"
        )
    noticed: list[str] = []
    try:
        jobs = plan(args.paths, args.out, noticed)
        prepare_out(args.out)
        chosen = select(jobs, args.only, [j.name for j in jobs] if args.regrade_all else args.force)
    except BatchError as e:
        raise UserError(str(e)) from None
    for warning in noticed:
        _warn(warning)
    options = _grade_options(args, refuse_process=not args.allow_process_isolation)
    remember(args.out, jobs, graded_with)
    start = time.monotonic()
    if _on_cluster(args):
        outcomes = _grade_on_cluster(args, chosen, rubric, options)
    else:
        progress = Progress(len(chosen), min(args.jobs, len(chosen)), sys.stderr)
        outcomes = grade_all(
            chosen, rubric, options, workers=args.jobs, timeout_s=args.timeout, progress=progress
        )
    print(summary(outcomes, time.monotonic() - start))
    print(f"reports in {args.out}")
    return 0 if all(o.report is not None for o in outcomes) else 1


def _warn(message: str) -> None:
    print(f"cnngrade: warning: {message}", file=sys.stderr)


def _on_cluster(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "cluster", None) or getattr(args, "scheduler_file", None))


def _grade_on_cluster(args: argparse.Namespace, jobs: list, rubric: Rubric, options: GradeOptions) -> list:
    """`grade --cluster`: the same batch, graded by Dask workers (grader/run/cluster.py)."""
    try:
        from grader.run import cluster
    except ImportError as e:
        if e.name not in ("dask", "distributed"):
            raise
        raise UserError("--cluster needs Dask distributed: pip install 'cnngrade[cluster]'") from None
    try:
        return cluster.grade_batch(jobs, rubric, options, args.cluster, args.scheduler_file, sys.stderr)
    except cluster.ClusterError as e:
        raise UserError(str(e)) from None


def _report(args: argparse.Namespace) -> int:
    from grader.export import default_target, exporter
    from grader.export.common import ExportError, load_reports, same_submission
    from grader.export.gradebook import RosterError, read_roster, with_defaults
    from grader.export.lms import lms_students, report_columns
    from grader.load.gradescope_metadata import MetadataError, read_submission_metadata
    from grader.report.late import LATE_TIME_UNKNOWN, marked_late, submitted_at
    from grader.report.overrides import OverrideError, apply_overrides, read_overrides

    only = {"similarity": ("csv", "html"), "assignment_id": ("canvas",), "assignment_title": ("canvas",),
            "overrides": OVERRIDE_FORMATS}  # fmt: skip
    for option in ("roster", "similarity", "submission_times", "rubric", "deadline", "assignment_id",
                   "assignment_title", "missing_as_zero", "overrides"):  # fmt: skip
        formats = only.get(option, LMS_FORMATS if option == "missing_as_zero" else TIMED_FORMATS)
        if getattr(args, option) not in (None, False) and args.format not in formats:
            listed = ", ".join(formats[:-1]) + " and " + formats[-1] if len(formats) > 1 else formats[0]
            where = listed + (" formats have" if len(formats) > 1 else " format has")
            raise UserError(f"--{option.replace('_', '-')}: only the {where} a place for it")
    if args.format == "canvas" and not (args.assignment_id or "").strip():
        raise UserError("--format canvas needs --assignment-id ID: the number after /assignments/ in its URL")
    try:
        changes = read_overrides(args.overrides) if args.overrides is not None else None
        reports, unreadable = load_reports(args.reports)
        if changes is not None:  # before anything reads a score: the late policy starts from these
            overridden = apply_overrides(reports, changes)
            reports = overridden.reports
            for warning in overridden.warnings:
                _warn(warning)
        roster = read_roster(args.roster) if args.roster is not None else None
        students = list(roster or {})  # the roster file's own rows, before metadata adds any
        if args.format in LMS_FORMATS:
            students += [s for s in lms_students(reports, args.format) if s not in students]
            if not students:
                columns = (
                    "canvas_id, sis_user_id or sis_login_id" if args.format == "canvas" else "participant_id"
                )
                raise UserError(
                    f"--format {args.format} needs --roster CSV: the students and their {columns} "
                    f"(the reports are not of a {args.format.title()} download)"
                )
        if from_lms := report_columns(reports):  # the ids an LMS download gave, where the roster has none
            roster = with_defaults(roster or {}, from_lms)
        if args.submission_times is not None:
            roster = with_defaults(roster or {}, read_submission_metadata(args.submission_times))
        if args.similarity is not None and args.format == "csv":
            roster = _with_similarity_flags(roster or {}, args.similarity)
    except (ExportError, RosterError, MetadataError, OverrideError) as e:
        raise UserError(str(e)) from None
    late = _late_policy(args, {r.rubric_id for r in reports})
    for bad in unreadable:
        _warn(f"skipped {bad}")
    for warning in same_submission(reports):
        _warn(warning)
    untimed = [r for r in reports if submitted_at(roster, r.submission.name) is None] if late else []
    if untimed:
        _warn(
            f"{len(untimed)} of {len(reports)} submissions have no submission time: not penalised "
            "(give times with --roster or --submission-times)"
        )
    if marked := sum(map(marked_late, untimed)):
        _warn(
            f"{marked} of them Canvas marked late, but its download holds no time: shown as "
            f"'{LATE_TIME_UNKNOWN}', not penalised (give their submitted_at in --roster)"
        )
    target = args.to or default_target(args.format, len(reports))
    if args.format == "gradescope" and len(reports) > 1 and target.suffix == ".json":
        raise UserError(f"--to {target}: {len(reports)} reports give one results.json each: name a folder")
    _writable(target / "x" if args.format in ("html", "gradescope") and target.suffix != ".json" else target)
    extra: dict[str, Any] = {"roster": roster} if roster is not None else {}
    if late is not None:
        extra["late"] = late
    if args.similarity is not None and args.format == "html":
        extra["similarity"] = args.similarity
    lms_warnings: list[str] = []
    if args.format in LMS_FORMATS:
        extra.update(students=students, missing_as_zero=args.missing_as_zero, warnings=lms_warnings)
    if args.format == "canvas":
        extra.update(assignment_id=args.assignment_id, assignment_title=args.assignment_title or "")
    try:
        written = exporter(args.format)(reports, target, unreadable=unreadable, **extra)
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from None
    except ExportError as e:
        raise UserError(str(e)) from None
    for warning in lms_warnings:
        _warn(warning)
    for name in extra.get("roster", {}).keys() - {r.submission.name.lower() for r in reports}:
        _warn(f"roster: no report for {name!r}")
    more = f" and {len(written) - 1} more" if len(written) > 1 else ""
    skipped = (
        f", {len(unreadable)} unreadable file{'s' * (len(unreadable) != 1)} skipped" if unreadable else ""
    )
    print(f"wrote {written[0]}{more} ({len(reports)} report{'s' * (len(reports) != 1)}{skipped})")
    return 1 if unreadable else 0


def _late_policy(args: argparse.Namespace, graded_with: set[str]) -> LatePolicy | None:
    """The `--rubric`'s late policy, with `--deadline` in place of its deadline; None without one."""
    from grader.report.late import parse_time

    if args.rubric is None:
        if args.deadline is not None:
            raise UserError("--deadline: name the rubric whose [late] table it belongs to: --rubric FILE")
        return None
    rubric = _load_rubric(args.rubric)
    if rubric.late is None:
        raise UserError(f"--rubric {args.rubric}: it has no [late] table (the late policy) to apply")
    if graded_with - {rubric.id}:
        _warn(
            f"--rubric {args.rubric} is rubric {rubric.id!r}; "
            f"the reports were graded with {', '.join(sorted(graded_with))}"
        )
    if args.deadline is None:
        return rubric.late
    try:
        deadline = parse_time(args.deadline)
    except ValueError as e:
        raise UserError(f"--deadline {e}") from None
    return rubric.late.model_copy(update={"deadline": deadline})


def _with_similarity_flags(roster: dict[str, dict[str, str]], folder: Path) -> dict[str, dict[str, str]]:
    """The roster's columns plus each submission's similarity flag (the gradebook shows the roster's
    columns beside each submission's name)."""
    from grader.export.gradebook import RosterError
    from grader.similarity import SimilarityError
    from grader.similarity.model import read_flags

    try:
        flags = read_flags(folder)
    except SimilarityError as e:
        raise RosterError(str(e)) from None
    for name, entry in flags.items():
        roster.setdefault(name.lower(), {})["similarity"] = entry.flag
    return roster


def _schema(args: argparse.Namespace) -> int:
    from grader.judge.rubric import Rubric
    from grader.report.models import Report

    schemas = {"rubric": Rubric.model_json_schema(), "report": Report.model_json_schema()}
    print(json.dumps(schemas[args.which] if args.which else schemas, indent=2))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from grader.similarity.command import SimilarityError, run

    try:
        return run(args)
    except SimilarityError as e:
        raise UserError(str(e)) from None


def _rubrics(args: argparse.Namespace) -> int:
    from grader.cli.rubrics import run
    from grader.judge.rubric import RubricError

    try:
        return run(args)
    except RubricError as e:
        raise UserError(str(e)) from None


def _release(args: argparse.Namespace) -> int:
    from grader.release import ReleaseError
    from grader.release.command import run

    try:
        return run(args)
    except ReleaseError as e:
        raise UserError(str(e)) from None


COMMANDS = {
    "check": _check,
    "grade": _grade,
    "report": _report,
    "schema": _schema,
    "similarity": _similarity,
    "release": _release,
    "rubrics": _rubrics,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as e:
        print(f"cnngrade: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnngrade: interrupted; finished reports are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
