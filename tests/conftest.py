"""Fixtures every test folder may use."""

from __future__ import annotations

from pathlib import Path

import pytest


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with slow tests first, each module's tests kept together and in order.

    pytest-xdist hands whole modules to its workers (`--dist loadscope` in pyproject.toml, so a
    module's fixtures -- a built kit, a graded class -- are built once), in this order: a module of
    minutes that came last would leave the other workers idle at the end of the run.
    """
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)
