"""What a similarity run found, as plain data (written as ``similarity.json``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.similarity import SimilarityError

JSON_NAME = "similarity.json"


class Thresholds(BaseModel):
    """The instructor's knobs. A pair is flagged as similar when its similarity reaches the class's
    threshold (`grader.similarity.calibrate`: the class median plus ``spread`` robust standard
    deviations, kept between the floor ``similarity`` and ``ceiling``; the ceiling alone in a class
    of fewer than ``min_class``) and its matching regions hold at least ``min_lines`` lines of code.
    The defaults are measured (docs/similarity.md)."""

    model_config = ConfigDict(extra="forbid")
    similarity: float = Field(0.6, ge=0, le=1)  # the floor
    ceiling: float = Field(0.8, ge=0, le=1)
    spread: float = Field(6.0, ge=0)
    min_class: int = Field(5, ge=2)
    min_lines: int = Field(8, ge=0)
    noise: int = Field(25, ge=5)  # k-gram length in tokenised characters
    # Runs this long always match; above `noise` it winnows (fewer fingerprints, faster), and which
    # fingerprints are kept then depends on Python's per-process string hash, so scores vary a little.
    guarantee: int = Field(25, ge=5)
    common_share: float = Field(0.2, gt=0, le=1)  # fingerprints in more of the class are boilerplate
    common_min: int = Field(5, ge=2)  # ... and in at least this many submissions

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> Self:
        if self.ceiling < self.similarity:
            raise ValueError(f"ceiling {self.ceiling} is below the floor {self.similarity}")
        return self


class Calibration(BaseModel):
    """The class's threshold and the distribution it came from: ``rule`` is "class" (median and
    spread, the robust standard deviation 1.4826 * MAD, of every pair's similarity) or "small
    class" (fewer than ``min_class`` submissions: the ceiling alone)."""

    model_config = ConfigDict(extra="forbid")
    rule: Literal["class", "small class"]
    submissions: int
    pairs: int
    median: float | None = None
    spread: float | None = None
    threshold: float


class Region(BaseModel):
    """Lines of one submission: ``file`` inside it (for a notebook, the notebook and ``cell``), in
    ``function``."""

    model_config = ConfigDict(extra="forbid")
    file: str
    cell: int | None = None
    function: str = ""
    first_line: int
    last_line: int

    def __str__(self) -> str:
        where = f"{self.file}, cell {self.cell}" if self.cell is not None else self.file
        where += f" ({self.function})" if self.function else ""
        lines = (
            f"{self.first_line}"
            if self.first_line == self.last_line
            else f"{self.first_line}-{self.last_line}"
        )
        return f"{where}: {lines}"


class Match(BaseModel):
    """A region of ``a`` and the region of ``b`` sharing the most fingerprints with it."""

    model_config = ConfigDict(extra="forbid")
    a: Region
    b: Region
    fingerprints: int


class Pair(BaseModel):
    """Two submissions whose own code overlaps. ``similarity`` is the larger of the two shares
    (matched tokens over the tokens compared, per submission); ``lines`` the larger count of
    non-blank lines in the matching regions. ``public``: ``b`` is from the --against corpus."""

    model_config = ConfigDict(extra="forbid")
    a: str
    b: str
    public: bool = False
    similarity: float
    similarity_a: float
    similarity_b: float
    lines: int
    lines_a: int
    lines_b: int
    flagged: bool
    spreads_above: float | None = None  # (similarity - class median) / spread; None in a small class
    reason: str = ""  # for flagged pairs: the score against the class, and where it matches
    matches: list[Match] = Field(default_factory=list)  # filled in for flagged pairs


class Entry(BaseModel):
    """One submission (or one public solution) and what it was found similar to."""

    model_config = ConfigDict(extra="forbid")
    name: str
    path: str
    sha256: str = ""
    kind: str = ""
    lines: int = 0  # non-blank lines of own code compared
    error: str | None = None  # why it was not compared
    similar_to: list[str] = Field(default_factory=list)  # flagged partners, most similar first
    closest_public: str | None = None
    closest_public_similarity: float | None = None

    @property
    def flag(self) -> str:
        """The gradebook's cell: empty, or "similar: bob (87%), public:repo (64%)"; never an accusation."""
        if self.error:
            return f"not compared: {self.error}"
        return f"similar: {', '.join(self.similar_to)}" if self.similar_to else ""


class SimilarityReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    generated_at: datetime
    copydetect_version: str
    thresholds: Thresholds
    calibration: Calibration | None = None  # None in a similarity.json written before calibrating
    submissions: list[Entry]
    public: list[Entry] = Field(default_factory=list)
    pairs: list[Pair]  # every pair with any overlap, most similar first
    seconds: float = 0.0


def read_flags(directory: Path) -> dict[str, Entry]:
    """For the gradebook: each class submission's entry, by name (its ``flag`` is the cell text;
    match on ``sha256`` too when names may differ). ``directory`` is the similarity --out folder;
    SimilarityError (one line) if it holds no readable result."""
    try:
        text = (Path(directory) / JSON_NAME).read_text(encoding="utf-8")
        report = SimilarityReport.model_validate_json(text)
    except (OSError, ValueError) as e:  # pydantic's ValidationError is a ValueError
        raise SimilarityError(
            f"--similarity {directory}: no readable {JSON_NAME} there ({type(e).__name__})"
        ) from None
    return {entry.name: entry for entry in report.submissions}
