"""What runs inside Gradescope: pick the upload, grade it, always leave a valid results.json.

`run_autograder` (the zip's entry point) calls `python -m grader.release.autograder`. The tree
is Gradescope's (root `/autograder`, or `$CNNGRADE_AUTOGRADER_ROOT` for tests):

    source/cnngrade.json   {"min_isolation": ..., "rubric": "rubric.toml"}  (written by `release`)
    source/rubric.toml     the rubric
    source/secret          the instructor's secret (never a command-line argument)
    submission/            what the student uploaded
    results/results.json   written here, whatever happens

A grader crash still writes results.json: score 0 and the reason in `output`, so Gradescope
shows a message instead of "autograder failed".
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.load.course_package import looks_like_package  # the standard library only

# The rest of the grader (numpy, pydantic, the sandbox) is imported inside the functions that grade,
# within main's `try`: whatever fails, the grader's own import included, Gradescope still gets a
# valid results.json that says why.

if TYPE_CHECKING:
    from grader.judge.rubric import Rubric
    from grader.run.grade import GradeOptions

ROOT_ENV = "CNNGRADE_AUTOGRADER_ROOT"
NOTEBOOK = "ConvolutionalNetworks.ipynb"
SUBMISSION_SUFFIXES = (".ipynb", ".py", ".zip")
IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")


class NoSubmissionError(Exception):
    """The upload holds nothing gradable; str() is the message for the student."""


def _visible(path: Path) -> bool:
    return not any(part.startswith(".") or part in IGNORED for part in path.parts)


def pick_submission(folder: Path) -> Path:
    """What to grade in an upload folder.

    A course package anywhere in it, whatever it is called (`cs231n/`, `cs682/`, `nndl/`, ...;
    see `grader.load.course_package`), means the whole upload is graded: the loader picks the package
    and the notebooks that use it, as `cnngrade check` does for the same folder. Otherwise
    `ConvolutionalNetworks.ipynb` wins (the shallowest one); then the only notebook, .py or .zip;
    then the notebook that defines `conv_forward_naive`; then the whole folder (the loader says
    what it found).
    """
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and _visible(p.relative_to(folder))),
        key=lambda p: (len(p.relative_to(folder).parts), str(p)),
    )
    if not files:
        raise NoSubmissionError(
            "the upload is empty: upload ConvolutionalNetworks.ipynb or your course package folder"
        )
    if any(map(looks_like_package, sorted({p.parent for p in files if p.suffix == ".py"}))):
        return folder
    named = [p for p in files if p.name == NOTEBOOK]
    if named:
        return named[0]
    candidates = [p for p in files if p.suffix in SUBMISSION_SUFFIXES]
    if len(candidates) == 1:
        return candidates[0]
    notebooks = [p for p in candidates if p.suffix == ".ipynb" and _defines_conv(p)]
    if notebooks:
        return notebooks[0]
    if not candidates:
        names = ", ".join(p.name for p in files[:5])
        raise NoSubmissionError(f"no notebook, .py or .zip in the upload (found {names})")
    return folder


def _defines_conv(notebook: Path) -> bool:
    try:
        return "def conv_forward_naive" in notebook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def failure_results(message: str, started: float) -> dict[str, Any]:
    """results.json for an upload that was not graded or a grader crash: 0 points, the reason shown."""
    return {
        "score": 0.0,
        "execution_time": max(0, round(time.monotonic() - started)),
        "output": message,
        "tests": [],
    }


def _setup(root: Path) -> tuple[Rubric, GradeOptions]:
    """The rubric and the grading options the release wrote into `source/`."""
    from grader.judge.rubric import load_rubric
    from grader.run.grade import GradeOptions

    source = root / "source"
    config = json.loads((source / "cnngrade.json").read_text(encoding="utf-8"))
    secret = (source / "secret").read_text(encoding="utf-8").strip()
    if not secret:
        raise RuntimeError("the autograder's secret file is empty; rebuild it with cnngrade release")
    options = GradeOptions(
        secret=secret,
        min_isolation=config.get("min_isolation"),
        cache_dir=root / "cnngrade-cache",
        scratch_dir=Path(tempfile.gettempdir()),
    )
    return load_rubric(source / config.get("rubric", "rubric.toml")), options


def warm_up(root: Path) -> None:
    """At image build (setup.sh): the training data and the reference runs over seeds (the
    training checks' thresholds), cached in the image, so no student's grading pays for them."""
    from grader.run.grade import prepare_training

    prepare_training(*_setup(root))


def grade_upload(root: Path, started: float) -> dict[str, Any]:
    """The upload's results.json content (raises only for the grader's own faults)."""
    from grader.export import gradescope
    from grader.isolate import IsolationError
    from grader.run.grade import grade_submission

    rubric, options = _setup(root)
    try:
        path = pick_submission(root / "submission")
    except NoSubmissionError as e:
        return failure_results(f"Not graded: {e}.", started)
    try:
        report = grade_submission(path, rubric, options, name=path.name)
    except IsolationError as e:
        return failure_results(f"Not graded: the autograder's sandbox is too weak ({e}).", started)
    data = gradescope.results(report)
    data["output"] = f"Graded: {path.relative_to(root / 'submission')}\n" + data["output"]
    return data


def write_results(root: Path, data: dict[str, Any]) -> Path:
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(temporary, target)
    return target


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    root = Path(os.environ.get(ROOT_ENV) or "/autograder")
    if (argv if argv is not None else sys.argv[1:]) == ["--warm-up"]:
        warm_up(root)  # a failure here fails the image build, where the instructor sees it
        return 0
    try:
        data = grade_upload(root, started)
        code = 0
    except BaseException as e:  # noqa: BLE001 - whatever happens, Gradescope gets a valid results.json
        traceback.print_exc()
        reason = f"{type(e).__name__}: {e}".strip().splitlines()[0][:500]
        data = failure_results(
            f"The autograder crashed, so this upload was not graded ({reason}). Please tell your instructor.",
            started,
        )
        code = 1
    write_results(root, data)
    return code


if __name__ == "__main__":
    sys.exit(main())
