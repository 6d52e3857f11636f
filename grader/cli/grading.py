"""The options `check` and `grade` share, and the rubric and the grading options they make."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.cli.common import SECRET_ENV, UserError, on_cluster, secret
from grader.isolate import IsolationError
from grader.isolate.worker import select_level
from grader.judge.rubric import Rubric, RubricError
from grader.judge.rubric_catalog import DEFAULT_ID, RUBRIC_HELP, load_named
from grader.judge.training.store import CacheError, usable_cache
from grader.run.grade import GradeOptions


def add_grading_options(parser: argparse.ArgumentParser) -> None:
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


def load_rubric(name: str) -> Rubric:
    try:
        return load_named(name)[1]
    except RubricError as e:
        raise UserError(str(e)) from None


def grade_options(args: argparse.Namespace, *, refuse_process: bool = False) -> GradeOptions:
    if args.cifar is not None and not args.cifar.is_dir():
        raise UserError(f"--cifar: no such folder: {args.cifar}")
    minimum = args.min_isolation
    if refuse_process and minimum in (None, "process"):
        minimum = "unshare"  # grades that count: the process level hides nothing (docs/security.md)
    if not on_cluster(args):  # the cluster checks its workers
        try:  # a real worker is started once here: a batch fails in one line, its graders inherit it
            select_level(None, minimum)
        except IsolationError as e:
            hint = "; pass --allow-process-isolation to grade anyway" if refuse_process else ""
            raise UserError(f"{e}{hint}") from None
    options = GradeOptions(secret=secret(args), cifar_dir=args.cifar, min_isolation=minimum)
    if not on_cluster(args):  # each worker has its own cache
        try:  # here, once: a batch's graders would each fail with a traceback of their own
            usable_cache(options.cache_dir)
        except CacheError as e:
            raise UserError(str(e)) from None
    return options
