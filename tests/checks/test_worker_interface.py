"""The worker interface is declared once (`grader.isolate.WorkerLike`): the real worker and the
tests' fake both take what it says, so a check written against one runs against the other."""

import inspect
from pathlib import Path

import pytest
from fake_student import FakeWorker, reference_student

from grader.isolate import Worker, WorkerLike
from grader.judge.kinds.registry import kind_of
from grader.judge.rubric import load_rubric
from grader.judge.student_calls import CheckContext, StudentCalls
from grader.load.submission import load
from grader.report.models import Status

ROOT = Path(__file__).resolve().parents[2]
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


def test_a_worker_without_limits_is_not_one():
    """The checks set `limits` too (train's speed probe), so it is part of the interface."""
    fake = FakeWorker(reference_student())
    assert isinstance(fake, WorkerLike)
    del fake.limits
    assert not isinstance(fake, WorkerLike)


def test_the_real_worker_and_the_fake_run_the_same_check_through_the_interface(tmp_path):
    """Both are WorkerLike at run time, and a check run through either passes the same student."""
    rubric = load_rubric(ROOT / "rubrics" / "convnet.toml")
    (spec,) = [c for c in rubric.checks if c.id == "conv_forward.public"]
    bundle = load(ROOT / "submissions" / "correct_module", tmp_path)
    with Worker(bundle, isolation="process") as real:
        fake = FakeWorker(reference_student())
        for worker in (real, fake):
            assert isinstance(worker, WorkerLike)
            ctx = CheckContext(
                calls=StudentCalls(worker),
                submission_sha256=bundle.sha256,
                secret=None,
                defined=frozenset(bundle.manifest.symbols),
            )
            outcome = kind_of(spec).run(spec, ctx)
            assert outcome.status is Status.passed, (type(worker).__name__, outcome.message)
            assert ctx.calls.current == "conv_forward_naive"
