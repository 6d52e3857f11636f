"""The `cnngrade` command: check one submission, grade a class, render reports, print schemas.

Exit codes: 0 success (for `check`: everything that ran passed, or the score reached
--fail-under); 1 the work was done but the result is not a pass (failed checks, submissions
that could not be graded); 2 a user error (bad path, bad rubric, unwritable output), reported
as one line on stderr.

Each command imports what it needs when it runs: grading pulls in numpy and the sandbox,
the HTML report matplotlib, and `cnngrade --version` or `schema` should not wait for either.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__

if TYPE_CHECKING:
    from grader.grade import GradeOptions
    from grader.report import Report
    from grader.rubric import Rubric

# A link to the repository's rubrics/convnet.toml, so a wheel carries the default rubric too.
DEFAULT_RUBRIC = Path(__file__).parent / "rubrics" / "convnet.toml"
SECRET_ENV = "CNNGRADE_SECRET"
FORMATS = ("gradescope", "junit", "csv", "html")


class UserError(Exception):
    """A mistake on the command line; main prints it as one line and exits 2."""


def _add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rubric", type=Path, default=DEFAULT_RUBRIC, help="rubric TOML (default: %(default)s)"
    )
    parser.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV),
        help=f"instructor secret that seeds the hidden checks (default: ${SECRET_ENV})",
    )
    parser.add_argument(
        "--cifar", type=Path, metavar="DIR", help="CIFAR-10 python folder (default: built-in data)"
    )
    parser.add_argument(
        "--min-isolation",
        choices=("bwrap", "unshare", "process"),
        help="refuse to grade if the sandbox cannot reach this level (default: the strongest available)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cnngrade", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cnngrade {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="self-check one submission: public checks, a table, a total")
    check.add_argument("path", type=Path, help="a .py module, a package folder, a notebook or a .zip")
    _add_grading_options(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    check.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 0 if the score reaches SCORE")
    check.add_argument("--junit", type=Path, metavar="FILE", help="also write the result as JUnit XML")
    check.add_argument("--annotations", action="store_true", help="print GitHub Actions ::error annotations")

    grade = commands.add_parser("grade", help="grade every submission under PATH... into DIR/<name>.json")
    grade.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="submissions or folders of them")
    grade.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the reports")
    grade.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    grade.add_argument(
        "--timeout", type=float, default=900.0, metavar="S", help="wall-clock budget per submission (s)"
    )
    _add_grading_options(grade)

    report = commands.add_parser(
        "report", help="render a folder of reports for Gradescope, CI, a sheet, the web"
    )
    report.add_argument("reports", type=Path, metavar="DIR", help="folder of reports (or one report file)")
    report.add_argument("--format", required=True, choices=FORMATS)
    report.add_argument("--to", type=Path, metavar="PATH", help="output file or folder (default per format)")

    from grader.release import command as release

    release.add_parser(commands, DEFAULT_RUBRIC)

    schema = commands.add_parser("schema", help="print the JSON Schemas of the rubric and the report")
    schema.add_argument("which", nargs="?", choices=("rubric", "report"), help="only this one")
    return parser


def _load_rubric(path: Path) -> Rubric:
    from grader.rubric import RubricError, load_rubric

    try:
        return load_rubric(path)
    except RubricError as e:
        raise UserError(str(e)) from None


def _grade_options(args: argparse.Namespace) -> GradeOptions:
    from grader.grade import GradeOptions
    from grader.sandbox import available_levels
    from grader.sandbox.isolation import RANK

    if args.cifar is not None and not args.cifar.is_dir():
        raise UserError(f"--cifar: no such folder: {args.cifar}")
    if args.min_isolation is not None:
        # Checked once here, so a batch fails in one line instead of once per submission.
        best = available_levels()[0]
        if RANK[best] < RANK[args.min_isolation]:
            raise UserError(f"--min-isolation {args.min_isolation}: this machine offers at most {best!r}")
    return GradeOptions(secret=args.secret or None, cifar_dir=args.cifar, min_isolation=args.min_isolation)


def _blank_secret(args: argparse.Namespace) -> bool:
    """A secret given but empty (`--secret ""`, an unset CI variable): it must not seed hidden checks."""
    return args.secret is not None and not args.secret.strip()


def _check(args: argparse.Namespace) -> int:
    from grader.console import check_table
    from grader.data_cache import CacheError
    from grader.exporters import junit
    from grader.grade import grade_submission
    from grader.report import Status
    from grader.sandbox import IsolationError

    if not args.path.exists():
        raise UserError(f"no such file or folder: {args.path}")
    if args.junit:
        _writable(args.junit)
    if _blank_secret(args):
        print("cnngrade: note: the secret is empty, so hidden checks are skipped", file=sys.stderr)
        args.secret = None
    try:
        report = grade_submission(args.path, _load_rubric(args.rubric), _grade_options(args))
    except (CacheError, IsolationError) as e:  # the machine's fault, not the submission's
        raise UserError(str(e)) from None
    if args.junit:
        junit.export([report], args.junit)
    print(report.model_dump_json(indent=2) if args.json else check_table(report))
    if args.annotations:
        print(annotations(report))
    if args.fail_under is not None:
        return 0 if report.score >= args.fail_under else 1
    ran = [c for c in report.checks if c.status is not Status.skipped]
    return 0 if report.error is None and all(c.status is Status.passed for c in ran) else 1


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping; property values also escape ':' and ','."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def annotations(report: Report) -> str:
    """GitHub Actions workflow commands: an ::error per check that did not pass, a ::notice total."""
    from grader.exporters.common import describe
    from grader.report import Status

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
    from grader.batch import BatchError, grade_all, plan, prepare_out, summary
    from grader.console import Progress

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if not args.secret or _blank_secret(args):
        raise UserError(
            f"grading needs a non-empty instructor secret for the hidden checks: --secret or ${SECRET_ENV}"
        )
    rubric = _load_rubric(args.rubric)
    try:
        jobs = plan(args.paths, args.out)
        prepare_out(args.out)
    except BatchError as e:
        raise UserError(str(e)) from None
    options = _grade_options(args)
    start = time.monotonic()
    progress = Progress(len(jobs), min(args.jobs, len(jobs)), sys.stderr)
    outcomes = grade_all(jobs, rubric, options, workers=args.jobs, timeout_s=args.timeout, progress=progress)
    print(summary(outcomes, time.monotonic() - start))
    print(f"reports in {args.out}")
    return 0 if all(o.report is not None for o in outcomes) else 1


def _report(args: argparse.Namespace) -> int:
    from grader.exporters import FORMATS as TARGETS
    from grader.exporters import exporter
    from grader.exporters.common import ExportError, load_reports

    try:
        reports = load_reports(args.reports)
    except ExportError as e:
        raise UserError(str(e)) from None
    target = args.to or TARGETS[args.format][1]
    _writable(target / "x" if args.format == "html" else target)
    try:
        written = exporter(args.format)(reports, target)
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from None
    more = f" and {len(written) - 1} more" if len(written) > 1 else ""
    print(f"wrote {written[0]}{more} ({len(reports)} report{'s' * (len(reports) != 1)})")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from grader.report import Report
    from grader.rubric import Rubric

    schemas = {"rubric": Rubric.model_json_schema(), "report": Report.model_json_schema()}
    print(json.dumps(schemas[args.which] if args.which else schemas, indent=2))
    return 0


def _release(args: argparse.Namespace) -> int:
    from grader.release import ReleaseError
    from grader.release.command import run

    try:
        return run(args)
    except ReleaseError as e:
        raise UserError(str(e)) from None


COMMANDS = {"check": _check, "grade": _grade, "report": _report, "schema": _schema, "release": _release}


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
