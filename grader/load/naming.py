"""The reports folder of a batch: what each submission is called there, and what it was graded with.

A submission's name decides its report's file, so it must not change with what else is in
the batch, nor between grading it alone and grading it with its class. So:

- a submission is named after itself (its file name without the suffix, or its folder's
  name), not after the folder it was found in; only when that name is taken (compared
  without case, as macOS and Windows file systems compare) does a longer one take over:
  its path below the folder given, then with the suffix, then with the folder's own name
  first, and at last a short hash of its full path;
- the folder remembers every name it gave (`.cnngrade-state`, keyed by the submission's full
  path), so a later run, alone or with new classmates, gives the same submission the same
  name, and a newcomer whose name is taken gets a longer one instead of renaming the
  others' reports;
- the file stem is a pure function of the name (`report_stem`).

The same file holds the fingerprint of the secret and the rubric the reports were graded
with, so a second run with another secret does not mix two gradings in one folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

STATE_FILE = ".cnngrade-state"  # no .json suffix: "*.json" in the folder means reports
NAME_CHARS = 120  # longer names keep their start and get a hash (file names stop at 255 bytes)
STEM_CHARS = 80


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _capped(name: str) -> str:
    return name if len(name) <= NAME_CHARS else f"{name[: NAME_CHARS - 9]}~{short_hash(name)}"


def report_stem(name: str, reserved: tuple[str, ...] = ()) -> str:
    """The file stem of a submission's report: the name itself when it is a safe, short file name,
    otherwise the name made safe and short plus a hash of the whole name (so two names never share
    a stem, and a name always gets the same one)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:STEM_CHARS]
    if stem == name and name.lower() not in reserved:
        return stem
    return f"{stem or 'submission'}-{short_hash(name)}"


def _tiers(base: Path, submission: Path) -> list[str]:
    """The names a submission may take, shortest first; the last one is unique."""
    relative = submission.relative_to(base).as_posix()
    bare = relative.removesuffix(submission.suffix) if submission.is_file() else relative
    names = [Path(bare).name, bare, relative, f"{base.name}/{relative}"]
    return [*map(_capped, names), f"{_capped(relative)}~{short_hash(str(submission.resolve()))}"]


def name_submissions(
    found: list[tuple[Path, Path]], known: dict[str, str], existing: frozenset[str] = frozenset()
) -> list[str]:
    """A name per (folder given, submission): the remembered one, else the shortest free one.

    `known` maps a submission's full path to the name an earlier run gave it; `existing` holds the
    stems of the reports already in the folder. Names are told apart by their report stems
    (without case), so no name can take another submission's report file: a file named like a
    classmate's hashed stem (`First_Last-<hash>.py`) gets a longer name, not the classmate's report.
    """
    keys = [str(s.resolve()) for _, s in found]
    names: dict[int, str] = {i: known[k] for i, k in enumerate(keys) if k in known}
    taken = {report_stem(n).lower() for n in known.values()} | {e.lower() for e in existing}
    todo = [i for i in range(len(found)) if i not in names]
    tiers = [_tiers(base, submission) for base, submission in found]
    for tier in range(len(tiers[0]) if found else 0):
        candidates = {i: report_stem(tiers[i][tier]).lower() for i in todo}
        counts = Counter(candidates.values())
        for i, stem in candidates.items():
            if counts[stem] == 1 and stem not in taken:
                names[i] = tiers[i][tier]
        taken |= {report_stem(names[i]).lower() for i in todo if i in names}
        todo = [i for i in todo if i not in names]
    for i in todo:  # two different paths with the same hash: not worth a name scheme of its own
        names[i] = f"{tiers[i][-1]}~{i}"
    return [names[i] for i in range(len(found))]


def read_state(out: Path) -> dict:
    """The folder's remembered names and fingerprint; empty for a new folder or an unreadable file."""
    try:
        state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def known_names(state: dict) -> dict[str, str]:
    names = state.get("names")
    if not isinstance(names, dict):
        return {}
    return {k: v for k, v in names.items() if isinstance(k, str) and isinstance(v, str)}


def write_state(out: Path, names: dict[str, str], fingerprint: str) -> None:
    """Remember the names given (added to the earlier ones) and the fingerprint, atomically."""
    state = {"fingerprint": fingerprint, "names": {**known_names(read_state(out)), **names}}
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state.", suffix=".tmp", dir=out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, sort_keys=True)
        os.replace(tmp, out / STATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fingerprint(secret: str | None, rubric_sha256: str) -> str:
    """What decides every report's grade besides the submission: the secret and the rubric."""
    secret_hash = hashlib.sha256(secret.encode()).hexdigest() if secret else "no-secret"
    return hashlib.sha256(f"cnngrade-out\0{secret_hash}\0{rubric_sha256}".encode()).hexdigest()
