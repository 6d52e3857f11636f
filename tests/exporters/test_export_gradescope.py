import json

import jsonschema
from report_factory import buggy_report, graded_report

from grader.export import gradescope

# The fields of results.json as Gradescope's autograder specification documents them.
GRADESCOPE_RESULTS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "integer", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "score", "max_score", "status"],
                "properties": {
                    "name": {"type": "string"},
                    "number": {"type": "string"},
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}


def test_results_follow_the_documented_shape_and_scores(tmp_path):
    report = buggy_report()
    (target,) = gradescope.export([report], tmp_path / "results.json")
    data = json.loads(target.read_text())
    jsonschema.validate(data, GRADESCOPE_RESULTS)
    assert data["score"] == report.score == sum(t["score"] for t in data["tests"])
    assert [t["max_score"] for t in data["tests"]] == [c.max_points for c in report.checks]
    by_id = {c.id: t for c, t in zip(report.checks, data["tests"], strict=True)}
    assert by_id["conv_forward"]["status"] == "failed"
    assert "without zero padding" in by_id["conv_forward"]["output"]
    assert "max_rel_error=0.31" in by_id["conv_forward"]["output"]
    assert "student_time_s" not in json.dumps(data)  # the grader's internals are not the student's
    assert by_id["conv_backward"]["status"] == "passed"
    # Only "passed" passes: an error, a timeout, a missing symbol and a skipped check all fail.
    for id_ in ("max_pool_backward", "fast_layers", "cnn_init", "initial_loss"):
        assert by_id[id_]["status"] == "failed" and by_id[id_]["score"] == 0


def test_hidden_checks_show_after_publishing_and_public_ones_at_once(tmp_path):
    data = gradescope.results(graded_report())
    visibility = {t["name"].rsplit("(", 1)[1].rstrip(")"): t["visibility"] for t in data["tests"]}
    assert visibility["conv_forward"] == "visible"
    assert visibility["conv_forward_hidden"] == "after_published"
    assert visibility["train"] == "after_published"


def test_several_reports_give_one_file_each(tmp_path, reports):
    written = gradescope.export(reports, tmp_path / "gs")
    names = sorted(p.name for p in written)
    assert names == ["alice.results.json", "bob.results.json", "carol.zip.results.json"]
    carol = json.loads((tmp_path / "gs" / "carol.zip.results.json").read_text())
    jsonschema.validate(carol, GRADESCOPE_RESULTS)
    assert "not a valid zip file" in carol["output"]
