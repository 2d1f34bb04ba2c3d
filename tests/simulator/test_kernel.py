"""The fast kernels (pure and compiled) against hand computation and against the per-task SimPy reference flow."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import simpy

from simulator import Consensus, Headcount, ModelSpec, Pool, Review, Scenario, run_replication
from simulator.flow import FlowInputs
from simulator.kernel import kernel_flow
from simulator.reference import ReferenceFlow

ARRIVALS = np.array([0.0, 0.1, 0.2, 0.3, 2.0, 2.05])
WORK = np.array([1.0, 0.5, 0.4, 0.3, 0.2, 0.1])


def _inputs(review: bool = False) -> FlowInputs:
    n = ARRIVALS.size
    zeros, empty = np.zeros(n), np.empty(0)
    return FlowInputs(
        arrival=ARRIVALS,
        work=WORK,
        u_review=zeros if review else empty,  # every label is reviewed ...
        u_error=zeros if review else empty,  # ... and erroneous on its first round
        u_detect=zeros if review else empty,
        review_hours=np.full(n, 0.25) if review else empty,
        share_reviewed=1.0 if review else 0.0,
        detection_probability=1.0,
        rework_time_factor=0.5,
        review_mean_hours=0.25,
        rework_key=12345,
    )


def test_kernel_matches_hand_computed_fcfs(kernel: str) -> None:
    flow = kernel_flow(_inputs())
    a, b = flow.add_labeler(1.0, 0.0), flow.add_labeler(2.0, 0.0)  # b takes twice as long
    flow.labelers_on([a, b], 0.0)
    flow.advance(10.0)
    out = flow.finish()
    # Job 0 -> a [0, 1]; job 1 -> b [0.1, 1.1]; job 2 waits for a [1, 1.4]; job 3 -> b [1.1, 1.7];
    # job 4 -> a [2, 2.2]; job 5 -> a (free at 2.2, b at 1.7: b) [2.05, 2.25].
    np.testing.assert_allclose(out.start, [0.0, 0.1, 1.0, 1.1, 2.0, 2.05])
    np.testing.assert_allclose(out.done, [1.0, 1.1, 1.4, 1.7, 2.2, 2.25])
    np.testing.assert_array_equal(out.labeler, [a, b, a, b, a, b])
    np.testing.assert_allclose(flow.busy_hours(), [1.0 + 0.4 + 0.2, 1.0 + 0.6 + 0.2])


def test_kernel_pauses_off_duty_and_resumes(kernel: str) -> None:
    flow = kernel_flow(_inputs())
    a = flow.add_labeler(1.0, 0.0)
    flow.labelers_on([a], 0.0)
    flow.advance(0.5)  # job 0 starts at 0 and runs past the shift end at 0.5
    flow.labelers_off([a])
    flow.advance(3.0)
    flow.labelers_on([a], 3.0)
    flow.advance(100.0)
    out = flow.finish()
    np.testing.assert_allclose(out.start, [0.0, 3.0, 3.5, 3.9, 4.2, 4.4])


def _run_flow_pair(review: bool) -> tuple[object, object]:
    kernel = kernel_flow(_inputs(review))
    env = simpy.Environment()
    reference = ReferenceFlow(env, _inputs(review))
    for flow in (kernel, reference):
        flow.labelers_on([flow.add_labeler(1.0, 0.5), flow.add_labeler(1.5, 0.5)], 0.0)
        flow.reviewers_on([flow.add_reviewer()], 0.0)
    kernel.advance(50.0)
    env.run(until=50.0)
    return kernel, reference


@pytest.mark.parametrize("review", [False, True])
def test_kernel_and_reference_flows_agree_job_by_job(review: bool, kernel: str) -> None:
    flow, reference = _run_flow_pair(review)
    k, r = flow.finish(), reference.finish()  # type: ignore[attr-defined]
    np.testing.assert_allclose(k.start, r.start)
    np.testing.assert_allclose(k.done, r.done)
    np.testing.assert_array_equal(k.labeler, r.labeler)
    assert flow.thumbs_down == reference.thumbs_down  # type: ignore[attr-defined]
    if review:
        # Every first label is caught once, then rework (error 0.5) may be caught again.
        assert flow.thumbs_down >= ARRIVALS.size  # type: ignore[attr-defined]


WORKFORCE = Scenario(
    name="workforce",
    horizon_days=10,
    workforce=(
        Pool("a", hourly_rate=10, headcount=Headcount(production=4, training=2), attrition_per_week=0.1),
        Pool("b", price_per_label=0.2, headcount=Headcount(production=3), shift_offset_hours=5),
    ),
    review=Review(share_reviewed=0.25, reviewers=1, review_minutes=3.0),
    consensus=Consensus(labels_per_task=3, coverage=0.1),
    staffing=ModelSpec("backlog", {"interval_days": 2.0}),
)


def test_kernel_and_reference_give_identical_runs_with_the_same_seed(kernel: str) -> None:
    scenario = dataclasses.replace(WORKFORCE, demand=dataclasses.replace(WORKFORCE.demand, base_per_day=150))
    fast = run_replication(scenario, 8, flow="kernel", keep_tasks=True)
    reference = run_replication(scenario, 8, flow="reference", keep_tasks=True)
    # Equal up to the order of floating-point sums.
    assert dataclasses.asdict(fast.summary) == pytest.approx(
        dataclasses.asdict(reference.summary), rel=1e-12, nan_ok=True
    )
    assert fast.tasks is not None and reference.tasks is not None
    np.testing.assert_array_equal(fast.tasks.finish_hour, reference.tasks.finish_hour)


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(values.size))


@pytest.mark.parametrize("field", ["mean_wait_hours", "turnaround_p90_hours", "utilization", "accepted_share"])
def test_kernel_and_reference_agree_statistically_on_independent_seeds(field: str) -> None:
    # Different seeds per flow, so agreement is a statement about distributions, not about shared numbers.
    scenario = dataclasses.replace(
        WORKFORCE, horizon_days=5, demand=dataclasses.replace(WORKFORCE.demand, base_per_day=120)
    )
    kernel = np.array([getattr(run_replication(scenario, s).summary, field) for s in range(12)])
    reference = np.array(
        [getattr(run_replication(scenario, 1000 + s, flow="reference").summary, field) for s in range(12)]
    )
    k_mean, k_half = _mean_ci(kernel)
    r_mean, r_half = _mean_ci(reference)
    # The 95% interval of the difference of means must contain zero.
    assert abs(k_mean - r_mean) <= np.hypot(k_half, r_half)


def test_rework_ready_with_a_fresh_arrival_goes_first(kernel: str) -> None:
    # Job 0 is labeled [0, 1], reviewed [1, 1.25] and sent back, ready at 1.25: the instant job 1 arrives.
    # Rework comes before fresh work at the same ready time (simulator.flow, tie-break 2), in every flow.
    def inputs() -> FlowInputs:
        ones, zeros = np.ones(2), np.zeros(2)
        return FlowInputs(
            arrival=np.array([0.0, 1.25]),
            work=ones,
            u_review=zeros,
            u_error=zeros,
            u_detect=zeros,
            review_hours=np.full(2, 0.25),
            share_reviewed=1.0,
            detection_probability=1.0,
            rework_time_factor=0.5,
            review_mean_hours=0.25,
            rework_key=7,
        )

    env = simpy.Environment()
    flows = (kernel_flow(inputs()), ReferenceFlow(env, inputs()))
    for flow in flows:
        flow.labelers_on([flow.add_labeler(1.0, 0.5)], 0.0)  # u_error 0 < 0.5: the first label is wrong
        flow.reviewers_on([flow.add_reviewer()], 0.0)
    flows[0].advance(20.0)
    env.run(until=20.0)
    for flow in flows:
        np.testing.assert_array_equal(flow.finish().start, [0.0, 1.75])
