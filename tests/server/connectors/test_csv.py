"""CSV imports through a mapping: crowd platforms' raw result files (Figure Eight / Appen, Mechanical Turk batch
results, laid out as their documentation describes) import with a mapping alone; bad rows are rejected by line."""

from __future__ import annotations

import pytest

from server.connectors.csv import Mapping
from server.db import Database
from server.db.enums import LabelStatus, TaskStatus
from server.db.models import Vendor
from tests.server.connectors.world import count, make_project, rollups_match_a_full_rebuild, run_import, snapshot

pytestmark = pytest.mark.database


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


APPEN = Mapping(
    task="_unit_id",
    labeler="_worker_id",
    started_at="_started_at",
    submitted_at="_created_at",
    vendor="_channel",
    answer=("sentiment",),
    gold="sentiment_gold",
    time_format="%m/%d/%Y %H:%M:%S",
)
APPEN_FILE = _csv(
    "_unit_id,_created_at,_golden,_id,_missed,_started_at,_tainted,_channel,_trust,_worker_id,"
    "_country,sentiment,sentiment_gold,text",
    "1001,1/24/2018 09:48:10,false,5001,,1/24/2018 09:47:40,false,neodev,0.9,w-17,USA,positive,,I love it",
    "1001,1/24/2018 10:02:00,false,5002,,1/24/2018 10:01:15,false,clixsense,0.8,w-18,PHL,positive,,I love it",
    "1002,1/24/2018 10:05:00,true,5003,,1/24/2018 10:04:30,false,neodev,0.9,w-17,USA,negative,negative,Awful",
    "1002,1/24/2018 10:05:00,true,5003,,1/24/2018 10:04:30,false,neodev,0.9,w-17,USA,negative,negative,Awful",
    "1003,1/24/2018 10:06:00,false,5004,,1/24/2018 10:07:30,false,neodev,0.9,w-17,USA,neutral,,Backwards",
    "1004,24/01/2018 10:06,false,5005,,1/24/2018 10:05:00,false,neodev,0.9,w-19,USA,neutral,,Bad time",
    "1005,1/24/2018 10:06:00,false,5006,,1/24/2018 10:05:00,false,neodev,0.9,,USA,neutral,,No worker",
)

MTURK = Mapping(
    task="HITId",
    label="AssignmentId",
    labeler="WorkerId",
    started_at="AcceptTime",
    submitted_at="SubmitTime",
    seconds="WorkTimeInSeconds",
    review="AssignmentStatus",
    answer=("Answer.category", "Answer.tags"),
    multi=("Answer.tags",),
    multi_separator="|",
    time_format="%a %b %d %H:%M:%S %Z %Y",
)
MTURK_FILE = _csv(
    '"HITId","HITTypeId","AssignmentId","WorkerId","AssignmentStatus","AcceptTime",'
    '"SubmitTime","WorkTimeInSeconds","Answer.category","Answer.tags"',
    '"3HIT1","3TYPE","3ASG1","A1WORKER","Approved","Wed Jan 24 09:48:10 PST 2018",'
    '"Wed Jan 24 09:49:00 PST 2018","50","cat","fur|whiskers"',
    '"3HIT1","3TYPE","3ASG2","A2WORKER","Rejected","Wed Jan 24 09:50:10 PDT 2018",'
    '"Wed Jan 24 09:51:00 PDT 2018","50","dog","whiskers|fur"',
    '"3HIT2","3TYPE","3ASG3","A1WORKER","Submitted","Wed Jan 24 23:58:00 PST 2018",'
    '"Thu Jan 25 00:02:00 PST 2018","240","cat",""',
    '"3HIT3","3TYPE","3ASG4","A2WORKER","Escalated","Wed Jan 24 09:48:10 PST 2018",'
    '"Wed Jan 24 09:49:00 PST 2018","50","cat",""',
)


async def test_given_an_appen_full_report_when_imported_with_a_mapping_then_channels_become_vendors(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "csv", APPEN_FILE, mapping=APPEN)

    assert (report.rows, report.created, report.skipped, report.rejected) == (7, 3, 1, 3)
    reasons = {r.line: r.reason for r in report.rejections}
    assert "does not match --time-format '%m/%d/%Y %H:%M:%S'" in reasons[7]
    assert reasons[8] == "_worker_id is empty (the labeler is unknown)"
    assert {s.line: s.reason for s in report.skips}[5] == "duplicate of line 4 (label 1002:w-17)"
    assert await count(database, Vendor) == 2  # neodev, clixsense
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["1001:w-17"][1] == {"sentiment": "positive"} and labels["1001:w-17"][4] == 30.0
    tasks = {row[0]: row for row in state["tasks"]}
    assert tasks["1002"][4] is True and tasks["1002"][5] == {"sentiment": "negative"}
    assert tasks["1001"][6].isoformat() == "2018-01-24T09:47:40+00:00"  # created at the first work seen
    await rollups_match_a_full_rebuild(database)


async def test_given_submit_before_start_then_the_row_is_rejected(database: Database) -> None:
    await make_project(database)
    report = await run_import(database, "csv", APPEN_FILE, mapping=APPEN)
    assert "is before _started_at" in {r.line: r.reason for r in report.rejections}[6]


async def test_given_mturk_batch_results_then_time_zones_statuses_and_multi_valued_answers_are_read(
    database: Database,
) -> None:
    await make_project(database)

    report = await run_import(database, "csv", MTURK_FILE, mapping=MTURK, vendor="Mechanical Turk")

    assert (report.created, report.rejected) == (3, 1)
    assert "AssignmentStatus 'Escalated' is neither approved nor rejected" in report.rejections[0].reason
    state = await snapshot(database)
    labels = {row[0]: row for row in state["labels"]}
    assert labels["3ASG1"][1] == {"Answer.category": "cat", "Answer.tags": ["fur", "whiskers"]}
    assert labels["3ASG2"][1]["Answer.tags"] == ["fur", "whiskers"]  # order-free: comparable
    assert labels["3ASG1"][3].isoformat() == "2018-01-24T17:49:00+00:00"  # PST is UTC-8
    assert labels["3ASG2"][3].isoformat() == "2018-01-24T16:51:00+00:00"  # PDT is UTC-7
    assert labels["3ASG3"][3].isoformat() == "2018-01-25T08:02:00+00:00"
    assert [labels[k][2] for k in ("3ASG1", "3ASG2", "3ASG3")] == [
        LabelStatus.ACCEPTED,
        LabelStatus.REJECTED,
        LabelStatus.ACCEPTED,
    ]
    assert {row[0]: row[1] for row in state["tasks"]}["3HIT1"] is TaskStatus.IN_REWORK
    await rollups_match_a_full_rebuild(database)


def test_given_a_mapping_without_the_needed_fields_then_it_names_them() -> None:
    with pytest.raises(ValueError, match="the CSV mapping needs labeler, answer"):
        Mapping(task="HITId")
    with pytest.raises(ValueError, match="submitted_at, or started_at and seconds"):
        Mapping(task="t", labeler="w", answer=("a",))
    with pytest.raises(ValueError, match="unknown mapping field 'worker'"):
        Mapping.from_values({"mapping": {"worker": "w"}})
    with pytest.raises(ValueError, match="time zone 'Mars/Base' is not an IANA zone"):
        Mapping(task="t", labeler="w", answer=("a",), submitted_at="s", time_zone="Mars/Base")


def test_given_flags_and_a_toml_file_then_flags_win_and_answers_accumulate(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "appen.toml"
    path.write_text(
        '[mapping]\ntask = "_unit_id"\nlabeler = "_worker_id"\nsubmitted_at = "_created_at"\nanswer = "x"\n'
    )

    mapping = Mapping.load(path, ["answer=a", "answer=b", "labeler=worker"], time_format="%d.%m.%Y", time_zone=None)

    assert (mapping.task, mapping.labeler, mapping.answer, mapping.time_format) == (
        "_unit_id",
        "worker",
        ("a", "b"),
        "%d.%m.%Y",
    )


async def test_given_a_column_missing_from_the_header_then_the_file_is_rejected_at_line_1(database: Database) -> None:
    await make_project(database)
    report = await run_import(database, "csv", "HITId,WorkerId\n1,2\n", mapping=MTURK)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (
            1,
            "columns 'AcceptTime', 'Answer.category', 'Answer.tags', 'AssignmentId', 'AssignmentStatus', 'SubmitTime', "
            "'WorkTimeInSeconds' named in the mapping are not in the header (it has 'HITId', 'WorkerId')",
        )
    ]
