"""Every input kind loads from real files into a bundle that imports in a plain child process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from loader_support import SUBMISSIONS, make_zip, run_in_root, tree_members, write_notebook

from grader.load.submission import REQUIRED_SYMBOLS, Kind, LoadError, load

PACKAGE = SUBMISSIONS / "correct_package"
NOTEBOOK = SUBMISSIONS / "correct_notebook" / "ConvolutionalNetworks.ipynb"
MODULE = SUBMISSIONS / "correct_module" / "convnet_hw.py"


def imports_all(bundle) -> None:
    """Every found symbol is importable from the bundle root, and nothing else is needed."""
    pairs = {name: loc.module for name, loc in bundle.manifest.symbols.items() if loc is not None}
    code = (
        "import importlib, json\n"
        f"pairs = json.loads({json.dumps(pairs)!r})\n"
        "missing = [n for n, m in pairs.items()\n"
        "           if not callable(getattr(importlib.import_module(m), n, None))]\n"
        "assert not missing, missing\n"
    )
    done = run_in_root(bundle.root, code)
    assert done.returncode == 0, done.stderr


def test_single_module(scratch: Path):
    bundle = load(MODULE, scratch)
    assert (bundle.kind, bundle.name, bundle.source) == (Kind.module, "convnet_hw.py", str(MODULE))
    assert (bundle.root / "convnet_hw.py").read_bytes() == MODULE.read_bytes()
    assert {loc.module for loc in bundle.manifest.symbols.values()} == {"convnet_hw"}
    lines = MODULE.read_text().splitlines()
    assert (
        bundle.manifest.symbols["conv_forward_naive"].line
        == lines.index("def conv_forward_naive(x, w, b, conv_param):") + 1
    )
    imports_all(bundle)  # its `from cs231n.fast_layers import ...` resolves to the starter code


def test_module_named_like_a_stdlib_module_is_renamed(tmp_path: Path, scratch: Path):
    shutil.copy(MODULE, tmp_path / "random.py")
    bundle = load(tmp_path / "random.py", scratch)
    assert bundle.manifest.symbols["affine_forward"].module == "submission"
    imports_all(bundle)


def test_course_package(scratch: Path):
    bundle = load(PACKAGE, scratch)
    assert bundle.kind == Kind.package
    symbols = bundle.manifest.symbols
    assert symbols["affine_forward"].module == "cs231n.layers"
    assert symbols["conv_relu_pool_forward"].module == "cs231n.layer_utils"
    assert (symbols["ThreeLayerConvNet"].module, symbols["ThreeLayerConvNet"].file) == (
        "cs231n.classifiers.cnn",
        "cs231n/classifiers/cnn.py",
    )
    roles = {f.path: f.role for f in bundle.manifest.files}
    assert roles["cs231n/layers.py"] == "student" and roles["cs231n/fast_layers.py"] == "starter"
    assert "cs231n/im2col_cython.pyx" not in roles  # only Python sources are taken
    imports_all(bundle)


def test_package_one_level_down_with_its_notebook(tmp_path: Path, scratch: Path):
    wrapper = tmp_path / "alice" / "assignment2"
    shutil.copytree(PACKAGE, wrapper)
    shutil.copy(NOTEBOOK, wrapper)
    (tmp_path / "alice" / "README.txt").write_text("my submission")
    bundle = load(tmp_path / "alice", scratch)
    assert bundle.kind == Kind.package and bundle.name == "alice"
    assert bundle.manifest.symbols["affine_forward"].module == "cs231n.layers"
    assert any(f.path == "cs231n/layers.py" for f in bundle.manifest.files)


def test_flat_directory_uses_course_imports(tmp_path: Path, scratch: Path):
    """Gradescope-style upload: the three edited files, flat, still saying `from cs231n.layers import *`."""
    flat = tmp_path / "upload"
    flat.mkdir()
    for rel in ("cs231n/layers.py", "cs231n/layer_utils.py", "cs231n/classifiers/cnn.py"):
        shutil.copy(PACKAGE / rel, flat)
    bundle = load(flat, scratch)
    assert bundle.kind == Kind.package
    assert bundle.manifest.symbols["ThreeLayerConvNet"].module == "cnn"
    assert [n for n, loc in bundle.manifest.symbols.items() if loc is None] == []
    imports_all(bundle)


def test_notebook_file(scratch: Path):
    bundle = load(NOTEBOOK, scratch)
    assert bundle.kind == Kind.notebook
    where = bundle.manifest.symbols["conv_backward_naive"]
    # The notebook defines it twice; the fixed second definition (cell 17) shadows the first.
    assert (where.module, where.file, where.cell, where.line) == (
        "submission_nb",
        "ConvolutionalNetworks.ipynb",
        17,
        1,
    )
    assert any(f.kind == "duplicate" and "conv_backward_naive" in f.message for f in bundle.manifest.findings)
    imports_all(bundle)


def test_directory_holding_one_notebook(tmp_path: Path, scratch: Path):
    folder = tmp_path / "bob"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder / "hw2.ipynb")
    (folder / ".ipynb_checkpoints").mkdir()
    shutil.copy(NOTEBOOK, folder / ".ipynb_checkpoints" / "hw2-checkpoint.ipynb")
    bundle = load(folder, scratch)
    assert (bundle.kind, bundle.name) == (Kind.notebook, "bob")
    assert [f.path for f in bundle.manifest.files] == ["hw2.ipynb"]


def test_zip_of_a_wrapped_package(tmp_path: Path, scratch: Path):
    members = tree_members(PACKAGE, "assignment2/")
    members["__MACOSX/assignment2/._layers.py"] = b"\x00\x05\x16\x07 resource fork"
    members["assignment2/cs231n/datasets/cifar.bin"] = b"\x00" * 1000  # not code: left in the zip
    archive = make_zip(tmp_path / "carol.zip", members)
    bundle = load(archive, scratch)
    assert (bundle.kind, bundle.manifest.inner_kind, bundle.name) == (Kind.zip, Kind.package, "carol.zip")
    assert bundle.manifest.findings == []
    imports_all(bundle)


def test_zip_of_a_notebook_in_a_folder_holding_the_zip(tmp_path: Path, scratch: Path):
    folder = tmp_path / "dave"
    folder.mkdir()
    make_zip(folder / "submission.zip", {"ConvolutionalNetworks.ipynb": NOTEBOOK.read_bytes()})
    bundle = load(folder, scratch)
    assert (bundle.kind, bundle.manifest.inner_kind) == (Kind.zip, Kind.notebook)
    imports_all(bundle)


def test_sha256_covers_paths_and_contents(tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(PACKAGE, copy)
    first = load(copy, tmp_path / "s1").sha256
    assert load(copy, tmp_path / "s2").sha256 == first
    (copy / "cs231n" / "layers.py").write_text((copy / "cs231n" / "layers.py").read_text() + "\n# edited\n")
    assert load(copy, tmp_path / "s3").sha256 != first


def test_required_and_own_symbols_are_parameters(tmp_path: Path, scratch: Path):
    own_fast = tmp_path / "own_fast.py"
    own_fast.write_text(
        MODULE.read_text() + "\n\ndef conv_forward_fast(x, w, b, conv_param):\n    return None\n"
    )
    bundle = load(own_fast, scratch, required_symbols=("softmax_loss", "no_such_thing"))
    symbols = bundle.manifest.symbols
    assert set(symbols) == {"softmax_loss", "no_such_thing", "conv_forward_fast"}
    assert symbols["no_such_thing"] is None
    assert symbols["conv_forward_fast"].module == "own_fast"
    # The package's fast layers live in its starter file, so they are not "its own".
    package_symbols = load(PACKAGE, tmp_path / "s2").manifest.symbols
    assert set(package_symbols) == set(REQUIRED_SYMBOLS)


def test_loading_again_replaces_the_previous_tree(scratch: Path):
    load(PACKAGE, scratch)
    bundle = load(MODULE, scratch)
    assert not (bundle.root / "cs231n" / "layers.py").exists()


def test_notebook_without_course_package_still_gets_fast_layers(tmp_path: Path, scratch: Path):
    path = write_notebook(
        tmp_path / "nb.ipynb",
        [
            "from cs231n.fast_layers import *\nimport numpy as np",
            "def conv_relu_forward(x, w, b, conv_param):\n"
            "    a, cache = conv_forward_fast(x, w, b, conv_param)\n"
            "    return np.maximum(a, 0), (cache, a)",
        ],
    )
    bundle = load(path, scratch)
    code = (
        "import numpy as np\nfrom submission_nb import conv_relu_forward\n"
        "ones = np.ones((1, 1, 3, 3))\n"
        "out, _ = conv_relu_forward(ones, ones, np.zeros(1), {'stride': 1, 'pad': 1})\n"
        "print(out[0, 0, 1, 1])"
    )
    done = run_in_root(bundle.root, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "9.0"


def test_zip_made_on_windows_with_backslash_paths(tmp_path: Path, scratch: Path):
    members = {name.replace("/", "\\"): data for name, data in tree_members(PACKAGE).items()}
    bundle = load(make_zip(tmp_path / "win.zip", members), scratch)
    assert bundle.manifest.symbols["ThreeLayerConvNet"].module == "cs231n.classifiers.cnn"


def test_zip_inside_a_zip_inside_a_zip_is_refused(tmp_path: Path, scratch: Path):
    inner = make_zip(tmp_path / "inner.zip", {"m.py": "x = 1\n"})
    middle = make_zip(tmp_path / "middle.zip", {"inner.zip": inner.read_bytes()})
    outer = make_zip(tmp_path / "outer.zip", {"middle.zip": middle.read_bytes()})
    assert load(middle, tmp_path / "s1").manifest.inner_kind == Kind.zip
    with pytest.raises(LoadError, match="nested more than two deep"):
        load(outer, scratch)


def test_symbol_in_a_file_that_cannot_be_imported_is_reported(tmp_path: Path, scratch: Path):
    package = tmp_path / "pkg"
    shutil.copytree(PACKAGE, package)
    (package / "old version").mkdir()
    shutil.copy(PACKAGE / "cs231n" / "layers.py", package / "old version" / "layers.py")
    bundle = load(package, scratch)
    flagged = {f.message.split()[0] for f in bundle.manifest.findings if f.kind == "not_importable"}
    assert "affine_forward" in flagged and "affine_relu_forward" not in flagged
    assert bundle.manifest.symbols["affine_forward"].file == "cs231n/layers.py"


def test_redefinition_in_one_file_points_at_the_last(tmp_path: Path, scratch: Path):
    path = tmp_path / "twice.py"
    path.write_text("def relu_forward(x):\n    return 1\n\n\ndef relu_forward(x):\n    return 2\n")
    bundle = load(path, scratch)
    assert bundle.manifest.symbols["relu_forward"].line == 5
    (dup,) = [f for f in bundle.manifest.findings if f.kind == "duplicate"]
    assert "twice.py:1" in dup.message
