"""The similarity report on real uploads: course packages written to disk, a notebook written with
nbformat, the loader, copydetect, the command line and the page in Chromium."""

from __future__ import annotations

import ast
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import similar_students as students

from grader.cli.main import main
from grader.similarity.detect import common_hashes, fingerprint
from grader.similarity.extract import Piece, StudentCode, own_code, read_submission
from grader.similarity.model import Thresholds, read_flags
from grader.similarity.run import compare_class

SUBMISSIONS = students.REPO / "submissions"
RENAMES = {
    "x_pad": "padded",
    "dx_pad": "grad_padded",
    "N": "batch",
    "F": "filters",
    "H_out": "out_h",
    "W_out": "out_w",
    "hs": "top",
    "ws": "left",
    "window": "patch",
    "region": "pool_window",
    "ph": "kh",
    "pw": "kw",
    "rows": "flat",
    "shifted": "z",
    "log_probs": "logp",
}
MOVED = ["max_pool_backward_naive", "softmax_loss", "conv_backward_naive", "max_pool_forward_naive"]


def _disguised_loops() -> str:
    return students.disguise(
        students.layers_source(students.LOOPS), RENAMES, MOVED, note="worked this out myself"
    )


def _reformatted(source: str) -> str:
    """The copy run through a formatter with other settings: line length, quotes, wrapping."""
    command = [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--line-length",
        "60",
        "--config",
        "format.quote-style='double'",
        "-",
    ]
    return subprocess.run(command, input=source, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class: the three styles, a disguised copy of one, the same copy reformatted, a notebook
    holding the vectorised code, and two students who handed in the bare skeleton."""
    root = tmp_path_factory.mktemp("class")
    for name, style in students.STYLES.items():
        students.course_package(root / name, students.layers_source(style))
    students.course_package(root / "copier", _disguised_loops())
    students.course_package(root / "reformatted", _reformatted(_disguised_loops()))
    (root / "notebook").mkdir()
    positions = students.layers_source(students.POSITIONS)
    students.notebook(root / "notebook" / "ConvolutionalNetworks.ipynb", positions, list(students.POSITIONS))
    skeleton = (students.SKELETON / "layers.py").read_text(encoding="utf-8")
    students.course_package(root / "skeleton_a", skeleton)
    students.course_package(root / "skeleton_b", skeleton)
    return root


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Public solutions as an instructor collects them: whole repositories, one is the loops style."""
    corpus = tmp_path_factory.mktemp("public")
    students.course_package(corpus / "someone-cs231n" / "assignment2", students.layers_source(students.LOOPS))
    (corpus / "someone-cs231n" / "assignment2" / "README.md").write_text("my solutions\n")
    return corpus


@pytest.fixture(scope="module")
def result(klass: Path, public: Path):
    return compare_class([klass], against=public)


def _pair(result, a: str, b: str):
    return next(p for p in result.report.pairs if {p.a, p.b} == {a, b})


def _function_lines(path: Path, name: str) -> range:
    node = next(n for n in ast.parse(path.read_text()).body if getattr(n, "name", None) == name)
    return range(node.lineno, node.end_lineno + 1)


def test_the_styles_are_correct_solutions() -> None:
    """The three styles really are independent correct solutions (against the reference)."""
    from reference import layers as reference

    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    conv, pool = {"stride": 2, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    want, want_cache = reference.conv_forward_naive(x, w, b, conv)
    dout = rng.standard_normal(want.shape)
    pooled, pool_cache = reference.max_pool_forward_naive(x, pool)
    for style in students.STYLES.values():
        space: dict = {}
        exec(students.layers_source(style), space)
        out, cache = space["conv_forward_naive"](x, w, b, conv)
        np.testing.assert_allclose(out, want)
        for got, expected in zip(
            space["conv_backward_naive"](dout, cache),
            reference.conv_backward_naive(dout, want_cache),
            strict=True,
        ):
            np.testing.assert_allclose(got, expected)
        out, cache = space["max_pool_forward_naive"](x, pool)
        np.testing.assert_allclose(out, pooled)
        np.testing.assert_allclose(
            space["max_pool_backward_naive"](pooled, cache),
            reference.max_pool_backward_naive(pooled, pool_cache),
        )


def test_a_disguised_copy_is_flagged_with_its_matching_regions(klass: Path, result) -> None:
    copy = (klass / "copier" / "cs231n" / "layers.py").read_text()
    assert "x_pad" not in copy and "worked this out myself" in copy  # the disguise did its work
    pair = _pair(result, "copier", "loops")
    assert pair.flagged and pair.similarity > 0.9 and pair.lines >= 60
    # conv_forward_naive moved from before the pooling layers to after them, yet its region pairs up
    copier_conv = _function_lines(klass / "copier" / "cs231n" / "layers.py", "conv_forward_naive")
    loops_conv = _function_lines(klass / "loops" / "cs231n" / "layers.py", "conv_forward_naive")
    assert (
        copier_conv.start
        > _function_lines(klass / "copier" / "cs231n" / "layers.py", "max_pool_forward_naive").start
    )
    sides = {pair.a: "a", pair.b: "b"}
    regions = [(getattr(m, sides["copier"]), getattr(m, sides["loops"])) for m in pair.matches]
    assert any(
        c.first_line in copier_conv and c.last_line in copier_conv and o.first_line in loops_conv
        for c, o in regions
    ), regions
    assert all(c.file == "cs231n/layers.py" for c, _ in regions)
    assert {(c.function, o.function) for c, o in regions} >= {
        (name, name) for name in ("conv_forward_naive", "conv_backward_naive", "max_pool_backward_naive")
    }


def test_reformatting_does_not_hide_a_copy(klass: Path, result) -> None:
    text = (klass / "reformatted" / "cs231n" / "layers.py").read_text()
    assert text != (klass / "copier" / "cs231n" / "layers.py").read_text()
    pair = _pair(result, "reformatted", "loops")
    assert pair.flagged and pair.similarity > 0.8


def test_independent_styles_are_not_flagged_against_each_other(result) -> None:
    for a, b in [("loops", "positions"), ("loops", "strides"), ("positions", "strides")]:
        pairs = [p for p in result.report.pairs if {p.a, p.b} == {a, b}]
        assert not any(p.flagged for p in pairs)
        assert all(p.similarity < 0.4 for p in pairs), pairs


def test_the_skeleton_alone_never_matches(result) -> None:
    entries = {e.name: e for e in result.report.submissions}
    assert entries["skeleton_a"].lines == 0 and entries["skeleton_a"].error is None
    assert not [p for p in result.report.pairs if {"skeleton_a", "skeleton_b"} & {p.a, p.b}]
    assert entries["skeleton_a"].flag == "" and entries["skeleton_a"].closest_public is None


def test_a_notebook_and_a_package_with_the_same_code_are_flagged(result) -> None:
    pair = _pair(result, "notebook", "positions")
    assert pair.flagged and pair.similarity > 0.9
    side = "a" if pair.a == "notebook" else "b"
    cells = {getattr(m, side).cell for m in pair.matches}
    assert None not in cells and len(cells) >= 4  # the matches name the notebook's cells
    assert all(getattr(m, side).file == "ConvolutionalNetworks.ipynb" for m in pair.matches)


def test_each_submission_gets_its_closest_public_solution(result) -> None:
    entries = {e.name: e for e in result.report.submissions}
    assert entries["copier"].closest_public == "someone-cs231n"
    assert entries["copier"].closest_public_similarity > 0.9
    assert "public:someone-cs231n" in entries["copier"].flag
    assert "public:" not in entries["strides"].flag
    assert all(not p.flagged for p in result.report.pairs if p.public and p.a in ("strides", "positions"))


def test_own_code_takes_the_marked_regions_and_the_students_own_functions() -> None:
    source = """
import numpy as np

def conv_forward_naive(x, w, b, conv_param):
    \"\"\"docstring\"\"\"
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = x + 1
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, None

def affine_relu_forward(x, w, b):
    return x, w

def my_helper(a):
    return a * 2
"""
    pieces = own_code(source, "layers.py")
    assert [(p.first_line, p.text.strip()) for p in pieces] == [
        (8, "out = x + 1"),
        (15, "def my_helper(a):\n    return a * 2"),
    ]


def test_real_course_years(tmp_path: Path) -> None:
    """The 2017 and 2019 examples (no markers / markers) were written independently; a copy of one
    in another folder is the same code."""
    shutil.copytree(SUBMISSIONS / "course_2017", tmp_path / "course_2017_again")
    run = compare_class(
        [SUBMISSIONS / "course_2017", SUBMISSIONS / "course_2019", tmp_path / "course_2017_again"]
    )
    assert _pair(run, "course_2017", "course_2017_again").similarity == 1.0
    assert not [p for p in run.report.pairs if "course_2019" in (p.a, p.b) and p.flagged]
    code = read_submission("c", SUBMISSIONS / "course_2019")
    assert code.lines > 50 and all(p.file.startswith("cs231n/") for p in code.pieces)


def test_common_code_is_boilerplate_only_in_a_large_enough_share() -> None:
    """Code in more than the share of the class (and in at least common_min submissions) is dropped."""
    shared = (
        "    N, C, H, W = x.shape\n    F, _, HH, WW = w.shape\n    H_out = 1 + (H + 2 * pad - HH) // stride\n"
    )
    rare = "    out = np.einsum('nchw,fc->nfhw', x, w[:, :, 0, 0]) + b[None, :, None, None]\n"

    def prints(texts: list[str]):
        codes = [
            StudentCode(f"s{i}", "-", pieces=[Piece("layers.py", None, 1, t)]) for i, t in enumerate(texts)
        ]
        return [fingerprint(code, Thresholds()) for code in codes]

    class_ = prints([shared] * 4 + [shared + rare, rare, "    pass\n"])
    common = common_hashes(class_, Thresholds(common_share=0.5, common_min=5))
    assert common and common <= class_[0].hashes and not common & class_[5].hashes
    assert common_hashes(class_, Thresholds(common_share=0.5, common_min=6)) == set()
    assert common_hashes(class_, Thresholds(common_share=0.8, common_min=2)) == set()


def test_the_command_writes_the_page_the_csvs_and_the_flags(klass: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "similarity"
    assert main(["similarity", str(klass), "--out", str(out), "--threshold", "0.6"]) == 0
    printed = capsys.readouterr().out
    assert "similar pairs" in printed and "copier" in printed
    with (out / "pairs.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["a", "b", "similarity", "lines"]
    assert [float(r["similarity"]) for r in rows] == sorted(
        (float(r["similarity"]) for r in rows), reverse=True
    )
    flagged = {frozenset((r["a"], r["b"])) for r in rows if r["flagged"] == "yes"}
    assert flagged == {
        frozenset(("copier", "loops")),
        frozenset(("reformatted", "loops")),
        frozenset(("copier", "reformatted")),
        frozenset(("notebook", "positions")),
    }
    flags = read_flags(out)
    assert flags["loops"].flag.startswith("similar: ") and "copier" in flags["loops"].flag
    assert flags["strides"].flag == "" and len(flags["strides"].sha256) == 64
    with (out / "flags.csv").open(newline="") as f:
        assert {r["submission"]: r["similarity_flag"] for r in csv.DictReader(f)}["strides"] == ""


def test_a_zip_and_a_single_module_are_read_like_the_package(klass: Path, tmp_path: Path) -> None:
    """The same code uploaded as a zip of the course folder and as one module (renamed copy)."""
    shutil.make_archive(str(tmp_path / "zipped"), "zip", klass / "loops")
    (tmp_path / "convnet_hw.py").write_text((klass / "copier" / "cs231n" / "layers.py").read_text())
    shutil.copytree(klass / "strides", tmp_path / "strides")
    run = compare_class([tmp_path])
    kinds = {e.name: e.kind for e in run.report.submissions}
    assert kinds == {"zipped": "zip", "convnet_hw": "module", "strides": "package"}
    pair = _pair(run, "zipped", "convnet_hw")
    assert pair.flagged and pair.similarity > 0.9
    assert {m.a.file for m in pair.matches} | {m.b.file for m in pair.matches} == {
        "cs231n/layers.py",
        "convnet_hw.py",
    }
    assert not any(p.flagged for p in run.report.pairs if "strides" in (p.a, p.b))


HANDOUT = """
def print_check(name, got, expected, tolerance=1e-8):
    \"\"\"The course's check printer: relative error of got against expected, and a verdict.\"\"\"
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        print('%s: shape %s, expected %s' % (name, got.shape, expected.shape))
        return False
    scale = np.maximum(1e-8, np.abs(got) + np.abs(expected))
    error = np.max(np.abs(got - expected) / scale)
    verdict = 'ok' if error < tolerance else 'CHECK THIS'
    print('%-28s relative error %.3e  %s' % (name, error, verdict))
    return bool(error < tolerance)
"""


@pytest.mark.parametrize("handout", ["im2col.py", "course.ipynb"])
def test_the_instructors_handouts_are_boilerplate(tmp_path: Path, handout: str) -> None:
    """A helper this year's course handed out (as a module or in the course notebook), pasted by two
    students who wrote nothing else: similar until the instructor names it with --boilerplate."""
    skeleton = (students.SKELETON / "layers.py").read_text(encoding="utf-8")
    students.course_package(tmp_path / "class" / "ann", skeleton + HANDOUT)
    students.course_package(tmp_path / "class" / "ben", HANDOUT + skeleton)
    (tmp_path / "handouts").mkdir()
    if handout.endswith(".py"):
        (tmp_path / "handouts" / handout).write_text(HANDOUT)
    else:
        students.notebook(tmp_path / "handouts" / handout, "import numpy as np\n" + HANDOUT, ["print_check"])
    assert _pair(compare_class([tmp_path / "class"]), "ann", "ben").flagged
    assert compare_class([tmp_path / "class"], boilerplate=[tmp_path / "handouts"]).report.pairs == []


@pytest.mark.slow
def test_reading_and_comparing_in_two_processes_gives_the_same_report(tmp_path: Path) -> None:
    """46 submissions (1,035 pairs: enough for the comparing to go to the forked processes)."""
    styles = list(students.STYLES.values())
    for i in range(46):
        source = students.layers_source(styles[i % 3])
        renames = {name: f"{name}_{i}" for name in list(RENAMES)[i % 5 :: 3]}
        students.course_package(tmp_path / f"s{i:02d}", students.disguise(source, renames, MOVED[i % 4 :]))
    serial, parallel = compare_class([tmp_path], jobs=1), compare_class([tmp_path], jobs=2)
    assert len(parallel.report.submissions) == 46 and parallel.report.pairs
    assert [p.model_dump() for p in parallel.report.pairs] == [p.model_dump() for p in serial.report.pairs]


def test_a_submission_that_cannot_be_read_is_reported_not_compared(klass: Path, tmp_path: Path) -> None:
    shutil.copytree(klass / "loops", tmp_path / "loops")
    (tmp_path / "broken.ipynb").write_text("{not json")
    run = compare_class([tmp_path])
    entries = {e.name: e for e in run.report.submissions}
    assert entries["broken"].error and entries["broken"].flag.startswith("not compared: ")
    assert entries["loops"].error is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "no such file or folder"),
        (["{klass}", "--threshold", "1.5"], "--similarity"),
        (["{klass}", "--against", "nowhere"], "--against: no such folder"),
        (["{klass}", "--boilerplate", "nowhere"], "--boilerplate: no such folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    klass: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    argv = ["similarity", *(a.format(klass=klass) for a in args), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_the_page_in_a_browser(result, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "exporters"))
    from chromium import render, screenshot

    from grader.similarity.output import write_outputs

    page = write_outputs(result, tmp_path / "out")[0]
    seen = render(page, tmp_path)
    pairs = seen["rows"]["pairs"]
    assert {frozenset(row[:2]) for row in pairs} >= {
        frozenset(("copier", "loops")),
        frozenset(("notebook", "positions")),
    }
    assert all(row[2].endswith("%") and row[-1] == "evidence" for row in pairs)
    assert seen["images"][0]["width"] > 300
    text = page.read_text()
    assert text.count('<section class="pair"') == len(pairs) and '<mark class="m0">' in text
    assert "not a finding of misconduct" in " ".join(text.split())
    assert screenshot(page, tmp_path, tmp_path / "page.png").stat().st_size > 10_000


def test_the_gradebook_shows_each_submissions_flag(klass: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exporters"))
    from report_factory import graded_report

    from grader.report.models import write_report

    out = tmp_path / "similarity"
    assert main(["similarity", str(klass), "--out", str(out), "--threshold", "0.6"]) == 0
    reports = tmp_path / "reports"
    for name in ("copier", "strides"):
        write_report(graded_report(name), reports / f"{name}.json")
    grades = tmp_path / "grades.csv"
    command = ["report", str(reports), "--format", "csv", "--similarity", str(out), "--to", str(grades)]
    assert main(command) == 0
    with grades.open(newline="") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert rows["copier"]["similarity"].startswith("similar: ") and "loops" in rows["copier"]["similarity"]
    assert rows["strides"]["similarity"] == ""
    assert main(["report", str(reports), "--format", "csv", "--similarity", str(tmp_path)]) == 2
