"""Simulator subcommands of `labelops`: `simulate` (Monte Carlo forecast of a scenario file) and `plugins`.

Expected failures (a bad scenario file, an unreachable Dask scheduler, a bad option value) end with a one-line
message on stderr and a non-zero exit code, never a traceback: the users are planners, not the engine's authors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, TextIO

__all__ = ["register"]

_EXIT_USAGE = 2
_EXIT_FAILURE = 1
# An hour: past it a scheduler that has not answered is down, and the option was likely mistyped.
_MAX_CONNECT_TIMEOUT = 3600.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the simulator's subcommands; each sets `handler` to a callable taking the parsed args."""
    simulate = subparsers.add_parser(
        "simulate",
        help="forecast a scenario with Monte Carlo replications",
        description="Run N replications of a scenario and print means with 95%% confidence intervals.",
    )
    simulate.add_argument("scenario", type=Path, help="scenario file (.toml or .json)")
    simulate.add_argument("--replications", "-n", type=int, default=200, help="number of replications (200)")
    simulate.add_argument("--seed", type=int, default=1, help="root seed; same seed, same result (1)")
    simulate.add_argument(
        "--executor",
        default="process",
        help="serial, process (default, one worker per core), process:N, or dask://HOST:PORT",
    )
    simulate.add_argument(
        "--flow",
        choices=("kernel", "reference"),
        default="kernel",
        help="per-task flow: the fast kernel (default) or the per-task SimPy reference model",
    )
    simulate.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for a Dask scheduler (10)",
    )
    simulate.add_argument("--out", type=Path, help="write the full result as JSON here")
    simulate.add_argument("--chart", type=Path, help="write a chart here (.png, .svg, or self-contained .html)")
    simulate.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    simulate.set_defaults(handler=_simulate)

    plugins = subparsers.add_parser("plugins", help="list installed simulator plugins")
    plugins.set_defaults(handler=_plugins)


def _fail(message: str, code: int = _EXIT_USAGE, stream: TextIO | None = None) -> int:
    print(f"labelops: error: {message}", file=stream or sys.stderr)
    return code


def _load(path: Path) -> Any:
    """Load and validate the scenario; every expected failure becomes a ValueError with a readable message."""
    from simulator.loading import load_scenario

    if path.is_dir():
        raise ValueError(f"scenario file {str(path)!r} is a directory")
    if not path.is_file():
        raise ValueError(f"scenario file {str(path)!r} does not exist")
    try:
        return load_scenario(path)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    except (ValueError, TypeError, KeyError) as exc:
        # ScenarioError is a ValueError; its message already names the field and the value.
        raise ValueError(f"{path}: {exc}") from None


def _simulate(args: argparse.Namespace) -> int:
    from simulator.charts import CHART_SUFFIXES
    from simulator.extras import MissingExtra, require
    from simulator.montecarlo import MAX_REPLICATIONS, parse_executor

    if args.replications < 1:
        return _fail(f"--replications must be a positive integer, got {args.replications}")
    if args.replications > MAX_REPLICATIONS:
        return _fail(f"--replications must be at most {MAX_REPLICATIONS:,}, got {args.replications:,}")
    if args.seed < 0:
        return _fail(f"--seed must be a non-negative integer, got {args.seed}")
    if not 0 < args.connect_timeout <= _MAX_CONNECT_TIMEOUT:  # NaN fails both comparisons
        limit = f"more than 0 and at most {_MAX_CONNECT_TIMEOUT:g} seconds"
        return _fail(f"--connect-timeout must be {limit}, got {args.connect_timeout}")
    if args.chart is not None and args.chart.suffix.lower() not in CHART_SUFFIXES:
        return _fail(f"--chart must end in {', '.join(CHART_SUFFIXES)}, got {str(args.chart)!r}")
    for option, target in (("--out", args.out), ("--chart", args.chart)):
        if target is not None and not target.parent.is_dir():
            return _fail(f"{option} directory {str(target.parent)!r} does not exist")
        if target is not None and target.is_dir():
            return _fail(f"{option} {str(target)!r} is a directory; give a file name")
    try:
        spec = parse_executor(args.executor)
        # Missing extras are found before a long run, not after it.
        if args.chart is not None:
            require("matplotlib", "--chart")
        if spec.kind == "dask":
            require("distributed", f"--executor {args.executor}")
        scenario = _load(args.scenario)
    except (ValueError, MissingExtra) as exc:
        return _fail(str(exc))

    try:
        result, seconds = _run(scenario, args)
    except KeyboardInterrupt:
        return _fail("interrupted", code=130)
    except ValueError as exc:
        # A ScenarioError found only by running: a plugin breaking its contract (hires into a pool that does not
        # exist, a negative time per label, a negative cost), or demand a run cannot hold. It names the field.
        return _fail(f"{args.scenario}: {exc}", code=_EXIT_FAILURE)
    except MemoryError:
        return _fail(
            f"{args.scenario}: one replication needs more memory than this machine has; "
            "lower demand.base_per_day, the horizon, or consensus.labels_per_task",
            code=_EXIT_FAILURE,
        )
    except OSError as exc:
        # A Dask scheduler that is down or unreachable surfaces as OSError (TimeoutError is one).
        return _fail(f"executor {args.executor!r} failed: {exc}", code=_EXIT_FAILURE)

    # Files first: a reader that closes stdout early (`| head -1`) must not cost the result.
    notes = []
    writing = args.out
    try:
        if args.out is not None:
            _write_json(args.out, scenario, args, result)
            notes.append(f"result written to {args.out}")
        writing = args.chart
        if args.chart is not None:
            from simulator.charts import render_chart

            render_chart(result, args.chart, title=_scenario_name(scenario, args.scenario), scenario=scenario)
            notes.append(f"chart written to {args.chart}")
    except OSError as exc:
        # After the run: the table still reaches stdout, so the figures are not lost with the file.
        _print_lines([_table(result, _scenario_name(scenario, args.scenario), seconds, scenario.currency), *notes])
        return _fail(f"cannot write {writing}: {exc.strerror or exc}", code=_EXIT_FAILURE)
    _print_lines([_table(result, _scenario_name(scenario, args.scenario), seconds, scenario.currency), *notes])
    return 0


def _print_lines(lines: list[str]) -> None:
    """Print, and stop quietly when the reader has gone (a closed pipe is not an error of the run)."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the pipe again when it flushes stdout at exit: point stdout at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(scenario: Any, args: argparse.Namespace) -> tuple[Any, float]:
    from tqdm import tqdm

    from simulator.montecarlo import run_monte_carlo

    bar = tqdm(
        total=args.replications,
        unit="rep",
        desc="simulating",
        disable=True if args.no_progress else None,  # None: shown on a terminal, silent in pipes and logs
        file=sys.stderr,
    )

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    started = time.perf_counter()
    with bar:
        result = run_monte_carlo(
            scenario,
            replications=args.replications,
            seed=args.seed,
            executor=args.executor,
            flow=args.flow,
            progress=progress,
            connect_timeout=args.connect_timeout,
        )
    return result, time.perf_counter() - started


def _scenario_name(scenario: Any, path: Path) -> str:
    name = getattr(scenario, "name", None)
    return str(name) if name else path.stem


def _format_table(rows: list[tuple[str, ...]], *, right_aligned: bool) -> list[str]:
    """Columns padded to their widest cell; with `right_aligned`, every column after the first aligns right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(w) if right_aligned and i > 0 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [line(rows[0]), "  ".join("-" * w for w in widths), *(line(row) for row in rows[1:])]


def _table(result: Any, name: str, seconds: float, currency: str | None = None) -> str:
    from simulator.charts import summary_rows

    rows: list[tuple[str, ...]] = [("metric", "mean", "95% CI", "n"), *summary_rows(result, currency)]
    title = f"{name}: {result.replications} replications, seed {result.seed}, {seconds:.1f} s"
    return "\n".join([title, *_format_table(rows, right_aligned=True)])


def _write_json(path: Path, scenario: Any, args: argparse.Namespace, result: Any) -> None:
    from simulator.loading import scenario_to_dict

    document = {"scenario": scenario_to_dict(scenario), "flow": args.flow, **result.to_dict()}
    path.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n", encoding="utf-8")


def _plugins(args: argparse.Namespace) -> int:
    from simulator import registry

    entries = registry.list_plugins()
    if not entries:
        print(f"no plugins installed under the {registry.ENTRY_POINT_GROUP!r} entry-point group")
        return 0
    rows: list[tuple[str, ...]] = [("kind", "name", "distribution", "version", "target")]
    rows += [(e.kind, e.name, e.distribution, e.version, e.target) for e in entries]
    print("\n".join(_format_table(rows, right_aligned=False)))
    return 0
