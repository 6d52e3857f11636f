"""The kit's provider in the grader's own process: the table's digest and file, and grading with
a table instead of the reference (the installed kit is tested in test_student_kit.py)."""

import numpy as np
import pytest
from classroom import RUBRIC, SUBMISSIONS

from grader.checks import expected
from grader.checks.yardstick import NotPrecomputedError, Table, digest
from grader.grade import GradeOptions, grade_submission
from grader.release.kit import precompute
from grader.report import Status
from grader.rubric import load_rubric


def test_the_digest_is_canonical_and_tells_dtypes_and_shapes_apart():
    a = np.arange(6.0)
    assert digest({"x": a, "y": 1}) == digest({"y": 1, "x": a.copy()})
    assert digest(a) != digest(a.astype(np.float32))
    assert digest(a) != digest(a.reshape(2, 3))
    assert digest(1) != digest(1.0) and digest((1, 2)) == digest([1, 2])


def test_a_table_survives_its_file(tmp_path):
    table = Table()
    value = (1.5, {"W1": np.ones((2, 3)), "b1": np.zeros(2, np.float32)})
    table.put(value, "model_loss", {"x": np.arange(3)})
    table.put([("bug", (np.eye(2), np.ones(1)))], "variants", "conv")
    table.save(tmp_path / "t.npz")
    loaded = Table.load(tmp_path / "t.npz")
    loss, grads = loaded.get("model_loss", {"x": np.arange(3)})
    assert loss == 1.5 and grads["b1"].dtype == np.float32 and np.array_equal(grads["W1"], np.ones((2, 3)))
    ((bug, (first, second)),) = loaded.get("variants", "conv")
    assert bug == "bug" and np.array_equal(first, np.eye(2)) and second.shape == (1,)
    with pytest.raises(NotPrecomputedError):
        loaded.get("model_loss", {"x": np.arange(4)})


@pytest.fixture
def layer_rubric(tmp_path):
    head, *blocks = RUBRIC.read_text().split("[[checks]]")
    keep = [b for b in blocks if 'id = "conv_forward.public"' in b or 'id = "conv_backward.numeric"' in b]
    path = tmp_path / "layers.toml"
    path.write_text(head + "".join("[[checks]]" + b for b in keep))
    return load_rubric(path)


def _grade(example: str, rubric, tmp_path) -> dict:
    module = next((SUBMISSIONS / example).glob("*.py"))
    report = grade_submission(module, rubric, GradeOptions(cache_dir=tmp_path / "cache"))
    return {c.id: (c.status, c.points, c.hint, c.message) for c in report.checks}


@pytest.mark.slow
def test_grading_from_the_table_gives_the_references_verdicts(layer_rubric, tmp_path, monkeypatch):
    full = {e: _grade(e, layer_rubric, tmp_path) for e in ("correct_module", "buggy/conv_no_padding")}
    monkeypatch.setattr(expected, "TABLE", precompute(layer_rubric, tmp_path / "cache"))
    assert not expected.full()
    for example, verdicts in full.items():
        assert _grade(example, layer_rubric, tmp_path) == verdicts
    assert full["buggy/conv_no_padding"]["conv_forward.public"][2].startswith(
        "conv forward: the input looks unpadded"
    )


@pytest.mark.slow
def test_a_kit_given_another_rubric_says_so_in_the_check(layer_rubric, tmp_path, monkeypatch):
    monkeypatch.setattr(expected, "TABLE", Table())  # a kit built for checks this rubric does not have
    verdicts = _grade("correct_module", layer_rubric, tmp_path)
    status, points, _, message = verdicts["conv_forward.public"]
    assert status is Status.error and points == 0
    assert (
        message == "the student kit has no answers for this check's inputs: use the rubric it was built with"
    )
