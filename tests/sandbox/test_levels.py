"""Choosing the level by starting a real worker, falling back, and saying what was in force.

The machine's tools are hidden or broken for real: a PATH without bwrap, or with a `bwrap` that
cannot start anything. Each case runs in a fresh interpreter, since the probe is cached per process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.isolate.worker import select_level
from grader.judge.rubric_catalog import DEFAULT_ID, load_built_in
from grader.run.batch import plan
from grader.run.grade import GradeOptions, prepare_training

from .conftest import HOSTILE, LEVELS, REPO, path_without, write_module
from .test_hostile import NEEDS_NAMESPACES

pytestmark = pytest.mark.skipif(
    "bwrap" not in LEVELS or "unshare" not in LEVELS, reason="needs root with bubblewrap installed"
)

SELECT = """
import json, sys
from grader.run.batch import plan
from grader.isolate.worker import select_level
from grader.isolate import IsolationError
try:
    level, not_used = select_level(None, sys.argv[1] or None)
    print(json.dumps({"level": level, "not_used": not_used}))
except IsolationError as e:
    print(json.dumps({"refused": str(e)}))
"""


def select_in_fresh_process(path: str, min_isolation: str = "") -> dict:
    env = {**os.environ, "PATH": path}
    out = subprocess.run(
        [sys.executable, "-c", SELECT, min_isolation], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_without_bwrap_the_next_level_is_used_and_the_reason_recorded(tmp_path):
    result = select_in_fresh_process(path_without(tmp_path / "bin", "bwrap"))
    assert result == {"level": "unshare", "not_used": {"bwrap": "bubblewrap (bwrap) is not installed"}}


def test_a_bwrap_that_cannot_start_a_worker_falls_back(tmp_path):
    # The probe command of old (bwrap ... true) would pass here; only starting a real worker fails.
    broken = '#!/bin/sh\ncase "$*" in *python*) echo "bwrap: Can\'t mkdir /nowhere: Read-only file system" >&2; exit 1;; esac\nexit 0\n'  # noqa: E501
    result = select_in_fresh_process(path_without(tmp_path / "bin", "bwrap", replacements={"bwrap": broken}))
    assert result["level"] == "unshare"
    assert "did not start" in result["not_used"]["bwrap"]
    assert "Read-only file system" in result["not_used"]["bwrap"]


def test_a_worker_that_closes_its_pipes_before_it_exits_is_reported_by_its_exit_status(tmp_path):
    """The reply pipe's end comes before the process's end: the reason waits for the exit status
    (it said "no answer" when the machine was slow to reap, and reports then differed by load)."""
    closes_then_exits = (
        f"#!{sys.executable}\nimport os, sys, time\nif any('python' in a for a in sys.argv):\n"
        "    os.closerange(3, 4096)\n    time.sleep(0.5)\n    sys.exit(3)\n"
    )
    bin_dir = tmp_path / "bin"
    result = select_in_fresh_process(
        path_without(bin_dir, "bwrap", replacements={"bwrap": closes_then_exits})
    )
    assert result["level"] == "unshare"
    assert result["not_used"]["bwrap"] == "a worker did not start (the worker exited with status 3)"


def test_min_isolation_still_refuses_below_its_level_and_says_why(tmp_path):
    result = select_in_fresh_process(path_without(tmp_path / "bin", "bwrap"), "bwrap")
    assert "below the required 'bwrap'" in result["refused"]
    assert "bubblewrap (bwrap) is not installed" in result["refused"]


def test_a_forced_level_that_cannot_start_is_refused_not_replaced():
    with pytest.raises(ValueError, match="unknown isolation level"):
        select_level("docker", None)
    assert select_level("process", None) == ("process", {})


@pytest.mark.parametrize("level", LEVELS)
def test_the_confinement_says_what_is_in_force(level, tmp_path, worker_for):
    bundle = write_module(tmp_path, "m", "def ok():\n    return 'ok'\n", ["ok"])
    worker = worker_for(bundle, level)
    c = worker.confinement
    assert c is not None and c.level == level and not c.portable
    confined = level != "process"
    assert (c.network_isolated, c.answer_key_hidden, c.read_only_outside_scratch) == (confined,) * 3
    assert c.private_uid == confined  # the tests run as root
    assert c.memory == c.pids == c.cpu_share == worker._state["child"].cgroup.kind
    assert c.cpu_time == "rlimit"
    assert level in c.line() and c.memory in c.line()


def test_the_portable_process_level_crosses_large_arrays_through_pipes_alone(tmp_path, worker_for):
    code = "import os\n\ndef echo(x):\n    return x, [os.path.realpath(f'/proc/self/fd/{fd}') for fd in os.listdir('/proc/self/fd')]\n"  # noqa: E501
    bundle = write_module(tmp_path, "echo", code, ["echo"])
    worker = worker_for(bundle, "process", portable=True)
    x = np.random.default_rng(0).standard_normal((100, 3, 32, 32))  # 2.4 MB: the shared region's size class
    value, fds = worker.call("echo", x).value
    np.testing.assert_array_equal(value, x)
    assert not any("memfd" in fd for fd in fds), fds
    assert worker._state["child"].shared is None
    c = worker.confinement
    assert c.portable and c.level == "process" and "portable" in c.line()
    assert (c.memory, c.pids, c.cpu_share, c.cpu_time) == ("rlimit", "none", "none", "rlimit")


def test_the_portable_mode_is_only_the_process_level(tmp_path, worker_for, monkeypatch):
    monkeypatch.setenv("CNNGRADE_PORTABLE", "1")
    level, not_used = select_level(None, None)
    assert level == "process" and set(not_used) == {"bwrap", "unshare"}
    bundle = write_module(tmp_path, "m", "def ok():\n    return 'ok'\n", ["ok"])
    assert worker_for(bundle, None).confinement.portable


def cli(args: list[str], path: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path, "CNNGRADE_CACHE": str(cache)}
    command = [sys.executable, "-m", "grader.cli", *args]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=3600)


def test_grade_refuses_the_process_level_without_the_explicit_flag_in_one_line(tmp_path):
    only_process = path_without(tmp_path / "bin", "bwrap", "unshare")
    args = ["grade", "submissions/correct_module", "--out", str(tmp_path / "out"), "--secret", "s"]
    refused = cli(args, only_process, tmp_path / "cache")
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert "'process' is below the required 'unshare'" in line and "--allow-process-isolation" in line
    assert "bubblewrap (bwrap) is not installed" in line and "unshare not found" in line
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))


# One example of each kind the bundled folder holds, not all 89: each example is graded on its own
# by the test of its kind (tests/checks/test_grade.py, test_norm_checks.py, tests/loader/test_ports.py,
# test_course_years.py, tests/sandbox/test_hostile*.py) and every hostile one is contained at every
# level by test_hostile; grading the whole folder at both levels took 7 of the suite's 16 minutes.
PROCESS_LEVEL_EXAMPLES = (
    "correct_module", "correct_notebook", "correct_package", "partial", "syntax_error",
    "course_2016_python2", "course_2022_notebook_only", "buggy/conv_no_padding", "ports/annp.zip",
    "hostile/fork_bomb.py", "hostile/memory_bomb.py", "hostile/sleep_forever.py", "hostile/segfault.py",
    "hostile/kill_parent.py",
)  # fmt: skip
# The unshare level also grades the other layouts and the examples that attack the host itself,
# which only the namespaces contain.
UNSHARE_LEVEL_EXAMPLES = (
    *PROCESS_LEVEL_EXAMPLES, "course_2017", "course_2018_spatial_norm", "course_2017_float_sizes",
    "buggy_norm/spatial_bn_no_transpose", "ports/cs682", "ports/nndl_split", "ports/relative_imports",
    "hostile/forgery/constant_loss_net.py", "hostile/grading/replay_hidden_args.py",
    "hostile/train_label_lookup",
    *(f"hostile/{name}.py" for name in sorted(NEEDS_NAMESPACES) if (HOSTILE / f"{name}.py").exists()),
)  # fmt: skip


# What each level's run hides from PATH and the flag it needs.
HIDDEN_FOR = {"unshare": (("bwrap",), []), "process": (("bwrap", "unshare"), ["--allow-process-isolation"])}


# A class each, so pytest-xdist (`--dist loadscope`) runs the two levels on different workers: at
# two and three minutes they were the longest stretch of the suite that nothing could run beside.
@pytest.mark.slow
class TestTheReadmesFirstCommandAtUnshare:
    def test_grades_every_kind_without_bubblewrap(self, tmp_path, shared_cache):
        readmes_first_command("unshare", UNSHARE_LEVEL_EXAMPLES, tmp_path, shared_cache)


@pytest.mark.slow
class TestTheReadmesFirstCommandAtProcess:
    def test_grades_every_kind_without_bubblewrap_or_unshare(self, tmp_path, shared_cache):
        readmes_first_command("process", PROCESS_LEVEL_EXAMPLES, tmp_path, shared_cache)


def readmes_first_command(level: str, examples: tuple[str, ...], tmp_path: Path, shared_cache: Path) -> None:
    """`cnngrade grade submissions --out DIR --secret demo-secret && cnngrade report DIR --format html`
    on a machine without bubblewrap, on a folder with one example of each kind.

    At the process level none of the examples that attack the host itself are graded (the ones
    test_hostile skips there): they succeed by design at that level, and run as root on a shared
    machine they do real damage -- this test once let overwrite_reports.py rewrite every .json
    under /tmp.
    """
    if level == "process":
        assert not NEEDS_NAMESPACES & {Path(n).stem for n in examples}
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in examples:  # side by side: a folder of several would be one student's hand-in
        source = REPO / "submissions" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, submissions / source.name)
    hidden, flags = HIDDEN_FOR[level]
    path = path_without(tmp_path / "bin", *hidden)
    out = tmp_path / "reports"
    # The examples that attack the grader's cache (unshare only) get a cache of their own.
    cache = warm_copy(shared_cache, tmp_path / "cache") if level == "unshare" else shared_cache
    command = ["grade", str(submissions), "--out", str(out), "--secret", "demo-secret", *flags]
    graded = cli(command, path, cache)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    rendered = cli(["report", str(out), "--format", "html", "--to", str(out / "html")], path, cache)
    assert rendered.returncode == 0, rendered.stderr
    assert (out / "html" / "index.html").is_file()
    reports = [json.loads(p.read_text()) for p in out.glob("*.json")]
    assert len(reports) == len(plan([submissions], out))  # every submission has its report
    assert {r["confinement"]["level"] for r in reports if r["confinement"]} == {level}
    assert len(reports) == len(examples)
    scores = {r["submission"]["name"]: r["score"] for r in reports}
    full = [Path(n).stem for n in examples if n.startswith(("correct_", "ports/"))]
    assert {name: scores[name] for name in full} == dict.fromkeys(full, 100.0)
    attacks = [
        Path(n).stem for n in examples if n.count("/") == 1 and n.startswith("hostile/") and n.endswith(".py")
    ]
    assert {name: scores[name] for name in attacks} == dict.fromkeys(attacks, 0.0)


def warm_copy(shared_cache: Path, to: Path) -> Path:
    """A copy of the shared cache holding the default rubric's reference runs, which a cold cache
    makes before grading (about 11 s of CPU): a copy is all the attacks on the cache may spoil."""
    options = GradeOptions(secret="demo-secret", cache_dir=shared_cache)
    prepare_training(load_built_in(DEFAULT_ID), options)
    # Lock files and half-written entries (dot-named) are other workers' business, not the cache's.
    shutil.copytree(shared_cache, to, ignore=shutil.ignore_patterns("*.lock", ".*"))
    return to


def test_a_students_check_at_the_portable_level_says_so_and_grades_in_full(tmp_path):
    env = {**os.environ, "CNNGRADE_PORTABLE": "1", "CNNGRADE_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "grader.cli", "check", "submissions/correct_module"]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    # The sandbox line, as wide as it needs: the table wraps it to the terminal's width.
    paragraph = result.stdout[result.stdout.index("sandbox:") :].split("\n\n")[0]
    line = " ".join(paragraph.split())
    assert line.startswith("sandbox: process (portable)") and "ANSWER KEY READABLE" in line
    assert "bwrap: portable mode" in line
    assert re.search(r"^total (\d+) / \1 points", result.stdout, re.M), result.stdout  # full public marks
