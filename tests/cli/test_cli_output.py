"""What the instructor's terminal, files and gradebook get when students are hostile, and how
`check` looks on a terminal: the real command in real processes, on real submissions."""

import csv
import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from classroom import SUBMISSIONS, lean_rubric
from report_factory import buggy_report, graded_report

from grader.judge.rubric import load_rubric
from grader.report.models import Report, read_report, write_report
from grader.run.batch import grade_all, plan
from grader.run.grade import GradeOptions

# Only the reference_match checks: real grading in seconds.
SLOW_KINDS = (
    "train",
    "fast_speedup",
    "numeric_gradient",
    "fast_agreement",
    "cnn_init",
    "initial_loss",
    "cnn_gradient",
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
EVIL = """
def conv_forward_naive(x, w, b, conv_param):
    raise ValueError("bad pad \\ud800\\x1b[2J\\r\\ntotal 100 / 100 points; every check passed")


def max_pool_forward_naive(x, pool_param):
    import numpy as np
    return np.full((1, 1), np.nan), None
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return lean_rubric(tmp_path_factory.mktemp("rubric") / "tiny.toml", drop_kinds=SLOW_KINDS)


@pytest.fixture(scope="module")
def module():
    return next((SUBMISSIONS / "correct_module").glob("*.py"))


def hostile_class(root: Path, module: Path) -> Path:
    root.mkdir()
    shutil.copy(module, root / "alice.py")
    (root / "ev\x1b[31mil\rX\nname.py").write_text(EVIL)
    shutil.copy(SUBMISSIONS / "hostile" / "nan_result.py", root / "nan_result.py")
    return root


@pytest.mark.slow
def test_a_hostile_class_is_graded_and_a_poisoned_folder_still_renders_in_every_format(
    cnngrade, tiny, module, tmp_path
):
    klass, out = hostile_class(tmp_path / "class", module), tmp_path / "out"
    first = cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", tiny, "--jobs", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "\x1b" not in first.stdout + first.stderr and "\r" not in first.stdout + first.stderr
    reports = {p.name: read_report(p) for p in out.glob("*.json")}
    assert len(reports) == 3 and "3 graded" in first.stdout
    evil = next(r for r in reports.values() if r.submission.name.startswith("ev"))
    assert "\ufffd" in evil.checks[0].message and "\ud800" not in evil.checks[0].message

    # Poison the folder: a file that is not a report, a report of the same submission twice, and a
    # report as an older grader wrote it (NaN timings as null).
    (out / "zed.json").write_text('{"schema_version": 1, "score": NaN')
    shutil.copy(out / "alice.json", out / "alice-copy.json")
    old = json.loads((out / "nan_result.json").read_text())
    old["duration_s"] = None
    old["checks"][0]["duration_s"] = None
    (out / "nan_result.json").write_text(json.dumps(old))

    (out / "alice.json").write_text('{"score": NaN, "checks": [')  # a damaged report of a submission

    again = cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", tiny)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 submissions: 1 graded, 2 already graded" in again.stdout  # alice again, the rest skipped
    assert read_report(out / "alice.json").score == read_report(out / "alice-copy.json").score

    targets = {"csv": "g.csv", "junit": "j.xml", "html": "site", "gradescope": "gs"}
    for fmt, target in targets.items():
        done = cnngrade("report", out, "--format", fmt, "--to", tmp_path / target)
        assert done.returncode == 1, done.stderr  # written, but one file was not a report
        assert "skipped zed.json is not a cnngrade report" in done.stderr
        assert "alice, alice: reports of the same submission (same sha256)" in done.stderr
        assert "(4 reports, 1 unreadable file skipped)" in done.stdout
        assert "\x1b" not in done.stdout + done.stderr
    rows = list(csv.DictReader((tmp_path / "g.csv").open(newline="")))
    assert [r["submission"] for r in rows][-1] == "zed" and "not a cnngrade report" in rows[-1]["error"]
    assert all("\x1b" not in cell for row in rows for cell in row.values())
    assert "zed.json is not a cnngrade report" in (tmp_path / "site" / "index.html").read_text()
    assert len(list((tmp_path / "gs").glob("*.results.json"))) == 4


def test_a_grader_failure_becomes_a_minimal_report_and_the_batch_goes_on(tmp_path, tiny):
    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("alice", "bob", "carol"):
        (klass / f"{name}.py").write_text("x = 1\n")
    jobs = plan([klass], tmp_path / "out")
    (tmp_path / "out").mkdir()
    # A scratch folder that does not exist: grading fails in the grader itself, for every submission.
    options = GradeOptions(secret="s", scratch_dir=tmp_path / "missing")
    outcomes = grade_all(jobs, load_rubric(tiny), options, workers=2, timeout_s=120)
    assert [o.state for o in outcomes] == ["graded"] * 3
    for job in jobs:
        report = read_report(job.target)
        assert report.submission.name == job.name and report.score == 0
        assert report.error.startswith("not graded: the grader failed: FileNotFoundError")
        assert report.inputs_key == ""  # the next run grades it again


def run_in_pty(args: list[str], columns: int, env: dict[str, str]) -> str:
    """The command with its stdout on a pseudo-terminal `columns` wide; what the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120])
def test_check_fits_the_terminal_and_colours_only_a_terminal(tmp_path, tiny, columns):
    evil = tmp_path / "evil.py"
    evil.write_text(EVIL)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    seen = run_in_pty(["check", evil, "--rubric", tiny], columns, {**env, "TERM": "xterm"})
    plain = ANSI.sub("", seen)
    assert "\x1b[31mERROR\x1b[0m" in seen or "\x1b[35mERROR\x1b[0m" in seen
    assert max(map(len, plain.splitlines())) <= columns
    assert "ValueError: bad pad" in plain and "\x1b[2J" not in seen  # the student's ESC is shown, not sent
    no_color = run_in_pty(
        ["check", evil, "--rubric", tiny], columns, {**env, "NO_COLOR": "1", "TERM": "xterm"}
    )
    assert "\x1b" not in no_color.replace("\\x1b", "")
    piped = subprocess.run(
        [sys.executable, "-m", "grader.cli", "check", str(evil), "--rubric", str(tiny)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": str(columns)},
    )
    assert piped.returncode == 1 and "\x1b" not in piped.stdout
    assert max(map(len, piped.stdout.splitlines())) <= columns
    assert piped.stdout.replace("\x1b", "") == no_color


@pytest.mark.slow
def test_quiet_keyword_and_fail_under(cnngrade, tiny, module):
    quiet = cnngrade("check", module, "--rubric", tiny, "-q")
    assert quiet.returncode == 0 and quiet.stdout.splitlines() == [
        "total 5 / 5 points; 2 of 2 checks run passed"
    ]
    pools = cnngrade("check", module, "--rubric", tiny, "-k", "max_pool")
    listed = [line.split()[1] for line in pools.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert listed == ["max_pool_forward.public"]
    assert "total 2 / 2 points; 1 of 1 checks run passed" in pools.stdout
    part = Report.model_validate_json(
        cnngrade("check", module, "--rubric", tiny, "-k", "pool", "--json").stdout
    )
    assert [c.id for c in part.checks] == [
        "max_pool_forward.public",
        "max_pool_forward.hidden",
        "max_pool_backward.hidden",
    ]
    assert part.rubric_sha256 != load_rubric(tiny).sha256  # a part of the rubric does not pass for all of it
    none = cnngrade("check", module, "--rubric", tiny, "-k", "nothing-like-this")
    assert none.returncode == 2 and "no check matches" in none.stderr
    high = cnngrade("check", module, "--rubric", tiny, "--fail-under", "1000", "-q")
    assert (
        high.returncode == 1 and "--fail-under 1000 is above the most this rubric gives (33)" in high.stderr
    )


@pytest.mark.slow
def test_grade_refuses_another_secret_and_regrades_what_it_is_told(cnngrade, tiny, module, tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    for name in ("alice", "bob"):
        shutil.copy(module, klass / f"{name}.py")
    assert cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", tiny).returncode == 0
    other = cnngrade("grade", klass, "--out", out, "--secret", "t", "--rubric", tiny)
    assert other.returncode == 2 and "graded with another secret or rubric" in other.stderr
    forced = cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", tiny, "--force", "alice")
    assert "1 graded, 1 already graded" in forced.stdout, forced.stdout + forced.stderr
    only = cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", tiny, "--only", "bob")
    assert "1 submissions: 0 graded, 1 already graded" in only.stdout
    redo = cnngrade("grade", klass, "--out", out, "--secret", "t", "--rubric", tiny, "--regrade-all")
    assert redo.returncode == 0 and "2 graded" in redo.stdout
    assert cnngrade("grade", klass, "--out", out, "--secret", "t", "--rubric", tiny).returncode == 0


@pytest.mark.parametrize("command", ["check", "grade", "report", "schema"])
def test_every_command_s_help_shows_defaults_and_an_example(cnngrade, command):
    out = cnngrade(command, "--help")
    assert out.returncode == 0 and "examples:" in out.stdout and f"cnngrade {command}" in out.stdout
    if command != "schema":
        assert "default:" in out.stdout
    assert os.environ.get("CNNGRADE_SECRET", "\0") not in out.stdout


def test_gradescope_without_to_writes_results_json_for_one_and_a_folder_for_several(cnngrade, tmp_path):
    folder = tmp_path / "reports"
    for report in (graded_report(), buggy_report()):
        write_report(report, folder / f"{report.submission.name}.json")
    work = tmp_path / "work"
    work.mkdir()
    one = cnngrade("report", folder / "bob.json", "--format", "gradescope", cwd=work)
    assert one.returncode == 0 and (work / "results.json").is_file()
    several = cnngrade("report", folder, "--format", "gradescope", cwd=work)
    assert several.returncode == 0 and sorted(p.name for p in (work / "gradescope").iterdir()) == [
        "alice.results.json",
        "bob.results.json",
    ]
    wrong = cnngrade("report", folder, "--format", "gradescope", "--to", work / "r.json", cwd=work)
    assert wrong.returncode == 2 and "name a folder" in wrong.stderr and not (work / "r.json").exists()
