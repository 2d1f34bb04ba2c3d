"""Command-line and scenario behaviour planners hit: closed pipes, absurd volumes, which pool is wrong, day-0 hires."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import run_replication
from simulator.loading import dump_scenario, load_scenario, loads_scenario
from simulator.scenario import Demand, Distribution, Headcount, ModelSpec, Pool, Scenario, ScenarioError

_ROOT = Path(__file__).resolve().parents[2]


def test_a_closed_stdout_still_writes_the_file_and_exits_cleanly(tmp_path: Path) -> None:
    scenario = load_scenario(_ROOT / "examples" / "steady_state.toml")
    path, out = tmp_path / "small.toml", tmp_path / "r.json"
    dump_scenario(dataclasses.replace(scenario, horizon_days=3), path)
    command = [sys.executable, "-m", "server.cli", "simulate", str(path), "-n", "2", "--executor", "serial"]
    command += ["--out", str(out), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    # The reader is gone before the first line is written, as with `| head -1` on a slow run.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert out.stat().st_size > 1000


def test_absurd_volume_is_refused_with_the_field_named() -> None:
    with pytest.raises(
        ScenarioError, match=r"demand.base_per_day must be at most 10,000,000 tasks a day, got 1000000000000.0"
    ):
        Demand(base_per_day=1e12)


def test_a_bad_headcount_names_its_pool() -> None:
    text = 'name = "x"\n[[workforce]]\nname = "day"\nhourly_rate = 10\n'
    text += '[[workforce]]\nname = "night shift"\nhourly_rate = 10\nheadcount = { production = -3 }\n'
    with pytest.raises(ScenarioError, match=r"^workforce\[night shift\]\.headcount\.production must be >= 0, got -3$"):
        loads_scenario(text)


def test_hires_planned_for_day_zero_start_on_day_zero() -> None:
    scenario = Scenario(
        horizon_days=4,
        demand=Demand(base_per_day=10.0),
        workforce=(
            Pool(
                name="a",
                headcount=Headcount(production=2),
                hourly_rate=10.0,
                time_to_hire_days=Distribution("fixed", 2.0, 0.0),
                attrition_per_week=0.0,
            ),
        ),
        staffing=ModelSpec("scheduled", {"hires": [{"day": 0, "pool": "a", "count": 3}]}),
    )
    headcount = run_replication(scenario, 1).daily.headcount
    # Searches of two days start at hour 0: in hiring at the end of day 0, in training from hour 48.
    assert headcount["hiring"].tolist() == [3.0, 0.0, 0.0, 0.0]
    assert headcount["training"].tolist() == [0.0, 3.0, 3.0, 3.0]
