"""`cnngrade check` on real example submissions, as a student and as CI run it."""

import json
import os
import subprocess
import sys

import pytest
from classroom import SUBMISSIONS, lean_rubric
from junitparser import JUnitXml

from grader.report.models import Report, Status

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rubric(tmp_path_factory):
    return lean_rubric(tmp_path_factory.mktemp("rubric") / "lean.toml")


def test_a_correct_submission_passes_its_self_check(cnngrade, rubric, tmp_path):
    out = cnngrade(
        "check", SUBMISSIONS / "correct_package", "--rubric", rubric, "--junit", tmp_path / "j.xml"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "conv_forward.public" in out.stdout and "rel_error" in out.stdout
    assert "hidden checks worth" in out.stdout  # a student's check runs the public checks only
    (suite,) = list(JUnitXml.fromfile(str(tmp_path / "j.xml")))
    assert suite.tests > 5 and suite.failures == 0 and suite.errors == 0


def test_json_prints_the_report_and_fail_under_decides_the_exit_code(cnngrade, rubric):
    path = SUBMISSIONS / "correct_module"
    out = cnngrade("check", path, "--rubric", rubric, "--json", "--fail-under", "1000")
    assert out.returncode == 1
    report = Report.model_validate_json(out.stdout)
    public = [c for c in report.checks if c.visibility == "public"]
    assert public and all(c.status is Status.passed for c in public)
    assert all(c.status is Status.skipped for c in report.checks if c.visibility == "hidden")
    assert cnngrade("check", path, "--rubric", rubric, "--fail-under", str(report.score)).returncode == 0


def test_a_broken_submission_fails_with_annotations_for_ci(cnngrade, rubric, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def conv_forward_naive(x, w, b, conv_param):\n    return None, None\n")
    out = cnngrade("check", broken, "--rubric", rubric, "--annotations")
    assert out.returncode == 1
    errors = [
        line for line in out.stdout.splitlines() if line.startswith("::error title=conv_forward.public")
    ]
    assert len(errors) == 1 and "%0A" in errors[0]  # a multi-line message stays one workflow command
    assert out.stdout.splitlines()[-1].startswith("::notice title=cnngrade score::0 / ")


def test_hidden_checks_run_with_the_secret(cnngrade, rubric):
    out = cnngrade("check", SUBMISSIONS / "correct_module", "--rubric", rubric, "--secret", "s3", "--json")
    report = Report.model_validate_json(out.stdout)
    assert out.returncode == 0, json.dumps(report.comparable(), indent=1)[:2000]
    assert report.score == report.max_score


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a directory owned by another user")
def test_a_cache_directory_owned_by_another_user_is_refused_in_one_line(tmp_path):
    # Another local user could plant reference runs there and move every threshold.
    planted = tmp_path / "cache"
    planted.mkdir()
    os.chown(planted, 65534, 65534)
    out = subprocess.run(  # the default rubric: its training checks need the cache
        [sys.executable, "-m", "grader.cli", "check", str(SUBMISSIONS / "correct_module")],
        capture_output=True,
        text=True,
        env={**os.environ, "CNNGRADE_CACHE": str(planted)},
        timeout=300,
    )
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line == f"cnngrade: error: cache directory {planted} is not a directory owned by this user; " + (
        "set CNNGRADE_CACHE"
    )


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("import numpy as np\n\n\ndef conv_forward_naive(x, w, b, conv_param):\n    out = np.zeros((1,\n"
         "    return out, None\n", "broken.py:5: '(' was never closed"),
        ("def conv_forward_naive(x, w, b, conv_param)\n    pass\n", "broken.py:1: expected ':'"),
    ],
)
def test_a_module_that_does_not_parse_is_one_line_with_its_file_and_line(cnngrade, rubric, tmp_path,
                                                                         source, where):
    broken = tmp_path / "broken.py"
    broken.write_text(source)
    out = cnngrade("check", broken, "--rubric", rubric, "--junit", tmp_path / "j.xml")
    assert out.returncode == 2
    assert out.stdout == "" and out.stderr.splitlines() == [f"cnngrade: error: {where}"]
    (suite,) = list(JUnitXml.fromfile(str(tmp_path / "j.xml")))  # CI still gets its results
    assert suite.tests > 5 and suite.failures + suite.errors + suite.skipped == suite.tests


def test_a_module_that_hangs_at_import_fails_the_check(cnngrade, rubric, tmp_path):
    """A student's CI must go red: no check can run, and the one the hang cost says so."""
    text = rubric.read_text()
    assert "call_timeout_s = 30.0" in text
    quick = tmp_path / "quick.toml"
    quick.write_text(text.replace("call_timeout_s = 30.0", "call_timeout_s = 2.0", 1))
    correct = next((SUBMISSIONS / "correct_module").glob("*.py")).read_text()
    sleepy = tmp_path / "sleepy.py"
    sleepy.write_text(f"import time\ntime.sleep(60)\n{correct}")
    out = cnngrade("check", sleepy, "--rubric", quick, "--json")
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-2000:]
    report = Report.model_validate_json(out.stdout)
    timed_out = [c for c in report.checks if c.status is Status.timeout]
    assert [c.message for c in timed_out] == ["importing sleepy timed out after 2 s"]
    assert report.score == 0
