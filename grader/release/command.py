"""The `cnngrade release` subcommand: its arguments and what it does with them."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.judge.rubric import Rubric, RubricError
from grader.judge.rubric_catalog import DEFAULT_ID, RUBRIC_HELP, load_named
from grader.judge.training import store
from grader.release import ReleaseError, gradescope, kit
from grader.report.text import one_line

LEVELS = ("bwrap", "unshare", "process")
USER_ERRORS = (ReleaseError,)  # `cnngrade` prints them as one line and exits 2


def add_arguments(release: argparse.ArgumentParser) -> None:
    release.add_argument(
        "--kit",
        type=Path,
        metavar="DIR",
        help="write the student kit (a wheel of the self-check without the answer key) into DIR",
    )
    release.add_argument("--gradescope", type=Path, metavar="OUT.zip", help="write the autograder zip here")
    release.add_argument(
        "--secret-file",
        type=Path,
        metavar="FILE",
        help="file holding the instructor secret for the hidden checks (never the secret itself)",
    )
    release.add_argument(
        "--rubric",
        default=DEFAULT_ID,
        metavar="NAME",
        help=f"{RUBRIC_HELP}, the one the kit and the autograder grade with (default: %(default)s)",
    )
    release.add_argument(
        "--min-isolation",
        choices=LEVELS,
        default="unshare",
        help="the autograder refuses to grade below this sandbox level (default: %(default)s)",
    )
    release.add_argument(
        "--allow-process-isolation",
        action="store_true",
        help="let --min-isolation be 'process', where student code can read the answer key",
    )


def run(args: argparse.Namespace) -> int:
    if args.gradescope is None and args.kit is None:
        raise ReleaseError("say what to build: --kit DIR and/or --gradescope OUT.zip")
    try:  # a rubric the kit or the autograder could not read fails here
        path, rubric = load_named(args.rubric)
    except RubricError as e:
        raise ReleaseError(str(e)) from None
    if args.gradescope is not None:
        _gradescope(args, path, rubric)
    if args.kit is not None:
        _kit(args, path, rubric)
    return 0


def _named(rubric: Rubric) -> str:
    return f"rubric {rubric.id}: {one_line(rubric.title)}, {rubric.max_score:g} points"


def _gradescope(args: argparse.Namespace, path: Path, rubric: Rubric) -> None:
    if args.secret_file is None:
        raise ReleaseError("--gradescope needs --secret-file FILE (the hidden checks' secret)")
    if args.gradescope.suffix != ".zip":
        raise ReleaseError(f"--gradescope {args.gradescope}: the autograder is a .zip file")
    if args.min_isolation == "process" and not args.allow_process_isolation:
        raise ReleaseError(
            "--min-isolation process lets student code read the answer key and the secret in the "
            "autograder (docs/security.md); add --allow-process-isolation to build it anyway"
        )
    try:
        members = gradescope.build(args.gradescope, path, args.secret_file, args.min_isolation)
    except OSError as e:
        raise ReleaseError(f"cannot write {args.gradescope}: {e.strerror or e}") from None
    print(f"wrote {args.gradescope} ({', '.join(members)}) with {_named(rubric)}")


def _kit(args: argparse.Namespace, path: Path, rubric: Rubric) -> None:
    if args.kit.exists() and not args.kit.is_dir():
        raise ReleaseError(f"--kit {args.kit}: not a directory")
    try:
        wheel = kit.build(args.kit, path, rubric, store.default_cache_dir())
    except OSError as e:
        raise ReleaseError(f"cannot write the kit into {args.kit}: {e.strerror or e}") from None
    size = wheel.stat().st_size
    print(
        f"wrote {wheel} ({size / 1e6:.2f} MB) with {_named(rubric)}: "
        "pip install it, then `cnngrade check` (docs/kits.md)"
    )
