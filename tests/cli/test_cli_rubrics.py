"""`cnngrade rubrics` and `--rubric NAME` through the real command: the built-ins listed with their
sections and points, a built-in graded by its id and named in the report, an unknown name refused
in one line by every command that takes `--rubric`."""

import json
from pathlib import Path

import pytest
from report_factory import graded_report

from grader.cli.rubrics import RubricList
from grader.judge.rubric import Rubric
from grader.judge.rubric_catalog import BUILT_IN, DEFAULT_ID, built_in_ids, built_ins
from grader.report.models import write_report

ROOT = Path(__file__).resolve().parents[2]
CORRECT = ROOT / "submissions" / "correct_module"


def sections_of(rubric: Rubric) -> dict[str, float]:
    """Points per section, in the order the sections first appear."""
    points: dict[str, float] = {}
    for check in rubric.checks:
        points[check.section] = points.get(check.section, 0) + check.points
    return points


def test_rubrics_lists_each_built_in_with_its_sections_and_points(cnngrade):
    done = cnngrade("rubrics")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for rubric in built_ins():
        mark = " (default)" if rubric.id == DEFAULT_ID else ""
        start = lines.index(f"{rubric.id}{mark}  {rubric.max_score:g} points  {rubric.title}")
        block = lines[start + 1 : start + 1 + len(sections_of(rubric))]
        for line, (name, points) in zip(block, sections_of(rubric).items(), strict=True):
            assert line.startswith(f"  {name}  ") and f"  {points:g}  " in line, line


def test_rubrics_json_gives_the_same_figures(cnngrade):
    done = cnngrade("rubrics", "--json")
    assert done.returncode == 0, done.stderr
    listed = RubricList.model_validate_json(done.stdout)
    assert [r.id for r in listed.rubrics] == built_in_ids()
    assert [r.id for r in listed.rubrics if r.default] == [DEFAULT_ID]
    for summary, rubric in zip(listed.rubrics, built_ins(), strict=True):
        assert (summary.title, summary.max_score, summary.sha256) == (rubric.title, 100, rubric.sha256)
        assert {s.name: s.points for s in summary.sections} == sections_of(rubric)
        assert sum(s.checks for s in summary.sections) == len(rubric.checks)
        assert Path(summary.file) == BUILT_IN / f"{rubric.id}.toml"


@pytest.mark.parametrize(
    "command",
    [
        ("check", str(CORRECT)),
        ("grade", str(CORRECT), "--out", "{tmp}/out", "--secret", "s"),
        ("report", "{tmp}/reports", "--format", "csv", "--to", "{tmp}/out/grades.csv"),
        ("release", "--kit", "{tmp}/out"),
        ("release", "--gradescope", "{tmp}/out/ag.zip", "--secret-file", "{tmp}/secret"),
    ],
)
def test_an_unknown_rubric_name_is_one_line_listing_the_built_ins(cnngrade, tmp_path, command):
    write_report(graded_report(), tmp_path / "reports" / "alice.json")
    (tmp_path / "secret").write_text("s3cret\n")
    done = cnngrade(*(a.format(tmp=tmp_path) for a in command), "--rubric", "convnet_nope")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    known = ", ".join(built_in_ids())
    assert line == (
        f"cnngrade: error: no rubric 'convnet_nope': not a file, and the built-in rubrics are {known} "
        "(`cnngrade rubrics`)"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_check_grades_with_a_built_in_by_its_id_and_names_it(cnngrade):
    (rubric,) = (r for r in built_ins() if r.id == DEFAULT_ID)
    shown = cnngrade("check", CORRECT, "--rubric", DEFAULT_ID, "-k", "conv_forward.public")
    assert shown.returncode == 0, shown.stderr
    assert f"rubric {DEFAULT_ID} ({rubric.title})" in " ".join(shown.stdout.split())
    done = cnngrade("check", CORRECT, "--rubric", DEFAULT_ID, "-k", "conv_forward.public", "--json")
    report = json.loads(done.stdout)
    assert (report["rubric_id"], report["rubric_title"]) == (DEFAULT_ID, rubric.title)
    assert [c["status"] for c in report["checks"]] == ["passed"]
