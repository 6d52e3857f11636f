"""`notebook_check` in a real notebook, executed cell by cell by a real kernel (nbclient)."""

import ast
from pathlib import Path

import nbformat
import pytest
from classroom import SUBMISSIONS
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


def _function_source(path: Path, name: str) -> str:
    source = path.read_text()
    (node,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.get_source_segment(source, node)


def _run(cells: list[str], tmp_path: Path) -> list[dict]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return notebook.cells[-1].outputs


def _notebook(module: Path) -> list[str]:
    return [
        "import numpy as np",
        _function_source(module, "conv_forward_naive"),
        'from cnngrade import notebook_check\nnotebook_check("conv_forward")',
    ]


def test_a_correct_layer_passes_in_text_and_html(tmp_path):
    (output,) = _run(_notebook(SUBMISSIONS / "correct_module" / "convnet_hw.py"), tmp_path)
    text, page = output["data"]["text/plain"], output["data"]["text/html"]
    assert text.startswith("conv_forward.public: passed (3/3 points)")
    assert "Testing conv_forward_naive" in text and "difference: " in text
    assert "<table" in page and ">passed<" in page and "conv_forward.public" in page


def test_a_buggy_layer_fails_with_the_hint(tmp_path):
    (output,) = _run(_notebook(SUBMISSIONS / "buggy" / "conv_no_padding" / "convnet_hw.py"), tmp_path)
    text, page = output["data"]["text/plain"], output["data"]["text/html"]
    assert text.startswith("conv_forward.public: failed (0/3 points)")
    assert "hint: conv forward: the input looks unpadded" in text
    assert ">failed<" in page and "<b>hint:</b>" in page


def test_an_unknown_name_is_one_clear_error(tmp_path):
    cell = 'try:\n    notebook_check("conv_fwd")\nexcept ValueError as e:\n    print(e)'
    cells = ["from cnngrade import notebook_check", cell]
    (output,) = _run(cells, tmp_path)
    assert output["text"].startswith("no public check is called 'conv_fwd'; try one of: ")
    assert "conv_forward" in output["text"]
