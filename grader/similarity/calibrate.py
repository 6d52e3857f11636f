"""The flag's threshold, from the class's own scores, and the sentence that says why a pair is flagged.

Independent solutions of this assignment are alike: four nested loops over images, filters and
output positions are what the hints ask for, and two honest loop solutions share up to 72% of their
tokens before the class's common code is removed (docs/similarity.md, measured with
benchmarks/calibrate_similarity.py). So a fixed threshold either accuses honest work or misses
copies. The threshold here is robust to the few copies a class holds:

    threshold = min(ceiling, max(floor, median + spread * 1.4826 * MAD))

over the similarity of every pair of compared class submissions (pairs sharing nothing count as 0).
The floor keeps a class where nearly nothing is shared from flagging modest overlaps; the robust
term raises the bar in a class whose honest work is alike (a help session, one tutorial); the
ceiling means a pair this alike is always shown. Below ``min_class`` submissions there is no
distribution to speak of, and the common-code filter cannot act either: the threshold is the
ceiling alone.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from grader.similarity.model import Calibration, Pair, Thresholds

MAD_TO_SD = 1.4826  # MAD of a normal distribution times this is its standard deviation


def calibrate(scores: Sequence[float], compared: int, settings: Thresholds) -> Calibration:
    """The class's threshold from the similarity of each pair of its ``compared`` submissions
    (``scores`` holds the pairs that share code; the others count as 0)."""
    pairs = compared * (compared - 1) // 2
    if compared < settings.min_class or pairs == 0:
        return Calibration(rule="small class", submissions=compared, pairs=pairs, threshold=settings.ceiling)
    values = list(scores) + [0.0] * (pairs - len(scores))
    median = statistics.median(values)
    spread = MAD_TO_SD * statistics.median(abs(v - median) for v in values)
    robust = median + settings.spread * spread
    return Calibration(
        rule="class",
        submissions=compared,
        pairs=pairs,
        median=round(median, 4),
        spread=round(spread, 4),
        threshold=round(min(settings.ceiling, max(settings.similarity, robust)), 4),
    )


def spreads_above(score: float, calibration: Calibration) -> float | None:
    """How many spreads (robust standard deviations) above the class median ``score`` is."""
    if calibration.median is None or not calibration.spread:
        return None
    return round((score - calibration.median) / calibration.spread, 1)


def reason(pair: Pair, calibration: Calibration, settings: Thresholds) -> str:
    """Why the pair is flagged, in one line: its score against the class, and where it matches."""
    if calibration.rule == "small class":
        against = (
            f"a class of {calibration.submissions} is too small for a distribution: "
            f"threshold {calibration.threshold:.2f} (the ceiling)"
        )
    else:
        above = spreads_above(pair.similarity, calibration)
        against = f"class median {calibration.median:.2f}, threshold {calibration.threshold:.2f}" + (
            f"; {above:g} spreads above the median" if above is not None else ""
        )
    where = ", ".join(sorted({m.a.function or m.a.file for m in pair.matches}))
    lines = f"{pair.lines} matching lines (at least {settings.min_lines}) outside the starter code"
    return f"score {pair.similarity:.2f}; {against}; {lines}" + (f" in {where}" if where else "")


__all__ = ["calibrate", "reason", "spreads_above"]
