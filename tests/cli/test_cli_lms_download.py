"""`cnngrade grade` on Canvas and Moodle submissions downloads, zipped and unpacked, then the grade
files and the gradebook from the ids and the late marker the reports keep: the real command."""

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from classroom import lean_rubric
from lms_downloads import BUGGY, PACKAGE, canvas_download, moodle_download, zip_folder

from grader.report.models import read_report

pytestmark = pytest.mark.slow

LATE = """
[late]
deadline = 2026-11-27T23:59:00+01:00
grace_minutes = 15
penalty_fraction_per_day = 0.1
"""


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def grade(cnngrade, paths, out, rubric):
    result = cnngrade("grade", *paths, "--out", out, "--secret", "s", "--rubric", rubric, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return result, {p.stem: read_report(p) for p in out.glob("*.json")}


def same_grading(a, b) -> bool:
    """The same grade, checks and findings: all but where the submission came from."""

    def graded(report):
        data = report.comparable()
        del data["submission"]["source"], data["submission"]["lms"]["download"], data["inputs_key"]
        return data

    return graded(a) == graded(b)


@pytest.fixture
def rubric(tmp_path):
    return lean_rubric(tmp_path / "lean.toml")


@pytest.fixture
def direct(cnngrade, tmp_path, rubric):
    """The same code graded as a class folder: what each LMS student's score must be."""
    klass = tmp_path / "direct"
    klass.mkdir()
    shutil.copytree(PACKAGE.parent, klass / "package")
    shutil.copy(BUGGY, klass / "buggy.py")
    _, reports = grade(cnngrade, [klass], tmp_path / "direct-reports", rubric)
    return {name: r.score for name, r in reports.items()}


def test_a_canvas_download_is_one_report_per_student_zipped_or_not(cnngrade, tmp_path, rubric, direct):
    folder = canvas_download(tmp_path / "canvas")
    (folder / "doejane_layers.py").write_text("x = 1\n")  # looks like Canvas's, but has no ids
    archive = zip_folder(folder, tmp_path / "submissions.zip")

    graded, reports = grade(cnngrade, [archive], tmp_path / "zip-reports", rubric)
    assert sorted(reports) == ["doejane_12345", "roebob_222", "smithann_444"]
    assert "doejane_layers.py: not named as Canvas names a student's file" in graded.stderr
    assert {n: (r.submission.lms.id, r.submission.lms.late) for n, r in reports.items()} == {
        "doejane_12345": ("12345", False), "roebob_222": ("222", True), "smithann_444": ("444", False),
    }  # fmt: skip
    assert reports["doejane_12345"].score == direct["package"] == reports["doejane_12345"].max_score
    assert reports["roebob_222"].score == direct["buggy"] < direct["package"]
    # smithann's layers-1.py is the layers.py she uploaded last: hers, not the buggy first one
    assert reports["smithann_444"].score == direct["package"]
    restored = Path(reports["doejane_12345"].submission.source)
    files = sorted(p.name for p in restored.iterdir())
    assert files == ["cnn.py", "fast_layers.py", "layer_utils.py", "layers.py"]
    assert restored.is_relative_to(tmp_path / "zip-reports")

    _, unpacked = grade(cnngrade, [folder], tmp_path / "folder-reports", rubric)
    assert sorted(unpacked) == sorted(reports)
    assert all(same_grading(unpacked[name], reports[name]) for name in reports)

    again = cnngrade("grade", archive, "--out", tmp_path / "zip-reports", "--secret", "s", "--rubric", rubric)
    assert again.returncode == 0 and "3 already graded" in again.stdout

    # Canvas's grade file from the ids the reports keep, with no roster
    out = cnngrade(
        "report", tmp_path / "zip-reports", "--format", "canvas", "--assignment-id", "4711",
        "--to", tmp_path / "canvas.csv",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = rows_of(tmp_path / "canvas.csv")
    ids = [(r["Student"], r["ID"]) for r in rows[1:]]
    assert ids == [("doejane", "12345"), ("roebob", "222"), ("smithann", "444")]
    assert rows[2]["convnet (4711)"] == f"{direct['buggy']:g}"

    # the late marker: late, time unknown and not penalised; a roster's time is used where given
    (tmp_path / "late.toml").write_text(rubric.read_text() + LATE)
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,submitted_at\nsmithann_444,2026-11-29T10:00:00+01:00\n")
    book = cnngrade(
        "report", tmp_path / "zip-reports", "--format", "csv", "--rubric", tmp_path / "late.toml",
        "--roster", roster, "--to", tmp_path / "grades.csv",
    )  # fmt: skip
    assert book.returncode == 0, book.stderr
    assert "1 of them Canvas marked late" in book.stderr
    by_name = {r["submission"]: r for r in rows_of(tmp_path / "grades.csv")}
    assert by_name["roebob_222"]["late_days"] == "late, time unknown"
    assert by_name["roebob_222"]["final_score"] == f"{direct['buggy']:g}"
    assert by_name["roebob_222"]["lms_late"] == "yes"
    assert by_name["smithann_444"]["late_days"] == "2" and by_name["smithann_444"]["canvas_id"] == "444"
    assert by_name["doejane_12345"]["late_days"] == ""


def test_a_moodle_download_is_one_report_per_student_zipped_or_not(cnngrade, tmp_path, rubric, direct):
    folder = moodle_download(tmp_path / "moodle")
    archive = zip_folder(folder, tmp_path / "moodle.zip")
    _, reports = grade(cnngrade, [archive], tmp_path / "zip-reports", rubric)
    assert sorted(reports) == ["Jane_Doe_4711", "Jose_Nunez_4712"]
    jose = reports["Jose_Nunez_4712"].submission.lms
    assert (jose.lms, jose.id, jose.name, jose.late) == ("moodle", "4712", "José Núñez", None)
    assert reports["Jane_Doe_4711"].score == direct["package"]
    assert reports["Jose_Nunez_4712"].score == direct["buggy"]

    _, unpacked = grade(cnngrade, [folder], tmp_path / "folder-reports", rubric)
    assert all(same_grading(unpacked[name], reports[name]) for name in reports)

    out = cnngrade("report", tmp_path / "zip-reports", "--format", "moodle", "--to", tmp_path / "moodle.csv")
    assert out.returncode == 0, out.stderr
    rows = rows_of(tmp_path / "moodle.csv")
    assert [(r["Identifier"], r["Full name"], r["Grade"]) for r in rows] == [
        ("Participant 4711", "Jane Doe", f"{direct['package']:g}"),
        ("Participant 4712", "José Núñez", f"{direct['buggy']:g}"),
    ]


def test_hostile_canvas_names_get_sane_reports_or_one_line(cnngrade, tmp_path, rubric):
    folder = tmp_path / "canvas"
    folder.mkdir()
    module = BUGGY.read_text()
    (folder / "=cmd@x_1_10_layers.py").write_text(module)  # a name a spreadsheet would run
    (folder / f"{'a' * 150}_2_20_layers.py").write_text(module)  # a very long name
    (folder / "twin_3_30_layers.py").write_text("broken(\n")
    (folder / "twin_3_31_layers.py").write_text(module)  # two files that are both layers.py
    outside = sorted(p.name for p in tmp_path.iterdir())
    graded, reports = grade(cnngrade, [folder], tmp_path / "reports", rubric)
    assert sorted(reports) == sorted(["cmd_x_1", f"{'a' * 60}_2", "twin_3"])
    assert "twin_3_30_layers.py and twin_3_31_layers.py are both layers.py" in graded.stderr
    assert reports["twin_3"].score == reports["cmd_x_1"].score > 0  # the later of the two was kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*outside, "reports"])
    book = cnngrade("report", tmp_path / "reports", "--format", "csv", "--to", tmp_path / "g.csv")
    assert book.returncode == 0
    assert "'=cmd@x" in (tmp_path / "g.csv").read_text()

    # a member that points outside: the whole download is refused in one line, nothing written
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("doe_1_2_layers.py", module)
        zf.writestr("../doe_1_2_cnn.py", module)
    refused = cnngrade("grade", tmp_path / "evil.zip", "--out", tmp_path / "evil", "--secret", "s")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "refusing unsafe member" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "doe_1_2_cnn.py").exists()


def test_check_refuses_a_whole_download_in_one_line(cnngrade, tmp_path):
    archive = zip_folder(canvas_download(tmp_path / "canvas"), tmp_path / "submissions.zip")
    out = cnngrade("check", archive)
    assert out.returncode == 2 and "is a Canvas download, a class's submissions" in out.stderr


def test_similarity_compares_the_students_of_a_canvas_download(cnngrade, tmp_path):
    """Each student is one submission, named for them, as `grade` restores them (the report names
    the download and the id: the scratch folder their files were read from is gone)."""
    download = zip_folder(canvas_download(tmp_path / "canvas"), tmp_path / "canvas.zip")
    out = tmp_path / "similarity"
    result = cnngrade("similarity", download, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "similarity.json").read_text())
    entries = {e["name"]: e for e in report["submissions"]}
    assert set(entries) == {"doejane_12345", "roebob_222", "smithann_444"}
    assert entries["doejane_12345"]["path"].endswith("doejane (canvas id 12345)")
    # doejane's and smithann's layers are the same file: the pair is the closest one
    top = report["pairs"][0]
    assert {top["a"], top["b"]} == {"doejane_12345", "smithann_444"}
