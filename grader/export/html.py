"""A static HTML site: one page per submission and a class overview (index.html).

Every page stands alone: the style sheet is inlined and the plots are PNGs embedded as
base64 data URLs, so the folder can be zipped, mailed or opened offline. Plots are drawn
with matplotlib's Agg canvas directly (no pyplot, so no global figure state).

With overrides (grader/report/overrides.py), a student's page shows the overridden score and a table of
what the instructor changed, with the reason and who changed it when; the overview's scores,
totals and lateness are the overridden ones, each changed score beside the grader's.
"""

from __future__ import annotations

import base64
import io
import shutil
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.export.common import (
    INTERNAL_METRICS,
    ExportError,
    Unreadable,
    format_metric,
    passed,
    student_metrics,
    unique_stems,
    where,
)
from grader.export.figures import headline
from grader.export.items import Item, item_analysis
from grader.report.late import LATE_TIME_UNKNOWN, Lateness, LatePolicy, assess_reports
from grader.report.models import CheckResult, Report, Series
from grader.report.overrides import Applied, applied_to, attribution, change, out_of_full, override_of
from grader.report.text import multi_line, one_line
from grader.similarity import SimilarityError
from grader.similarity.model import Entry, read_flags

# The filter grid is scaled up to about this many pixels wide so 7x7 filters are visible.
FILTER_GRID_PX = 480
TOP_HINTS = 10
SIMILARITY_PAGE = "similarity.html"  # what `cnngrade similarity` writes, copied beside the overview
# A curve of 60 points or more (the loss per minibatch) also gets a running mean over a twentieth of them.
SMOOTHING_SHARE = 20
# Values a student's training can report that matplotlib cannot lay an axis over (the span of
# -1e308..1e308 overflows): drawn as gaps, and the caption says how many.
PLOTTABLE = 1e150


def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "templates" / name).read_text(encoding="utf-8"))


def _png(fig: Figure, *, tight: bool = True) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight" if tight else None)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _is_accuracy(series: Series) -> bool:
    return "acc" in series.name.lower()


def _xy(series: Series) -> tuple[list[float], list[float]]:
    """The points to draw; without x values (older reports) at 0, 1, 2, ...; a missing y is a gap."""
    x = series.x if series.x is not None else list(range(len(series.y)))
    return list(x), [np.nan if v is None or abs(v) > PLOTTABLE else v for v in series.y]


def _beyond_axes(series: list[Series]) -> int:
    return sum(v is not None and abs(v) > PLOTTABLE for s in series for v in s.y)


def running_mean(y: Sequence[float], window: int) -> np.ndarray:
    """The mean of each point's `window` neighbours (fewer at the ends), gaps (NaN) left out."""
    values = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(values)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, values, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    index = np.arange(len(values))
    low = np.clip(index - window // 2, 0, len(values))
    high = np.clip(index + (window + 1) // 2, 0, len(values))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums[high] - sums[low]) / (counts[high] - counts[low])


def _draw_accuracy(ax: Axes, group: list[Series]) -> None:
    for s in group:
        x, y = _xy(s)
        ax.plot(x, y, label=one_line(s.name), marker="o" if len(y) <= 60 else None)
    values = [v for s in group for v in s.y if v is not None]
    if values and min(values) >= 0 and max(values) <= 1:
        ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("accuracy")


def _draw_values(ax: Axes, group: list[Series]) -> None:
    """Raw values thin and light; a long noisy one (the loss per minibatch) also smoothed."""
    for s in group:
        x, y = _xy(s)
        window = len(y) // SMOOTHING_SHARE
        if window < 3:
            ax.plot(x, y, label=one_line(s.name), marker="o" if len(y) <= 30 else None)
            continue
        (raw,) = ax.plot(x, y, linewidth=0.8, alpha=0.35, label=one_line(s.name))
        smooth = running_mean(y, window)
        ax.plot(
            x,
            smooth,
            color=raw.get_color(),
            linewidth=2,
            label=f"{one_line(s.name)}, running mean of {window} points",
        )
    ax.set_ylabel(one_line(", ".join(dict.fromkeys(s.name for s in group))))


def curves_png(series: list[Series], title: str) -> str:
    """One column per x label (loss and accuracies on the iteration axis; an older report's
    accuracies per epoch), in it a panel for the accuracies and one for everything else (the
    loss), stacked over a shared x axis."""
    columns: dict[str, dict[bool, list[Series]]] = {}
    for s in series:
        columns.setdefault(s.x_label, {}).setdefault(_is_accuracy(s), []).append(s)
    rows = max(len(panels) for panels in columns.values())
    fig = Figure(figsize=(max(9.0, 5.0 * len(columns)), 0.6 + 2.6 * rows), layout="constrained")
    grid = fig.subplots(rows, len(columns), squeeze=False, sharex="col")
    for c, (x_label, panels) in enumerate(columns.items()):
        kinds = sorted(panels)  # the loss (False) above the accuracies (True)
        for r in range(rows):
            ax = grid[r][c]
            if r >= len(kinds):
                ax.set_visible(False)
                continue
            (_draw_accuracy if kinds[r] else _draw_values)(ax, panels[kinds[r]])
            ax.grid(alpha=0.3)
            ax.legend(fontsize="small")
        bottom = grid[len(kinds) - 1][c]
        bottom.set_xlabel(one_line(x_label))
        bottom.xaxis.set_tick_params(labelbottom=True)  # sharex hides them above the grid's last row
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
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
            caption = f"{check.title}: training curves"
            left_out = _beyond_axes(check.artifacts.series)
            if left_out:
                caption += f" ({left_out} values beyond ±{PLOTTABLE:.0e} left out)"
            png = curves_png(check.artifacts.series, check.title)
            figures.append(_img(png, f"{check.id} curves", caption))
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


def _check_row(check: CheckResult, overridden: Applied | None = None) -> str:
    result = [f'<span class="figures">{_line(figures)}</span>'] if (figures := headline(check)) else []
    if check.message:
        result.append(f'<span class="message">{_body(check.message)}</span>')
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
    points = f"{check.points:g} / {check.max_points:g}"
    if overridden is not None:
        reason = _line(overridden.override.reason)
        result.append(f'<span class="override">Changed by the instructor: {reason}</span>')
        points = "excused" if overridden.override.excused else points
    return (
        f"<tr><td>{_line(check.section)}</td><td>{_line(check.title)}<br><code>{_line(check.id)}</code></td>"
        f"<td>{_status(check)}</td><td class='num'>{points}</td>"
        f"<td>{'<br>'.join(result)}</td></tr>"
    )


def _overrides(report: Report) -> str:
    """The instructor's changes to the grade, each with its reason and who made it when."""
    changed = applied_to(report)
    if not changed or report.overridden is None:
        return ""
    rows = "\n".join(
        f"<tr><td>{_line(a.title)}<br><code>{_line(a.override.check)}</code></td><td>{_line(change(a))}</td>"
        f"<td>{_line(a.override.reason)}</td><td>{escape(attribution(a))}</td></tr>"
        for a in changed
    )
    raw = f"{report.overridden.raw_score:g} / {report.overridden.raw_max_score:g}"
    return (
        f"<h2>Changes by the instructor</h2><p>The grader gave {raw} points; the score above includes "
        "these changes.</p><table id='overrides' class='checks'><thead><tr><th>Check</th><th>Change</th>"
        f"<th>Reason</th><th>By, when</th></tr></thead><tbody>\n{rows}\n</tbody></table>"
    )


def _check_tables(report: Report) -> str:
    """Checks that did not pass in the open; passed ones folded away under a one-line summary."""
    checks = report.checks
    head = (
        "<thead><tr><th>Section</th><th>Check</th><th>Status</th><th class='num'>Points</th>"
        "<th>Result</th></tr></thead>"
    )
    open_rows = "\n".join(_check_row(c, override_of(report, c.id)) for c in checks if not passed(c))
    passed_rows = "\n".join(_check_row(c, override_of(report, c.id)) for c in checks if passed(c))
    html = ""
    if open_rows:
        html = f"<table id='checks' class='checks'>{head}<tbody>\n{open_rows}\n</tbody></table>"
    if passed_rows:
        count = sum(map(passed, checks))
        html += (
            f"<details id='passed-checks'><summary>{count} passed check{'s' * (count != 1)}</summary>"
            f"<table id='passed' class='checks'>{head}<tbody>\n{passed_rows}\n</tbody></table></details>"
        )
    return html


def submission_page(report: Report) -> str:
    info = report.submission
    seconds = "?" if report.duration_s is None else f"{report.duration_s:.1f}"
    meta = (
        f"{info.kind} · sha256 {info.sha256[:12]} · rubric {report.rubric_name()}"
        f" · isolation {report.isolation}"
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
        overrides=_overrides(report),
        checks=_check_tables(report),
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


def similarity_section(
    reports: list[Report], pages: list[str], flags: dict[str, Entry], *, linked: bool
) -> str:
    """The overview's pointer to `cnngrade similarity`'s findings: the submissions it flagged (matched
    by name, else by sha256) and, when `linked`, a link to its page copied beside the overview."""
    by_sha256 = {entry.sha256: entry for entry in flags.values() if entry.sha256}
    items = []
    for report, page in zip(reports, pages, strict=True):
        entry = flags.get(report.submission.name) or by_sha256.get(report.submission.sha256)
        if entry is not None and entry.flag:
            items.append(
                f"<li><a href='{escape(page)}'>{_line(report.submission.name)}</a>: {_line(entry.flag)}</li>"
            )
    listed = f"<ul id='similar'>{''.join(items)}</ul>" if items else "<p>No submission was flagged.</p>"
    if linked:
        where = f"<a id='similarity-link' href='{SIMILARITY_PAGE}'>The similarity report</a> shows"
    else:
        where = f"The similarity folder has no {SIMILARITY_PAGE}; its pairs.csv lists"
    return (
        f"<h2>Similar code</h2><p>{where} the pairs and their matching code. Similar code is a reason "
        f"to read two submissions, not a finding.</p>{listed}"
    )


def _similarity_flags(folder: Path) -> dict[str, Entry]:
    try:
        return read_flags(folder)
    except SimilarityError as e:
        raise ExportError(str(e)) from None


def index_page(
    reports: list[Report],
    pages: list[str],
    unreadable: Sequence[Unreadable] = (),
    standing: list[Lateness] | None = None,
    similarity: str = "",
) -> str:
    """The class overview; `pages[i]` is the file name of `reports[i]`'s page, `standing[i]` its
    lateness (with it, the submissions table shows the late days and the final score);
    `similarity` is `similarity_section`'s HTML, if any. The mean, median and histogram are of the
    scores as an LMS gets them: with an excused check, scaled back to the full maximum."""
    scores = [out_of_full(r, r.score) or 0.0 for r in reports]
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
    items = "\n".join(map(_item_row, item_analysis(reports)))
    items = items or "<tr><td colspan='5'>No graded submissions.</td></tr>"
    late_head = "<th class='num'>Days late</th><th class='num'>Final score</th>" if standing else ""
    submissions = "\n".join(
        f"<tr><td><a href='{escape(page)}'>{_line(r.submission.name)}</a></td>"
        f"<td class='num'>{r.score:g} / {r.max_score:g}{_raw(r)}</td>{_late_cells(late, r.max_score)}"
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
        rubric=_line(", ".join(sorted({r.rubric_name() for r in reports}))),
        mean=f"{statistics.fmean(scores):.1f}",
        median=f"{statistics.median(scores):g}",
        max_score=f"{max_score:g}",
        histogram=histogram_png(scores, max_score),
        pass_rates=pass_rates,
        hints=hint_rows,
        items=items,
        late_head=late_head,
        submissions=submissions,
        unreadable=skipped,
        similarity=similarity,
    )


def _item_row(item: Item) -> str:
    """A check's row of the item analysis: an undefined discrimination is an empty cell and a note."""
    r = "" if item.discrimination is None else f"{item.discrimination:.2f}"
    hint = f"{_line(item.common_hint)} ({item.common_hint_count})" if item.common_hint else ""
    return (
        f"<tr><td>{_line(item.title)} <code>{_line(item.id)}</code></td>"
        f"<td class='num'>{item.passed} / {item.students}</td><td class='num'>{r}</td>"
        f"<td>{escape(item.note)}</td><td>{hint}</td></tr>"
    )


def _raw(report: Report) -> str:
    """The grader's own score beside one the instructor changed."""
    if report.overridden is None or not report.overridden.applied:
        return ""
    raw = report.overridden
    return f"<br><span class='override'>grader: {raw.raw_score:g} / {raw.raw_max_score:g}</span>"


def _late_cells(late: Lateness | None, max_score: float) -> str:
    """Days late (empty when the submission's time is unknown) and the score after the penalty."""
    if late is None:
        return ""
    days = str(late.late_days) if late.late_days is not None else LATE_TIME_UNKNOWN * late.marked_late
    return f"<td class='num'>{days}</td><td class='num'>{late.final_score:g} / {max_score:g}</td>"


def export(
    reports: list[Report],
    to: Path,
    *,
    unreadable: Sequence[Unreadable] = (),
    roster: dict[str, dict[str, str]] | None = None,
    late: LatePolicy | None = None,
    similarity: Path | None = None,
) -> list[Path]:
    """Write `to/index.html` and `to/<submission>.html`; returns the index first. With a `late`
    policy and the roster's submission times, the overview shows each one's lateness. With
    `similarity` (a `cnngrade similarity --out` folder) the overview lists its flags and links its
    page, copied to `to/similarity.html` so the folder still stands alone; ExportError if it holds
    no similarity data."""
    stems = unique_stems(
        [r.submission.name for r in reports], reserved=("index", SIMILARITY_PAGE.removesuffix(".html"))
    )
    pages = [f"{stem}.html" for stem in stems]
    flags = None if similarity is None else _similarity_flags(similarity)  # before anything is written
    standing = assess_reports(reports, roster, late) if late else None
    if standing and all(s.submitted_at is None for s in standing):
        standing = None  # no time known: nothing to show
    to.mkdir(parents=True, exist_ok=True)
    written = [to / "index.html"]
    section = ""
    if similarity is not None and flags is not None:
        linked = (similarity / SIMILARITY_PAGE).is_file()
        if linked:
            written.append(Path(shutil.copyfile(similarity / SIMILARITY_PAGE, to / SIMILARITY_PAGE)))
        section = similarity_section(reports, pages, flags, linked=linked)
    written[0].write_text(index_page(reports, pages, unreadable, standing, section), encoding="utf-8")
    for report, page in zip(reports, pages, strict=True):
        written.append(to / page)
        written[-1].write_text(submission_page(report), encoding="utf-8")
    return written
