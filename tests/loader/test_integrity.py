"""Code changed outside the START/END markers becomes findings; code inside them never does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from loader_support import SUBMISSIONS

from grader.load.integrity import END, SKELETON_DIR, START, compare
from grader.load.submission import load

LAYERS = (SUBMISSIONS / "correct_package" / "cs231n" / "layers.py").read_text()
SKELETON = (SKELETON_DIR / "cs231n" / "layers.py").read_text()


def findings_after(old: str, new: str) -> list[tuple[str, int | None]]:
    assert old in LAYERS
    edited = LAYERS.replace(old, new, 1)
    return [(f.kind, f.line) for f in compare(SKELETON, edited, "layers.py", detail=True)]


def line_of(text: str) -> int:
    return LAYERS.splitlines().index(text) + 1


def test_filled_in_skeleton_has_no_findings():
    assert compare(SKELETON, LAYERS, "layers.py", detail=True) == []


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


def test_a_deleted_function_is_not_an_integrity_note():
    # The symbol is reported missing where it matters (the manifest's symbols), not twice.
    start = LAYERS.index("def relu_backward")
    end = LAYERS.index("def softmax_loss")
    assert compare(SKELETON, LAYERS[:start] + LAYERS[end:], "layers.py", detail=True) == []


def test_quote_style_line_breaks_and_trailing_commas_do_not_count():
    cnn_skeleton = (SKELETON_DIR / "cs231n" / "classifiers" / "cnn.py").read_text()
    cnn = (SUBMISSIONS / "correct_package" / "cs231n" / "classifiers" / "cnn.py").read_text()
    assert 'self.params["W1"]' in cnn and "dtype=np.float32,\n" in cnn_skeleton
    # 2019's spelling: single quotes, the signature on three lines without a trailing comma.
    old_style = cnn.replace('"', "'")
    start = old_style.index("    def __init__(")
    end = old_style.index("):\n", start) + 3
    old_style = (
        old_style[:start]
        + "    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,\n"
        + "                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,\n"
        + "                 dtype=np.float32):\n"
        + old_style[end:]
    )
    assert old_style != cnn
    assert compare(cnn_skeleton, old_style, "cnn.py", detail=True) == []
    changed = old_style.replace("'pad': (filter_size - 1) // 2", "'pad': 0")
    assert [f.kind for f in compare(cnn_skeleton, changed, "cnn.py", detail=True)] == ["integrity.changed"]


def test_code_without_markers_is_the_course_s_and_never_compared():
    # Course-provided functions (the sandwiches) and pre-2019 files carry no markers.
    no_markers = "\n".join(
        line for line in LAYERS.splitlines() if "START OF YOUR CODE" not in line and "END OF YOUR" not in line
    )
    no_markers = no_markers.replace("    cache = (x, w, b)\n", "    cache = (x, w, b, None)\n")
    assert compare(SKELETON, no_markers, "layers.py", detail=True) == []
    utils = (SKELETON_DIR / "cs231n" / "layer_utils.py").read_text()
    rewritten = utils.replace("s, relu_cache = relu_forward(a)", "r, relu_cache = relu_forward(a)")
    rewritten = rewritten.replace("_fast(s, pool_param)", "_fast(r, pool_param)")
    assert rewritten != utils and compare(utils, rewritten, "layer_utils.py", detail=True) == []


def test_one_summary_finding_per_file_by_default():
    edited = LAYERS.replace(
        "def conv_forward_naive(x, w, b, conv_param):", "def conv_forward_naive(x, w, b, conv_param, v=0):"
    )
    edited = edited.replace("    cache = (x, pool_param)\n", "    cache = (x, out, pool_param)\n")
    detailed = compare(SKELETON, edited, "layers.py", detail=True)
    assert len(detailed) == 2
    (summary,) = compare(SKELETON, edited, "layers.py")
    assert summary.kind == "integrity.signature" and summary.file == "layers.py"
    assert summary.line == min(f.line for f in detailed)
    assert "conv_forward_naive (signature)" in summary.message
    assert "max_pool_forward_naive (return)" in summary.message


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
    assert "ThreeLayerConvNet.loss (signature)" in finding.message
    assert cnn.read_text().splitlines()[finding.line - 1].strip().startswith("def loss(")
