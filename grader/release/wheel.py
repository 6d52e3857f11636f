"""The grader's wheel, built from the instructor's checkout with pip (no network beyond the index)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from grader.release import ReleaseError


def checkout_root() -> Path:
    """The checkout this grader runs from: `release` builds from source, never from an installed copy."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "reference").is_dir():
        raise ReleaseError("release runs from the instructor's checkout (pip install -e .), not from a wheel")
    return root


def build_wheel(source: Path, out_dir: Path) -> Path:
    """`pip wheel --no-deps` of the project at `source` into `out_dir`; the wheel's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out_dir), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    wheels = sorted(out_dir.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel was written"])[-1]
        raise ReleaseError(f"building the wheel of {source} failed: {last}")
    return wheels[-1]


# What a wheel of the grader is built from (the rest of the checkout: tests, examples, docs).
PROJECT_FILES = ("pyproject.toml", "README.md")
PROJECT_DIRS = ("grader", "reference", "rubrics", "cnngrade")


def stage_project(root: Path, target: Path) -> Path:
    """A copy of the parts of the checkout a wheel is built from (links followed): building
    there leaves no build/ or egg-info in the instructor's checkout."""
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy(root / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT_DIRS:
        shutil.copytree(root / name, target / name, ignore=ignore)
    return target
