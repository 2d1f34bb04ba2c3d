"""Tenure: counted from the labeler's PRODUCTION stage event, the day they passed qualification.

A labeler with no recorded PRODUCTION event (records imported without a stage history) counts from their first
submitted label instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from server.db.enums import LabelerStage
from server.db.models import Label, LabelerStageEvent

__all__ = ["production_start"]


def production_start(labeler_id: Any) -> Any:
    """The instant ``labeler_id`` (a column) entered production, as a scalar subquery."""
    first_label = aliased(Label)
    entered = (
        select(func.min(LabelerStageEvent.entered_at))
        .where(LabelerStageEvent.labeler_id == labeler_id, LabelerStageEvent.stage == LabelerStage.PRODUCTION)
        .scalar_subquery()
    )
    first_submitted = (
        select(func.min(first_label.submitted_at)).where(first_label.labeler_id == labeler_id).scalar_subquery()
    )
    return func.coalesce(entered, first_submitted)
