"""The worker interface is declared once (`grader.isolate.WorkerLike`): the real worker and the
tests' fake both take what it says, so a check written against one runs against the other."""

import inspect

import pytest
from fake_student import FakeWorker

from grader.isolate import Worker, WorkerLike

METHODS = ["call", "call_method", "get_attr", "set_item", "op"]


def _parameters(function) -> list[tuple[str, inspect._ParameterKind]]:
    """Names and kinds, leaving out keyword-only parameters that have a default (a worker may take
    more options than the checks use, e.g. the real op's timeout_s)."""
    return [
        (p.name, p.kind)
        for p in inspect.signature(function).parameters.values()
        if not (p.kind is p.KEYWORD_ONLY and p.default is not p.empty)
    ]


@pytest.mark.parametrize("implementation", [Worker, FakeWorker])
@pytest.mark.parametrize("method", METHODS)
def test_each_worker_takes_the_interfaces_parameters(implementation, method):
    assert _parameters(getattr(implementation, method)) == _parameters(getattr(WorkerLike, method))


def test_the_interface_is_every_public_method_the_checks_call():
    members = inspect.getmembers(WorkerLike, inspect.isfunction)
    declared = {name for name, _ in members if not name.startswith("_")}
    assert declared == set(METHODS)
