"""An empty secret is no secret: hidden checks never run seeded by "" (issue 12)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.judge.rubric import load_rubric
from grader.report.models import Report, Status
from grader.run.grade import GradeOptions, inputs_key

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "convnet.toml"


def _cnngrade(*args: object, cache: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CNNGRADE_CACHE": str(cache), **(env or {})},
    )


@pytest.mark.parametrize("secret", ["", "   ", "\n"])
def test_a_blank_secret_does_not_run_hidden_checks(secret):
    assert not GradeOptions(secret=secret).runs_hidden
    assert GradeOptions(secret="s").runs_hidden


def test_a_blank_secret_is_graded_like_no_secret():
    rubric = load_rubric(RUBRIC)
    assert inputs_key(rubric, GradeOptions(secret=""), "abc", "builtin") == inputs_key(
        rubric, GradeOptions(), "abc", "builtin"
    )


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_grade_refuses_a_blank_secret_in_one_line(how, tmp_path):
    args = ["grade", ROOT / "submissions" / "correct_module", "--out", tmp_path / "out"]
    env = {"CNNGRADE_SECRET": ""}
    cache = tmp_path / "cache"  # refused before any cache is read
    flags = ["--secret", " "] if how == "flag" else []
    out = _cnngrade(*args, *flags, cache=cache, env=None if flags else env)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("cnngrade: error: grading needs a non-empty instructor secret")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_check_with_a_blank_secret_skips_hidden_checks_and_says_so(tmp_path, shared_cache):
    head, *blocks = RUBRIC.read_text().split("[[checks]]")
    rubric = tmp_path / "two.toml"  # conv_forward.public and conv_forward.hidden
    rubric.write_text(head + "".join("[[checks]]" + b for b in blocks[:2]))
    module = ROOT / "submissions" / "correct_module" / "convnet_hw.py"
    args = ["check", module, "--rubric", rubric, "--json"]
    out = _cnngrade(*args, cache=shared_cache, env={"CNNGRADE_SECRET": ""})
    note = "cnngrade: note: the secret is empty, so hidden checks are skipped"
    assert out.stderr.strip().splitlines() == [note]
    report = Report.model_validate_json(out.stdout)
    hidden = [c for c in report.checks if c.visibility == "hidden"]
    assert hidden and all(c.status is Status.skipped for c in hidden)


@pytest.mark.parametrize(
    ("flag", "environment", "secret", "blank"),
    [
        (None, None, None, False),
        (None, "", None, True),
        ("", "", None, True),  # an empty flag defers to the environment, as before
        ("", "env", "env", False),
        (" ", "env", None, True),  # a blank flag is not replaced by the environment's secret
        ("s", "", "s", False),
    ],
)
def test_the_secret_the_command_line_uses(flag, environment, secret, blank, monkeypatch):
    import argparse

    from grader.cli import common as cli

    if environment is None:
        monkeypatch.delenv("CNNGRADE_SECRET", raising=False)
    else:
        monkeypatch.setenv("CNNGRADE_SECRET", environment)
    args = argparse.Namespace(secret=flag)
    assert cli.secret(args) == secret
    assert cli.blank_secret(args) is blank
