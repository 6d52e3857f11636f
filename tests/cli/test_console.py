import io
import json

import pytest
from report_factory import buggy_report, graded_report

from grader.export.figures import headline
from grader.report.models import SCHEMA_VERSION, Figure, Report, Status, dump_report
from grader.run.console import Progress, check_table, duration, table


def test_table_aligns_columns_and_lets_the_last_run_long():
    text = table([["a", "1", "short"], ["longer", "10", "a long message"]], ["id", "n", "note"], right={1})
    lines = text.splitlines()
    assert lines[0] == "id       n  note"
    assert lines[2] == "a        1  short"
    assert lines[3] == "longer  10  a long message"


def test_check_table_shows_each_check_figure_threshold_hint_and_total():
    lines = check_table(buggy_report(), width=120).splitlines()
    (forward,) = [line for line in lines if line.startswith("FAIL   conv_forward ")]
    assert "rel_error 3.1e-01 (needs rel_error <= 1e-7)" in forward and forward.endswith("0/8")
    hint = lines[lines.index(forward) + 2]
    assert hint.startswith("       hint: the output looks like a convolution without zero padding")
    (missing,) = [line for line in lines if line.startswith("MISS ")]
    assert "ThreeLayerConvNet is not defined" in lines[lines.index(missing) + 1]
    assert lines[-1] == "total 36 / 100 points; 5 of 11 checks run passed"


def test_a_self_check_lists_and_totals_only_the_checks_it_ran():
    hidden = {c: Status.skipped for c in ("conv_forward_hidden", "cnn_gradient", "train")}
    text = check_table(graded_report(statuses=hidden))
    assert "conv_forward_hidden" not in text
    assert text.endswith(
        "total 72 / 72 points; 10 of 10 checks run passed\n"
        "(3 hidden checks worth 28 more run when the instructor grades)"
    )
    assert "conv_forward 212x max_pool_forward 41x" in check_table(graded_report(), width=120)
    assert headline(graded_report().checks[-1]) == "train_acc 0.98, val_acc 0.24"


@pytest.mark.parametrize("width", [80, 120])
def test_every_line_fits_the_width_and_colour_is_only_asked_for(width):
    text = check_table(buggy_report("b" * 300), width=width, verbose=True)
    assert max(map(len, text.splitlines())) <= width
    assert "\x1b" not in text
    painted = check_table(buggy_report(), width=width, color=True)
    assert "\x1b[31mFAIL\x1b[0m" in painted and "\x1b[32mPASS\x1b[0m" in painted


def test_verbose_shows_captured_output():
    assert "IndexError: index 4 is out of bounds" not in check_table(buggy_report())
    verbose = check_table(buggy_report(), verbose=True)
    assert "IndexError: index 4 is out of bounds" in verbose
    assert "\x00" not in verbose and "\x1b" not in verbose  # the output's NUL and ESC are shown as escapes


def test_headline_shows_a_checks_figures_by_their_units():
    check = graded_report().checks[0]
    for figures, expected in [
        (
            [("dx", 5.5e-08, "error"), ("dw", 1.5e-09, "error"), ("db", 2e-10, "error")],
            "dx 5.5e-08 dw 1.5e-09 db 2.0e-10",
        ),
        (
            [(p, 10.0**-i, "error") for i, p in enumerate(["W1", "b1", "W2", "b2"])],
            "max rel_error 1.0e+00 (W1)",
        ),
        ([("loss", 2.3025852, "number"), ("dx", None, "error")], "loss 2.303"),  # None: not finite
        ([("train_acc", 1.0, "number"), ("val_acc", 0.29, "number")], "train_acc 1, val_acc 0.29"),
        (
            [("conv_forward", 212.5, "speedup"), ("max_pool_forward", 41.0, "speedup")],
            "conv_forward 212x max_pool_forward 41x",
        ),
        ([], ""),
    ]:
        made = [Figure(name=name, value=value, unit=unit) for name, value, unit in figures]
        assert headline(check.model_copy(update={"figures": made})) == expected
    cases = [
        Figure(name="cases", value=6, threshold=8, unit="cases"),
        Figure(name="rel_error", value=0.5, unit="error"),
    ]
    assert headline(check.model_copy(update={"figures": cases})) == "6/8 cases, rel_error 5.0e-01"


@pytest.mark.parametrize(
    "metrics, expected",
    [
        (
            {"dx_rel_error": 5.5e-08, "dw_rel_error": 1.5e-09, "db_rel_error": 2e-10},
            "dx 5.5e-08 dw 1.5e-09 db 2.0e-10",
        ),
        (
            {f"{p}_rel_error": 10.0**-i for i, p in enumerate(["W1", "b1", "W2", "b2"])},
            "max rel_error 1.0e+00 (W1)",
        ),
        ({"cases": 8, "cases_passed": 6, "max_rel_error": 0.5}, "6/8 cases, rel_error 5.0e-01"),
        (
            {"cases": 1, "cases_passed": 1, "max_rel_error": 0.0, "notebook_rel_error": 2.2e-08},
            "notebook 2.2e-08",
        ),
        ({"conv_out_difference": 5e-13, "conv_db_difference": 0.0}, "max difference 5.0e-13"),
        ({"conv_forward_fast_speedup": 212.5, "conv_forward_fast_s": 0.01}, "conv_forward 212x"),
        ({"loss": 2.3025852, "expected": 2.302585}, "loss 2.303"),
        ({"train_acc": 0.98, "val_acc": 0.24, "num_train": 50}, "train_acc 0.98, val_acc 0.24"),
        ({"configs": 3, "configs_passed": 3}, ""),
    ],
)
def test_a_report_from_before_figures_shows_the_figures_its_metrics_named(metrics, expected):
    """A version 2 report has no figures: reading it derives them from the metrics' names, as the
    views did when it was written (grader/report/migrations.py)."""
    old = json.loads(dump_report(graded_report()))
    (check,) = old["checks"][:1]
    del check["figures"]
    old |= {"schema_version": 2, "checks": [check | {"metrics": metrics}]}
    assert headline(Report.model_validate(old).checks[0]) == expected
    current = old | {"schema_version": SCHEMA_VERSION}  # a report of today's version is taken as it is
    assert Report.model_validate(current).checks[0].figures == []


def test_progress_counts_problems_and_estimates_time_left_from_graded_ones():
    stream = io.StringIO()
    progress = Progress(total=5, jobs=2, stream=stream)
    progress.advance("alice", "100/100", seconds=None)  # skipped: no estimate yet
    assert "1/5" in stream.getvalue() and "left ?" in stream.getvalue()
    progress.advance("bob", "crashed", seconds=40.0, problem=True)
    # 3 left, 40 s each, 2 at a time: 60 s
    assert progress.eta() == 60.0
    last = stream.getvalue().splitlines()[-1]
    assert "2/5" in last and "1 problem " in last and "left 1m00s" in last and last.endswith("bob: crashed")


def test_duration_reads_like_a_clock():
    assert [duration(s) for s in (5, 65, 3725)] == ["5s", "1m05s", "1h02m"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_line_redraws_in_place_within_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    stream = Terminal()
    progress = Progress(total=2, jobs=1, stream=stream)
    progress.advance("a-student-with-a-rather-long-name\x1b[2J", "30/100 - " + "x" * 80, seconds=1.0)
    line = stream.getvalue()
    assert line.startswith("\r\x1b[K") and len(line) - len("\r\x1b[K") <= 59
    assert "\x1b" not in line[len("\r\x1b[K") :]
