"""Code changed outside the START/END markers becomes findings; code inside them never does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SUBMISSIONS

from grader.integrity import END, SKELETON_DIR, START, compare
from grader.submission import load

LAYERS = (SUBMISSIONS / "correct_package" / "cs231n" / "layers.py").read_text()
SKELETON = (SKELETON_DIR / "cs231n" / "layers.py").read_text()


def findings_after(old: str, new: str) -> list[tuple[str, int | None]]:
    assert old in LAYERS
    return [(f.kind, f.line) for f in compare(SKELETON, LAYERS.replace(old, new, 1), "layers.py")]


def line_of(text: str) -> int:
    return LAYERS.splitlines().index(text) + 1


def test_filled_in_skeleton_has_no_findings():
    assert compare(SKELETON, LAYERS, "layers.py") == []


def test_comments_docstrings_blank_lines_and_extra_helpers_do_not_count():
    edited = LAYERS.replace('    """ReLU, forward: out = max(0, x), cache = x."""\n', "    # my relu\n\n", 1)
    edited = edited.replace("    cache = (x, w, b)\n", "    cache = (x,  w,  b)   # unchanged\n", 1)
    edited += "\n\ndef my_helper(a):\n    return a + 1\n"
    # The course's own banners around the markers are comments too.
    banner = "    " + "#" * 75 + "\n    #" + " " * 29 + "END OF YOUR CODE" + " " * 28 + "#\n"
    edited = edited.replace(f"    {END}\n", f"    {END}\n{banner}")
    assert compare(SKELETON, edited, "layers.py") == []


def test_changed_signature():
    old = "def conv_forward_naive(x, w, b, conv_param):"
    assert findings_after(old, "def conv_forward_naive(x, w, b, conv_param, verbose=False):") == [
        ("integrity.signature", line_of(old))
    ]


def test_changed_cache_and_return_lines():
    old = "    cache = (x, pool_param)\n    return out, cache\n"
    found = findings_after(old, "    cache = (x, out, pool_param)\n    return out, cache\n")
    assert found == [("integrity.return", line_of("    cache = (x, pool_param)"))]
    found = findings_after(
        "    return dx, dw, db\n\n\ndef relu_forward", "    return dx, dw\n\n\ndef relu_forward"
    )
    assert [kind for kind, _ in found] == ["integrity.return"]


@pytest.mark.parametrize("marker", [START, END])
def test_deleted_marker(marker: str):
    old = (
        f"    out = x * (x > 0)\n    {marker}\n"
        if marker == END
        else f"    {marker}\n    out = x * (x > 0)\n"
    )
    found = findings_after(old, old.replace(f"    {marker}\n", ""))
    relu_lines = range(line_of("def relu_forward(x):"), line_of("def relu_backward(dout, cache):"))
    assert [kind for kind, line in found if line in relu_lines] == ["integrity.markers"]


def test_modified_marker_text():
    old = f"    {START}\n    out = x * (x > 0)\n"
    found = findings_after(old, "    # *****START OF YOUR CODE*****\n    out = x * (x > 0)\n")
    assert ("integrity.markers", line_of("def relu_forward(x):")) in found


def test_deleted_skeleton_function():
    start = LAYERS.index("def relu_backward")
    end = LAYERS.index("def softmax_loss")
    found = compare(SKELETON, LAYERS[:start] + LAYERS[end:], "layers.py")
    assert [(f.kind, f.message) for f in found] == [
        ("integrity.missing", "relu_backward from the skeleton is not defined")
    ]


def test_findings_reach_the_manifest_with_the_student_file_and_line(tmp_path: Path):
    package = tmp_path / "pkg"
    shutil.copytree(SUBMISSIONS / "correct_package", package)
    cnn = package / "cs231n" / "classifiers" / "cnn.py"
    cnn.write_text(
        cnn.read_text().replace(
            "    def loss(self, X, y=None):", "    def loss(self, X, y=None, debug=True):"
        )
    )
    bundle = load(package, tmp_path / "scratch")
    (finding,) = [f for f in bundle.manifest.findings if f.kind.startswith("integrity")]
    assert (finding.kind, finding.file) == ("integrity.signature", "cs231n/classifiers/cnn.py")
    assert finding.message.startswith("ThreeLayerConvNet.loss:")
    assert cnn.read_text().splitlines()[finding.line - 1].strip().startswith("def loss(")
