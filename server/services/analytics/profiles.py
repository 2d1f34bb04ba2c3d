"""Labelers out of the norm of their project, on quality as well as speed: who is fast and careless, who slow and
careful.

Quality is judged on four shares, each with the count behind it, against the cohort: every other labeler on the
same project in the same window, pooled. Benchmark accuracy (correct benchmark labels over benchmark labels),
approval (thumbs-up reviews over reviews), first-time-right (labels never reworked over labels; one minus the rework
rate) and agreement (agreeing pairs over pairs on consensus tasks, counted by the labeler's labels there, since the
pairs of one label are not independent). Each share p of n against the cohort's p0 gets the binomial score
z = (p - p0) / sqrt(p0·(1 - p0)/n); z below zero is worse than the cohort. A share counts with at least
`MIN_COUNT` behind it (below that the normal approximation does not hold) and a cohort share strictly between 0
and 1. The quality z is Stouffer's combination of the counted shares, sum(z)/sqrt(k); past ±`QUALITY_Z_CUTOFF` the
labeler's quality is LOW or HIGH. The four shares are correlated (a rejected label is reworked), so the combination
is a screening score, not a p-value.

Speed is a labeler's lasting trait, told apart from tenure and from week-to-week noise: each week (from the
weekly rows of `outliers`, whose cohorts hold the labelers of the same project and tenure week) gives the log of the
labeler's mean time over the cohort's median, which takes the learning curve out; the labeler's relative speed is
the label-weighted mean of those logs over every week whose cohort holds at least `MIN_COHORT` labelers (the median
of two or three values says little). Logs, because time per label is a product (the labeler's pace, the learning
curve, lognormal noise). The speed z is the robust z-score of that relative speed against the project's other
labelers', 0.6745·(r - median)/MAD; past ±`SPEED_Z_CUTOFF` the labeler is SLOW or FAST. One week alone is too noisy
to judge a person by: a labeler 1.75 times slower than the rest stays under the cut-off in most single weeks.

The profile puts both together: FAST_AND_CARELESS (quality LOW, faster than the cohort's median), CARELESS
(quality LOW otherwise), SLOW_AND_CAREFUL (a SLOW week, and quality at least the cohort's: quality z >= 0), SLOW,
FAST (flagged weeks with no quality finding), CAREFUL (quality HIGH). Labelers with none of these have no profile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median

from server.services.analytics._labels import LabelSums
from server.services.analytics.agreement import LabelerAgreement
from server.services.analytics.outliers import OutlierRow
from server.services.analytics.quality import ReviewStats

__all__ = [
    "MIN_COHORT",
    "MIN_COUNT",
    "PROFILES",
    "QUALITY_Z_CUTOFF",
    "SPEED_Z_CUTOFF",
    "LabelerProfile",
    "QualityShare",
    "flagged_labelers",
    "labeler_profiles",
    "relative_speeds",
    "speed_scores",
]

MIN_COUNT = 10
MIN_COHORT = 5
QUALITY_Z_CUTOFF = 3.5
SPEED_Z_CUTOFF = 3.5  # Iglewicz and Hoaglin's cut-off for the robust z-score
# The profiles, in the order they are reported: the two that speed and quality tell together come first.
PROFILES = ("FAST_AND_CARELESS", "SLOW_AND_CAREFUL", "CARELESS", "SLOW", "FAST", "CAREFUL")


@dataclass(frozen=True, slots=True)
class QualityShare:
    """One labeler's share on one quality measure, against the cohort's."""

    share: float | None
    count: int  # labels, or reviews for approval: the units behind the share
    cohort_share: float | None
    cohort_count: int
    z: float | None  # None when it does not count (too few, or a cohort share of 0 or 1); < 0 is worse


@dataclass(frozen=True, slots=True)
class LabelerProfile:
    labeler_id: int
    labels: int
    benchmark_accuracy: QualityShare
    approval: QualityShare
    first_time_right: QualityShare
    agreement: QualityShare
    quality_z: float | None
    quality: str | None  # LOW, HIGH or None
    speed_z: float | None  # robust z of the labeler's speed relative to their tenure cohorts; < 0 is faster
    speed: str | None  # FAST, SLOW or None
    profile: str | None  # see the module docstring


# A measure's sums for one labeler: (good, out of, units), the share being good / out of. The units are what the
# variance counts: the same as "out of" except for agreement, whose pairs are counted by labels.
_Sums = tuple[float, float, int]


def _share(mine: _Sums, others: _Sums) -> QualityShare:
    share = mine[0] / mine[1] if mine[1] else None
    cohort = others[0] / others[1] if others[1] else None
    count = mine[2]
    z = None
    if share is not None and cohort is not None and count >= MIN_COUNT and 0.0 < cohort < 1.0:
        z = (share - cohort) / math.sqrt(cohort * (1.0 - cohort) / count)
    return QualityShare(share=share, count=count, cohort_share=cohort, cohort_count=others[2], z=z)


def relative_speeds(speed_rows: Iterable[OutlierRow]) -> dict[int, float]:
    """Each labeler's label-weighted mean of log(week's mean time / cohort median), over weeks whose cohort holds
    at least `MIN_COHORT` labelers."""
    sums: dict[int, tuple[float, int]] = {}
    for row in speed_rows:
        if row.cohort_size < MIN_COHORT or row.cohort_median_seconds <= 0 or row.mean_seconds <= 0:
            continue
        weighted, labels = sums.get(row.labeler_id, (0.0, 0))
        ratio = math.log(row.mean_seconds / row.cohort_median_seconds)
        sums[row.labeler_id] = (weighted + row.labels * ratio, labels + row.labels)
    return {labeler_id: weighted / labels for labeler_id, (weighted, labels) in sums.items()}


def speed_scores(speed_rows: Iterable[OutlierRow]) -> dict[int, float | None]:
    """The robust z of each labeler's relative speed against all the labelers' (None when the MAD is zero)."""
    speeds = relative_speeds(speed_rows)
    if not speeds:
        return {}
    centre = median(speeds.values())
    mad = median(abs(value - centre) for value in speeds.values())
    return {labeler_id: 0.6745 * (value - centre) / mad if mad > 0 else None for labeler_id, value in speeds.items()}


def _profile(quality: str | None, quality_z: float | None, speed: str | None, speed_z: float | None) -> str | None:
    if quality == "LOW":
        return "FAST_AND_CARELESS" if speed_z is not None and speed_z < 0 else "CARELESS"
    if speed == "SLOW":
        return "SLOW_AND_CAREFUL" if quality_z is not None and quality_z >= 0 else "SLOW"
    if speed == "FAST":
        return "FAST"
    return "CAREFUL" if quality == "HIGH" else None


def labeler_profiles(
    by_labeler: Mapping[int, LabelSums],
    reviews: Mapping[int, ReviewStats],
    agreement: Iterable[LabelerAgreement],
    speed_rows: Iterable[OutlierRow],
) -> list[LabelerProfile]:
    """Every labeler of `by_labeler` (one project's window) with their quality shares against the others', and
    their speed from the weekly rows of the same window (all rows, flagged or not)."""
    agreeing = {item.labeler_id: item for item in agreement}
    counts: dict[str, dict[int, _Sums]] = {"bench": {}, "approval": {}, "right": {}, "agreement": {}}
    for labeler_id, sums in by_labeler.items():
        stats = reviews.get(labeler_id, ReviewStats())
        counts["bench"][labeler_id] = (sums.benchmarks_correct, sums.benchmarks, sums.benchmarks)
        counts["approval"][labeler_id] = (stats.thumbs_up, stats.reviews, stats.reviews)
        counts["right"][labeler_id] = (sums.labels - sums.reworked, sums.labels, sums.labels)
        item = agreeing.get(labeler_id)
        counts["agreement"][labeler_id] = (
            (item.agreeing_pairs, item.pairs, item.labels) if item is not None and item.pairs else (0, 0, 0)
        )
    totals = {
        name: (sum(r[0] for r in rows.values()), sum(r[1] for r in rows.values()), sum(r[2] for r in rows.values()))
        for name, rows in counts.items()
    }
    speed_zs = speed_scores(speed_rows)

    profiles: list[LabelerProfile] = []
    for labeler_id, sums in by_labeler.items():
        shares = {}
        for name, rows in counts.items():
            mine, total = rows[labeler_id], totals[name]
            shares[name] = _share(mine, (total[0] - mine[0], total[1] - mine[1], total[2] - mine[2]))
        zs = [share.z for share in shares.values() if share.z is not None]
        quality_z = sum(zs) / math.sqrt(len(zs)) if zs else None
        quality = None
        if quality_z is not None and abs(quality_z) > QUALITY_Z_CUTOFF:
            quality = "LOW" if quality_z < 0 else "HIGH"
        speed_z = speed_zs.get(labeler_id)
        speed = None
        if speed_z is not None and abs(speed_z) > SPEED_Z_CUTOFF:
            speed = "FAST" if speed_z < 0 else "SLOW"
        profiles.append(
            LabelerProfile(
                labeler_id=labeler_id,
                labels=sums.labels,
                benchmark_accuracy=shares["bench"],
                approval=shares["approval"],
                first_time_right=shares["right"],
                agreement=shares["agreement"],
                quality_z=quality_z,
                quality=quality,
                speed_z=speed_z,
                speed=speed,
                profile=_profile(quality, quality_z, speed, speed_z),
            )
        )
    return profiles


def flagged_labelers(profiles: Iterable[LabelerProfile]) -> list[LabelerProfile]:
    """The labelers with a profile, in the order of `PROFILES`, then by labeler."""
    flagged = [profile for profile in profiles if profile.profile is not None]
    return sorted(flagged, key=lambda profile: (PROFILES.index(profile.profile or ""), profile.labeler_id))
