import base64
import io

import numpy as np
import pytest
from chromium import needs_chromium, render, screenshot
from matplotlib.image import imread
from report_factory import buggy_report, class_of, graded_report

from grader.export import html


def test_filter_grid_places_each_filter_in_its_cell():
    filters = np.arange(5 * 2 * 3 * 3, dtype=np.uint8).reshape(5, 2, 3, 3)
    grid = html.filter_grid(filters, pad=1)
    assert grid.shape == (1 + 2 * 3, 1 + 3 * 4, 3)  # 3 columns, 2 rows of 2x3 filters
    np.testing.assert_array_equal(grid[1:3, 1:4], filters[0])
    np.testing.assert_array_equal(grid[4:6, 5:8], filters[4])
    assert (grid[4:6, 9:12] == 255).all()  # the sixth cell is empty


def test_plots_are_real_pngs_of_the_data():
    report = graded_report()
    png = html.filters_png(report.checks[-1].artifacts.filters)
    image = imread(io.BytesIO(base64.b64decode(png)), format="png")
    assert image.shape[0] == image.shape[1] >= 400  # 32 filters: a 6x6 grid scaled up, square


@needs_chromium
@pytest.mark.slow  # two Chromium runs
def test_submission_page_in_a_browser_shows_checks_hints_and_plots(tmp_path):
    report = buggy_report()
    html.export([graded_report(), report], tmp_path / "site")
    seen = render(tmp_path / "site" / "bob.html", tmp_path)
    rows = seen["rows"]["checks"]  # the checks that did not pass, in the open
    assert [r[2] for r in rows] == [c.status.value for c in report.checks if c.status.value != "passed"]
    assert rows[0][3] == "0 / 8" and "Hint: the output looks like a convolution" in rows[0][4]
    folded = seen["rows"]["passed"]  # the passed ones are folded under a summary: not rendered until opened
    assert len(folded) == 5 and all(cell == "" for row in folded for cell in row)
    page = (tmp_path / "site" / "bob.html").read_text()
    assert "<summary>5 passed checks</summary>" in page
    assert "student_time_s" not in page and "cases_passed = 0" in page
    # the passed overfit check carries curves and filters; every image decoded and is on screen
    assert [i["alt"] for i in seen["images"]] == ["overfit curves", "overfit filters"]
    assert all(i["width"] > 300 and i["height"] > 200 and i["shown"] > 300 for i in seen["images"])
    shot = screenshot(tmp_path / "site" / "bob.html", tmp_path, tmp_path / "bob.png")
    assert imread(shot).shape[:2] == (2400, 1280)


@needs_chromium
def test_class_overview_in_a_browser(tmp_path):
    reports = class_of(5)
    html.export(reports, tmp_path / "site")
    seen = render(tmp_path / "site" / "index.html", tmp_path)
    assert seen["title"] == "Class overview — 5 submissions"
    assert [r[0] for r in seen["rows"]["submissions"]] == [r.submission.name for r in reports]
    pass_rates = {r[0].split()[-1]: r[1] for r in seen["rows"]["pass-rates"]}
    assert pass_rates["conv_forward"] == "2 / 5" and pass_rates["conv_backward"] == "4 / 5"
    assert seen["rows"]["hints"][0][1].startswith("the output looks like a convolution without zero padding")
    (histogram,) = seen["images"]
    assert histogram["alt"] == "score distribution" and histogram["width"] > 300


def test_a_submission_named_index_does_not_overwrite_the_overview(tmp_path):
    written = html.export([graded_report("index"), graded_report("a b/c")], tmp_path)
    names = [p.name for p in written]
    assert names[0] == "index.html" and names[1].startswith("index-") and names[2].startswith("a_b_c-")
    assert len(set(names)) == 3
    assert "Class overview" in (tmp_path / "index.html").read_text()
