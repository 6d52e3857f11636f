"""The `cnngrade release` subcommand: its arguments and what it does with them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from grader.release import ReleaseError

if TYPE_CHECKING:
    from grader.rubric import Rubric

LEVELS = ("bwrap", "unshare", "process")


def add_parser(commands: argparse._SubParsersAction, default_rubric: Path) -> None:
    release = commands.add_parser(
        "release", help="build what an instructor hands out: the student kit, the Gradescope autograder"
    )
    release.add_argument("--kit", type=Path, metavar="DIR", help="write the student kit's wheel into DIR")
    release.add_argument("--gradescope", type=Path, metavar="OUT.zip", help="write the autograder zip here")
    release.add_argument(
        "--secret-file",
        type=Path,
        metavar="FILE",
        help="file holding the instructor secret for the hidden checks (never the secret itself)",
    )
    release.add_argument(
        "--rubric", type=Path, default=default_rubric, help="rubric TOML (default: %(default)s)"
    )
    release.add_argument(
        "--min-isolation",
        choices=LEVELS,
        default="unshare",
        help="the autograder refuses to grade below this sandbox level (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    from grader.rubric import RubricError, load_rubric

    if args.gradescope is None and args.kit is None:
        raise ReleaseError("say what to build: --kit DIR and/or --gradescope OUT.zip")
    try:
        rubric = load_rubric(args.rubric)  # a rubric the kit or autograder could not read fails here
    except RubricError as e:
        raise ReleaseError(str(e)) from None
    if args.kit is not None:
        _kit(args.kit, args.rubric, rubric)
    if args.gradescope is not None:
        _gradescope(args)
    return 0


def _kit(out_dir: Path, rubric_path: Path, rubric: Rubric) -> None:
    from grader import data_cache
    from grader.release import kit

    try:
        wheel = kit.build(out_dir, rubric_path, rubric, data_cache.default_cache_dir())
    except OSError as e:
        raise ReleaseError(f"cannot write {out_dir}: {e.strerror or e}") from None
    print(f"wrote {wheel} ({wheel.stat().st_size / 1e6:.2f} MB): pip install it, then cnngrade check")


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
