"""`cnngrade report --format html --similarity DIR`: the class overview lists the flags and links the page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from chromium import needs_chromium, render
from report_factory import graded_report

from grader.cli.main import main
from grader.report.models import write_report
from grader.similarity.model import JSON_NAME, Entry, SimilarityReport, Thresholds


def similarity_folder(folder: Path, *, page: bool = True) -> Path:
    """What `cnngrade similarity --out folder` leaves for the overview: its JSON and (usually) its page."""
    entries = [
        Entry(name="alice", path="submissions/alice", similar_to=["bob (87%)"]),
        Entry(name="renamed", path="submissions/x", sha256=f"{1:064x}", similar_to=["alice (87%)"]),
        Entry(name="carol", path="submissions/carol"),
        Entry(name="dave", path="submissions/dave.zip", error="not a zip file"),
    ]
    report = SimilarityReport(
        generated_at=datetime(2026, 11, 27, tzinfo=UTC),
        copydetect_version="0.5.0",
        thresholds=Thresholds(),
        submissions=entries,
        pairs=[],
    )
    folder.mkdir(parents=True)
    (folder / JSON_NAME).write_text(report.model_dump_json(), encoding="utf-8")
    if page:
        (folder / "similarity.html").write_text(
            "<!DOCTYPE html><title>Similar pairs</title>", encoding="utf-8"
        )
    return folder


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    # bob's report carries the sha256 the similarity run saw under another name
    for name, seed in (("alice", 0), ("bob", 1), ("carol", 2), ("dave", 3), ("similarity", 4)):
        write_report(graded_report(name, seed=seed), folder / f"{name}.json")
    return folder


@needs_chromium
def test_the_overview_links_the_similarity_page_and_lists_the_flags(reports, tmp_path):
    similarity = similarity_folder(tmp_path / "similarity")
    site = tmp_path / "site"
    assert (
        main(["report", str(reports), "--format", "html", "--similarity", str(similarity), "--to", str(site)])
        == 0
    )
    assert (site / "similarity.html").read_text() == (similarity / "similarity.html").read_text()
    index = (site / "index.html").read_text()
    assert "<a id='similarity-link' href='similarity.html'>" in index
    # a student named "similarity" keeps a page of its own
    (student,) = [p for p in site.glob("similarity*.html") if p.name != "similarity.html"]
    assert "<h1>similarity</h1>" in student.read_text()
    seen = render(site / "index.html", tmp_path)
    assert seen["layout"]["scrollWidth"] <= seen["layout"]["viewport"]
    flagged = index[index.index("<ul id='similar'>") :]
    assert "alice</a>: similar: bob (87%)" in flagged
    assert "bob</a>: similar: alice (87%)" in flagged  # matched by sha256
    assert "dave</a>: not compared: not a zip file" in flagged and "carol" not in flagged


def test_without_the_page_the_overview_still_lists_the_flags(reports, tmp_path):
    similarity = similarity_folder(tmp_path / "similarity", page=False)
    site = tmp_path / "site"
    assert (
        main(["report", str(reports), "--format", "html", "--similarity", str(similarity), "--to", str(site)])
        == 0
    )
    index = (site / "index.html").read_text()
    assert (
        "similarity-link" not in index and "has no similarity.html" in index and "alice</a>: similar" in index
    )
    assert not (site / "similarity.html").exists()


def test_a_folder_without_similarity_data_is_one_line_and_writes_no_page(reports, tmp_path, capsys):
    site = tmp_path / "site"
    assert (
        main(["report", str(reports), "--format", "html", "--similarity", str(tmp_path), "--to", str(site)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no readable {JSON_NAME}" in err and "Traceback" not in err
    assert list(site.glob("*")) == []  # the folder checked writable, nothing written in it
    assert main(["report", str(reports), "--format", "junit", "--similarity", str(tmp_path)]) == 2
    assert "only the csv and html formats" in capsys.readouterr().err
