"""Hidden cases and the known-bug catalogue, in the parent only (no worker, no submission)."""

import numpy as np
import pytest

from grader.checks.cases import conv_hidden, pool_hidden, seeded_rng
from grader.checks.compare import compare
from grader.checks.diagnose import (
    BUGS,
    CONV_BACKWARD,
    CONV_FORWARD,
    POOL_BACKWARD,
    POOL_FORWARD,
    correct_output,
    diagnose_layer,
    diagnose_reg_grads,
    diagnose_reg_loss,
    diagnose_shapes,
)


def test_hidden_cases_depend_on_secret_and_submission_and_repeat_exactly():
    def draw(secret, sha):
        return [c.x for c in conv_hidden(seeded_rng(secret, sha, "conv_forward.hidden"), 8)]

    first, again = draw("s", "a" * 64), draw("s", "a" * 64)
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    for other in (draw("t", "a" * 64), draw("s", "b" * 64)):
        assert any(x.shape != y.shape or not np.array_equal(x, y) for x, y in zip(first, other, strict=True))


def test_hidden_conv_cases_vary_what_the_issue_lists():
    cases = conv_hidden(seeded_rng("s", "a" * 64, "c"), 8)
    assert {c.conv_param["stride"] for c in cases} == {1, 2, 3}
    assert {c.conv_param["pad"] for c in cases} == {0, 1, 2}
    assert {c.x.dtype for c in cases} == {np.dtype(np.float32), np.dtype(np.float64)}
    for c in cases:
        (_, _, H, W), (_, _, HH, WW) = c.x.shape, c.w.shape
        assert H != W and HH != WW
        # the output shape the upstream gradient has is the one the reference produces
        assert correct_output("conv", "forward", c).shape == c.dout.shape


def test_hidden_pool_cases_have_overlapping_and_gapped_windows():
    cases = pool_hidden(seeded_rng("s", "a" * 64, "p"), 8)
    strides = [(c.pool_param["stride"], c.pool_param["pool_height"]) for c in cases]
    assert any(s < p for s, p in strides) and any(s > p for s, p in strides)
    for c in cases:
        assert correct_output("max_pool", "forward", c).shape == c.dout.shape


LAYER_BUGS = [
    ("conv", "forward", conv_hidden, CONV_FORWARD),
    ("conv", "backward", conv_hidden, CONV_BACKWARD),
    ("max_pool", "forward", pool_hidden, POOL_FORWARD),
    ("max_pool", "backward", pool_hidden, POOL_BACKWARD),
]


@pytest.mark.parametrize(("layer", "direction", "make", "variants"), LAYER_BUGS)
def test_each_layer_bug_is_recognised_as_itself_and_no_other(layer, direction, make, variants):
    cases = make(seeded_rng("s", "a" * 64, layer), 8)
    for bug_id, variant in variants.items():
        failures = [(c, variant(c)) for c in cases]
        assert diagnose_layer(layer, direction, failures) == BUGS[bug_id].hint, bug_id


def test_an_unknown_mistake_gets_no_hint():
    cases = conv_hidden(seeded_rng("s", "a" * 64, "c"), 3)
    assert (
        diagnose_layer("conv", "forward", [(c, 2.0 * correct_output("conv", "forward", c)) for c in cases])
        is None
    )


def test_float32_cases_compare_against_the_float64_answer_at_float32_precision():
    case = next(c for c in conv_hidden(seeded_rng("s", "a" * 64, "c"), 8) if c.x.dtype == np.float32)
    expected = correct_output("conv", "forward", case)
    student = expected.astype(np.float32)
    assert compare("out", student, expected, dtype=case.x.dtype, tol=1e-4).ok
    assert not compare("out", student * 1.001, expected, dtype=case.x.dtype, tol=1e-4).ok
    hidden = compare("out", student[:, :1], expected, dtype=case.x.dtype, tol=1e-4, reveal=False)
    assert hidden.message == "out: wrong shape"


def test_model_bugs_are_recognised_from_the_students_own_numbers():
    assert diagnose_reg_loss(2.0, 1.0) == BUGS["reg_without_half"].hint
    assert diagnose_reg_loss(0.0, 1.0) == BUGS["reg_missing_from_loss"].hint
    assert diagnose_reg_loss(1.3, 1.0) is None
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(2)}
    numeric = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(2)}
    without_reg = {"W1": numeric["W1"] - 0.5 * params["W1"], "b1": numeric["b1"]}
    assert diagnose_reg_grads(without_reg, numeric, params, 0.5) == BUGS["reg_missing_from_grads"].hint
    assert diagnose_reg_grads(numeric, numeric, params, 0.5) is None
    shapes = {"W2": (4 * 16 * 20, 9)}
    assert diagnose_shapes((3, 16, 20), 4, 9, shapes) == BUGS["pool_missing_in_hidden_size"].hint
    assert diagnose_shapes((3, 16, 20), 4, 9, {"W2": (4 * 8 * 10, 9)}) is None


def test_catalogue_names_at_least_thirteen_distinct_bugs():
    assert len(BUGS) >= 13
    assert len({bug.hint for bug in BUGS.values()}) == len(BUGS)
