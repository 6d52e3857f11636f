"""`cnngrade report DIR --format F`: render a folder of reports for Gradescope, CI, a sheet, an
LMS, the web; the instructor's overrides and the late policy applied to what is written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from grader.cli.common import UserError, warn, writable
from grader.cli.grading import load_rubric
from grader.export import default_target, exporter
from grader.export.common import ExportError, load_reports, same_submission
from grader.export.gradebook import RosterError, read_roster, with_defaults
from grader.export.lms import lms_students, report_columns
from grader.judge.rubric_catalog import RUBRIC_HELP
from grader.load.gradescope_metadata import MetadataError, read_submission_metadata
from grader.report.late import LATE_TIME_UNKNOWN, LatePolicy, marked_late, parse_time, submitted_at
from grader.report.overrides import OverrideError, apply_overrides, read_overrides
from grader.similarity import SimilarityError
from grader.similarity.model import read_flags

FORMATS = ("gradescope", "junit", "csv", "html", "canvas", "moodle", "items")
LMS_FORMATS = ("canvas", "moodle")  # grade files an LMS imports: one row per roster student
# the gradebook, the class overview and the LMS files show submission times and lateness
TIMED_FORMATS = ("csv", "html", *LMS_FORMATS)
# every format that carries a grade; the item analysis is of the checks as the grader judged them
OVERRIDE_FORMATS = ("gradescope", "junit", "csv", "html", *LMS_FORMATS)


def add_arguments(report: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
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
                warn(warning)
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
            roster = with_similarity_flags(roster or {}, args.similarity)
    except (ExportError, RosterError, MetadataError, OverrideError) as e:
        raise UserError(str(e)) from None
    late = late_policy(args, {r.rubric_id for r in reports})
    for bad in unreadable:
        warn(f"skipped {bad}")
    for warning in same_submission(reports):
        warn(warning)
    untimed = [r for r in reports if submitted_at(roster, r.submission.name) is None] if late else []
    if untimed:
        warn(
            f"{len(untimed)} of {len(reports)} submissions have no submission time: not penalised "
            "(give times with --roster or --submission-times)"
        )
    if marked := sum(map(marked_late, untimed)):
        warn(
            f"{marked} of them Canvas marked late, but its download holds no time: shown as "
            f"'{LATE_TIME_UNKNOWN}', not penalised (give their submitted_at in --roster)"
        )
    target = args.to or default_target(args.format, len(reports))
    if args.format == "gradescope" and len(reports) > 1 and target.suffix == ".json":
        raise UserError(f"--to {target}: {len(reports)} reports give one results.json each: name a folder")
    writable(target / "x" if args.format in ("html", "gradescope") and target.suffix != ".json" else target)
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
        warn(warning)
    for name in extra.get("roster", {}).keys() - {r.submission.name.lower() for r in reports}:
        warn(f"roster: no report for {name!r}")
    more = f" and {len(written) - 1} more" if len(written) > 1 else ""
    skipped = (
        f", {len(unreadable)} unreadable file{'s' * (len(unreadable) != 1)} skipped" if unreadable else ""
    )
    print(f"wrote {written[0]}{more} ({len(reports)} report{'s' * (len(reports) != 1)}{skipped})")
    return 1 if unreadable else 0


def late_policy(args: argparse.Namespace, graded_with: set[str]) -> LatePolicy | None:
    """The `--rubric`'s late policy, with `--deadline` in place of its deadline; None without one."""
    if args.rubric is None:
        if args.deadline is not None:
            raise UserError("--deadline: name the rubric whose [late] table it belongs to: --rubric FILE")
        return None
    rubric = load_rubric(args.rubric)
    if rubric.late is None:
        raise UserError(f"--rubric {args.rubric}: it has no [late] table (the late policy) to apply")
    if graded_with - {rubric.id}:
        warn(
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


def with_similarity_flags(roster: dict[str, dict[str, str]], folder: Path) -> dict[str, dict[str, str]]:
    """The roster's columns plus each submission's similarity flag (the gradebook shows the roster's
    columns beside each submission's name)."""
    try:
        flags = read_flags(folder)
    except SimilarityError as e:
        raise RosterError(str(e)) from None
    for name, entry in flags.items():
        roster.setdefault(name.lower(), {})["similarity"] = entry.flag
    return roster
