"""The import's row rules: the UTC day a moment is counted on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from server.connectors.state import day


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
