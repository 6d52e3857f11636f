"""Reports written by earlier versions of the grader, read in today's shape.

Version 3 put each check's headline figures into the report (`CheckResult.figures`, made by the
check kind that measured them). Before it, the views derived them from the names of the metrics;
a report of version 1 or 2 gets its figures derived here in the same way, so `cnngrade report`
shows an old report as it was shown when it was written. This is the only place that still reads
figures out of metric names. `schema_version` is left as written: it says what the file held.
"""

from __future__ import annotations

from typing import Any

FIGURES_SINCE = 3
SOLVER_NUMBERS = ("loss", "train_acc", "val_acc")  # the plain numbers the old headline showed


def with_figures(data: Any, current: int) -> Any:
    """A report's raw data (any JSON value: validation judges it), each check's `figures`
    derived from its metrics when the report is older than version 3. A report without a version
    is one the grader is building (`current`), never one from disk."""
    if not isinstance(data, dict) or data.get("schema_version", current) >= FIGURES_SINCE:
        return data
    checks = data.get("checks")
    if not isinstance(checks, list):
        return data
    upgraded = [
        {**c, "figures": figures_from_metrics(c.get("metrics"))}
        if isinstance(c, dict) and "figures" not in c
        else c
        for c in checks
    ]
    return {**data, "checks": upgraded}


def figures_from_metrics(metrics: Any) -> list[dict[str, Any]]:
    """The figures the views showed for these metrics before version 3: `cases`/`cases_passed`,
    `*_rel_error` (else `max_rel_error`), the largest `*_difference`, `*_speedup`, `loss`,
    `train_acc`, `val_acc`."""
    m = metrics if isinstance(metrics, dict) else {}
    figures: list[dict[str, Any]] = []
    cases = m.get("cases")
    if isinstance(cases, int) and cases > 1:
        passed = m.get("cases_passed", 0)
        figures.append({"name": "cases", "value": passed, "threshold": cases, "unit": "cases"})
    errors = {
        k.removesuffix("_rel_error"): v
        for k, v in m.items()
        if k.endswith("_rel_error") and k != "max_rel_error" and isinstance(v, float)
    }
    if not errors and isinstance(m.get("max_rel_error"), float):
        errors = {"rel_error": m["max_rel_error"]}
    figures += [{"name": k, "value": v, "unit": "error"} for k, v in errors.items()]
    differences = [v for k, v in m.items() if k.endswith("_difference") and isinstance(v, float)]
    if differences:
        figures.append({"name": "max difference", "value": max(differences), "unit": "error"})
    figures += [
        {"name": k.removesuffix("_speedup").removesuffix("_fast"), "value": v, "unit": "speedup"}
        for k, v in m.items()
        if k.endswith("_speedup") and isinstance(v, float | int) and not isinstance(v, bool)
    ]
    numbers = [k for k in SOLVER_NUMBERS if isinstance(m.get(k), float)]
    figures += [{"name": k, "value": m[k], "unit": "number"} for k in numbers]
    return figures
