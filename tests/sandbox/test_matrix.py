"""The grader runs where users run: `cnngrade check` in fresh venvs, as root and as a real user.

Cells, chosen so every factor is seen in both states with both Pythons:

    python   install   user   bubblewrap  -> level expected
    project  editable  root   present        bwrap
    project  editable  root   hidden         unshare
    project  wheel     root   present        bwrap
    debian   wheel     root   present        bwrap     (issue 17's machine: dist-packages)
    debian   wheel     user   present        bwrap     (unprivileged user namespaces)
    debian   wheel     user   hidden         process   (a student's own laptop, in effect)
    debian   editable  user   present        bwrap
    debian   editable  root   hidden         unshare
    debian   kit       user   present        bwrap     (the student kit, docs/kits.md)
    debian   kit       user   hidden         process

The user runs Debian's Python only: the project's Python here is installed under /root (mode 0700),
which no other user may execute, so a user cell with it would test the machine, not the grader.

The first cell of each Python and distribution starts from an empty cache, as on a fresh machine;
the later ones start from a copy of what that first honest check left in it and of the key that
signs it (`~/.config/cnngrade`), owned by the cell's user: filling a cache costs a check about 10 s
of CPU, and that path is already seen.

Each cell checks the correct module (full public marks, the sandbox line printed) and three hostile
examples: a fork bomb and a forged reply end as errors; `overwrite_cache` changes the grader's cache
exactly when the report says files outside the scratch dir are writable (the process level) and
never otherwise. The user is created here (useradd) and removed afterwards; bubblewrap is hidden
with a PATH that holds every usual program but it. On a machine where bubblewrap is missing or
cannot start a worker, the cells with it are skipped and those without it still run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import LEVELS, REPO, path_without

DEBIAN_PYTHON = "/usr/bin/python3"
PROJECT_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
USER = "cnngrade-matrix"
CELLS = [
    ("project", "editable", "root", True, "bwrap"),
    ("project", "editable", "root", False, "unshare"),
    ("project", "wheel", "root", True, "bwrap"),
    ("debian", "wheel", "root", True, "bwrap"),
    ("debian", "wheel", "user", True, "bwrap"),
    ("debian", "wheel", "user", False, "process"),
    ("debian", "editable", "user", True, "bwrap"),
    ("debian", "editable", "root", False, "unshare"),
    ("debian", "kit", "user", True, "bwrap"),
    ("debian", "kit", "user", False, "process"),
]
HOSTILE = ("fork_bomb", "forged_npy_header", "overwrite_cache")

pytestmark = [
    pytest.mark.matrix,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("useradd"),
        reason="the matrix needs root (to create a user)",
    ),
    pytest.mark.skipif(
        subprocess.run([DEBIAN_PYTHON, "-c", "import ensurepip"], capture_output=True).returncode != 0,
        reason="Debian's python3 has no venv module (apt install python3-venv)",
    ),
]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def world() -> Iterator[Path]:
    """A world-readable place for venvs, submissions and caches (pytest's tmp dirs are root-only)."""
    base = Path(tempfile.mkdtemp(prefix="cnngrade-matrix-"))
    base.chmod(0o755)
    subs = base / "submissions"
    shutil.copytree(REPO / "submissions" / "correct_module", subs / "correct_module")
    for name in HOSTILE:
        shutil.copyfile(REPO / "submissions" / "hostile" / f"{name}.py", subs / f"{name}.py")
    wheels = base / "wheels"
    built = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)])
    assert built.returncode == 0, built.stderr
    kit = run([sys.executable, "-m", "grader.cli", "release", "--kit", str(base / "kit")])
    assert kit.returncode == 0, kit.stderr
    run(["chmod", "-R", "a+rX", str(base)])
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def user() -> Iterator[int]:
    """A real unprivileged account, made for this test and removed after it."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        made = run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER])
        assert made.returncode == 0, made.stderr
    yield pwd.getpwnam(USER).pw_uid
    run(["userdel", USER])


class Venvs:
    """One venv per Python; switched between the wheel and an editable install of this checkout."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.mode: dict[str, str] = {}

    def get(self, python: str, mode: str) -> Path:
        if mode == "kit":
            return self._kit(python)
        venv = self.base / f"venv-{python}"
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        wheel = str(next((self.base / "wheels").glob("cnngrade-*.whl")))
        if python not in self.mode:
            made = run([PROJECT_PYTHON if python == "project" else DEBIAN_PYTHON, "-m", "venv", str(venv)])
            assert made.returncode == 0, made.stderr
            installed = run([*pip, wheel])  # with its dependencies
            assert installed.returncode == 0, installed.stderr
            self.mode[python] = "wheel"
        if self.mode[python] != mode:
            target = ["--force-reinstall", wheel] if mode == "wheel" else ["-e", str(REPO)]
            switched = run([*pip, "--no-deps", *target])
            assert switched.returncode == 0, switched.stderr
            self.mode[python] = mode
        run(["chmod", "-R", "a+rX", str(venv)])
        return venv

    def _kit(self, python: str) -> Path:
        """A venv of its own with the student kit (another distribution of the same packages)."""
        venv = self.base / f"venv-{python}-kit"
        if not venv.exists():
            made = run([PROJECT_PYTHON if python == "project" else DEBIAN_PYTHON, "-m", "venv", str(venv)])
            assert made.returncode == 0, made.stderr
            kit = str(next((self.base / "kit").glob("cnngrade_kit-*.whl")))
            installed = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", kit])
            assert installed.returncode == 0, installed.stderr
            run(["chmod", "-R", "a+rX", str(venv)])
        return venv


@pytest.fixture(scope="module")
def venvs(world: Path) -> Venvs:
    return Venvs(world)


@pytest.fixture(scope="module")
def warm_caches() -> dict[tuple[str, bool], Path]:
    """(python, kit) -> a home holding copies of the cache its first cell's honest check filled from
    empty and of the key that signs that cache's entries (without the key they are made again)."""
    return {}


WARM = ("cnngrade-cache", ".config/cnngrade")  # what a warm home holds


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "python, mode, who, bwrap, level", CELLS, ids=["-".join(map(str, cell[:4])) for cell in CELLS]
)
def test_check_grades_and_contains_in_every_cell(
    python, mode, who, bwrap, level, world, venvs, user, warm_caches
):
    if bwrap and "bwrap" not in LEVELS:  # not installed, or installed but unable to start a worker
        pytest.skip("bubblewrap cannot start a worker on this machine: only the cells without it run")
    venv = venvs.get(python, mode)
    uid = 0 if who == "root" else user
    home = Path(tempfile.mkdtemp(prefix="home-", dir=world))
    os.chown(home, uid, uid)
    cache = home / "cnngrade-cache"  # the user's own: the grader refuses a cache another user owns
    warm = warm_caches.get((python, mode == "kit"))
    if warm is not None:
        for part in WARM:
            shutil.copytree(warm / part, home / part)
        assert run(["chown", "-R", f"{uid}:{uid}", str(home)]).returncode == 0
    env = {
        "PATH": f"{venv}/bin:" + ("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" if bwrap
                                  else path_without(world / "bin", "bwrap")),
        "HOME": str(home), "TMPDIR": str(home), "CNNGRADE_CACHE": str(cache), "LANG": "C.UTF-8",
    }  # fmt: skip
    as_user = [] if uid == 0 else ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]

    def check(submission: str, *flags: str) -> subprocess.CompletedProcess:
        cmd = [*as_user, str(venv / "bin" / "cnngrade"), "check", str(world / "submissions" / submission)]
        return run([*cmd, *flags], env=env, cwd=home)

    honest = check("correct_module")
    assert honest.returncode == 0, honest.stdout[-3000:] + honest.stderr[-3000:]
    assert f"sandbox: {level}" in honest.stdout, honest.stdout[:500]
    assert re.search(r"^total (\d+) / \1 points", honest.stdout, re.M), honest.stdout  # full public marks

    if warm is None:
        warm = warm_caches[python, mode == "kit"] = world / f"warm-{python}-{mode}"
        for part in WARM:
            shutil.copytree(home / part, warm / part)
    before = tree_hashes(cache)  # the dataset and reference runs the honest check left in the cache
    for name in HOSTILE:
        result = check(f"{name}.py", "--json")
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
        report = json.loads(result.stdout)
        assert report["confinement"]["level"] == level and report["score"] == 0
        first = next(c for c in report["checks"] if c["id"] == "conv_forward.public")
        assert first["status"] in ("error", "failed"), first
        if name == "overwrite_cache":
            writable = not report["confinement"]["read_only_outside_scratch"]
            changed = tree_hashes(cache) != before
            assert changed == writable, (level, changed)
            assert bool(list(cache.rglob("planted.json"))) == writable
