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
  and may write whatever the grader's user may. Off Linux (or when forced, so the
  tests keep it working) it is *portable*: no memfd, no prctl, no cgroups.

All levels get the same rlimits and, where one can be created, a memory+pids+cpu
cgroup (v2 where the grader may write a v2 subtree, else v1; it binds root too).
Which level a machine offers is decided by starting a real worker (worker.py),
not by these commands alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shlex
import shutil
import signal
import site
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cgroups import Cgroup
from .limits import Limits

try:
    import resource
except ImportError:  # Windows: no rlimits
    resource = None  # type: ignore[assignment]

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

    def hidden_sites(self) -> list[str]:
        """The interpreter's own package dirs that exist: hidden, they may hold anything (even
        `reference`). Debian's Python keeps them in dist-packages, some under /usr/local."""
        paths = sysconfig.get_paths(vars={"base": self.prefix, "platbase": self.prefix})
        found = [paths["purelib"], paths["platlib"], *site.getsitepackages([self.prefix])]
        return sorted({os.path.realpath(p) for p in found if os.path.isdir(p)})

    def readonly(self) -> list[str]:
        dirs = [self.prefix, *self.site_dirs(), str(self.runtime), str(self.root)]
        return dirs + [str(d) for d in self.ro_dirs]


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


LINUX = sys.platform == "linux"


def missing_prerequisite(level: str) -> str | None:
    """Why `level` cannot even be tried here (None: try it by starting a worker)."""
    if level == "process":
        return None
    if not LINUX:
        return "needs Linux namespaces"
    if level == "bwrap":
        return None if shutil.which("bwrap") else "bubblewrap (bwrap) is not installed"
    if not _is_root():
        return "needs root"
    missing = [t for t in ("unshare", "setpriv", "chroot", "mount") if not shutil.which(t)]
    return f"{', '.join(missing)} not found" if missing else None


def _tool(name: str) -> str:
    """A program as found on the grader's PATH (the child's minimal PATH must not pick another one),
    with links resolved: setpriv runs inside the sandbox, where only system dirs are visible."""
    found = shutil.which(name)
    return os.path.realpath(found) if found else name


def _drop_privileges(uid: int) -> list[str]:
    """setpriv to an unprivileged uid with no capabilities and no_new_privs (only possible as root)."""
    if not _is_root():
        return []
    return [
        _tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]  # fmt: skip


def bwrap_command(layout: Layout, limits: Limits, uid: int, python_cmd: list[str]) -> list[str]:
    cmd = [_tool("bwrap")]
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
    # The interpreter first, its package dirs covered by empty tmpfs, then the rest: numpy may live
    # in one of those very dirs (no venv), and its bind then lands on the tmpfs.
    prefix, *others = layout.readonly()
    cmd += ["--ro-bind", prefix, prefix]
    for hidden in layout.hidden_sites():
        cmd += ["--tmpfs", hidden]
    for path in others:
        cmd += ["--ro-bind", path, path]
    for hidden in layout.hidden_sites():
        cmd += ["--remount-ro", hidden]
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
    hidden = [f"{r}{q(h)}" for h in layout.hidden_sites()]
    for i, path in enumerate(layout.readonly()):  # the interpreter first, then its package dirs hidden
        lines += [f"mkdir -p {r}{q(path)}", f"mount -o bind,ro,nosuid,nodev {q(path)} {r}{q(path)}"]
        if i == 0:
            lines += [f"mount -t tmpfs -o size=1m,mode=755 none {h}" for h in hidden]
    lines += [f"mount -o remount,ro {h}" for h in hidden]
    scratch = q(str(layout.scratch))
    scratch_opts = f"size={limits.scratch_mb}m,mode=1777"
    lines += [f"mkdir -p {r}{scratch}", f"mount -t tmpfs -o {scratch_opts} none {r}{scratch}"]
    lines += [f"mkdir -p {r}/proc", f"mount -t proc -o nosuid,nodev,noexec proc {r}/proc"]
    lines.append(f"mount -o remount,bind,ro {r}")
    # Not exec (and not last, which sh may exec anyway): this shell stays pid 1 of the namespace with
    # unshare's parent-death signal, which setpriv's change of uid would clear in the child itself.
    # When the grader dies, unshare, this shell and with it the whole namespace die.
    chroot = q(_tool("chroot"))
    lines += [f"{chroot} {r} " + shlex.join(_drop_privileges(uid) + python_cmd), "exit $?"]
    unshare = [_tool("unshare"), "--mount", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--uts"]
    return [*unshare, "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(lines)]


def process_command(python_cmd: list[str]) -> list[str]:
    """The process level's worker under a keeper shell, as bwrap's init and unshare's shell are at
    theirs: code that kills its parent (`kill_parent.py`) hits the keeper, not the grader. (It does
    not stop code that looks for the grader's pid: same uid, see docs/security.md.)"""
    return ["/bin/sh", "-c", '"$@"\nexit $?', "cnngrade-keeper", *python_cmd]


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
    if resource is None:
        return []
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


PR_SET_PDEATHSIG = 1


def preexec(limits: Limits, cgroup: Cgroup | None, *, per_uid: bool, portable: bool) -> Callable[[], None]:
    """What the child does between fork and exec: die with the grader, join the cgroup, lower rlimits.

    The parent-death signal matters when the grader itself is killed: bwrap and unshare then take
    their namespace down with them, and a process-level child does not spin on unattended. It is
    Linux's prctl, so the portable process level goes without (its child sees the request pipe
    close instead, and exits).
    """
    pairs = rlimits(limits, per_uid=per_uid)
    libc = None if portable else ctypes.CDLL(None, use_errno=True)

    def setup() -> None:
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if cgroup is not None:
            cgroup.join()
        for which, value in pairs:
            # Off Linux some are refused (macOS: RLIMIT_AS): there they are best effort.
            with contextlib.nullcontext() if LINUX else contextlib.suppress(ValueError, OSError):
                resource.setrlimit(which, (value, value + 1 if which == resource.RLIMIT_CPU else value))

    return setup
