"""How a worker process is started at each isolation level, and the cgroup that bounds it.

Levels, strongest first:

- ``bwrap``: bubblewrap with new pid/net/ipc/uts (and cgroup) namespaces. The child
  sees a fresh root holding only the system libraries, the Python interpreter and
  its standard library, numpy, the worker's own files, the submission's tree and
  the read-only data dirs, all read-only, plus a small tmpfs scratch dir. Then
  ``setpriv`` switches to an unprivileged uid with every capability dropped and
  no_new_privs set.
- ``unshare``: the same namespaces and view made with util-linux ``unshare``, a
  shell script of ``mount`` calls, ``chroot`` and ``setpriv``. Needs root.
- ``process``: a plain child process in its own session with rlimits; it sees
  and may write whatever the grader's user may.

All levels get the same rlimits and, where one can be created, a memory+pids
cgroup (cgroup v1; it binds root too).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .limits import Limits

LEVELS = ("bwrap", "unshare", "process")  # strongest first
RANK = {"process": 0, "unshare": 1, "bwrap": 2}

# System paths every level-1/2 child needs to run a dynamically linked Python.
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache",)
DEVICES = ("null", "zero", "full", "random", "urandom")
# numpy and the shared libraries its wheel ships; nothing else from site-packages is visible.
SITE_PACKAGES = ("numpy", "numpy.libs")

BOOT = (
    "import sys, json; c = json.loads(sys.argv[1]); sys.path[:0] = c['path']; "
    "from cnngrade_worker.child import main; main(sys.argv[1])"
)


class IsolationError(RuntimeError):
    """The machine cannot provide the isolation level the caller requires."""


@dataclass
class Layout:
    """Host paths the child needs; each is visible at the same path inside the sandbox."""

    runtime: Path  # holds the package cnngrade_worker/
    root: Path  # the submission's tree (read-only)
    scratch: Path  # the only writable place
    ro_dirs: list[Path] = field(default_factory=list)
    python: str = field(default_factory=lambda: os.path.realpath(sys.executable))
    prefix: str = sys.base_prefix
    site: str = field(default_factory=lambda: os.path.dirname(os.path.dirname(np.__file__)))  # numpy's dir

    def site_dirs(self) -> list[str]:
        return [p for name in SITE_PACKAGES if os.path.isdir(p := os.path.join(self.site, name))]

    def base_site(self) -> str:
        """The interpreter's own site-packages: hidden, it may hold anything (even `reference`)."""
        return sysconfig.get_paths(vars={"base": self.prefix, "platbase": self.prefix})["purelib"]

    def readonly(self) -> list[str]:
        dirs = [self.prefix, *self.site_dirs(), str(self.runtime), str(self.root)]
        return dirs + [str(d) for d in self.ro_dirs]


def _is_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def available_levels() -> tuple[str, ...]:
    """The levels this machine can provide, strongest first (probed once per process)."""
    levels = []
    bwrap_probe = ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"]
    if shutil.which("bwrap") and _probe(bwrap_probe):
        levels.append("bwrap")
    has_tools = all(shutil.which(t) for t in ("unshare", "setpriv", "chroot", "mount"))
    if _is_root() and has_tools and _probe(["unshare", "--mount", "--pid", "--net", "--fork", "true"]):
        levels.append("unshare")
    levels.append("process")
    return tuple(levels)


def _probe(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def choose_level(requested: str | None, min_isolation: str | None) -> str:
    """The strongest available level (or `requested`), refusing anything below `min_isolation`."""
    for name in (requested, min_isolation):
        if name is not None and name not in RANK:
            raise ValueError(f"unknown isolation level {name!r}; use one of {', '.join(LEVELS)}")
    available = available_levels()
    level = requested or available[0]
    if level not in available:
        raise IsolationError(
            f"isolation level {level!r} is not available (available: {', '.join(available)})"
        )
    if min_isolation is not None and RANK[level] < RANK[min_isolation]:
        raise IsolationError(f"isolation level {level!r} is below the required {min_isolation!r}")
    return level


def _drop_privileges(uid: int) -> list[str]:
    """setpriv to an unprivileged uid with no capabilities and no_new_privs (only possible as root)."""
    if not _is_root():
        return []
    return [
        shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]  # fmt: skip


def bwrap_command(layout: Layout, limits: Limits, uid: int, python_cmd: list[str]) -> list[str]:
    cmd = ["bwrap"]
    if not _is_root():
        cmd += ["--unshare-user", "--cap-drop", "ALL"]  # unprivileged: the user namespace is the only way in
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        cmd += ["--ro-bind-try", path, path]
    scratch = str(layout.scratch)
    for path in _ancestors([*layout.readonly(), scratch]):
        cmd += ["--perms", "0755", "--dir", path]  # else bwrap makes them 0700, closed to the sandbox uid
    # The interpreter first, its site-packages covered by an empty tmpfs, then the rest: numpy may live
    # in that very site-packages (no venv), and its bind then lands on the tmpfs.
    prefix, *others = layout.readonly()
    cmd += ["--ro-bind", prefix, prefix, "--tmpfs", layout.base_site()]
    for path in others:
        cmd += ["--ro-bind", path, path]
    cmd += ["--remount-ro", layout.base_site()]
    cmd += ["--perms", "1777", "--size", str(limits.scratch_mb << 20), "--tmpfs", scratch]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--chdir", scratch]
    cmd += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    cmd += ["--hostname", "sandbox", "--die-with-parent", "--new-session", "--"]
    return cmd + _drop_privileges(uid) + python_cmd


def _ancestors(paths: list[str]) -> list[str]:
    """Directories above `paths` that are not themselves inside one of `paths`, parents first."""
    found: set[str] = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent != "/" and not any(parent == p or parent.startswith(p + "/") for p in paths):
            found.add(parent)
            parent = os.path.dirname(parent)
    return sorted(found)


def unshare_command(layout: Layout, limits: Limits, uid: int, python_cmd: list[str]) -> list[str]:
    """Build the sandbox's root in a fresh mount namespace with a shell script, then chroot into it."""
    new_root = layout.runtime / "newroot"
    new_root.mkdir(exist_ok=True)
    r = shlex.quote(str(new_root))
    q = shlex.quote
    lines = ["set -e", "umask 022", f"mount -t tmpfs -o mode=755,size=1m none {r}"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            lines.append(f"ln -s {q(os.readlink(path))} {r}{q(path)}")
        elif os.path.isdir(path):
            lines += [f"mkdir -p {r}{q(path)}", f"mount -o bind,ro,nosuid,nodev {q(path)} {r}{q(path)}"]
    for path in [p for p in SYSTEM_FILES if os.path.exists(p)] + [f"/dev/{d}" for d in DEVICES]:
        lines += [f"mkdir -p {r}{q(os.path.dirname(path))}", f"touch {r}{q(path)}"]
        lines.append(f"mount -o bind,ro {q(path)} {r}{q(path)}" if path.startswith("/etc") else
                     f"mount --bind {q(path)} {r}{q(path)}")  # fmt: skip
    site = f"{r}{q(layout.base_site())}"
    for i, path in enumerate(layout.readonly()):  # the interpreter first, then its site-packages hidden
        lines += [f"mkdir -p {r}{q(path)}", f"mount -o bind,ro,nosuid,nodev {q(path)} {r}{q(path)}"]
        if i == 0:
            lines.append(f"mount -t tmpfs -o size=1m,mode=755 none {site}")
    lines.append(f"mount -o remount,ro {site}")
    scratch = q(str(layout.scratch))
    scratch_opts = f"size={limits.scratch_mb}m,mode=1777"
    lines += [f"mkdir -p {r}{scratch}", f"mount -t tmpfs -o {scratch_opts} none {r}{scratch}"]
    lines += [f"mkdir -p {r}/proc", f"mount -t proc -o nosuid,nodev,noexec proc {r}/proc"]
    lines.append(f"mount -o remount,bind,ro {r}")
    # Not exec (and not last, which sh may exec anyway): this shell stays pid 1 of the namespace with
    # unshare's parent-death signal, which setpriv's change of uid would clear in the child itself.
    # When the grader dies, unshare, this shell and with it the whole namespace die.
    chroot = q(shutil.which("chroot") or "chroot")
    lines += [f"{chroot} {r} " + shlex.join(_drop_privileges(uid) + python_cmd), "exit $?"]
    unshare = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--uts"]
    return [*unshare, "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(lines)]


def python_command(layout: Layout, config: dict) -> list[str]:
    config = {**config, "path": [str(layout.runtime), layout.site], "scratch": str(layout.scratch)}
    return [layout.python, "-I", "-S", "-B", "-u", "-c", BOOT, json.dumps(config)]


def child_env(layout: Layout) -> dict[str, str]:
    """A minimal environment; BLAS pinned to one thread so parallel grading does not oversubscribe."""
    scratch = str(layout.scratch)
    env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8"}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    return env


def unprivileged_uid() -> int:
    """A fresh uid per worker, far above any real account, so workers cannot signal each other."""
    return 1_000_000 + secrets.randbelow(1 << 30)


def rlimits(limits: Limits, *, per_uid: bool) -> list[tuple[int, int]]:
    mb = 1 << 20
    out = [
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_CPU, limits.cpu_s),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    if per_uid:  # RLIMIT_NPROC counts the real uid's processes: only meaningful for a private uid
        out.append((resource.RLIMIT_NPROC, limits.nproc))
    return out


class Cgroup:
    """A memory + pids cgroup (v1) for one worker; its limits bind root and every descendant."""

    def __init__(self, dirs: dict[str, Path]) -> None:
        self.dirs = dirs

    @classmethod
    def create(cls, limits: Limits) -> Cgroup | None:
        """None when cgroups cannot be created here (not root, no v1 hierarchy): rlimits still apply."""
        name = f"cnngrade-{os.getpid()}-{secrets.token_hex(4)}"
        dirs: dict[str, Path] = {}
        try:
            for controller in ("memory", "pids"):
                parent = _own_cgroup(controller)
                _remove_orphans(parent)
                dirs[controller] = parent / name
                dirs[controller].mkdir()
            mem = limits.memory_mb << 20
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(mem))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(str(mem))
            (dirs["pids"] / "pids.max").write_text(str(limits.nproc))
        except OSError:
            cls(dirs).remove()
            return None
        return cls(dirs)

    def join(self) -> None:
        """Move the calling process in (runs in the child between fork and exec)."""
        pid = str(os.getpid()).encode()
        for d in self.dirs.values():
            fd = os.open(d / "cgroup.procs", os.O_WRONLY)
            os.write(fd, pid)
            os.close(fd)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs.values():
            with contextlib.suppress(OSError):
                found |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
        return found

    def memory_exceeded(self) -> bool:
        """Whether the kernel's OOM killer acted in this cgroup (or an allocation hit the limit)."""
        with contextlib.suppress(OSError, ValueError):
            d = self.dirs["memory"]
            stats = dict(line.split() for line in (d / "memory.oom_control").read_text().splitlines())
            return int(stats.get("oom_kill", 0)) > 0 or int((d / "memory.failcnt").read_text()) > 0
        return False

    def kill_all(self, deadline_s: float = 5.0) -> None:
        """SIGKILL every process inside until none is left (a fork bomb is capped by pids.max)."""
        end = time.monotonic() + deadline_s
        while (pids := self.pids()) and time.monotonic() < end:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.002)

    def remove(self) -> None:
        for d in self.dirs.values():
            for _ in range(200):  # a killed task may take a moment to leave
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.005)


def _remove_orphans(parent: Path) -> None:
    """Remove empty cgroups left by graders that were killed (their pid, in the name, is gone)."""
    for d in parent.glob("cnngrade-*-*"):
        pid = d.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                d.rmdir()  # fails while a process is still inside: then it is not an orphan yet


def _own_cgroup(controller: str) -> Path:
    """Our own cgroup in a v1 hierarchy, so workers nest under whatever limits the grader runs in."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            base = Path("/sys/fs/cgroup") / controller / path.lstrip("/")
            if base.is_dir():
                return base
    raise OSError(f"no cgroup v1 {controller} hierarchy")


PR_SET_PDEATHSIG = 1


def preexec(limits: Limits, cgroup: Cgroup | None, *, per_uid: bool) -> Callable[[], None]:
    """What the child does between fork and exec: die with the grader, join the cgroup, lower rlimits.

    The parent-death signal matters when the grader itself is killed: bwrap and unshare then take
    their namespace down with them, and a process-level child does not spin on unattended.
    """
    pairs = rlimits(limits, per_uid=per_uid)
    libc = ctypes.CDLL(None, use_errno=True)

    def setup() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if cgroup is not None:
            cgroup.join()
        for which, value in pairs:
            resource.setrlimit(which, (value, value + 1 if which == resource.RLIMIT_CPU else value))

    return setup
