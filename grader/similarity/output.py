"""What `cnngrade similarity` writes: the ranked pairs (CSV), a flag per submission (CSV), the
whole result (JSON, read back by `read_flags` for the gradebook) and the HTML page."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from grader.report.text import spreadsheet_cell
from grader.similarity.model import JSON_NAME
from grader.similarity.page import SHOWN, render
from grader.similarity.run import Result

PAIRS_CSV = "pairs.csv"
FLAGS_CSV = "flags.csv"
PAGE = "similarity.html"
PAIR_COLUMNS = [
    "a",
    "b",
    "similarity",
    "lines",
    "flagged",
    "public",
    "similarity_a",
    "similarity_b",
    "lines_a",
    "lines_b",
    "spreads_above",
    "reason",
    "matches",
]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[spreadsheet_cell(str(value)) for value in row] for row in rows])
    return buffer.getvalue()


def pairs_csv(result: Result) -> str:
    """Every pair with any overlap, most similar first: ``a, b, similarity, lines`` and the detail."""
    rows = [PAIR_COLUMNS]
    for p in result.report.pairs:
        matches = "; ".join(f"{m.a} = {m.b}" for m in p.matches)
        rows.append(
            [p.a, p.b, f"{p.similarity:.4f}", p.lines, "yes" if p.flagged else "", "yes" if p.public else ""]
            + [f"{p.similarity_a:.4f}", f"{p.similarity_b:.4f}", p.lines_a, p.lines_b]
            + ["" if p.spreads_above is None else f"{p.spreads_above:g}", p.reason, matches]
        )
    return _csv(rows)


def flags_csv(result: Result) -> str:
    """One row per class submission: its name, sha256 (as in its grading report) and flag."""
    rows = [["submission", "sha256", "similarity_flag", "closest_public", "closest_public_similarity"]]
    for e in result.report.submissions:
        closest = f"{e.closest_public_similarity:.4f}" if e.closest_public_similarity is not None else ""
        rows.append([e.name, e.sha256, e.flag, e.closest_public or "", closest])
    return _csv(rows)


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temp file beside the target, then a rename."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_outputs(result: Result, out: Path, shown: int = SHOWN) -> list[Path]:
    """Write the four files into ``out`` (created); returns their paths, the page first. The page
    shows the evidence of the ``shown`` most similar flagged pairs."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        PAGE: render(result, shown),
        PAIRS_CSV: pairs_csv(result),
        FLAGS_CSV: flags_csv(result),
        JSON_NAME: result.report.model_dump_json(indent=1),
    }
    for name, text in files.items():
        _write(out / name, text)
    return [out / name for name in files]
