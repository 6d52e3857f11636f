"""The similarity page: one standalone HTML file (style inlined, the histogram an embedded PNG).

Flagged pairs come first, ranked, each with its evidence: one row per matching function, the two
submissions' code side by side with the matched runs highlighted in the row's colour and the
real line numbers (file lines, or lines of the notebook cell). The page says "similar", never
more: a person decides what it means.
"""

from __future__ import annotations

import base64
import io
from html import escape
from importlib import resources
from string import Template

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.similarity.extract import StudentCode
from grader.similarity.model import Pair
from grader.similarity.run import Evidence, Result

COLOURS = 6  # highlight classes m0..m5, cycled through a pair's matches
NEAR_MISSES = 10
SHOWN = 50  # flagged pairs whose evidence the page shows (all are in pairs.csv and similarity.json)


def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "templates" / name).read_text(encoding="utf-8"))


def _style() -> str:
    shared = resources.files("grader.export") / "templates" / "style.css"
    own = resources.files(__package__) / "templates" / "similarity.css"
    return shared.read_text(encoding="utf-8") + own.read_text(encoding="utf-8")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{round(100 * value)}%"


def histogram_png(scores: list[float], threshold: float) -> str:
    """The distribution of pair similarities with the threshold marked, as base64 PNG."""
    fig = Figure(figsize=(6.0, 2.6))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.hist([100 * s for s in scores] or [0], bins=20, range=(0, 100), color="#4c72b0")
    ax.axvline(100 * threshold, color="#c44e52", linestyle="--", label=f"threshold {_percent(threshold)}")
    ax.set_xlabel("similarity of a pair (%)")
    ax.set_ylabel("pairs")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def code_block(code: StudentCode, piece: int, spans: list[tuple[int, int]], colour: int) -> str:
    """One piece of a submission's code with its real line numbers and the spans highlighted."""
    start = code.starts[piece]
    where = code.pieces[piece]
    text = where.text.rstrip("\n")
    rows = []
    offset = start
    for number, line in enumerate(text.split("\n"), start=where.first_line):
        end = offset + len(line)
        cuts = sorted((max(s, offset), min(e, end)) for s, e in spans if s < end and e > offset)
        html, at = [], offset
        for s, e in cuts:
            if s < at:
                s = at
            if s >= e:
                continue
            html.append(escape(code.document[at:s]))
            html.append(f'<mark class="m{colour % COLOURS}">{escape(code.document[s:e])}</mark>')
            at = e
        html.append(escape(code.document[at:end]))
        rows.append(f'<span class="ln">{number}</span>{"".join(html)}')
        offset = end + 1
    return f'<div class="where">{escape(where.label)}</div><pre class="code">' + "\n".join(rows) + "</pre>"


def _evidence(result: Result, pair: Pair, rank: int, evidence: Evidence) -> str:
    a, b = result.codes[pair.a], result.codes[pair.b]
    rows = []
    for k, ((pa, pb), match) in enumerate(zip(evidence.pieces, pair.matches, strict=True)):
        left = code_block(a, pa, evidence.comparison.spans_a, k)
        right = code_block(b, pb, evidence.comparison.spans_b, k)
        rows.append(
            f'<tr><td class="side">{left}</td><td class="side">{right}</td></tr>'
            f'<tr class="caption"><td colspan="2"><span class="swatch m{k % COLOURS}"></span>'
            f"{escape(str(match.a))} ≈ {escape(str(match.b))} ({match.fingerprints} shared fingerprints)"
            "</td></tr>"
        )
    return _template("pair.html").substitute(
        anchor=f"pair-{rank}",
        rank=rank,
        a=escape(pair.a),
        b=escape(pair.b),
        similarity=_percent(pair.similarity),
        share_a=_percent(pair.similarity_a),
        share_b=_percent(pair.similarity_b),
        lines=pair.lines,
        reason=escape(pair.reason),
        rows="\n".join(rows),
    )


def _pair_row(pair: Pair, rank: int | None) -> str:
    link = f'<a href="#pair-{rank}">evidence</a>' if rank is not None else ""
    kind = " (public solution)" if pair.public else ""
    return (
        f"<tr><td>{escape(pair.a)}</td><td>{escape(pair.b)}{kind}</td>"
        f'<td class="num">{_percent(pair.similarity)}</td><td class="num">{_percent(pair.similarity_a)}</td>'
        f'<td class="num">{_percent(pair.similarity_b)}</td><td class="num">{pair.lines}</td>'
        f"<td>{link}</td></tr>"
    )


def render(result: Result, shown: int = SHOWN) -> str:
    """The page; the evidence of the ``shown`` most similar flagged pairs."""
    report = result.report
    flagged = [p for p in report.pairs if p.flagged]
    near = [p for p in report.pairs if not p.flagged][:NEAR_MISSES]
    compared = [e for e in report.submissions if e.error is None]
    submissions = "\n".join(
        f"<tr><td>{escape(e.name)}</td><td class='num'>{e.lines}</td>"
        f"<td>{escape(', '.join(e.similar_to))}</td>"
        f"<td>{escape(e.closest_public or '')} {_percent(e.closest_public_similarity)}</td>"
        f"<td>{escape(f'not compared: {e.error}' if e.error else '')}</td></tr>"
        for e in report.submissions
    )
    t = report.thresholds
    c = result.calibration
    basis = (
        f"the class median {c.median:.2f} plus {t.spread:g} × its spread {c.spread:.2f} (robust standard "
        f"deviation, 1.4826 × MAD) over {c.pairs} pairs, kept between the floor {t.similarity:.2f} and the "
        f"ceiling {t.ceiling:.2f}"
        if c.rule == "class"
        else f"the ceiling {t.ceiling:.2f}: {c.submissions} submissions are too few for a distribution"
    )
    empty = '<tr><td colspan="7">none</td></tr>'
    return _template("similarity.html").substitute(
        style=_style(),
        count=len(report.submissions),
        compared=len(compared),
        public=f"{len(report.public)} public solution{'' if len(report.public) == 1 else 's'}",
        overlapping=len(report.pairs),
        flagged=len(flagged),
        threshold=_percent(c.threshold),
        basis=escape(basis),
        min_lines=t.min_lines,
        noise=t.noise,
        common=_percent(t.common_share),
        common_min=t.common_min,
        version=escape(report.copydetect_version),
        seconds=f"{report.seconds:.1f}",
        histogram=histogram_png([p.similarity for p in report.pairs if not p.public], c.threshold),
        pairs="\n".join(
            _pair_row(p, rank if rank <= shown else None) for rank, p in enumerate(flagged, start=1)
        )
        or empty,
        near="\n".join(_pair_row(p, None) for p in near) or empty,
        submissions=submissions,
        evidence="\n".join(
            _evidence(result, p, rank, result.evidence[p.a, p.b])
            for rank, p in enumerate(flagged[:shown], start=1)
        )
        + (
            f"<p>The other {len(flagged) - shown} similar pairs: pairs.csv.</p>"
            if len(flagged) > shown
            else ""
        ),
    )
