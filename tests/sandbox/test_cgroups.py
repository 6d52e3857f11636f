"""The worker's cgroup: v2 where a writable subtree offers memory and pids, else v1; the CPU quota.

This machine mounts cgroup v1 for every controller (its cgroup2 hierarchy offers only hugetlb), so
the v2 writing logic is tested against a temporary directory tree that mimics the v2 interface
files -- A MIMIC, NOT A KERNEL: it shows what the grader writes where, not that a kernel accepts it.
What is real here: v1 limits in a real worker, the CPU quota throttling real busy processes, and the
v2 hierarchy of this host being refused for the controllers it lacks (docs/security.md says which).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.isolate import Limits
from grader.isolate.cgroups import Cgroup, v1_parent, v2_parent

from .conftest import FAST, write_module

LIMITS = Limits(memory_mb=300, nproc=12, cpus=0.5)


def mimic_v2(tmp: Path, controllers: str = "cpuset cpu io memory pids") -> Path:
    """A directory with the files a v2 cgroup that holds no processes shows its owner."""
    parent = tmp / "delegated.scope"
    parent.mkdir()
    (parent / "cgroup.controllers").write_text(controllers + "\n")
    (parent / "cgroup.subtree_control").write_text("\n")
    (parent / "cgroup.procs").write_text("")
    return parent


def test_v2_limits_are_written_to_the_v2_interface_files_of_a_mimic_tree(tmp_path):
    parent = mimic_v2(tmp_path)
    group = Cgroup.create_v2(LIMITS, parent)
    assert group.kind == "cgroup v2" and group.has_cpu
    (d,) = set(group.dirs.values())
    assert d.parent == parent and d.name.startswith(f"cnngrade-{os.getpid()}-")
    assert (parent / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert (d / "memory.max").read_text() == str(300 << 20)
    assert (d / "memory.swap.max").read_text() == "0"
    assert (d / "pids.max").read_text() == "12"
    assert (d / "cpu.max").read_text() == "50000 100000"  # half a CPU per 100 ms period


def test_v2_without_the_cpu_controller_still_limits_memory_and_pids(tmp_path):
    group = Cgroup.create_v2(LIMITS, mimic_v2(tmp_path, "memory pids"))
    assert not group.has_cpu and set(group.dirs) == {"memory", "pids"}


def test_v2_without_memory_or_pids_is_refused(tmp_path):
    with pytest.raises(OSError, match="does not offer memory"):
        Cgroup.create_v2(LIMITS, mimic_v2(tmp_path, "cpu pids hugetlb"))
    assert not list((tmp_path / "delegated.scope").glob("cnngrade-*"))


def test_v2_memory_events_tell_an_oom_kill(tmp_path):
    group = Cgroup.create_v2(LIMITS, mimic_v2(tmp_path))
    d = group.dirs["memory"]
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n")
    assert not group.memory_exceeded()
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n")
    assert group.memory_exceeded()


def test_the_v2_hierarchy_and_our_place_in_it_are_read_from_proc(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
        "36 24 0:31 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    own = tmp_path / "cgroup"
    own.write_text("0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope\n")
    expected = Path("/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope")
    assert v2_parent(mountinfo, own) == expected
    mountinfo.write_text("24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n")
    assert v2_parent(mountinfo, own) is None


def test_this_hosts_v2_hierarchy_is_refused_when_its_controllers_are_bound_to_v1():
    parent = v2_parent()
    if parent is None or "memory" in (parent / "cgroup.controllers").read_text().split():
        pytest.skip("this host's cgroup v2 offers memory: the real v2 path applies")
    with pytest.raises(OSError, match="does not offer"):
        Cgroup.create_v2(LIMITS, parent)
    if os.geteuid() == 0 and v1_parent("memory") and v1_parent("pids"):
        group = Cgroup.create(LIMITS)  # falls back to v1
        assert group is not None
        try:
            assert group.kind == "cgroup v1"
            assert (group.dirs["memory"] / "memory.limit_in_bytes").read_text().strip() == str(300 << 20)
        finally:
            group.remove()


BUSY = """
import os, time

def busy(n, seconds):
    start = time.monotonic()
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            while time.monotonic() - start < seconds:
                pass
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    used = os.times()
    return (used.children_user + used.children_system) / (time.monotonic() - start)
"""


@pytest.mark.skipif(os.geteuid() != 0 or v1_parent("cpu") is None, reason="needs root and a v1 cpu cgroup")
def test_the_cpu_quota_holds_a_worker_to_its_share(tmp_path, worker_for):
    bundle = write_module(tmp_path, "busy", BUSY, ["busy"])
    # A tenth of a CPU: well below what three busy processes get even on a loaded 2-core machine.
    worker = worker_for(bundle, "process", FAST.model_copy(update={"cpus": 0.1, "call_timeout_s": 20.0}))
    group = worker._state["child"].cgroup
    assert group is not None and group.has_cpu
    cpus_used = worker.call("busy", 3, 1.5).value  # three busy processes for 1.5 s
    assert cpus_used < 0.2, cpus_used  # not 2 (the machine's cores), nor a loaded machine's share
    stats = dict(line.split() for line in (group.dirs["cpu"] / "cpu.stat").read_text().splitlines())
    assert int(stats["nr_throttled"]) > 0
