"""The student kit as a student meets it: its size, one `pip install` into a fresh venv, and
`cnngrade check` on the correct notebook with the whole default rubric (training included), cold
(a fresh data cache: the kit makes the built-in training data) and warm, alternating with the
full grader's check on the same notebook and cache.

    .venv/bin/python benchmarks/bench_kit.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "submissions" / "correct_notebook" / "ConvolutionalNetworks.ipynb"


def timed(command: list[object], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def score(stdout: str) -> str:
    report = json.loads(stdout)
    return f"{report['score']:g}/{report['max_score']:g}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-kit-") as tmp:
        work = Path(tmp)
        seconds, _ = timed([sys.executable, "-m", "grader.cli", "release", "--kit", work / "dist"])
        (wheel,) = (work / "dist").glob("*.whl")
        print(f"release --kit: {seconds:.1f} s; wheel {wheel.stat().st_size / 1e6:.2f} MB")
        subprocess.run([sys.executable, "-m", "venv", work / "venv"], check=True)
        seconds, _ = timed([work / "venv" / "bin" / "pip", "install", "--quiet", wheel])
        print(f"pip install (fresh venv, pip's cache as this machine has it): {seconds:.1f} s")
        kit = [work / "venv" / "bin" / "cnngrade", "check", NOTEBOOK, "--json"]
        full = [sys.executable, "-m", "grader.cli", "check", NOTEBOOK, "--json"]
        times: dict[str, list[float]] = {"kit cold": [], "full cold": [], "kit warm": [], "full warm": []}
        for repeat in range(args.repeats):
            for label, command in (("kit", kit), ("full", full)):
                cache = {"CNNGRADE_CACHE": str(work / f"cache-{label}-{repeat}")}
                cold, out = timed(command, cache)
                warm, _ = timed(command, cache)
                times[f"{label} cold"].append(cold)
                times[f"{label} warm"].append(warm)
                print(f"  {label}: cold {cold:.1f} s, warm {warm:.1f} s, {score(out)}")
        for label, values in times.items():
            print(f"{label}: median {statistics.median(values):.1f} s of {values}")


if __name__ == "__main__":
    main()
