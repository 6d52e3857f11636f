"""A class's submissions as an LMS hands them out: recognised, grouped by student, restored.

What the downloads look like (read where noted; no LMS documents the layout formally):

- **Canvas**, "Download Submissions": one flat zip, every student's files side by side, each
  named ``<name>_<user id>_<submission id>_<original file name>``, where the name is the
  student's sortable name lower-cased without spaces or punctuation (``doejane``), and
  ``_LATE_`` follows the name when the submission was late
  (``doejane_LATE_12345_678901_cnn.py``). A file uploaded again under the same name gets a
  ``-1``, ``-2``, ... before its extension (``layers-1.py``); the download holds the files of
  the latest attempt only. Read in: the READMEs of mikewesthad/canvas-unzipper (the name, the
  two ids and flat layout, with a listing) and TimHanneman/Canvas_submission_sort (the extra
  late field, the number before the extension on a resubmitted file); both restore the
  original names the same way. The download holds no time: only the late marker.
- **Moodle**, "Download all submissions": a zip with one folder per student and submission
  plugin, ``<Full name>_<participant id>_assignsubmission_file_`` (``_onlinetext_`` for online
  text), the files inside under their own names; with "download submissions in folders" off,
  the same prefix on each file instead. Read in Moodle's own code (moodle/moodle,
  mod/assign/locallib.php, ``download_submissions``): the prefix is the full name with
  ``_`` turned into spaces, ``_``, the participant id (``get_uniqueid_for_user``: the id the
  grading worksheet shows as ``Participant <id>``), then ``_<subtype>_<type>_``; with blind
  marking the name is ``Participant``; in a team assignment ``<group>-<name>``.

`read_download` recognises one (a zip, or the folder it was unpacked into: at least half of the
entries are named so) and writes each student's files into one folder of its own under
`staging`, named for the student (a safe stem of the name and the id): the original names
restored, the latest of a resubmitted file's copies kept. That folder is then graded as any
student's folder is. Entries that are not named as the LMS names them are left out, each with a
warning line; nothing is written outside `staging`, and a zip is extracted with the limits and
checks of `grader.load.archive`.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.load.archive import USEFUL_SUFFIXES, extract_zip, is_junk, member_name
from grader.load.errors import LoadError
from grader.load.naming import short_hash
from grader.report.models import LmsStudent
from grader.report.text import one_line

CANVAS_FILE = re.compile(
    r"(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)", re.DOTALL
)
# A file uploaded again under the same name: layers-1.py (a module's name has no '-' of its own).
RESUBMITTED = re.compile(r"(?P<stem>.+?)-(?P<attempt>\d+)(?P<suffix>\.[^.]*)?")
MOODLE_ENTRY = re.compile(
    r"(?P<name>.+?)_(?P<id>\d+)_(?P<plugin>assignsubmission_[a-z]+)_(?P<file>.*)", re.DOTALL
)
NAME_CHARS = 60  # of a student's name in the folder (and report) named for them; the id follows


@dataclass
class Student:
    """One student's submission in a download: who, and their files (restored name -> file)."""

    who: LmsStudent
    files: dict[str, Path] = field(default_factory=dict)
    ranks: dict[str, tuple[int, str]] = field(default_factory=dict)  # restored name -> (attempt, raw)


@dataclass
class Download:
    """A recognised download: each student's restored folder under `staging`, and what was noticed."""

    lms: str
    students: dict[Path, LmsStudent]  # the student's folder -> who they are
    warnings: list[str]


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not is_junk((p.name,)) and not p.is_symlink())


def _useful(path: Path) -> bool:
    return path.is_dir() or path.name.endswith(USEFUL_SUFFIXES)


def _kind(names: list[tuple[str, bool]]) -> str | None:
    """'canvas' or 'moodle' when at least half the entries (name, is a folder) are named so."""
    if not names:
        return None
    canvas = sum(not folder and CANVAS_FILE.fullmatch(n) is not None for n, folder in names)
    moodle = sum(MOODLE_ENTRY.fullmatch(n) is not None and (folder or n[-1] != "_") for n, folder in names)
    best, count = max((("canvas", canvas), ("moodle", moodle)), key=lambda kind: kind[1])
    return best if count and 2 * count >= len(names) else None


def _zip_top(archive: Path) -> list[tuple[str, bool]] | None:
    """The top-level entries of a zip (name, is a folder), below one folder holding all of them."""
    try:
        with zipfile.ZipFile(archive) as zf:
            paths = [PurePosixPath(member_name(i).replace("\\", "/")) for i in zf.infolist()]
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError):
        return None  # the loader says what is wrong with it, as for any zip
    paths = [p for p in paths if p.parts and not is_junk(p.parts)]
    if paths and len({p.parts[0] for p in paths}) == 1 and all(len(p.parts) > 1 for p in paths):
        paths = [PurePosixPath(*p.parts[1:]) for p in paths]
    top: dict[str, bool] = {}
    for p in paths:
        folder = len(p.parts) > 1
        if folder or p.name.endswith(USEFUL_SUFFIXES):
            top[p.parts[0]] = top.get(p.parts[0], False) or folder
    return sorted(top.items())


def recognise(path: Path) -> str | None:
    """'canvas' or 'moodle' when `path` (a zip or a folder) is that LMS's download, else None."""
    if path.is_file():
        return _kind(_zip_top(path) or []) if path.suffix == ".zip" else None
    try:
        return _kind([(p.name, p.is_dir()) for p in _entries(path) if _useful(p)])
    except OSError:
        return None


def safe_stem(text: str) -> str:
    """`text` as a file name's part: ASCII letters, digits, '.', '_' and '-' (José -> Jose)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")[:NAME_CHARS].strip("._-")


def _restored(original: str) -> tuple[str, int]:
    """A resubmitted file's original name and attempt: layers-2.py -> (layers.py, 2)."""
    found = RESUBMITTED.fullmatch(original)
    if not found:
        return original, 0
    return found["stem"] + (found["suffix"] or ""), int(found["attempt"])


def _add(student: Student, name: str, file: Path, attempt: int, warnings: list[str]) -> None:
    """Keep the latest copy of a file: the highest attempt, then the last raw name."""
    rank = (attempt, file.name)
    kept = student.ranks.get(name)
    if kept is not None and kept[0] == attempt:
        later, earlier = sorted([kept[1], file.name], reverse=True)
        warnings.append(
            f"{one_line(earlier)} and {one_line(later)} are both {one_line(name)} of {student.who.lms} "
            f"student {student.who.id}: {one_line(later)} kept"
        )
    if kept is None or rank > kept:
        student.files[name] = file
        student.ranks[name] = rank


def _canvas(root: Path, download: str, warnings: list[str]) -> dict[str, Student]:
    students: dict[str, Student] = {}
    for entry in _entries(root):
        found = CANVAS_FILE.fullmatch(entry.name)
        if entry.is_dir() or not entry.name.endswith(USEFUL_SUFFIXES) or not found:
            if _useful(entry):
                warnings.append(
                    f"{one_line(entry.name)}: not named as Canvas names a student's file "
                    "(<name>_<user id>_<submission id>_<file>): left out"
                )
            continue
        who = LmsStudent(
            lms="canvas", id=found["id"], name=found["name"], submission_id=found["submission"],
            late=found["late"] is not None, download=download,
        )  # fmt: skip
        student = students.setdefault(who.id, Student(who))
        if who.late and not student.who.late:  # one late file makes the submission late
            student.who = who
        name, attempt = _restored(found["file"])
        _add(student, name, entry, attempt, warnings)
    return students


def _moodle(root: Path, download: str, warnings: list[str]) -> dict[str, Student]:
    students: dict[str, Student] = {}
    for entry in _entries(root):
        found = MOODLE_ENTRY.fullmatch(entry.name)
        if not found or (entry.is_file() and not found["file"]):
            if _useful(entry):
                warnings.append(
                    f"{one_line(entry.name)}: not named as Moodle names a student's folder "
                    "(<full name>_<participant id>_assignsubmission_file_): left out"
                )
            continue
        who = LmsStudent(lms="moodle", id=found["id"], name=found["name"], download=download)
        student = students.setdefault(who.id, Student(who))
        if entry.is_file():
            if entry.name.endswith(USEFUL_SUFFIXES):
                _add(student, found["file"], entry, 0, warnings)
            continue
        for folder, dirs, files in os.walk(entry):  # links to folders are not followed
            dirs.sort()
            for name in sorted(files):
                file = Path(folder, name)
                inside = file.relative_to(entry)
                if name.endswith(USEFUL_SUFFIXES) and not file.is_symlink() and not is_junk(inside.parts):
                    _add(student, inside.as_posix(), file, 0, warnings)
    return students


def _folder_name(who: LmsStudent) -> str:
    return f"{safe_stem(who.name) or who.lms}_{who.id}"


def _stage(students: dict[str, Student], target: Path) -> dict[Path, LmsStudent]:
    """Each student's files, under their original names, in a folder of their own below `target`."""
    staged: dict[Path, LmsStudent] = {}
    for student in students.values():
        folder = target / _folder_name(student.who)
        if folder in staged:  # the same id twice cannot be; the same stem for two ids can
            folder = target / f"{folder.name}-{short_hash(student.who.id)}"
        folder.mkdir(parents=True)
        for name, file in sorted(student.files.items()):
            dest = folder.joinpath(*PurePosixPath(name).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dest)
        staged[folder] = student.who
    return staged


def read_download(path: Path, staging: Path) -> Download:
    """The download at `path`, each student's folder written below `staging` (emptied first).

    LoadError (one line) for a zip that cannot be extracted safely; OSError if `staging` cannot
    be written."""
    lms = recognise(path)
    if lms is None:
        raise LoadError(f"{path}: not a Canvas or Moodle submissions download")
    target = staging / f"{safe_stem(path.name) or 'download'}-{short_hash(str(path.resolve()))}"
    if target.exists():
        shutil.rmtree(target)
    root = path
    if path.is_file():
        root = target / ".download"
        extract_zip(path, root)
        tops = _entries(root)
        if len(tops) == 1 and tops[0].is_dir() and recognise(tops[0]) == lms:
            root = tops[0]
        for name, folder in _zip_top(path) or []:  # a student's folder of no code is theirs too
            if folder:
                (root / name).mkdir(exist_ok=True)
    warnings: list[str] = []
    read = _canvas if lms == "canvas" else _moodle
    students = read(root, str(path), warnings)
    staged = _stage(students, target / "students")
    if path.is_file():
        shutil.rmtree(target / ".download")  # each student's files are in their folder now
    if not staged:
        warnings.append(f"{path}: a {lms.title()} download with no student's files in it")
    return Download(lms, staged, warnings)
