"""A calibrated team gives the capacity its records show: the time each label takes (fixed seeds, 95% intervals)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from simulator.engine import run_replication
from simulator.planning.calibrate import HistoryData, calibrate
from tests.simulator.test_calibrate import _people_history

DAYS = 28


def _plateau_history(rng: np.random.Generator, benchmark_share: float) -> HistoryData:
    """Six people long past their learning curve, six hours a day Monday to Friday, each label about a minute;
    ``benchmark_share`` of the tasks were benchmark tasks, recorded like the others."""
    history = _people_history(rng)
    return replace(
        history,
        label_tenure_weeks=rng.uniform(20.0, 30.0, history.label_seconds.size),
        thumbs_down=0,
        benchmark_share=benchmark_share,
        daily_arrivals=np.full(DAYS, 800.0),
    )


def test_benchmark_tasks_in_the_records_make_labels_no_longer() -> None:
    # Given a history where 8% of the tasks were benchmark tasks: they are among its arrivals and labels
    rng = np.random.default_rng(21)
    history = _plateau_history(rng, benchmark_share=0.08)
    recorded = history.label_seconds[np.isin(history.label_labeler, range(6))]
    # When its calibrated scenario is simulated
    calibration = calibrate(history, horizon_days=14)
    assert calibration.fitted.benchmark_share == 0.08  # still reported
    simulated = [run_replication(calibration.scenario, seed).summary for seed in range(4)]
    # Then a simulated label takes what a recorded one took (an overhead on top counts benchmark labels twice)
    seconds = 60.0 * np.array([s.mean_minutes_per_label for s in simulated])
    labels = sum(s.labels_produced for s in simulated)
    spread = 1.96 * math.sqrt(np.var(recorded) / recorded.size + np.var(recorded) * 1.2 / labels)
    assert abs(float(np.mean(seconds)) - float(np.mean(recorded))) <= spread + 0.01 * float(np.mean(recorded))
