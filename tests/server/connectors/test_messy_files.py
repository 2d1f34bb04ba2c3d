"""Messy exports of every format: values a database or the clock cannot take (non-finite or absurd durations,
timestamps that are not text or lie outside 1970 to now, ids a column cannot hold), byte order marks, Labelbox files
written as one JSON document, malformed structures and oversized CSV cells. Each bad row is rejected with a reason
naming the field and the value; the good rows around it are imported; nothing fails the whole import."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.connectors.csv import Mapping
from server.db import Database
from server.db.enums import PricingModel, ReviewVerdict, VendorStatus, WorkforceType
from server.db.models import Label, Labeler, Task, Vendor
from server.services.errors import DomainError
from tests.server.connectors.world import count, make_project, rollups_match_a_full_rebuild, run_import, snapshot

pytestmark = pytest.mark.database

SECONDS_LIMIT = "from 0 to 31622400"


def _annotation(
    annotation_id: Any, user: Any = 10, *, at: Any = "2026-03-02T09:15:00Z", **extra: Any
) -> dict[str, Any]:
    annotation = {
        "id": annotation_id,
        "completed_by": user,
        "result": [{"from_name": "s", "to_name": "t", "type": "choices", "value": {"choices": ["yes"]}}],
        "was_cancelled": False,
        "created_at": at,
        "lead_time": 10.0,
    }
    annotation.update(extra)
    return annotation


def _task(task_id: Any, *annotations: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": task_id,
        "data": {"text": "t"},
        "created_at": "2026-03-01T00:00:00Z",
        "annotations": list(annotations),
    }


def _ls_export(*tasks: dict[str, Any]) -> str:
    """The export as Label Studio writes it; NaN and Infinity are written as the bare words JSON parsers accept."""
    return json.dumps(list(tasks))


def _lb_label(label_id: Any, author: Any = "ana@example.com", **performance: Any) -> dict[str, Any]:
    return {
        "id": label_id,
        "annotations": {"classifications": [{"value": "cat", "radio_answer": {"value": "yes"}}]},
        "label_details": {"created_at": "2026-03-02T10:00:00Z", "created_by": author, "reviews": []},
        "performance_details": {"seconds_to_create": 30, **performance},
    }


def _lb_row(data_row: Any, *labels: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "data_row": {"id": data_row, "row_data": "https://example.com/a.jpg"},
        "projects": {"p": {"labels": list(labels)}},
        **extra,
    }


def _ndjson(*rows: Any) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


async def _stored_labels(database: Database) -> list[str]:
    return [row[0] for row in (await snapshot(database))["labels"]]


async def test_given_label_studio_durations_that_are_not_seconds_then_those_annotations_are_rejected(
    database: Database,
) -> None:
    await make_project(database)
    export = _ls_export(
        _task(1, _annotation(11, lead_time=float("nan")), _annotation(12, user=11, lead_time=float("inf"))),
        _task(2, _annotation(21, lead_time=1e300), _annotation(22, user=11, lead_time=True)),
        _task(3, _annotation(31, lead_time=0)),
    )

    report = await run_import(database, "labelstudio", export)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (1, f"task 1 annotation 11: lead_time must be a number of seconds {SECONDS_LIMIT}, got nan"),
        (1, f"task 1 annotation 12: lead_time must be a number of seconds {SECONDS_LIMIT}, got inf"),
        (2, f"task 2 annotation 21: lead_time must be a number of seconds {SECONDS_LIMIT}, got 1e+300"),
        (2, f"task 2 annotation 22: lead_time must be a number of seconds {SECONDS_LIMIT}, got True"),
    ]
    assert (report.rows, report.created) == (5, 1)
    assert await _stored_labels(database) == ["31"]
    await rollups_match_a_full_rebuild(database)


async def test_given_labelbox_durations_that_are_not_seconds_then_those_labels_are_rejected(database: Database) -> None:
    await make_project(database)
    lines = _ndjson(
        '{"data_row": {"id": "a"}, "projects": {"p": {"labels": [{"id": "a1", "label_details": {"created_by": "x@y", '
        '"created_at": "2026-03-02T10:00:00Z"}, "performance_details": {"seconds_to_create": NaN}}]}}}',
        _lb_row("b", _lb_label("b1", seconds_to_create=1e300)),
        _lb_row("c", _lb_label("c1", seconds_to_review=float("inf"))),
        _lb_row("d", _lb_label("d1")),
    )

    report = await run_import(database, "labelbox", lines)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (1, f"data row a label a1: seconds_to_create must be a number of seconds {SECONDS_LIMIT}, got nan"),
        (2, f"data row b label b1: seconds_to_create must be a number of seconds {SECONDS_LIMIT}, got 1e+300"),
        (3, f"data row c label c1: seconds_to_review must be a number of seconds {SECONDS_LIMIT}, got inf"),
    ]
    assert await _stored_labels(database) == ["d1"]
    await rollups_match_a_full_rebuild(database)


async def test_given_csv_seconds_that_are_infinite_or_absurd_then_those_rows_are_rejected(database: Database) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", seconds="secs", answer=("answer",))
    content = "task,worker,at,secs,answer\n" + "".join(
        f"t{n},w,2026-03-02T09:00:00Z,{secs},yes\n" for n, secs in enumerate(["inf", "1e300", "NaN", "12"])
    )

    report = await run_import(database, "csv", content, mapping=mapping)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, f"secs must be {SECONDS_LIMIT} seconds, got 'inf'"),
        (3, f"secs must be {SECONDS_LIMIT} seconds, got '1e300'"),
        (4, f"secs must be {SECONDS_LIMIT} seconds, got 'NaN'"),
    ]
    assert await _stored_labels(database) == ["t3:w"]


async def test_given_timestamps_that_are_numbers_or_out_of_range_then_the_rows_are_rejected(database: Database) -> None:
    await make_project(database)
    export = _ls_export(
        {**_task(1, _annotation(11)), "created_at": 1772442000},
        _task(2, _annotation(21, at="0001-01-01T00:00:00Z")),
        _task(3, _annotation(31, at="2999-01-01T00:00:00Z")),
        _task(4, _annotation(41, at="9999-12-31T23:00:00-05:00")),
        _task(5, _annotation(51, at="2026-03-02T09:15:00.123456789+05:45")),
    )

    report = await run_import(database, "labelstudio", export)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (1, "task 1: created_at 1772442000 is not a timestamp (text such as 2026-03-02T09:15:00Z)"),
        (2, "task 2 annotation 21: '0001-01-01T00:00:00Z' is before 1970"),
        (3, "task 3 annotation 31: '2999-01-01T00:00:00Z' is in the future"),
        (4, "task 4 annotation 41: '9999-12-31T23:00:00-05:00' is out of range"),
    ]
    assert await _stored_labels(database) == ["51"]


@pytest.mark.parametrize(
    ("annotation", "reason"),
    [
        (_annotation(11, user="w\x00x"), "labeler id 'w\\x00x' holds a NUL character"),
        (_annotation(11, user="w" * 201), f"labeler id {'w' * 40!r}... is longer than 200 characters"),
        (_annotation("a" * 201), f"label id {'a' * 40!r}... is longer than 200 characters"),
        (_annotation(11, user="w\ud800"), "labeler id 'w\\ud800' holds an unpaired UTF-16 surrogate (not a character)"),
        (_annotation({"a": 1}), "task 1: annotation id must be an id (text or an integer), got {'a': 1}"),
        (_annotation(11, user=1.5), "task 1 annotation 11: completed_by must be an id (text or an integer), got 1.5"),
    ],
)
async def test_given_ids_a_column_cannot_hold_then_the_annotation_is_rejected_naming_the_id(
    database: Database, annotation: dict[str, Any], reason: str
) -> None:
    await make_project(database)

    report = await run_import(database, "labelstudio", _ls_export(_task(1, annotation)))

    assert [(r.line, r.reason) for r in report.rejections] == [(1, reason)]
    assert (report.rows, await count(database, Label)) == (1, 0)


@pytest.mark.parametrize(
    ("task_id", "reason"),
    [
        ([1], "task id must be an id (text or an integer), got [1]"),
        (True, "task id must be an id (text or an integer), got True"),
        ("t" * 201, f"task id {'t' * 40!r}... is longer than 200 characters"),
    ],
)
async def test_given_a_task_id_a_column_cannot_hold_then_the_task_is_rejected_once(
    database: Database, task_id: Any, reason: str
) -> None:
    await make_project(database)

    report = await run_import(database, "labelstudio", _ls_export(_task(task_id, _annotation(11))))

    assert [(r.line, r.reason) for r in report.rejections] == [(1, reason)]
    assert (await count(database, Task), await count(database, Label)) == (0, 0)


async def test_given_nul_characters_and_lone_surrogates_in_free_text_then_they_are_cleaned_and_answers_kept(
    database: Database,
) -> None:
    await make_project(database)
    task = _task(1, _annotation(11, user={"id": 7, "email": "a\x00b@example.com"}))
    task["data"] = {"text": "bad\x00byte \ud800 here"}
    task["annotations"][0]["result"][0]["value"]["choices"] = ["ye\x00s\udc00"]

    report = await run_import(database, "labelstudio", _ls_export(task))

    assert (report.created, report.rejected) == (1, 0)
    state = await snapshot(database)
    assert state["labelers"] == [("7", "ab@example.com")]
    assert state["labels"][0][1] == {"s": "ye\x00s\udc00"}  # answers are JSON: kept exactly
    again = await run_import(database, "labelstudio", _ls_export(task))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


async def test_given_a_byte_order_mark_then_both_json_formats_read_the_file(database: Database) -> None:
    await make_project(database)

    studio = await run_import(database, "labelstudio", "\ufeff" + _ls_export(_task(1, _annotation(11))))
    labelbox = await run_import(database, "labelbox", "\ufeff" + _ndjson(_lb_row("a", _lb_label("a1"))))

    assert (studio.created, studio.rejected, labelbox.created, labelbox.rejected) == (1, 0, 1, 0)


@pytest.mark.parametrize("text", ["", "  \n\t\n"])
async def test_given_an_empty_label_studio_file_then_one_rejection_says_so(database: Database, text: str) -> None:
    await make_project(database)

    report = await run_import(database, "labelstudio", text)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (1, "empty file: a Label Studio JSON export is a list of tasks")
    ]


async def test_given_a_labelbox_file_written_as_one_json_document_then_its_rows_are_imported(
    database: Database,
) -> None:
    await make_project(database)
    rows = [_lb_row("a", _lb_label("a1")), _lb_row("b", _lb_label("b1", "bo@example.com"))]

    listed = await run_import(database, "labelbox", json.dumps(rows, indent=2))
    pretty = await run_import(database, "labelbox", json.dumps(_lb_row("c", _lb_label("c1")), indent=2))
    one_line = await run_import(database, "labelbox", json.dumps(rows))

    assert (listed.created, listed.rejected, pretty.created, pretty.rejected) == (2, 0, 1, 0)
    assert (one_line.unchanged, one_line.rejected) == (2, 0)
    assert await _stored_labels(database) == ["a1", "b1", "c1"]


async def test_given_a_truncated_pretty_printed_labelbox_file_then_one_rejection_gives_the_line(
    database: Database,
) -> None:
    await make_project(database)
    text = json.dumps([_lb_row("a", _lb_label("a1"))], indent=2)
    cut = text[: text.index('"label_details"')]

    report = await run_import(database, "labelbox", cut)

    assert len(report.rejections) == 1
    assert report.rejections[0].reason.startswith("not JSON: ")
    assert report.rejections[0].line == cut.count("\n") + 1
    # NDJSON whose first row is broken is still read line by line, not as one document.
    ndjson = await run_import(database, "labelbox", _ndjson('{"data_row": {"id"', _lb_row("b", _lb_label("b1"))))
    assert [(r.line, r.reason[:9]) for r in ndjson.rejections] == [(1, "not JSON:")]
    assert await _stored_labels(database) == ["b1"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (_lb_row("a", projects={"p": "oops"}), "data row a: `projects.p` is not an object"),
        (_lb_row("a", projects={"p": {"labels": {"id": "x"}}}), "data row a: `projects.p.labels` is not a list"),
        ({"data_row": {"id": "a", "details": "x"}}, "data row a: `details` must be an object, got 'x'"),
        (
            _lb_row("a", {**_lb_label("a1"), "performance_details": "fast"}),
            "data row a label a1: performance_details must be an object, got 'fast'",
        ),
        (
            _lb_row("a", _lb_label({"id": 1})),
            "data row a: label id must be an id (text or an integer), got {'id': 1}",
        ),
    ],
)
async def test_given_malformed_labelbox_structures_then_the_row_is_rejected_naming_the_field(
    database: Database, row: dict[str, Any], reason: str
) -> None:
    await make_project(database)

    report = await run_import(database, "labelbox", _ndjson(row, _lb_row("b", _lb_label("b1"))))

    assert [(r.line, r.reason) for r in report.rejections] == [(1, reason)]
    assert await _stored_labels(database) == ["b1"]


async def test_given_a_labelbox_author_given_as_an_object_then_its_email_is_the_labeler(database: Database) -> None:
    await make_project(database)

    report = await run_import(
        database, "labelbox", _ndjson(_lb_row("a", _lb_label("a1", {"id": "u1", "email": "ana@example.com"})))
    )

    assert (report.created, report.rejected) == (1, 0)
    assert [row[0] for row in (await snapshot(database))["labelers"]] == ["ana@example.com"]


async def test_given_a_csv_cell_over_the_field_limit_then_its_row_is_rejected_and_the_rest_imported(
    database: Database,
) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",))
    huge = "x" * 200_000
    content = f"task,worker,at,answer\nt1,w,2026-03-02T09:00:00Z,{huge}\nt2,w,2026-03-02T09:00:00Z,yes\n"

    report = await run_import(database, "csv", content, mapping=mapping)

    assert [(r.line, r.reason) for r in report.rejections] == [(2, "not CSV: field larger than field limit (131072)")]
    assert await _stored_labels(database) == ["t2:w"]


async def test_given_a_mapped_column_twice_in_the_header_then_the_file_is_rejected_naming_it(
    database: Database,
) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",))

    report = await run_import(
        database, "csv", "task,worker,at,answer,answer\nt1,w,2026-03-02T09:00:00Z,a,b\n", mapping=mapping
    )

    assert [(r.line, r.reason) for r in report.rejections] == [
        (1, "column 'answer' named in the mapping appears more than once in the header")
    ]
    assert await count(database, Label) == 0


async def test_given_a_semicolon_separated_csv_then_the_missing_columns_and_a_hint_are_named(
    database: Database,
) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",))

    report = await run_import(database, "csv", "task;worker;at;answer\nt1;w;2026-03-02T09:00:00Z;a\n", mapping=mapping)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (
            1,
            "columns 'answer', 'at', 'task', 'worker' named in the mapping are not in the header "
            "(it has 'task;worker;at;answer') (the file is not comma-separated?)",
        )
    ]


async def test_given_a_csv_time_that_does_not_match_the_format_then_the_column_is_named(database: Database) -> None:
    await make_project(database)
    mapping = Mapping(
        task="task",
        labeler="worker",
        started_at="from",
        submitted_at="to",
        answer=("answer",),
        time_format="%d.%m.%Y %H:%M",
    )

    report = await run_import(
        database, "csv", "task,worker,from,to,answer\nt1,w,02.03.2026 09:00,2026-03-02T09:01:00Z,a\n", mapping=mapping
    )

    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "to: '2026-03-02T09:01:00Z' does not match --time-format '%d.%m.%Y %H:%M'")
    ]


async def test_given_labeler_emails_differing_only_in_case_then_they_are_one_labeler(database: Database) -> None:
    await make_project(database)
    review = {
        "id": "r1",
        "reviewed_by": "RITA@example.com",
        "reviewed_at": "2026-03-02T11:00:00Z",
        "review_action": "Approve",
    }
    reviewed = _lb_label("b1", "ana@example.com")
    reviewed["label_details"]["reviews"] = [review]
    lines = _ndjson(
        _lb_row("a", _lb_label("a1", "Ana@Example.com"), _lb_label("a2", "rita@example.com")),
        _lb_row("b", reviewed),
    )

    report = await run_import(database, "labelbox", lines)

    assert (report.created, report.rejected, report.labelers_created) == (3, 0, 2)
    assert (await snapshot(database))["labelers"] == [
        ("ana@example.com", "Ana@Example.com"),
        ("rita@example.com", "rita@example.com"),
    ]


async def test_given_a_labeler_stored_with_an_email_in_another_case_then_it_is_found_not_duplicated(
    database: Database,
) -> None:
    await make_project(database)
    async with database.transaction() as session:
        vendor = Vendor(
            name="Labelbox",
            workforce_type=WorkforceType.IN_HOUSE,
            pricing_model=PricingModel.HOURLY,
            rate=0.0,
            status=VendorStatus.ONBOARDED,
        )
        session.add(vendor)
        await session.flush()
        session.add(Labeler(vendor_id=vendor.id, external_id="Bo@Example.com", name="Bo"))

    report = await run_import(database, "labelbox", _ndjson(_lb_row("a", _lb_label("a1", "bo@example.COM"))))

    assert (report.created, report.labelers_created) == (1, 0)
    assert (await snapshot(database))["labelers"] == [("Bo@Example.com", "Bo")]


async def test_given_an_export_repeating_a_task_then_repeats_are_skipped_and_conflicts_rejected(
    database: Database,
) -> None:
    await make_project(database)
    several = _annotation(11)
    several["result"][0]["value"]["choices"] = ["b", "a"]
    reordered = _annotation(11)
    reordered["result"][0]["value"]["choices"] = ["a", "b"]
    conflicting = _annotation(12, user=11, lead_time=99.0)
    export = _ls_export(_task(1, several, _annotation(12, user=11)), _task(1, reordered, conflicting))

    report = await run_import(database, "labelstudio", export)

    assert (report.created, report.skipped, report.rejected) == (2, 1, 1)
    assert [(s.line, s.reason) for s in report.skips] == [(2, "duplicate of line 1 (label 11)")]
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "label 12 again with other data than on line 1, which is imported")
    ]
    labels = {row[0]: row for row in (await snapshot(database))["labels"]}
    assert (labels["11"][1], labels["12"][4]) == ({"s": ["a", "b"]}, 10.0)


async def test_given_nan_or_infinity_inside_results_then_those_labels_are_rejected_on_both_databases(
    database: Database,
) -> None:
    await make_project(database)
    studio = (
        '[{"id": 1, "annotations": [{"id": 11, "completed_by": 1, "created_at": "2026-03-02T09:00:00Z", '
        '"result": [{"type": "rating", "from_name": "r", "value": {"rating": NaN}}]}, '
        '{"id": 12, "completed_by": 2, "created_at": "2026-03-02T09:00:00Z", '
        '"result": [{"type": "textarea", "from_name": "t", "value": {"text": [1e400]}}]}, '
        '{"id": 13, "completed_by": 3, "created_at": "2026-03-02T09:00:00Z", '
        '"result": [{"type": "rating", "from_name": "r", "value": {"rating": 4}}]}]}]'
    )
    labelbox = _ndjson(
        '{"data_row": {"id": "a"}, "projects": {"p": {"labels": [{"id": "a1", "annotations": {"objects": '
        '[{"bbox": {"top": -Infinity}}]}, "label_details": {"created_by": "x@y", "created_at": "2026-03-02T10:00:00Z"}'
        "}]}}}",
        _lb_row("b", _lb_label("b1")),
    )

    from_studio = await run_import(database, "labelstudio", studio)
    from_labelbox = await run_import(database, "labelbox", labelbox)

    reason = "holds NaN or an infinite number, which JSON cannot store"
    assert [(r.line, r.reason) for r in from_studio.rejections] == [
        (1, f"task 1 annotation 11: result {reason}"),
        (1, f"task 1 annotation 12: result {reason}"),
    ]
    assert [(r.line, r.reason) for r in from_labelbox.rejections] == [(1, f"data row a label a1: annotations {reason}")]
    assert await _stored_labels(database) == ["13", "b1"]


async def test_given_yes_no_fields_written_as_text_then_false_means_no(database: Database) -> None:
    await make_project(database)
    review = {"id": 5, "created_by": 9, "accepted": "false", "created_at": "2026-03-02T10:00:00Z"}
    export = _ls_export(
        _task(1, _annotation(11, was_cancelled="false", ground_truth="false", reviews=[review])),
        _task(2, _annotation(21, was_cancelled="true"), _annotation(22, user=11, ground_truth="maybe")),
    )

    report = await run_import(database, "labelstudio", export)

    assert (report.created, report.skipped) == (1, 1)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "task 2 annotation 22: ground_truth must be true or false, got 'maybe'")
    ]
    state = await snapshot(database)
    assert [(row[0], row[4]) for row in state["tasks"]] == [("1", False), ("2", False)]  # not a benchmark
    assert state["reviews"] == [("5", ReviewVerdict.THUMBS_DOWN)]


async def test_given_a_byte_order_mark_before_a_quoted_csv_header_then_the_first_column_is_found(
    database: Database,
) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",))
    content = '\ufeff"task","worker","at","answer"\r\n"t1","w","2026-03-02T09:00:00Z","a"\r\n'

    report = await run_import(database, "csv", content, mapping=mapping)

    assert (report.created, report.rejected) == (1, 0)


@pytest.mark.parametrize(
    ("vendor", "message"),
    [
        ("V" * 201, f"vendor {'V' * 40!r}... is longer than 200 characters"),
        ("Ac\x00me", "vendor 'Ac\\x00me' holds a NUL character"),
    ],
)
async def test_given_a_vendor_name_no_column_holds_then_the_import_is_refused_before_writing(
    database: Database, vendor: str, message: str
) -> None:
    await make_project(database)

    with pytest.raises(DomainError) as refused:
        await run_import(database, "labelstudio", _ls_export(_task(1, _annotation(11))), vendor=vendor)

    assert (refused.value.message, refused.value.path) == (message, ("vendor",))
    assert await count(database, Label) == 0


async def test_given_a_vendor_name_with_spaces_around_it_then_it_is_the_same_vendor(database: Database) -> None:
    await make_project(database)
    export = _ls_export(_task(1, _annotation(11)))

    await run_import(database, "labelstudio", export, vendor="  Acme ")
    again = await run_import(database, "labelstudio", export, vendor="Acme")

    assert (again.unchanged, again.updated, again.vendors_created) == (1, 0, 0)


async def test_given_epoch_seconds_with_time_format_percent_s_then_they_are_read_as_utc(database: Database) -> None:
    await make_project(database)
    mapping = Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",), time_format="%s")
    content = "task,worker,at,answer\nt1,w,1772442000.5,a\nt2,w,nan,a\nt3,w,yesterday,a\n"

    report = await run_import(database, "csv", content, mapping=mapping)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "at: 'nan' is not a number of seconds since 1970 (--time-format %s)"),
        (4, "at: 'yesterday' is not a number of seconds since 1970 (--time-format %s)"),
    ]
    assert [(row[0], row[3].isoformat()) for row in (await snapshot(database))["labels"]] == [
        ("t1:w", "2026-03-02T09:00:00.500000+00:00")
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("%Q", "time_format '%Q' is not a strftime pattern: 'Q' is a bad directive in format '%Q'"),
        ("%d.%m.%", "time_format '%d.%m.%' is not a strftime pattern: stray % in format '%d.%m.%'"),
    ],
)
def test_given_a_time_format_strptime_cannot_read_then_the_mapping_is_refused_naming_it(
    pattern: str, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        Mapping(task="task", labeler="worker", submitted_at="at", answer=("answer",), time_format=pattern)

    assert str(refused.value) == message


async def test_given_a_labelbox_label_the_labeler_skipped_then_it_is_skipped_not_imported(database: Database) -> None:
    await make_project(database)
    lines = _ndjson(_lb_row("a", _lb_label("a1", skipped=True)), _lb_row("b", _lb_label("b1", skipped=False)))

    report = await run_import(database, "labelbox", lines)

    assert (report.rows, report.created, report.skipped) == (2, 1, 1)
    assert [(s.line, s.reason) for s in report.skips] == [(1, "data row a label a1: skipped by the labeler")]
    assert await _stored_labels(database) == ["b1"]
