"""Helpers for the loader tests: load into a scratch dir, run code against a bundle in a plain
child process whose sys.path starts with the bundle root (no sandbox needed for that).

A module of its own name, not ``conftest``: several test folders have a conftest.py, and which one
``import conftest`` finds depends on the order pytest was given the folders in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np

from grader.load.submission import Bundle

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SUBMISSIONS = REPO / "submissions"
COMPAT = REPO / "grader" / "isolate" / "compat.py"


def run_in_root(root: Path, code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -c code`` with ``root`` first on sys.path and the repository NOT on it, from a
    working directory outside the repository, so only the bundle's modules can be imported."""
    # The editable install's import hook would still find `reference`; drop it with the path entries.
    prelude = (
        "import sys\n"
        f"sys.path = [{str(root)!r}] + [p for p in sys.path if p not in ('', {str(REPO)!r})]\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in getattr(f, '__module__', '')]\n"
        # As the worker does before importing student code (grader/isolate/compat.py).
        f"exec(open({str(COMPAT)!r}).read(), compat := {{'__name__': 'compat'}})\n"
        "compat['install']()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-I", "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,
        env=env,
    )


def exercise_bundle(
    bundle: Bundle, inputs: dict[str, np.ndarray], tmp_path: Path, only: set[str] | None = None
) -> dict[str, np.ndarray]:
    """Run bundle_exercise.py's calls on the bundle's symbols (or just ``only``) in a child process."""
    symbols = {
        name: loc.module
        for name, loc in bundle.manifest.symbols.items()
        if loc is not None and (only is None or name in only)
    }
    inputs_path, out_path = tmp_path / "inputs.npz", tmp_path / "outputs.npz"
    np.savez(inputs_path, **inputs)
    code = (
        f"sys.argv = ['x', '', {json.dumps(symbols)!r}, {str(inputs_path)!r}, {str(out_path)!r}]\n"
        f"exec(open({str(HERE / 'bundle_exercise.py')!r}).read(), {{'__name__': '__main__'}})\n"
    )
    done = run_in_root(bundle.root, code)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out_path) as data:
        return dict(data)


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    """A real zip file holding ``members`` (name -> content), deflated."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def tree_members(directory: Path, prefix: str = "") -> dict[str, bytes]:
    """Every file under ``directory`` as zip members under ``prefix``."""
    return {
        prefix + p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def write_notebook(path: Path, cells: list[str | tuple[str, str]]) -> Path:
    """A real nbformat v4 notebook; a cell is code source, or ("markdown", text)."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, tuple):
            nb.cells.append(nbformat.v4.new_markdown_cell(cell[1]))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(cell))
    nbformat.write(nb, path)
    return path


def snapshot(directory: Path, skip: Path) -> dict[str, bytes]:
    """Contents of every file under ``directory`` except under ``skip``, to prove nothing else changed."""
    return {
        str(p): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file() and not p.is_symlink() and not p.is_relative_to(skip)
    }
