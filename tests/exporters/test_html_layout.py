"""The HTML report as Chromium lays it out at 1280 px: nothing overflows sideways, every plot shows.

The pages are made from the worst a class hands in: long training histories placed by the real
`grader.judge.kinds.train` code, long messages and hints, unbroken tokens (a 300-character path, a
number list without spaces), long and unbroken student names, many checks and many students.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from chromium import needs_chromium, render, screenshot
from PIL import Image
from report_factory import class_of, graded_report

from grader.export import html
from grader.judge.check_models import TrainParams
from grader.judge.kinds.train import accuracy_iterations, training_series
from grader.report.models import Artifacts, CheckResult, Finding, Report, Status

LONG_PATH = "/home/student/" + "/".join(f"very_long_folder_name_{i:02d}" for i in range(14))  # 300+ chars
NUMBERS = ",".join(str(0.1 * i)[:6] for i in range(80))  # one token, no spaces
WORDS = "the output differs from the expected one at these positions and by this much " * 6


def one_epoch(num_train: int = 49_000, epochs: int = 1, seed: int = 0) -> Artifacts:
    """What grading a one-epoch run (980 iterations of batch 50) records, through train.py's code."""
    params = TrainParams(
        model={"hidden_dim": 500},
        num_train=num_train,
        num_epochs=epochs,
        batch_size=50,
        learning_rate=1e-3,
        metric="val_acc",
        cifar_threshold=0.4,
        relative_threshold=0.8,
    )
    at = accuracy_iterations(num_train, params)
    rng = np.random.default_rng(seed)
    t = np.arange(at[-1])
    claim = {
        "loss_history": (2.3 * np.exp(-t / 300) + 0.9 + 0.3 * rng.standard_normal(len(t))).tolist(),
        "train_acc_history": np.linspace(0.1, 0.52, len(at)).tolist(),
        "val_acc_history": np.linspace(0.1, 0.47, len(at)).tolist(),
    }
    filters = rng.integers(0, 256, size=(32, 7, 7, 3), dtype=np.uint8).tolist()
    return Artifacts(series=training_series(claim, at), filters=filters)


def hostile_report(name: str = "dana") -> Report:
    """Many checks, long messages and hints, unbroken tokens, and two real training histories."""
    base = graded_report(name, statuses={"conv_forward": Status.failed, "conv_backward": Status.error})
    checks: list[CheckResult] = []
    for check in base.checks:
        update: dict = {}
        if check.id == "conv_forward":
            update = {
                "message": f"{WORDS}\nout[0, 1] was {NUMBERS}\nwritten to {LONG_PATH}",
                "hint": f"{WORDS} (see {LONG_PATH})",
                "threshold": f"rel_error <= 1e-7 for every one of {NUMBERS}",
                "metrics": {"max_rel_error": 0.31, f"cases_{'x' * 150}": 4},
            }
        elif check.id == "conv_backward":
            update = {"message": LONG_PATH, "output": f"Traceback\n  File {LONG_PATH}, line 3\n{NUMBERS * 3}"}
        elif check.id == "overfit":
            update = {"artifacts": one_epoch(num_train=100, epochs=25, seed=1)}
        elif check.id == "train":
            update = {"artifacts": one_epoch()}
        if check.status is Status.passed and not update:
            update = {"message": WORDS + NUMBERS, "hint": None}
        checks.append(check.model_copy(update=update))
    extra = [
        check.model_copy(update={"id": f"{check.id}_{k}", "message": f"{WORDS} {LONG_PATH}"})
        for k in range(2)
        for check in base.checks[:8]
    ]
    findings = [Finding(kind="integrity.changed", file=LONG_PATH, line=12, message=f"{WORDS}{NUMBERS}")]
    return base.model_copy(update={"checks": checks + extra, "findings": findings})


def no_sideways_overflow(seen: dict) -> None:
    layout = seen["layout"]
    assert layout["scrollWidth"] <= layout["viewport"], layout["wide"]
    assert layout["wide"] == []
    assert layout["scrolling"] == []  # no table or block needs a sideways scroll either


def distinct_colours(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ())


@needs_chromium
@pytest.mark.slow  # three Chromium runs
def test_a_long_submission_page_fits_1280_px_and_shows_every_plot(tmp_path):
    report = hostile_report()
    html.export([report], tmp_path / "site")
    page = tmp_path / "site" / "dana.html"

    seen = render(page, tmp_path, unfold=True)  # with the passed checks and the output unfolded
    assert seen["layout"]["viewport"] == 1280
    no_sideways_overflow(seen)
    # the narrow columns keep their words whole next to a message of hundreds of characters
    for table in ("checks", "passed"):
        section, check, status, points, result = seen["layout"]["columns"][table]
        assert min(section, check, status, points) >= 60 and result >= 500, seen["layout"]["columns"]
    assert {row[2] for row in seen["rows"]["passed"]} == {"passed"}

    seen = render(page, tmp_path)  # as the page opens
    no_sideways_overflow(seen)
    plots = seen["images"]
    assert [p["alt"] for p in plots] == ["overfit curves", "overfit filters", "train curves", "train filters"]
    for plot in plots:
        assert plot["complete"] and plot["visible"], plot
        assert plot["width"] > 400 and plot["height"] > 300 and 0 <= plot["left"] < plot["right"] <= 1280

    height = seen["layout"]["height"]
    shot = Image.open(screenshot(page, tmp_path, tmp_path / "dana.png", f"1280,{height}"))
    assert shot.size == (1280, height)
    assert distinct_colours(shot) > 1000  # anti-aliased text and plots, not a blank page
    for plot in plots:  # each plot as the browser painted it: many colours, neither blank nor a block
        top, bottom = round(plot["top"]), round(plot["top"] + plot["shownHeight"])
        region = shot.crop((round(plot["left"]), top, round(plot["right"]), bottom))
        assert distinct_colours(region) > 100, plot["alt"]
        assert 0.2 < (np.asarray(region.convert("L")) > 250).mean() < 0.99, plot["alt"]


@needs_chromium
def test_a_page_that_could_not_be_graded_fits_with_its_unbroken_error(tmp_path):
    report = graded_report(f"x{'y' * 199}", statuses={c.id: Status.missing for c in graded_report().checks})
    report = report.model_copy(update={"error": f"cannot load {LONG_PATH}: {NUMBERS}"})
    written = html.export([report], tmp_path / "site")
    no_sideways_overflow(render(written[1], tmp_path))


def long_names_class(count: int) -> list[Report]:
    names = [f"student{i:02d}_{'n' * (190 if i % 7 == 0 else 12)}" for i in range(count)]
    names[1] = "A student with a very long name " * 6
    return [
        r.model_copy(update={"submission": r.submission.model_copy(update={"name": n})})
        for r, n in zip(class_of(count), names, strict=True)
    ]


@pytest.fixture(scope="module")
def long_names_overview(tmp_path_factory) -> Path:
    """The class overview of 60 students with long names, problems and hints. Their training plots
    are left out: they are drawn only on the students' own pages (0.7 s each), not on this one."""
    reports = long_names_class(60)
    for i, report in enumerate(reports):
        checks = [c.model_copy(update={"artifacts": None}) for c in report.checks]
        if i in (5, 6, 9):  # long problems, and long hints in the table of the most common ones
            checks = [c.model_copy(update={"hint": f"{WORDS}{LONG_PATH}"}) for c in checks]
            report = report.model_copy(update={"error": f"cannot load {LONG_PATH}: {WORDS}"})
        reports[i] = report.model_copy(update={"checks": checks})
    site = tmp_path_factory.mktemp("long-names") / "site"
    html.export(reports, site)
    return site / "index.html"


@needs_chromium
@pytest.mark.parametrize("width", [1280, 800])
def test_the_class_overview_with_many_long_names_fits(long_names_overview, tmp_path, width):
    seen = render(long_names_overview, tmp_path, width)
    assert seen["layout"]["viewport"] == width
    no_sideways_overflow(seen)
    assert len(seen["rows"]["submissions"]) == 60
    name, score, checks, _problem = seen["layout"]["columns"]["submissions"]
    assert min(score, checks) >= 60 and name >= 150, seen["layout"]["columns"]
    check, hint, count = seen["layout"]["columns"]["hints"]
    assert check >= 120 and count >= 60 and hint >= 300, seen["layout"]["columns"]
    (histogram,) = seen["images"]
    assert histogram["complete"] and histogram["visible"] and histogram["right"] <= width


def test_older_reports_without_x_values_still_read_and_render(tmp_path):
    report = graded_report()  # its training curves carry no x values, as reports before them
    data = report.model_dump(mode="json")
    for check in data["checks"]:
        for series in (check["artifacts"] or {}).get("series", []):
            del series["x"]
    old = Report.model_validate(data)
    assert old == report
    written = html.export([old], tmp_path / "site")
    page = written[1].read_text()
    assert 'alt="overfit curves"' in page and 'alt="train curves"' in page
