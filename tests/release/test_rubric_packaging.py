"""The built-in rubrics travel in the grader's wheel, built the way `cnngrade release` builds it:
every file in the package's rubrics folder, and a file added there is a built-in of the installed
grader with nothing else to change."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.judge.rubric_catalog import BUILT_IN, DEFAULT_ID, built_in_ids
from grader.release.kit import ship_rubric
from grader.release.wheel import build_wheel, checkout_root, stage_project

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CORRECT = ROOT / "submissions" / "correct_module"
EXTRA = "convnet_extra"  # exists only in this test's staged copy, never in the package


def run(*command: object, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,  # not the checkout, whose grader would come first on the path
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The grader's wheel, with one more rubric file dropped into the staged package's rubrics
    folder, unpacked as pip would lay it out in site-packages."""
    tmp = tmp_path_factory.mktemp("wheel")
    staged = stage_project(checkout_root(), tmp / "project")
    text = (BUILT_IN / f"{DEFAULT_ID}.toml").read_text()
    text = text.replace(f'id = "{DEFAULT_ID}"', f'id = "{EXTRA}"', 1).replace(
        'title = "', 'title = "Another notebook version: ', 1
    )
    (staged / "grader" / "rubrics" / f"{EXTRA}.toml").write_text(text)
    wheel = build_wheel(staged, tmp / "dist")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp / "site")
    return tmp / "site"


def test_the_wheel_carries_every_built_in_and_a_file_added_to_the_folder(installed):
    shipped = {path.stem: path.read_bytes() for path in (installed / "grader" / "rubrics").glob("*.toml")}
    assert sorted(shipped) == sorted([*built_in_ids(), EXTRA])
    for rubric_id in built_in_ids():
        assert shipped[rubric_id] == (BUILT_IN / f"{rubric_id}.toml").read_bytes()


def test_the_installed_grader_lists_and_grades_with_the_added_rubric(installed, tmp_path):
    env = {"PYTHONPATH": str(installed)}
    where = run(sys.executable, "-c", "import grader; print(grader.__file__)", env=env, cwd=tmp_path)
    assert Path(where.stdout.strip()).parent == installed / "grader"
    listed = run(sys.executable, "-m", "grader.cli", "rubrics", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    ids = [r["id"] for r in json.loads(listed.stdout)["rubrics"]]
    assert ids == sorted([*built_in_ids(), EXTRA])
    done = run(
        sys.executable, "-m", "grader.cli", "check", CORRECT, "--rubric", EXTRA, "-k", "conv_forward.public",
        "--json", env={**env, "CNNGRADE_CACHE": str(tmp_path / "cache")}, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rubric_id"] == EXTRA and report["rubric_title"].startswith("Another notebook version: ")
    assert [c["status"] for c in report["checks"]] == ["passed"]


def test_the_kit_ships_the_rubric_it_was_released_with_as_its_only_and_default_built_in(tmp_path):
    staged = stage_project(checkout_root(), tmp_path / "project")
    mine = tmp_path / "anything.toml"
    text = (BUILT_IN / f"{DEFAULT_ID}.toml").read_text()
    mine.write_text(text.replace(f'id = "{DEFAULT_ID}"', 'id = "mine"'))
    ship_rubric(staged / "grader", mine, "mine")
    assert [p.name for p in (staged / "grader" / "rubrics").iterdir()] == ["mine.toml"]
    code = "from grader.judge.rubric_catalog import *; print(DEFAULT_ID, [r.id for r in built_ins()])"
    done = run(sys.executable, "-c", code, env={"PYTHONPATH": str(staged)}, cwd=tmp_path)
    assert done.stdout.split(maxsplit=1) == ["mine", "['mine']\n"], done.stderr
