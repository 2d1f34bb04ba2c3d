"""Query-shape attacks against a live server: fragment explosions, nested lists, oversized id lists.

Each is refused at validation with a typed error, in time linear in the document, while a /health probe beside
it keeps answering (a stalled probe means the attack held the event loop)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.attacks.served import MAX_PROBE_SECONDS, Served, served_world


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_world(tmp_path_factory.mktemp("query_limits")) as value:
        yield value


def fragment_explosion(levels: int, body: str = "role") -> str:
    """`levels` fragments, each spreading the next twice: under 1 KB at 20 levels, 2^levels selections expanded."""
    fragments = [f"fragment F{i} on Viewer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels - 1)]
    fragments.append(f"fragment F{levels - 1} on Viewer {{ {body} }}")
    return "query { viewer { ...F0 } }\n" + "\n".join(fragments)


@pytest.mark.parametrize("levels", [20, 25, 40])
async def test_given_nested_fragments_spreading_twice_when_sent_then_refused_while_health_answers(
    served: Served, levels: int
) -> None:
    query = fragment_explosion(levels)
    assert levels > 20 or len(query) < 1024
    answer, probe = await served.post_beside_probe(query)
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] >= 2 ** (levels - 1)
    assert probe.max_latency < MAX_PROBE_SECONDS, probe


async def test_given_nested_fragments_with_aliases_when_sent_then_the_aliases_are_counted_expanded(
    served: Served,
) -> None:
    answer, probe = await served.post_beside_probe(fragment_explosion(30, body="a: role b: role"))
    codes = {error.get("extensions", {}).get("code") for error in answer["errors"]}
    aliases = next(e for e in answer["errors"] if e.get("extensions", {}).get("code") == "TOO_MANY_ALIASES")
    assert {"TOO_MANY_ALIASES", "QUERY_TOO_COSTLY"} <= codes
    assert aliases["extensions"]["aliases"] == 2**30
    assert probe.max_latency < MAX_PROBE_SECONDS, probe


async def test_given_fragments_nesting_deeper_when_sent_then_the_depth_is_measured_through_them(
    served: Served,
) -> None:
    levels = 14
    fragments = [f"fragment D{i} on Vendor {{ projects {{ vendors {{ ...D{i + 1} }} }} }}" for i in range(levels)]
    fragments.append(f"fragment D{levels} on Vendor {{ id }}")
    query = "{ vendors(first: 1) { edges { node { ...D0 } } } }\n" + "\n".join(fragments)
    answer, _ = await served.post_beside_probe(query)
    deep = next(e for e in answer["errors"] if e.get("extensions", {}).get("code") == "QUERY_TOO_DEEP")
    assert "depth" in deep["message"] and deep["extensions"]["depth"] == 3 + 2 * levels


NESTED_LISTS = "vendors(first: 100) { edges { node { projects { vendors { projects { vendors { id name } } } } } } }"


async def test_given_aliases_of_nested_plain_lists_when_sent_then_refused_as_too_costly(served: Served) -> None:
    query = "{ " + " ".join(f"a{i}: {NESTED_LISTS}" for i in range(29)) + " }"
    answer, probe = await served.post_beside_probe(query)
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "data" not in answer or answer["data"] is None
    assert probe.max_latency < MAX_PROBE_SECONDS, probe


async def test_given_a_plain_list_of_objects_when_costed_then_it_multiplies_like_a_default_page(served: Served) -> None:
    # vendors(first: 2): 1 + 2 * (edges 1 + node 1 + projects (1 + 50 * (vendors (1 + 50 * (id 1 + name 1)))))
    query = "{ vendors(first: 2) { edges { node { projects { vendors { id name } } } } } }"
    answer, _ = await served.post_beside_probe(query)
    assert "errors" not in answer, answer
    one_level_deeper = "{ vendors(first: 2) { edges { node { projects { vendors { projects { id } } } } } } }"
    refused, _ = await served.post_beside_probe(one_level_deeper)
    error = refused["errors"][0]
    assert error["extensions"]["cost"] == 1 + 2 * (2 + 1 + 50 * (1 + 50 * (1 + 50 * 1)))


async def test_given_more_ids_than_a_page_when_nodes_is_asked_then_a_typed_error_names_ids(served: Served) -> None:
    ids = [served.world.gid("Task", "t1")] * 42_000
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    answer, probe = await served.post_beside_probe(query, {"ids": ids})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION_FAILED" and error["extensions"]["field"] == "ids"
    assert "42000" in error["message"] and "100" in error["message"]
    assert probe.max_latency < MAX_PROBE_SECONDS, probe
    literal = "{ nodes(ids: [" + ", ".join(f'"{served.world.gid("Task", "t1")}"' for _ in range(101)) + "]) { id } }"
    answer, _ = await served.post_beside_probe(literal)
    assert answer["errors"][0]["extensions"]["field"] == "ids"


async def test_given_a_page_of_ids_when_nodes_is_asked_then_every_node_comes_back(served: Served) -> None:
    task = served.world.gid("Task", "t1")
    answer, _ = await served.post_beside_probe("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [task] * 100})
    assert answer["data"]["nodes"] == [{"id": task}] * 100
