"""Latency: the waiting between a task's arrival and its completion that a capacity model does not explain.

A task is done when every one of its labels is accepted. Between arrival and acceptance there are the waits the
simulator produces (labelers and reviewers busy) and the waits that come from how people pick work up: a task
waits hours before anyone opens it, a submitted label waits for a reviewer's pass, a thumbs-down waits for its
rework and the next review. :class:`LatencyFit` holds those waits as empirical samples taken from recorded
history (:func:`fit_latency`); :func:`sample_remaining` draws the time left for tasks at any stage, so a forecast
started from a cut includes the review and rework tail of both the tasks still open there and those arriving.

Times are float days. Samples are taken from tasks that arrived in a window ending ``settle_days`` before the
cut, so the waits of tasks still open at the cut (the long ones) do not censor the sample toward short waits.

How long a task waits to be labeled depends on when in the week it arrives: one arriving on a Friday evening
waits for Monday's shifts, one arriving on a Tuesday morning is picked up within hours. A fit keeps when each
labeling wait's task arrived, and draws for a task given its arrival come from tasks that arrived near the same
time of the week (:func:`sample_new` with ``arrived``, :func:`sample_remaining` with ``cut``). Weeks are counted
on the history's clock, so a week starts where the history does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from simulator.scenario import Waits

__all__ = [
    "FlowHistory",
    "LatencyFit",
    "OpenTask",
    "fit_latency",
    "open_tasks",
    "sample_new",
    "sample_remaining",
    "sample_review_paths",
    "scenario_waits",
    "team_since",
    "waits_latency",
    "with_capacity",
]

#: Rounds of review a label goes through at most in a draw (the recorded workflow escalates after three).
_MAX_ROUNDS = 5


@dataclass(frozen=True)
class FlowHistory:
    """Tasks, labels and reviews of one project as float days since the history's start.

    Labels refer to tasks and reviews to labels by position in these arrays.
    """

    task_created: np.ndarray
    task_completed: np.ndarray  # nan when not completed
    task_required: np.ndarray  # labels the task needs
    label_task: np.ndarray
    label_submitted: np.ndarray
    review_label: np.ndarray
    review_at: np.ndarray
    review_down: np.ndarray


@dataclass(frozen=True)
class OpenTask:
    """A task open at a cut, with what stands between it and completion.

    ``stage`` is the workflow's: ``in_rework`` when a label's last review is a thumbs-down, else ``to_label``
    when labels are missing, else ``in_review``. ``pending`` lists the submitted labels not accepted yet as
    (review round reached, days since the label was submitted or last turned down).
    """

    index: int
    stage: str
    age_days: float
    missing_labels: int
    pending: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class LatencyFit:
    """Empirical waits, in days, with the review decisions that chain them."""

    #: From a task's arrival to its last label's submission, for tasks needing one label and several (sorted).
    labeling_single: np.ndarray
    labeling_consensus: np.ndarray
    #: From a label's submission to its first review.
    first_review: np.ndarray
    #: From a thumbs-down to the label's next review (rework, then review).
    rework_cycle: np.ndarray
    review_share: float
    #: Probability of a thumbs-down at review round k (k = 0, 1, ...); the last value repeats.
    down_by_round: tuple[float, ...]

    #: When each of those tasks arrived (days on the history's clock), in the order of the waits; empty when unknown.
    labeling_single_arrived: np.ndarray = field(default_factory=lambda: np.zeros(0))
    labeling_consensus_arrived: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: The simulated capacity delay (arrival to simulated acceptance) each of those tasks had when the calibrated
    #: workforce replayed the weeks before the cut (:func:`with_capacity`), in the order of the waits; empty when
    #: not replayed.
    labeling_single_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    labeling_consensus_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: From each of those tasks' arrival to its completion (days; the time to the cut when it was still open
    #: there), in the order of the waits; empty when unknown.
    labeling_single_done: np.ndarray = field(default_factory=lambda: np.zeros(0))
    labeling_consensus_done: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def down_probability(self, round_: int) -> float:
        if not self.down_by_round:
            return 0.0
        return self.down_by_round[min(round_, len(self.down_by_round) - 1)]


def _reviews_by_label(history: FlowHistory, before: float) -> dict[int, list[tuple[float, bool]]]:
    seen = history.review_at < before
    by_label: dict[int, list[tuple[float, bool]]] = {}
    for label, at, down in zip(
        history.review_label[seen], history.review_at[seen], history.review_down[seen], strict=True
    ):
        if label >= 0:
            by_label.setdefault(int(label), []).append((float(at), bool(down)))
    for reviews in by_label.values():
        reviews.sort()
    return by_label


def fit_latency(
    history: FlowHistory,
    cut: float,
    *,
    window_days: float = 21.0,
    settle_days: float = 4.0,
    labeling_since: float | None = None,
) -> LatencyFit:
    """Waits seen in the records before ``cut`` (see the module docstring for the window); the labeling waits
    only of tasks arrived from ``labeling_since`` on (see :func:`team_since`)."""
    lo, hi = max(0.0, cut - window_days - settle_days), cut - settle_days
    if hi <= lo:
        lo, hi = 0.0, cut
    created = history.task_created
    in_window = (created >= lo) & (created < hi)
    labeling_window = in_window & (created >= labeling_since) if labeling_since is not None else in_window
    label_in = in_window[history.label_task] & (history.label_submitted < cut)
    # Labeling latency: tasks of the window whose labels were all in before the cut.
    last_submitted = np.full(created.size, -np.inf)
    np.maximum.at(last_submitted, history.label_task[label_in], history.label_submitted[label_in])
    submitted_count = np.bincount(history.label_task[label_in], minlength=created.size)
    complete = labeling_window & (submitted_count >= history.task_required) & np.isfinite(last_submitted)
    latency = last_submitted - created
    single = complete & (history.task_required <= 1)
    consensus = complete & (history.task_required > 1)

    reviews = _reviews_by_label(history, cut)
    first_review: list[float] = []
    cycles: list[float] = []
    rounds_down: list[int] = []
    rounds_total: list[int] = []
    reviewed = 0
    labels = np.flatnonzero(label_in)
    for label in labels:
        chain = reviews.get(int(label))
        if not chain:
            continue
        reviewed += 1
        first_review.append(chain[0][0] - float(history.label_submitted[label]))
        for k, (at, down) in enumerate(chain):
            while len(rounds_total) <= k:
                rounds_total.append(0)
                rounds_down.append(0)
            rounds_total[k] += 1
            rounds_down[k] += down
            if down and k + 1 < len(chain):
                cycles.append(chain[k + 1][0] - at)
    down_by_round = tuple(d / t for d, t in zip(rounds_down, rounds_total, strict=True) if t >= 5)
    done = np.where(history.task_completed < cut, history.task_completed, cut) - created
    single_waits, single_arrived, single_done = _waits_with_arrivals(latency[single], created[single], done[single])
    consensus_waits, consensus_arrived, consensus_done = _waits_with_arrivals(
        latency[consensus], created[consensus], done[consensus]
    )
    return LatencyFit(
        labeling_single=single_waits,
        labeling_consensus=consensus_waits,
        first_review=_nonnegative(first_review),
        rework_cycle=_nonnegative(cycles),
        review_share=reviewed / labels.size if labels.size else 0.0,
        down_by_round=down_by_round,
        labeling_single_arrived=single_arrived,
        labeling_consensus_arrived=consensus_arrived,
        labeling_single_done=single_done,
        labeling_consensus_done=consensus_done,
    )


#: How far a week's team may differ from the last week's before the cut and still be the same team.
_TEAM_TOLERANCE = 0.1


def team_since(labeler: np.ndarray, submitted: np.ndarray, cut: float, *, settle_days: float = 4.0) -> float:
    """Since when (days) the team labeling was the one at the cut: the start of the earliest of the weeks
    before ``cut`` whose count of people labeling is, like every week after it, within 10% of the last week's.

    The wait for a label is as much how many people there are as how they pick work up: the waits of weeks
    when the team was smaller (a project's first weeks, while it grows) are those of a team the forecast does
    not have, and where the simulator's team keeps up with the work they would hold tasks open for it.
    Weeks are counted back from the cut. At least one whole week stays in the sample whatever the team did, so
    that every time of the week has waits (:func:`fit_latency` leaves out the last ``settle_days``).
    """
    weeks = int(cut // _WEEK)
    if weeks < 1:
        return 0.0

    def team(k: int) -> int:
        lo = cut - _WEEK * (k + 1)
        return int(np.unique(labeler[(submitted >= lo) & (submitted < lo + _WEEK)]).size)

    last = team(0)
    k = 1
    while k < weeks and abs(team(k) - last) <= _TEAM_TOLERANCE * last:
        k += 1
    return max(0.0, min(cut - _WEEK * k, cut - settle_days - _WEEK))


def _nonnegative(values: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return np.sort(np.maximum(x[np.isfinite(x)], 0.0))


def _waits_with_arrivals(
    waits: np.ndarray, arrived: np.ndarray, done: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite waits (negative ones as 0), sorted, and the arrivals and completion times of their tasks in the
    same order (a completion never before the labels are in)."""
    keep = np.isfinite(waits) & np.isfinite(arrived)
    order = np.argsort(waits[keep], kind="stable")
    sorted_waits = np.maximum(waits[keep][order], 0.0)
    return sorted_waits, arrived[keep][order], np.maximum(done[keep][order], sorted_waits)


def open_tasks(history: FlowHistory, cut: float) -> list[OpenTask]:
    """Every task arrived before ``cut`` and not completed by then, with its stage at the cut."""
    created, completed = history.task_created, history.task_completed
    is_open = (created < cut) & ~(completed < cut)
    reviews = _reviews_by_label(history, cut)
    labels_of: dict[int, list[int]] = {}
    for label in np.flatnonzero(history.label_submitted < cut).tolist():
        owner = int(history.label_task[label])
        if is_open[owner]:
            labels_of.setdefault(owner, []).append(label)
    result = []
    for task in np.flatnonzero(is_open).tolist():
        submitted = labels_of.get(task, [])
        pending: list[tuple[int, float]] = []
        rework = False
        for label in submitted:
            chain = reviews.get(label, [])
            if not chain:
                pending.append((0, cut - float(history.label_submitted[label])))
            elif chain[-1][1]:
                rework = True
                pending.append((len(chain), cut - chain[-1][0]))
        missing = max(0, int(history.task_required[task]) - len(submitted))
        stage = "in_rework" if rework else ("to_label" if missing else "in_review")
        result.append(OpenTask(task, stage, cut - float(created[task]), missing, tuple(pending)))
    return result


def _draw(samples: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    if samples.size == 0:
        return np.zeros(size)
    return samples[rng.integers(0, samples.size, size)]


#: Share of the longest waits whose excess over their threshold stands for the tail beyond the sample.
_TAIL_SHARE = 0.1


def _residual(samples: np.ndarray, elapsed: float, rng: np.random.Generator) -> float:
    """A wait drawn from the samples longer than ``elapsed``, less what has elapsed already.

    With none that long, the tail beyond the sample goes on as its longest tenth did: an excess over their
    threshold is drawn. (A fresh wait from the start, the memoryless guess, equals this for exponential tails
    and is far too long where waits are bounded, as when they queue behind a backlog cleared in arrival order:
    the oldest task then waits least, not a whole wait more.)"""
    if samples.size == 0:
        return 0.0
    longer = samples[np.searchsorted(samples, elapsed, side="right") :]
    if longer.size == 0:
        threshold = float(np.quantile(samples, 1.0 - _TAIL_SHARE))
        excess = samples[samples > threshold] - threshold
        return float(excess[rng.integers(0, excess.size)]) if excess.size else 0.0
    return float(longer[rng.integers(0, longer.size)]) - elapsed


def _rounds_from(fit: LatencyFit, rng: np.random.Generator, size: int, round_: int) -> np.ndarray:
    """Days added after the review at round ``round_``: each thumbs-down costs a rework cycle and a new review."""
    total = np.zeros(size)
    active = np.ones(size, dtype=bool)
    for k in range(round_, round_ + _MAX_ROUNDS):
        active &= rng.random(size) < fit.down_probability(k)
        if not active.any():
            break
        total[active] += _draw(fit.rework_cycle, rng, int(active.sum()))
    return total


def sample_review_paths(fit: LatencyFit, rng: np.random.Generator, size: int) -> np.ndarray:
    """Days from a label's submission to its acceptance, one draw per label: nothing when it is not reviewed."""
    reviewed = rng.random(size) < fit.review_share
    total = np.zeros(size)
    count = int(reviewed.sum())
    total[reviewed] = _draw(fit.first_review, rng, count) + _rounds_from(fit, rng, count, 0)
    return total


#: Tasks that arrived nearest the same time of the week a labeling wait is drawn from (half before, half after).
_NEAR = 20
#: Of those still waiting at a task's age, at least this many; fewer and the neighbourhood doubles.
_NEAR_LONGER = 5
_WEEK = 7.0


@dataclass(frozen=True)
class _ByWeek:
    """Labeling waits ordered by the time of the week their tasks arrived, repeated a week before and after so
    that the neighbours of any time of the week are one slice.

    A task takes a neighbour's *finish*, moved to its own week: one arriving an hour before a neighbour that
    waited for Monday's shift waits an hour longer, not the same wait (which would finish it on Sunday night).
    Where work is picked up at once, neighbours are minutes apart, so it differs little from taking their wait.
    """

    time: np.ndarray
    waits: np.ndarray
    count: int
    #: Each wait's simulated capacity delay in the replayed weeks before the cut (empty when not replayed).
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def of(cls, waits: np.ndarray, arrived: np.ndarray, capacity: np.ndarray | None = None) -> _ByWeek | None:
        if waits.size == 0 or arrived.size != waits.size:
            return None
        week = np.mod(arrived, _WEEK)
        order = np.argsort(week, kind="stable")
        time = np.concatenate((week[order] - _WEEK, week[order], week[order] + _WEEK))
        replayed = np.tile(capacity[order], 3) if capacity is not None and capacity.size == waits.size else np.zeros(0)
        return cls(time, np.tile(waits[order], 3), waits.size, replayed)

    def neighbours(self, at: np.ndarray, near: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slice bounds [lo, hi) of the ``near`` tasks arrived nearest each of ``at``'s time of the week (all of
        them when there are fewer), and ``at``'s time of the week."""
        week = np.mod(at, _WEEK)
        if near >= self.count:
            return np.full(at.size, self.count), np.full(at.size, 2 * self.count), week
        position = np.searchsorted(self.time[self.count : 2 * self.count], week) + self.count
        lo = position - near // 2
        return lo, lo + near, week

    def waits_from(self, picks: np.ndarray, week: np.ndarray) -> np.ndarray:
        """Waits for tasks arrived at ``week`` (time of the week) finishing as the neighbours ``picks`` did."""
        moved: np.ndarray = self.waits[picks] + self.time[picks] - week
        return moved


def _labeling_samples(fit: LatencyFit, consensus: bool) -> tuple[np.ndarray, np.ndarray]:
    """The labeling waits a task draws from (consensus ones when it needs several labels and there are any),
    and their tasks' arrivals."""
    if consensus and fit.labeling_consensus.size:
        return fit.labeling_consensus, fit.labeling_consensus_arrived
    return fit.labeling_single, fit.labeling_single_arrived


def _labeling_replay(fit: LatencyFit, consensus: bool) -> tuple[np.ndarray, np.ndarray]:
    """The completion times and replayed capacity delays of :func:`_labeling_samples`' tasks, in the same order."""
    if consensus and fit.labeling_consensus.size:
        return fit.labeling_consensus_done, fit.labeling_consensus_capacity
    return fit.labeling_single_done, fit.labeling_single_capacity


def _replayed(fit: LatencyFit) -> bool:
    """Whether every labeling wait has its replayed capacity delay (:func:`with_capacity`)."""
    single, consensus = fit.labeling_single.size, fit.labeling_consensus.size
    return (
        single + consensus > 0
        and fit.labeling_single_arrived.size == fit.labeling_single_done.size == single
        and fit.labeling_single_capacity.size == single
        and fit.labeling_consensus_arrived.size == fit.labeling_consensus_done.size == consensus
        and fit.labeling_consensus_capacity.size == consensus
    )


def with_capacity(fit: LatencyFit, delay_at: Callable[[np.ndarray], np.ndarray]) -> LatencyFit:
    """``fit`` with each labeling wait's simulated capacity delay: ``delay_at`` maps arrivals (days on the
    history's clock) to the delay from arrival to simulated acceptance the calibrated workforce gave a task
    arriving then, replaying the records' arrivals before the cut.

    :func:`sample_new` with ``capacity`` then finishes a new task at its own simulated acceptance plus what a
    recorded task arriving near the same time of the week took, from arrival to completion, beyond its replayed
    acceptance: the part of the wait the simulated labelers and reviewers do not explain (pickup habits, hours
    on shift not spent labeling, reviews and rework taken later than the simulated ones). Both are arrival to
    acceptance, so the recorded task's own review path is in it, at its time of the week.
    Taking instead the later of the simulated delay and a recorded wait counts queueing twice: the recorded
    wait already holds the queue of its week, and the later of two independent draws is later than either."""
    return replace(
        fit,
        labeling_single_capacity=np.asarray(delay_at(fit.labeling_single_arrived), dtype=float),
        labeling_consensus_capacity=np.asarray(delay_at(fit.labeling_consensus_arrived), dtype=float),
    )


def _draw_beyond(
    done: np.ndarray,
    arrived: np.ndarray,
    replayed: np.ndarray,
    at: np.ndarray,
    capacity: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One delay to completion per arrival ``at``, from its simulated ``capacity`` delay mapped by rank among
    the tasks arrived nearest the same time of the week: a task whose simulated delay is the k-th shortest of
    its neighbours' replayed ones takes the k-th shortest of their recorded ones (ties broken at random).
    Past the longest replayed delay (capacity further behind than it ever was in the replay), the later of the
    simulated delay and a neighbour's recorded one: the replay does not show how the two combine there."""
    by_week = _ByWeek.of(done, arrived, replayed)
    assert by_week is not None
    near = min(_NEAR, by_week.count)
    lo, _, _ = by_week.neighbours(at, near)
    rows = lo[:, None] + np.arange(near)[None, :]
    by_delay = np.argsort(by_week.capacity[rows], axis=1, kind="stable")
    paired = np.take_along_axis(rows, by_delay, axis=1)
    simulated = by_week.capacity[paired]
    recorded = np.sort(by_week.waits[rows], axis=1)
    below = np.sum(simulated < capacity[:, None], axis=1)
    equal = np.sum(simulated == capacity[:, None], axis=1)
    rank = below + np.floor(rng.random(at.size) * (equal + 1)).astype(np.int64)
    mapped = recorded[np.arange(at.size), np.clip(rank, 0, near - 1)]
    # Past the longest replayed delay the records before the cut say nothing of how the two combine: the later
    # of the simulated delay and a neighbour's recorded one, as without a replay.
    drawn = recorded[np.arange(at.size), np.floor(rng.random(at.size) * near).astype(np.int64)]
    mapped = np.where(rank >= near, np.maximum(capacity, drawn), mapped)
    return np.maximum(mapped, 0.0)


def _draw_near(waits: np.ndarray, arrived: np.ndarray, at: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One wait per arrival ``at`` (days), finishing as one of the tasks that arrived nearest the same time of
    the week did. Without arrivals recorded, from all the waits."""
    by_week = _ByWeek.of(waits, arrived)
    if by_week is None:
        return _draw(waits, rng, at.size)
    lo, hi, week = by_week.neighbours(at, _NEAR)
    picks = lo + np.floor(rng.random(at.size) * (hi - lo)).astype(np.int64)
    return np.maximum(by_week.waits_from(picks, week), 0.0)


def _residual_near(
    waits: np.ndarray, by_week: _ByWeek | None, created: float, elapsed: float, rng: np.random.Generator
) -> float:
    """The time left after ``elapsed`` for a task that arrived at ``created``, finishing as one of the tasks
    that arrived nearest the same time of the week and were still waiting at its age did. Too few of those
    anywhere: :func:`_residual`."""
    if by_week is None:
        return _residual(waits, elapsed, rng)
    near = _NEAR
    while True:
        lo, hi, week = by_week.neighbours(np.array([created]), near)
        picks = np.arange(int(lo[0]), int(hi[0]))
        left = by_week.waits_from(picks, np.full(picks.size, week[0])) - elapsed
        left = left[left > 0]
        if left.size >= _NEAR_LONGER:
            return float(left[rng.integers(0, left.size)])
        if near >= by_week.count:
            return _residual(waits, elapsed, rng)
        near *= 2


def sample_new(
    fit: LatencyFit,
    required: np.ndarray,
    rng: np.random.Generator,
    *,
    arrived: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
) -> np.ndarray:
    """Days from arrival to completion for new tasks needing ``required`` labels each (one draw per task).

    With ``arrived`` (days on the history's clock), each task's labeling wait comes from tasks that arrived near
    the same time of the week; without, from all of them. With ``capacity`` too (each task's simulated delay
    from arrival to acceptance, days), the result is the task's completion on both clocks: with a fit that
    replayed the weeks before the cut (:func:`with_capacity`), the simulated delay plus what a neighbour took
    to completion beyond its replayed delay; otherwise the later of the simulated delay and the draw."""
    required = np.maximum(np.asarray(required, dtype=np.int64), 1)
    n = required.size
    if capacity is not None and (arrived is None or np.asarray(capacity).size != n):
        raise ValueError(f"capacity needs arrived and one delay per task ({n}), got {np.asarray(capacity).size}")
    if capacity is not None and arrived is not None and _replayed(fit):
        at, delay = np.asarray(arrived, dtype=float), np.asarray(capacity, dtype=float)
        total = np.zeros(n)
        for consensus in (False, True):
            rows = np.flatnonzero((required > 1) == consensus)
            if rows.size:
                done, replayed = _labeling_replay(fit, consensus)
                arrivals = _labeling_samples(fit, consensus)[1]
                total[rows] = _draw_beyond(done, arrivals, replayed, at[rows], delay[rows], rng)
        return total
    if arrived is None:
        labeling = np.where(
            required > 1,
            _draw(fit.labeling_consensus if fit.labeling_consensus.size else fit.labeling_single, rng, n),
            _draw(fit.labeling_single, rng, n),
        )
    else:
        at = np.asarray(arrived, dtype=float)
        if at.size != n:
            raise ValueError(f"arrived must hold one time per task ({n}), got {at.size}")
        labeling = np.zeros(n)
        for consensus in (False, True):
            rows = np.flatnonzero((required > 1) == consensus)
            if rows.size:
                labeling[rows] = _draw_near(*_labeling_samples(fit, consensus), at[rows], rng)
    drawn = labeling + _slowest_paths(fit, required, rng)
    return drawn if capacity is None else np.maximum(np.asarray(capacity, dtype=float), drawn)


def _slowest_paths(fit: LatencyFit, required: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per task, the longest of its labels' review paths."""
    paths = sample_review_paths(fit, rng, int(required.sum()))
    starts = np.concatenate(([0], np.cumsum(required)[:-1]))
    return np.maximum.reduceat(paths, starts) if required.size else np.zeros(0)


def sample_remaining(
    fit: LatencyFit, tasks: Sequence[OpenTask], rng: np.random.Generator, *, cut: float | None = None
) -> np.ndarray:
    """Days from the cut to completion for tasks open there (one draw per task).

    With ``cut`` (days on the history's clock), a task still to label waits as tasks that arrived near the same
    time of the week did; without, as all of them did."""
    remaining = np.zeros(len(tasks))
    samples = {consensus: _labeling_samples(fit, consensus) for consensus in (False, True)}
    by_week = {consensus: _ByWeek.of(*samples[consensus]) for consensus in (False, True)} if cut is not None else {}
    for position, task in enumerate(tasks):
        longest = 0.0
        if task.missing_labels:
            consensus = task.missing_labels > 1
            waits = samples[consensus][0]
            if cut is None:
                labeling = _residual(waits, task.age_days, rng)
            else:
                labeling = _residual_near(waits, by_week[consensus], cut - task.age_days, task.age_days, rng)
            longest = labeling + float(sample_review_paths(fit, rng, task.missing_labels).max())
        for round_, elapsed in task.pending:
            # Waiting for its first review (round 0) or, after a thumbs-down, for rework and the next review.
            wait = _residual(fit.first_review if round_ == 0 else fit.rework_cycle, elapsed, rng)
            longest = max(longest, wait + float(_rounds_from(fit, rng, 1, round_)[0]))
        remaining[position] = longest
    return remaining


#: Quantiles a scenario keeps of each recorded wait.
_WAIT_POINTS = 50


def _quantile_hours(samples: np.ndarray) -> tuple[float, ...]:
    if samples.size == 0:
        return ()
    points = (np.arange(_WAIT_POINTS) + 0.5) / _WAIT_POINTS
    return tuple(round(float(v) * 24.0, 4) for v in np.quantile(samples, points))


def scenario_waits(fit: LatencyFit) -> Waits:
    """A fit's waits as a scenario carries them: equally likely quantiles, in hours."""
    return Waits(
        labeling_hours=_quantile_hours(fit.labeling_single),
        consensus_hours=_quantile_hours(fit.labeling_consensus),
        first_review_hours=_quantile_hours(fit.first_review),
        rework_cycle_hours=_quantile_hours(fit.rework_cycle),
        review_share=float(fit.review_share),
        down_by_round=fit.down_by_round,
    )


def waits_latency(waits: Waits) -> LatencyFit:
    """A scenario's waits as the samples :func:`sample_new` draws from (days)."""

    def days(hours: tuple[float, ...]) -> np.ndarray:
        return np.sort(np.asarray(hours, dtype=float)) / 24.0

    return LatencyFit(
        labeling_single=days(waits.labeling_hours),
        labeling_consensus=days(waits.consensus_hours),
        first_review=days(waits.first_review_hours),
        rework_cycle=days(waits.rework_cycle_hours),
        review_share=waits.review_share,
        down_by_round=waits.down_by_round,
    )
