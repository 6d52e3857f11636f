"""Batch grading throughput: `cnngrade grade` with --jobs 1 against --jobs 2, and a class of 200.

Builds a class of COUNT real example submissions (module, package, notebook and zip copies
of the bundled examples, under distinct names), then grades it from scratch with each --jobs
value, alternating the settings REPEATS times so a load change on the machine hits both
alike. Prints the median wall time per setting, the speedup, and the projection for a
class of 200 (wall time per submission x 200; grading is per submission, so it scales
linearly).

    .venv/bin/python benchmarks/bench_batch.py --count 20 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.report.models import read_report

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "submissions"


def make_class(root: Path, count: int) -> None:
    """`count` submissions cycling through the four forms a student can hand in."""
    module = next((SUBMISSIONS / "correct_module").glob("*.py"))
    notebook = next((SUBMISSIONS / "correct_notebook").glob("*.ipynb"))
    package = SUBMISSIONS / "correct_package"
    root.mkdir(parents=True)
    for i in range(count):
        name = f"student{i:03d}"
        form = i % 4
        if form == 0:
            shutil.copy(module, root / f"{name}.py")
        elif form == 1:
            shutil.copytree(package, root / name)
        elif form == 2:
            shutil.copy(notebook, root / f"{name}.ipynb")
        else:
            shutil.make_archive(str(root / name), "zip", package)


def grade(klass: Path, out: Path, jobs: int, rubric: Path | None, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "grader.cli", "grade", str(klass), "--out", str(out)]
    command += ["--jobs", str(jobs), "--secret", "bench"]
    if rubric:
        command += ["--rubric", str(rubric)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"grading failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def outcome(out: Path) -> dict[str, tuple[float, list[str]]]:
    """Score and check statuses per report: every timed run must grade alike, or it timed something else."""
    return {
        p.stem: (r.score, [c.status.value for c in r.checks])
        for p in out.glob("*.json")
        for r in [read_report(p)]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rubric", type=Path, help="default: the assignment's full rubric")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        # A private cache (training data, reference runs) that nothing else on the machine clears
        # mid-run; the sandboxed worker's own uid must be able to read it.
        os.chmod(tmp, 0o755)
        env = {**os.environ, "CNNGRADE_CACHE": str(Path(tmp) / "cache")}
        klass = Path(tmp) / "class"
        make_class(klass, args.count)
        # One untimed grading of a single submission fills the training-data and reference caches,
        # which every later run shares, so no timed run pays for them.
        warm = Path(tmp) / "warm"
        warm.mkdir()
        shutil.copy(next(klass.glob("*.py")), warm)
        grade(warm, Path(tmp) / "warm-out", 1, args.rubric, env)

        times: dict[int, list[float]] = {j: [] for j in args.jobs}
        first: dict[str, tuple[float, list[str]]] | None = None
        for r in range(args.repeats):
            for jobs in args.jobs:
                out = Path(tmp) / f"out-{jobs}-{r}"
                times[jobs].append(grade(klass, out, jobs, args.rubric, env))
                graded = outcome(out)
                first = first or graded
                if graded != first or len(graded) != args.count:
                    sys.exit(f"--jobs {jobs} graded differently from the first run: not comparable")
                scores = [s for s, _ in graded.values()]
                print(
                    f"repeat {r + 1}: --jobs {jobs}: {times[jobs][-1]:.1f} s "
                    f"(mean score {statistics.fmean(scores):.1f}, load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )

    medians = {j: statistics.median(t) for j, t in times.items()}
    base = medians[args.jobs[0]]
    print(f"\n{args.count} submissions, cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'jobs':>4}  {'median s':>9}  {'s/submission':>12}  {'speedup':>7}  {'200 submissions':>15}")
    for jobs, median in medians.items():
        per = median / args.count
        print(f"{jobs:>4}  {median:>9.1f}  {per:>12.2f}  {base / median:>6.2f}x  {per * 200 / 60:>11.1f} min")
    if args.json:
        args.json.write_text(json.dumps({"count": args.count, "times": times, "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
