"""A class's similarity run: find the submissions, read their own code, compare all pairs (and
each against the public corpus), rank, and flag the pairs above the class's own threshold
(`grader.similarity.calibrate`)."""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from itertools import combinations
from pathlib import Path

from copydetect import CodeFingerprint

from grader.load.discovery import SUBMISSION_SUFFIXES, DiscoveryError, discover
from grader.load.errors import LoadError
from grader.load.naming import name_submissions
from grader.similarity import SimilarityError, detect
from grader.similarity.calibrate import calibrate, reason, spreads_above
from grader.similarity.extract import StudentCode, read_submission
from grader.similarity.model import (
    Calibration,
    Entry,
    Match,
    Pair,
    Region,
    SimilarityReport,
    Thresholds,
)

PUBLIC_PREFIX = "public:"


@dataclass
class Evidence:
    """A flagged pair's matched spans, and the pieces paired up in the order of the pair's matches."""

    comparison: detect.Comparison
    pieces: list[tuple[int, int]]


@dataclass
class Result:
    """The report, and what the HTML page needs beside it: the code and the matched spans."""

    report: SimilarityReport
    codes: dict[str, StudentCode]
    calibration: Calibration  # also in the report, where a report read back may lack it
    evidence: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


def _region(code: StudentCode, piece: int, spans: Sequence[tuple[int, int]]) -> Region | None:
    """The lines of ``piece`` that the matched spans cover, or None."""
    begin = code.starts[piece]
    stop = begin + len(code.pieces[piece].text)
    inside = [(max(s, begin), min(e, stop)) for s, e in spans if s < stop and e > begin]
    if not inside:
        return None
    first = min(s for s, _ in inside)
    last = max(e for _, e in inside) - 1
    where = code.pieces[piece]
    return Region(
        file=where.file,
        cell=where.cell,
        function=where.function,
        first_line=code.locate(first)[1],
        last_line=code.locate(last)[1],
    )


def _matches(
    a: StudentCode, b: StudentCode, found: detect.Comparison, anchors: list[tuple[int, int]]
) -> list[tuple[int, int, Match]]:
    """Each piece of ``a`` with matches, with the piece of ``b`` it shares most fingerprints with:
    (piece of a, piece of b, the match)."""
    votes = Counter((a.piece_at(i), b.piece_at(j)) for i, j in anchors)
    best: dict[int, tuple[int, int]] = {}
    for (pa, pb), n in sorted(votes.items()):
        if n > best.get(pa, (-1, 0))[1]:
            best[pa] = (pb, n)
    matches = []
    for pa, (pb, n) in sorted(best.items()):
        ra, rb = _region(a, pa, found.spans_a), _region(b, pb, found.spans_b)
        if ra is not None and rb is not None:
            matches.append((pa, pb, Match(a=ra, b=rb, fingerprints=n)))
    return matches


def _entry(code: StudentCode) -> Entry:
    return Entry(
        name=code.name, path=code.path, sha256=code.sha256, kind=code.kind, lines=code.lines, error=code.error
    )


def _percent(value: float) -> str:
    return f"{round(100 * value)}%"


def public_solutions(folder: Path) -> list[tuple[str, Path]]:
    """Each entry of the corpus folder is one solution, named after it: usually a whole repository
    (the loader picks its course package), or a module, notebook or zip."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))
    found = [
        (p.name if p.is_dir() else p.stem, p)
        for p in entries
        if p.is_dir() or p.suffix in SUBMISSION_SUFFIXES
    ]
    if not found:
        raise DiscoveryError(f"--against: no solutions (.py, .ipynb, .zip or folders) in {folder}")
    return found


def _read(job: tuple[str, Path]) -> StudentCode:
    return read_submission(*job)


def _read_all(jobs_: list[tuple[str, Path]], jobs: int) -> list[StudentCode]:
    """Load and extract each submission, in ``jobs`` processes (loading is most of the work; the
    fingerprints are made in this process, since Python's string hash differs between processes)."""
    if jobs <= 1 or len(jobs_) < 2 * jobs:
        return [_read(job) for job in jobs_]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_read, jobs_, chunksize=8))


def _fingerprints(
    codes: dict[str, StudentCode], students: list[str], thresholds: Thresholds, boilerplate: Sequence[Path]
) -> dict[str, CodeFingerprint]:
    """Each readable submission's fingerprints, without the course's and the class's common ones."""
    try:
        course = detect.boilerplate_hashes(thresholds, boilerplate)
    except LoadError as exc:
        raise SimilarityError(f"--boilerplate: {exc}") from None
    prints = {
        name: detect.fingerprint(code, thresholds) for name, code in codes.items() if code.error is None
    }
    for print_ in prints.values():
        detect.remove(print_, course)
    common = detect.common_hashes([prints[name] for name in students if name in prints], thresholds)
    for print_ in prints.values():
        detect.remove(print_, common)
    return prints


# The fingerprints the comparing processes read: set before they are forked, so they inherit them.
_PRINTS: dict[str, CodeFingerprint] = {}


def _compare_some(pairs: list[tuple[str, str]]) -> list[tuple[str, str, detect.Comparison]]:
    return [(a, b, detect.compare(_PRINTS[a], _PRINTS[b])) for a, b in pairs]


def _compare_all(
    prints: dict[str, CodeFingerprint], pairs: list[tuple[str, str]], jobs: int
) -> list[tuple[str, str, detect.Comparison]]:
    """copydetect's comparison of each pair that shares a fingerprint, in ``jobs`` forked processes
    (they inherit the fingerprints; only the scores and spans come back)."""
    pairs = [(a, b) for a, b in pairs if detect.shares_any(prints[a], prints[b])]
    _PRINTS.clear()
    _PRINTS.update(prints)
    try:
        if jobs <= 1 or len(pairs) < 1000:
            return _compare_some(pairs)
        chunks = [pairs[i : i + 500] for i in range(0, len(pairs), 500)]
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return [found for chunk in pool.map(_compare_some, chunks) for found in chunk]
    finally:
        _PRINTS.clear()


def _score(a: StudentCode, b: StudentCode, found: detect.Comparison, public: bool) -> Pair:
    lines_a, lines_b = a.lines_in(found.spans_a), b.lines_in(found.spans_b)
    return Pair(
        a=a.name,
        b=b.name,
        public=public,
        similarity=round(found.similarity, 4),
        similarity_a=round(found.similarity_a, 4),
        similarity_b=round(found.similarity_b, 4),
        lines=max(lines_a, lines_b),
        lines_a=lines_a,
        lines_b=lines_b,
        flagged=False,
    )


def _judge(
    result: Result,
    pair: Pair,
    found: detect.Comparison,
    prints: dict[str, CodeFingerprint],
    calibration: Calibration,
) -> None:
    """Flag the pair when it reaches the class's threshold, with its matches, evidence and reason."""
    settings = result.report.thresholds
    pair.spreads_above = spreads_above(pair.similarity, calibration)
    pair.flagged = pair.similarity >= calibration.threshold and pair.lines >= settings.min_lines
    if pair.flagged:
        a, b = result.codes[pair.a], result.codes[pair.b]
        matches = _matches(a, b, found, detect.anchors(prints[a.name], prints[b.name]))
        pair.matches = [m for _, _, m in matches]
        pair.reason = reason(pair, calibration, settings)
        result.evidence[a.name, b.name] = Evidence(found, [(pa, pb) for pa, pb, _ in matches])


def compare_class(
    paths: Sequence[Path],
    *,
    against: Path | None = None,
    boilerplate: Sequence[Path] = (),
    thresholds: Thresholds | None = None,
    jobs: int = 1,
) -> Result:
    """Compare every pair of submissions under ``paths`` (and each with every solution under
    ``against``), reading them ``jobs`` at a time. Raises SimilarityError for what the user must fix."""
    began = time.monotonic()
    thresholds = thresholds or Thresholds()
    for folder in boilerplate:
        if not folder.is_dir():
            raise SimilarityError(f"--boilerplate: no such folder: {folder}")
    # An LMS download's students are restored here for the reading, as `grade` restores them.
    with tempfile.TemporaryDirectory(prefix="cnngrade-similarity-") as staging:
        try:
            discovered = discover(list(paths), Path(staging))
            given = discovered.found
            found = list(zip(name_submissions(given, {}), [s for _, s in given], strict=True))
            corpus = public_solutions(against) if against is not None else []
        except DiscoveryError as exc:
            raise SimilarityError(str(exc)) from None
        read = _read_all(found + [(PUBLIC_PREFIX + name, path) for name, path in corpus], jobs)
    for code, (_, path) in zip(read, found, strict=False):
        student = discovered.students.get(path)
        if student is not None:  # its folder is gone: name what the instructor gave
            code.path = f"{student.download}: {student.name} ({student.lms} id {student.id})"
    students, public = read[: len(found)], read[len(found) :]
    codes = {code.name: code for code in read}
    loaded = time.monotonic()
    prints = _fingerprints(codes, [c.name for c in students], thresholds, boilerplate)
    printed = time.monotonic()

    compared = [c.name for c in students if c.name in prints]
    corpus_names = {c.name for c in public if c.name in prints}
    wanted = list(combinations(compared, 2)) + [(a, b) for a in compared for b in sorted(corpus_names)]
    scored = [
        (_score(codes[a], codes[b], found, b in corpus_names), found)
        for a, b, found in _compare_all(prints, wanted, jobs)
        if found.similarity > 0
    ]
    class_scores = [pair.similarity for pair, _ in scored if not pair.public]
    calibration = calibrate(class_scores, len(compared), thresholds)
    result = Result(
        report=SimilarityReport(
            generated_at=datetime.now(UTC),
            copydetect_version=version("copydetect"),
            thresholds=thresholds,
            calibration=calibration,
            submissions=[_entry(c) for c in students],
            public=[_entry(c) for c in public],
            pairs=[pair for pair, _ in scored],
        ),
        codes=codes,
        calibration=calibration,
    )
    for pair, found in scored:
        _judge(result, pair, found, prints, calibration)
    result.report.pairs.sort(key=lambda p: (-p.similarity, -p.lines, p.a, p.b))
    _summarise(result.report)
    done = time.monotonic()
    result.report.seconds = round(done - began, 3)
    result.timings = {"read": loaded - began, "fingerprint": printed - loaded, "compare": done - printed}
    return result


def _summarise(report: SimilarityReport) -> None:
    """Each submission's flagged partners and its closest public solution."""
    entries = {e.name: e for e in report.submissions}
    for pair in report.pairs:  # most similar first
        if pair.flagged:
            entries[pair.a].similar_to.append(f"{pair.b} ({_percent(pair.similarity)})")
            if not pair.public:
                entries[pair.b].similar_to.append(f"{pair.a} ({_percent(pair.similarity)})")
        if pair.public and entries[pair.a].closest_public is None:
            entries[pair.a].closest_public = pair.b.removeprefix(PUBLIC_PREFIX)
            entries[pair.a].closest_public_similarity = pair.similarity
