"""Grading one correct submission: the full rubric, and a student's public-only self-check.

Grades `submissions/correct_module` once to warm the caches (training data, the reference run),
then alternates a full grading and a self-check REPEATS times, so load changes on a shared machine
hit both alike. Prints medians: wall time, time inside the student's code (Report.student_time_s)
and the grader's overhead (the rest), and the per-check split of the last full grading.

    .venv/bin/python benchmarks/bench_grade.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.judge.rubric import load_rubric  # noqa: E402
from grader.report.models import Report  # noqa: E402
from grader.run.grade import GradeOptions, grade_submission  # noqa: E402

SUBMISSION = ROOT / "submissions" / "correct_module"


def summary(label: str, reports: list[Report]) -> None:
    wall = statistics.median(r.duration_s for r in reports)
    student = statistics.median(r.student_time_s for r in reports)
    print(
        f"{label:<24} wall {wall:6.1f} s   student code {student:6.1f} s   "
        f"grader overhead {wall - student:5.1f} s ({(wall - student) / wall:5.1%})   "
        f"scores {sorted({r.score for r in reports})}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "convnet.toml")
    args = parser.parse_args()
    rubric = load_rubric(args.rubric)
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as cache:
        full = GradeOptions(secret="bench-secret", cache_dir=Path(cache))
        public = full.model_copy(update={"secret": None})
        warm = grade_submission(SUBMISSION, rubric, full)
        print(
            f"first grading (computes the cached training data and reference runs): {warm.duration_s:.1f} s"
        )
        fulls, publics = [], []
        for _ in range(args.repeats):
            fulls.append(grade_submission(SUBMISSION, rubric, full))
            publics.append(grade_submission(SUBMISSION, rubric, public))
    print(f"isolation: {fulls[-1].isolation}; medians of {args.repeats}:")
    summary("full rubric", fulls)
    summary("public-only self-check", publics)
    print("\nper check (last full grading): wall / student code")
    for check in fulls[-1].checks:
        student = float(check.metrics.get("student_time_s") or 0.0)
        print(f"  {check.id:<28} {check.duration_s:7.2f} s / {student:7.2f} s  {check.status}")


if __name__ == "__main__":
    main()
