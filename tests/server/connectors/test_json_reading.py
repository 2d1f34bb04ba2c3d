"""Exports are read by `json_reading.loads`: the same values as `json.loads` (types, float bits, integers of any
size, key order, the last of duplicate keys) on every document, and the same error, message and position
included, on every document the standard library refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.connectors.json_reading import loads, read_json


def _same(left: Any, right: Any) -> bool:
    """Equal values of the same types throughout; floats by their bits (-0.0, NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return repr(left) == repr(right)
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _read_alike(text: str) -> None:
    try:
        expected = json.loads(text)
    except json.JSONDecodeError as error:
        with pytest.raises(json.JSONDecodeError) as raised:
            loads(text)
        assert (raised.value.msg, raised.value.pos) == (error.msg, error.pos)
        return
    assert _same(loads(text), expected), text


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20
)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_every_value_the_standard_library_writes_reads_back_alike(value: Any) -> None:
    _read_alike(json.dumps(value))
    _read_alike(json.dumps(value, ensure_ascii=False, indent=1))


# Numbers as text, beyond what json.dumps writes: long mantissas, exponents of every size, leading signs.
_digits = st.text("0123456789", min_size=1, max_size=30)
_numbers = st.builds(
    lambda sign, whole, fraction, exponent: f"{sign}{whole.lstrip('0') or '0'}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    _digits,
    st.one_of(st.just(""), _digits.map(lambda d: f".{d}")),
    st.one_of(st.just(""), st.integers(-400, 400).map(lambda e: f"e{e}"), st.integers(0, 30).map(lambda e: f"E+{e}")),
)


@settings(max_examples=600, deadline=None)
@given(_numbers)
def test_numbers_read_to_the_same_value(number: str) -> None:
    _read_alike(number)
    _read_alike(f'{{"seconds": {number}, "id": {number}}}')


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        '{"lead_time": Infinity}',
        "[-Infinity]",
        "1e400",
        "-1e400",
        '"\\ud800"',
        '{"a": "\\udc00x"}',
        "\ufeff[]",
        "[1, 2",
        '{"a": 1,}',
        '{"a" 1}',
        "[1]\n[2]",
        '"tab\tinside"',
        "",
        "   ",
        '{"a": 1, "a": 2}',
        "123456789012345678901234567890",
        '{"id": 18446744073709551616}',
        "[" * 50 + "]" * 50,
    ],
)
def test_documents_at_the_edges_read_alike(text: str) -> None:
    _read_alike(text)


def _finite(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(_values)
def test_text_read_as_strict_holds_no_number_a_database_refuses(value: Any) -> None:
    """The importers check a value for NaN and infinities only when its text was not strict JSON."""
    read, strict = read_json(json.dumps(value))
    assert _same(read, value)
    assert strict == _finite(value)


@pytest.mark.parametrize("text", ["NaN", '{"a": [1, Infinity]}', "-Infinity", "1e400", '{"seconds": -1E+999}'])
def test_numbers_beyond_json_are_not_strict(text: str) -> None:
    value, strict = read_json(text)
    assert not strict and not _finite(value)
