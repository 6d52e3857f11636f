"""One submission cannot take another's CPU: graded beside a CPU hog (`--jobs 2`), an honest
submission gets the report it gets on a quiet machine.

The hog is a correct submission that forks 40 busy processes at import; without a CPU share per
worker it left the honest sibling a twentieth of the machine and cost it a timed-out check. They
spin for twice the honest submission's quiet grading time and 10 s more, which covers its
grading beside them: spinning for as long as the hog's worker lived made the hog's own grading,
at a 41st of its share, most of this test's minutes.
"""

from __future__ import annotations

import os
import shutil

import pytest

from grader.isolate import available_levels
from grader.isolate.cgroups import v1_parent, v2_parent
from grader.judge.rubric_catalog import DEFAULT_ID, load_built_in
from grader.report.models import read_report
from grader.run.batch import grade_all, plan
from grader.run.grade import GradeOptions

from .conftest import REPO

SPINNERS = """
import os as _os, time as _time

for _ in range(40):
    if _os.fork() == 0:
        _end = _time.monotonic() + {seconds:.0f}
        while _time.monotonic() < _end:
            pass
        _os._exit(0)
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or (v1_parent("cpu") is None and v2_parent() is None),
        reason="a CPU share needs a cgroup the grader can write",
    ),
]


def test_an_honest_submission_beside_a_cpu_hog_gets_its_quiet_report(tmp_path, shared_cache):
    rubric = load_built_in(DEFAULT_ID)
    options = GradeOptions(cache_dir=shared_cache, min_isolation=available_levels()[0])
    honest = tmp_path / "correct_module"
    shutil.copytree(REPO / "submissions" / "correct_module", honest)
    quiet = grade_all(plan([honest], tmp_path / "quiet"), rubric, options, workers=1, timeout_s=600)
    alone = read_report(tmp_path / "quiet" / "correct_module.json")

    hog = tmp_path / "cpu_hog"
    shutil.copytree(honest, hog)
    module = hog / "convnet_hw.py"
    module.write_text(SPINNERS.format(seconds=2 * alone.duration_s + 10) + module.read_text())
    busy = grade_all(plan([hog, honest], tmp_path / "busy"), rubric, options, workers=2, timeout_s=600)

    assert all(o.report is not None for o in quiet + busy)
    beside = read_report(tmp_path / "busy" / "correct_module.json")
    assert alone.score == alone.max_score - sum(c.max_points for c in alone.checks if c.status == "skipped")
    assert beside.confinement is not None and beside.confinement.cpu_share != "none"
    assert beside.comparable() == alone.comparable()
    hogged = read_report(tmp_path / "busy" / "cpu_hog.json")
    assert hogged.duration_s > 0.5 * beside.duration_s  # it did spin while the honest one was graded
