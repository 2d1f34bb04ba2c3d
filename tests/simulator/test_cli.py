"""`labelops simulate` and `labelops plugins` through the real console entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import LocalCluster

from server.cli import main
from simulator.loading import dump_scenario, load_scenario, scenario_from_dict, scenario_to_dict
from simulator.montecarlo import run_monte_carlo
from simulator.scenario import Scenario

_ROOT = Path(__file__).resolve().parents[2]
_EXAMPLES = _ROOT / "examples"
_LABELOPS = Path(sys.executable).parent / "labelops"


def _small(tmp_path: Path, days: int = 10) -> Path:
    """The launch-spike example cut to a few days: the real file's models, at test speed."""
    scenario = load_scenario(_EXAMPLES / "launch_spike.toml")
    data = scenario_to_dict(scenario) | {"horizon_days": days}
    path = tmp_path / "small.toml"
    dump_scenario(scenario_from_dict(data), path)
    return path


def test_simulate_prints_a_table_and_writes_json_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, chart = tmp_path / "result.json", tmp_path / "chart.png"
    code = main(
        [
            *("simulate", str(_small(tmp_path)), "-n", "4", "--seed", "3", "--executor", "serial"),
            *("--out", str(out), "--chart", str(chart), "--no-progress"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    header = next(line for line in printed.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "mean", "95%", "CI", "n"]
    assert "sla_attainment" in printed and "total_cost" in printed
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["replications"] == 4 and document["seed"] == 3
    assert document["scenario"]["name"] == "launch-spike"
    assert set(document["summary"]["sla_attainment"]) >= {"mean", "ci_low", "ci_high", "n"}
    assert len(document["samples"]["total_cost"]) == 4
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_json_across_executors(tmp_path: Path) -> None:
    scenario = _small(tmp_path, days=7)
    outputs = []
    for executor in ("serial", "process:2"):
        out = tmp_path / f"{executor.replace(':', '-')}.json"
        assert (
            main(["simulate", str(scenario), "-n", "3", "--executor", executor, "--out", str(out), "--no-progress"])
            == 0
        )
        outputs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('name = "x"\nhorizon_days = -5\n', r"horizon_days must be >= 1, got -5"),
        ('name = "x"\nhorizon_dayz = 5\n', r"unknown key 'horizon_dayz'"),
        ('name = "x"\n[sla]\nturnaround_hours = 0\n', r"sla.turnaround_hours must be > 0, got 0"),
        ('name = "x"\n[learning]\nmodel = "telepathy"\n', r"no learning plugin named 'telepathy'"),
        ('name = "x"\nhorizon_days = \n', r"not valid TOML"),
    ],
)
def test_bad_scenarios_fail_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    code = main(["simulate", str(path), "-n", "2", "--executor", "serial", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("labelops: error: ")
    assert re.search(expected, err), err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.toml"], r"scenario file 'missing.toml' does not exist"),
        (["."], r"scenario file '.' is a directory"),
        (["{example}", "--out", "."], r"--out '.' is a directory; give a file name"),
        (
            ["{example}", "--connect-timeout", "nan"],
            r"--connect-timeout must be more than 0 and at most 3600 .*got nan",
        ),
        (
            ["{example}", "--connect-timeout", "-1"],
            r"--connect-timeout must be more than 0 and at most 3600 .*got -1.0",
        ),
        (["{example}", "--executor", "threads"], r"executor must be serial, process, .* got 'threads'"),
        (["{example}", "--chart", "chart.jpg"], r"--chart must end in \.png, \.html, \.svg, got 'chart.jpg'"),
        (["{example}", "-n", "0"], r"--replications must be a positive integer, got 0"),
        # Seeds for all of them were spawned before the first ran: minutes and gigabytes, no progress shown.
        (["{example}", "-n", "100000000"], r"--replications must be at most 100,000, got 100,000,000"),
        (["{example}", "--out", "no/such/dir/r.json"], r"--out directory 'no/such/dir' does not exist"),
    ],
)
def test_bad_options_fail_with_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    example = str(_EXAMPLES / "steady_state.toml")
    code = main(["simulate", *(a.replace("{example}", example) for a in args), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert re.search(expected, err), err


def test_unreachable_dask_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "simulate",
            str(_small(tmp_path, 2)),
            "-n",
            "2",
            "--executor",
            "dask://127.0.0.1:9",
            "--connect-timeout",
            "1",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "executor 'dask://127.0.0.1:9' failed" in err


def test_a_file_that_cannot_be_written_after_the_run_keeps_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["simulate", str(_small(tmp_path, 2)), "-n", "2", "--executor", "serial", "--no-progress"]
    code = main([*arguments, "--out", "/dev/full"])
    printed = capsys.readouterr()
    assert code == 1
    assert printed.err == "labelops: error: cannot write /dev/full: No space left on device\n"
    assert "sla_attainment" in printed.out


@pytest.fixture(scope="module")
def process_cluster() -> Iterator[str]:
    """A Dask cluster whose workers are separate processes, as a planner would start one."""
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_simulate_on_a_dask_process_cluster(
    tmp_path: Path, process_cluster: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _small(tmp_path, days=3)
    dask_out, serial_out = tmp_path / "dask.json", tmp_path / "serial.json"
    address = "dask://" + process_cluster.removeprefix("tcp://")
    assert (
        main(["simulate", str(scenario), "-n", "26", "--executor", address, "--out", str(dask_out), "--no-progress"])
        == 0
    )
    assert (
        main(["simulate", str(scenario), "-n", "26", "--executor", "serial", "--out", str(serial_out), "--no-progress"])
        == 0
    )
    assert json.loads(dask_out.read_text()) == json.loads(serial_out.read_text())


def test_plugins_lists_the_built_ins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["kind", "name", "distribution", "version", "target"]
    listed = {(row[0], row[1]) for row in rows[2:]}
    assert {("learning", "exponential"), ("staffing", "backlog"), ("cost", "standard")} <= listed
    assert all(row[2] == "labelops" for row in rows[2:] if row[1] in {"exponential", "backlog"})


def test_console_script_runs_an_example_in_a_subprocess(tmp_path: Path) -> None:
    out, chart = tmp_path / "r.json", tmp_path / "r.html"
    completed = subprocess.run(
        [
            *(str(_LABELOPS), "simulate", str(_small(tmp_path, 7)), "-n", "4", "--executor", "process:2"),
            *("--out", str(out), "--chart", str(chart)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert "metric" in completed.stdout
    assert json.loads(out.read_text())["replications"] == 4
    assert "<svg" in chart.read_text()


def test_scenario_default_is_valid_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mmc.json"
    dump_scenario(Scenario.queueing(arrivals_per_hour=5, mean_service_minutes=30, servers=4, horizon_days=2), path)
    assert main(["simulate", str(path), "-n", "2", "--executor", "serial", "--no-progress"]) == 0
    assert "tasks_arrived" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["steady_state", "launch_spike", "vendor_rampup"])
def test_examples_load_and_run(name: str) -> None:
    scenario = load_scenario(_EXAMPLES / f"{name}.toml")
    assert scenario.description
    result = run_monte_carlo(scenario, replications=2, seed=5, executor="serial")
    arrived = result.samples["tasks_arrived"]
    assert np.all(arrived > 1000)
    np.testing.assert_array_equal(arrived, result.samples["tasks_completed"] + result.samples["backlog_end"])
    assert np.all((result.samples["sla_attainment"] >= 0) & (result.samples["sla_attainment"] <= 1))
    assert np.all(result.samples["total_cost"] > 0)
    assert {"backlog", "sla_attainment"} <= set(result.daily)
