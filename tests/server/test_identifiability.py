"""Identifiability: histories generated from known truth, written as platform records and calibrated, give the
truth back (headcount exact, hours and speeds within 10%, tau within 25% with six weeks of tenure seen)."""

from __future__ import annotations

import pytest

from server.db import Database
from server.services.known_truth import KnownTruth
from server.services.recovery import recover_demo, recover_simulated

SMALL_CASES = [
    KnownTruth(
        "office hours", people=4, hours_per_day=5.0, t0_seconds=300.0, plateau_share=0.7, tau_weeks=1.5, weeks=6
    ),
    KnownTruth(
        "long days, six days a week",
        people=7,
        hours_per_day=7.5,
        t0_seconds=420.0,
        plateau_share=0.6,
        tau_weeks=2.0,
        weeks=6,
        start_hour=6.0,
        working_days=(0, 1, 2, 3, 4, 5),
        max_tenure_weeks=1.0,
    ),
]


@pytest.mark.parametrize("truth", SMALL_CASES, ids=lambda truth: truth.name)
async def test_calibration_recovers_a_simulated_workforce(database: Database, truth: KnownTruth) -> None:
    recovery = await recover_simulated(database, truth, seed=3)
    assert recovery.people_fitted == recovery.people_true
    assert recovery.weeks_of_tenure >= 6.0
    assert recovery.checks() == {
        "headcount": True,
        "hours": True,
        "t0": True,
        "t_inf": True,
        "plateau": True,
        "tau": True,
    }


async def test_calibration_recovers_the_demo_generators_truth(database: Database) -> None:
    recovery = await recover_demo(database, seed=7, project_key="support", scale=0.5)
    assert recovery.people_true and sum(recovery.people_true.values()) > 5
    assert recovery.weeks_of_tenure >= 6.0
    assert recovery.checks() == {"headcount": True, "plateau": True, "review_share": True, "tau": True}


async def test_calibration_recovers_attrition_review_share_and_rework_rate(database: Database) -> None:
    # Given a history where people leave at 10% a week and 40% of labels are reviewed, 20% of reviews turning
    # a label down (reworked and reviewed again until accepted)
    truth = KnownTruth(
        "leaving and reworked",
        people=8,
        hours_per_day=6.0,
        t0_seconds=240.0,
        plateau_share=0.7,
        tau_weeks=1.5,
        weeks=6,
        attrition_per_week=0.10,
        review_share=0.4,
        rework_rate=0.2,
    )
    recovery = await recover_simulated(database, truth, seed=3)
    # Then those who left are no longer counted, and the rates come back
    assert sum(recovery.people_true.values()) < truth.people
    checks = recovery.checks()
    assert {"attrition", "rework_rate", "review_share"} <= set(checks) and all(checks.values()), (
        checks,
        recovery.people_true,
        recovery.people_fitted,
    )
    assert recovery.attrition_fitted is not None and recovery.attrition_fitted.n > 0
