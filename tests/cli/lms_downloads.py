"""Canvas- and Moodle-shaped downloads built from the bundled examples, as the LMSs name their files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from classroom import SUBMISSIONS

PACKAGE = SUBMISSIONS / "correct_package" / "cs231n"
COURSE_FILES = ("layers.py", "layer_utils.py", "fast_layers.py", "classifiers/cnn.py")
BUGGY = SUBMISSIONS / "buggy" / "conv_no_padding" / "convnet_hw.py"


def zip_folder(folder: Path, archive: Path) -> Path:
    """The folder's contents at the top of a zip, as the LMS serves it."""
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder).as_posix())
    return archive


def canvas_download(folder: Path) -> Path:
    """doejane: the package's files flattened; roebob: late, a buggy module zipped; smithann: a
    buggy layers.py, then the correct one uploaded again (layers-1.py)."""
    folder.mkdir(parents=True)
    for file in COURSE_FILES:
        shutil.copy(PACKAGE / file, folder / f"doejane_12345_678901_{Path(file).name}")
    with zipfile.ZipFile(folder / "roebob_LATE_222_333_mywork.zip", "w") as zf:
        zf.write(BUGGY, "convnet_hw.py")
    shutil.copy(BUGGY, folder / "smithann_444_555_layers.py")
    shutil.copy(PACKAGE / "layers.py", folder / "smithann_444_555_layers-1.py")
    for file in COURSE_FILES[1:]:
        shutil.copy(PACKAGE / file, folder / f"smithann_444_555_{Path(file).name}")
    return folder


def moodle_download(folder: Path) -> Path:
    """Jane Doe: the course package in her file submission; José Núñez: the buggy module, and an
    online text beside it."""
    jane = folder / "Jane Doe_4711_assignsubmission_file_"
    jose = folder / "José Núñez_4712_assignsubmission_file_"
    jose.mkdir(parents=True)
    shutil.copytree(PACKAGE, jane / "cs231n")
    shutil.copy(BUGGY, jose / "convnet_hw.py")
    text = folder / "José Núñez_4712_assignsubmission_onlinetext_"
    text.mkdir()
    (text / "onlinetext.html").write_text("<p>see my file</p>")
    return folder
