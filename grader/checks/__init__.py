"""Everything that decides a point, in the parent: the check kinds (`grader.checks.kinds`), the
layer registry (`grader.checks.layer_registry`), and what they share (claims, compare, numeric,
expected, diagnose)."""
