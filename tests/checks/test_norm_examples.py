"""The spatial-normalization example submissions: the correct one computes what the reference does,
each buggy one computes what its bug's variant in grader.judge.layers.norm_variants does."""

import ast
from pathlib import Path

import numpy as np
import pytest
from test_norm_variants import generic_case, run, same

from grader.judge.layers.norm_variants import VARIANTS
from grader.load.integrity import compare
from reference import layers

SUBMISSIONS = Path(__file__).resolve().parents[2] / "submissions"
NORM_FUNCTIONS = {
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
    "spatial_groupnorm_forward",
    "spatial_groupnorm_backward",
}
# buggy_norm/<bug> -> the variant that has its bug (the same name unless noted)
EXAMPLE_VARIANT = {
    "spatial_bn_no_transpose": ["spatial_bn_no_transpose"],
    "spatial_bn_running_not_stored": ["spatial_bn_running_not_stored"],
    "spatial_bn_unbiased_var": ["spatial_bn_unbiased_var"],
    "spatial_gn_wrong_axis": ["spatial_gn_wrong_axis"],
    "spatial_gn_params_not_summed_over_batch": ["spatial_gn_params_not_summed_over_batch"],
    "spatial_bn_constant_stats": ["spatial_bn_constant_stats"],
}

FORWARD = {
    name: name.replace("backward", "forward")
    for name in ("spatial_batchnorm_forward", "spatial_batchnorm_backward")
    + ("spatial_groupnorm_forward", "spatial_groupnorm_backward")
}


def norm_functions(path: Path) -> dict:
    """The normalization functions defined in a student file, without importing the rest of it."""
    tree = ast.parse(path.read_text())
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in NORM_FUNCTIONS]
    namespace = {"np": np}
    exec(compile(ast.Module(body=defs, type_ignores=[]), str(path), "exec"), namespace)
    return {name: namespace[name] for name in NORM_FUNCTIONS}


def test_the_correct_2018_example_computes_the_reference():
    student = norm_functions(SUBMISSIONS / "course_2018_spatial_norm" / "cs231n" / "layers.py")
    case = generic_case()
    for name in {layer for layer, _ in VARIANTS.values()}:
        got = run(name, student[name], *case, forward=student[FORWARD[name]])
        assert same(got, run(name, getattr(layers, name), *case)), name
    x, gamma, beta, dout = (a[:, :, 0, 0] if a.ndim == 4 else a for a in case)
    _, cache = student["batchnorm_forward"](x, gamma, beta, {"mode": "train"})
    _, want_cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    want = layers.batchnorm_backward(dout, want_cache)
    for backward in ("batchnorm_backward", "batchnorm_backward_alt"):
        assert same(student[backward](dout, cache), want), backward


def test_every_buggy_example_is_covered():
    assert sorted(p.name for p in (SUBMISSIONS / "buggy_norm").iterdir()) == sorted(EXAMPLE_VARIANT)


@pytest.mark.parametrize("bug", sorted(EXAMPLE_VARIANT))
def test_each_buggy_example_computes_its_variant(bug):
    student = norm_functions(SUBMISSIONS / "buggy_norm" / bug / "convnet_hw.py")
    case = generic_case()
    for variant_name in EXAMPLE_VARIANT[bug]:
        layer_name, variant = VARIANTS[variant_name]
        got = run(layer_name, student[layer_name], *case, forward=student[FORWARD[layer_name]])
        assert same(got, run(layer_name, variant, *case)), variant_name
        assert not same(got, run(layer_name, getattr(layers, layer_name), *case))


SKELETON = Path(__file__).resolve().parents[2] / "reference" / "starter" / "cs231n" / "layers.py"


def test_the_2018_example_keeps_the_skeletons_code_outside_the_markers():
    student = SUBMISSIONS / "course_2018_spatial_norm" / "cs231n" / "layers.py"
    assert compare(SKELETON.read_text(), student.read_text(), "cs231n/layers.py") == []
    # the code outside the markers is compared: dropping the write-back of the running averages shows
    edited = student.read_text().replace("    bn_param['running_var'] = running_var\n", "")
    findings = compare(SKELETON.read_text(), edited, "cs231n/layers.py")
    assert findings and "batchnorm_forward" in str(findings[0])
