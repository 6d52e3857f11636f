"""The built-in rubrics: every file in the package's folder is one, named by its id; `--rubric NAME`
finds a file first, then a built-in."""

import shutil
from pathlib import Path

import pytest

from grader.judge.rubric import RubricError, load_rubric
from grader.judge.rubric_catalog import (
    BUILT_IN,
    DEFAULT_ID,
    built_in_ids,
    built_ins,
    load_built_in,
    load_named,
)

REPO = Path(__file__).resolve().parents[2]


def test_the_packages_rubrics_folder_is_the_repositorys():
    # Package data travels in a wheel; a folder outside the package would not. The link keeps one copy.
    assert BUILT_IN.parent == REPO / "grader"
    assert BUILT_IN.resolve() == (REPO / "rubrics").resolve()


def test_every_built_in_loads_with_its_file_name_as_its_unique_id_for_100_points():
    files = sorted(BUILT_IN.glob("*.toml"))
    assert files, "no built-in rubric"
    rubrics = built_ins()
    assert [r.id for r in rubrics] == [path.stem for path in files]
    assert len({r.id for r in rubrics}) == len(rubrics)
    for rubric, path in zip(rubrics, files, strict=True):
        assert rubric.max_score == 100, path.name
        assert rubric.title.strip(), path.name
        assert rubric.sha256 == load_rubric(path).sha256
    assert len({r.title for r in rubrics}) == len(rubrics)  # `cnngrade rubrics` tells them apart


def test_the_default_is_a_built_in():
    assert DEFAULT_ID in built_in_ids()
    assert load_built_in(DEFAULT_ID).id == DEFAULT_ID


def _catalog(tmp_path: Path, *ids: str) -> Path:
    folder = tmp_path / "rubrics"
    folder.mkdir()
    for rubric_id in ids:
        text = (BUILT_IN / f"{DEFAULT_ID}.toml").read_text()
        text = text.replace(f'id = "{DEFAULT_ID}"', f'id = "{rubric_id}"', 1)
        (folder / f"{rubric_id}.toml").write_text(text)
    return folder


def test_a_name_is_a_built_in_and_an_unknown_one_lists_the_ids(tmp_path, monkeypatch):
    folder = _catalog(tmp_path, "convnet", "convnet_spatial_bn")
    monkeypatch.chdir(tmp_path)
    path, rubric = load_named("convnet_spatial_bn", folder)
    assert path == folder / "convnet_spatial_bn.toml" and rubric.id == "convnet_spatial_bn"
    with pytest.raises(RubricError) as info:
        load_named("convnet_gn", folder)
    assert str(info.value) == (
        "no rubric 'convnet_gn': not a file, and the built-in rubrics are convnet, convnet_spatial_bn "
        "(`cnngrade rubrics`)"
    )


def test_a_file_that_exists_wins_over_a_built_ins_name(tmp_path, monkeypatch):
    folder = _catalog(tmp_path, "convnet")
    mine = (folder / "convnet.toml").read_text().replace('id = "convnet"', 'id = "mine"', 1)
    (tmp_path / "convnet").write_text(mine)
    monkeypatch.chdir(tmp_path)
    path, rubric = load_named("convnet", folder)
    assert path == Path("convnet") and rubric.id == "mine"
    (tmp_path / "convnet").unlink()
    (tmp_path / "convnet").mkdir()  # a folder is not a rubric file: the name is the built-in's
    assert load_named("convnet", folder)[1].id == "convnet"


def test_a_missing_path_says_it_cannot_be_read(tmp_path, monkeypatch):
    folder = _catalog(tmp_path, "convnet")
    monkeypatch.chdir(tmp_path)
    for given in (str(tmp_path / "convnet"), "convnet.toml", "rubrics/convnet"):
        with pytest.raises(RubricError, match="cannot read rubric"):
            load_named(given, folder)


def test_a_built_in_whose_id_is_not_its_file_name_is_refused(tmp_path):
    folder = _catalog(tmp_path, "convnet")
    shutil.copy(folder / "convnet.toml", folder / "convnet_v2.toml")
    with pytest.raises(RubricError, match=r"convnet_v2.toml: declares id 'convnet'; a built-in rubric's id"):
        built_ins(folder)
