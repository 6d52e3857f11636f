"""Hidden cases and the known-bug catalogue, in the parent only (no worker, no submission)."""

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from grader.isolate import StudentFailure
from grader.judge.compare import compare
from grader.judge.diagnose import (
    BUGS,
    CONV_BACKWARD,
    CONV_FORWARD,
    POOL_BACKWARD,
    POOL_FORWARD,
    diagnose_failure,
    diagnose_layer,
    diagnose_reg_grads,
    diagnose_reg_loss,
    diagnose_shapes,
)
from grader.judge.expected import correct_output
from grader.judge.layers.cases import (
    ConvCase,
    PoolCase,
    conv_backward_public,
    conv_hidden,
    max_pool_backward_public,
    pool_hidden,
    seeded_rng,
)
from grader.judge.layers.registry import LAYERS
from grader.judge.student_calls import MalformedResultError
from grader.load.submission import load
from reference.cnn import ThreeLayerConvNet
from reference.gradient_check import eval_numerical_gradient


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


# --- hints found by behaviour, on the example submissions' own code -------------------------------
# The examples are trusted here: they are imported in-process (the loader's Bundle, then importlib),
# and a probe runs them the way the worker would, an exception becoming a StudentFailure.

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"


def student_code(example: str, symbol: str, scratch: Path) -> Callable:
    """The function `symbol` of a submission under submissions/, imported in this process."""
    bundle = load(SUBMISSIONS / example, scratch)
    location = bundle.manifest.symbols[symbol]
    assert location is not None, f"{example} defines no {symbol}"
    before = set(sys.modules)
    sys.path.insert(0, str(bundle.root))
    try:
        module = importlib.import_module(location.module)
    finally:
        sys.path.remove(str(bundle.root))
        for name in set(sys.modules) - before:  # the next example may use the same module names
            del sys.modules[name]
    return getattr(module, symbol)


@dataclass
class Student:
    """A student's forward and backward of one layer, run like the checks run them."""

    forward: Callable
    backward: Callable | None

    def run(self, direction: str, case: ConvCase | PoolCase) -> object:
        try:
            out, cache = self.forward(*case.args())
            return out if direction == "forward" else self.backward(case.dout, cache)
        except Exception as exc:  # what the worker reports: the exception's last line
            raise StudentFailure("error", f"{type(exc).__name__}: {exc}") from exc

    def probe(self, direction: str) -> Callable[[ConvCase | PoolCase], object]:
        return lambda case: self.run(direction, case)

    def failures(self, layer: str, direction: str, cases) -> tuple[list, list[str]]:
        """(case, output) for the wrong cases and the messages of the crashed ones."""
        wrong, crashed = [], []
        for case in cases:
            try:
                out = self.run(direction, case)
            except StudentFailure as failure:
                crashed.append(failure.message)
                continue
            if not _matches_reference(layer, direction, case, out):
                wrong.append((case, out))
        return wrong, crashed


def _matches_reference(layer, direction, case, out) -> bool:
    expected = correct_output(layer, direction, case)
    parts = expected if isinstance(expected, tuple) else (expected,)
    got = out if isinstance(expected, tuple) else (out,)
    if not isinstance(got, tuple | list) or len(got) != len(parts):
        return False
    return all(
        compare("o", g, np.asarray(e), dtype=case.x.dtype, tol=1e-5).ok
        for g, e in zip(got, parts, strict=True)
    )


def layer_of(example: str, layer: str, scratch: Path) -> Student:
    forward, backward = LAYERS[layer].forward, LAYERS[layer].backward
    return Student(student_code(example, forward, scratch), student_code(example, backward, scratch))


HIDDEN = {"conv": conv_hidden, "max_pool": pool_hidden}
ALL_HINTS = {bug.hint for bug in BUGS.values()}

# example -> (layer, direction, bug, found from the failing cases alone, without a probe)
BEHAVIOUR = {
    "buggy/conv_dx_pad_slice": ("conv", "backward", "conv_dx_empty_without_pad", True),
    "buggy/conv_dx_crop_per_sample": ("conv", "backward", "conv_breaks_without_pad", False),
    "buggy/conv_x_pad_unset": ("conv", "forward", "conv_breaks_without_pad", False),
    "buggy/max_pool_assign_window": ("max_pool", "backward", "max_pool_backward_overwrites", True),
    "buggy/max_pool_fancy_index": ("max_pool", "backward", "max_pool_backward_overwrites", True),
    "buggy/max_pool_stride_as_window": ("max_pool", "forward", "max_pool_stride_ignored", False),
}


@pytest.mark.parametrize("example", sorted(BEHAVIOUR))
def test_each_common_bug_is_named_from_the_students_behaviour(example, tmp_path):
    layer, direction, bug, without_probe = BEHAVIOUR[example]
    student = layer_of(example, layer, tmp_path)
    # the notebook's own case passes: only other pads / window layouts show the bug
    public = {"conv": conv_backward_public, "max_pool": max_pool_backward_public}[layer]()
    assert _matches_reference(layer, direction, public, student.run(direction, public))
    wrong, crashed = student.failures(layer, direction, HIDDEN[layer](seeded_rng("s", "a" * 64, "h"), 8))
    assert wrong or crashed
    hint = diagnose_layer(layer, direction, wrong, probe=student.probe(direction))
    assert hint == BUGS[bug].hint
    assert (diagnose_layer(layer, direction, wrong) == hint) is without_probe


def test_a_probe_never_names_a_bug_in_a_correct_layer(tmp_path):
    for layer in ("conv", "max_pool"):
        for direction in ("forward", "backward"):
            student = layer_of("correct_module", layer, tmp_path)
            assert diagnose_layer(layer, direction, [], probe=student.probe(direction)) is None


def test_a_probe_that_times_out_stops_the_diagnosis_quietly():
    calls = []

    def hangs(case):
        calls.append(case)
        raise StudentFailure("timeout", "timed out after 30 s")

    assert diagnose_layer("max_pool", "backward", [], probe=hangs) is None
    assert diagnose_layer("conv", "forward", [], probe=hangs) is None
    assert len(calls) == 2  # one probe each, then it stops


def test_malformed_probe_results_are_tolerated():
    def malformed(case):
        raise MalformedResultError("conv_backward_naive should return (dx, dw, db)")

    for layer in ("conv", "max_pool"):
        assert diagnose_layer(layer, "backward", [], probe=malformed) is None
    assert diagnose_layer("conv", "backward", [], probe=lambda case: "nonsense") is None
    assert diagnose_layer("max_pool", "backward", [], probe=lambda case: [1, 2]) is None


def test_the_pad_hints_need_the_pad_condition():
    """dx empty at pad > 0, or a layer broken at pad = 1 as well: not the pad = 0 bug."""
    cases = conv_hidden(seeded_rng("s", "a" * 64, "c"), 8)
    empty = [
        (c, (np.zeros(c.x.shape[:2] + (0, 0)), *correct_output("conv", "backward", c)[1:])) for c in cases
    ]
    assert diagnose_layer("conv", "backward", empty) is None  # empty at every pad: something else
    only_unpadded = [f for f in empty if f[0].conv_param["pad"] == 0]
    assert diagnose_layer("conv", "backward", only_unpadded) == BUGS["conv_dx_empty_without_pad"].hint

    def broken_everywhere(case):
        raise StudentFailure("error", "NameError: name 'x_pad' is not defined")

    assert diagnose_layer("conv", "forward", [], probe=broken_everywhere) is None


# Bugs no example shows, written here as a student might: the diagnosis must still name them.
def _pool_backward_assign_at_argmax(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s : i * s + ph, j * s : j * s + pw]
        r, q = divmod(int(win.argmax()), pw)
        dx[n, c, i * s + r, j * s + q] = dout[n, c, i, j]
    return dx


def _pool_backward_tiles(dout, cache):
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * ph : (i + 1) * ph, j * pw : (j + 1) * pw]
        dx[n, c, i * ph : (i + 1) * ph, j * pw : (j + 1) * pw] += (win == win.max()) * dout[n, c, i, j]
    return dx


@pytest.mark.parametrize(
    ("backward", "bug", "without_probe"),
    [
        (_pool_backward_assign_at_argmax, "max_pool_backward_overwrites", True),
        (_pool_backward_tiles, "max_pool_stride_ignored", False),
    ],
)
def test_held_out_pool_bugs_are_named_by_behaviour(backward, bug, without_probe, tmp_path):
    student = Student(layer_of("correct_module", "max_pool", tmp_path).forward, backward)
    wrong, _ = student.failures("max_pool", "backward", pool_hidden(seeded_rng("t", "b" * 64, "p"), 8))
    assert diagnose_layer("max_pool", "backward", wrong, probe=student.probe("backward")) == BUGS[bug].hint
    assert (diagnose_layer("max_pool", "backward", wrong) == BUGS[bug].hint) is without_probe
    # dx as layer_io.backward hands it back, (dx,), is understood too
    as_tuple = diagnose_layer("max_pool", "backward", [], probe=lambda c: (student.run("backward", c),))
    assert as_tuple == BUGS[bug].hint


@pytest.mark.parametrize(
    ("layer", "message", "bug"),
    [
        ("conv", "NameError: name 'x_pad' is not defined", "conv_breaks_without_pad"),
        ("conv", "local variable 'xpadded' referenced before assignment", "conv_breaks_without_pad"),
        ("conv", "cannot access local variable 'x_pad' where it is not", "conv_breaks_without_pad"),
        ("max_pool", "zero-size array to reduction operation maximum", "max_pool_empty_window"),
    ],
)
def test_error_messages_that_name_the_bug(layer, message, bug):
    assert diagnose_failure(layer, "forward", message) == BUGS[bug].hint


def test_error_messages_that_do_not():
    assert diagnose_failure("conv", "forward", "NameError: name 'stride' is not defined") is None
    assert diagnose_failure("conv", "forward", "ValueError: operands could not be broadcast together") is None
    assert diagnose_failure("max_pool", "backward", "NameError: name 'x_pad' is not defined") is None


def test_the_crashes_of_the_examples_are_named_by_their_messages(tmp_path):
    student = layer_of("buggy/conv_x_pad_unset", "conv", tmp_path)
    _, crashed = student.failures("conv", "forward", conv_hidden(seeded_rng("s", "a" * 64, "c"), 8))
    assert crashed and {diagnose_failure("conv", "forward", m) for m in crashed} == {
        BUGS["conv_breaks_without_pad"].hint
    }
    pool = layer_of("buggy/max_pool_stride_as_window", "max_pool", tmp_path)
    _, crashed = pool.failures("max_pool", "forward", pool_hidden(seeded_rng("s", "a" * 64, "p"), 8))
    assert crashed and {diagnose_failure("max_pool", "forward", m) for m in crashed} == {
        BUGS["max_pool_empty_window"].hint
    }


def test_every_hint_is_a_fixed_sentence_of_the_catalogue(tmp_path):
    """Hints on hidden cases reveal nothing of them: the same sentence whatever the inputs."""
    student = layer_of("buggy/max_pool_assign_window", "max_pool", tmp_path)
    hints = set()
    for secret in ("s", "t", "u"):
        wrong, _ = student.failures("max_pool", "backward", pool_hidden(seeded_rng(secret, "a" * 64, "p"), 8))
        hints.add(diagnose_layer("max_pool", "backward", wrong, probe=student.probe("backward")))
    assert len(hints) == 1 and hints <= ALL_HINTS


# --- model hints, from the numbers of the example nets (run in-process) ---------------------------

SMALL_NET = {
    "input_dim": (3, 8, 10),
    "num_filters": 2,
    "filter_size": 3,
    "hidden_dim": 5,
    "num_classes": 4,
    "weight_scale": 1e-1,
    "dtype": np.float64,
}
REG = 0.7


@dataclass
class NetNumbers:
    params: dict[str, np.ndarray]
    reg_term: float  # the student's loss with reg minus their loss without, on the same params
    expected_term: float
    grads: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]  # of the student's own loss
    expected: dict[str, np.ndarray]  # the reference net's gradients on the same params


def net_numbers(example: str, scratch: Path) -> NetNumbers:
    Net = student_code(example, "ThreeLayerConvNet", scratch)
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, *SMALL_NET["input_dim"])), rng.integers(4, size=3)
    np.random.seed(0)
    model = Net(**SMALL_NET, reg=REG)
    loss, grads = model.loss(X, y)
    params = {k: v.copy() for k, v in model.params.items()}
    without = Net(**SMALL_NET, reg=0.0)
    without.params.update({k: v.copy() for k, v in params.items()})
    numeric = {
        k: eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[k], verbose=False, h=1e-6)
        for k in params
    }
    reference = ThreeLayerConvNet(**SMALL_NET, reg=REG)
    reference.params = {k: v.copy() for k, v in params.items()}
    _, expected = reference.loss(X, y)
    norm = sum(float(np.sum(v**2)) for k, v in params.items() if k.startswith("W"))
    return NetNumbers(params, loss - without.loss(X, y)[0], 0.5 * REG * norm, grads, numeric, expected)


@pytest.mark.parametrize(
    ("example", "bug"),
    [
        ("buggy/reg_sum_squared", "reg_sum_squared"),
        ("buggy/reg_without_half", "reg_without_half"),
        ("buggy/reg_missing_from_loss", "reg_missing_from_loss"),
        ("correct_module", None),
        ("buggy/reg_grad_scalar", None),  # its loss is right
    ],
)
def test_the_reg_term_is_recognised_from_the_students_loss(example, bug, tmp_path):
    n = net_numbers(example, tmp_path)
    hint = diagnose_reg_loss(n.reg_term, n.expected_term, params=n.params, reg=REG)
    assert hint == (BUGS[bug].hint if bug else None)


def test_sum_squared_needs_the_params_to_be_named(tmp_path):
    n = net_numbers("buggy/reg_sum_squared", tmp_path)
    assert diagnose_reg_loss(n.reg_term, n.expected_term) is None


@pytest.mark.parametrize(
    ("example", "bug"),
    [
        ("buggy/reg_grad_scalar", "reg_grad_scalar"),
        ("buggy/reg_missing_from_grads", "reg_missing_from_grads"),
        ("correct_module", None),
    ],
)
def test_the_reg_gradient_is_recognised_from_the_students_gradients(example, bug, tmp_path):
    n = net_numbers(example, tmp_path)
    want = BUGS[bug].hint if bug else None
    assert diagnose_reg_grads(n.grads, n.numeric, n.params, REG) == want
    assert diagnose_reg_grads(n.grads, n.numeric, n.params, REG, expected=n.expected) == want


def test_held_out_reg_mistakes_are_named_by_their_shape():
    rng = np.random.default_rng(3)
    params = {
        k: rng.standard_normal(s)
        for k, s in [
            ("W1", (2, 3, 3, 3)),
            ("b1", (2,)),
            ("W2", (8, 5)),
            ("b2", (5,)),
            ("W3", (5, 4)),
            ("b3", (4,)),
        ]
    }
    sq = {k: float(np.sum(v**2)) for k, v in params.items()}
    expected = 0.5 * REG * (sq["W1"] + sq["W2"] + sq["W3"])
    total_sum_squared = 0.5 * REG * sum(float(np.sum(params[k])) for k in ("W1", "W2", "W3")) ** 2
    for term, bug in [
        (0.5 * REG * (sq["W1"] + sq["W2"]), "reg_misses_weights"),
        (expected + 0.5 * REG * (sq["b1"] + sq["b2"] + sq["b3"]), "reg_on_biases"),
        (total_sum_squared, "reg_sum_squared"),
    ]:
        assert diagnose_reg_loss(term, expected, params=params, reg=REG) == BUGS[bug].hint, bug
    assert diagnose_reg_loss(expected * 1.3, expected, params=params, reg=REG) is None
    truth = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    doubled = {k: truth[k] + (REG * v if k.startswith("W") else 0) for k, v in params.items()}
    assert diagnose_reg_grads(doubled, truth, params, REG) == BUGS["reg_grad_wrong_factor"].hint
    one_missing = {k: truth[k] - (REG * v if k == "W2" else 0) for k, v in params.items()}
    assert diagnose_reg_grads(one_missing, truth, params, REG) == BUGS["reg_missing_from_grads"].hint
    noisy = {k: truth[k] + 1e-2 * rng.standard_normal(v.shape) for k, v in params.items()}
    assert diagnose_reg_grads(noisy, truth, params, REG) is None


def test_params_built_in_loss_are_seen_right_after_init(tmp_path):
    Net = student_code("buggy/params_built_in_loss", "ThreeLayerConvNet", tmp_path)
    model = Net(**SMALL_NET, reg=REG)
    shapes = {k: v.shape for k, v in model.params.items()}
    hint = BUGS["params_not_built_in_init"].hint
    assert diagnose_shapes(SMALL_NET["input_dim"], 2, 5, shapes) == hint
    assert diagnose_reg_loss(1.0, 0.0, params=model.params, reg=REG) == hint
    model.loss(np.zeros((1, *SMALL_NET["input_dim"])), np.zeros(1, dtype=int))
    assert {k: v.shape for k, v in model.params.items()} == {
        k: v.shape for k, v in ThreeLayerConvNet(**SMALL_NET).params.items()
    }  # the net works once loss() has run: only the timing of the build is wrong


def test_a_hard_coded_filter_size_is_seen_with_another_filter_size(tmp_path):
    examples = [("buggy/filter_size_hard_coded", "filter_size_hard_coded"), ("correct_module", None)]
    for example, bug in examples:
        Net = student_code(example, "ThreeLayerConvNet", tmp_path)
        for size in (3, 7):
            model = Net(**{**SMALL_NET, "filter_size": size})
            shapes = {k: v.shape for k, v in model.params.items()}
            found = diagnose_shapes(SMALL_NET["input_dim"], 2, 5, shapes, filter_size=size)
            # with the default size (7) the hard-coded net is right: only another size shows it
            assert found == (BUGS[bug].hint if bug and size != 7 else None), (example, size)
    w2 = {"W1": (2, 3, 3, 3), "W2": (2 * 16 * 16, 5)}
    assert diagnose_shapes((3, 8, 10), 2, 5, w2, filter_size=3) == BUGS["input_size_hard_coded"].hint


def _conv_backward_crops_only_if_padded(dout, cache):
    """A held-out variant: the crop sits under `if pad:`, so dx is never set when pad = 0."""
    x, w, _, conv_param = cache
    pad, stride = conv_param["pad"], conv_param["stride"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    _, _, HH, WW = w.shape
    for n, f, i, j in np.ndindex(*dout.shape):
        rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
        dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
        dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    if pad:
        dx = dx_pad[:, :, pad:-pad, pad:-pad]
    return dx, dw, dout.sum(axis=(0, 2, 3))  # the bug: dx is unset when pad = 0


def test_a_held_out_pad_bug_is_named_by_probing_both_pads(tmp_path):
    forward = layer_of("correct_module", "conv", tmp_path).forward
    student = Student(forward, _conv_backward_crops_only_if_padded)
    wrong, crashed = student.failures("conv", "backward", conv_hidden(seeded_rng("t", "b" * 64, "c"), 8))
    assert crashed and not wrong  # every pad = 0 case crashes, naming dx, not a pad variable
    assert {diagnose_failure("conv", "backward", m) for m in crashed} == {None}
    hint = diagnose_layer("conv", "backward", wrong, probe=student.probe("backward"))
    assert hint == BUGS["conv_breaks_without_pad"].hint
