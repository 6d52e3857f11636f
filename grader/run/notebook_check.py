"""`notebook_check("conv_forward")`: the public checks of one part, from a running Jupyter kernel.

The cells the kernel has run (IPython's `In`) become a notebook, which is graded exactly as
`cnngrade check` grades a notebook file: definitions only, in a sandboxed worker, never in the
kernel. Only the rubric's public checks whose id starts with the name given run. The result shows
as a table with the notebook's figures, pass/fail and the hint: rich HTML in Jupyter, plain text
elsewhere (`print(result)`).
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import nbformat

from grader.judge.rubric_catalog import DEFAULT_ID, load_named
from grader.report.models import CheckResult, Report, Status, Visibility
from grader.run.grade import GradeOptions, grade_submission

KERNEL_NOTEBOOK = "kernel.ipynb"
COLOURS = {Status.passed: "#1a7f37", Status.skipped: "#6e7781"}


class NotebookCheck:
    """What `notebook_check` returns: Jupyter displays it as HTML, `str()` is the text."""

    def __init__(self, report: Report, checks: list[CheckResult]) -> None:
        self.report = report
        self.checks = checks

    @property
    def passed(self) -> bool:
        return self.report.error is None and all(c.status == Status.passed for c in self.checks)

    def __str__(self) -> str:
        lines = [f"cnngrade: not graded: {self.report.error}"] if self.report.error else []
        for check in self.checks:
            lines.append(f"{check.id}: {check.status.value} ({check.points:g}/{check.max_points:g} points)")
            lines += [f"    {line}" for line in check.message.splitlines()]
            if check.hint:
                lines.append(f"    hint: {check.hint}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = []
        for check in self.checks:
            colour = COLOURS.get(check.status, "#cf222e")
            hint = f"<br><b>hint:</b> {html.escape(check.hint)}" if check.hint else ""
            rows.append(
                f"<tr><td><code>{html.escape(check.id)}</code></td>"
                f'<td style="color:{colour};font-weight:bold">{check.status.value}</td>'
                f"<td>{check.points:g}/{check.max_points:g}</td>"
                f'<td><pre style="margin:0">{html.escape(check.message)}</pre>{hint}</td></tr>'
            )
        error = f"<p><b>not graded:</b> {html.escape(self.report.error)}</p>" if self.report.error else ""
        head = "<tr><th>check</th><th>status</th><th>points</th><th>what it printed</th></tr>"
        return f'{error}<table class="cnngrade">{head}{"".join(rows)}</table>'


def _kernel_cells() -> list[str]:
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None  # noqa: N806
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise RuntimeError("notebook_check runs in a Jupyter notebook; in a terminal: cnngrade check FILE")
    return [cell for cell in shell.user_ns.get("In", []) if cell and cell.strip()]


def notebook_check(
    name: str, *, rubric: str | Path | None = None, cells: list[str] | None = None
) -> NotebookCheck:
    """Run the public checks whose id starts with `name` ("conv_forward", "max_pool_backward",
    "initial_loss", ...) on what the kernel has defined. `rubric` is a built-in's id or a file (as
    `--rubric`; default: the default built-in). `cells` replaces the kernel's history."""
    _, full = load_named(str(rubric or DEFAULT_ID))
    chosen = [c for c in full.checks if c.visibility == Visibility.public and c.id.startswith(name)]
    if not chosen:
        names = sorted({c.id.split(".")[0] for c in full.checks if c.visibility == Visibility.public})
        raise ValueError(f"no public check is called {name!r}; try one of: {', '.join(names)}")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in (_kernel_cells() if cells is None else cells)]
    )
    with tempfile.TemporaryDirectory(prefix="cnngrade-nb-") as tmp:
        path = Path(tmp) / KERNEL_NOTEBOOK
        nbformat.write(notebook, path)
        part = full.part({c.id for c in chosen})
        report = grade_submission(path, part, GradeOptions(), name=KERNEL_NOTEBOOK)
    return NotebookCheck(report, report.checks)
