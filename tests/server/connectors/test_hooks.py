"""The webhook receivers over HTTP, through the whole application: authentication by the connector's secret,
idempotent redelivery, updates, deletions, disabled connectors, other projects, bad bodies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server.connectors.receiver import MAX_BODY_BYTES
from server.db import Database
from server.db.connectors import PendingReview
from server.db.enums import LabelStatus, PricingModel, ReviewVerdict, VendorStatus, WorkforceType
from server.db.models import Label, Labeler, Review, Vendor
from tests.server.access_world import gid
from tests.server.conftest import http_client
from tests.server.connectors.hooks_world import (
    LIST,
    UPDATE,
    annotation,
    create_connector,
    graphql,
    labelbox_label,
    labelbox_request,
    labelstudio_body,
    labelstudio_headers,
    stored_labels,
)
from tests.server.connectors.world import make_project

pytestmark = pytest.mark.database


async def _tally(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    body = await graphql(client, LIST, {}, headers)
    (connector,) = body["data"]["connectors"]
    result: dict[str, Any] = connector
    return result


async def _labelstudio(
    database: Database, client: httpx.AsyncClient, api_headers: dict[str, str], **fields: Any
) -> tuple[str, str, str]:
    project = gid("Project", await make_project(database))
    return await create_connector(
        client, api_headers, name="LS live", source="LABELSTUDIO", projectId=project, **fields
    )


# -- Label Studio -------------------------------------------------------------------------------------------------


async def test_given_an_annotation_created_webhook_when_delivered_twice_then_the_label_is_stored_once(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        first = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        again = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        tally = await _tally(client, api_headers)

    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["created"], first.json()["tasksCreated"]) == ("imported", 1, 1)
    assert (again.status_code, again.json()["created"], again.json()["unchanged"]) == (200, 0, 1)
    stored = await stored_labels(database, Label.status)
    assert stored == [("501", {"sentiment": "positive"}, 12.5, LabelStatus.ACCEPTED)]
    assert (tally["deliveries"], tally["failed"], tally["lastStatus"], tally["lastEvent"]) == (
        2,
        0,
        200,
        "ANNOTATION_CREATED",
    )


async def test_given_a_stored_annotation_when_an_update_arrives_then_the_label_changes(
    database: Database, api_headers: dict[str, str]
) -> None:
    updated = labelstudio_body("ANNOTATION_UPDATED", annotation=annotation(choice="negative", lead_time=20.0))
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        response = await client.post(path, content=updated, headers=labelstudio_headers(secret))

    assert (response.status_code, response.json()["updated"], response.json()["created"]) == (200, 1, 0)
    stored = await stored_labels(database, Label.status)
    assert stored == [("501", {"sentiment": "negative"}, 20.0, LabelStatus.ACCEPTED)]


async def test_given_two_updates_delivered_out_of_order_then_the_later_edit_stays(
    database: Database, api_headers: dict[str, str]
) -> None:
    def edit(choice: str, updated_at: str | None) -> bytes:
        changed = annotation(choice=choice, lead_time=20.0)
        if updated_at is not None:
            changed["updated_at"] = updated_at
        return labelstudio_body("ANNOTATION_UPDATED", annotation=changed)

    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        headers = labelstudio_headers(secret)
        await client.post(path, content=labelstudio_body(), headers=headers)
        # the 10:05 edit arrives first; the 10:00 edit's delivery, retried, arrives after it (in another offset)
        later = await client.post(path, content=edit("negative", "2026-03-02T10:05:00Z"), headers=headers)
        stale = await client.post(path, content=edit("neutral", "2026-03-02T11:00:00+01:00"), headers=headers)
        same = await client.post(path, content=edit("negative", "2026-03-02T10:05:00Z"), headers=headers)
        undated = await client.post(path, content=edit("positive", None), headers=headers)

    assert (later.status_code, later.json()["updated"]) == (200, 1)
    assert (stale.status_code, stale.json()["status"]) == (200, "skipped"), stale.text
    assert stale.json()["reason"] == (
        "label 501 was changed at 2026-03-02T10:05:00+00:00, after this update: an older update is not applied"
    )
    assert (same.status_code, same.json()["unchanged"]) == (200, 1), same.text
    # An update that does not say when it was made cannot be ordered: it is applied, as before.
    assert (undated.status_code, undated.json()["updated"]) == (200, 1)
    assert await stored_labels(database) == [("501", {"sentiment": "positive"}, 20.0)]


async def test_given_a_labelbox_label_updated_twice_out_of_order_then_the_later_edit_stays(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)

        async def deliver(topic: str, answer: str, updated_at: str | None = None) -> httpx.Response:
            payload = labelbox_label(answer=answer)
            if updated_at is not None:
                payload["updated_at"] = updated_at
            body, headers = labelbox_request(secret, topic, payload)
            return await client.post(path, content=body, headers=headers)

        await deliver("LABEL_CREATED", "cat")
        later = await deliver("LABEL_UPDATED", "dog", "2026-03-02T12:00:00Z")
        stale = await deliver("LABEL_UPDATED", "bird", "2026-03-02T11:59:59.999999Z")

    assert (later.status_code, later.json()["updated"]) == (200, 1)
    assert (stale.status_code, stale.json()["status"]) == (200, "skipped"), stale.text
    assert await stored_labels(database) == [("lbl-1", {"animal": "dog"}, 30.0)]


async def test_given_a_bulk_annotations_created_webhook_then_every_annotation_is_stored_once_per_task(
    database: Database, api_headers: dict[str, str]
) -> None:
    first, second = annotation(501, choice="positive"), annotation(502, choice="negative")
    second["completed_by"] = 8
    other_task = annotation(503, choice="neutral")
    task = {"id": 42, "data": {"text": "great"}, "created_at": "2026-03-01T08:00:00Z", "project": 3}
    other = {**task, "id": 43, "data": {"text": "meh"}}
    bulk = json.dumps(
        {"action": "ANNOTATIONS_CREATED", "annotation": [first, second, other_task], "task": [task, task, other]}
    )
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=bulk, headers=labelstudio_headers(secret))
        again = await client.post(path, content=bulk, headers=labelstudio_headers(secret))

    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["tasksCreated"]) == (3, 2)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    stored = await stored_labels(database, Label.status)
    assert [(row[0], row[1]) for row in stored] == [
        ("501", {"sentiment": "positive"}),
        ("502", {"sentiment": "negative"}),
        ("503", {"sentiment": "neutral"}),
    ]


async def test_given_annotations_deleted_then_the_labels_are_kept_and_the_answer_says_why(
    database: Database, api_headers: dict[str, str]
) -> None:
    deleted = json.dumps({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 501}], "project": {"id": 3}})
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        response = await client.post(path, content=deleted, headers=labelstudio_headers(secret))

    body = response.json()
    assert (response.status_code, body["status"], body["labels"]) == (200, "skipped", ["501"])
    assert "imports never delete labels" in body["reason"]
    assert len(await stored_labels(database, Label.status)) == 1


async def test_given_a_cancelled_annotation_then_it_is_skipped_like_the_importer_skips_it(
    database: Database, api_headers: dict[str, str]
) -> None:
    cancelled = labelstudio_body(annotation={**annotation(), "was_cancelled": True})
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=cancelled, headers=labelstudio_headers(secret))

    assert (response.status_code, response.json()["skipped"], response.json()["created"]) == (200, 1, 0)
    assert response.json()["reasons"] == ["task 42 annotation 501: cancelled (skipped by the labeler)"]
    assert await stored_labels(database, Label.status) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "Token wrong-secret-wrong-secret", "Basic abc", "Token "],
    ids=["missing", "wrong", "other-scheme", "empty"],
)
async def test_given_a_bad_token_then_401_and_nothing_is_written_or_tallied(
    database: Database, api_headers: dict[str, str], authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with http_client(database) as client:
        _, path, _secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=labelstudio_body(), headers=headers)
        tally = await _tally(client, api_headers)

    assert (response.status_code, response.json()) == (401, {"error": "unknown connector or bad credentials"})
    assert await stored_labels(database, Label.status) == []
    assert tally["deliveries"] == 0


async def test_given_an_unknown_connector_or_the_other_tools_path_then_the_same_401(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        _, labelbox_path, labelbox_secret = await create_connector(
            client,
            api_headers,
            name="LB",
            source="LABELBOX",
            projectId=gid("Project", await make_project(database, "LB")),
        )
        connector = path.rsplit("/", 1)[1]
        labelbox_body, labelbox_headers = labelbox_request(secret, "LABEL_CREATED", labelbox_label())
        answers = [
            await client.post(url, content=labelstudio_body(), headers=labelstudio_headers(key))
            for url, key in (
                (f"/hooks/labelstudio/{int(connector) + 9}", secret),
                ("/hooks/labelstudio/x1", secret),
                (f"/hooks/labelstudio/{'9' * 30}", secret),
                # A Labelbox connector's secret, sent the Label Studio way to the Label Studio receiver.
                (labelbox_path.replace("labelbox", "labelstudio"), labelbox_secret),
            )
        ]
        # A Label Studio connector's secret signing a Labelbox body, sent to the Labelbox receiver.
        answers.append(
            await client.post(f"/hooks/labelbox/{connector}", content=labelbox_body, headers=labelbox_headers)
        )

    assert {(r.status_code, r.text) for r in answers} == {
        (401, json.dumps({"error": "unknown connector or bad credentials"}, separators=(",", ":")))
    }
    assert await stored_labels(database, Label.status) == []


async def test_given_a_disabled_connector_then_403_until_it_is_enabled_again(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        connector, path, secret = await _labelstudio(database, client, api_headers)
        await graphql(client, UPDATE, {"input": {"id": connector, "enabled": False}}, api_headers)
        refused = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        labels_while_disabled = await stored_labels(database, Label.status)
        await graphql(client, UPDATE, {"input": {"id": connector, "enabled": True}}, api_headers)
        accepted = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))
        tally = await _tally(client, api_headers)

    assert (refused.status_code, refused.json()["error"]) == (403, f"connector {path.rsplit('/', 1)[1]} is disabled")
    assert labels_while_disabled == []
    assert accepted.status_code == 200
    assert (tally["deliveries"], tally["failed"]) == (2, 1)


async def test_given_a_connector_bound_to_a_source_project_then_other_projects_are_ignored(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers, sourceProject="3")
        other = await client.post(path, content=labelstudio_body(project=4), headers=labelstudio_headers(secret))
        labels_after_other = await stored_labels(database, Label.status)
        own = await client.post(path, content=labelstudio_body(project=3), headers=labelstudio_headers(secret))

    assert (other.status_code, other.json()["status"]) == (200, "ignored")
    assert other.json()["reason"] == "source project 4 is not this connector's (3)"
    assert labels_after_other == []
    assert (own.status_code, own.json()["created"]) == (200, 1)


async def test_given_a_body_over_the_limit_then_413_before_anything_is_read(
    database: Database, api_headers: dict[str, str]
) -> None:
    oversized = b'{"action": "ANNOTATION_CREATED", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=oversized, headers=labelstudio_headers(secret))

        async def chunks() -> Any:
            for _ in range(3):
                yield b"x" * (MAX_BODY_BYTES // 2)

        streamed = await client.post(path, content=chunks(), headers=labelstudio_headers(secret))

    assert (response.status_code, response.json()) == (413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"action": "ANNOTATION_CREATED",', "body is not JSON: Expecting property name enclosed in double quotes"),
        (b"\xff\xfe", "body is not JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"annotation": {}}', "action must name the event, got None"),
        (b'{"action": "ANNOTATION_CREATED", "task": {"id": 1}}', "ANNOTATION_CREATED: `annotation` must be an object"),
        (labelstudio_body().replace(b"12.5", b"NaN"), "body is not JSON: NaN is not a JSON number"),
        (labelstudio_body().replace(b"12.5", b"1e400"), "body is not JSON: 1e400 is out of range"),
        (b"[" * 200_000, "body is not JSON: nested too deeply"),
    ],
    ids=["truncated", "not-utf8", "list", "no-action", "no-annotation", "nan", "infinite", "deep"],
)
async def test_given_a_malformed_body_then_400_naming_what_is_wrong_and_the_failure_is_tallied(
    database: Database, api_headers: dict[str, str], body: bytes, message: str
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=body, headers=labelstudio_headers(secret))
        tally = await _tally(client, api_headers)

    assert response.status_code == 400
    assert response.json()["error"].startswith(message), response.json()
    assert (tally["failed"], tally["lastStatus"], tally["lastError"]) == (1, 400, response.json()["error"])


async def test_given_an_annotation_the_importer_rejects_then_422_with_its_reason(
    database: Database, api_headers: dict[str, str]
) -> None:
    anonymous = labelstudio_body(annotation={**annotation(), "completed_by": None})
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        response = await client.post(path, content=anonymous, headers=labelstudio_headers(secret))

    assert response.status_code == 422
    assert response.json()["error"] == "task 42 annotation 501: completed_by missing"
    assert await stored_labels(database, Label.status) == []


async def test_given_a_rotated_secret_then_the_old_one_is_refused_and_the_new_one_accepted(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        connector, path, old = await _labelstudio(database, client, api_headers)
        rotated = await graphql(client, UPDATE, {"input": {"id": connector, "rotateSecret": True}}, api_headers)
        new = rotated["data"]["updateConnector"]["secret"]
        with_old = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(old))
        with_new = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(new))

    assert new and new != old
    assert (with_old.status_code, with_new.status_code) == (401, 200)


# -- Labelbox -----------------------------------------------------------------------------------------------------


async def _labelbox(
    database: Database, client: httpx.AsyncClient, api_headers: dict[str, str], **fields: Any
) -> tuple[str, str, str]:
    project = gid("Project", await make_project(database))
    return await create_connector(client, api_headers, name="LB live", source="LABELBOX", projectId=project, **fields)


async def test_given_a_signed_label_created_webhook_when_redelivered_then_stored_once(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers, sourceProject="lb-proj")
        body, headers = labelbox_request(secret, "LABEL_CREATED", labelbox_label())
        first = await client.post(path, content=body, headers=headers)
        again = await client.post(path, content=body, headers=headers)

    assert (first.status_code, first.json()["created"]) == (200, 1), first.text
    assert (again.status_code, again.json()["unchanged"], again.json()["created"]) == (200, 1, 0)
    assert await stored_labels(database, Label.status) == [("lbl-1", {"animal": "cat"}, 30.0, LabelStatus.ACCEPTED)]


async def test_given_an_export_v2_row_as_the_webhook_body_then_it_imports_as_the_export_does(
    database: Database, api_headers: dict[str, str]
) -> None:
    row = {
        "data_row": {"id": "dr-9", "row_data": "https://example.com/9.jpg"},
        "projects": {
            "lb-proj": {
                "labels": [
                    {
                        "id": "lbl-9",
                        "annotations": {"classifications": [{"value": "animal", "radio_answer": {"value": "dog"}}]},
                        "label_details": {"created_at": "2026-03-02T10:00:00Z", "created_by": "bo@example.com"},
                        "performance_details": {"seconds_to_create": 8},
                    }
                ]
            }
        },
    }
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)
        body, headers = labelbox_request(secret, "LABEL_UPDATED", row)
        response = await client.post(path, content=body, headers=headers)

    assert (response.status_code, response.json()["created"]) == (200, 1), response.text
    assert await stored_labels(database, Label.status) == [("lbl-9", {"animal": "dog"}, 8.0, LabelStatus.ACCEPTED)]


async def test_given_a_label_update_then_the_stored_answer_changes(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)
        for topic, answer in (("LABEL_CREATED", "cat"), ("LABEL_UPDATED", "dog")):
            body, headers = labelbox_request(secret, topic, labelbox_label(answer=answer))
            response = await client.post(path, content=body, headers=headers)

    assert (response.status_code, response.json()["updated"]) == (200, 1)
    assert await stored_labels(database, Label.status) == [("lbl-1", {"animal": "dog"}, 30.0, LabelStatus.ACCEPTED)]


@pytest.mark.parametrize("tamper", ["signature", "body", "missing", "sha256"])
async def test_given_a_bad_signature_then_401_and_nothing_is_written(
    database: Database, api_headers: dict[str, str], tamper: str
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)
        body, headers = labelbox_request(secret, "LABEL_CREATED", labelbox_label())
        if tamper == "signature":
            headers["X-Hub-Signature"] = headers["X-Hub-Signature"][:-1] + (
                "0" if headers["X-Hub-Signature"][-1] != "0" else "1"
            )
        elif tamper == "body":
            body = body.replace(b"cat", b"dog")
        elif tamper == "missing":
            del headers["X-Hub-Signature"]
        else:
            headers["X-Hub-Signature"] = headers["X-Hub-Signature"].replace("sha1=", "sha256=")
        response = await client.post(path, content=body, headers=headers)

    assert response.status_code == 401
    assert await stored_labels(database, Label.status) == []


async def test_given_a_review_of_a_stored_label_then_it_is_attached_and_sets_the_status(
    database: Database, api_headers: dict[str, str]
) -> None:
    review = {
        "id": "rev-1",
        "label": {"id": "lbl-1"},
        "score": -1,
        "created_by": {"id": "u-2", "email": "rita@example.com"},
        "created_at": "2026-03-02T11:00:00Z",
        "project": {"id": "lb-proj"},
    }
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)
        early_body, early_headers = labelbox_request(secret, "REVIEW_CREATED", review)
        early = await client.post(path, content=early_body, headers=early_headers)
        early_again = await client.post(path, content=early_body, headers=early_headers)
        body, headers = labelbox_request(secret, "LABEL_CREATED", labelbox_label())
        labeled = await client.post(path, content=body, headers=headers)
        again = await client.post(path, content=early_body, headers=early_headers)

    # A review delivered before its label is kept (once, however often redelivered) and applied when the label
    # arrives; delivered again afterwards, it finds itself stored.
    assert (early.status_code, early.json()["status"]) == (202, "pending")
    assert early.json()["reason"] == "label lbl-1 is not imported yet: its review is kept until the label arrives"
    assert early_again.status_code == 202
    assert (labeled.status_code, labeled.json()["created"], labeled.json()["pendingReviewsApplied"]) == (200, 1, 1)
    assert (again.status_code, again.json()["reviewsCreated"], again.json()["unchanged"]) == (200, 0, 1)
    assert await stored_labels(database, Label.status) == [("lbl-1", {"animal": "cat"}, 30.0, LabelStatus.REJECTED)]
    async with database.session() as session:
        verdicts = list(await session.scalars(select(Review.verdict)))
        label_count = await session.scalar(select(func.count()).select_from(Label))
    assert (verdicts, label_count) == ([ReviewVerdict.THUMBS_DOWN], 1)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(PendingReview)) == 0


async def test_given_reviews_before_their_label_in_any_order_then_the_newest_kept_is_applied_when_it_arrives(
    database: Database, api_headers: dict[str, str]
) -> None:
    def review(review_id: str, label: str, score: int) -> dict[str, Any]:
        return {
            "id": review_id,
            "label": {"id": label},
            "score": score,
            "created_by": {"id": "u-2", "email": "rita@example.com"},
            "created_at": "2026-03-02T11:00:00Z",
        }

    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)

        async def deliver(topic: str, payload: dict[str, Any]) -> httpx.Response:
            body, headers = labelbox_request(secret, topic, payload)
            return await client.post(path, content=body, headers=headers)

        # rev-1's update (approve) overtakes its creation (reject); rev-2 reviews a label that does not arrive
        kept = [
            await deliver("REVIEW_UPDATED", review("rev-1", "lbl-1", 1)),
            await deliver("REVIEW_CREATED", review("rev-1", "lbl-1", -1)),
            await deliver("REVIEW_CREATED", review("rev-2", "lbl-9", -1)),
        ]
        async with database.session() as session:
            waiting = (await session.execute(select(PendingReview.label, PendingReview.review_id))).all()
        labeled = await deliver("LABEL_CREATED", labelbox_label())
        other = await deliver("LABEL_UPDATED", labelbox_label(answer="dog"))

    assert [(r.status_code, r.json()["status"]) for r in kept] == [(202, "pending")] * 3
    assert sorted(waiting) == [("lbl-1", "rev-1"), ("lbl-9", "rev-2")]
    assert (labeled.status_code, labeled.json()["pendingReviewsApplied"]) == (200, 1), labeled.text
    assert (other.status_code, other.json()["updated"]) == (200, 1), other.text
    assert "pendingReviewsApplied" not in other.json()
    assert await stored_labels(database, Label.status) == [("lbl-1", {"animal": "dog"}, 30.0, LabelStatus.ACCEPTED)]
    async with database.session() as session:
        verdicts = list(await session.scalars(select(Review.verdict)))
        left = (await session.execute(select(PendingReview.label, PendingReview.review_id))).all()
    assert verdicts == [ReviewVerdict.THUMBS_UP]
    assert left == [("lbl-9", "rev-2")]


async def test_given_a_label_deleted_or_an_unknown_topic_then_acknowledged_without_import(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers)
        answers = []
        for topic, payload in (("LABEL_DELETED", {"id": "lbl-1"}), ("PROJECT_CREATED", {"id": "p"})):
            body, headers = labelbox_request(secret, topic, payload)
            answers.append((await client.post(path, content=body, headers=headers)).json())

    assert [(a["event"], a["status"]) for a in answers] == [
        ("LABEL_DELETED", "skipped"),
        ("PROJECT_CREATED", "ignored"),
    ]
    assert await stored_labels(database, Label.status) == []


async def test_given_an_export_row_of_several_projects_then_only_the_connectors_project_is_imported(
    database: Database, api_headers: dict[str, str]
) -> None:
    def label(label_id: str, author: str) -> dict[str, Any]:
        details = {"created_at": "2026-03-02T10:00:00Z", "created_by": author}
        return {"id": label_id, "annotations": {}, "label_details": details}

    row = {
        "data_row": {"id": "dr-5"},
        "projects": {
            "other": {"labels": [label("lbl-other", "x@example.com")]},
            "mine": {"labels": [label("lbl-mine", "y@example.com")]},
        },
    }
    async with http_client(database) as client:
        _, path, secret = await _labelbox(database, client, api_headers, sourceProject="mine")
        body, headers = labelbox_request(secret, "LABEL_CREATED", row)
        response = await client.post(path, content=body, headers=headers)

    assert (response.status_code, response.json()["created"]) == (200, 1), response.text
    assert [external for external, *_ in await stored_labels(database, Label.status)] == ["lbl-mine"]


async def test_given_a_connector_with_a_vendor_then_new_labelers_join_that_vendor(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with database.transaction() as session:
        vendor = Vendor(
            name="Acme",
            workforce_type=WorkforceType.IN_HOUSE,
            pricing_model=PricingModel.HOURLY,
            rate=10.0,
            status=VendorStatus.ONBOARDED,
        )
        session.add(vendor)
        await session.flush()
        vendor_id = vendor.id
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers, vendorId=gid("Vendor", vendor_id))
        await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))

    async with database.session() as session:
        rows = (await session.execute(select(Labeler.external_id, Vendor.name).join(Vendor))).all()
    assert [tuple(row) for row in rows] == [("7", "Acme")]


async def test_given_the_same_new_event_delivered_concurrently_then_one_label_and_a_retry_settles_it(
    database: Database, api_headers: dict[str, str]
) -> None:
    async with http_client(database) as client:
        _, path, secret = await _labelstudio(database, client, api_headers)
        answers = await asyncio.gather(
            *(client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret)) for _ in range(4))
        )
        retry = await client.post(path, content=labelstudio_body(), headers=labelstudio_headers(secret))

    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {200, 503}, [a.text for a in answers]
    assert 200 in statuses
    for answer in answers:
        if answer.status_code == 503:
            assert answer.json() == {"error": "the delivery conflicted with a concurrent one; retry"}
    assert sum(a.json().get("created", 0) for a in answers) == 1
    assert (retry.status_code, retry.json()["unchanged"]) == (200, 1)
    assert len(await stored_labels(database, Label.status)) == 1


async def test_given_an_unreachable_database_then_503_without_a_stack_trace(tmp_path: Any) -> None:
    unreachable = Database(f"sqlite+aiosqlite:///{tmp_path}/missing/directory/labelops.sqlite3")
    try:
        async with http_client(unreachable) as client:
            response = await client.post("/hooks/labelstudio/1", content=labelstudio_body(), headers={})
    finally:
        await unreachable.dispose()

    assert (response.status_code, response.json()) == (503, {"error": "the database is unavailable; retry"})
