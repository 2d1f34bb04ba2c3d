"""Basic scalar fields read directly (`server.graphql.execution`), and lists of objects made of them completed in one
pass, answer exactly as graphql-core's general execution: the same data, and the same errors at the same paths when
a value is missing or refused."""

from __future__ import annotations

import enum
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from server.graphql.execution import DirectLeafExecutionContext
from server.graphql.schema import schema as api_schema


@strawberry.enum
class Shade(enum.Enum):
    LIGHT = "LIGHT"
    DARK = "DARK"


class NeverAllowed(BasePermission):
    message = "the secret is not yours"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Point:
    tenure_day: int
    mean_seconds: float
    shade: Shade
    day: date
    note: str | None
    secret: int = strawberry.field(default=7, permission_classes=[NeverAllowed])

    @strawberry.field
    def doubled(self) -> int:
        return 2 * self.tenure_day


@strawberry.type
class Quality:
    accuracy: float | None


@strawberry.type
class Curve:
    labeler_id: strawberry.ID
    quality: Quality | None
    points: list[Point]
    guarded: Quality | None = strawberry.field(default=None, permission_classes=[NeverAllowed])


def _point(tenure_day: Any, mean_seconds: float = 30.0) -> Point:
    return Point(tenure_day=tenure_day, mean_seconds=mean_seconds, shade=Shade.LIGHT, day=date(2024, 6, 3), note=None)


@strawberry.type
class Query:
    @strawberry.field
    def curves(self) -> list[Curve]:
        return [
            Curve(labeler_id=strawberry.ID("7"), quality=Quality(accuracy=0.9), points=[_point(0, 41.5), _point(1)]),
            Curve(labeler_id=strawberry.ID("8"), quality=None, points=[]),
            Curve(labeler_id=strawberry.ID("9"), quality=Quality(accuracy=None), points=[_point(3)]),
        ]

    @strawberry.field
    def broken_curves(self) -> list[Curve | None]:
        # Two levels down: a point's null tenure day nulls the point, which nulls its curve's non-null list, which
        # nulls the curve; a refused value does the same in the other curve.
        missing: Any = None
        refused: Any = "seven"
        return [
            Curve(labeler_id=strawberry.ID("7"), quality=None, points=[_point(0), _point(missing)]),
            Curve(labeler_id=strawberry.ID("8"), quality=None, points=[_point(refused)]),
            Curve(labeler_id=strawberry.ID("9"), quality=None, points=[_point(2)]),
        ]

    @strawberry.field
    def stray_null(self) -> Curve:
        stray: Any = None  # in a list of non-null points
        return Curve(labeler_id=strawberry.ID("9"), quality=None, points=[_point(2), stray])

    @strawberry.field
    def sparse_curves(self) -> list[Curve | None]:
        return [None, Curve(labeler_id=strawberry.ID("9"), quality=None, points=[_point(2)]), None]

    @strawberry.field
    def points(self) -> list[Point]:
        return [
            Point(tenure_day=0, mean_seconds=41.5, shade=Shade.DARK, day=date(2024, 6, 1), note=None),
            Point(tenure_day=1, mean_seconds=40.0, shade=Shade.LIGHT, day=date(2024, 6, 2), note="late"),
        ]

    @strawberry.field
    def broken(self) -> list[Point | None]:
        # A null for a non-null field, and a value Int refuses: errors, not silently passed on (each nulls its
        # own item, so both are reported).
        missing: Any = None
        refused: Any = "seven"
        return [
            Point(tenure_day=missing, mean_seconds=1.0, shade=Shade.DARK, day=date(2024, 6, 1), note=None),
            Point(tenure_day=refused, mean_seconds=1.0, shade=Shade.DARK, day=date(2024, 6, 1), note=None),
        ]


QUERY = """
query($withNote: Boolean!) {
  points {
    __typename
    tenureDay
    t: tenureDay
    meanSeconds
    shade
    day
    note @include(if: $withNote)
    ...Twice
  }
  plain: points { tenureDay meanSeconds }
}
fragment Twice on Point { doubled }
"""


def _both(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
    general = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)
    direct = strawberry.Schema(query=Query, execution_context_class=DirectLeafExecutionContext)
    return general.execute_sync(query, variables), direct.execute_sync(query, variables)


def test_direct_reads_answer_as_the_general_execution() -> None:
    for with_note in (True, False):
        general, direct = _both(QUERY, {"withNote": with_note})
        assert general.errors is None and direct.errors is None
        assert direct.data == general.data
    assert direct.data is not None and direct.data["plain"][1] == {"tenureDay": 1, "meanSeconds": 40.0}


def test_a_missing_or_refused_value_is_the_same_error_at_the_same_path() -> None:
    for selection in ("broken { tenureDay meanSeconds }", "broken { tenureDay doubled }"):
        general, direct = _both(f"{{ {selection} }}")
        assert general.errors and len(general.errors) == 2
        assert direct.data == general.data == {"broken": [None, None]}
        assert [(error.message, error.path) for error in direct.errors] == [
            (error.message, error.path) for error in general.errors
        ]


def test_a_field_guarded_by_a_permission_is_never_read_directly() -> None:
    # Strawberry marks a resolver-less field wrapped by permission classes as "default" too: read directly, its
    # value would pass unchecked.
    for selection in ("points { secret }", "points { tenureDay secret }"):
        general, direct = _both(f"{{ {selection} }}")
        assert direct.errors and [error.message for error in direct.errors] == ["the secret is not yours"]
        assert [(error.message, error.path) for error in direct.errors] == [
            (error.message, error.path) for error in general.errors or []
        ]
        assert direct.data == general.data is None


def test_the_api_executes_with_direct_reads() -> None:
    assert api_schema.execution_context_class is DirectLeafExecutionContext


CURVES = "{ curves { labelerId quality { accuracy } points { tenureDay meanSeconds shade day } } }"


class _CountingObjects(DirectLeafExecutionContext):
    """Counts the objects completed one by one (the general way)."""

    completed: list[str] = []

    def complete_object_value(self, return_type: Any, *args: Any, **kwargs: Any) -> Any:
        self.completed.append(return_type.name)
        return super().complete_object_value(return_type, *args, **kwargs)


def test_a_list_of_plain_objects_is_completed_in_one_pass() -> None:
    general, direct = _both(CURVES)
    assert general.errors is None and direct.errors is None
    assert direct.data == general.data
    assert direct.data is not None and direct.data["curves"][0]["points"][0] == {
        "tenureDay": 0,
        "meanSeconds": 41.5,
        "shade": "LIGHT",
        "day": "2024-06-03",
    }
    _CountingObjects.completed = []
    counted = strawberry.Schema(query=Query, execution_context_class=_CountingObjects).execute_sync(CURVES)
    assert counted.data == general.data
    assert _CountingObjects.completed == []  # no curve, quality or point object completed one by one


def test_lists_with_nulls_or_unusual_selections_answer_as_the_general_execution() -> None:
    for selection in (
        "sparseCurves { labelerId points { tenureDay } }",
        "curves { __typename labelerId }",
        "curves { labelerId points { ...P } } } fragment P on Point { tenureDay doubled",
        "curves { labelerId quality { accuracy } q: quality { accuracy } }",
    ):
        general, direct = _both(f"{{ {selection} }}")
        assert general.errors is None and direct.errors is None, selection
        assert direct.data == general.data, selection


def test_a_missing_or_refused_value_in_a_nested_list_is_the_same_error_at_the_same_path() -> None:
    general, direct = _both("{ brokenCurves { labelerId points { tenureDay meanSeconds } } }")
    assert general.errors and len(general.errors) == 2
    assert direct.data == general.data
    assert general.data is not None and general.data["brokenCurves"][:2] == [None, None]
    assert [(error.message, error.path) for error in direct.errors or []] == [
        (error.message, error.path) for error in general.errors
    ]
    general, direct = _both("{ strayNull { labelerId points { tenureDay } } }")
    assert general.errors and [error.path for error in general.errors] == [["strayNull", "points", 1]]
    assert [(error.message, error.path) for error in direct.errors or []] == [
        (error.message, error.path) for error in general.errors
    ]
    assert direct.data == general.data


def test_a_guarded_field_inside_a_list_is_never_read_directly() -> None:
    general, direct = _both("{ curves { labelerId guarded { accuracy } } }")
    assert direct.errors and {error.message for error in direct.errors} == {"the secret is not yours"}
    assert [(error.message, error.path) for error in direct.errors] == [
        (error.message, error.path) for error in general.errors or []
    ]
    assert direct.data == general.data


# --- relay node ids -----------------------------------------------------------------------------------------------


@strawberry.type
class Fruit(relay.Node):
    code: relay.NodeID[int]
    name: str


@strawberry.type
class Coded(relay.Node):
    """Its id is not its NodeID attribute: `resolve_id` is its own."""

    code: relay.NodeID[int]

    @classmethod
    def resolve_id(cls, root: Coded, *, info: Any) -> str:
        return f"c{root.code}"


@strawberry.type
class Renamed(relay.Node):
    """Its type name in ids is its own."""

    code: relay.NodeID[int]

    @classmethod
    def resolve_typename(cls, root: Renamed, info: Any) -> str:
        return "Other"


@strawberry.type
class NodeQuery:
    @strawberry.field
    def fruits(self) -> list[Fruit]:
        return [Fruit(code=1, name="apple"), Fruit(code=22, name="pear")]

    @strawberry.field
    def coded(self) -> list[Coded]:
        return [Coded(code=3)]

    @strawberry.field
    def renamed(self) -> list[Renamed]:
        return [Renamed(code=4)]

    @strawberry.field
    def impostors(self) -> list[Fruit]:
        impostor: Any = SimpleNamespace(code=6, name="rock")  # not a Fruit: the type's own check refuses it
        return [Fruit(code=5, name="fig"), impostor]

    @strawberry.field
    def missing_code(self) -> list[Fruit]:
        code: Any = None
        return [Fruit(code=5, name="fig"), Fruit(code=code, name="nut")]


NODES = "{ fruits { id name } coded { id } renamed { id } one: fruits { id } }"


def test_relay_ids_are_read_directly_and_answer_as_the_general_execution() -> None:
    general = strawberry.Schema(query=NodeQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext)
    direct = strawberry.Schema(query=NodeQuery, execution_context_class=DirectLeafExecutionContext)
    expected, answered = general.execute_sync(NODES), direct.execute_sync(NODES)
    assert expected.errors is None and answered.errors is None
    assert answered.data == expected.data
    assert answered.data is not None
    assert [relay.GlobalID.from_id(f["id"]) for f in answered.data["fruits"]] == [
        relay.GlobalID("Fruit", "1"),
        relay.GlobalID("Fruit", "22"),
    ]
    # a class with its own resolve_id or resolve_typename keeps it
    assert relay.GlobalID.from_id(answered.data["coded"][0]["id"]) == relay.GlobalID("Coded", "c3")
    assert relay.GlobalID.from_id(answered.data["renamed"][0]["id"]) == relay.GlobalID("Other", "4")
    # and a list of plain nodes is completed in one pass, their ids included
    _CountingObjects.completed = []
    counted = strawberry.Schema(query=NodeQuery, execution_context_class=_CountingObjects).execute_sync(
        "{ fruits { id name } }"
    )
    assert counted.data == {"fruits": expected.data["fruits"]}
    assert _CountingObjects.completed == []


@pytest.mark.parametrize("query", ["{ missingCode { id name } }", "{ impostors { name } }"])
def test_a_node_without_its_id_or_of_another_type_is_the_same_error_at_the_same_path(query: str) -> None:
    general = strawberry.Schema(query=NodeQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext)
    direct = strawberry.Schema(query=NodeQuery, execution_context_class=DirectLeafExecutionContext)
    expected, answered = general.execute_sync(query), direct.execute_sync(query)
    assert answered.data == expected.data
    assert expected.errors and answered.errors
    assert [(e.message, e.path) for e in answered.errors] == [(e.message, e.path) for e in expected.errors]
