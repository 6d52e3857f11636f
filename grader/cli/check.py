"""`cnngrade check PATH`: self-check one submission, public checks, one line each and a total."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from pathlib import Path

from grader.cli.common import UserError, blank_secret, writable
from grader.cli.grading import add_grading_options, grade_options, load_rubric
from grader.export import junit, markdown
from grader.export.common import describe
from grader.export.figures import total_line
from grader.isolate import IsolationError
from grader.judge.rubric import Rubric
from grader.judge.training.store import CacheError
from grader.load.discovery import SUBMISSION_SUFFIXES, DiscoveryError, find_submissions
from grader.report.models import Report, Status
from grader.report.text import multi_line, one_line
from grader.run.batch import grade_to_report
from grader.run.console import LiveStatus, check_table, use_color
from grader.run.grade import Step


def add_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("path", type=Path, help="a .py module, a package folder, a notebook or a .zip")
    add_grading_options(check)
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


def run(args: argparse.Namespace) -> int:
    check_submission_path(args.path)
    for target in (args.junit, args.summary):
        if target:
            writable(target)
    if blank_secret(args):
        print("cnngrade: note: the secret is empty, so hidden checks are skipped", file=sys.stderr)
    rubric = load_rubric(args.rubric)
    if args.keywords:
        rubric = only_matching(rubric, args.keywords)
    if args.fail_under is not None and args.fail_under > rubric.max_score:
        print(
            f"cnngrade: warning: --fail-under {args.fail_under:g} is above the most this rubric gives "
            f"({rubric.max_score:g}): the check cannot pass",
            file=sys.stderr,
        )
    report = self_check(args, rubric, live=not (args.quiet or args.json))
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


def only_matching(rubric: Rubric, keywords: list[str]) -> Rubric:
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


def check_submission_path(path: Path) -> None:
    """Refuse what is not a submission in one line, as `grade` does."""
    if path.is_file() and path.suffix not in SUBMISSION_SUFFIXES:
        raise UserError(f"not a submission (a .py, .ipynb or .zip file, or a folder): {path}")
    try:
        find_submissions([path])
    except DiscoveryError as e:
        raise UserError(str(e)) from None


def self_check(args: argparse.Namespace, rubric: Rubric, *, live: bool) -> Report:
    """`check`'s grading, with a live status line on stderr when `live` and stderr is a terminal
    (erased before anything else is printed)."""
    status = LiveStatus(sys.stderr) if live and LiveStatus.wanted(sys.stderr) else None
    with status or contextlib.nullcontext():
        if status is not None:  # the sandbox probe starts a real worker: a second or more
            status(Step(doing="testing the sandbox on this machine", done=0, total=len(rubric.checks)))
        try:
            options = grade_options(args)
            return grade_to_report(args.path, rubric, options, args.path.resolve().name, status)
        except (CacheError, IsolationError) as e:  # the machine's fault, not the submission's
            raise UserError(str(e)) from None


def escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping, after control characters are made visible (grader.report.text);
    a property value is one line and also escapes ':' and ','."""
    text = one_line(text) if prop else multi_line(text)
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def annotations(report: Report) -> str:
    """GitHub Actions workflow commands: an ::error per check that did not pass, a ::notice total."""
    lines = []
    if report.error:
        lines.append(f"::error title={escape('cnngrade: not graded', prop=True)}::{escape(report.error)}")
    for finding in report.findings:
        where = f"file={escape(finding.file, prop=True)}," if finding.file else ""
        where += f"line={finding.line}," if finding.file and finding.line else ""
        lines.append(f"::warning {where}title={escape(finding.kind, prop=True)}::{escape(finding.message)}")
    for check in report.checks:
        if check.status in (Status.passed, Status.skipped):
            continue
        title = escape(f"{check.id}: {check.status.value}", prop=True)
        lines.append(f"::error title={title}::{escape(describe(check, with_output=False))}")
    lines.append(f"::notice title=cnngrade score::{report.score:g} / {report.max_score:g} points")
    return "\n".join(lines)
