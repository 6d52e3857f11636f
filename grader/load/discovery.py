"""What was handed in: each path a submission, a folder of them, or an LMS download of a class.

`grade` (`grader.run.batch`) and `similarity` both find their submissions here, so both see the same
students: one submission per student folder whatever it holds inside (a course package of any
name, notebooks, starter code), one per file in a flat folder, one per student of a Canvas or
Moodle download (restored by `grader.load.lms_download`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.load.course_package import defines_assignment, looks_like_package
from grader.load.errors import LoadError
from grader.load.lms_download import read_download, recognise
from grader.report.models import LmsStudent


class DiscoveryError(Exception):
    """Nothing to grade where the user pointed, or a download that cannot be unpacked. One line."""


SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
# Files that mark a folder as one submission (the course's package layout or a flat set of
# modules) rather than a folder of submissions.
SUBMISSION_MARKERS = ("cs231n", "layers.py", "cnn.py", "__init__.py")
# How many folders down a folder's entries are searched for something to grade.
_SEARCH_DEPTH = 4

def _candidates(folder: Path) -> list[Path]:
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))
    return [p for p in entries if p.is_dir() or p.suffix in SUBMISSION_SUFFIXES]


def is_submission_dir(folder: Path) -> bool:
    """Whether a folder is one submission rather than a folder of them: the course layout, a course
    package of any name (found by content, `grader.load.course_package`), a student's folder holding
    one such package beside notebooks or starter code (`s1/{cs682/, ConvolutionalNetworks.ipynb}`,
    UCLA's `nndl/` with `cs231n/`), or a single module, notebook or zip."""
    if any((folder / marker).exists() for marker in SUBMISSION_MARKERS) or looks_like_package(folder):
        return True
    entries = _candidates(folder)
    if len(entries) == 1 and entries[0].is_file():
        return True
    packages = [e for e in entries if e.is_dir() and looks_like_package(e)]
    if len(packages) == 1:
        # Anything else beside the package must be no submission of its own: notebooks, or
        # folders and modules that define none of the assignment (starter code, data).
        rest = [e for e in entries if e != packages[0]]
        return all(e.suffix == ".ipynb" or not _holds_work(e) for e in rest)
    return False


def _holds_work(entry: Path, depth: int = 0) -> bool:
    """Whether an entry beside a package is someone's work: a notebook, a zip, a module that
    defines the assignment, or a folder holding one of these a few folders down."""
    if entry.is_file():
        return entry.suffix != ".py" or defines_assignment(entry)
    if looks_like_package(entry):
        return True
    return depth < _SEARCH_DEPTH and any(_holds_work(e, depth + 1) for e in _candidates(entry))


def _holds_anything(entry: Path, depth: int = 0) -> bool:
    """Whether an entry holds a module, notebook or zip at all, a few folders down."""
    if entry.is_file():
        return True
    return depth >= _SEARCH_DEPTH or any(_holds_anything(e, depth + 1) for e in _candidates(entry))


def _expand(folder: Path, downloads: list[Path]) -> list[Path]:
    """The submissions in a folder of them; sub-folders that are not submissions are searched too
    (a class sorted into sections, or the examples sorted into buggy/ and hostile/). LMS downloads
    found on the way are added to `downloads`, not to the submissions."""
    found = []
    for entry in _candidates(folder):
        if recognise(entry):
            downloads.append(entry)
            continue
        # A folder in a class holding nothing at all is a student who handed in nothing: one
        # submission, whose report says so (the load fails with one line), not none.
        one = entry.is_file() or is_submission_dir(entry) or not _holds_anything(entry)
        found += [entry] if one else _expand(entry, downloads)
    return found


@dataclass
class Discovery:
    """What `discover` found: (folder given, submission) pairs, and for those of an LMS download,
    the student each is and what was noticed reading the download (one line each)."""

    found: list[tuple[Path, Path]]
    students: dict[Path, LmsStudent]
    warnings: list[str]


def discover(paths: list[Path], staging: Path | None) -> Discovery:
    """Every submission under `paths`: each path is one, a folder of them, or an LMS download, whose
    students' folders are written below `staging` (`grader.load.lms_download`); without `staging`, an LMS
    download is a BatchError (it is a class, not one submission)."""
    found: list[tuple[Path, Path]] = []
    downloads: list[Path] = []
    for path in paths:
        if not path.exists():
            raise DiscoveryError(f"no such file or folder: {path}")
        if recognise(path):
            downloads.append(path)
        elif path.is_file() or is_submission_dir(path):
            found.append((path.parent, path))
        else:
            found += [(path, s) for s in _expand(path, downloads)]
    students: dict[Path, LmsStudent] = {}
    warnings: list[str] = []
    for download in downloads:
        if staging is None:
            lms = (recognise(download) or "").title()
            raise DiscoveryError(f"{download} is a {lms} download, a class's submissions: cnngrade grade it")
        try:
            read = read_download(download, staging)
        except LoadError as e:
            raise DiscoveryError(str(e)) from None
        except OSError as e:
            raise DiscoveryError(f"cannot unpack {download} into {staging}: {e.strerror or e}") from None
        found += [(folder.parent, folder) for folder in read.students]
        students.update(read.students)
        warnings += read.warnings
    if not found:
        raise DiscoveryError(f"no submissions (.py, .ipynb, .zip or folders) in {', '.join(map(str, paths))}")
    seen: set[Path] = set()
    unique = []
    for base, submission in found:  # the same submission given twice (a folder and a file in it)
        if submission.resolve() not in seen:
            seen.add(submission.resolve())
            unique.append((base, submission))
    return Discovery(unique, students, warnings)


def find_submissions(paths: list[Path]) -> list[tuple[Path, Path]]:
    """(folder given, submission) for every submission: each path is one, or a folder of them."""
    return discover(paths, None).found
