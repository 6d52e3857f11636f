"""grader/load/lms_download.py on real folders and zips: what is recognised, how files are restored."""

import os
import zipfile
from pathlib import Path

from grader.load.lms_download import read_download, recognise

ROOT = Path(__file__).resolve().parents[2]


def test_no_bundled_example_or_class_folder_is_taken_for_a_download():
    examples = ROOT / "submissions"
    assert [p for p in examples.rglob("*") if (p.is_dir() or p.suffix == ".zip") and recognise(p)] == []


def test_the_last_upload_of_a_file_is_kept_under_its_own_name(tmp_path):
    download = tmp_path / "canvas"
    download.mkdir()
    for name, text in [("layers.py", "first"), ("layers-1.py", "second"), ("layers-2.py", "third")]:
        (download / f"doejane_LATE_7_8_{name}").write_text(text)
    (download / "doejane_7_8_cnn.py").write_text("model")  # late once is late
    read = read_download(download, tmp_path / "staging")
    ((folder, who),) = read.students.items()
    assert (folder.name, who.id, who.late, read.warnings) == ("doejane_7", "7", True, [])
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"layers.py": "third", "cnn.py": "model"}


def test_moodle_flat_files_and_folders_of_one_student_are_one_submission(tmp_path):
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Ann Lee_31_assignsubmission_file_/cs231n/layers.py", "a")
        zf.writestr("Ann Lee_31_assignsubmission_file_/__MACOSX/._layers.py", "junk")
        zf.writestr("Ann Lee_31_assignsubmission_file_notes.ipynb", "{}")
        zf.writestr("Bo Chan_32_assignsubmission_onlinetext_/onlinetext.html", "<p>")
    assert recognise(archive) == "moodle"
    read = read_download(archive, tmp_path / "staging")
    staged = {d.name: sorted(f.relative_to(d).as_posix() for f in d.rglob("*.*")) for d in read.students}
    assert staged == {"Ann_Lee_31": ["cs231n/layers.py", "notes.ipynb"], "Bo_Chan_32": []}
    assert not any(p.name == ".download" for p in (tmp_path / "staging").rglob("*"))  # the extraction is gone


def test_a_link_in_an_unpacked_download_is_not_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("the answer key")
    student = tmp_path / "moodle" / "Ann Lee_31_assignsubmission_file_"
    student.mkdir(parents=True)
    (student / "layers.py").write_text("mine")
    os.symlink(secret, student / "stolen.py")
    os.symlink(tmp_path, student / "everything")
    read = read_download(tmp_path / "moodle", tmp_path / "staging")
    (folder,) = read.students
    assert sorted(p.name for p in folder.rglob("*")) == ["layers.py"]
