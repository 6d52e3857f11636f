"""Where the test suite's CPU goes: a pytest plugin, and a summary of what it logged.

`getrusage` misses the CPU of processes nobody waits for (a sandbox worker killed with its
keeper), about 40% of the suite's. This plugin moves each pytest-xdist worker into a cgroup v1
`cpuacct` group of its own, which counts everything the worker starts, and logs each test's
wall and CPU time. It needs root and a v1 `cpuacct` hierarchy; elsewhere it logs wall time alone.

    PYTHONPATH=benchmarks .venv/bin/python -m pytest -q -n auto -p no:cacheprovider -p suite_cpu
    .venv/bin/python benchmarks/suite_cpu.py              # the CPU and wall time of each module

The logs go to $SUITE_CPU_LOGS (default /tmp/suite-cpu), one JSON-lines file per worker.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
LOGS = Path(os.environ.get("SUITE_CPU_LOGS", "/tmp/suite-cpu"))


class _Meter:
    def __init__(self) -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = open(LOGS / f"{worker}-{os.getpid()}.jsonl", "a")  # noqa: SIM115 (open for the run)
        self.group: Path | None = CPUACCT / f"suite-cpu-{worker}-{os.getpid()}"
        try:
            self.group.mkdir(exist_ok=True)
            (self.group / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            self.group = None

    def cpu(self) -> float | None:
        return int((self.group / "cpuacct.usage").read_text()) / 1e9 if self.group else None


_meter: _Meter | None = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    global _meter
    _meter = _meter or _Meter()
    start, cpu = time.time(), _meter.cpu()
    yield
    used = None if cpu is None else _meter.cpu() - cpu
    _meter.log.write(json.dumps({"id": item.nodeid, "start": start, "end": time.time(), "cpu": used}) + "\n")
    _meter.log.flush()


def summary(logs: Path = LOGS) -> str:
    """Per module (a class of its own where it is one xdist scope): wall, CPU, start and end."""
    rows = [json.loads(line) for path in logs.glob("*.jsonl") for line in path.read_text().splitlines()]
    if not rows:
        return f"no logs in {logs}"
    t0 = min(r["start"] for r in rows)
    modules: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, float("inf"), 0.0])
    for r in rows:
        path, _, rest = r["id"].partition("::")
        scope = f"{path}::{rest.split('::')[0]}" if rest.startswith("Test") else path
        m = modules[scope]
        m[0] += r["end"] - r["start"]
        m[1] += r["cpu"] or 0.0
        m[2], m[3] = min(m[2], r["start"] - t0), max(m[3], r["end"] - t0)
    lines = [f"{'scope':72} {'wall':>6} {'cpu':>6} {'start':>6} {'end':>6}"]
    for scope, (wall, cpu, start, end) in sorted(modules.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"{scope:72} {wall:6.0f} {cpu:6.0f} {start:6.0f} {end:6.0f}")
    total_cpu = sum(m[1] for m in modules.values())
    span = max(r["end"] for r in rows) - t0
    lines.append(f"{len(rows)} tests, {span:.0f} s from first start to last end, {total_cpu:.0f} CPU-s")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(Path(sys.argv[1]) if len(sys.argv) > 1 else LOGS))
