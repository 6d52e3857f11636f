"""The example submissions load and compute what the reference computes, to 1e-9, when imported
from the bundle root alone in a plain child process."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from bundle_exercise import exercise, make_inputs
from conftest import SUBMISSIONS, exercise_bundle

from grader.submission import REQUIRED_SYMBOLS, load

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
