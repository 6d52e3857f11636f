"""A cgroup for one worker: memory, process and CPU limits that bind the whole worker.

Unlike rlimits, which bind each process on its own, a cgroup bounds everything the worker
starts, root included, and lets the grader kill all of it at once. Two interfaces:

- cgroup v2 (one unified hierarchy): used when the grader's own cgroup offers the `memory`
  and `pids` controllers and the grader may create cgroups below it: as root, or in a
  delegated subtree (e.g. ``systemd-run --user --scope -p Delegate=yes cnngrade ...``).
  A v2 cgroup that holds processes cannot hand controllers to children ("no internal
  processes"), so when the grader is the only process in its cgroup it first moves into a
  leaf, ``cnngrade-grader``; a cgroup shared with other processes is left alone.
- cgroup v1 (one hierarchy per controller): as root on hosts that still mount it.

`Cgroup.create` returns None where neither works; rlimits still apply (isolation.py) and
the report says so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import time
from pathlib import Path

from .limits import Limits

CPU_PERIOD_US = 100_000
REQUIRED = ("memory", "pids")  # without these a cgroup adds nothing the rlimits do not
GRADER_LEAF = "cnngrade-grader"


class Cgroup:
    """One worker's cgroup; `dirs` maps each controller in use to its directory (v2: all the same)."""

    def __init__(self, kind: str, dirs: dict[str, Path]) -> None:
        self.kind = kind  # "cgroup v1" | "cgroup v2"
        self.dirs = dirs

    @classmethod
    def create(cls, limits: Limits) -> Cgroup | None:
        """A cgroup with `limits` in force, v2 first; None where this grader cannot make one."""
        with contextlib.suppress(OSError, ValueError):
            parent = v2_parent()
            if parent is not None:
                return cls.create_v2(limits, parent)
        with contextlib.suppress(OSError, ValueError):
            return cls.create_v1(limits, {c: v1_parent(c) for c in (*REQUIRED, "cpu")})
        return None

    @classmethod
    def create_v2(cls, limits: Limits, parent: Path) -> Cgroup:
        """Below `parent`, a v2 cgroup dir (real, or a test's tree of the same interface files)."""
        offered = set((parent / "cgroup.controllers").read_text().split())
        if not set(REQUIRED) <= offered:
            missing = ", ".join(sorted(set(REQUIRED) - offered))
            raise OSError(f"cgroup v2 at {parent} does not offer {missing}")
        wanted = [c for c in (*REQUIRED, "cpu") if c in offered]
        _enable_v2(parent, wanted)
        _remove_orphans(parent)
        d = parent / _name()
        d.mkdir()
        group = cls("cgroup v2", {c: d for c in wanted})
        try:
            mem = limits.memory_mb << 20
            (d / "memory.max").write_text(str(mem))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (d / "memory.swap.max").write_text("0")
            (d / "pids.max").write_text(str(limits.nproc))
            if "cpu" in wanted:
                (d / "cpu.max").write_text(f"{int(limits.cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def create_v1(cls, limits: Limits, parents: dict[str, Path | None]) -> Cgroup:
        """One cgroup per controller below each `parents[controller]` (cpu is optional)."""
        name = _name()
        group = cls("cgroup v1", {})
        try:
            for controller, parent in parents.items():
                if parent is None:
                    if controller in REQUIRED:
                        raise OSError(f"no cgroup v1 {controller} hierarchy")
                    continue
                _remove_orphans(parent)
                (parent / name).mkdir()
                group.dirs[controller] = parent / name
            mem = limits.memory_mb << 20
            (group.dirs["memory"] / "memory.limit_in_bytes").write_text(str(mem))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (group.dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(str(mem))
            (group.dirs["pids"] / "pids.max").write_text(str(limits.nproc))
            if "cpu" in group.dirs:
                (group.dirs["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (group.dirs["cpu"] / "cpu.cfs_quota_us").write_text(str(int(limits.cpus * CPU_PERIOD_US)))
        except OSError:
            group.remove()
            raise
        return group

    @property
    def has_cpu(self) -> bool:
        return "cpu" in self.dirs

    def join(self) -> None:
        """Move the calling process in (runs in the child between fork and exec)."""
        pid = str(os.getpid()).encode()
        for d in set(self.dirs.values()):
            fd = os.open(d / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in set(self.dirs.values()):
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
        return found

    def memory_exceeded(self) -> bool:
        """Whether the kernel's OOM killer acted in this cgroup (or an allocation hit the limit)."""
        with contextlib.suppress(OSError, ValueError, KeyError):
            d = self.dirs["memory"]
            if self.kind == "cgroup v2":
                events = _key_values(d / "memory.events")
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("oom", 0)) > 0
            stats = _key_values(d / "memory.oom_control")
            return int(stats.get("oom_kill", 0)) > 0 or int((d / "memory.failcnt").read_text()) > 0
        return False

    def kill_all(self, deadline_s: float = 5.0) -> None:
        """SIGKILL every process inside until none is left (a fork bomb is capped by pids.max)."""
        if self.kind == "cgroup v2":
            with contextlib.suppress(OSError, KeyError):  # cgroup.kill: Linux 5.14+
                (self.dirs["pids"] / "cgroup.kill").write_text("1")
        end = time.monotonic() + deadline_s
        while (pids := self.pids()) and time.monotonic() < end:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.002)

    def remove(self) -> None:
        for d in set(self.dirs.values()):
            for _ in range(200):  # a killed task may take a moment to leave
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY:  # EBUSY: a process is still leaving
                        break
                    time.sleep(0.005)


def _name() -> str:
    return f"cnngrade-{os.getpid()}-{secrets.token_hex(4)}"


def _key_values(path: Path) -> dict[str, str]:
    return dict(line.split() for line in path.read_text().splitlines() if line.strip())


def _enable_v2(parent: Path, controllers: list[str]) -> None:
    """Hand `controllers` to parent's children; if the parent holds only us, move us to a leaf first."""
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    if set(controllers) <= enabled:
        return
    request = " ".join(f"+{c}" for c in controllers if c not in enabled)
    try:
        (parent / "cgroup.subtree_control").write_text(request)
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        others = set((parent / "cgroup.procs").read_text().split()) - {str(os.getpid())}
        if others:  # not ours to rearrange (a login session, a service): use v1 or rlimits instead
            raise OSError(f"cgroup v2 at {parent} holds other processes than the grader") from e
        leaf = parent / GRADER_LEAF
        leaf.mkdir(exist_ok=True)
        (leaf / "cgroup.procs").write_text(str(os.getpid()))
        (parent / "cgroup.subtree_control").write_text(request)


def v2_parent(
    mountinfo: Path = Path("/proc/self/mountinfo"), own: Path = Path("/proc/self/cgroup")
) -> Path | None:
    """Our own cgroup in the v2 hierarchy (None when none is mounted), so workers nest under it."""
    mount = None
    for line in mountinfo.read_text().splitlines():
        fields, _, rest = line.partition(" - ")
        if rest.split(" ", 1)[0] == "cgroup2":
            mount = Path(fields.split()[4])
            break
    if mount is None:
        return None
    for line in own.read_text().splitlines():
        if line.startswith("0::"):
            return mount / line[3:].lstrip("/")
    return None


def v1_parent(controller: str, own: Path = Path("/proc/self/cgroup")) -> Path | None:
    """Our own cgroup in a v1 hierarchy, so workers nest under whatever limits the grader runs in."""
    for line in own.read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            base = Path("/sys/fs/cgroup") / controller / path.lstrip("/")
            if base.is_dir():
                return base
    return None


def _remove_orphans(parent: Path) -> None:
    """Remove empty cgroups left by graders that were killed (their pid, in the name, is gone)."""
    for d in parent.glob("cnngrade-*-*"):
        pid = d.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                d.rmdir()  # fails while a process is still inside: then it is not an orphan yet
