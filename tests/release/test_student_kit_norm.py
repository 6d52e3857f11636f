"""A student kit built for the spatial-normalization checks: its public verdicts and hints on the
normalization examples equal the full grader's (every answer they need was stored at release)."""

import sys
from pathlib import Path

import pytest
from test_student_kit import kit_and_full_verdicts, run

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NORM_EXAMPLES = [
    "course_2018_spatial_norm",
    *(f"buggy_norm/{p.name}" for p in sorted((ROOT / "submissions" / "buggy_norm").iterdir())),
]


@pytest.fixture(scope="module")
def norm_rubric(tmp_path_factory) -> Path:
    """convnet_spatial_norm.toml's normalization sections alone (the rest is the default kit's)."""
    text = (ROOT / "rubrics" / "convnet_spatial_norm.toml").read_text()
    sections = text[text.index("# --- Spatial batch normalization") :]
    path = tmp_path_factory.mktemp("rubric") / "norm.toml"
    path.write_text(f'id = "norm"\ntitle = "normalization only"\n\n{sections}')
    return path


@pytest.fixture(scope="module")
def norm_kit(norm_rubric, tmp_path_factory, shared_cache) -> tuple[Path, Path]:
    """(the kit's venv, the cache it was built with)."""
    cache, out = shared_cache, tmp_path_factory.mktemp("kit")
    env = {"CNNGRADE_CACHE": str(cache)}
    done = run(sys.executable, "-m", "grader.cli", "release", "--kit", out, "--rubric", norm_rubric, env=env)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("cnngrade_kit-*.whl")
    venv = tmp_path_factory.mktemp("venv") / "kit"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    done = run(venv / "bin" / "pip", "install", "--quiet", wheel)
    assert done.returncode == 0, done.stderr[-2000:]
    return venv, cache


@pytest.mark.parametrize("example", NORM_EXAMPLES)
def test_the_norm_kit_gives_the_full_graders_verdicts_and_hints(example, norm_kit, norm_rubric):
    venv, cache = norm_kit
    path = ROOT / "submissions" / example
    kit, full = kit_and_full_verdicts(venv, path, norm_rubric, cache)
    assert kit == full
    assert len(kit) == 5  # the five public normalization checks ran
    if example.startswith("buggy_norm"):
        assert any(status != "passed" for status, _, _ in kit.values())
