"""The check kinds are typed contracts: each module in `grader.judge.kinds` is a `CheckKind` over its
own check model, and the rubric's union of checks is made of exactly those models."""

import typing

import pytest

from grader.judge.check_models import CheckBase
from grader.judge.kinds.registry import KINDS, CheckKind, kind_of
from grader.judge.rubric import Rubric
from grader.judge.rubric_catalog import built_ins
from grader.judge.student_calls import CheckContext, KitContext, Outcome


def _tag(check: type[CheckBase]) -> str:
    (name,) = typing.get_args(check.model_fields["kind"].annotation)
    return name


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__.rsplit(".", 1)[-1])
def test_each_kind_is_a_check_kind_typed_by_its_own_check_model(kind):
    assert isinstance(kind, CheckKind)
    assert issubclass(kind.CHECK, CheckBase)
    assert kind.__name__.endswith(f".{_tag(kind.CHECK)}")  # the module is named by its `kind`
    assert typing.get_type_hints(kind.symbols) == {"spec": kind.CHECK, "return": list[str]}
    assert typing.get_type_hints(kind.run) == {"spec": kind.CHECK, "ctx": CheckContext, "return": Outcome}
    hints = typing.get_type_hints(kind.precompute)
    assert hints == {"spec": kind.CHECK, "kit": KitContext, "return": type(None)}


def test_the_rubrics_union_is_the_kinds_models_in_order():
    union = Rubric.model_json_schema()["properties"]["checks"]["items"]
    assert [one["$ref"] for one in union["oneOf"]] == [f"#/$defs/{kind.CHECK.__name__}" for kind in KINDS]
    assert union["discriminator"]["mapping"] == {
        _tag(kind.CHECK): f"#/$defs/{kind.CHECK.__name__}" for kind in KINDS
    }


def test_every_built_in_check_finds_the_kind_of_its_model():
    used = set()
    for rubric in built_ins():
        for spec in rubric.checks:
            kind = kind_of(spec)
            assert type(spec) is kind.CHECK and _tag(kind.CHECK) == spec.kind
            used.add(kind)
    assert used == set(KINDS)  # the built-ins use every kind, so this covers them all
