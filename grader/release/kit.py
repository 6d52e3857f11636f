"""`cnngrade release --kit DIR`: the student kit, a wheel of the self-check without the answer key.

Built from a staged copy of the checkout:

- the answer-key modules (`reference/layers.py`, `layer_utils.py`, `cnn.py`) become stubs with
  the same names whose every function raises; `reference/demo.py` (it runs them) is left out;
- `grader/checks/kit_yardstick.npz` holds what the public checks compare with, computed here by
  the reference (`precompute`); its presence switches `grader.checks.expected` to it;
- the rubric given becomes the kit's default rubric; the distribution is named `cnngrade-kit`.

The starter modules the course hands out (`fast_layers`, `optim`, `solver`, `gradient_check`,
`data`, the notebook's cases) stay.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from pathlib import Path

from grader import data_cache
from grader.checks import diagnose, expected, layer_io, model_io, numeric_gradient, reference_match
from grader.checks.cases import ConvCase, PoolCase, public_rng
from grader.checks.yardstick import INSTALLED, Table
from grader.grade import GradeOptions, _training_data
from grader.release import ReleaseError
from grader.release.wheel import build_wheel, checkout_root, stage_project
from grader.report import Visibility
from grader.rubric import (
    CnnGradientCheck,
    InitialLossCheck,
    ModelConfig,
    NumericGradientCheck,
    ReferenceMatchCheck,
    Rubric,
    TrainCheck,
)

ANSWER_KEY = ("layers.py", "layer_utils.py", "cnn.py")  # in reference/
LEFT_OUT = ("demo.py",)
DISTRIBUTION = "cnngrade-kit"


def build(out_dir: Path, rubric_path: Path, rubric: Rubric, cache_dir: Path) -> Path:
    """Write the kit's wheel into `out_dir`; its path."""
    table = precompute(rubric, cache_dir)
    with tempfile.TemporaryDirectory(prefix="cnngrade-kit-") as tmp:
        staged = stage_project(checkout_root(), Path(tmp) / "project")
        reference = staged / "reference"
        for name in ANSWER_KEY:
            (reference / name).write_text(stub_module(reference / name), encoding="utf-8")
        for name in LEFT_OUT:
            (reference / name).unlink()
        table.save(staged / INSTALLED.relative_to(INSTALLED.parents[2]))
        shutil.copy(rubric_path, staged / "grader" / "rubrics" / "convnet.toml")
        _kit_metadata(staged / "pyproject.toml")
        return build_wheel(staged, out_dir)


def _kit_metadata(pyproject: Path) -> None:
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('name = "cnngrade"', f'name = "{DISTRIBUTION}"', 1)
    text = re.sub(r'(grader = \[)', r'\1"checks/*.npz", ', text, count=1)
    pyproject.write_text(text, encoding="utf-8")


def stub_module(path: Path) -> str:
    """The module's public names, each a function or class that raises: no answer in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = [
        f'"""Not in the student kit: `reference/{path.name}` is the answer key (docs/kits.md)."""',
        "",
        "",
        "def _absent(name):",
        '    raise RuntimeError(f"{name} is part of the answer key and is not in the student kit")',
        "",
    ]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines += ["", f"def {node.name}(*args, **kwargs):", f'    _absent("{node.name}")', ""]
        elif isinstance(node, ast.ClassDef):
            lines += [
                "",
                f"class {node.name}:",
                "    def __init__(self, *args, **kwargs):",
                f'        _absent("{node.name}")',
                "",
            ]
    return "\n".join(lines)


def precompute(rubric: Rubric, cache_dir: Path) -> Table:
    """The reference's answers on every input the rubric's public checks will look up in the kit."""
    if not expected.full():
        raise ReleaseError("this is the student kit: releases are built from the instructor's checkout")
    table = Table()
    for spec in rubric.checks:
        if spec.visibility != Visibility.public:
            continue
        if isinstance(spec, ReferenceMatchCheck):
            (case,) = reference_match.make_cases(spec, None)  # type: ignore[arg-type]  # public: no ctx
            _layer_case(table, spec.params.layer, spec.params.direction, case)
        elif isinstance(spec, NumericGradientCheck):
            layer = spec.params.layer
            case, pool_param = numeric_gradient._case(layer)
            args = layer_io.forward_args(case, pool_param)
            table.put(expected.layer_forward(layer, args), "layer_forward", layer, args)
            if layer in ("conv", "max_pool"):
                _layer_case(table, layer, "backward", case)
        elif isinstance(spec, InitialLossCheck):
            config = spec.params.model.model_copy(update={"reg": spec.params.reg})
            _probe(table, config, spec.id, spec.params.num_inputs, with_grads=False)
        elif isinstance(spec, CnnGradientCheck):
            _probe(table, spec.params.model, spec.id, spec.params.num_inputs, with_grads=True)
    _training(table, rubric, cache_dir)
    return table


def _layer_case(table: Table, layer: str, direction: str, case: ConvCase | PoolCase) -> None:
    table.put(diagnose.correct_output(layer, direction, case), "correct_output", layer, direction, case)
    table.put(diagnose.distinct_variants(layer, direction, case), "variants", layer, direction, case)


def _probe(table: Table, config: ModelConfig, check_id: str, num_inputs: int, *, with_grads: bool) -> None:
    """The reference net at the grader's probing weights, drawn as `model_io.evaluate` draws them.
    The gradients are kept only for the checks that judge them (the notebook's default net's W2
    alone is 6.5 MB)."""
    rng = public_rng(check_id)
    X, y = model_io.inputs(rng, config, num_inputs)
    probe = expected.probing_params(rng, config)
    for reg in (None, 0.0):
        loss, grads = expected.model_loss(config, probe, X, y, reg=reg)
        table.put((loss, grads if with_grads else {}), "model_loss", config, probe, X, y, reg)
    table.put(expected.model_scores(config, probe, X), "model_scores", config, probe, X)
    table.put(diagnose.relu_missing_loss(config, probe, X, y), "relu_missing_loss", config, probe, X, y)


def _training(table: Table, rubric: Rubric, cache_dir: Path) -> None:
    """The reference's accuracy in each public training check on the built-in dataset (with
    CIFAR-10 the kit uses the rubric's absolute threshold, like the grader)."""
    options = GradeOptions(cache_dir=cache_dir)
    data_dir = _training_data(rubric, options)
    if data_dir is None:
        return
    dataset = data_cache.dataset_label(None)
    for spec in rubric.checks:
        if isinstance(spec, TrainCheck) and spec.visibility == Visibility.public:
            p = spec.params
            run = data_cache.reference_run(cache_dir, data_dir, dataset, p, p.num_train)
            table.put(run, "reference_run", dataset, p, p.num_train)
