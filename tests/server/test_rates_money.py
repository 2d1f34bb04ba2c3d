"""Money inputs: exact decimals of at most four places, below ten billion; anything else names the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.services.errors import ValidationFailed
from server.services.rates import money


@pytest.mark.parametrize("value", [1e300, 1.5e28, Decimal("1e40"), 10_000_000_000.0])
def test_a_huge_amount_is_refused_as_out_of_range(value: float | Decimal) -> None:
    with pytest.raises(ValidationFailed, match=r"^rate must be below 10000000000"):
        money(("rate",), value)


@pytest.mark.parametrize(("value", "requirement"), [(0.00001, "at most 4 decimal places"), (-1.0, ">= 0")])
def test_other_bad_amounts_name_the_field(value: float, requirement: str) -> None:
    with pytest.raises(ValidationFailed, match=rf"^rate .*{requirement}"):
        money(("rate",), value)


def test_a_valid_amount_is_exact() -> None:
    assert money(("rate",), 0.085) == Decimal("0.0850")
    assert money(("rate",), 9_999_999_999.9999) == Decimal("9999999999.9999")
