"""The spatial batch / group normalization checks: the correct example gets every point, each buggy
example loses exactly its bug's checks (with its hint), a submission without the layers gets "not
implemented", and correct code in either dtype never fails on the hidden cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.judge.compare import compare, tolerance
from grader.judge.expected import correct_output
from grader.judge.layers.cases import spatial_batchnorm_hidden, spatial_groupnorm_hidden
from grader.judge.layers.registry import LAYERS
from grader.judge.rubric import RubricError, load_rubric
from grader.report.models import Report, Status
from grader.run.grade import GradeOptions, grade_submission
from reference import layers

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
RUBRIC = load_rubric(ROOT / "rubrics" / "convnet_spatial_norm.toml")
NORM = RUBRIC.part({c.id for c in RUBRIC.checks if c.id.startswith("spatial_")})
BN = {c.id for c in NORM.checks if c.id.startswith("spatial_bn")}

# buggy_norm/<bug> -> the checks it must fail (all others pass) and words of its hint
EXPECTED = {
    "spatial_bn_no_transpose": (BN, "without moving channels last"),
    "spatial_bn_unbiased_var": (BN, "unbiased"),
    "spatial_bn_running_not_stored": (
        {"spatial_bn_test_mode.public", "spatial_bn_test_mode.hidden"},
        "written back",
    ),
    "spatial_bn_constant_stats": ({"spatial_bn_backward.numeric", "spatial_bn_backward.hidden"}, "constants"),
    "spatial_gn_wrong_axis": (
        {"spatial_gn_forward.public", "spatial_gn_forward.hidden"}
        | {"spatial_gn_backward.numeric", "spatial_gn_backward.hidden"},
        "every G-th channel",
    ),
    "spatial_gn_params_not_summed_over_batch": (
        {"spatial_gn_backward.numeric", "spatial_gn_backward.hidden"},
        "sum over N too",
    ),
}


def graded(path: Path, scratch: Path) -> Report:
    return grade_submission(path, NORM, GradeOptions(secret="norm-secret", scratch_dir=scratch))


def test_the_correct_2018_package_gets_every_normalization_point(tmp_path):
    report = graded(SUBMISSIONS / "course_2018_spatial_norm", tmp_path)
    assert {c.id: c.status for c in report.checks} == {c.id: Status.passed for c in NORM.checks}
    assert report.score == NORM.max_score == 25
    forward = next(c for c in report.checks if c.id == "spatial_bn_forward.public")
    # the notebook's figures: means close to beta (6, 7, 8), stds close to gamma (3, 4, 5)
    assert "means: [6. 7. 8.]" in forward.message and "stds:  [2.99" in forward.message


@pytest.mark.parametrize("bug", sorted(EXPECTED))
def test_each_buggy_example_loses_exactly_its_bugs_checks(bug, tmp_path):
    failing, words = EXPECTED[bug]
    report = graded(SUBMISSIONS / "buggy_norm" / bug, tmp_path)
    assert {c.id for c in report.checks if c.status != Status.passed} == failing
    assert any(c.hint and words in c.hint for c in report.checks if c.id in failing)


def test_a_submission_without_the_layers_gets_not_implemented_and_keeps_the_rest(tmp_path):
    part = RUBRIC.part({"conv_forward.public", "spatial_bn_forward.public", "spatial_gn_backward.numeric"})
    report = grade_submission(SUBMISSIONS / "correct_package", part, GradeOptions(scratch_dir=tmp_path))
    statuses = {c.id: c.status for c in report.checks}
    assert statuses == {
        "conv_forward.public": Status.passed,
        "spatial_bn_forward.public": Status.missing,
        "spatial_gn_backward.numeric": Status.missing,
    }
    missing = next(c for c in report.checks if c.id == "spatial_bn_forward.public")
    assert missing.points == 0 and "spatial_batchnorm_forward" in missing.message


@pytest.mark.parametrize(
    ("layer", "make"),
    [("spatial_batchnorm", spatial_batchnorm_hidden), ("spatial_groupnorm", spatial_groupnorm_hidden)],
)
def test_correct_code_in_the_cases_own_dtype_passes_every_hidden_case(layer, make):
    """The reference run in float32 where the case is float32 (as a student's code runs) is within
    the rubric's tolerances of the float64 answer, over 200 seeds of hidden cases."""
    spec = LAYERS[layer]
    forward, backward = spec.reference
    for seed in range(200):
        for case in make(np.random.default_rng(seed), 6):
            out, cache = forward(*case.args())
            got = (out, *backward(case.dout, cache))
            want = (correct_output(layer, "forward", case), *correct_output(layer, "backward", case))
            tol = tolerance(case.x.dtype, 1e-7, 1e-4)
            for name, a, e in zip(("out", *spec.grads), got, want, strict=True):
                verdict = compare(name, a, np.asarray(e), dtype=case.x.dtype, tol=tol)
                assert verdict.ok, (seed, case.describe(), verdict.message)


def test_a_correct_backward_written_another_way_passes_the_float64_tolerance():
    """batchnorm_backward (through the graph) and the closed form differ by rounding only."""
    for seed in range(50):
        for case in spatial_batchnorm_hidden(np.random.default_rng(seed), 6):
            if case.x.dtype != np.float64:
                continue
            N, C, H, W = case.x.shape
            flat = case.x.transpose(0, 2, 3, 1).reshape(-1, C)
            _, cache = layers.batchnorm_forward(flat, case.gamma, case.beta, dict(case.param))
            dx, _, _ = layers.batchnorm_backward(case.dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
            dx = dx.reshape(N, H, W, C).transpose(0, 3, 1, 2)
            want = correct_output("spatial_batchnorm", "backward", case)[0]
            assert compare("dx", dx, want, dtype=case.x.dtype, tol=1e-7).ok


RUBRIC_HEAD = 'id = "t"\ntitle = "t"\n'


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            'kind = "reference_match"\n'
            'params = { layer = "batchnorm2d", direction = "forward", cases = "public" }',
            "unknown layer 'batchnorm2d'",
        ),
        (
            'kind = "reference_match"\n'
            'params = { layer = "conv_relu", direction = "forward", cases = "hidden" }',
            "declares no hidden",
        ),
        ('kind = "running_average"\nparams = { layer = "spatial_groupnorm", cases = "public" }',
         "declares no running averages"),
        ('kind = "numeric_gradient"\nparams = { layer = "conv_fast" }', "no notebook case for its backward"),
    ],
)
def test_a_rubric_asking_a_layer_for_what_it_does_not_declare_is_refused_in_one_line(params, words, tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(RUBRIC_HEAD + f'[[checks]]\nid = "x.public"\ntitle = "x"\npoints = 1\n{params}\n')
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    assert words in str(error.value) and "\n" not in str(error.value)
