import csv
import json

import jsonschema
import pytest
from report_factory import buggy_report, graded_report, unloadable_report

from grader.report.models import Report, write_report


@pytest.fixture
def report_dir(tmp_path):
    folder = tmp_path / "reports"
    for report in (graded_report(), buggy_report(), unloadable_report()):
        write_report(report, folder / f"{report.submission.name}.json")
    return folder


def test_schema_prints_both_json_schemas_that_validate_a_real_report(cnngrade):
    out = cnngrade("schema")
    assert out.returncode == 0, out.stderr
    schemas = json.loads(out.stdout)
    assert set(schemas) == {"rubric", "report"}
    jsonschema.validate(json.loads(buggy_report().model_dump_json()), schemas["report"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": "lots"}, schemas["report"])
    only = json.loads(cnngrade("schema", "rubric").stdout)
    assert only == schemas["rubric"] and "checks" in only["properties"]


@pytest.mark.parametrize(
    ("fmt", "target", "first"),
    [
        ("gradescope", "gs", "alice.results.json"),
        ("junit", "junit.xml", "junit.xml"),
        ("csv", "grades.csv", "grades.csv"),
        ("html", "site", "index.html"),
    ],
)
def test_report_renders_every_format(cnngrade, report_dir, tmp_path, fmt, target, first):
    out = cnngrade("report", report_dir, "--format", fmt, "--to", tmp_path / target)
    assert out.returncode == 0, out.stderr
    assert f"{first}" in out.stdout and "(3 reports)" in out.stdout
    if fmt == "csv":
        maxima, *rows = list(csv.DictReader((tmp_path / target).open(newline="")))
        assert maxima["submission"] == "(max points)"
        assert [r["score"] for r in rows] == ["100", "36", "0"]
    if fmt == "html":
        assert {p.name for p in (tmp_path / target).iterdir()} == {
            "index.html",
            "alice.html",
            "bob.html",
            "carol.zip.html",
        }


def test_report_of_one_file_for_gradescope_writes_results_json(cnngrade, report_dir, tmp_path):
    out = cnngrade(
        "report", report_dir / "bob.json", "--format", "gradescope", "--to", tmp_path / "results.json"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 36


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "{tmp}/nowhere", "--format", "csv"], "no such file or folder"),
        (["report", "{tmp}/empty", "--format", "csv"], "no reports"),
        (["report", "{tmp}/junk", "--format", "csv"], "is not a cnngrade report"),
        (["report", "{reports}", "--format", "csv", "--to", "/proc/grades.csv"], "cannot write"),
        (["check", "{tmp}/nowhere.py"], "no such file or folder"),
        (["check", "{tmp}/junk/a.py", "--rubric", "{tmp}/junk/x.json"], "not valid TOML"),
        (["check", "{tmp}/junk/x.json"], "not a submission"),
        (["check", "{tmp}/empty"], "no submissions"),
        (["grade", "{tmp}/empty", "--out", "{tmp}/o", "--secret", "s"], "no submissions"),
        (["grade", "{tmp}/junk", "--out", "/proc/out", "--secret", "s"], "cannot write reports"),
        (["grade", "{tmp}/junk", "--out", "{tmp}/o"], "secret"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(cnngrade, report_dir, tmp_path, args, message, monkeypatch):
    monkeypatch.delenv("CNNGRADE_SECRET", raising=False)
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x.json").write_text("{not json")
    (tmp_path / "junk" / "a.py").write_text("x = 1\n")
    out = cnngrade(*[a.format(tmp=tmp_path, reports=report_dir) for a in args])
    assert out.returncode == 2
    assert out.stderr.startswith("cnngrade: error: ") and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr


def test_reports_read_back_equal(report_dir):
    for path in report_dir.glob("*.json"):
        assert Report.model_validate_json(path.read_text()).submission.name + ".json" == path.name


def test_reports_name_their_rubric_and_older_ones_without_a_title_still_load(cnngrade, tmp_path):
    schema = json.loads(cnngrade("schema", "report").stdout)
    assert schema["properties"]["rubric_title"]["type"] == "string"
    older = json.loads(graded_report().model_dump_json())
    del older["rubric_title"]  # as written before rubrics had titles
    jsonschema.validate(older, schema)
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "old.json").write_text(json.dumps(older))
    write_report(buggy_report(), folder / "new.json")
    done = cnngrade("report", folder, "--format", "html", "--to", tmp_path / "html")
    assert done.returncode == 0, done.stderr
    old_page = (tmp_path / "html" / f"{older['submission']['name']}.html").read_text()
    assert "rubric convnet · isolation" in old_page
    new = buggy_report()
    new_page = (tmp_path / "html" / f"{new.submission.name}.html").read_text()
    assert f"rubric convnet ({new.rubric_title}) · isolation" in new_page
