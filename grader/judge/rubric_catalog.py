"""The built-in rubrics: every `*.toml` in the package's `rubrics/` folder, named by its id.

`grader/rubrics` is a link to the repository's `rubrics/` folder, so a wheel carries every file
in it (package data) and adding a notebook version's rubric is adding its file there. A built-in's
file is named after its id (`convnet.toml` declares `id = "convnet"`): `--rubric convnet` finds
it without reading the others, and two built-ins can never share an id.
"""

from __future__ import annotations

from pathlib import Path

from grader.judge.rubric import Rubric, RubricError, load_rubric

BUILT_IN = Path(__file__).parents[1] / "rubrics"  # grader/rubrics, a link to the checkout's rubrics/
# The course this grader started from. The student kit ships the one rubric it was released with
# and rewrites this line to name it (grader/release/kit.py).
DEFAULT_ID = "convnet"
# What `--rubric NAME` takes, in every command's help.
RUBRIC_HELP = "a built-in rubric's id (`cnngrade rubrics` lists them) or a rubric TOML file"


def built_in_ids(folder: Path = BUILT_IN) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.toml"))


def load_built_in(rubric_id: str, folder: Path = BUILT_IN) -> Rubric:
    """The built-in rubric `rubric_id`; RubricError if there is none or its file declares another id."""
    path = folder / f"{rubric_id}.toml"
    if rubric_id not in built_in_ids(folder):
        raise RubricError(_unknown(rubric_id, folder))
    rubric = load_rubric(path)
    if rubric.id != rubric_id:
        raise RubricError(f"{path}: declares id {rubric.id!r}; a built-in rubric's id is its file name")
    return rubric


def built_ins(folder: Path = BUILT_IN) -> list[Rubric]:
    """Every built-in rubric, by id; RubricError (one line) for the first that does not load."""
    return [load_built_in(rubric_id, folder) for rubric_id in built_in_ids(folder)]


def load_named(name: str, folder: Path = BUILT_IN) -> tuple[Path, Rubric]:
    """What `--rubric NAME` means, as (its file, the rubric): a file that exists wins, else the
    built-in with that id. Neither: RubricError, one line listing the built-in ids (or, for what
    is plainly a path, why the file cannot be read)."""
    given = Path(name)
    if given.is_file():
        return given, load_rubric(given)
    if name in built_in_ids(folder):
        return folder / f"{name}.toml", load_built_in(name, folder)
    if given.suffix == ".toml" or len(given.parts) > 1:
        return given, load_rubric(given)
    raise RubricError(_unknown(name, folder))


def _unknown(name: str, folder: Path) -> str:
    known = ", ".join(built_in_ids(folder)) or "none"
    return f"no rubric {name!r}: not a file, and the built-in rubrics are {known} (`cnngrade rubrics`)"
