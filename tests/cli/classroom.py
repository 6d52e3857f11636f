"""A small class of real example submissions and a lean rubric, for tests that grade for real."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
RUBRIC = ROOT / "rubrics" / "convnet.toml"


def lean_rubric(target: Path, drop_kinds: tuple[str, ...] = ("train", "fast_speedup")) -> Path:
    """The assignment's rubric without its slowest checks (training, timing): same checks otherwise."""
    head, *blocks = RUBRIC.read_text().split("[[checks]]")
    kept = [b for b in blocks if not any(f'kind = "{k}"' in b for k in drop_kinds)]
    target.write_text(head + "".join("[[checks]]" + b for b in kept))
    return target


def make_class(root: Path) -> Path:
    """Module, package, notebook and zip submissions (correct ones), and one that cannot load."""
    root.mkdir(parents=True)
    module = next((SUBMISSIONS / "correct_module").glob("*.py"))
    shutil.copy(module, root / "alice.py")
    shutil.copytree(SUBMISSIONS / "correct_package", root / "bob")
    shutil.copy(next((SUBMISSIONS / "correct_notebook").glob("*.ipynb")), root / "carol.ipynb")
    shutil.make_archive(str(root / "dave"), "zip", SUBMISSIONS / "correct_package")
    (root / "erin.zip").write_bytes(b"this is not a zip archive")
    return root
