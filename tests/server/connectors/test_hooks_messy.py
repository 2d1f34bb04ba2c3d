"""The webhook receivers given what the tools' documentation does not promise: events out of order, bodies declared
as something other than JSON, and values the importer refuses. Answers are clear 4xx (never a 500 or a stack
trace), and the labels stored are those of the newest version the tool sent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.db import Database
from server.db.enums import LabelStatus, ReviewVerdict
from server.db.models import Label, Review
from tests.server.access_world import gid
from tests.server.conftest import http_client
from tests.server.connectors.hooks_world import (
    annotation,
    create_connector,
    labelbox_label,
    labelbox_request,
    labelstudio_body,
    labelstudio_headers,
    stored_labels,
)
from tests.server.connectors.world import make_project, run_import

pytestmark = pytest.mark.database


async def _connector(
    database: Database, client: httpx.AsyncClient, headers: dict[str, str], source: str
) -> tuple[str, str]:
    project = gid("Project", await make_project(database))
    _, path, secret = await create_connector(client, headers, name=f"{source} live", source=source, projectId=project)
    return path, secret


async def test_given_a_label_studio_creation_after_its_update_then_the_updated_annotation_stays(
    database: Database, api_headers: dict[str, str]
) -> None:
    updated = labelstudio_body("ANNOTATION_UPDATED", annotation=annotation(choice="negative", lead_time=20.0))
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELSTUDIO")
        first = await client.post(path, content=updated, headers=labelstudio_headers(secret))
        late = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        again = await client.post(path, content=updated, headers=labelstudio_headers(secret))

    assert (first.status_code, first.json()["created"]) == (200, 1)
    assert (late.status_code, late.json()["updated"], late.json()["skipped"]) == (200, 0, 1)
    assert late.json()["reasons"] == ["label 501 is stored in a newer version: a creation does not replace it"]
    assert (again.status_code, again.json()["unchanged"]) == (200, 1)
    assert await stored_labels(database) == [("501", {"sentiment": "negative"}, 20.0)]


async def test_given_a_labelbox_creation_after_its_update_then_the_updated_label_stays(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELBOX")
        for topic, answer in (("LABEL_UPDATED", "dog"), ("LABEL_CREATED", "cat")):
            body, headers = labelbox_request(secret, topic, labelbox_label(answer=answer))
            response = await client.post(path, content=body, headers=headers)

    assert (response.status_code, response.json()["skipped"]) == (200, 1)
    assert await stored_labels(database) == [("lbl-1", {"animal": "dog"}, 30.0)]


async def test_given_events_out_of_order_then_the_labels_equal_an_import_of_the_final_export(
    database: Database, api_headers: dict[str, str]
) -> None:
    final = annotation(choice="negative", lead_time=20.0)
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELSTUDIO")
        for body in (
            labelstudio_body("ANNOTATION_UPDATED", annotation=final),
            labelstudio_body("ANNOTATIONS_DELETED", annotations=[{"id": 501}]),
            labelstudio_body(),  # the creation, redelivered late
        ):
            await client.post(path, content=body, headers=labelstudio_headers(secret))
    delivered = await stored_labels(database)
    task = json.loads(labelstudio_body())["task"]

    report = await run_import(database, "labelstudio", [{**task, "annotations": [final]}])

    assert (report.unchanged, report.updated) == (1, 0)
    assert delivered == await stored_labels(database) == [("501", {"sentiment": "negative"}, 20.0)]


async def test_given_a_declared_content_type_then_only_json_is_read(
    database: Database, api_headers: dict[str, str]
) -> None:
    declared = [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-8",
        None,
        "application/vnd.api+json",
        "text/plain+json",
    ]
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELSTUDIO")
        answers = []
        for content_type in declared:
            headers = {"Authorization": f"Token {secret}"}
            if content_type is not None:
                headers["Content-Type"] = content_type
            response = await client.post(path, content=labelstudio_body(), headers=headers)
            answers.append((response.status_code, response.json().get("error")))

    assert answers == [
        (415, "Content-Type must be application/json, got 'text/plain'"),
        (415, "Content-Type must be application/json, got 'application/x-www-form-urlencoded'"),
        (200, None),
        (200, None),  # some senders leave the header out
        (200, None),  # an application/...+json type
        (415, "Content-Type must be application/json, got 'text/plain+json'"),
    ]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"lead_time": 1e300}, "task 42 annotation 501: lead_time must be a number of seconds from 0 to 31622400"),
        ({"created_at": "0001-01-01T00:00:00Z"}, "task 42 annotation 501: '0001-01-01T00:00:00Z' is before 1970"),
        ({"completed_by": "a\x00b"}, "labeler id 'a\\x00b' holds a NUL character"),
        ({"completed_by": "u" * 201}, "labeler id 'uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu'... is longer than 200"),
    ],
)
async def test_given_an_annotation_with_values_the_importer_refuses_then_422_not_500(
    database: Database, api_headers: dict[str, str], changes: dict[str, Any], error: str
) -> None:
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELSTUDIO")
        body = labelstudio_body(annotation={**annotation(), **changes})
        response = await client.post(path, content=body, headers=labelstudio_headers(secret))

    assert response.status_code == 422
    assert response.json()["error"].startswith(error)
    assert await stored_labels(database) == []


async def test_given_a_task_with_a_lone_surrogate_in_its_data_then_the_annotation_is_imported(
    database: Database, api_headers: dict[str, str]
) -> None:
    body = labelstudio_body().replace(b'"great"', b'"gr\\ud800eat"')
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELSTUDIO")
        response = await client.post(path, content=body, headers=labelstudio_headers(secret))

    assert (response.status_code, response.json()["created"]) == (200, 1)


async def test_given_a_labelbox_row_of_the_wrong_shape_then_422_naming_the_field(
    database: Database, api_headers: dict[str, str]
) -> None:
    row = {"data_row": {"id": "dr-1"}, "projects": {"lb-proj": "oops"}}
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELBOX")
        body, headers = labelbox_request(secret, "LABEL_CREATED", row)
        response = await client.post(path, content=body, headers=headers)

    assert (response.status_code, response.json()["error"]) == (
        422,
        "data row dr-1: `projects.lb-proj` is not an object",
    )


async def test_given_a_review_creation_after_its_update_then_the_updated_verdict_stays(
    database: Database, api_headers: dict[str, str]
) -> None:
    review = {"id": "rev-1", "label": {"id": "lbl-1"}, "created_by": "rita@example.com", "project": {"id": "lb-proj"}}
    updated = {**review, "score": -1, "created_at": "2026-03-02T12:00:00Z"}
    created = {**review, "score": 1, "created_at": "2026-03-02T11:00:00Z"}
    async with http_client(database) as client:
        path, secret = await _connector(database, client, api_headers, "LABELBOX")
        answers = []
        for topic, payload in (
            ("LABEL_CREATED", labelbox_label()),
            ("REVIEW_UPDATED", updated),
            ("REVIEW_CREATED", created),
        ):
            body, headers = labelbox_request(secret, topic, payload)
            answers.append((await client.post(path, content=body, headers=headers)).status_code)
    async with database.session() as session:
        reviews = [tuple(row) for row in await session.execute(select(Review.verdict, Review.created_at))]
        status = await session.scalar(select(Label.status))

    assert answers == [200, 200, 200]
    assert [verdict for verdict, _at in reviews] == [ReviewVerdict.THUMBS_DOWN]
    assert status is LabelStatus.REJECTED
