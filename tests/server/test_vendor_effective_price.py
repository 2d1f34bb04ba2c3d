"""A vendor's effective price per accepted label: its labeling plus every review of its labels, by anyone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from server.db import Database
from server.db.enums import LabelStatus, PricingModel, ReviewVerdict
from server.db.models import Labeler
from server.db.rates import FROM_THE_START, LabelerRate
from server.services.analytics import Scope, cost_metrics
from server.services.errors import NotFound, ValidationFailed
from server.services.vendor_price import effective_price
from tests.server.access_world import build_access_world, gid
from tests.server.conftest import http_client
from tests.server.test_analytics_world import World, day

UP, DOWN = ReviewVerdict.THUMBS_UP, ReviewVerdict.THUMBS_DOWN


async def _world(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        w = World(session)
        seller = await w.vendor(PricingModel.PER_LABEL, rate=0.5)  # the vendor being priced
        qa = await w.vendor(PricingModel.HOURLY)  # in-house QA billing its reviewers' hours
        bundled = await w.vendor(PricingModel.PER_LABEL, rate=0.2)  # its reviewing is in its own price
        other = await w.vendor(PricingModel.HOURLY)
        x, y = await w.project(), await w.project()
        a = await w.labeler(seller)
        q = await w.labeler(qa, hourly_rate=36.0)  # 0.01 per second
        p = await w.labeler(bundled, hourly_rate=99.0)
        b = await w.labeler(other, hourly_rate=36.0)
        accepted, rejected = LabelStatus.ACCEPTED, LabelStatus.REJECTED
        before = await w.label(await w.task(x), a, at=day(0, 5), status=accepted)  # before the window
        await w.review(before, q, UP, seconds=100, at=day(1, 1))
        first = await w.label(await w.task(x), a, at=day(1, 1), status=accepted)
        await w.review(first, q, DOWN, seconds=100, at=day(1, 2))  # 1.00
        await w.review(first, q, UP, seconds=50, at=day(5))  # 0.50: after the window, still this label's review
        second = await w.label(await w.task(x), a, at=day(2, 1), status=accepted)
        await w.review(second, p, UP, seconds=200, at=day(2, 2))  # covered by the reviewer's per-label price
        third = await w.label(await w.task(x), a, at=day(2, 3), status=rejected)
        await w.review(third, q, DOWN, seconds=30, at=day(2, 4))  # 0.30: a rejected label's review is paid too
        elsewhere = await w.label(await w.task(y), a, at=day(1, 3), status=accepted)
        await w.review(elsewhere, q, UP, seconds=10, at=day(1, 4))  # 0.10, on the other project
        theirs = await w.label(await w.task(x), b, at=day(1, 5), status=accepted)
        await w.review(theirs, q, UP, seconds=500, at=day(1, 6))  # another vendor's label: not the seller's
        return {"seller": seller.id, "x": x.id, "qa": qa.id, "q": q.id}


async def test_review_of_the_vendors_labels_by_anyone_is_added_to_its_price(database: Database) -> None:
    ids = await _world(database)
    scope = Scope(vendor_id=ids["seller"], project_id=ids["x"], start=day(1), end=day(3))
    async with database.session() as session:
        price = await effective_price(session, scope)
        own = await cost_metrics(session, scope)
    # Three labels in the window, two accepted at 0.50; reviews 1.00 + 0.50 + 0 + 0.30.
    assert (price.labels, price.accepted_labels, price.reviews) == (3, 2, 4)
    assert price.labeling_cost == pytest.approx(1.0)
    assert price.review_cost == pytest.approx(1.8)
    assert price.cost == pytest.approx(2.8)
    assert price.per_accepted_label == pytest.approx(1.4)
    # The vendor's own cost metrics book those reviews to QA, so they price its accepted label at its rate alone.
    assert own.cost_per_accepted_label == pytest.approx(0.5)


async def test_a_reviewers_hours_are_priced_at_the_rate_in_force_on_the_day_of_the_review(database: Database) -> None:
    ids = await _world(database)
    async with database.transaction() as session:
        reviewer = await session.get(Labeler, ids["q"])
        assert reviewer is not None
        reviewer.hourly_rate = 72.0  # the rate today; it was 36 until the raise on day 2
        raise_day = day(2).date().isoformat()
        session.add_all(
            [
                LabelerRate(labeler_id=ids["q"], effective_day=FROM_THE_START, hourly_rate=Decimal("36")),
                LabelerRate(labeler_id=ids["q"], effective_day=raise_day, hourly_rate=Decimal("72")),
            ]
        )
    scope = Scope(vendor_id=ids["seller"], project_id=ids["x"], start=day(1), end=day(3))
    async with database.session() as session:
        price = await effective_price(session, scope)
    # 100 s on day 1 at 36/h (1.00), 30 s on day 2 and 50 s on day 5 at 72/h (0.60 and 1.00); at today's rate
    # throughout it would be 3.60.
    assert price.review_cost == pytest.approx(2.6)


async def test_an_open_scope_takes_every_project_and_day_and_nothing_accepted_has_no_price(
    database: Database,
) -> None:
    ids = await _world(database)
    async with database.session() as session:
        everything = await effective_price(session, Scope(vendor_id=ids["seller"]))
        empty = await effective_price(session, Scope(vendor_id=ids["seller"], start=day(10), end=day(11)))
    assert (everything.labels, everything.accepted_labels, everything.reviews) == (5, 4, 6)
    assert everything.review_cost == pytest.approx(1.0 + 1.5 + 0.3 + 0.1)
    assert everything.per_accepted_label == pytest.approx((4 * 0.5 + 2.9) / 4)
    assert (empty.labels, empty.reviews, empty.cost, empty.per_accepted_label) == (0, 0, 0.0, None)


async def test_a_missing_or_unknown_vendor_is_refused_by_name(database: Database) -> None:
    await _world(database)
    async with database.session() as session:
        with pytest.raises(ValidationFailed, match=r"^vendor_id is required"):
            await effective_price(session, Scope())
        with pytest.raises(NotFound, match="Vendor 999999 does not exist"):
            await effective_price(session, Scope(vendor_id=999_999))


_QUERY = """
query ($vendorId: ID!, $projectId: ID, $from: DateTime, $to: DateTime) {
  vendorEffectivePrice(vendorId: $vendorId, projectId: $projectId, from: $from, to: $to) {
    __typename
    ... on VendorEffectivePrice { labels acceptedLabels labelingCost reviews reviewCost cost perAcceptedLabel }
    ... on UserError { message field }
  }
}
"""


async def _ask(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    answer = (await client.post("/graphql", json={"query": _QUERY, "variables": variables})).json()
    assert "errors" not in answer, answer
    return dict(answer["data"]["vendorEffectivePrice"])


async def test_the_api_answers_the_effective_price_and_names_bad_arguments(
    database: Database, admin_client: httpx.AsyncClient
) -> None:
    ids = await _world(database)
    window = {"from": day(1).isoformat(), "to": day(3).isoformat()}
    price = await _ask(
        admin_client, vendorId=gid("Vendor", ids["seller"]), projectId=gid("Project", ids["x"]), **window
    )
    assert price["__typename"] == "VendorEffectivePrice"
    assert price["perAcceptedLabel"] == pytest.approx(1.4) and price["reviewCost"] == pytest.approx(1.8)
    reversed_window = await _ask(
        admin_client, vendorId=gid("Vendor", ids["seller"]), **{"from": window["to"], "to": window["from"]}
    )
    assert reversed_window["__typename"] == "ValidationError" and reversed_window["field"] == "to"
    unknown = await _ask(admin_client, vendorId=gid("Vendor", 999_999))
    assert unknown["__typename"] == "NotFoundError" and unknown["field"] == "vendorId"


async def test_a_vendor_manager_prices_only_their_own_vendor(database: Database) -> None:
    world = await build_access_world(database)
    async with http_client(database, {"Authorization": f"Bearer {world.keys['vm']}"}) as client:
        own = await _ask(client, vendorId=gid("Vendor", world.ids["va"]))
        foreign = await _ask(client, vendorId=gid("Vendor", world.ids["vb"]))
    assert own["__typename"] == "VendorEffectivePrice"
    assert foreign["__typename"] == "NotFoundError"
