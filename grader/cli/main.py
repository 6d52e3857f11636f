"""The `cnngrade` command: check one submission, grade a class, render reports, print schemas,
find similar code across a class.

Exit codes: 0 success (for `check`: everything that ran passed, or the score reached
--fail-under); 1 the work was done but the result is not a pass (failed checks, submissions
that could not be graded); 2 a user error (bad path, bad rubric, unwritable output), reported
as one line on stderr.

Each command is a module with `add_arguments(parser)` and `run(args)`, and imports what it needs
at its top; this module imports only the command that runs (`COMMANDS`), so `cnngrade --version`
or `schema` does not wait for numpy, the sandbox or matplotlib, and every command can pin BLAS
to one thread before numpy loads.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from types import ModuleType

from grader import __version__
from grader.cli.common import UserError


@dataclass(frozen=True)
class Command:
    module: str  # has add_arguments(parser), run(args) and, if it raises its own, USER_ERRORS
    help: str
    examples: str


COMMANDS = {
    "check": Command(
        "grader.cli.check",
        "self-check one submission: public checks, one line each, and a total",
        "  cnngrade check .                               # your assignment folder\n"
        "  cnngrade check ConvolutionalNetworks.ipynb -k conv   # only the conv checks\n"
        "  cnngrade check . --fail-under 52 --junit junit.xml --annotations   # in CI",
    ),
    "grade": Command(
        "grader.cli.grade",
        "grade every submission under PATH... into DIR/<name>.json",
        "  CNNGRADE_SECRET=... cnngrade grade submissions --out reports --jobs 2\n"
        "  cnngrade grade submissions --out reports --force alice     # regrade one\n"
        "  cnngrade grade submissions --out reports --only bob --only carol\n"
        "  cnngrade grade submissions.zip --out reports      # a Canvas or Moodle download: one per student",
    ),
    "report": Command(
        "grader.cli.report",
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
    ),
    "similarity": Command(
        "grader.similarity.command",
        "pairs of submissions whose own code is similar: an HTML page, CSVs, flags",
        "  cnngrade similarity submissions --out similarity\n"
        "  cnngrade similarity submissions --out similarity --against public-solutions",
    ),
    "release": Command(
        "grader.release.command",
        "build what an instructor hands out: the student kit, the Gradescope autograder",
        "  cnngrade release --kit dist/\n"
        "  cnngrade release --gradescope autograder.zip --secret-file secret.txt",
    ),
    "rubrics": Command(
        "grader.cli.rubrics",
        "list the built-in rubrics (one per course or notebook version): sections and points",
        "  cnngrade rubrics\n  cnngrade rubrics --json\n  cnngrade check . --rubric convnet",
    ),
    "schema": Command(
        "grader.cli.schema",
        "print the JSON Schemas of the rubric and the report",
        "  cnngrade schema report > report.schema.json",
    ),
}
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in each command's epilog as written."""


def chosen_command(argv: list[str]) -> str | None:
    """The command named on the line: the first word that is not an option (the top level's own
    options, --help and --version, take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    """Every command is listed; the commands in `modules` (the one that runs) get their arguments."""
    parser = argparse.ArgumentParser(
        prog="cnngrade",
        description=__doc__.splitlines()[0],
        epilog="examples:\n  cnngrade check .\n  cnngrade grade submissions --out reports\n"
        "  cnngrade report reports --format html\n\n'cnngrade COMMAND --help' describes each command.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cnngrade {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=command.help,
            description=command.help,
            epilog=f"examples:\n{command.examples}",
            formatter_class=_HelpFormatter,
        )
        if name in modules:
            modules[name].add_arguments(sub)
    return parser


def one_blas_thread() -> None:
    """Every command: one BLAS thread, unless the user set a count. The grader's own numpy work is
    small products (the reference on a check's few inputs, the judging forward pass) done while its
    sandbox worker, or other graders, run beside it, and OpenBLAS's threads spin-wait for each
    other whenever no core is free (docs/performance.md, "A warning for anything that trains in
    parallel"). This has to happen before numpy loads, that is before the command's module is
    imported."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    name = chosen_command(argv)
    one_blas_thread()
    modules = {name: importlib.import_module(COMMANDS[name].module)} if name in COMMANDS else {}
    args = build_parser(modules).parse_args(argv)
    module = modules[args.command]
    try:
        return module.run(args)
    except (UserError, *getattr(module, "USER_ERRORS", ())) as e:
        print(f"cnngrade: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnngrade: interrupted; finished reports are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
