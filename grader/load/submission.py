"""Load whatever a student handed in and turn it into a Bundle the sandboxed worker can import.

Accepted: a single ``.py`` module; a directory of modules, usually the course package, possibly one
or more folders down (``assignment2/cs231n/...``) or handed in as the package folder itself; a
directory holding just one notebook or one zip (an LMS export); a Jupyter notebook; a ``.zip`` of
any of these.

The course package is found by what it defines, not by its name: the assignment is taught as ports
that rename it (``cs231n/``, UMass ``cs682/``, UCLA ``nndl/`` with split ``conv_layers.py`` and
``conv_layer_utils.py``, ``MS325/``, ``deeplearning/``, ``annp/``), so the folder whose modules define
the assignment's functions (read from the syntax tree, ``grader.load.course_package``) is graded, kept
under its own name so that its absolute ``from cs682.layers import *`` works, and a starter package
beside it (UCLA's ``cs231n/``) is starter code.

Nothing the student wrote runs here: files are read, parsed and copied. The Bundle's ``root`` is a
fresh tree under ``scratch`` holding the student's Python files (starter files replaced by shims,
see ``grader.load.starter``), the ``cnngrade_starter`` package, and for a notebook the generated module
``submission_nb.py``. The manifest says where each symbol the rubric needs was found, and records
what the loader noticed (syntax errors, skipped files, duplicates, code changed outside the course's
START/END markers) as findings. A submission that cannot be loaded at all raises ``LoadError``.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import shutil
import sys
import tokenize
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from grader.load import integrity, old_numpy, python2
from grader.load.archive import DEFAULT_LIMITS, ArchiveLimits, extract_zip, is_junk
from grader.load.course_package import bound_names, defined_symbols, module_statements, package_of
from grader.load.errors import LoadError
from grader.load.notebook import (
    UNPARSABLE,
    code_cells,
    exc_line,
    notebook_to_module,
    parse_error,
    read_notebook,
)
from grader.load.starter import (
    COURSE_PATHS,
    PACKAGE,
    STARTER_MODULES,
    WORKER_MODULES,
    add_missing_starter,
    install_course_shims,
    install_starter,
    shim_source,
)
from grader.report.models import Finding

__all__ = ["Bundle", "Kind", "LoadError", "Manifest", "ManifestFile", "SymbolLocation", "load"]

# What the rubric needs by default; each is reported as found (where) or missing.
REQUIRED_SYMBOLS = (
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "softmax_loss",
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "conv_relu_forward",
    "conv_relu_backward",
    "conv_relu_pool_forward",
    "conv_relu_pool_backward",
    "ThreeLayerConvNet",
)
# Reported only when the submission defines them in its own (non-starter) code.
OWN_FAST_SYMBOLS = (
    "conv_forward_fast",
    "conv_backward_fast",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
)
# The course modules each symbol belongs in, best first (UCLA's port splits the conv layers out into
# conv_layers.py and conv_layer_utils.py); preferred when a name is defined in several files.
_HOME: dict[str, tuple[str, ...]] = {"ThreeLayerConvNet": ("cnn",)} | {
    s: (
        ("layer_utils", "conv_layer_utils")
        if s.startswith(("affine_relu", "conv_relu"))
        else ("conv_layers", "layers")
        if s.startswith(("conv_", "max_pool_"))
        else ("layers", "conv_layers")
    )
    for s in REQUIRED_SYMBOLS[:-1]
}
NOTEBOOK_MODULE = "submission_nb"
# Names a single submitted module must not take in the tree: it would shadow what the worker imports.
_RESERVED = frozenset({"numpy", PACKAGE, "cs231n", NOTEBOOK_MODULE}) | sys.stdlib_module_names
_MAX_DESCENT = 5
# A directory holding one of these is a course directory and gets shims for missing starter files.
# (UCLA's port splits the conv layers into conv_layers.py and conv_layer_utils.py.)
_COURSE_FILES = ("layers.py", "layer_utils.py", "conv_layers.py", "conv_layer_utils.py")
# Names a package handed in as itself cannot keep in the tree: they are the grader's own.
_UNNAMEABLE = frozenset({"numpy", PACKAGE, NOTEBOOK_MODULE})


class Kind(StrEnum):
    module = "module"
    package = "package"
    notebook = "notebook"
    zip = "zip"


class SymbolLocation(BaseModel):
    """Where a symbol is defined. ``module`` is the dotted name the worker imports from the root.
    For a notebook, ``file`` is the notebook, ``cell`` counts every cell from 1, and ``line``
    counts within that cell."""

    model_config = ConfigDict(extra="forbid")
    module: str
    file: str
    line: int
    cell: int | None = None


class ManifestFile(BaseModel):
    """A file of the submission as handed in: its path inside the submission, the sha256 of its
    bytes, and ``role``: ``student`` (loaded as written) or ``starter`` (replaced by a shim)."""

    model_config = ConfigDict(extra="forbid")
    path: str
    sha256: str
    role: str = "student"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inner_kind: Kind | None = None  # what a zip held
    files: list[ManifestFile] = Field(default_factory=list)
    # Every required symbol (None when missing) and every own fast-layer function found.
    symbols: dict[str, SymbolLocation | None] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)


class Bundle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str  # the file or folder name given; keys the report
    kind: Kind
    source: str  # the path as given
    root: Path  # the tree the worker puts first on sys.path
    sha256: str  # over every manifest file's path and sha256
    manifest: Manifest


def _link_leaves(path: Path, upload: Path) -> bool:
    """Whether ``path`` is a symbolic link to somewhere outside ``upload``."""
    real = os.path.realpath(path)
    return os.path.islink(path) and not real.startswith(os.path.realpath(upload) + os.sep)


def _undecodable(name: str) -> bool:
    """A file name that is not valid UTF-8 (Python keeps its bytes as surrogates): it cannot go
    into a report, and no import statement can name it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(name: str) -> str:
    """A printable form of a file name whose bytes are not UTF-8."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, rel: str, findings: list[Finding]) -> tuple[str, bool]:
    """The source text (honouring a PEP 263 coding line) and whether it decoded cleanly."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), True
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        findings.append(
            Finding(
                kind="encoding",
                file=rel,
                line=line,
                message=f"not valid UTF-8 ({exc}); undecodable bytes were replaced with U+FFFD",
            )
        )
        return data.decode("utf-8", errors="replace"), False


class _Loader:
    """Collects the bundle's files, findings and symbol candidates while one submission loads."""

    def __init__(
        self,
        scratch: Path,
        root: Path,
        starter_modules: Sequence[str],
        limits: ArchiveLimits,
        detail: bool = False,
    ) -> None:
        self.scratch = scratch
        self.root = root
        self.starter_modules = tuple(starter_modules)
        self.limits = limits
        self.manifest = Manifest()
        # symbol -> [(module, file, line)] from the student's own Python files, in path order
        self.candidates: dict[str, list[tuple[str, str, int]]] = {}
        self.notebook_symbols: dict[str, SymbolLocation] = {}
        # (symbol, file, line) defined in files whose path is no dotted module name ("hw 2/layers.py")
        self.unimportable: list[tuple[str, str, int]] = []
        # (importing module, file, top-level module name, line) of each unguarded top-level import
        self.imports: list[tuple[str | None, str, str, int]] = []
        # dotted module name -> file, and the modules each one imports at its top level
        self.modules: dict[str, str] = {}
        self.edges: dict[str | None, set[str]] = {}
        # Python 2 files: path -> (line, what gave it away)
        self.python2: dict[str, tuple[int | None, str]] = {}
        self.unparsable: dict[str, tuple[int | None, str]] = {}
        self.detail = detail
        self.upload = Path(os.path.realpath(scratch))  # the folder given; set by load()
        self.course_imports: list[str] = []  # a notebook's imports of the course package
        # The graded course package's folder in the root ("cs682", "nndl"; "." when its files are
        # at the root), None when no folder of the upload is a course package.
        self.package: str | None = None
        self.source_bytes = 0  # taken so far, against the limits' totals
        self.source_lines = 0
        # source text -> its syntax tree, or why it does not parse: the package search reads the
        # files before they are added, and each is parsed once.
        self.trees: dict[str, ast.Module | Exception] = {}

    def finding(self, kind: str, message: str, file: str | None = None, line: int | None = None) -> None:
        self.manifest.findings.append(Finding(kind=kind, file=file, line=line, message=message))

    def within_caps(self, size: int, lines: int, rel: str) -> str | None:
        """Count source against the caps before anything parses it: None if it may be parsed,
        else why not (one file too big); LoadError when the submission's total is too big."""
        limits = self.limits
        if size > limits.max_file_bytes or lines > limits.max_file_lines:
            return (
                f"{size} bytes in {lines} lines, more than the cap of {limits.max_file_bytes} bytes "
                f"or {limits.max_file_lines} lines per file"
            )
        self.source_bytes += size
        self.source_lines += lines
        if self.source_bytes > limits.max_source_bytes or self.source_lines > limits.max_source_lines:
            raise LoadError(
                f"{rel}: the submission has more than {limits.max_source_bytes} bytes or "
                f"{limits.max_source_lines} lines of Python source; give the grader only the assignment"
            )
        return None

    # --- the kinds of input -------------------------------------------------------------

    def load_path(self, path: Path, run_notebook: bool, depth: int = 0) -> tuple[Kind, Kind | None]:
        """Load ``path`` into the root; returns (kind, inner kind for a zip)."""
        if path.is_dir():
            return self.load_dir(path, run_notebook, depth)
        size, cap = path.stat().st_size, self.limits.max_total_bytes
        if size > cap:
            raise LoadError(f"{path.name}: {size} bytes, more than the cap of {cap}")
        suffix = path.suffix.lower()
        if suffix == ".py":
            self.load_module(path)
            return Kind.module, None
        if suffix == ".ipynb":
            self.load_notebook(path.read_bytes(), path.name, run_notebook)
            return Kind.notebook, None
        if suffix == ".zip":
            if depth >= 2:
                raise LoadError(f"{path.name}: zips nested more than two deep are not accepted")
            target = self.scratch / f"unzipped-{depth}"
            shutil.rmtree(target, ignore_errors=True)
            extract_zip(path, target, self.limits)
            inner, _ = self.load_dir(target, run_notebook, depth + 1, label=path.name)
            return Kind.zip, inner
        raise LoadError(f"{path}: not a .py, .ipynb or .zip file, nor a directory")

    def load_module(self, path: Path) -> None:
        data = path.read_bytes()
        stem = path.stem
        module = stem if stem.isidentifier() and stem not in _RESERVED else "submission"
        self.manifest.files.append(ManifestFile(path=path.name, sha256=_sha256(data)))
        self.add_python(data, path.name, f"{module}.py")
        # A single module may still say `from cs231n.fast_layers import *`.
        install_course_shims(self.root, self.starter_modules)

    def load_notebook(self, data: bytes, rel: str, run_notebook: bool) -> None:
        self.manifest.files.append(ManifestFile(path=rel, sha256=_sha256(data)))
        nb = read_notebook(data, rel)
        code = "\n".join(source for _, source in code_cells(nb))
        too_big = self.within_caps(len(code.encode("utf-8", "replace")), code.count("\n") + 1, rel)
        if too_big:
            raise LoadError(f"{rel}: the notebook's code cells have {too_big}")
        converted = notebook_to_module(nb, rel, self.starter_modules, keep_all=run_notebook)
        (self.root / f"{NOTEBOOK_MODULE}.py").write_text(converted.source, encoding="utf-8")
        self.manifest.findings.extend(converted.findings)
        self.course_imports = converted.course_imports
        for symbol, where in converted.definitions.items():
            self.notebook_symbols[symbol] = SymbolLocation(
                module=NOTEBOOK_MODULE, file=rel, line=where.line, cell=where.cell
            )

    def load_dir(
        self, path: Path, run_notebook: bool, depth: int, label: str | None = None
    ) -> tuple[Kind, Kind | None]:
        label = label or path.name
        base = self._descend(path)
        python = self._python_files(base)
        if python:
            home, prefix, skipped = base, "", []
            course, *others = self._course_packages(python, base) or [None]
            if course is not None:
                home, prefix = self._home(course, base, python, label)
                self.package = prefix or course.relative_to(home).as_posix()
                skipped = others
            if course is not None and others:  # a whole course repository
                rel = course.relative_to(base).as_posix()
                package = rel if rel != "." else prefix or base.name
                self.finding(
                    "course_folder",
                    f"graded {package}, the course package with the convolutional network; "
                    "the other assignments' packages were not read",
                    file=course.parent.relative_to(base).as_posix() if course != base else ".",
                )
            python = [f for f in python if f.is_relative_to(home) and not any(map(f.is_relative_to, skipped))]
            self.load_package(home, python, prefix)
            return Kind.package, None
        entries = sorted(p for p in base.iterdir() if self._usable(p) and not _undecodable(p.name))
        notebooks = [p for p in entries if p.suffix.lower() == ".ipynb" and p.is_file()]
        zips = [p for p in entries if p.suffix.lower() == ".zip" and p.is_file()]
        if len(notebooks) + len(zips) == 1:
            (single,) = notebooks + zips
            return self.load_path(single, run_notebook, depth)
        if notebooks or zips:
            names = ", ".join(p.name for p in notebooks + zips)
            raise LoadError(
                f"{label}: holds several notebooks or zips ({names}); give the grader one of them"
            )
        raise LoadError(f"{label}: no Python files, notebook or zip to grade in it")

    def _source(self, file: Path) -> str | None:
        """A file's text for the package search; None when it is over the per-file cap (it is
        never parsed; ``add_python`` reports it)."""
        try:
            if file.stat().st_size > self.limits.max_file_bytes:
                return None
            return file.read_bytes().decode("utf-8", "replace")
        except OSError:
            return None

    def parse(self, text: str) -> ast.Module:
        """``text``'s syntax tree; raises what ``ast.parse`` raises (``UNPARSABLE``)."""
        if text not in self.trees:
            try:
                self.trees[text] = ast.parse(text)
            except UNPARSABLE as exc:
                self.trees[text] = exc
        found = self.trees[text]
        if isinstance(found, Exception):
            raise found
        return found

    def _tree(self, text: str) -> ast.Module | None:
        try:
            return self.parse(text)
        except UNPARSABLE:
            return None

    def _course_packages(self, files: list[Path], base: Path) -> list[Path]:
        """The course packages under ``base``, best first, found by what they define, not by their
        name: a folder (the parent of ``classifiers/``) whose modules define one of the assignment's
        functions; failing that, one holding ``layers.py``/``conv_layers.py`` (a package that is
        all stubs still is the student's). A folder inside another such folder is part of it. A
        whole repository has one per assignment (``assignment1/cs231n``, ``assignment2/cs682``,
        ...) whose modules import their package by name, so only one is graded: the one with the
        ConvNet, else with the conv layers, else with the most of the assignment, else the
        shallowest. A starter package beside the student's (UCLA's ``cs231n/`` next to ``nndl/``)
        defines none of it and stays in as starter code."""
        defines: dict[Path, set[str]] = {}
        for file in files:
            text = self._source(file)
            if text is not None:
                found = defined_symbols(self._tree(text), text)
                if found:
                    defines.setdefault(package_of(file), set()).update(found)
        if not defines:
            named = [f for f in files if f.name in ("layers.py", "conv_layers.py")]
            defines = {package_of(f): set() for f in named}
        # A folder no import can name ("old version/") is no package; its files stay in as they are.
        folders = [
            d
            for d in defines
            if d.is_relative_to(base) and all(p.isidentifier() for p in d.relative_to(base).parts)
        ]
        tops = [d for d in folders if not any(d != o and d.is_relative_to(o) for o in folders)]
        merged = {t: set().union(*(defines[d] for d in folders if d.is_relative_to(t))) for t in tops}

        def rank(folder: Path) -> tuple[bool, bool, int, int, str]:
            symbols = merged[folder]
            return (
                "ThreeLayerConvNet" in symbols,
                "conv_forward_naive" in symbols,
                len(symbols),
                -len(folder.parts),
                str(folder),
            )

        return sorted(tops, key=rank, reverse=True)

    def _home(self, course: Path, base: Path, files: list[Path], label: str) -> tuple[Path, str]:
        """Where the bundle's tree starts, and the folder name the package files are put under.
        A package inside the upload keeps its place (``s1/cs682/layers.py`` becomes
        ``cs682/layers.py``), so its absolute ``from cs682.layers import *`` works. The package
        handed in as the upload itself keeps its name too when its modules import it by that
        name, or it is a package (an ``__init__.py``) with only relative imports; files that import
        another name (a zip of the package's files, flat files importing ``cs682.layers``) go under
        that name; flat files importing ``cs231n.layers`` stay flat (the cs231n shims lead there)."""
        if course != base:
            return course.parent, ""
        inside = {p.stem if p.suffix == ".py" else p.name for p in base.iterdir()}
        named: set[str] = set()
        for file in files:
            text = self._source(file) if file.is_relative_to(base) else None
            if text is not None:
                named |= _self_imports(self._tree(text), inside)
        is_package = (base / "__init__.py").is_file()
        # A zip's files were extracted into a folder of the grader's; its name means nothing.
        own = Path(label).stem if base.parent == self.scratch else base.name
        # `from cs682.layers ...`, or a package with only relative imports: its own name. Files that
        # name another (a zip of the package's files, a Gradescope folder of a port's): that name.
        # Flat files saying `from cs231n.layers import *` stay flat, as they always were: the
        # cs231n shims lead there.
        keep_own = own in named or (is_package and not named)
        choice = own if keep_own else min(named - {"cs231n"}, default="")
        if choice.isidentifier() and choice not in _UNNAMEABLE:
            return base, choice
        return base, ""

    def _inside(self, link: Path) -> bool:
        """Whether a symbolic link's final target lies inside the upload (never followed outside)."""
        # realpath, unlike Path.resolve, does not raise on a symlink loop; a loop or a dangling
        # link does not exist, and is reported instead.
        return os.path.exists(link) and Path(os.path.realpath(link)).is_relative_to(self.upload)

    def _usable(self, entry: Path) -> bool:
        """Not archiver debris, and either no symbolic link or one that stays inside the upload."""
        return not is_junk((entry.name,)) and (not entry.is_symlink() or self._inside(entry))

    def _descend(self, path: Path) -> Path:
        """Walk down through folders that only wrap another folder (``student/assignment2/...``),
        stopping at the folder that holds the code, so a package keeps its dotted name."""
        for _ in range(_MAX_DESCENT):
            entries = [p for p in path.iterdir() if self._usable(p)]
            dirs = [p for p in entries if p.is_dir()]
            code = [p for p in entries if p.is_file() and p.suffix.lower() in (".py", ".ipynb", ".zip")]
            if code or len(dirs) != 1 or any(dirs[0].glob("*.py")):
                return path
            path = dirs[0]
        return path

    def _python_files(self, base: Path) -> list[Path]:
        """The ``.py`` files under ``base``. A symbolic link is followed when its target is inside
        the upload (a repository's ``assignment2/cs231n -> ../cs231n``), each real folder and file
        once; one pointing outside, or into a loop, is reported and never followed."""
        found: list[Path] = []
        seen_dirs = {os.path.realpath(base)}
        seen_files: set[str] = set()
        total = 0
        for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
            here = Path(dirpath)
            depth = len(here.relative_to(base).parts)
            if depth >= self.limits.max_depth and dirnames:
                shown = _shown("/".join(here.relative_to(base).parts[:3]))
                raise LoadError(
                    f"{base.name}: folders nested more than {self.limits.max_depth} deep "
                    f"({shown}/...); hand in the assignment's folder"
                )
            if PACKAGE in dirnames:
                self.finding(
                    "starter_overridden", f"the submission's own {PACKAGE}/ was ignored", file=PACKAGE
                )
            for name in [n for n in dirnames + filenames if _undecodable(n)]:
                rel = _shown((here / name).relative_to(base).as_posix())
                self.finding("encoding", f"{rel}: the file name is not valid UTF-8; skipped", file=rel)
            dirnames[:] = sorted(
                d for d in dirnames if not is_junk((d,)) and d != PACKAGE and not _undecodable(d)
            )
            filenames = [f for f in filenames if not _undecodable(f)]
            for entry in sorted(dirnames + filenames):
                if (here / entry).is_symlink() and not self._inside(here / entry):
                    self._report_symlink(base, here / entry)
            kept = []
            for d in dirnames:
                real = os.path.realpath(here / d)
                if real in seen_dirs or (here / d).is_symlink() and not self._inside(here / d):
                    continue
                seen_dirs.add(real)
                kept.append(d)
            dirnames[:] = kept
            for filename in sorted(filenames):
                file = here / filename
                real = os.path.realpath(file)
                if not filename.endswith(".py") or is_junk((filename,)) or real in seen_files:
                    continue
                if not file.is_file() or (file.is_symlink() and not self._inside(file)):
                    continue
                seen_files.add(real)
                found.append(file)
                total += file.stat().st_size
            if len(found) > self.limits.max_members or total > self.limits.max_total_bytes:
                raise LoadError(
                    f"{base.name}: more than {self.limits.max_members} Python files or "
                    f"{self.limits.max_total_bytes} bytes of them"
                )
        return found

    def _report_symlink(self, base: Path, link: Path) -> None:
        target = os.readlink(link)
        rel = link.relative_to(base).as_posix()
        where = "outside the submission" if os.path.exists(link) else "broken or in a loop"
        self.finding("symlink_skipped", f"{rel} -> {target}: a symbolic link {where}, not followed", file=rel)

    def load_package(self, base: Path, files: list[Path], prefix: str = "") -> None:
        """Copy the files under ``base`` into the root (under ``prefix/`` when given: the package
        handed in as itself keeps its name), shimming starter files and supplying missing ones."""
        for file in files:
            rel = file.relative_to(base).as_posix()
            rel = f"{prefix}/{rel}" if prefix else rel
            data = file.read_bytes()
            starter = file.stem in self.starter_modules
            self.manifest.files.append(
                ManifestFile(path=rel, sha256=_sha256(data), role="starter" if starter else "student")
            )
            if starter:
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(shim_source(file.stem), encoding="utf-8")
            else:
                self.add_python(data, rel, rel)
        course_dirs = {
            (self.root / f.path).parent
            for f in self.manifest.files
            if f.path.rsplit("/", 1)[-1] in _COURSE_FILES
        }
        if self.package not in (None, "."):
            course_dirs.add(self.root / self.package)  # `from cs682.fast_layers import *`
        if (self.root / "cs231n").is_dir():
            # The course's own starter package beside a port's (UCLA's `cs231n/` next to `nndl/`):
            # whatever starter module it lacks, `from cs231n.fast_layers import *` still works.
            course_dirs.add(self.root / "cs231n")
        for directory in course_dirs:
            add_missing_starter(directory, self.starter_modules)
        if not (self.root / "cs231n").exists():
            flat = [m for m in COURSE_PATHS if (self.root / f"{m}.py").exists()]
            install_course_shims(self.root, self.starter_modules, flat)

    # --- one Python file ---------------------------------------------------------------

    def add_python(self, data: bytes, rel: str, dest: str) -> None:
        """Write the student's file to ``root/dest`` and record its symbols and findings."""
        too_big = self.within_caps(len(data), data.count(b"\n") + 1, rel)
        if too_big:
            self.finding("too_large", f"not read: {too_big}", rel)
            return
        text, clean = _decode(data, rel, self.manifest.findings)
        target = self.root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if clean:
            target.write_bytes(data)
        else:
            target.write_text(text, encoding="utf-8")
        parts = dest.removesuffix(".py").split("/")
        package = parts[:-1]
        if parts[-1] == "__init__":
            parts.pop()
        importable = bool(parts) and all(p.isidentifier() for p in parts)
        module = ".".join(parts) if importable else None
        if module:
            self.modules[module] = rel
        try:
            tree = self.parse(text)
        except UNPARSABLE as exc:
            why = python2.from_syntax_error(exc) if isinstance(exc, SyntaxError) else None
            if why:
                self.python2_file(rel, exc_line(exc), why)
            else:
                self.unparsable.setdefault(rel, (exc_line(exc), parse_error(exc)))
                message = f"{parse_error(exc)}; nothing in this file can be used"
                self.finding("syntax_error", message, rel, exc_line(exc))
            return
        old_code = python2.from_tree(tree)
        if old_code:
            self.python2_file(rel, *old_code)
        for line, message in old_numpy.from_tree(tree):
            self.finding("old_numpy", message, rel, line)
        skeleton = integrity.skeleton_for(rel)
        if skeleton is not None:
            reference = (integrity.SKELETON_DIR / skeleton).read_text(encoding="utf-8")
            self.manifest.findings.extend(integrity.compare(reference, text, rel, detail=self.detail))
        for node in tree.body:
            self.record_import(node, module, package, rel)
        for node in module_statements(tree.body):
            for name in bound_names(node):
                if module:
                    self.candidates.setdefault(name, []).append((module, rel, node.lineno))
                else:
                    self.unimportable.append((name, rel, node.lineno))

    def python2_file(self, rel: str, line: int | None, why: str) -> None:
        self.python2.setdefault(rel, (line, why))
        self.finding("python2", python2.MESSAGE.format(why=why), rel, line)

    def record_import(self, node: ast.stmt, module: str | None, package: list[str], rel: str) -> None:
        """Note which modules ``module`` imports at its top level (a guarded import, in a try
        block, is not a statement of the module body and never counts)."""
        if isinstance(node, ast.Import):
            targets = absolute = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            head = node.module or ""
            absolute = [head] if not node.level else []
            if node.level:  # relative to the importing module's package
                up = node.level - 1
                base = package[: len(package) - up] if up <= len(package) else []
                head = ".".join([*base, head] if head else base)
            targets = [head] + [f"{head}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            return
        self.imports += [(module, rel, target.split(".")[0], node.lineno) for target in absolute]
        self.edges.setdefault(module, set()).update(t for t in targets if t)

    def imported_modules(self) -> set[str]:
        """The submission's modules the worker will import: those holding a symbol the grader
        uses, their parent packages, and everything they import from the submission in turn."""
        todo = [loc.module for loc in self.manifest.symbols.values() if loc is not None]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            dotted = name.split(".")
            for i in range(1, len(dotted) + 1):
                module = ".".join(dotted[:i])
                if module not in seen and (module in self.modules or module == NOTEBOOK_MODULE):
                    seen.add(module)
                    todo.extend(self.edges.get(module, ()))
        return seen

    def check_imports(self) -> None:
        """Report imports the worker cannot satisfy, in modules the worker will import: there,
        the module will fail to import. Files nothing imports are not reported."""
        imported = self.imported_modules()
        for importer, rel, module, line in self.imports:
            if importer not in imported or (
                module in WORKER_MODULES
                or (self.root / f"{module}.py").exists()
                or (self.root / module).is_dir()
            ):
                continue
            self.finding(
                "import_unavailable",
                f"imports {module!r}, which the grader's worker does not have (only the standard library, "
                "numpy and the submission's own modules): this module will fail to import",
                rel,
                line,
            )

    def refuse_python2(self) -> None:
        """A Python 2 file the grader would import, a course file that Python 2 syntax kept from
        loading, or a notebook whose Python 2 cells leave a symbol missing, ends the load with one
        clear line; any other is only a finding."""
        imported = {self.modules.get(m) for m in self.imported_modules()}
        cells = [f for f in self.manifest.findings if f.kind == "python2" and f.file not in self.python2]
        if cells and None in self.manifest.symbols.values():  # a notebook's skipped Python 2 cells
            raise LoadError(f"{cells[0].file}, {cells[0].message.removesuffix('; cell skipped')}")
        for rel, (line, why) in self.python2.items():
            stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
            if rel in imported or stem in COURSE_PATHS:
                where = f"{rel}, line {line}" if line else rel
                raise LoadError(f"{where}: {python2.MESSAGE.format(why=why)}")

    def refuse_unparsable(self) -> None:
        """Nothing the rubric needs was found and a file did not parse: that file is the reason,
        said the way Python says it (`broken.py:7: '(' was never closed`). With something found,
        the broken file costs only what it holds (a finding)."""
        if self.unparsable and not any(self.manifest.symbols.values()):
            rel, (line, why) = next(iter(self.unparsable.items()))
            raise LoadError(f"{rel}:{line}: {why}" if line else f"{rel}: {why}")

    def refuse_notebook_without_package(self, kind: Kind | None) -> None:
        """A notebook of a package-based course year, uploaded without its package: its code is in
        cs231n/*.py (or a port's cs682/*.py, nndl/*.py, ...), which the grader was not given. Say
        which files are missing, once: as the reason nothing loads, or as one finding when the
        notebook defines some of it itself."""
        missing = [name for name, where in self.manifest.symbols.items() if where is None]
        if kind != Kind.notebook or not self.course_imports or not missing:
            return
        files = ", ".join(self.course_imports)
        message = f"the notebook imports its code from {files}, which were not uploaded"
        if not any(self.manifest.symbols.values()):
            raise LoadError(
                f"{self.manifest.files[0].path}: {message}; upload the assignment folder "
                "(or a zip of it) with the notebook"
            )
        notebook = self.manifest.files[0].path
        self.finding("notebook.package_missing", f"{message}: {', '.join(missing)} not found", notebook)

    # --- symbols -----------------------------------------------------------------------

    def preference(self, name: str, rel: str) -> tuple[bool, int]:
        """How fit a file is to hold ``name``, lower is better: the graded package's own files
        first (not a starter package beside it), then the course module the symbol belongs in
        (``_HOME``); ties go to the first in path order."""
        outside = self.package not in (None, ".") and not rel.startswith(f"{self.package}/")
        homes = _HOME.get(name, ())
        stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
        return outside, homes.index(stem) if stem in homes else len(homes)

    def resolve_symbols(self, required: Sequence[str], optional: Sequence[str]) -> None:
        for name, rel, line in self.unimportable:
            if name in required or name in optional:
                message = f"{name} is defined here, but {rel} is not an importable path"
                self.finding("not_importable", message, rel, line)
        symbols = self.manifest.symbols
        for name in [*required, *optional]:
            if name in self.notebook_symbols:
                symbols[name] = self.notebook_symbols[name]
                continue
            found = self.candidates.get(name, [])
            if not found:
                if name in required:
                    symbols[name] = None
                continue
            module, file, _ = min(found, key=lambda c, name=name: self.preference(name, c[1]))
            # Within one file the last definition is the one an import sees.
            line = max(n for _, f, n in found if f == file)
            symbols[name] = SymbolLocation(module=module, file=file, line=line)
            others = sorted({f"{f}:{n}" for _, f, n in found} - {f"{file}:{line}"})
            if others:
                self.finding(
                    "duplicate",
                    f"{name} is also defined at {', '.join(others)}; the grader uses {file}:{line}",
                    file=file,
                    line=line,
                )


def _self_imports(tree: ast.Module | None, inside: set[str]) -> set[str]:
    """The names a package's module imports it by: ``X`` of every absolute ``from X.layers import``,
    ``import X.layers`` or ``from X import layers`` where ``layers`` is a module or folder of the
    package (``inside``). A file that does not parse (``tree`` None) names nothing."""
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            head, _, rest = node.module.partition(".")
            if rest.split(".")[0] in inside or (not rest and any(a.name in inside for a in node.names)):
                names.add(head)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                head, _, rest = alias.name.partition(".")
                if rest.split(".")[0] in inside:
                    names.add(head)
    return names


def load(
    path: Path,
    scratch: Path,
    *,
    run_notebook: bool = False,
    required_symbols: Sequence[str] = REQUIRED_SYMBOLS,
    own_symbols: Sequence[str] = OWN_FAST_SYMBOLS,
    starter_modules: Sequence[str] = STARTER_MODULES,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    integrity_detail: bool = False,
) -> Bundle:
    """Load the submission at ``path`` into ``scratch/root`` (replaced if present).

    ``required_symbols`` are always listed in the manifest (None when missing); ``own_symbols``
    only when the submission defines them in its own code. ``starter_modules`` are module names
    replaced by the reference's starter code. ``run_notebook`` keeps every notebook statement, so
    importing the generated module replays the notebook (in the sandbox). ``integrity_detail``
    gives one finding per change outside the markers instead of one summary per file.
    Raises LoadError.
    """
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file or directory")
    name = Path(os.path.abspath(path)).name
    if _undecodable(name):
        raise LoadError(f"{_shown(str(path))}: the name is not valid UTF-8; rename it and try again")
    if not path.is_dir() and _link_leaves(path, path.parent):
        # Checked before anything is opened: the grader must not read another file for the student.
        raise LoadError(f"{_shown(name)}: a symbolic link to a file outside the upload; hand in the file")
    scratch = Path(scratch)
    root = scratch / "root"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    loader = _Loader(scratch, root, starter_modules, limits, integrity_detail)
    loader.upload = Path(os.path.realpath(path if path.is_dir() else path.parent))
    try:
        kind, inner = loader.load_path(path, run_notebook)
    except OSError as exc:  # unreadable files, a FIFO, a disk error: the user's to fix
        raise LoadError(f"{path}: cannot read {exc.filename or path} ({exc.strerror or exc})") from None
    install_starter(root)
    loader.manifest.inner_kind = inner
    loader.resolve_symbols(required_symbols, own_symbols)
    loader.check_imports()
    loader.refuse_python2()
    loader.refuse_unparsable()
    loader.refuse_notebook_without_package(kind if kind != Kind.zip else inner)
    files = sorted(loader.manifest.files, key=lambda f: f.path)
    loader.manifest.files = files
    digest = _sha256("".join(f"{f.path}\0{f.sha256}\n" for f in files).encode())
    return Bundle(name=name, kind=kind, source=str(path), root=root, sha256=digest, manifest=loader.manifest)
