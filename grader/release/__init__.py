"""`cnngrade release`: what an instructor hands out from a checkout.

- `gradescope.py` builds the Gradescope autograder zip (setup.sh, run_autograder, the grader's
  wheel, the rubric, the secret); `autograder.py` is what runs inside Gradescope.
- `wheel.py` builds the grader's own wheel from the checkout.
"""

from __future__ import annotations


class ReleaseError(Exception):
    """Something the instructor can fix (no checkout, a blank secret file, an unwritable output): one line."""
