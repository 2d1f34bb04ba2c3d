"""Mutations declare their write rule where they are defined; one declared otherwise keeps the schema from building,
so no mutation is ever served without a rule."""

from __future__ import annotations

import importlib

import pytest
import strawberry

from server.auth import permissions

# The module (the package re-exports its `schema` object under the same name).
schema_module = importlib.import_module("server.graphql.schema")


@strawberry.type
class _Undeclared:
    @strawberry.mutation
    async def open_door(self) -> bool:
        return True


def test_given_a_mutation_without_a_write_rule_when_building_the_schema_then_it_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schema_module, "MUTATION_TYPES", (*schema_module.MUTATION_TYPES, _Undeclared))

    with pytest.raises(TypeError, match=r"mutations without a write rule .*\['open_door'\]"):
        schema_module.build_schema()


def test_given_a_mutation_declared_with_its_rule_then_the_schema_builds_and_the_rule_is_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(permissions, "MUTATION_ROLES", dict(permissions.MUTATION_ROLES))

    @strawberry.type
    class Declared:
        @permissions.mutation(permissions.PROGRAM_MANAGERS, description="A mutation with its rule.")
        async def closed_door(self) -> bool:
            return True

    monkeypatch.setattr(schema_module, "MUTATION_TYPES", (*schema_module.MUTATION_TYPES, Declared))

    built = schema_module.build_schema()

    assert "closedDoor" in built._schema.mutation_type.fields  # type: ignore[union-attr]
    assert permissions.MUTATION_ROLES["closedDoor"] is permissions.PROGRAM_MANAGERS
