"""The demo's guideline change: the support project publishes version 2 mid-way, and rework falls after it beyond
what experience alone explains (compared among labelers past their learning curve, four weeks in production)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.db.enums import LabelerStage, LabelStatus
from server.services.analytics.intervals import share_difference, wilson
from server.services.demo.catalog import PROJECTS
from server.services.demo.generate import WINDOW_DAYS, generate

ANCHOR = datetime(2026, 3, 4, tzinfo=UTC)


def test_the_support_project_changes_its_guidelines_mid_way_and_rework_falls_after_it() -> None:
    rows = generate(7, ANCHOR, 0.25)
    start = ANCHOR - timedelta(days=WINDOW_DAYS)
    spec = next(spec for spec in PROJECTS if spec.guideline_change is not None)
    change = spec.guideline_change
    assert change is not None
    project = next(i for i, row in enumerate(rows.projects) if row["name"] == spec.name)

    # Versions: 1 for every project, 2 for this one on the change day; the project row shows the newest.
    numbers = sorted((row["project_id"], row["number"]) for row in rows.guideline_versions)
    assert numbers == sorted([(i, 1) for i in range(len(rows.projects))] + [(project, 2)])
    newest = next(row for row in rows.guideline_versions if row["project_id"] == project and row["number"] == 2)
    assert newest["created_at"] == start + timedelta(days=change.day)
    assert rows.projects[project]["instructions"] == change.instructions == newest["instructions"]

    production = {
        event["labeler_id"]: event["entered_at"]
        for event in rows.stage_events
        if event["stage"] == LabelerStage.PRODUCTION
    }
    reviewed = {review["label_id"] for review in rows.reviews}
    counts = {False: [0, 0], True: [0, 0]}  # after the change: [sent back, reviewed]
    for index, label in enumerate(rows.labels):
        if rows.tasks[label["task_id"]]["project_id"] != project or index not in reviewed:
            continue
        if label["started_at"] - production[label["labeler_id"]] < timedelta(weeks=4):
            continue
        after = label["started_at"] >= newest["created_at"]
        counts[after][1] += 1
        counts[after][0] += label["rework_count"] > 0 or label["status"] == LabelStatus.REJECTED

    difference = share_difference(wilson(*counts[False]), wilson(*counts[True]))
    assert difference is not None
    assert difference.high < 0, (counts, difference)  # the 95% interval excludes "no change"
