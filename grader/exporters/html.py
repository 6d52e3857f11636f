"""A static HTML site: one page per submission and a class overview (index.html).

Every page stands alone: the style sheet is inlined and the plots are PNGs embedded as
base64 data URLs, so the folder can be zipped, mailed or opened offline. Plots are drawn
with matplotlib's Agg canvas directly (no pyplot, so no global figure state).
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.exporters.common import (
    INTERNAL_METRICS,
    Unreadable,
    format_metric,
    passed,
    student_metrics,
    unique_stems,
    where,
)
from grader.late import Lateness, assess_reports
from grader.report import CheckResult, Report, Series
from grader.rubric import LatePolicy
from grader.text import multi_line, one_line

# The filter grid is scaled up to about this many pixels wide so 7x7 filters are visible.
FILTER_GRID_PX = 480
TOP_HINTS = 10


def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "templates" / name).read_text(encoding="utf-8"))


def _png(fig: Figure, *, tight: bool = True) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight" if tight else None)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def curves_png(series: list[Series], title: str) -> str:
    """Series sharing an x label go on one axis (loss per iteration; accuracies per epoch)."""
    by_axis: dict[str, list[Series]] = {}
    for s in series:
        by_axis.setdefault(s.x_label, []).append(s)
    fig = Figure(figsize=(5.0 * len(by_axis), 3.4))
    axes = fig.subplots(1, len(by_axis), squeeze=False)[0]
    for ax, (x_label, group) in zip(axes, by_axis.items(), strict=True):
        for s in group:
            y = [np.nan if v is None else v for v in s.y]  # a value that was not finite: a gap
            ax.plot(range(len(y)), y, label=one_line(s.name), marker="o" if len(y) <= 30 else None)
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return _png(fig)


def filter_grid(filters: np.ndarray, pad: int = 1) -> np.ndarray:
    """Tile filters (F, HH, WW, 3) uint8 into one near-square RGB image with `pad` white pixels between."""
    count, height, width, _ = filters.shape
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))
    grid = np.full((rows * (height + pad) + pad, cols * (width + pad) + pad, 3), 255, dtype=np.uint8)
    for i, f in enumerate(filters):
        r, c = divmod(i, cols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        grid[top : top + height, left : left + width] = f
    return grid


def filters_png(filters: list[list[list[list[int]]]]) -> str:
    grid = filter_grid(np.asarray(filters, dtype=np.uint8))
    scale = max(1, FILTER_GRID_PX // grid.shape[1])
    big = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    fig = Figure(figsize=(big.shape[1] / 100, big.shape[0] / 100), dpi=100)
    fig.figimage(big)
    return _png(fig, tight=False)  # the figure is exactly the image: no margins to trim


def _img(png: str, alt: str, caption: str) -> str:
    return (
        f'<figure><img class="plot" alt="{escape(alt)}" src="data:image/png;base64,{png}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _plots(report: Report) -> str:
    figures = []
    for check in report.checks:
        if check.artifacts is None:
            continue
        if check.artifacts.series:
            png = curves_png(check.artifacts.series, check.title)
            figures.append(_img(png, f"{check.id} curves", f"{check.title}: training curves"))
        if check.artifacts.filters:
            png = filters_png(check.artifacts.filters)
            figures.append(_img(png, f"{check.id} filters", f"{check.title}: first-layer filters"))
    return "<h2>Training</h2>\n" + "\n".join(figures) if figures else ""


def _status(check: CheckResult) -> str:
    return f'<span class="status {check.status.value}">{check.status.value}</span>'


def _line(text: str) -> str:
    """A student-controlled name or cell: one line, control characters shown, HTML escaped."""
    return escape(one_line(text))


def _body(text: str) -> str:
    """A message or captured output: its lines kept, control characters shown, HTML escaped."""
    return escape(multi_line(text))


def _check_row(check: CheckResult) -> str:
    result = [f'<span class="message">{_body(check.message)}</span>'] if check.message else []
    shown = student_metrics(check)
    if shown:
        metrics = ", ".join(f"{k} = {format_metric(v)}" for k, v in shown.items())
        result.append(f"<code>{_line(metrics)}</code>")
    absent = {k: v for k, v in check.absent.items() if k.removeprefix("metrics.") not in INTERNAL_METRICS}
    if absent:
        result.append(_line("not recorded: " + ", ".join(f"{k} ({v})" for k, v in absent.items())))
    if check.threshold:
        result.append(f"threshold: <code>{_line(check.threshold)}</code>")
    if check.hint:
        result.append(f'<span class="hint">Hint: {_line(check.hint)}</span>')
    if check.output:
        result.append(f"<details><summary>output</summary><pre>{_body(check.output)}</pre></details>")
    return (
        f"<tr><td>{_line(check.section)}</td><td>{_line(check.title)}<br><code>{_line(check.id)}</code></td>"
        f"<td>{_status(check)}</td><td class='num'>{check.points:g} / {check.max_points:g}</td>"
        f"<td>{'<br>'.join(result)}</td></tr>"
    )


def _check_tables(checks: list[CheckResult]) -> str:
    """Checks that did not pass in the open; passed ones folded away under a one-line summary."""
    head = (
        "<thead><tr><th>Section</th><th>Check</th><th>Status</th><th class='num'>Points</th>"
        "<th>Result</th></tr></thead>"
    )
    open_rows = "\n".join(_check_row(c) for c in checks if not passed(c))
    passed_rows = "\n".join(_check_row(c) for c in checks if passed(c))
    html = f"<table id='checks'>{head}<tbody>\n{open_rows}\n</tbody></table>" if open_rows else ""
    if passed_rows:
        count = sum(map(passed, checks))
        html += (
            f"<details id='passed-checks'><summary>{count} passed check{'s' * (count != 1)}</summary>"
            f"<table id='passed'>{head}<tbody>\n{passed_rows}\n</tbody></table></details>"
        )
    return html


def submission_page(report: Report) -> str:
    info = report.submission
    seconds = "?" if report.duration_s is None else f"{report.duration_s:.1f}"
    meta = (
        f"{info.kind} · sha256 {info.sha256[:12]} · rubric {report.rubric_id} · isolation {report.isolation}"
        f" · dataset {report.dataset or '-'} · cnngrade {report.grader_version}"
        f" · graded {report.started_at:%Y-%m-%d %H:%M} in {seconds} s"
    )
    error = f'<p class="banner">Could not grade: {_body(report.error)}</p>' if report.error else ""
    findings = ""
    if report.findings:
        items = "".join(
            f"<li><code>{escape(where(f))}</code> {_body(f.message)}</li>" for f in report.findings
        )
        findings = f"<h2>Notes on the submission</h2><ul id='findings'>{items}</ul>"
    return _template("submission.html").substitute(
        style=_template("style.css").template,
        name=_line(info.name),
        score=f"{report.score:g}",
        max_score=f"{report.max_score:g}",
        meta=_line(meta),
        error=error,
        checks=_check_tables(report.checks),
        findings=findings,
        plots=_plots(report),
    )


def histogram_png(scores: list[float], max_score: float) -> str:
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    ax.hist(scores, bins=np.linspace(0, max_score or 1, 11), color="#1565c0", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def index_page(
    reports: list[Report],
    pages: list[str],
    unreadable: Sequence[Unreadable] = (),
    standing: list[Lateness] | None = None,
) -> str:
    """The class overview; `pages[i]` is the file name of `reports[i]`'s page, `standing[i]` its
    lateness (with it, the submissions table shows the late days and the final score)."""
    scores = [r.score for r in reports]
    max_score = max(r.max_score for r in reports)
    outcomes: dict[str, list[bool]] = {}
    titles: dict[str, str] = {}
    hints: Counter[tuple[str, str]] = Counter()
    for report in reports:
        for check in report.checks:
            outcomes.setdefault(check.id, []).append(passed(check))
            titles.setdefault(check.id, check.title)
            if check.hint:
                hints[(check.id, check.hint)] += 1
    pass_rates = "\n".join(
        f"<tr><td>{_line(titles[i])} <code>{_line(i)}</code></td><td class='num'>{sum(o)} / {len(o)}</td>"
        f"<td><span class='bar' style='width:{100 * sum(o) / len(o):.0f}px'></span> "
        f"{100 * sum(o) / len(o):.0f}%</td></tr>"
        for i, o in outcomes.items()
    )
    hint_rows = (
        "\n".join(
            f"<tr><td><code>{_line(i)}</code></td><td>{_line(h)}</td><td class='num'>{n}</td></tr>"
            for (i, h), n in hints.most_common(TOP_HINTS)
        )
        or "<tr><td colspan='3'>No hints: no known bug was recognised.</td></tr>"
    )
    late_head = "<th class='num'>Days late</th><th class='num'>Final score</th>" if standing else ""
    submissions = "\n".join(
        f"<tr><td><a href='{escape(page)}'>{_line(r.submission.name)}</a></td>"
        f"<td class='num'>{r.score:g} / {r.max_score:g}</td>{_late_cells(late, r.max_score)}"
        f"<td class='num'>{sum(passed(c) for c in r.checks)} / {len(r.checks)}</td>"
        f"<td>{_line(r.error or '')}</td></tr>"
        for r, page, late in zip(reports, pages, standing or [None] * len(reports), strict=True)
    )
    skipped = ""
    if unreadable:
        items = "".join(f"<li>{_line(str(bad))}</li>" for bad in unreadable)
        skipped = f"<h2>Files that are not reports</h2><ul id='unreadable'>{items}</ul>"
    return _template("index.html").substitute(
        style=_template("style.css").template,
        count=len(reports),
        rubric=_line(", ".join(sorted({r.rubric_id for r in reports}))),
        mean=f"{statistics.fmean(scores):.1f}",
        median=f"{statistics.median(scores):g}",
        max_score=f"{max_score:g}",
        histogram=histogram_png(scores, max_score),
        pass_rates=pass_rates,
        hints=hint_rows,
        late_head=late_head,
        submissions=submissions,
        unreadable=skipped,
    )


def _late_cells(late: Lateness | None, max_score: float) -> str:
    """Days late (empty when the submission's time is unknown) and the score after the penalty."""
    if late is None:
        return ""
    days = "" if late.late_days is None else str(late.late_days)
    return f"<td class='num'>{days}</td><td class='num'>{late.final_score:g} / {max_score:g}</td>"


def export(
    reports: list[Report],
    to: Path,
    *,
    unreadable: Sequence[Unreadable] = (),
    roster: dict[str, dict[str, str]] | None = None,
    late: LatePolicy | None = None,
) -> list[Path]:
    """Write `to/index.html` and `to/<submission>.html`; returns the index first. With a `late`
    policy and the roster's submission times, the overview shows each one's lateness."""
    to.mkdir(parents=True, exist_ok=True)
    stems = unique_stems([r.submission.name for r in reports], reserved=("index",))
    pages = [f"{stem}.html" for stem in stems]
    standing = assess_reports(reports, roster, late) if late else None
    if standing and all(s.submitted_at is None for s in standing):
        standing = None  # no time known: nothing to show
    (to / "index.html").write_text(index_page(reports, pages, unreadable, standing), encoding="utf-8")
    written = [to / "index.html"]
    for report, page in zip(reports, pages, strict=True):
        written.append(to / page)
        written[-1].write_text(submission_page(report), encoding="utf-8")
    return written
