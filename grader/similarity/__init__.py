"""Similarity of students' own code across a class (`cnngrade similarity`): docs/similarity.md.

extract (a submission's own code) -> detect (copydetect fingerprints, boilerplate removed, pairs)
-> run (the class, thresholds) -> output / page (CSV, JSON, HTML); model holds the report's shape
and `read_flags` for the gradebook. This module stays light: the command line imports it to build
its parser.
"""


class SimilarityError(Exception):
    """User-caused (no submissions, a missing folder, a bad threshold); str(e) is one line."""
