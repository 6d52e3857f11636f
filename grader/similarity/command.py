"""`cnngrade similarity PATH... --out DIR`: its options and what it prints (`grader/cli/main.py`
registers it)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pydantic import ValidationError

from grader.similarity import SimilarityError
from grader.similarity.model import Thresholds
from grader.similarity.output import write_outputs
from grader.similarity.run import compare_class

__all__ = ["USER_ERRORS", "SimilarityError", "add_arguments", "run"]
USER_ERRORS = (SimilarityError,)  # `cnngrade` prints them as one line and exits 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="submissions or folders of them")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the page and CSVs")
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="known public solutions: each submission's closest one"
    )
    parser.add_argument(
        "--boilerplate",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="more course code never to count (this year's skeleton or notebook); repeatable",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.6,
        metavar="S",
        help="floor: the class's threshold is never below this similarity (0-1; 0.6)",
    )
    parser.add_argument(
        "--ceiling",
        type=float,
        default=0.8,
        metavar="S",
        help="the class's threshold is never above this; a class under 5 uses it alone (0.8)",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=6.0,
        metavar="K",
        help="threshold: class median + K robust standard deviations, within floor and ceiling (6)",
    )
    parser.add_argument(
        "--min-lines", type=int, default=8, metavar="N", help="lines the matching code must hold to flag (8)"
    )
    parser.add_argument(
        "--common",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="code found in more than this share of the class is boilerplate (0.5; 1 turns it off)",
    )
    parser.add_argument(
        "--show", type=int, default=50, metavar="N", help="similar pairs whose evidence the page shows (50)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions loaded at once (default: the cores)",
    )
    parser.add_argument(
        "--noise",
        type=int,
        default=25,
        metavar="K",
        help="shortest run that matches, in tokenised characters (25)",
    )


def run(args: argparse.Namespace) -> int:
    """Compare, write the outputs, print a summary; SimilarityError for what the user must fix."""
    if args.against is not None and not args.against.is_dir():
        raise SimilarityError(f"--against: no such folder: {args.against}")
    try:
        thresholds = Thresholds(
            similarity=args.threshold,
            ceiling=args.ceiling,
            spread=args.spread,
            min_lines=args.min_lines,
            common_share=args.common,
            noise=args.noise,
            guarantee=args.noise,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        option = str(error["loc"][0]).replace("_", "-") if error["loc"] else "ceiling"
        raise SimilarityError(f"--{option}: {error['msg']}") from None
    result = compare_class(
        args.paths, against=args.against, boilerplate=args.boilerplate, thresholds=thresholds
    )
    try:
        written = write_outputs(result, args.out)
    except OSError as exc:
        raise SimilarityError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    report = result.report
    flagged = [p for p in report.pairs if p.flagged]
    calibration = result.calibration
    basis = (
        f"class median {round(100 * calibration.median)}%"
        if calibration.median is not None
        else f"a class under {thresholds.min_class}: the ceiling"
    )
    print(
        f"{len(report.submissions)} submissions, {len(flagged)} similar pairs (at least "
        f"{round(100 * calibration.threshold)}%, {basis}; and {thresholds.min_lines} lines)"
    )
    for pair in flagged[:10]:
        print(f"  {round(100 * pair.similarity):3d}%  {pair.a}  ~  {pair.b}  ({pair.lines} lines)")
    if len(flagged) > 10:
        print(f"  ... and {len(flagged) - 10} more")
    for entry in report.submissions:
        if entry.error:
            print(f"  not compared: {entry.name}: {entry.error}")
    print(f"wrote {written[0]} and {len(written) - 1} more")
    return 0
