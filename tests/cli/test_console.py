import io

from report_factory import buggy_report, graded_report

from grader.console import Progress, check_table, duration, headline, table
from grader.report import Status


def test_table_aligns_columns_and_lets_the_last_run_long():
    text = table([["a", "1", "short"], ["longer", "10", "a long message"]], ["id", "n", "note"], right={1})
    lines = text.splitlines()
    assert lines[0] == "id       n  note"
    assert lines[2] == "a        1  short"
    assert lines[3] == "longer  10  a long message"


def test_check_table_shows_each_check_figure_hint_and_total():
    text = check_table(buggy_report())
    assert "conv_forward" in text and "rel_error 3.1e-01" in text
    assert "without zero padding" in text
    assert "missing" in text and "ThreeLayerConvNet is not defined" in text
    assert text.endswith("total 36 / 100 points; 5 of 11 checks run passed")


def test_a_self_check_sums_up_the_hidden_checks_it_did_not_run():
    hidden = {c: Status.skipped for c in ("conv_forward_hidden", "cnn_gradient", "train")}
    text = check_table(graded_report(statuses=hidden))
    assert "conv_forward_hidden" not in text
    assert text.endswith(
        "total 72 / 72 points (3 hidden checks worth 28 more run when the instructor grades);"
        " 10 of 10 checks run passed"
    )
    assert "conv_forward 212x max_pool_forward 41x" in check_table(graded_report())
    assert headline(graded_report().checks[-1]) == "train_acc 0.98, val_acc 0.24"


def test_headline_names_the_figures_the_notebook_prints():
    check = graded_report().checks[0]
    for metrics, expected in [
        (
            {"dx_rel_error": 5.5e-08, "dw_rel_error": 1.5e-09, "db_rel_error": 2e-10},
            "dx 5.5e-08 dw 1.5e-09 db 2.0e-10",
        ),
        (
            {f"{p}_rel_error": 10.0**-i for i, p in enumerate(["W1", "b1", "W2", "b2"])},
            "max rel_error 1.0e+00 (W1)",
        ),
        ({"cases": 8, "cases_passed": 6, "max_rel_error": 0.5}, "6/8 cases, rel_error 5.0e-01"),
        ({"conv_out_difference": 5e-13, "conv_db_difference": 0.0}, "max difference 5.0e-13"),
        ({"loss": 2.3025852, "expected": 2.302585}, "loss 2.303"),
    ]:
        assert headline(check.model_copy(update={"metrics": metrics})) == expected


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
