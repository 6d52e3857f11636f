"""Safe extraction of a submitted zip.

A zip comes from a student, so every member is checked before a byte is written: no member may
land outside the target (``../``, absolute paths, drive letters), links are refused, and caps on
member count, total uncompressed size and per-member compression ratio stop zip bombs. Sizes are
counted while writing too, because the sizes a zip declares can lie.

Only the files the loader can use (``.py``, ``.ipynb`` and nested ``.zip``) are extracted, so a
student who zips the course's 170 MB dataset along with the code is not refused for it.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from grader.load.errors import LoadError

USEFUL_SUFFIXES = (".py", ".ipynb", ".zip")
# Folders that archivers add and that never hold a submission (macOS resource forks, caches).
# Installed packages (a virtualenv committed with the code) are not the student's either.
JUNK_PARTS = frozenset(
    {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", "site-packages", "node_modules"}
)
_CHUNK = 1 << 16
_UTF8_FLAG = 0x800  # general purpose bit 11: the name is UTF-8


class ArchiveLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_members: int = 10_000
    max_total_bytes: int = 100 * 1024 * 1024  # over the extracted (useful) members
    max_ratio: float = 200.0  # uncompressed / compressed size of one member
    # Folders deep (a real repository's code sits under a dozen at most): deeper paths are refused
    # before anything recurses over them (pathlib's mkdir and os.walk recurse once per level).
    max_depth: int = 32
    # Source the trusted parent parses (ast, tokenize, the integrity diff): its time and memory
    # grow with lines, ~1 s and 250 MB per 100k lines, so both are capped before parsing. Real
    # course files have a few hundred lines; a notebook's code cells count as one file.
    max_file_bytes: int = 512 * 1024
    max_file_lines: int = 20_000
    max_source_bytes: int = 8 * 1024 * 1024  # over every Python file and notebook taken
    max_source_lines: int = 200_000


DEFAULT_LIMITS = ArchiveLimits()


def is_junk(parts: tuple[str, ...]) -> bool:
    """True for archiver debris: macOS ``__MACOSX`` / ``._name`` forks, caches, hidden files."""
    return any(p in JUNK_PARTS or p.startswith(".") for p in parts)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its archiver wrote it. A name not flagged as UTF-8 is read as cp437,
    as the zip format says, but Info-ZIP and many others write UTF-8 without the flag (an LMS's
    `José Núñez_4712_...` folder): such a name that is valid UTF-8 is taken as UTF-8."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _member_path(info: zipfile.ZipInfo, archive: str, max_depth: int) -> PurePosixPath:
    """The member's relative path, or LoadError if it could point outside the target or lies
    more than `max_depth` folders down."""
    name = member_name(info).replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]) or ".." in path.parts:
        raise LoadError(
            f"{archive}: refusing unsafe member {info.filename!r} (it points outside the archive)"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise LoadError(f"{archive}: refusing member {info.filename!r}: it is a symbolic link")
    if len(path.parts) > max_depth + 1:
        shown = "/".join(path.parts[:3])
        raise LoadError(
            f"{archive}: member {shown}/... lies {len(path.parts) - 1} folders deep, more than the cap of "
            f"{max_depth}"
        )
    return path


def extract_zip(archive: Path, target: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """Extract the useful members of ``archive`` into ``target`` (created), or raise LoadError."""
    name = archive.name
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoadError(f"{name}: not a readable zip file ({exc})") from None
    except UnicodeDecodeError:  # a member name flagged as UTF-8 that is not
        raise LoadError(f"{name}: a member's name is marked UTF-8 but is not valid UTF-8") from None
    with zf:
        members = zf.infolist()
        if len(members) > limits.max_members:
            raise LoadError(f"{name}: {len(members)} members, more than the cap of {limits.max_members}")
        wanted: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in members:
            path = _member_path(info, name, limits.max_depth)  # checked for every member, used or not
            if info.is_dir() or is_junk(path.parts) or not path.name.endswith(USEFUL_SUFFIXES):
                continue
            if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                raise LoadError(
                    f"{name}: member {info.filename!r} expands {info.file_size / info.compress_size:.0f}x, "
                    f"more than the cap of {limits.max_ratio:.0f}x (zip bomb?)"
                )
            wanted.append((info, path))
        declared = sum(info.file_size for info, _ in wanted)
        if declared > limits.max_total_bytes:
            raise LoadError(
                f"{name}: expands to {declared} bytes, more than the cap of {limits.max_total_bytes}"
            )
        written = 0
        target.mkdir(parents=True, exist_ok=True)
        for info, path in wanted:
            dest = target.joinpath(*path.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(dest, "wb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > limits.max_total_bytes:
                            raise LoadError(
                                f"{name}: expands past the cap of {limits.max_total_bytes} bytes (zip bomb?)"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                # RuntimeError: encrypted member; NotImplementedError: unsupported compression.
                raise LoadError(f"{name}: cannot extract {info.filename!r} ({exc})") from None
