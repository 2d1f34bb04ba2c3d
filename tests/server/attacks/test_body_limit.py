"""Huge request bodies from authenticated callers: any key (a labeler's too) could POST hundreds of megabytes to
`/graphql`, which the server read into memory whole. Against a live server with small limits: a body at the
caller's limit is answered, one byte over is a 413 with a JSON error, whether the length is declared or the body
is chunked; a declared length over the limit is refused before the body is sent, and a chunked body as soon as it
passes the limit; admins may send more (`importHistory` content); the server keeps answering throughout."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from server.db import Database
from server.settings import load_settings
from tests.server.access_world import AccessWorld, build_access_world
from tests.server.attacks.live import serving
from tests.server.attacks.probe import probe_beside

# Small enough that each refused request below reaches the server in one piece: the server closes the connection
# after a 413, and bytes still arriving then would reset it before the client reads the answer.
LIMIT = 8_192
ADMIN_LIMIT = 32_768
VIEWER = "{ viewer { role } }"
IMPORT = """
mutation($input: ImportHistoryInput!) {
  importHistory(input: $input) { __typename ... on ImportHistoryPayload { rows dryRun } }
}
"""
CSV_MAPPING = 'task = "item"\nlabeler = "worker"\nsubmitted_at = "done"\nseconds = "secs"\nanswer = ["label"]\n'


@pytest.fixture
async def world(database: Database) -> AccessWorld:
    return await build_access_world(database)


@pytest.fixture
async def base_url(database: Database, world: AccessWorld) -> AsyncIterator[str]:
    async with serving(database, max_body_bytes=LIMIT, admin_max_body_bytes=ADMIN_LIMIT) as url:
        yield url


def _padded(size: int, query: str = VIEWER) -> bytes:
    """A GraphQL request of exactly `size` bytes: JSON allows any amount of trailing whitespace."""
    body = json.dumps({"query": query}).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


async def _chunks(body: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _too_large(limit: int) -> tuple[int, dict[str, Any]]:
    error = {"message": f"request body larger than {limit} bytes", "extensions": {"code": "BODY_TOO_LARGE"}}
    return 413, {"errors": [error]}


def _sized(role: str, world: AccessWorld, body: bytes) -> dict[str, str]:
    return {**world.headers(role), "Content-Type": "application/json", "Content-Length": str(len(body))}


def _chunked(role: str, world: AccessWorld) -> dict[str, str]:
    return {**world.headers(role), "Content-Type": "application/json", "Transfer-Encoding": "chunked"}


async def test_a_labelers_body_at_the_limit_is_answered_and_one_byte_over_is_refused(
    base_url: str, world: AccessWorld
) -> None:
    at_limit, over = _padded(LIMIT), _padded(LIMIT + 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        answered = await client.post("/graphql", content=at_limit, headers=_sized("labeler", world, at_limit))

    refused = await _raw_post(base_url, _sized("labeler", world, over), over)

    assert answered.status_code == 200 and answered.json()["data"]["viewer"]["role"] == "LABELER", answered.text
    assert refused == _too_large(LIMIT)


async def test_chunked_bodies_without_a_length_are_held_to_the_same_limit(base_url: str, world: AccessWorld) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        json_type = {**world.headers("labeler"), "Content-Type": "application/json"}
        answered = await client.post("/graphql", content=_chunks(_padded(LIMIT)), headers=json_type)
    over = b"".join([_chunk(_padded(LIMIT + 1)[:4096]), _chunk(_padded(LIMIT + 1)[4096:]), b"0\r\n\r\n"])

    refused = await _raw_post(base_url, _chunked("labeler", world), over)

    assert "content-length" not in answered.request.headers
    assert answered.request.headers["transfer-encoding"] == "chunked"
    assert answered.status_code == 200 and answered.json()["data"]["viewer"]["role"] == "LABELER", answered.text
    assert refused == _too_large(LIMIT)


async def test_an_admin_may_send_an_export_over_the_general_limit_up_to_the_admin_limit(
    base_url: str, world: AccessWorld
) -> None:
    rows = "".join(f"t{number},w1,2026-03-02T09:00:00Z,12,cat\n" for number in range(400))
    content = "item,worker,done,secs,label\n" + rows
    variables = {
        "input": {
            "format": "CSV",
            "projectId": world.gid("Project", "p1"),
            "content": content,
            "mapping": CSV_MAPPING,
            "dryRun": True,
        }
    }
    export = json.dumps({"query": IMPORT, "variables": variables}).encode()
    assert LIMIT < len(export) <= ADMIN_LIMIT
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        by_admin = await client.post("/graphql", content=export, headers=_sized("admin", world, export))

    by_labeler = await _raw_post(base_url, _sized("labeler", world, export), export)
    over = _padded(ADMIN_LIMIT + 1)
    admin_over = await _raw_post(base_url, _chunked("admin", world), _chunk(over) + b"0\r\n\r\n")

    imported = by_admin.json()["data"]["importHistory"]
    assert imported == {"__typename": "ImportHistoryPayload", "rows": 400, "dryRun": True}
    assert by_labeler == _too_large(LIMIT)
    assert admin_over == _too_large(ADMIN_LIMIT)


async def _raw_post(base_url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    """Send a POST's head and `body` in one write (only the start of the body the head announces, if so), then read
    the answer while the connection stays open: (status, JSON body). Times out if the server waits for the rest."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST /graphql HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode() + body)
        await writer.drain()
        answer_head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        status_line, *fields = answer_head.decode("latin-1").split("\r\n")
        length = next(int(field.split(":")[1]) for field in fields if field.lower().startswith("content-length:"))
        answer = await asyncio.wait_for(reader.readexactly(length), timeout=5)
    finally:
        writer.close()
    return int(status_line.split()[1]), json.loads(answer)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    base_url: str, world: AccessWorld
) -> None:
    declared = {**world.headers("labeler"), "Content-Type": "application/json", "Content-Length": str(10**9)}

    refused = await _raw_post(base_url, declared, b'{"query": "')
    anonymous, _ = await _raw_post(base_url, {"Content-Length": str(10**9)}, b"")

    assert refused == _too_large(LIMIT)
    assert anonymous == 401  # no key: refused before the body, as before


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(base_url: str, world: AccessWorld) -> None:
    first = b'{"query": "' + b"x" * 4000
    # One byte past the limit and no terminating chunk: a server waiting for the end of the body never answers.
    stream = _chunk(first) + _chunk(b"x" * (LIMIT + 1 - len(first)))

    refused = await _raw_post(base_url, _chunked("labeler", world), stream)

    assert refused == _too_large(LIMIT)


async def test_the_server_keeps_answering_while_oversized_bodies_are_refused(base_url: str, world: AccessWorld) -> None:
    declared = {**world.headers("labeler"), "Content-Type": "application/json", "Content-Length": str(500 * 2**20)}
    over = _chunk(b"x" * (LIMIT + 1))

    async def attack() -> list[tuple[int, dict[str, Any]]]:
        sends = [_raw_post(base_url, declared, b"x" * 4096) for _ in range(10)]
        sends += [_raw_post(base_url, _chunked("pm", world), over) for _ in range(10)]
        return list(await asyncio.gather(*sends))

    answers, report = await probe_beside(base_url, attack())
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=world.headers("labeler")) as client:
        after = await client.post("/graphql", json={"query": VIEWER})

    assert answers == [_too_large(LIMIT)] * 20
    assert report.max_latency < 0.5, report
    assert after.status_code == 200 and after.json()["data"]["viewer"]["role"] == "LABELER"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("LABELOPS_MAX_BODY", "4MB", "LABELOPS_MAX_BODY must be a positive whole number of bytes, got '4MB'"),
        ("LABELOPS_MAX_BODY", "0", "LABELOPS_MAX_BODY must be a positive whole number of bytes, got '0'"),
        ("LABELOPS_ADMIN_MAX_BODY", "-5", "LABELOPS_ADMIN_MAX_BODY must be a positive whole number of bytes, got '-5'"),
        (
            "LABELOPS_ADMIN_MAX_BODY",
            "1000",
            r"LABELOPS_ADMIN_MAX_BODY must be at least LABELOPS_MAX_BODY \(4194304\), got 1000",
        ),
    ],
)
def test_a_bad_body_limit_is_refused_at_startup_naming_the_setting_and_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: Any
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=said):
        load_settings()


def test_body_limits_default_to_4_mib_and_256_mib_and_read_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    monkeypatch.setenv("LABELOPS_MAX_BODY", "1000000")
    monkeypatch.setenv("LABELOPS_ADMIN_MAX_BODY", " 2000000 ")
    configured = load_settings()

    assert (defaults.max_body_bytes, defaults.admin_max_body_bytes) == (4 * 2**20, 256 * 2**20)
    assert (configured.max_body_bytes, configured.admin_max_body_bytes) == (1_000_000, 2_000_000)
