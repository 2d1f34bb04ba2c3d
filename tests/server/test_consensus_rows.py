"""The consensus tables' rows counted in Python (`services.consensus_rows`), on a task worked out by hand; the import
tests compare the same counting with the SQL rebuild on both databases."""

from __future__ import annotations

from server.services.consensus_rows import count_consensus_rows

D1, D2 = "2026-04-01", "2026-04-02"
# Task 7: two cat labels by labelers 1 and 2 of vendor 10, a dog label by labeler 3 of vendor 20, over two days.
# Task 8 holds one label (not counted); task 9 two labels of one vendor on one day, a tie of one each.
LABELS = [
    (7, 1, 1, 10, D1, '["cat"]'),
    (8, 1, 1, 10, D1, '["cat"]'),
    (7, 1, 2, 10, D2, '["cat"]'),
    (9, 1, 1, 10, D2, '["cat"]'),
    (7, 1, 3, 20, D1, '["dog"]'),
    (9, 1, 3, 10, D2, '["dog"]'),
]


def test_given_labels_of_three_tasks_then_only_those_of_two_or_more_labels_are_counted() -> None:
    rows = count_consensus_rows(LABELS)

    assert sorted(rows.tasks) == [(7, 1, D1, D2), (9, 1, D2, D2)]
    assert sorted(rows.spans) == [(1, D1, D2, 3, 1, 2), (1, D2, D2, 2, 1, 0)]
    assert sorted(rows.values) == [
        (1, D1, D2, '["cat"]', 2),
        (1, D1, D2, '["dog"]', 1),
        (1, D2, D2, '["cat"]', 1),
        (1, D2, D2, '["dog"]', 1),
    ]
    assert sorted(rows.labelers) == [
        (1, D1, D2, 1, 1, 1, 2),
        (1, D1, D2, 2, 1, 1, 2),
        (1, D1, D2, 3, 1, 0, 2),
        (1, D2, D2, 1, 1, 0, 1),
        (1, D2, D2, 3, 1, 0, 1),
    ]
    # Vendor 10 counts once on task 9, where both labels are its labelers'.
    assert sorted(rows.members) == [
        (1, D1, D2, 3, "labeler", 1, 1, 2),
        (1, D1, D2, 3, "labeler", 2, 1, 2),
        (1, D1, D2, 3, "labeler", 3, 1, 2),
        (1, D1, D2, 3, "vendor", 10, 1, 2),
        (1, D1, D2, 3, "vendor", 20, 1, 2),
        (1, D2, D2, 2, "labeler", 1, 1, 0),
        (1, D2, D2, 2, "labeler", 3, 1, 0),
        (1, D2, D2, 2, "vendor", 10, 1, 0),
    ]
    assert (1, D2, D2, "vendor", 10, '["cat"]', 1) in rows.member_values
    assert (1, D1, D2, "vendor", 10, '["dog"]', 1) in rows.member_values
    assert len(rows.member_values) == 5 * 2 + 3 * 2


def test_given_spans_then_only_tasks_whose_span_is_listed_are_counted() -> None:
    rows = count_consensus_rows(LABELS, spans=[(D2, D2), (D1, D1)])

    assert rows.tasks == [(9, 1, D2, D2)]
    assert {row[:3] for row in rows.member_values} == {(1, D2, D2)}


def test_given_no_labels_or_no_spans_then_there_are_no_rows() -> None:
    for rows in (count_consensus_rows([]), count_consensus_rows(LABELS, spans=[])):
        assert rows.by_table() == [(table, columns, []) for table, columns, _rows in rows.by_table()]
