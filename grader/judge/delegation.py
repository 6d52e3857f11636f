"""Naive layers that hand their work to the course's fast layers, found by reading the code.

The notebook's naive sections exist to make students write the loops; the course ships fast conv
and max-pool layers beside them (`fast_layers.py`), and a naive layer that only calls those would
pass every naive check. This module reads the submission's own files in the grader's process
(nothing of the student's runs) and follows each naive layer through the student's own functions:
reaching a starter fast layer by name (called, passed on, aliased on import, or spelled as a string
for `getattr`) is delegation. A student's own fast layer is followed into, not counted.

It is static: code that builds the name at run time (`"conv_" + "forward_fast"`) is not seen.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.load.course_package import bound_names, module_statements
from grader.load.submission import SymbolLocation
from grader.report.models import Finding
from reference import fast_layers

NAIVE_LAYERS = (
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
)
# The starter's fast layers, as `from fast_layers import *` gives them.
STARTER_FAST = frozenset(name for name in fast_layers.__all__ if name != "np")


@dataclass(frozen=True)
class Delegation:
    """`symbol` reaches the starter's `fast` through the student's functions `via`."""

    symbol: str
    fast: str
    via: tuple[str, ...]

    def reason(self) -> str:
        through = f" (through {', '.join(self.via)})" if self.via else ""
        return (
            f"{self.symbol} hands its work to the course's {self.fast}{through}: "
            "the naive layers must compute the layer themselves, so their checks get no points"
        )


@dataclass
class _Module:
    """One of the submission's files: its top-level definitions and the fast names it imports."""

    definitions: dict[str, ast.AST]
    aliases: dict[str, str]  # local name -> starter fast layer (`import ... as cf`)


def find(root: Path, symbols: dict[str, SymbolLocation | None]) -> dict[str, Delegation]:
    """The naive layers in `symbols` that reach a starter fast layer, by naive layer name."""
    modules = _read_modules(root)
    found: dict[str, Delegation] = {}
    for symbol in NAIVE_LAYERS:
        location = symbols.get(symbol)
        module = modules.get(location.module) if location else None
        if module is not None and symbol in module.definitions:
            delegation = _follow(symbol, module, modules)
            if delegation:
                found[symbol] = delegation
    return found


def findings(delegations: dict[str, Delegation], symbols: dict[str, SymbolLocation | None]) -> list[Finding]:
    """One finding per delegating naive layer, at its definition."""
    result = []
    for symbol, delegation in delegations.items():
        location = symbols[symbol]
        result.append(
            Finding(
                kind="naive_delegates",
                file=location.file if location else None,
                line=location.line if location else None,
                message=delegation.reason(),
            )
        )
    return result


def _read_modules(root: Path) -> dict[str, _Module]:
    """Every parsable module of the bundle except the grader's own starter package, by dotted name."""
    modules: dict[str, _Module] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] == "cnngrade_starter" or not all(p.isidentifier() for p in parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = _Module(*_top_level(tree))
    return modules


def _top_level(tree: ast.Module) -> tuple[dict[str, ast.AST], dict[str, str]]:
    definitions: dict[str, ast.AST] = {}
    aliases: dict[str, str] = {}
    for node in module_statements(tree.body):
        definitions.update(dict.fromkeys(bound_names(node), node))
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in STARTER_FAST:
                    aliases[alias.asname or alias.name] = alias.name
    return definitions, aliases


def _follow(symbol: str, module: _Module, modules: dict[str, _Module]) -> Delegation | None:
    """Breadth-first through the student's functions from `symbol`; the first starter fast layer
    reached, with the path to it."""
    queue: list[tuple[str, _Module, tuple[str, ...]]] = [(symbol, module, ())]
    seen = {(symbol, id(module))}
    while queue:
        name, here, path = queue.pop(0)
        for used in _names_used(here.definitions[name]):
            used = here.aliases.get(used, used)
            owners = [m for m in modules.values() if used in m.definitions]
            if used in STARTER_FAST and not owners:
                return Delegation(symbol, used, path)
            for owner in owners:  # the student's own function of that name, wherever it is
                if (used, id(owner)) not in seen:
                    seen.add((used, id(owner)))
                    queue.append((used, owner, (*path, used)))
    return None


def _names_used(node: ast.AST) -> list[str]:
    """Names a definition reads: plain names, attributes (`fast_layers.conv_forward_fast`), and
    strings that are a starter fast layer's name (`getattr(module, "conv_forward_fast")`)."""
    used = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            used.append(child.id)
        elif isinstance(child, ast.Attribute):
            used.append(child.attr)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value in STARTER_FAST:
            used.append(child.value)
    return used
