"""Every view a person reads shows a check's headline figures, rendered from `CheckResult.figures`
(not rebuilt from metric names): the HTML page, the JUnit failure text, the Gradescope output."""

from __future__ import annotations

import json

from report_factory import graded_report

from grader.export import gradescope, html, junit
from grader.export.figures import headline
from grader.report.models import Figure, Status


def _report():
    report = graded_report("alice", statuses={"conv_forward": Status.failed})
    # A figure whose name no metric has: a view that parsed metric names could not show it.
    checks = [
        c.model_copy(update={"figures": [*c.figures, Figure(name="zeta", value=0.25, unit="number")]})
        if c.id == "conv_forward"
        else c
        for c in report.checks
    ]
    return report.model_copy(update={"checks": checks})


def test_the_figures_reach_html_junit_and_gradescope(tmp_path):
    report = _report()
    failed = next(c for c in report.checks if c.id == "conv_forward")
    figures = headline(failed)
    assert "zeta 0.25" in figures and "0/4 cases" in figures

    page = html.export([report], tmp_path / "site")[1].read_text()
    assert f'<span class="figures">{figures}</span>' in page

    (xml,) = junit.export([report], tmp_path / "junit.xml")
    assert f"figures: {figures}" in xml.read_text()

    (results,) = gradescope.export([report], tmp_path / "gs")
    test = next(t for t in json.loads(results.read_text())["tests"] if "conv_forward" in t["name"])
    assert f"figures: {figures}" in test["output"]


def test_a_check_without_figures_shows_no_figures_line(tmp_path):
    report = _report()  # its failed check is written out in full
    bare = [c.model_copy(update={"figures": []}) for c in report.checks]
    (xml,) = junit.export([report.model_copy(update={"checks": bare})], tmp_path / "junit.xml")
    assert "figures:" not in xml.read_text()
