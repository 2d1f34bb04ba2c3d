"""The demo's labeling queue: shifts in each vendor's time zone, and waits that come from busy labelers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from server.services.demo.queue import ShiftPattern, dispatch, next_on_shift, shift_windows

MONDAY = datetime(2025, 11, 10, tzinfo=UTC)


def _always(days: int) -> np.ndarray:
    return np.array([[0.0, float(days)]])


def test_shifts_follow_the_local_working_week_and_clock() -> None:
    # Given a labeler in Manila starting at 09:00 local (01:00 UTC), seven hours a day, no weekends
    windows = shift_windows(
        ShiftPattern("Asia/Manila", 9.0, 7.0), MONDAY, 14, available_from=0.0, available_until=np.inf
    )
    # Then two weeks hold ten shifts, Monday to Friday, 01:00-08:00 UTC
    assert windows.shape == (10, 2)
    assert sorted({int(start) % 7 for start, _ in windows}) == [0, 1, 2, 3, 4]
    assert np.allclose(windows[:, 0] % 1.0, 1.0 / 24.0) and np.allclose(windows[:, 1] - windows[:, 0], 7.0 / 24.0)
    # A crowd worker taking Saturdays too, and someone reaching production on Wednesday noon and leaving on day 10
    saturday = shift_windows(
        ShiftPattern("Europe/Warsaw", 16.0, 3.0, saturday=True), MONDAY, 7, available_from=0.0, available_until=9.0
    )
    assert sorted(int(start) % 7 for start, _ in saturday) == [0, 1, 2, 3, 4, 5]
    late = shift_windows(ShiftPattern("Asia/Manila", 9.0, 7.0), MONDAY, 14, available_from=2.5, available_until=10.0)
    assert late[0, 0] >= 2.5 and late[-1, 1] <= 10.0 and len(late) == 5  # Thursday, Friday, Monday..Wednesday
    # The second half of the shift, for someone on two projects
    half = shift_windows(
        ShiftPattern("Asia/Manila", 9.0, 8.0), MONDAY, 7, available_from=0.0, available_until=9.0, part=(0.5, 1.0)
    )
    assert np.allclose(half[:, 0] % 1.0, 5.0 / 24.0) and np.allclose(half[:, 1] % 1.0, 9.0 / 24.0)


def test_a_busy_labeler_makes_the_queue_wait_in_order_of_priority_then_arrival() -> None:
    # Given one labeler on shift all the time and tasks of an hour each arriving every half hour
    created = np.arange(6) * 0.5 / 24.0
    priority = np.array([0, 0, 0, 0, 2, 0])
    work = dispatch(created, priority, np.ones(6, dtype=int), [_always(2)], lambda *_: 3600.0, np.random.default_rng(1))
    # Then the labeler works back to back: the queue, not a drawn delay, sets when each task starts
    assert np.allclose(np.diff(work.started), 1.0 / 24.0)
    assert work.started[0] == 0.0
    # The urgent task, arriving at 02:00 as the labeler frees up, goes before the two that waited, then by arrival
    assert work.task.tolist() == [0, 1, 4, 2, 3, 5]


def test_nobody_works_off_shift_and_idle_labelers_take_new_work_at_once() -> None:
    # Given two labelers: one on shift on day 0 only, one from noon of day 1
    windows = [np.array([[0.0, 1.0]]), np.array([[1.5, 3.0]])]
    created = np.array([0.2, 1.2, 2.0])
    work = dispatch(
        created, np.zeros(3, dtype=int), np.ones(3, dtype=int), windows, lambda *_: 60.0, np.random.default_rng(2)
    )
    by_task = dict(zip(work.task.tolist(), zip(work.person.tolist(), work.started.tolist(), strict=True), strict=True))
    assert by_task[0] == (0, 0.2)  # taken when it arrived: someone was idle on shift
    assert by_task[1] == (1, 1.5)  # nobody on shift at 1.2: it waits for the next shift to begin
    assert by_task[2] == (1, 2.0)


def test_consensus_tasks_get_distinct_labelers() -> None:
    rng = np.random.default_rng(3)
    created = np.sort(rng.uniform(0.0, 5.0, 300))
    required = np.where(rng.random(300) < 0.3, 3, 1)
    windows = [_always(30) for _ in range(4)]
    work = dispatch(created, np.zeros(300, dtype=int), required, windows, lambda *_: 600.0, rng)
    assert work.task.size == int(required.sum())
    pairs = set(zip(work.task.tolist(), work.person.tolist(), strict=True))
    assert len(pairs) == work.task.size  # nobody labels the same task twice
    assert all(work.started[work.task == t].min() >= created[t] for t in range(300))


def test_rework_waits_for_the_labelers_next_shift() -> None:
    windows = [np.array([[0.0, 0.3], [1.0, 1.3]])]
    at = np.array([0.1, 0.5, 2.0])
    otherwise = np.full(3, -1.0)
    assert next_on_shift(windows, np.zeros(3, dtype=int), at, otherwise=otherwise).tolist() == [0.1, 1.0, -1.0]
