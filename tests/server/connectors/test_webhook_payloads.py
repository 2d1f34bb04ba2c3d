"""Reading webhook bodies into export records, and checking their credentials, without a database."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from server.connectors import LabelRecord, build_format
from server.connectors.credentials import authentic, labelbox_signature
from server.connectors.webhooks import PayloadError, read_event
from server.db.connectors import ConnectorSource
from tests.server.connectors.hooks_world import labelbox_label

LS, LB = ConnectorSource.LABELSTUDIO, ConnectorSource.LABELBOX


def _labels(source: ConnectorSource, export: str | None) -> list[LabelRecord]:
    assert export is not None
    return [r for r in build_format(source.format_name).read(io.StringIO(export)) if isinstance(r, LabelRecord)]


def test_labelbox_signature_is_the_hmac_sha1_of_the_raw_body() -> None:
    # The published HMAC-SHA1 test value for this key and message.
    body = b"The quick brown fox jumps over the lazy dog"
    assert labelbox_signature("key", body) == "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [("Token s3cret-s3cret-s3cret", True), ("bearer s3cret-s3cret-s3cret", True), ("Token s3cret", False)],
)
def test_labelstudio_token_schemes(authorization: str, expected: bool) -> None:
    secret = "s3cret-s3cret-s3cret"
    assert authentic(LS, secret, authorization=authorization, signature=None, body=b"") is expected


def test_no_connector_is_never_authentic_even_with_the_decoy_credential() -> None:
    decoy = "decoy-secret-never-matches-anything"
    assert not authentic(LS, None, authorization=f"Token {decoy}", signature=None, body=b"{}")
    assert not authentic(LB, None, authorization=None, signature=labelbox_signature(decoy, b"{}"), body=b"{}")


def test_a_non_ascii_credential_is_refused_not_an_error() -> None:
    assert not authentic(LS, "s3cret-s3cret-s3cret", authorization="Token é", signature=None, body=b"")


def test_labelstudio_annotation_webhook_reads_as_the_one_task_export() -> None:
    payload = {
        "action": "annotation_updated",
        "annotation": {"id": 9, "completed_by": {"id": 4, "email": "a@x"}, "created_at": "2026-03-02T09:00:00Z"},
        "task": {"id": 2, "data": {"text": "t"}, "project": 11},
    }
    event = read_event(LS, payload, None)

    (label,) = _labels(LS, event.export)
    assert (event.event, event.source_project) == ("ANNOTATION_UPDATED", "11")
    assert (label.task, label.label, label.labeler, label.labeler_name) == ("2", "9", "4", "a@x")


def test_labelstudio_bulk_creation_groups_annotations_by_their_task() -> None:
    tasks = [
        {"id": 2, "data": {}, "project": 11},
        {"id": 3, "data": {}, "project": 11},
        {"id": 2, "data": {}, "project": 11},
    ]
    annotations = [
        {"id": number, "completed_by": who, "created_at": "2026-03-02T09:00:00Z"}
        for number, who in ((9, 4), (10, 4), (11, 5))
    ]
    event = read_event(LS, {"action": "ANNOTATIONS_CREATED", "annotation": annotations, "task": tasks}, None)

    assert (event.event, event.source_project) == ("ANNOTATIONS_CREATED", "11")
    assert sorted((label.task, label.label) for label in _labels(LS, event.export)) == [
        ("2", "11"),
        ("2", "9"),
        ("3", "10"),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "ANNOTATIONS_CREATED", "annotation": [{"id": 1}], "task": []},
        {"action": "ANNOTATIONS_CREATED", "annotation": {"id": 1}, "task": {"id": 2}},
    ],
)
def test_labelstudio_bulk_creation_needs_parallel_lists(payload: dict[str, Any]) -> None:
    with pytest.raises(PayloadError, match="`annotation` and `task` must be lists of the same length"):
        read_event(LS, payload, None)


@pytest.mark.parametrize(
    ("payload", "deleted"),
    [
        ({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 1}, {"id": 2}]}, ("1", "2")),
        ({"action": "ANNOTATIONS_DELETED", "annotations": [3]}, ("3",)),
    ],
)
def test_labelstudio_deletions_name_their_annotations(payload: dict[str, Any], deleted: tuple[str, ...]) -> None:
    event = read_event(LS, payload, None)
    assert (event.deleted, event.export) == (deleted, None)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"action": "ANNOTATIONS_DELETED", "annotations": {"id": 1}}, "`annotations` must be a list"),
        ({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": None}]}, r"annotations\[0\].id must be an id"),
        ({"action": "ANNOTATIONS_DELETED", "annotations": [True]}, r"annotations\[0\].id must be an id"),
        ({"action": 5}, "action must name the event, got 5"),
    ],
)
def test_labelstudio_malformed_bodies_name_what_is_wrong(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        read_event(LS, payload, None)


def test_labelbox_topic_comes_from_the_header_and_is_required() -> None:
    assert read_event(LB, {"id": "x"}, "label_deleted").deleted == ("x",)
    with pytest.raises(PayloadError, match="X-Labelbox-Event header must name the event"):
        read_event(LB, {"id": "x"}, None)


def test_labelbox_older_answers_become_radio_checklist_and_text_answers() -> None:
    content = {
        "classifications": [
            {"title": "Animal", "value": "animal", "answer": {"title": "Cat", "value": "cat"}},
            {"title": "Tags", "value": "tags", "answers": [{"value": "b"}, {"value": "a"}]},
            {"title": "Note", "value": "note", "answer": "fluffy"},
        ]
    }
    event = read_event(LB, {**labelbox_label(), "label": content}, "LABEL_CREATED")

    (label,) = _labels(LB, event.export)
    assert label.answer == {"animal": "cat", "tags": ["a", "b"], "note": "fluffy"}
    assert (label.labeler, label.seconds, event.source_project) == ("ann@example.com", 30.0, "lb-proj")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"label": "{not json"}, "`label` is not JSON text"),
        ({"label": 5}, "`label` must be an object"),
        ({"data_row": None}, "`data_row` must be an object"),
        ({"id": ""}, "id must be an id"),
    ],
)
def test_labelbox_malformed_labels_name_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        read_event(LB, {**labelbox_label(), **changes}, "LABEL_CREATED")


def test_labelbox_review_needs_a_score_of_one_or_minus_one() -> None:
    review = {"id": "r", "label": {"id": "l"}, "score": 0, "created_by": "u", "created_at": "2026-03-02T11:00:00Z"}
    with pytest.raises(PayloadError, match=r"`score` must be 1 \(approve\) or -1 \(reject\), got 0"):
        read_event(LB, review, "REVIEW_CREATED")
    approved = read_event(LB, {**review, "score": 1}, "REVIEW_CREATED")
    assert (approved.label, json.dumps(approved.review)) == (
        "l",
        json.dumps({"id": "r", "review_action": "Approve", "reviewed_by": "u", "reviewed_at": "2026-03-02T11:00:00Z"}),
    )
