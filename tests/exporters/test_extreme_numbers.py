"""Every exporter takes any number a report can hold: a student's training may report 1e308."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from report_factory import graded_report

from grader.export import html
from grader.report.models import Series, write_report

EXTREMES = [1e308, -1e308, 5e-324, -0.0, 1.0]


def extreme_report(name: str):
    report = graded_report(name)
    for check in report.checks:
        check.metrics |= {"max_rel_error": 1e308, "val_acc": -1e308, "tiny": 5e-324}
        if check.artifacts and check.artifacts.series:
            check.artifacts.series = [
                Series(name="loss", y=EXTREMES * 20),  # long enough to get a running mean too
                Series(name="train accuracy", x_label="epoch", y=[1e308, 0.5, -1e308]),
            ]
    return report


@pytest.fixture
def reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("alice", "bob"):  # bob's page comes after alice's extreme one
        report = extreme_report(name) if name == "alice" else graded_report(name, seed=1)
        write_report(report, folder / f"{name}.json")
    return folder


def cnngrade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_html_pages_are_all_written_and_the_caption_says_what_was_left_out(reports, tmp_path):
    done = cnngrade("report", str(reports), "--format", "html", "--to", str(tmp_path / "html"))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "html").iterdir()} == {"index.html", "alice.html", "bob.html"}
    page = (tmp_path / "html" / "alice.html").read_text(encoding="utf-8")
    assert f"values beyond ±{html.PLOTTABLE:.0e} left out" in page
    assert "left out" not in (tmp_path / "html" / "bob.html").read_text(encoding="utf-8")


def refuse_non_json_constant(constant: str) -> None:
    pytest.fail(f"the export holds {constant}, which JSON readers refuse")


@pytest.mark.parametrize("fmt", ["gradescope", "junit", "csv"])
def test_the_other_formats_write_what_their_readers_parse(reports, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    done = cnngrade("report", str(reports), "--format", fmt, "--to", str(out))
    assert done.returncode == 0, done.stderr
    written = sorted(out.rglob("*")) if out.is_dir() else [out]
    assert written
    for path in (p for p in written if p.is_file()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text, parse_constant=refuse_non_json_constant)
        elif path.suffix == ".xml":
            ET.fromstring(text)
        elif path.suffix == ".csv":
            rows = list(csv.reader(text.splitlines()))
            assert {row[0] for row in rows[1:]} >= {"alice", "bob"}
