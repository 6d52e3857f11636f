"""The example submissions load and compute what the reference computes, to 1e-9, when imported
from the bundle root alone in a plain child process."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from bundle_exercise import exercise, make_inputs
from loader_support import SUBMISSIONS, exercise_bundle, run_in_root

from grader.load.submission import REQUIRED_SYMBOLS, load

REFERENCE_MODULES = ("reference.layers", "reference.fast_layers", "reference.layer_utils", "reference.cnn")


def reference_get(name: str):
    for module in REFERENCE_MODULES:
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    raise AttributeError(name)


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    return exercise(reference_get, make_inputs(), set(REQUIRED_SYMBOLS))


@pytest.mark.parametrize(
    "example",
    ["correct_package", "correct_module/convnet_hw.py", "correct_notebook/ConvolutionalNetworks.ipynb"],
)
def test_correct_example_matches_reference(example: str, expected, tmp_path: Path):
    bundle = load(SUBMISSIONS / example, tmp_path / "scratch")
    assert [name for name, where in bundle.manifest.symbols.items() if where is None] == []
    assert not [f for f in bundle.manifest.findings if f.kind.startswith("integrity")]
    got = exercise_bundle(bundle, make_inputs(), tmp_path)
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        assert got[key].shape == value.shape, key
        np.testing.assert_allclose(got[key], value, rtol=1e-9, atol=1e-12, err_msg=key)


def test_partial_example_loads_what_is_done(expected, tmp_path: Path):
    bundle = load(SUBMISSIONS / "partial", tmp_path / "scratch")
    symbols = bundle.manifest.symbols
    assert [name for name, where in symbols.items() if where is None] == ["ThreeLayerConvNet"]
    assert symbols["affine_forward"].module == "layers"  # a flat directory
    done = {"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss"}
    got = exercise_bundle(bundle, make_inputs(), tmp_path, only=done | {"conv_relu_forward"})
    for key in got:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-9, atol=1e-12, err_msg=key)
    code = (
        "import numpy as np\nfrom layers import conv_backward_naive\n"
        "print(conv_backward_naive(np.zeros((1, 1, 1, 1)), None))"
    )
    assert run_in_root(bundle.root, code).stdout.strip() == "(None, None, None)"  # still `pass`


def test_syntax_error_example_grades_the_other_files(expected, tmp_path: Path):
    bundle = load(SUBMISSIONS / "syntax_error", tmp_path / "scratch")
    (finding,) = bundle.manifest.findings
    assert (finding.kind, finding.file) == ("syntax_error", "cs231n/classifiers/cnn.py")
    assert [name for name, where in bundle.manifest.symbols.items() if where is None] == ["ThreeLayerConvNet"]
    got = exercise_bundle(bundle, make_inputs(), tmp_path)
    assert sorted(got) == sorted(k for k in expected if not k.startswith("net_"))
    for key in got:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-9, atol=1e-12, err_msg=key)
