"""Bad input gives one clear LoadError line or a manifest finding, never a traceback, and the
loader never writes outside its scratch directory."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from loader_support import SUBMISSIONS, make_zip, run_in_root, snapshot, tree_members, write_notebook

from grader.load.archive import ArchiveLimits
from grader.load.submission import LoadError, load

MODULE = SUBMISSIONS / "correct_module" / "convnet_hw.py"


def load_error(path: Path, scratch: Path, **kwargs) -> str:
    with pytest.raises(LoadError) as info:
        load(path, scratch, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_missing_path(tmp_path: Path, scratch: Path):
    assert "no such file or directory" in load_error(tmp_path / "nobody", scratch)


def test_empty_directory(tmp_path: Path, scratch: Path):
    (tmp_path / "empty").mkdir()
    assert "no Python files, notebook or zip" in load_error(tmp_path / "empty", scratch)


def test_directory_with_two_notebooks_is_ambiguous(tmp_path: Path, scratch: Path):
    folder = tmp_path / "two"
    folder.mkdir()
    write_notebook(folder / "a.ipynb", ["x = 1"])
    write_notebook(folder / "b.ipynb", ["x = 2"])
    assert "a.ipynb, b.ipynb" in load_error(folder, scratch)


def test_unsupported_file_type(tmp_path: Path, scratch: Path):
    (tmp_path / "essay.docx").write_bytes(b"PK\x03\x04")
    assert "not a .py, .ipynb or .zip" in load_error(tmp_path / "essay.docx", scratch)


def test_non_utf8_source_is_a_finding_and_still_imports(tmp_path: Path, scratch: Path):
    source = MODULE.read_bytes().replace(b"import numpy as np\n", b"import numpy as np  # \xe9crit \xff\n", 1)
    (tmp_path / "latin.py").write_bytes(source)
    bundle = load(tmp_path / "latin.py", scratch)
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "encoding"]
    assert (finding.file, finding.line) == ("latin.py", 6)
    assert "not valid UTF-8" in finding.message
    assert bundle.manifest.symbols["affine_forward"] is not None
    done = run_in_root(bundle.root, "import latin; print(latin.relu_forward.__name__)")
    assert done.stdout.strip() == "relu_forward", done.stderr


def test_coding_declaration_is_honoured(tmp_path: Path, scratch: Path):
    (tmp_path / "mod.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\ndef relu_forward(x):\n    return x\n"
    )
    bundle = load(tmp_path / "mod.py", scratch)
    assert not [f for f in bundle.manifest.findings if f.kind == "encoding"]
    assert bundle.manifest.symbols["relu_forward"].line == 3


def test_malformed_notebook_json(tmp_path: Path, scratch: Path):
    (tmp_path / "broken.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "source": "x = 1"', encoding="utf-8"
    )
    assert "not valid JSON" in load_error(tmp_path / "broken.ipynb", scratch)


def test_notebook_that_is_not_utf8(tmp_path: Path, scratch: Path):
    (tmp_path / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert "not UTF-8" in load_error(tmp_path / "binary.ipynb", scratch)


def test_notebook_of_unknown_version(tmp_path: Path, scratch: Path):
    (tmp_path / "future.ipynb").write_text('{"nbformat": 99, "nbformat_minor": 0, "cells": []}')
    assert "future.ipynb" in load_error(tmp_path / "future.ipynb", scratch)


def test_notebook_without_code(tmp_path: Path, scratch: Path):
    path = write_notebook(tmp_path / "prose.ipynb", [("markdown", "# My answers\nSee the PDF."), "   \n"])
    assert "no code cells" in load_error(path, scratch)


def test_zip_member_escaping_with_dotdot_is_refused(tmp_path: Path, scratch: Path):
    box = tmp_path / "box"
    box.mkdir()
    archive = make_zip(box / "evil.zip", {"ok.py": "x = 1\n", "../evil.py": "import os\n"})
    before = snapshot(tmp_path, skip=scratch)
    assert "../evil.py" in load_error(archive, scratch)
    assert snapshot(tmp_path, skip=scratch) == before
    assert not list(tmp_path.rglob("evil.py"))


def test_zip_member_with_absolute_path_is_refused(tmp_path: Path, scratch: Path):
    archive = make_zip(tmp_path / "abs.zip", {"/tmp/cnngrade_abs_evil.py": "x = 1\n"})
    assert "unsafe member" in load_error(archive, scratch)
    assert not Path("/tmp/cnngrade_abs_evil.py").exists()


def test_zip_symlink_member_is_refused(tmp_path: Path, scratch: Path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("layers.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in load_error(archive, scratch)


def test_zip_bomb_by_compression_ratio(tmp_path: Path, scratch: Path):
    archive = make_zip(tmp_path / "bomb.zip", {"layers.py": b"#" * (20 * 1024 * 1024)})
    assert "zip bomb" in load_error(archive, scratch)
    assert not (scratch / "unzipped-0" / "layers.py").exists()


def test_zip_past_the_total_size_cap(tmp_path: Path, scratch: Path):
    members = {f"m{i}.py": os.urandom(4000).hex() for i in range(5)}  # 8 kB each, barely compressible
    archive = make_zip(tmp_path / "big.zip", members)
    message = load_error(archive, scratch, limits=ArchiveLimits(max_total_bytes=20_000))
    assert "more than the cap of 20000" in message


def test_zip_past_the_member_cap(tmp_path: Path, scratch: Path):
    archive = make_zip(tmp_path / "many.zip", {f"f{i}.py": "" for i in range(30)})
    assert "30 members" in load_error(archive, scratch, limits=ArchiveLimits(max_members=20))


def test_zip_with_a_path_a_thousand_folders_deep(tmp_path: Path, scratch: Path):
    deep = "/".join(["d"] * 1000) + "/layers.py"
    archive = make_zip(tmp_path / "deep.zip", {deep: "x = 1\n", "convnet_hw.py": MODULE.read_text()})
    assert "lies 1000 folders deep, more than the cap of 32" in load_error(archive, scratch)


def test_folder_nested_past_the_depth_cap(tmp_path: Path, scratch: Path):
    upload = tmp_path / "upload"
    shutil.copy(MODULE, (upload / "a").mkdir(parents=True) or upload / "a" / "convnet_hw.py")
    deep = upload.joinpath("a", *["d"] * 40)
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("x = 1\n")
    assert "folders nested more than 32 deep" in load_error(upload, scratch)
    # The cap is the limit's: a deeper one takes the same tree.
    assert load(upload, scratch, limits=ArchiveLimits(max_depth=64)).manifest.symbols["conv_forward_naive"]


def test_corrupt_zip(tmp_path: Path, scratch: Path):
    (tmp_path / "cut.zip").write_bytes(
        make_zip(tmp_path / "whole.zip", {"a.py": "x = 1\n"}).read_bytes()[:30]
    )
    assert "not a readable zip" in load_error(tmp_path / "cut.zip", scratch)


def test_symlink_pointing_outside_is_reported_not_followed(tmp_path: Path, scratch: Path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "answers.py").write_text("def affine_forward(x, w, b):\n    return 'stolen'\n")
    submission = tmp_path / "sub"
    shutil.copytree(SUBMISSIONS / "partial", submission)
    (submission / "answers.py").symlink_to(secret / "answers.py")
    (submission / "more").symlink_to(secret, target_is_directory=True)
    bundle = load(submission, scratch)
    skipped = {f.file: f.message for f in bundle.manifest.findings if f.kind == "symlink_skipped"}
    assert set(skipped) == {"answers.py", "more"}
    assert "outside the submission" in skipped["answers.py"]
    assert not (bundle.root / "answers.py").exists() and not (bundle.root / "more").exists()
    assert all(f.path not in ("answers.py", "more/answers.py") for f in bundle.manifest.files)


def test_loading_writes_only_inside_scratch(tmp_path: Path, scratch: Path):
    submission = tmp_path / "sub"
    shutil.copytree(SUBMISSIONS / "correct_package", submission / "assignment2")
    make_zip(tmp_path / "sub.zip", tree_members(submission))
    before = snapshot(tmp_path, skip=scratch)
    load(submission, scratch)
    load(tmp_path / "sub.zip", scratch)
    assert snapshot(tmp_path, skip=scratch) == before


def test_unparsable_files_are_findings_and_the_rest_loads(tmp_path: Path, scratch: Path):
    package = tmp_path / "pkg"
    shutil.copytree(SUBMISSIONS / "correct_package", package)
    (package / "cs231n" / "nul.py").write_bytes(b"x = 1\x00\n")
    (package / "cs231n" / "deep.py").write_text("x = " + "-" * 200_000 + "1\n")
    (package / "cnngrade_starter").mkdir()
    (package / "cnngrade_starter" / "solver.py").write_text("class Solver: pass\n")
    bundle = load(package, scratch)
    kinds = {(f.kind, f.file) for f in bundle.manifest.findings}
    assert kinds == {
        ("syntax_error", "cs231n/nul.py"),
        ("syntax_error", "cs231n/deep.py"),
        ("starter_overridden", "cnngrade_starter"),
    }
    assert all(where is not None for where in bundle.manifest.symbols.values())
    assert "class Solver: pass" not in (bundle.root / "cnngrade_starter" / "solver.py").read_text()


def test_unparsable_notebook_cell(tmp_path: Path, scratch: Path):
    path = write_notebook(
        tmp_path / "nb.ipynb", ["x = " + "-" * 200_000 + "1", "def relu_forward(x):\n    return x, x"]
    )
    bundle = load(path, scratch)
    (finding,) = bundle.manifest.findings
    assert finding.kind == "notebook.syntax_error" and finding.message.startswith("cell 1: cannot be parsed")
    assert bundle.manifest.symbols["relu_forward"].cell == 2


def test_symlink_loop_is_reported(tmp_path: Path, scratch: Path):
    submission = tmp_path / "sub"
    shutil.copytree(SUBMISSIONS / "partial", submission)
    (submission / "a.py").symlink_to(submission / "b.py")
    (submission / "b.py").symlink_to(submission / "a.py")
    bundle = load(submission, scratch)
    assert sorted(f.file for f in bundle.manifest.findings if f.kind == "symlink_skipped") == ["a.py", "b.py"]


def test_oversized_notebook_is_refused_before_reading(tmp_path: Path, scratch: Path):
    path = write_notebook(tmp_path / "huge.ipynb", ["x = 1", "# " + "padding " * 5000])
    assert "more than the cap of 10000" in load_error(
        path, scratch, limits=ArchiveLimits(max_total_bytes=10_000)
    )


# --- student data that once raised in the grader or made it work without bound ----------------


def test_notebook_with_more_cells_than_the_cap_is_refused_on_the_count(tmp_path: Path, scratch: Path):
    path = write_notebook(tmp_path / "many.ipynb", [MODULE.read_text()] + [("markdown", "x")] * 5_000)
    assert "5001 cells, more than the cap of 5000" in load_error(path, scratch)


def test_outputs_and_cell_ids_nbformat_would_complain_of_cost_nothing_and_say_nothing(tmp_path: Path):
    # Outputs that break the schema, duplicate and missing cell ids: none of it is the grader's to
    # read, and nbformat's warnings about it must not reach the instructor's terminal.
    cells = [
        {"cell_type": "markdown", "id": "same", "metadata": {}, "source": "intro"},
        {"cell_type": "code", "id": "same", "metadata": {}, "execution_count": None,
         "outputs": [{"output_type": "no such type", "data": 7}], "source": MODULE.read_text()},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "x = 1"},
    ]
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    (tmp_path / "odd.ipynb").write_text(json.dumps(document), encoding="utf-8")
    script = (
        "import sys, tempfile; from pathlib import Path; from grader.load.submission import load; "
        "b = load(Path(sys.argv[1]), Path(tempfile.mkdtemp())); "
        "print(b.manifest.symbols['conv_forward_naive'].cell)"
    )
    odd = str(tmp_path / "odd.ipynb")
    done = subprocess.run([sys.executable, "-c", script, odd], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"  # the markdown cell still counts
    assert done.stderr == ""


def test_notebook_json_nested_100k_deep(tmp_path: Path, scratch: Path):
    (tmp_path / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "nested too deeply" in load_error(tmp_path / "deep.ipynb", scratch)


def test_zip_member_flagged_utf8_but_not(tmp_path: Path, scratch: Path):
    archive = make_zip(tmp_path / "hw.zip", {"cs231n/layers\u00e9.py": "x = 1\n"})
    # Keep the UTF-8 flag that zipfile set for the non-ASCII name, but make the bytes Latin-1.
    archive.write_bytes(archive.read_bytes().replace("layers\u00e9".encode(), b"layers\xe9_"))
    assert "marked UTF-8 but is not valid UTF-8" in load_error(archive, scratch)


def test_file_name_that_is_not_utf8(tmp_path: Path, scratch: Path):
    folder = tmp_path / "hw"
    shutil.copytree(SUBMISSIONS / "correct_package", folder)
    bad = os.fsdecode(os.fsencode(folder / "cs231n") + b"/notes\xff.py")
    Path(bad).write_text("x = 1\n")
    bundle = load(folder, scratch)
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "encoding"]
    assert finding.message == "cs231n/notes\\xff.py: the file name is not valid UTF-8; skipped"
    assert None not in bundle.manifest.symbols.values()
    bundle.model_dump_json()  # the manifest can be written to a report
    assert "the name is not valid UTF-8" in load_error(Path(bad), scratch)


def test_source_file_too_large_is_not_parsed(tmp_path: Path, scratch: Path):
    folder = tmp_path / "hw"
    shutil.copytree(SUBMISSIONS / "correct_package", folder)
    (folder / "cs231n" / "big.py").write_text("x\n" * 1_500_000)  # 3 MB of one-character lines
    bundle = load(folder, scratch)
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "too_large"]
    assert finding.file == "cs231n/big.py" and "more than the cap" in finding.message
    assert not (bundle.root / "cs231n" / "big.py").exists()
    assert None not in bundle.manifest.symbols.values()


def test_too_much_source_in_total(tmp_path: Path, scratch: Path):
    folder = tmp_path / "hw"
    folder.mkdir()
    for i in range(12):  # each under the per-file caps, together over the total
        (folder / f"part{i}.py").write_text("x = 1\n" * 19_000)
    assert "more than" in load_error(folder, scratch)
    limits = ArchiveLimits(max_file_lines=100)
    write_notebook(tmp_path / "long.ipynb", ["x = 1\n" * 200])
    assert "code cells have" in load_error(tmp_path / "long.ipynb", scratch, limits=limits)


def test_committed_virtualenv_is_not_read(tmp_path: Path, scratch: Path):
    folder = tmp_path / "repo"
    shutil.copytree(SUBMISSIONS / "correct_package", folder / "assignment2")
    site = folder / "env" / "lib" / "python3.11" / "site-packages" / "numpy"
    site.mkdir(parents=True)
    (site / "layers.py").write_text("def affine_forward(x, w, b):\n    return 0\n")
    bundle = load(folder, scratch)
    # The one course package is graded from its own folder, so `cs231n` is importable at the top.
    assert bundle.manifest.symbols["affine_forward"].file == "cs231n/layers.py"
    assert not any("site-packages" in f.path for f in bundle.manifest.files)


@pytest.mark.parametrize("name", ["convnet_hw.py", "ConvolutionalNetworks.ipynb", "submission.zip"])
def test_a_file_handed_in_as_a_link_out_of_the_upload_is_refused_unread(tmp_path: Path, scratch: Path, name):
    """Gradescope's upload holding only `convnet_hw.py -> <the autograder's reference/layers.py>`:
    refused before the target is opened (a FIFO would block any reader)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "answers")
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / name).symlink_to(outside / "answers")
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(load_error(upload / name, scratch)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert not reader.is_alive(), "the loader opened the file behind the link"
    assert errors == [f"{name}: a symbolic link to a file outside the upload; hand in the file"]


def test_a_link_to_a_file_beside_it_is_followed(tmp_path: Path, scratch: Path):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(SUBMISSIONS / "correct_module" / "convnet_hw.py", upload / "real.py")
    (upload / "convnet_hw.py").symlink_to("real.py")
    bundle = load(upload / "convnet_hw.py", scratch)
    assert bundle.manifest.symbols["conv_forward_naive"] is not None
