"""The `cnngrade release` subcommand: its arguments and what it does with them.

Only the Gradescope autograder is built here; the student kit (`--kit`, issue 12) is not part of
this release (docs/kits.md says why).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.release import ReleaseError

LEVELS = ("bwrap", "unshare", "process")


def add_arguments(release: argparse.ArgumentParser, default_rubric: Path) -> None:
    release.add_argument("--gradescope", type=Path, metavar="OUT.zip", help="write the autograder zip here")
    release.add_argument(
        "--secret-file",
        type=Path,
        metavar="FILE",
        help="file holding the instructor secret for the hidden checks (never the secret itself)",
    )
    release.add_argument(
        "--rubric",
        type=Path,
        default=default_rubric,
        help="rubric TOML (default: the assignment's convnet.toml)",
    )
    release.add_argument(
        "--min-isolation",
        choices=LEVELS,
        default="unshare",
        help="the autograder refuses to grade below this sandbox level (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    from grader.rubric import RubricError, load_rubric

    if args.gradescope is None:
        raise ReleaseError("say what to build: --gradescope OUT.zip")
    try:
        load_rubric(args.rubric)  # a rubric the autograder could not read fails here
    except RubricError as e:
        raise ReleaseError(str(e)) from None
    _gradescope(args)
    return 0


def _gradescope(args: argparse.Namespace) -> None:
    from grader.release import gradescope

    if args.secret_file is None:
        raise ReleaseError("--gradescope needs --secret-file FILE (the hidden checks' secret)")
    if args.gradescope.suffix != ".zip":
        raise ReleaseError(f"--gradescope {args.gradescope}: the autograder is a .zip file")
    try:
        members = gradescope.build(args.gradescope, args.rubric, args.secret_file, args.min_isolation)
    except OSError as e:
        raise ReleaseError(f"cannot write {args.gradescope}: {e.strerror or e}") from None
    print(f"wrote {args.gradescope} ({', '.join(members)})")
