"""Two checkouts of cnngrade grading the same submission, alternately: medians per check, and the ratio.

Each side runs `python -m grader.cli check SUBMISSION --json` from its own checkout (PYTHONPATH), with
its own cache directory, warmed by one untimed grading first (training data, reference runs). Then
the sides take turns, the order flipped every round, so a change of load on a shared machine hits
both alike. Reports the median wall time of the whole grading (`Report.duration_s`) and of each
check, the ratio B / A, the scores (which must agree) and the load average before and after.

    .venv/bin/python benchmarks/bench_ab.py --a /path/to/main-checkout --repeats 5
    .venv/bin/python benchmarks/bench_ab.py --a ../main --public      # the self-check: no secret

`--python-a` / `--python-b` choose the interpreters (default: the checkout's .venv, else this one);
`--cache-a` / `--cache-b` reuse a warm cache folder (the warm-up grading is then quick).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def interpreter(checkout: Path, given: str | None) -> str:
    if given:
        return given
    own = checkout / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def grade(python: str, checkout: Path, cache: Path, submission: Path, secret: str | None) -> dict:
    """One `cnngrade check --json` of the submission with this checkout's code; the report."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "CNNGRADE_CACHE": str(cache)}
    command = [python, "-m", "grader.cli", "check", str(submission), "--json"]
    if secret:
        command += ["--secret", secret]
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{checkout}: no report ({done.returncode}): {done.stderr.strip()[-500:]}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="the checkout to compare with (e.g. main)")
    parser.add_argument("--b", type=Path, default=ROOT, help="the checkout measured (default: this one)")
    parser.add_argument("--python-a")
    parser.add_argument("--python-b")
    parser.add_argument("--submission", type=Path, default=ROOT / "submissions" / "correct_package")
    parser.add_argument("--secret", default="bench-secret")
    parser.add_argument("--public", action="store_true", help="the self-check: public checks only")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache-root", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--cache-a", type=Path, help="a cache folder to use for A (default: a fresh one)")
    parser.add_argument("--cache-b", type=Path, help="the same for B")
    args = parser.parse_args()
    secret = None if args.public else args.secret
    sides = {
        "A": (interpreter(args.a, args.python_a), args.a.resolve()),
        "B": (interpreter(args.b, args.python_b), args.b.resolve()),
    }
    reports: dict[str, list[dict]] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="bench-ab-", dir=args.cache_root) as root:
        given = {"A": args.cache_a, "B": args.cache_b}
        caches = {side: given[side] or Path(root) / side for side in sides}
        print(f"load average at start: {os.getloadavg()}")
        for side, (python, checkout) in sides.items():
            warm = grade(python, checkout, caches[side], args.submission, secret)
            print(f"{side} = {checkout}: warm-up grading {warm['duration_s']:.1f} s, score {warm['score']}")
        for round_ in range(args.repeats):
            for side in ("A", "B") if round_ % 2 == 0 else ("B", "A"):
                python, checkout = sides[side]
                reports[side].append(grade(python, checkout, caches[side], args.submission, secret))
        print(f"load average at end: {os.getloadavg()}")
    scores = {side: sorted({r["score"] for r in runs}) for side, runs in reports.items()}
    print(f"\nmedians of {args.repeats} alternating rounds ({'public' if args.public else 'full'} rubric)")
    print(f"{'':32} {'A':>8} {'B':>8} {'B / A':>7}")
    line("whole grading", *(statistics.median(r["duration_s"] for r in reports[s]) for s in ("A", "B")))
    ids = [c["id"] for c in reports["A"][0]["checks"]]
    for check_id in ids + [c["id"] for c in reports["B"][0]["checks"] if c["id"] not in ids]:
        line(check_id, *(check_median(reports[side], check_id) for side in ("A", "B")))
    print(f"scores: A {scores['A']}, B {scores['B']}" + ("" if scores["A"] == scores["B"] else "  DIFFER"))


def check_median(reports: list[dict], check_id: str) -> float | None:
    times = [c["duration_s"] for r in reports for c in r["checks"] if c["id"] == check_id]
    return statistics.median(times) if times else None


def line(label: str, a: float | None, b: float | None) -> None:
    cell = "{:8.2f}".format
    ratio = f"{b / a:7.2f}" if a and b is not None else f"{'':7}"
    print(f"{label:32} {cell(a) if a is not None else '':>8} {cell(b) if b is not None else '':>8} {ratio}")


if __name__ == "__main__":
    main()
