"""The access policy names every mutation and every node type the schema exposes.

A mutation missing from the policy is admin-only, and an id type missing from the node map is refused for
everyone but admins: both fail closed, so a renamed mutation would silently lock managers out.
"""

from __future__ import annotations

from graphql import GraphQLObjectType

from server.auth.permissions import MUTATION_ROLES, NODE_MODELS
from server.graphql.schema import schema


def test_every_mutation_has_an_access_rule() -> None:
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None

    missing = sorted(set(mutation_type.fields) - set(MUTATION_ROLES))
    stale = sorted(set(MUTATION_ROLES) - set(mutation_type.fields))

    assert missing == [], f"mutations without an access rule: {missing}"
    assert stale == [], f"access rules for mutations that do not exist: {stale}"


def test_every_node_type_maps_to_a_model() -> None:
    node_types = {
        name
        for name, graphql_type in schema._schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType)
        and any(interface.name == "Node" for interface in graphql_type.interfaces)
    }

    assert node_types, "the schema exposes no Node types"
    assert node_types <= set(NODE_MODELS), f"node types without a model: {sorted(node_types - set(NODE_MODELS))}"
