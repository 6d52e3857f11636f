"""Fingerprint each submission's own code with copydetect and compare every pair.

copydetect tokenises with Pygments and replaces every identifier by a letter (variables `V`,
functions `F`, classes `O`) and every string by `S`, dropping comments and whitespace; it then
hashes each k-gram of the result and keeps a winnowed subset (the MOSS algorithm). So renaming
variables, moving functions around, rewriting comments and reformatting leave the fingerprints as
they were.

Two kinds of fingerprint are boilerplate and are removed from every submission before comparing
(they count neither as a match nor in the denominators):

- every k-gram of the course skeleton (`reference/starter`, plus any folders the instructor adds):
  the signatures, docstrings and ``return out, cache`` lines every student starts from;
- fingerprints found in more than ``common_share`` of the class (and in at least ``common_min``
  submissions): the idioms every honest solution shares (``N, C, H, W = x.shape``), as MOSS's
  ``-m`` option does.

copydetect's own boilerplate filter also drops every fingerprint that occurs twice in a document
(it intersects with ``assume_unique=True`` on a list that has repeats), so the filter is applied
here, on the fingerprint's documented ``hashes`` / ``hash_idx`` attributes, and the token coverage
recomputed with copydetect's own function.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage

from grader.load.integrity import SKELETON_DIR
from grader.load.notebook import code_cells, read_notebook
from grader.similarity.extract import StudentCode
from grader.similarity.model import Thresholds


@dataclass
class Comparison:
    """The overlap of two documents: the similarity of each (matched tokens over its compared
    tokens) and the matched character spans of each (document offsets)."""

    similarity_a: float
    similarity_b: float
    spans_a: list[tuple[int, int]]
    spans_b: list[tuple[int, int]]

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


def fingerprint(code: StudentCode, settings: Thresholds) -> CodeFingerprint:
    return CodeFingerprint(
        code.name,
        settings.noise,
        settings.guarantee - settings.noise + 1,
        None,
        language="python",
        fp=io.StringIO(code.document),
    )


def boilerplate_hashes(settings: Thresholds, extra: Iterable[Path] = ()) -> set[int]:
    """Every k-gram hash of the course skeleton and of the instructor's extra boilerplate (Python
    files whole; notebooks by all their code cells). LoadError for an unreadable notebook."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SKELETON_DIR.rglob("*.py"))]
    for folder in extra:
        for path in sorted(folder.rglob("*")):
            if path.suffix == ".py" and path.is_file():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
            elif path.suffix == ".ipynb" and path.is_file():
                texts += [source for _, source in code_cells(read_notebook(path.read_bytes(), str(path)))]
    hashes: set[int] = set()
    for text in texts:
        print_ = CodeFingerprint(
            "boilerplate", settings.noise, 1, None, language="python", fp=io.StringIO(text)
        )
        hashes |= print_.hashes
    return hashes


def common_hashes(prints: Iterable[CodeFingerprint], settings: Thresholds) -> set[int]:
    """Fingerprints in more than ``common_share`` of the documents and in at least ``common_min``."""
    prints = list(prints)
    counts = Counter(h for p in prints for h in p.hashes)
    floor = max(settings.common_min, math.floor(settings.common_share * len(prints)) + 1)
    return {h for h, n in counts.items() if n >= floor}


def remove(print_: CodeFingerprint, drop: set[int]) -> None:
    """Drop fingerprints from a CodeFingerprint (in place) and recount the tokens it compares."""
    print_.hashes = print_.hashes - drop
    print_.hash_idx = {h: idx for h, idx in print_.hash_idx.items() if h not in drop}
    print_.token_coverage = get_token_coverage(print_.hash_idx, print_.k, len(print_.filtered_code))


def shares_any(a: CodeFingerprint, b: CodeFingerprint) -> bool:
    return not a.hashes.isdisjoint(b.hashes)


def compare(a: CodeFingerprint, b: CodeFingerprint) -> Comparison:
    """copydetect's comparison of two fingerprints."""
    _, (sim_a, sim_b), (slices_a, slices_b) = compare_files(a, b)
    if len(slices_a) == 0 or slices_a.size == 0:
        return Comparison(0.0, 0.0, [], [])
    return Comparison(
        float(sim_a),
        float(sim_b),
        [(int(s), int(e)) for s, e in zip(*slices_a, strict=True)],
        [(int(s), int(e)) for s, e in zip(*slices_b, strict=True)],
    )


def anchors(a: CodeFingerprint, b: CodeFingerprint) -> list[tuple[int, int]]:
    """For each fingerprint the two share, where it starts in ``a`` and in ``b`` (document offsets;
    a fingerprint found several times on both sides is paired in order)."""
    pairs = [(i, j) for h in a.hashes & b.hashes for i, j in zip(a.hash_idx[h], b.hash_idx[h], strict=False)]
    if not pairs:
        return []
    positions = np.array(pairs)
    return sorted(zip(_raw(a, positions[:, 0]).tolist(), _raw(b, positions[:, 1]).tolist(), strict=True))


def _raw(print_: CodeFingerprint, positions: np.ndarray) -> np.ndarray:
    """Tokenised positions as offsets in the original text, as copydetect translates its slices."""
    offsets = print_.offsets
    if len(offsets) == 0:
        return positions
    return positions + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], positions), 0, len(offsets) - 1)]


__all__ = [
    "Comparison",
    "anchors",
    "boilerplate_hashes",
    "common_hashes",
    "compare",
    "fingerprint",
    "remove",
    "shares_any",
]
