"""Batch grading on a Dask cluster against the local process pool, side by side on this machine.

Builds the class of `bench_batch.py` (COUNT copies of the bundled correct module, package,
notebook and zip), starts a real `dask scheduler` and two `dask worker --nthreads 1` processes
on 127.0.0.1 (their start is timed apart), fills the shared data / reference-run cache with one
untimed grading, then grades the whole class from scratch with `--jobs 2` and with
`--scheduler-file` (two Dask workers), alternating REPEATS times. Refuses runs whose reports
differ. Then measures what a projection to many machines needs: the scheduler's round trip per
task (COUNT_TRIVIAL trivial tasks through the same client path) and the client's own serial work
per submission (packing it as bytes, the resume check), and projects 10,000 submissions on 50
workers.

    .venv/bin/python benchmarks/bench_cluster.py --count 20 --repeats 1
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

from bench_batch import make_class, outcome

from grader.report.models import read_report
from grader.run.batch import Job, plan
from grader.run.cluster import pack

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cluster"))
from dask_cluster import local_cluster  # noqa: E402  (the tests' real local cluster)

TRIVIAL_TASKS = 500


def grade(klass: Path, out: Path, where: list[str], rubric: Path | None, env: dict[str, str]) -> float:
    """Seconds for `cnngrade grade` of the class; `where` is --jobs N or the cluster's address."""
    args = [
        "grade",
        klass,
        "--out",
        out,
        "--secret",
        "bench",
        *where,
        *(["--rubric", rubric] if rubric else []),
    ]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, env=env)
    if done.returncode != 0:
        sys.exit(f"grading failed ({done.returncode}):\n{done.stdout.decode()}\n{done.stderr.decode()}")
    return time.perf_counter() - start


def _one(x: int) -> int:
    return x + 1


def scheduler_round_trip(address: str) -> float:
    """Seconds per task the scheduler and the workers' task machinery add (trivial tasks, one at a
    time per worker thread, as the grading tasks are)."""
    from distributed import Client, as_completed

    with Client(address) as client:
        client.submit(_one, -1, pure=False).result()  # connections up
        start = time.perf_counter()
        futures = as_completed([client.submit(_one, i, pure=False) for i in range(TRIVIAL_TASKS)])
        for future in futures:
            future.result()
        return (time.perf_counter() - start) / TRIVIAL_TASKS


def client_work(jobs: list[Job]) -> tuple[float, float]:
    """(seconds per submission to pack it, mean payload bytes): the client's serial share."""
    start = time.perf_counter()
    sizes = [len(pack(job).data) for job in jobs]
    return (time.perf_counter() - start) / len(jobs), statistics.fmean(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--rubric", type=Path, help="default: the assignment's full rubric")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        os.chmod(tmp, 0o755)  # the sandboxed worker's uid reads the cache below it
        cache = str(Path(tmp) / "cache")
        env = {**os.environ, "CNNGRADE_CACHE": cache, "OPENBLAS_NUM_THREADS": "1"}
        klass = Path(tmp) / "class"
        make_class(klass, args.count)
        warm = Path(tmp) / "warm"
        warm.mkdir()
        (warm / "w.py").write_bytes(next(klass.glob("*.py")).read_bytes())
        grade(warm, Path(tmp) / "warm-out", ["--jobs", "1"], args.rubric, env)

        started = time.perf_counter()
        with local_cluster(Path(tmp) / "dask", workers=2, worker_env={"CNNGRADE_CACHE": cache}) as cluster:
            startup = time.perf_counter() - started
            print(f"cluster (scheduler + 2 workers) up in {startup:.1f} s", flush=True)
            settings = {
                "jobs 2": ["--jobs", "2"],
                "dask 2": ["--scheduler-file", str(cluster.scheduler_file)],
            }
            times: dict[str, list[float]] = {s: [] for s in settings}
            busy: dict[str, list[float]] = {s: [] for s in settings}  # seconds inside grade_submission
            first = None
            for r in range(args.repeats):
                order = list(settings) if r % 2 == 0 else list(reversed(settings))
                for name in order:
                    out = Path(tmp) / f"out-{name.replace(' ', '')}-{r}"
                    times[name].append(grade(klass, out, settings[name], args.rubric, env))
                    busy[name].append(sum(read_report(p).duration_s for p in out.glob("*.json")))
                    graded = outcome(out)
                    first = first or graded
                    if graded != first or len(graded) != args.count:
                        sys.exit(f"{name} graded differently from the first run: not comparable")
                    share = busy[name][-1] / (2 * times[name][-1])
                    load = os.getloadavg()[0]
                    print(
                        f"repeat {r + 1}: {name}: {times[name][-1]:.1f} s, "
                        f"workers busy grading {100 * share:.0f} % (load {load:.2f})",
                        flush=True,
                    )
            round_trip = scheduler_round_trip(cluster.address)
        pack_s, payload = client_work(plan([klass], Path(tmp) / "unused"))

    medians = {s: statistics.median(t) for s, t in times.items()}
    local, dask = medians["jobs 2"], medians["dask 2"]
    per_submission = dask * 2 / args.count  # one worker's seconds per submission
    projected = 10_000 * max(per_submission / 50, round_trip, pack_s)
    overhead = 100 * (dask / local - 1)
    # Load-robust: the share of the two workers' wall time not spent inside grade_submission.
    idle = {
        n: statistics.median(1 - b / (2 * t) for b, t in zip(busy[n], times[n], strict=True)) for n in times
    }
    print(f"\n{args.count} submissions, cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"--jobs 2: {local:.1f} s   two Dask workers: {dask:.1f} s   overhead {overhead:+.1f} %")
    print(
        f"per submission on one worker {per_submission:.2f} s; scheduler round trip {1e3 * round_trip:.1f} ms"
    )
    print(
        f"not grading: --jobs 2 {100 * idle['jobs 2']:.1f} %, two Dask workers {100 * idle['dask 2']:.1f} %"
    )
    print(f"client: {1e3 * pack_s:.1f} ms and {payload / 1024:.0f} KiB per submission packed")
    print(f"10,000 submissions on 50 workers: about {projected / 60:.0f} min")
    if args.json:
        results = {
            "count": args.count,
            "times": times,
            "busy": busy,
            "startup_s": startup,
            "round_trip_s": round_trip,
            "pack_s": pack_s,
            "payload_bytes": payload,
            "projected_10000_on_50_s": projected,
        }
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
