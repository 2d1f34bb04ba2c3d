"""The import's row rules: a moment's UTC day, a label's status from its reviews, a task's completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from server.connectors.state import LabelState, completion, day, label_status
from server.db.enums import LabelStatus, ReviewVerdict


def test_given_moments_in_any_zone_then_the_day_is_their_utc_date() -> None:
    # Days are cached by ordinal: the same UTC day from different zones, both sides of midnight, far years.
    berlin = timezone(timedelta(hours=1))
    moments = [
        datetime(2026, 3, 2, 0, 30, tzinfo=berlin),  # 1 March in UTC
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5))),  # 2 March in UTC
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        *(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(500)),
    ]

    assert [day(m) for m in moments] == [m.astimezone(UTC).date().isoformat() for m in moments]
    assert day(moments[0]) == "2026-03-01"
    assert day(moments[3]) == "2026-03-02"


def _label(submitted: datetime, status: LabelStatus) -> LabelState:
    return LabelState(None, 1, 1, "a", {}, None, status, submitted, submitted, 1.0, 0)


def test_given_reviews_in_any_order_then_the_latest_decides_and_earlier_thumbs_down_count_as_rework() -> None:
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    up, down = ReviewVerdict.THUMBS_UP, ReviewVerdict.THUMBS_DOWN
    assert label_status([], None) == (LabelStatus.ACCEPTED, 0)
    assert label_status([], down) == (LabelStatus.REJECTED, 0)
    assert label_status([], up) == (LabelStatus.ACCEPTED, 0)
    assert label_status([(down, t + timedelta(hours=2)), (up, t)], up) == (LabelStatus.REJECTED, 0)
    assert label_status([(up, t + timedelta(hours=2)), (down, t), (down, t + timedelta(hours=1))], None) == (
        LabelStatus.ACCEPTED,
        2,
    )


def test_given_labels_then_the_task_completes_when_its_required_th_accepted_label_was_submitted() -> None:
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    accepted, submitted = LabelStatus.ACCEPTED, LabelStatus.SUBMITTED
    assert completion([_label(t, accepted)], 1) == t
    assert completion([_label(t, submitted)], 1) is None
    assert completion([_label(t, accepted)], 2) is None
    three = [_label(t + timedelta(hours=3), accepted), _label(t, submitted), _label(t + timedelta(hours=1), accepted)]
    assert completion(three, 1) == t + timedelta(hours=1)
    assert completion(three, 2) == t + timedelta(hours=3)
    assert completion(three, 3) is None
