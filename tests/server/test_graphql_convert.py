"""The one converter from service results to GraphQL types: name checks at declaration, shaping by field type."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, is_dataclass
from datetime import date

import pytest
import strawberry
from strawberry import relay

import server.graphql.schema  # noqa: F401  (declares every mirrored type)
from server.graphql import convert
from server.graphql.convert import from_service, mirrored_types, mirrors
from server.graphql.ids import encode_id


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


GqlColour = strawberry.enum(Colour, name="TestColour")


@strawberry.enum(name="TestShade")
class Shade(enum.Enum):
    LIGHT = "LIGHT"
    DARK = "DARK"


@dataclass(frozen=True)
class Point:
    day: str
    value: float


@dataclass(frozen=True)
class Series:
    labeler_id: int
    owner_id: int | None
    points: tuple[Point, ...]
    best: Point | None
    colour: Colour
    shade: str
    observed: float
    tags: tuple[str, ...]
    secret: str

    @property
    def size(self) -> int:
        return len(self.points)


@mirrors(Point)
@strawberry.type(name="TestPoint")
class PointType:
    day: date
    value: float


@mirrors(
    Series,
    ids={"labeler_id": "Labeler", "owner_id": "User"},
    renames={"observed_share": "observed"},
    computed={"doubled": lambda series: series.observed * 2},
    given=["note"],
)
@strawberry.type(name="TestSeries")
class SeriesType:
    labeler_id: strawberry.ID
    owner_id: relay.GlobalID | None
    points: list[PointType]
    best: PointType | None
    colour: GqlColour  # type: ignore[valid-type]
    shade: Shade
    observed_share: float
    doubled: float
    tags: list[str]
    size: int
    note: str


def _series(owner_id: int | None = 7, best: Point | None = None) -> Series:
    points = (Point("2024-03-01", 1.5), Point("2024-03-02", 2.5))
    return Series(3, owner_id, points, best, Colour.BLUE, "DARK", 0.25, ("a", "b"), "hidden")


def test_fields_are_copied_and_shaped_by_their_graphql_type() -> None:
    # given a service value with tuples, ISO days, keys, a service enum and an enum's value
    value = _series(best=Point("2024-03-05", 9.0))
    # when it is converted
    result = from_service(SeriesType, value, note="given")
    # then every field is shaped as its GraphQL type says
    assert result.labeler_id == encode_id("Labeler", 3)
    assert result.owner_id == relay.GlobalID("User", "7")
    assert [(p.day, p.value) for p in result.points] == [(date(2024, 3, 1), 1.5), (date(2024, 3, 2), 2.5)]
    assert isinstance(result.points, list) and isinstance(result.points[0], PointType)
    assert result.best is not None and result.best.day == date(2024, 3, 5)
    assert result.colour is Colour.BLUE
    assert result.shade is Shade.DARK
    assert result.observed_share == 0.25
    assert result.doubled == 0.5
    assert result.tags == ["a", "b"]
    assert result.size == 2
    assert result.note == "given"


def test_nulls_stay_null_in_optional_fields() -> None:
    result = from_service(SeriesType, _series(owner_id=None, best=None), note="")
    assert result.owner_id is None
    assert result.best is None


def test_a_field_the_source_lacks_fails_when_the_type_is_declared() -> None:
    # given a service dataclass whose field was renamed (observed -> observed_ratio)
    @dataclass(frozen=True)
    class Renamed:
        observed_ratio: float

    # when a GraphQL type still reads the old name, then declaring it fails, naming both sides
    with pytest.raises(TypeError, match=r"Stale\.observed reads Renamed\.observed, which does not exist"):

        @mirrors(Renamed)
        @strawberry.type(name="TestStale")
        class Stale:
            observed: float


def test_an_override_naming_no_field_fails() -> None:
    with pytest.raises(TypeError, match=r"Typo has no field valu \(named in renames\)"):

        @mirrors(Point, renames={"valu": "value"})
        @strawberry.type(name="TestTypo")
        class Typo:
            day: date
            value: float


def test_mirrors_goes_above_strawberry_type() -> None:
    with pytest.raises(TypeError, match="is not a Strawberry type"):
        mirrors(Point)(Point)


@strawberry.type(name="TestBare")
class Bare:
    day: date
    value: float


@mirrors(Series)
@strawberry.type(name="TestNested")
class Nested:
    points: list[Bare]


def test_a_nested_type_not_declared_fails_at_first_use() -> None:
    with pytest.raises(TypeError, match=r"Nested\.points is a Bare, which is not declared with @mirrors"):
        from_service(Nested, _series())


def test_every_mirrored_type_of_the_schema_matches_its_source() -> None:
    # the API's mirrored types: each reads only attributes its source has, and every plan builds (nested types
    # declared, ids on ID fields), so no conversion fails or answers null on first use in a request
    declared = {
        gql_type: mirror for gql_type, mirror in mirrored_types().items() if gql_type.__module__.startswith("server.")
    }
    assert len(declared) >= 40
    for gql_type, mirror in declared.items():
        convert._check(gql_type, mirror)
        assert convert._plan(gql_type)
        if is_dataclass(mirror.source):
            names = {field.name for field in fields(mirror.source)}
            for name in (f.python_name for f in gql_type.__strawberry_definition__.fields):
                if name not in mirror.computed and name not in mirror.given:
                    attribute = mirror.attribute(name)
                    assert attribute in names or hasattr(mirror.source, attribute), (gql_type, attribute)


def test_no_mirrored_type_keeps_a_hand_written_copy() -> None:
    server_types = [gql_type for gql_type in mirrored_types() if gql_type.__module__.startswith("server.")]
    assert [gql_type.__name__ for gql_type in server_types if "of" in vars(gql_type)] == []


def test_a_field_type_strawberry_cannot_resolve_fails_at_first_use() -> None:
    @strawberry.type(name="TestLocal")
    class Local:
        value: float

    @mirrors(Series)
    @strawberry.type(name="TestHoldsLocal")
    class HoldsLocal:
        best: Local | None

    with pytest.raises(TypeError, match=r"the type of HoldsLocal\.best cannot be resolved"):
        from_service(HoldsLocal, _series())
