"""Runs in the worker before any student code: what older course years' code still expects.

Submissions span numpy 1.x and 2.x and course years written for Python 2 compatibility. A student
who wrote ``np.zeros(n, dtype=np.int)`` in 2018 wrote correct code for the numpy of the day; the
grade must not depend on which numpy the grader happens to run. So the names numpy removed
(aliases of builtins in 1.24, the 1.x spellings dropped in 2.0) are put back, each only where the
installed numpy lacks it, and the ``past`` module of the ``future`` package (``from past.builtins
import xrange``, in 2017-2018 course files) is provided when it is not installed.

What cannot be restored from Python is pinned instead: numpy 2.4 turned ``int(size-1 array)`` into
a TypeError (1.x and 2.0-2.3 only warn), and that slot of ``ndarray`` cannot be patched, so
pyproject.toml keeps numpy below 2.4 (docs/architecture.md).

Standard library and numpy only: this file is copied into the worker (``CHILD_FILES``).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import types
import warnings

import numpy as np


def _asfarray(a, dtype=np.float64):
    dtype = np.dtype(dtype)
    return np.asarray(a, dtype=dtype if np.issubdtype(dtype, np.inexact) else np.float64)


# Removed name -> what it meant when it existed.
NUMPY_ALIASES = {
    # Aliases of the builtins, removed in numpy 1.24.
    "int": int,
    "float": float,
    "bool": bool,
    "object": object,
    "complex": complex,
    "str": str,
    "unicode": str,
    # 1.x spellings removed in numpy 2.0.
    "float_": np.float64,
    "complex_": np.complex128,
    "cfloat": np.complex128,
    "longfloat": np.longdouble,
    "singlecomplex": np.complex64,
    "int0": np.intp,
    "uint0": np.uintp,
    "bool8": np.bool_,
    "string_": np.bytes_,
    "unicode_": np.str_,
    "NaN": np.nan,
    "NAN": np.nan,
    "Inf": np.inf,
    "Infinity": np.inf,
    "infty": np.inf,
    "PINF": np.inf,
    "NINF": -np.inf,
    "PZERO": 0.0,
    "NZERO": -0.0,
    "product": np.prod,
    "cumproduct": np.cumprod,
    "alltrue": np.all,
    "sometrue": np.any,
    "round_": np.round,
    "asfarray": _asfarray,
    "msort": lambda a: np.sort(a, axis=0),
}


def _past_module() -> types.ModuleType:
    """``past`` with the ``past.builtins`` names course files imported for Python 2 compatibility."""
    past = types.ModuleType("past")
    past.__path__ = []  # a package, so `import past.builtins` works
    names = {
        "xrange": range,
        "basestring": str,
        "unicode": str,
        "long": int,
        "raw_input": input,
        "reduce": functools.reduce,
        "unichr": chr,
    }
    past_builtins = types.ModuleType("past.builtins")
    vars(past_builtins).update(names)
    past.builtins = past_builtins
    return past


def install() -> list[str]:
    """Restore the removed names; returns those that were restored (the worker reports them)."""
    restored = []
    for name, value in NUMPY_ALIASES.items():
        # numpy 2 raises AttributeError from its module __getattr__ for an expired alias.
        if not _present(name):
            setattr(np, name, value)
            restored.append(f"numpy.{name}")
    if "past" not in sys.modules and importlib.util.find_spec("past") is None:
        past = _past_module()
        sys.modules["past"] = past
        sys.modules["past.builtins"] = past.builtins
        restored.append("past.builtins")
    return restored


def _present(name: str) -> bool:
    try:
        with warnings.catch_warnings():  # numpy 2 warns about a few names it will reuse
            warnings.simplefilter("ignore")
            getattr(np, name)
    except AttributeError:
        return False
    return True
