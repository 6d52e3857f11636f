"""The starter code every Bundle carries, and the shims that replace a student's copy of it.

The course hands students ``fast_layers.py``, ``solver.py``, ``optim.py`` and so on; they are not
graded, and a student's copy may need a Cython extension that was never compiled or may have been
edited. So the reference's own versions of four of them travel in every bundle as the package
``cnngrade_starter`` (they import only numpy and each other), and each starter file a student
handed in is replaced by a shim: the four re-export ``cnngrade_starter``; the others (im2col,
data loading, ``setup.py``, ...) become stubs whose functions say they are not available.
The answer key (``reference/layers.py``, ``layer_utils.py``, ``cnn.py``, ``data.py``) never
enters a bundle.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from grader.isolate.isolation import SITE_PACKAGES

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "reference"
PACKAGE = "cnngrade_starter"
# The reference modules copied verbatim; they are the course's starter code, not the answer key.
COPIED_MODULES = ("fast_layers", "optim", "solver", "gradient_check")
# Module names treated as starter code by default (the rubric may pass its own list).
STARTER_MODULES = (*COPIED_MODULES, "im2col", "im2col_cython", "data_utils", "vis_utils", "setup")
# What student code can import in the worker besides the bundle itself: the standard library,
# the site-packages the sandbox exposes, and ``past`` (from the ``future`` package), which the
# worker provides itself (grader/isolate/compat.py).
WORKER_MODULES = (
    frozenset(sys.stdlib_module_names) | {p for p in SITE_PACKAGES if p.isidentifier()} | {"past"}
)
# The student's course modules, by their path inside the course package.
COURSE_PATHS = {"layers": "layers.py", "layer_utils": "layer_utils.py", "cnn": "classifiers/cnn.py"}

_STUB = '''"""Replaced by cnngrade: the course's {name} module is starter code the grader does not provide."""


def __getattr__(attribute):
    # Dunder lookups (``__all__``, ``__path__``) must fail normally or star imports break.
    if attribute.startswith("__"):
        raise AttributeError(attribute)

    def unavailable(*args, **kwargs):
        raise RuntimeError(f"{{__name__}}.{{attribute}}: course starter code the grader does not provide")

    return unavailable
'''


def shim_source(module: str) -> str:
    """The text that replaces a student's starter module named ``module`` (its last dotted part)."""
    if module in COPIED_MODULES:
        return (
            f'"""Replaced by cnngrade: the reference starter code."""\n\nfrom {PACKAGE}.{module} import *\n'
        )
    return _STUB.format(name=module)


def install_starter(root: Path) -> None:
    """Copy the reference starter modules into ``root/cnngrade_starter``."""
    package = root / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        '"""The course\'s starter modules, from cnngrade."""\n', encoding="utf-8"
    )
    for module in COPIED_MODULES:
        (package / f"{module}.py").write_bytes((REFERENCE_DIR / f"{module}.py").read_bytes())


def install_course_shims(
    root: Path, starter_modules: Iterable[str], flat_modules: Iterable[str] = ()
) -> None:
    """A ``cs231n`` package of shims, for submissions that import the course package without
    shipping it: a single module's or a flat upload's ``from cs231n.fast_layers import *``
    reaches the starter code, and ``from cs231n.layers import *`` reaches the student's
    own top-level ``layers.py`` when it is one of ``flat_modules``."""
    package = root / "cs231n"
    add_missing_starter(package, starter_modules)
    (package / "__init__.py").touch()
    for module in flat_modules:
        target = package / COURSE_PATHS[module]
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / "__init__.py").touch()
        target.write_text(f"from {module} import *\n", encoding="utf-8")


def add_missing_starter(directory: Path, starter_modules: Iterable[str]) -> None:
    """Shims for the starter modules a course directory lacks (students often upload only the
    files they edited, yet ``layer_utils.py`` still imports ``fast_layers``)."""
    directory.mkdir(parents=True, exist_ok=True)
    for module in starter_modules:
        target = directory / f"{module}.py"
        if not target.exists():
            target.write_text(shim_source(module), encoding="utf-8")
