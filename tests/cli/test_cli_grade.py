"""`cnngrade grade` and `cnngrade report` on a class of real submissions."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from classroom import lean_rubric, make_class
from junitparser import JUnitXml
from test_export_gradescope import GRADESCOPE_RESULTS

from grader.report.models import read_report

pytestmark = pytest.mark.slow


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from the kernel's children lists."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids = {int(k) for k in (task / "children").read_text().split()}
                todo += kids - found
                found |= kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_grade_a_class_then_render_it(cnngrade, tmp_path):
    rubric = lean_rubric(tmp_path / "lean.toml")
    klass = make_class(tmp_path / "class")
    out = cnngrade(
        "grade", klass, "--out", tmp_path / "reports", "--jobs", "2", "--secret", "s", "--rubric", rubric
    )
    assert out.returncode == 0, out.stdout + out.stderr
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert names == [".cnngrade-state", "alice.json", "bob.json", "carol.json", "dave.json", "erin.json"]
    reports = {p.stem: read_report(p) for p in (tmp_path / "reports").glob("*.json")}
    for name in ("alice", "bob", "carol", "dave"):
        assert reports[name].score == reports[name].max_score, name
    assert reports["erin"].score == 0 and "zip" in reports["erin"].error
    assert "5 submissions: 5 graded" in out.stdout and "erin" in out.stdout  # listed as a problem
    assert "5/5" in out.stderr  # the progress bar

    again = cnngrade("grade", klass, "--out", tmp_path / "reports", "--secret", "s", "--rubric", rubric)
    assert again.returncode == 0 and "4 already graded" in again.stdout  # erin cannot load: tried again
    for name in ("alice", "bob", "carol", "dave"):
        assert read_report(tmp_path / "reports" / f"{name}.json") == reports[name]

    site = cnngrade("report", tmp_path / "reports", "--format", "html", "--to", tmp_path / "site")
    assert site.returncode == 0, site.stderr
    index = (tmp_path / "site" / "index.html").read_text()
    assert index.count("<tr><td><a href=") == 5
    gradebook = cnngrade("report", tmp_path / "reports", "--format", "csv", "--to", tmp_path / "g.csv")
    lines = (tmp_path / "g.csv").read_text().splitlines()
    assert gradebook.returncode == 0 and len(lines) == 7  # header, max points, 5 submissions
    ci = cnngrade("report", tmp_path / "reports", "--format", "junit", "--to", tmp_path / "class.xml")
    assert ci.returncode == 0
    assert {s.name for s in JUnitXml.fromfile(str(tmp_path / "class.xml"))} == set(reports)
    gs = cnngrade(
        "report", tmp_path / "reports" / "bob.json", "--format", "gradescope", "--to", tmp_path / "r.json"
    )
    assert gs.returncode == 0
    results = json.loads((tmp_path / "r.json").read_text())
    jsonschema.validate(results, GRADESCOPE_RESULTS)
    assert results["score"] == reports["bob"].score and len(results["tests"]) == len(reports["bob"].checks)


def test_a_batch_killed_with_sigkill_resumes_to_the_same_reports(tmp_path):
    rubric = lean_rubric(tmp_path / "lean.toml")
    klass = make_class(tmp_path / "class")
    command = [
        sys.executable,
        "-m",
        "grader.cli",
        "grade",
        str(klass),
        "--secret",
        "s",
        "--rubric",
        str(rubric),
    ]
    reference = subprocess.run(
        [*command, "--out", str(tmp_path / "whole"), "--jobs", "2"], capture_output=True
    )
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "killed"
    batch = subprocess.Popen([*command, "--out", str(out), "--jobs", "2"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(out.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = descendants(batch.pid)
    assert children, "the batch grades in child processes"
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    finished = sorted(out.glob("*.json"))
    assert 1 <= len(finished) < 5, "the kill should land mid-batch"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)], "children outlived the killed batch"
    assert sorted(out.glob("*.json")) == finished
    for path in finished:
        json.loads(path.read_text())  # whole files only
        read_report(path)

    resumed = subprocess.run([*command, "--out", str(out), "--jobs", "2"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    unloadable = out / "erin.json"  # a submission that cannot load is never skipped
    assert f"{len([p for p in finished if p != unloadable])} already graded" in resumed.stdout
    assert not list(out.glob(".*.tmp"))
    for path in (tmp_path / "whole").glob("*.json"):
        assert read_report(out / path.name).comparable() == read_report(path).comparable(), path.name


def test_a_batch_removes_the_temp_dirs_a_killed_batch_left_and_only_those(
    cnngrade, tmp_path, shared_cache
):
    temp = tmp_path / "temp"
    temp.mkdir()
    dead = subprocess.Popen(["true"])  # a pid no batch runs under: its process is gone
    dead.wait()
    day_old = time.time() - 25 * 3600
    dirs = {
        "stale": temp / f"cnngrade-job-{dead.pid}-a1",  # the one to remove
        "running": temp / f"cnngrade-job-{os.getpid()}-b2",  # a batch that still runs
        "recent": temp / f"cnngrade-job-{dead.pid}-c3",  # perhaps a batch in another pid namespace
        "other": temp / "cnngrade-jobs-notes",  # not a job dir
    }
    for name, path in dirs.items():
        (path / "cnngrade-worker-x").mkdir(parents=True)
        if name != "recent":
            os.utime(path, (day_old, day_old))
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "typo.py").write_text("def conv_forward_naive(x, w, b, conv_param:\n    pass\n")
    rubric = lean_rubric(tmp_path / "lean.toml")
    out = cnngrade(
        "grade", klass, "--out", tmp_path / "out", "--secret", "s", "--rubric", rubric,
        env={"TMPDIR": str(temp), "CNNGRADE_CACHE": str(shared_cache)},
    )  # fmt: skip
    assert out.returncode == 0 and len(list((tmp_path / "out").glob("*.json"))) == 1, out.stdout + out.stderr
    assert {name for name, path in dirs.items() if path.exists()} == {"running", "recent", "other"}


def test_a_submission_that_outlives_its_budget_is_killed_and_the_batch_goes_on(
    cnngrade, tmp_path, shared_cache
):
    rubric = lean_rubric(tmp_path / "lean.toml")
    temp = tmp_path / "temp"  # the command's temp dir: the killed grading's files must not stay in it
    temp.mkdir()
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "sleeper.py").write_text(
        "import time\n\n\ndef conv_forward_naive(x, w, b, conv_param):\n    time.sleep(10**9)\n"
    )
    (klass / "typo.py").write_text("def conv_forward_naive(x, w, b, conv_param:\n    pass\n")
    out = cnngrade(
        "grade", klass, "--out", tmp_path / "out", "--secret", "s", "--rubric", rubric, "--timeout", "4",
        env={"TMPDIR": str(temp), "CNNGRADE_CACHE": str(shared_cache)},
    )  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr
    assert list(temp.iterdir()) == []
    assert [p.name for p in (tmp_path / "out").glob("*.json")] == ["typo.json"]
    assert "sleeper: grading took longer than" in out.stdout
    assert "1 graded" in out.stdout and "1 not graded" in out.stdout
