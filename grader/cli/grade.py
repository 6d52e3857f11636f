"""`cnngrade grade PATH... --out DIR`: grade a class, one report per submission, here or on a Dask
cluster."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grader.cli.common import DEFAULT_JOBS, SECRET_ENV, UserError, on_cluster, secret, warn
from grader.cli.grading import add_grading_options, grade_options, load_rubric
from grader.judge import expected
from grader.judge.rubric import Rubric
from grader.load.naming import fingerprint, read_state
from grader.run.batch import BatchError, grade_all, plan, prepare_out, remember, select, summary
from grader.run.console import Progress
from grader.run.grade import GradeOptions


def add_arguments(grade: argparse.ArgumentParser) -> None:
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
        default=DEFAULT_JOBS,
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
    add_grading_options(grade)
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--cluster", metavar="ADDRESS", help="grade on a Dask cluster (docs/scale.md)")
    where.add_argument("--scheduler-file", type=Path, metavar="FILE", help="a Dask scheduler file")
    grade.add_argument(
        "--allow-process-isolation",
        action="store_true",
        help="grade even where only the process level works (students could read the answer key)",
    )


def run(args: argparse.Namespace) -> int:
    if not expected.full():
        raise UserError(
            "this is the student kit: it has no answer key, so it cannot grade "
            "(`cnngrade check FILE` checks a submission)"
        )
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if not secret(args):
        raise UserError(
            f"grading needs a non-empty instructor secret for the hidden checks: --secret or ${SECRET_ENV}"
        )
    rubric = load_rubric(args.rubric)
    graded_with = fingerprint(secret(args), rubric.sha256)
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
        warn(warning)
    options = grade_options(args, refuse_process=not args.allow_process_isolation)
    remember(args.out, jobs, graded_with)
    start = time.monotonic()
    if on_cluster(args):
        outcomes = grade_on_cluster(args, chosen, rubric, options)
    else:
        progress = Progress(len(chosen), min(args.jobs, len(chosen)), sys.stderr)
        outcomes = grade_all(
            chosen, rubric, options, workers=args.jobs, timeout_s=args.timeout, progress=progress
        )
    print(summary(outcomes, time.monotonic() - start))
    print(f"reports in {args.out}")
    return 0 if all(o.report is not None for o in outcomes) else 1


def grade_on_cluster(args: argparse.Namespace, jobs: list, rubric: Rubric, options: GradeOptions) -> list:
    """`grade --cluster`: the same batch, graded by Dask workers (grader/run/cluster.py)."""
    try:  # Dask is the optional extra cnngrade[cluster]: imported only for --cluster
        from grader.run import cluster
    except ImportError as e:
        if e.name not in ("dask", "distributed"):
            raise
        raise UserError("--cluster needs Dask distributed: pip install 'cnngrade[cluster]'") from None
    try:
        return cluster.grade_batch(jobs, rubric, options, args.cluster, args.scheduler_file, sys.stderr)
    except cluster.ClusterError as e:
        raise UserError(str(e)) from None
