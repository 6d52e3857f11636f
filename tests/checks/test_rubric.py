"""The rubric model and loader: the shipped rubric, and one clear line for each malformed one."""

from pathlib import Path

import pytest

from grader.judge.rubric import RubricError, load_rubric
from grader.report.models import Visibility

CONVNET = Path(__file__).resolve().parents[2] / "rubrics" / "convnet.toml"

ASSIGNMENT_WORDS = [
    "conv_forward",
    "conv_backward",
    "max_pool_forward",
    "max_pool_backward",
    "fast_layers",
    "conv_relu",
    "conv_relu_pool",
    "cnn_init",
    "initial_loss",
    "cnn_gradient",
    "overfit",
    "train",
]


def test_shipped_rubric_covers_the_assignment_for_100_points():
    rubric = load_rubric(CONVNET)
    assert rubric.max_score == 100
    assert {c.id.split(".")[0] for c in rubric.checks} == set(ASSIGNMENT_WORDS)
    assert {c.visibility for c in rubric.checks} == {Visibility.public, Visibility.hidden}
    assert len(rubric.sha256) == 64


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return path


def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = CONVNET.read_text()
    assert old in text
    return _write(tmp_path, text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "params = { tol = 1e-9 }",
            "params = { tol = -1.0 }",
            "checks[8] (fast_layers.agreement).params.tol:",
        ),
        ("params = { tol = 1e-9 }", "params = { tolerance = 1e-9 }", "params.tolerance: Extra inputs"),
        ('kind = "fast_agreement"', 'kind = "telepathy"', "checks[8] (fast_layers.agreement):"),
        (
            'points = 6\nvisibility = "public"\nparams = { tol',
            'points = -6\nvisibility = "public"\nparams = { tol',
            ".points: Input should be greater than or equal to 0",
        ),
        ('id = "overfit"', 'id = "conv_forward.public"', "duplicate check id 'conv_forward.public'"),
        (
            'requires = ["fast_layers.agreement"]',
            'requires = ["train"]',
            "requires 'train', which is not an earlier",
        ),
        ("filter_size = 5\nhidden_dim = 9", "filter_size = 4\nhidden_dim = 9", "filter_size must be odd"),
        ("call_timeout_s = 30.0", 'call_timeout_s = "soon"', "limits.call_timeout_s:"),
        ('id = "convnet"', 'id = "Conv Net"', "id: String should match pattern"),
        ('title = "Convolutional networks: ', 'title = "Two\\nlines: ', "title: String should match pattern"),
        (
            'title = "Convolutional networks: layers, sandwich layers, ThreeLayerConvNet"',
            'title = "  "',
            "title: String should match pattern",
        ),
    ],
)
def test_malformed_rubric_names_the_key_and_the_reason(tmp_path, old, new, expected):
    with pytest.raises(RubricError) as info:
        load_rubric(_mutated(tmp_path, old, new))
    message = str(info.value)
    assert "\n" not in message
    assert expected in message


def test_unreadable_and_non_toml_rubrics_fail_with_one_line(tmp_path):
    with pytest.raises(RubricError, match="cannot read rubric"):
        load_rubric(tmp_path / "absent.toml")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_rubric(_write(tmp_path, "id = \n"))
    with pytest.raises(RubricError, match=r"title: Field required"):
        load_rubric(_write(tmp_path, 'id = "x"\n'))
    with pytest.raises(RubricError, match=r"checks: Field required"):
        load_rubric(_write(tmp_path, 'id = "x"\ntitle = "X"\n'))


def test_the_hash_follows_the_bytes(tmp_path):
    same = load_rubric(_write(tmp_path, CONVNET.read_text()))
    changed = load_rubric(_mutated(tmp_path, "points = 14", "points = 15"))
    assert same.sha256 == load_rubric(CONVNET).sha256 != changed.sha256
    assert changed.max_score == 101
