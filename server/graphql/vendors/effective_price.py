"""`vendorEffectivePrice`: a vendor's labeling plus the review of its labels, per accepted label."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from server.auth.permissions import require_metrics_scope
from server.graphql.analytics.queries import _error, _From, _To, _utc, _window
from server.graphql.context import Info
from server.graphql.convert import from_service, mirrors
from server.graphql.errors import NotFoundError, ValidationError
from server.graphql.ids import decode_id
from server.services.analytics import Scope
from server.services.errors import DomainError
from server.services.vendor_price import EffectivePrice, effective_price

__all__ = ["EffectivePriceQueries"]


@mirrors(EffectivePrice)
@strawberry.type(
    name="VendorEffectivePrice",
    description="A vendor's labels submitted in the window: their labeling cost (as the vendor bills it) plus every "
    "review of them, whoever reviewed, priced at the reviewer's vendor's terms; in the vendor's currency.",
)
class VendorEffectivePriceType:
    labels: int
    accepted_labels: int
    labeling_cost: float
    reviews: int = strawberry.field(description="Reviews of these labels, by any reviewer, whenever made.")
    review_cost: float = strawberry.field(description="What those reviews cost (0 where a per-label price covers it).")
    cost: float = strawberry.field(description="labelingCost + reviewCost.")
    per_accepted_label: float | None = strawberry.field(
        description="cost per accepted label: the effective price of an accepted label, review included."
    )


VendorEffectivePriceResult = Annotated[
    VendorEffectivePriceType | NotFoundError | ValidationError, strawberry.union("VendorEffectivePriceResult")
]


@strawberry.type
class EffectivePriceQueries:
    @strawberry.field(
        description="The effective price of a vendor's accepted labels over [from, to), on one project when given: "
        "labeling plus the review of its labels by anyone. Scoped like operationsMetrics."
    )
    async def vendor_effective_price(
        self,
        info: Info,
        vendor_id: relay.GlobalID,
        project_id: relay.GlobalID | None = None,
        from_: _From = None,
        to: _To = None,
    ) -> VendorEffectivePriceResult:
        try:
            vendor = decode_id(vendor_id, "Vendor", ("vendor_id",))
            project = None if project_id is None else decode_id(project_id, "Project", ("project_id",))
            start, end = _utc(from_, ("from",)), _utc(to, ("to",))
            _window(start, end)
            require_metrics_scope(info, project_id=project, vendor_id=vendor, dashboard=False)
            scope = Scope(project_id=project, vendor_id=vendor, start=start, end=end)
            async with info.context.database.session() as session:
                price = await effective_price(session, scope)
        except DomainError as error:
            return _error(error)
        return from_service(VendorEffectivePriceType, price)
