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

import ast
import functools
import importlib.machinery
import importlib.util
import os
import sys
import types
import warnings
from typing import Any

import numpy as np


def _asfarray(a, dtype=np.float64):
    dtype = np.dtype(dtype)
    return np.asarray(a, dtype=dtype if np.issubdtype(dtype, np.inexact) else np.float64)


def _issubclass(arg1, arg2):
    try:
        return issubclass(arg1, arg2)
    except TypeError:
        return False


def _in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert, kind=kind).ravel()


def _msort(a):
    return np.sort(a, axis=0)


def _fast_copy_and_transpose(a):
    return np.asarray(a).T.copy()


def _safe_eval(source):
    import ast

    return ast.literal_eval(source)


# Functions numpy 1.x re-exported from ``numpy.lib`` (``np.lib.pad(...)`` in 2017-2018 course code);
# numpy 2.0's namespace cleanup (NEP 52) left ``numpy.lib`` with its submodules only. Each is the
# same function as the top-level one of the same name.
_LIB_FUNCTIONS = [
    "pad",
    "broadcast_to",
    "broadcast_arrays",
    "broadcast_shapes",
    "select",
    "piecewise",
    "trim_zeros",
    "copy",
    "iterable",
    "percentile",
    "diff",
    "gradient",
    "angle",
    "unwrap",
    "sort_complex",
    "flip",
    "rot90",
    "extract",
    "place",
    "vectorize",
    "asarray_chkfinite",
    "average",
    "bincount",
    "digitize",
    "cov",
    "corrcoef",
    "median",
    "sinc",
    "hamming",
    "hanning",
    "bartlett",
    "blackman",
    "kaiser",
    "i0",
    "meshgrid",
    "delete",
    "insert",
    "append",
    "interp",
    "quantile",
    "iscomplexobj",
    "isrealobj",
    "imag",
    "iscomplex",
    "isreal",
    "nan_to_num",
    "real",
    "real_if_close",
    "typename",
    "mintypecode",
    "common_type",
    "ravel_multi_index",
    "unravel_index",
    "mgrid",
    "ogrid",
    "r_",
    "c_",
    "s_",
    "index_exp",
    "ix_",
    "ndenumerate",
    "ndindex",
    "fill_diagonal",
    "diag_indices",
    "diag_indices_from",
    "nansum",
    "nanmax",
    "nanmin",
    "nanargmax",
    "nanargmin",
    "nanmean",
    "nanmedian",
    "nanpercentile",
    "nanvar",
    "nanstd",
    "nanprod",
    "nancumsum",
    "nancumprod",
    "nanquantile",
    "column_stack",
    "dstack",
    "array_split",
    "split",
    "hsplit",
    "vsplit",
    "dsplit",
    "apply_over_axes",
    "expand_dims",
    "apply_along_axis",
    "kron",
    "tile",
    "take_along_axis",
    "put_along_axis",
    "diag",
    "diagflat",
    "eye",
    "fliplr",
    "flipud",
    "tri",
    "triu",
    "tril",
    "vander",
    "histogram2d",
    "mask_indices",
    "tril_indices",
    "tril_indices_from",
    "triu_indices",
    "triu_indices_from",
    "fix",
    "isneginf",
    "isposinf",
    "histogram",
    "histogramdd",
    "histogram_bin_edges",
    "poly",
    "roots",
    "polyint",
    "polyder",
    "polyadd",
    "polysub",
    "polymul",
    "polydiv",
    "polyval",
    "poly1d",
    "polyfit",
    "ediff1d",
    "intersect1d",
    "setxor1d",
    "union1d",
    "setdiff1d",
    "unique",
    "isin",
    "savetxt",
    "loadtxt",
    "genfromtxt",
    "load",
    "save",
    "savez",
    "savez_compressed",
    "packbits",
    "unpackbits",
    "fromregex",
]

# The one table: (the name old code used, under numpy; what to write today; the numpy version that
# removed it, or deprecated it where it still exists; the object it meant). Only names with a
# same-behaviour replacement: numpy's own list (numpy/_expired_attrs_2_0.py, the 2.0 release notes
# and NEP 52) also has names without one (find_common_type, issubsctype, maximum_sctype, who, ...),
# which are not faked: old code using them fails as it would under any numpy 2.
REMOVED: tuple[tuple[str, str, str, object], ...] = (
    # Aliases of the builtins.
    ("int", "int", "1.24", int),
    ("float", "float", "1.24", float),
    ("bool", "bool", "1.24", bool),
    ("object", "object", "1.24", object),
    ("complex", "complex", "1.24", complex),
    ("str", "str", "1.24", str),
    ("unicode", "str", "1.24", str),
    ("int0", "np.intp", "2.0", np.intp),
    ("uint0", "np.uintp", "2.0", np.uintp),
    ("bool8", "np.bool_", "2.0", np.bool_),
    # Type spellings.
    ("float_", "np.float64", "2.0", np.float64),
    ("complex_", "np.complex128", "2.0", np.complex128),
    ("cfloat", "np.complex128", "2.0", np.complex128),
    ("longfloat", "np.longdouble", "2.0", np.longdouble),
    ("singlecomplex", "np.complex64", "2.0", np.complex64),
    ("longcomplex", "np.clongdouble", "2.0", np.clongdouble),
    ("clongfloat", "np.clongdouble", "2.0", np.clongdouble),
    ("string_", "np.bytes_", "2.0", np.bytes_),
    ("unicode_", "np.str_", "2.0", np.str_),
    # Constants.
    ("NaN", "np.nan", "2.0", np.nan),
    ("NAN", "np.nan", "2.0", np.nan),
    ("Inf", "np.inf", "2.0", np.inf),
    ("Infinity", "np.inf", "2.0", np.inf),
    ("infty", "np.inf", "2.0", np.inf),
    ("PINF", "np.inf", "2.0", np.inf),
    ("NINF", "-np.inf", "2.0", -np.inf),
    ("PZERO", "0.0", "2.0", 0.0),
    ("NZERO", "-0.0", "2.0", -0.0),
    # Functions.
    ("product", "np.prod", "2.0", np.prod),
    ("cumproduct", "np.cumprod", "2.0", np.cumprod),
    ("alltrue", "np.all", "2.0", np.all),
    ("sometrue", "np.any", "2.0", np.any),
    ("round_", "np.round", "2.0", np.round),
    ("asfarray", "np.asarray(a, dtype=float)", "2.0", _asfarray),
    ("msort", "np.sort(a, axis=0)", "2.0", _msort),
    ("mat", "np.asmatrix", "2.0", np.asmatrix),
    ("issubclass_", "issubclass", "2.0", _issubclass),
    ("fastCopyAndTranspose", "a.T.copy()", "2.0", _fast_copy_and_transpose),
    ("safe_eval", "ast.literal_eval", "2.0", _safe_eval),
    ("add_newdoc", "np.lib.add_newdoc", "2.0", np.lib.add_newdoc),
    ("add_docstring", "np.lib.add_docstring", "2.0", np.lib.add_docstring),
    ("tracemalloc_domain", "np.lib.tracemalloc_domain", "2.0", np.lib.tracemalloc_domain),
    ("byte_bounds", "np.lib.array_utils.byte_bounds", "2.0", np.lib.array_utils.byte_bounds),
    ("DataSource", "np.lib.npyio.DataSource", "2.0", np.lib.npyio.DataSource),
    ("compare_chararrays", "np.char.compare_chararrays", "2.0", np.char.compare_chararrays),
    ("format_parser", "np.rec.format_parser", "2.0", np.rec.format_parser),
    # Deprecated in 2.0 and still there below 2.4 (pyproject.toml): offered once they go.
    ("row_stack", "np.vstack", "2.0 (deprecated)", np.vstack),
    ("in1d", "np.isin", "2.0 (deprecated)", _in1d),
    ("trapz", "np.trapezoid", "2.0 (deprecated)", np.trapezoid),
    # numpy.lib re-exports.
    *((f"lib.{name}", f"np.{name}", "2.0", getattr(np, name)) for name in _LIB_FUNCTIONS),
    ("lib.msort", "np.sort(a, axis=0)", "2.0", _msort),
    ("lib.asfarray", "np.asarray(a, dtype=float)", "2.0", _asfarray),
    ("lib.trapz", "np.trapezoid", "2.0", np.trapezoid),
    ("lib.in1d", "np.isin", "2.0", _in1d),
    ("lib.row_stack", "np.vstack", "2.0", np.vstack),
    ("lib.safe_eval", "ast.literal_eval", "2.0", _safe_eval),
    ("lib.byte_bounds", "np.lib.array_utils.byte_bounds", "2.0", np.lib.array_utils.byte_bounds),
    ("lib.DataSource", "np.lib.npyio.DataSource", "2.0", np.lib.npyio.DataSource),
)


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


def install(root: str | None = None) -> list[str]:
    """Restore the removed names, and (given the submission's root) let its modules use whole-number
    floats as sizes and indices; returns the names restored (the worker reports them)."""
    restored = []
    for name, _, _, value in REMOVED:
        # numpy 2 raises AttributeError from its module __getattr__ for an expired alias.
        owner, _, attr = f"numpy.{name}".rpartition(".")
        module = sys.modules[owner]
        if not _present(module, attr):
            setattr(module, attr, value)
            restored.append(f"numpy.{name}")
    if "past" not in sys.modules and importlib.util.find_spec("past") is None:
        past = _past_module()
        sys.modules["past"] = past
        sys.modules["past.builtins"] = past.builtins
        restored.append("past.builtins")
    if root is not None:
        sys.meta_path.insert(0, _FloatSizeFinder(os.path.abspath(root)))
    return restored


def _present(module: types.ModuleType, name: str) -> bool:
    try:
        with warnings.catch_warnings():  # numpy 2 warns about a few names it will reuse
            warnings.simplefilter("ignore")
            getattr(module, name)
    except AttributeError:
        return False
    return True


# --- integral floats as sizes and indices ----------------------------------------------------
#
# Before numpy 1.12 (January 2017) a float that held a whole number was accepted, with a warning,
# as an array size or an index: `H_out = 1 + (H + 2 * pad - HH) / stride` then `np.zeros((N, F,
# H_out, W_out))` and `x[:, :, i * stride:i * stride + HH]` ran. ndarray's C slots cannot be
# patched, so the submission's own modules are compiled with every index, slice bound and shape
# argument passed through `_whole`, which turns such a float into an int and notes where. Any
# other value (a non-integral float included) is passed on untouched, so numpy still refuses it.
# The file on disk is unchanged, so tracebacks show the student's own lines.

_NOTES: list[tuple[str, int]] = []  # (file, line) where a float was taken as a size, first uses
_MAX_NOTES = 20
# Calls whose arguments (from this position on) are sizes: numpy.zeros(shape), a.reshape(*shape), ...
_SHAPE_CALLS = {"zeros": 0, "ones": 0, "empty": 0, "full": 0, "reshape": 0, "randn": 0, "rand": 0}
_HELPER = "__cnngrade_whole__"


def _whole(value: Any) -> Any:
    converted = _as_int(value)
    if converted is not value and len(_NOTES) < _MAX_NOTES:
        caller = sys._getframe(1)
        where = (caller.f_code.co_filename, caller.f_lineno)
        if where not in _NOTES:
            _NOTES.append(where)
    return converted


def _as_int(value: Any) -> Any:
    """`value` with whole-number floats (alone, or in a tuple or list of sizes) made ints."""
    if isinstance(value, (tuple, list)):
        converted = [_as_int(v) for v in value]
        if any(c is not v for c, v in zip(converted, value, strict=True)):
            return type(value)(converted)
        return value
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value


def float_size_notes(root: str) -> list[list[Any]]:
    """Where the submission's code relied on a float size: [[file relative to root, line], ...]."""
    prefix = os.path.abspath(root) + os.sep
    return [[f.removeprefix(prefix), line] for f, line in _NOTES if f.startswith(prefix)]


class _WholeFloats(ast.NodeTransformer):
    """Wraps index expressions, slice bounds and shape arguments in `_whole(...)`."""

    def _wrap(self, node: ast.expr | None) -> ast.expr | None:
        if node is None or isinstance(node, (ast.Slice, ast.Starred)):
            return node
        if isinstance(node, ast.Constant) and not isinstance(node.value, float):
            return node  # `cache[0]`, `bn_param['mode']`: nothing to convert, no call added
        call = ast.Call(func=ast.Name(_HELPER, ast.Load()), args=[node], keywords=[])
        return ast.copy_location(call, node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.Subscript:
        self.generic_visit(node)
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for part in parts:
            if isinstance(part, ast.Slice):
                part.lower, part.upper, part.step = map(self._wrap, (part.lower, part.upper, part.step))
        if isinstance(node.slice, ast.Tuple):
            node.slice.elts = [self._wrap(p) for p in node.slice.elts]
        else:
            node.slice = self._wrap(node.slice)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        first = _SHAPE_CALLS.get(name or "")
        if first is not None:
            # numpy.reshape(a, shape): the array comes first; a.reshape(shape) has only sizes.
            if name == "reshape" and _is_numpy(node.func.value):
                first = 1
            node.args = [*node.args[:first], *map(self._wrap, node.args[first:])]
            for keyword in node.keywords:
                if keyword.arg in ("shape", "newshape", "size"):
                    keyword.value = self._wrap(keyword.value)
        return node


def _is_numpy(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("np", "numpy")


class _FloatSizeLoader(importlib.machinery.SourceFileLoader):
    def source_to_code(self, data, path, *, _optimize=-1):  # type: ignore[override]
        try:
            tree = _WholeFloats().visit(ast.parse(data, filename=path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return super().source_to_code(data, path)  # let Python report it as it would
        code = compile(ast.fix_missing_locations(tree), path, "exec", dont_inherit=True)
        return code

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__[_HELPER] = _whole
        super().exec_module(module)


class _FloatSizeFinder:
    """The submission's own modules (not the starter the grader supplies) load through
    `_FloatSizeLoader`."""

    def __init__(self, root: str) -> None:
        self.prefix = root + os.sep

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name.split(".")[0] == "cnngrade_starter":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        origin = getattr(spec, "origin", None) or ""
        if spec is None or not origin.startswith(self.prefix) or not origin.endswith(".py"):
            return None
        spec.loader = _FloatSizeLoader(name, origin)
        return spec
