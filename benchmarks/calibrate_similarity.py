"""The similarity flag's rates on the calibration class (tests/similarity/class_styles.py): 14
independently written solutions and 6 disguised copies, as one class of 20 and as every class of 4
(two independent solutions with each copy and its original, and all 4-subsets of the independent
ones), under the calibrated rule and the old fixed one (0.5, common code over half the class).

    .venv/bin/python benchmarks/calibrate_similarity.py
"""

from __future__ import annotations

import sys
import tempfile
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "similarity"))

import class_styles  # noqa: E402

from grader.load.discovery import find_submissions  # noqa: E402
from grader.load.naming import name_submissions  # noqa: E402
from grader.similarity import run  # noqa: E402
from grader.similarity.calibrate import calibrate  # noqa: E402
from grader.similarity.model import Thresholds  # noqa: E402

OLD = Thresholds(similarity=0.5, ceiling=0.5, spread=0, min_class=2, common_share=0.5)
NEW = Thresholds()


def scores(codes: dict, names: list[str], settings: Thresholds) -> dict[frozenset[str], tuple[float, int]]:
    """Each pair's (similarity, lines) in a class of ``names``, the class's common code removed."""
    prints = run._fingerprints({n: codes[n] for n in names}, names, settings, [])
    found = run._compare_all(prints, list(combinations(names, 2)), 1)
    return {
        frozenset((a, b)): (c.similarity, max(codes[a].lines_in(c.spans_a), codes[b].lines_in(c.spans_b)))
        for a, b, c in found
    }


def flags(codes: dict, names: list[str], settings: Thresholds) -> set[frozenset[str]]:
    pairs = scores(codes, names, settings)
    threshold = calibrate([s for s, _ in pairs.values()], len(names), settings).threshold
    return {p for p, (s, lines) in pairs.items() if s >= threshold and lines >= settings.min_lines}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "class"
        copied = class_styles.write_class(root)
        given = find_submissions([root])
        jobs = list(zip(name_submissions(given, {}), [s for _, s in given], strict=True))
        codes = {c.name: c for c in run._read_all(jobs, 1)}
    names = sorted(codes)
    honest = [n for n in names if n not in copied]
    honest_pairs = {frozenset(p) for p in combinations(honest, 2)}
    copy_pairs = {frozenset(p) for p in copied.items()}
    print(f"{len(honest)} independent solutions ({len(honest_pairs)} pairs), {len(copied)} disguised copies")
    for label, settings in (("calibrated", NEW), ("old fixed 0.5", OLD)):
        whole = flags(codes, names, settings)
        c = calibrate([s for s, _ in scores(codes, names, settings).values()], len(names), settings)
        print(
            f"{label:14} class of {len(names)}: threshold {c.threshold:.2f} "
            f"(median {c.median}, spread {c.spread}); "
            f"independent pairs flagged {len(whole & honest_pairs)}/{len(honest_pairs)}, "
            f"copies flagged {len(whole & copy_pairs)}/{len(copy_pairs)}"
        )
        # classes of four: a copy and its original with two independent others; and four independent
        small_honest = small_honest_flagged = small_copies = 0
        for copy, original in copied.items():
            others = [n for n in honest if n != original][:2]
            found = flags(codes, [copy, original, *others], settings)
            small_copies += frozenset((copy, original)) in found
        raw = scores(codes, honest, OLD.model_copy(update={"common_share": 1.0}))  # n < 5: nothing common
        raw_threshold = calibrate([], 4, settings).threshold
        for pair in honest_pairs:
            small_honest += 1
            similarity, lines = raw.get(pair, (0.0, 0))
            small_honest_flagged += similarity >= raw_threshold and lines >= settings.min_lines
        top = sorted((s for p, (s, _) in raw.items() if p in honest_pairs), reverse=True)[:3]
        print(
            f"{label:14} classes of 4: threshold {raw_threshold:.2f}; independent pairs flagged "
            f"{small_honest_flagged}/{small_honest} (highest {', '.join(f'{s:.2f}' for s in top)}), "
            f"copies flagged {small_copies}/{len(copied)}"
        )
    whole = scores(codes, names, NEW)
    print("copies (calibrated, class of 20):")
    for copy, original in copied.items():
        similarity, lines = whole[frozenset((copy, original))]
        print(f"  {copy:28} ~ {original:10} {similarity:.2f} ({lines} lines)")
    top = sorted(((whole.get(p, (0.0, 0))[0], sorted(p)) for p in honest_pairs), reverse=True)[:3]
    print("closest independent pairs:", "; ".join(f"{' ~ '.join(p)} {s:.2f}" for s, p in top))


if __name__ == "__main__":
    main()
