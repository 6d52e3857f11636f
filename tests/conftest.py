"""Fixtures every test folder may use."""

from __future__ import annotations

from pathlib import Path

import numpy  # noqa: F401 (threadpoolctl limits only the libraries loaded before it)
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Every test's matmuls on one BLAS thread, as the grader's own processes run theirs.

    The suite runs a test per core beside sandbox workers and CLI processes, so no core is free:
    two OpenBLAS threads then spin-wait for each other on every small matmul, and a training test
    took five times longer.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One grader cache (built-in dataset, reference runs, judging arrays) for the whole run.

    A cold cache costs a grading about 11 s (the reference's training runs), and a dozen test
    modules each paid it with a cache of their own. Under pytest-xdist every worker gets the same
    directory (the parent of the workers' temporary roots): the cache's file locks let one worker
    compute an entry while the others wait and read it. Tests of the cache itself, of a fresh
    machine, or of submissions that attack the cache keep their own.
    """
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    cache = root / "shared-cache"
    cache.mkdir(exist_ok=True)
    return cache


# The scopes that take longest, longest first (their wall time in the full run of docs/performance.md,
# "The test suite"). pytest-xdist hands out whole scopes -- a module, or a class of its own -- in
# collection order (`--dist loadscope --no-loadscope-reorder` in pyproject.toml, so a module's
# fixtures, a built kit or a graded class, are built once): a scope of minutes that came last would
# run alone at the end while the other workers sat idle.
LONGEST = (
    "tests/sandbox/test_matrix.py",
    "tests/release/test_student_kit.py",
    "tests/sandbox/test_levels.py::TestTheReadmesFirstCommandAtUnshare",
    "tests/checks/test_grade.py",
    "tests/cluster/test_cluster.py",
    "tests/release/test_gradescope_autograder.py",
    "tests/sandbox/test_levels.py::TestTheReadmesFirstCommandAtProcess",
    "tests/checks/test_train_thresholds.py::TestTrainThreshold",
    "tests/checks/test_train.py",
    "tests/cli/test_cli_lms_download.py",
    "tests/sandbox/test_hostile.py",
    "tests/checks/test_forgery.py",
)


def start_order(item: pytest.Item, slow_modules: set[Path]) -> int:
    """The LONGEST scopes in their order, then the other modules with slow tests, then the rest."""
    for rank, scope in enumerate(LONGEST):
        if item.nodeid == scope or item.nodeid.startswith(scope + "::"):
            return rank
    return len(LONGEST) + (item.path not in slow_modules)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each scope's tests kept together and in order (the sort is stable)."""
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: start_order(item, slow_modules))
