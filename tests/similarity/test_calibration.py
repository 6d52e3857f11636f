"""The similarity flag's threshold comes from the class: on a class of independently written
solutions and disguised copies (tests/similarity/class_styles.py), no independent pair is flagged
and every copy is, each flag says why, and a class too small for a distribution uses the ceiling."""

from __future__ import annotations

import csv
import shutil
from itertools import combinations
from pathlib import Path

import class_styles
import numpy as np
import pytest
import similar_students as students

from grader.cli.main import main
from grader.similarity.calibrate import MAD_TO_SD, calibrate
from grader.similarity.model import Thresholds
from grader.similarity.run import compare_class


def _run_layers(text: str) -> dict:
    space: dict = {}
    exec(text, space)
    return space


@pytest.mark.parametrize("name", [*class_styles.STYLES, *class_styles.copies()])
def test_every_style_and_every_copy_is_a_correct_solution(name: str) -> None:
    """Independent means written separately, not wrong: each computes the reference's layers."""
    from reference import layers as reference

    text = class_styles.source(name) if name in class_styles.STYLES else class_styles.copies()[name][1]
    mine = _run_layers(text)
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    for conv in ({"stride": 2, "pad": 1}, {"stride": 1, "pad": 0}):
        want, cache = reference.conv_forward_naive(x, w, b, conv)
        out, own = mine["conv_forward_naive"](x, w, b, conv)
        np.testing.assert_allclose(out, want)
        dout = rng.standard_normal(want.shape)
        for got, expected in zip(
            mine["conv_backward_naive"](dout, own), reference.conv_backward_naive(dout, cache), strict=True
        ):
            np.testing.assert_allclose(got, expected)
    pool = {"pool_height": 3, "pool_width": 2, "stride": 1}  # overlapping windows
    want, cache = reference.max_pool_forward_naive(x, pool)
    out, own = mine["max_pool_forward_naive"](x, pool)
    np.testing.assert_allclose(out, want)
    np.testing.assert_allclose(
        mine["max_pool_backward_naive"](want, own), reference.max_pool_backward_naive(want, cache)
    )
    scores, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    for got, expected in zip(
        mine["softmax_loss"](scores, labels), reference.softmax_loss(scores, labels), strict=True
    ):
        np.testing.assert_allclose(got, expected)


@pytest.fixture(scope="module")
def calibration_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("calibration") / "class"
    return root, class_styles.write_class(root)


@pytest.fixture(scope="module")
def calibrated(calibration_class):
    root, _ = calibration_class
    return compare_class([root])


def _scores(result) -> dict[frozenset[str], float]:
    return {frozenset((p.a, p.b)): p for p in result.report.pairs}


def test_no_independent_pair_is_flagged_and_every_copy_is(calibration_class, calibrated) -> None:
    _, copied = calibration_class
    names = [e.name for e in calibrated.report.submissions]
    assert not [e for e in calibrated.report.submissions if e.error]
    independent = [n for n in names if n not in copied]
    assert len(independent) >= 14 and len(copied) >= 6
    pairs = _scores(calibrated)
    flagged_honest = [
        pair
        for pair in combinations(independent, 2)
        if frozenset(pair) in pairs and pairs[frozenset(pair)].flagged
    ]
    assert flagged_honest == []
    for copy, original in copied.items():
        assert pairs[frozenset((copy, original))].flagged, (copy, original)
    # the honest pair closest to the line is above the old fixed 0.5 without the class's common code
    closest = max(
        (pairs[frozenset(p)] for p in combinations(independent, 2) if frozenset(p) in pairs),
        key=lambda p: p.similarity,
    )
    assert closest.similarity < calibrated.calibration.threshold


def test_the_threshold_comes_from_the_class(calibrated) -> None:
    report = calibrated.report
    c = report.calibration
    assert c == calibrated.calibration and c.rule == "class"
    n = len(report.submissions)
    assert c.submissions == n and c.pairs == n * (n - 1) // 2
    values = sorted(
        [p.similarity for p in report.pairs if not p.public] + [0.0] * (c.pairs - len(report.pairs))
    )
    median = float(np.median(values))
    assert c.median == pytest.approx(median, abs=1e-4)
    assert c.spread == pytest.approx(
        MAD_TO_SD * float(np.median(np.abs(np.array(values) - median))), abs=1e-4
    )
    t = report.thresholds
    assert c.threshold == pytest.approx(min(t.ceiling, max(t.similarity, c.median + t.spread * c.spread)))


def test_each_flag_says_why(calibrated, tmp_path: Path) -> None:
    c = calibrated.calibration
    flagged = [p for p in calibrated.report.pairs if p.flagged]
    assert flagged
    for pair in flagged:
        assert pair.reason.startswith(
            f"score {pair.similarity:.2f}; class median {c.median:.2f}, threshold {c.threshold:.2f}; "
        )
        assert pair.spreads_above == pytest.approx((pair.similarity - c.median) / c.spread, abs=0.06)
        assert f"{pair.spreads_above:g} spreads above the median" in pair.reason
        assert f"{pair.lines} matching lines" in pair.reason and "outside the starter code" in pair.reason
        functions = {m.a.function for m in pair.matches}
        assert functions and all(f in pair.reason for f in functions)
        assert not {"__init__", "conv_relu_forward"} & functions  # the course's own code never counts
    assert all(p.reason == "" for p in calibrated.report.pairs if not p.flagged)

    from grader.similarity.output import write_outputs

    out = tmp_path / "out"
    write_outputs(calibrated, out)
    with (out / "pairs.csv").open(newline="") as f:
        rows = {frozenset((r["a"], r["b"])): r for r in csv.DictReader(f)}
    for pair in flagged:
        row = rows[frozenset((pair.a, pair.b))]
        assert row["reason"] == pair.reason and float(row["spreads_above"]) == pair.spreads_above
    page = (out / "similarity.html").read_text()
    assert f"The threshold, {round(100 * c.threshold)}%, comes from this class" in page
    assert page.count('<p class="reason">Flagged: score ') == len(flagged)


def test_a_small_class_uses_the_ceiling(tmp_path: Path) -> None:
    """Four submissions: two honest loop solutions that share 72% (the common-code filter cannot act
    in a class this small, and the old fixed 0.5 flagged them), an unrelated one, and a copy."""
    root = tmp_path / "class"
    students.course_package(root / "loops", class_styles.source("loops"))
    shutil.copytree(students.REPO / "submissions" / "correct_package", root / "correct_package")
    _, copy = class_styles.copies()["copy_renamed_counters"]
    students.course_package(root / "copier", copy)
    students.course_package(root / "counters", class_styles.source("counters"))
    result = compare_class([root])
    c = result.calibration
    assert c.rule == "small class" and c.submissions == 4 and c.median is None
    assert c.threshold == Thresholds().ceiling
    pairs = _scores(result)
    honest = pairs[frozenset(("loops", "correct_package"))]
    assert Thresholds().similarity < honest.similarity < c.threshold and not honest.flagged
    copied = pairs[frozenset(("copier", "counters"))]
    assert copied.flagged and copied.spreads_above is None
    assert "a class of 4 is too small for a distribution: threshold 0.80 (the ceiling)" in copied.reason
    assert [p for p in result.report.pairs if p.flagged] == [copied]


@pytest.mark.parametrize(
    ("scores", "compared", "median", "threshold"),
    [
        ([0.9], 2, None, 0.8),  # two submissions: the ceiling
        ([0.3] * 6 + [0.95], 5, 0.3, 0.6),  # ten pairs, three share nothing: the floor
        # an alike class raises the bar (MAD 0.02: 0.5 + 6 * 1.4826 * 0.02) ...
        ([0.48, 0.5, 0.52, 0.5, 0.48, 0.52, 0.5, 0.5, 0.46, 0.54], 5, 0.5, 0.678),
        ([0.7, 0.75, 0.8] * 3 + [0.75], 5, 0.75, 0.8),  # ... never past the ceiling
    ],
)
def test_calibrate(scores: list[float], compared: int, median: float | None, threshold: float) -> None:
    settings = Thresholds(spread=6, similarity=0.6, ceiling=0.8)
    c = calibrate(scores, compared, settings)
    assert c.median == median and c.threshold == pytest.approx(threshold, abs=1e-3)


def test_a_ceiling_below_the_floor_is_one_line(tmp_path: Path, capsys) -> None:
    argv = [
        "similarity",
        str(tmp_path),
        "--threshold",
        "0.7",
        "--ceiling",
        "0.5",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cnngrade: error: --ceiling: ") and "\n" not in err
