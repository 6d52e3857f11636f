"""The README's figures and commands are the ones the project really has."""

from __future__ import annotations

import re
from pathlib import Path

from grader.load.discovery import find_submissions

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_count_of_bundled_examples_is_what_grade_finds():
    counts = {int(n) for n in re.findall(r"The (\d+) bundled examples", README)}
    assert counts, "the README no longer says how many bundled examples there are"
    assert counts == {len(find_submissions([ROOT / "submissions"]))}


def test_ci_runs_the_readmes_test_command():
    (command,) = re.findall(r"^# 2\. run the tests\n(.+)$", README, flags=re.MULTILINE)
    assert command.strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
