"""Charts of a Monte Carlo forecast: backlog, headcount and SLA attainment over time with confidence bands.

PNG through matplotlib's Agg backend (no display needed), or a single self-contained HTML page with the chart
inlined as SVG and the summary table, which opens offline and can be mailed around as one file.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.extras import require
from simulator.montecarlo import Band, MonteCarloResult
from simulator.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["CHART_SUFFIXES", "chart_panels", "render_chart", "summary_rows"]

CHART_SUFFIXES = (".png", ".html", ".svg")


@dataclass(frozen=True, slots=True)
class _Panel:
    title: str
    ylabel: str
    series: tuple[str, ...]
    percent: bool = False
    money: bool = False


def _label(name: str) -> str:
    """`headcount_by_vendor.acme` -> `acme`; a plain series keeps its name with spaces."""
    if name == "headcount.production":
        return "all vendors"
    return name.rsplit(".", 1)[-1] if "." in name else name.replace("_", " ")


_STAGES_TITLE = "Headcount by stage"


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display), loaded on the first chart: it is the `charts` extra."""
    matplotlib = require("matplotlib", "drawing charts")
    matplotlib.use("Agg")  # before pyplot loads: the backend must be chosen first
    import matplotlib.pyplot as plt

    return plt


def chart_panels(series: Sequence[str]) -> list[_Panel]:
    """Pick the panels from the series a result has: backlog, headcount by stage, productive headcount (total
    and per vendor), SLA attainment, cumulative cost."""
    names = list(series)
    panels: list[_Panel] = []
    backlog = [n for n in names if n == "backlog" or n.startswith("backlog.")]
    if backlog:
        panels.append(_Panel("Backlog", "tasks", tuple(backlog[:6])))
    stages = [n for n in ("headcount.hiring", "headcount.training", "headcount.production") if n in names]
    if len(stages) > 1:
        panels.append(_Panel(_STAGES_TITLE, "people", tuple(stages)))
    headcount_total = [n for n in names if n in ("headcount.production", "headcount", "headcount_total")][:1]
    per_vendor = [n for n in names if n.startswith(("headcount_by_vendor.", "headcount_vendor.", "vendor_headcount."))]
    if not per_vendor and len(stages) <= 1:
        per_vendor = [n for n in names if n.startswith("headcount.")]
    if len(per_vendor) == 1:
        headcount_total = []  # one vendor: its line is the total
    # One vendor and a stage panel: the productive line is already there.
    if (len(per_vendor) > 1 or not stages) and (per_vendor or headcount_total):
        panels.append(_Panel("Productive headcount", "labelers", tuple((headcount_total + per_vendor)[:7])))
    sla = [n for n in names if n.startswith("sla_attainment")]
    if sla:
        panels.append(_Panel("SLA attainment", "share within target", tuple(sla[:3]), percent=True))
    if "cumulative_cost" in names:
        panels.append(_Panel("Cumulative cost", "cost", ("cumulative_cost",), money=True))
    return panels


def _plot_band(ax: Axes, days: np.ndarray, band: Band, label: str, color: str, share: bool) -> None:
    # A t interval around a share near 0 or 1 can poke outside [0, 1]; the chart shows only possible values.
    low, high = (np.clip(band.ci_low, 0, 1), np.clip(band.ci_high, 0, 1)) if share else (band.ci_low, band.ci_high)
    ax.fill_between(days, band.p2_5, band.p97_5, color=color, alpha=0.12, linewidth=0)
    ax.fill_between(days, low, high, color=color, alpha=0.35, linewidth=0)
    ax.plot(days, band.mean, color=color, linewidth=1.6, label=label)


def _mark_scenario(ax: Axes, panel: _Panel, scenario: Scenario | None) -> None:
    """Spikes as shaded spans on every panel; the SLA target as a dashed line on the SLA panel."""
    if scenario is None:
        return
    last_day = scenario.horizon_days - 1
    spikes = [spike for spike in scenario.demand.spikes if spike.start_day <= last_day]
    for i, spike in enumerate(spikes):
        ax.axvspan(
            spike.start_day,
            min(spike.start_day + spike.duration_days, last_day),
            color="tab:red",
            alpha=0.08,
            linewidth=0,
            label=f"spike x{spike.multiplier:g}" if i == 0 and panel.title == "Backlog" else None,
        )
    if panel.percent:
        ax.axhline(
            scenario.sla.required_attainment,
            color="black",
            linestyle="--",
            linewidth=1.0,
            label=f"target {scenario.sla.required_attainment:.0%} within {scenario.sla.turnaround_hours:g} h",
        )


def _figure(result: MonteCarloResult, title: str, scenario: Scenario | None = None) -> Figure:
    panels = chart_panels(list(result.daily))
    if not panels:
        raise ValueError(f"result has no backlog, headcount or SLA series to chart, got series {sorted(result.daily)}")
    currency = scenario.currency if scenario is not None else None
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.9 * len(panels)), sharex=True, squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        for i, name in enumerate(panel.series):
            band = result.daily[name]
            days = np.arange(band.mean.size)
            label = name.rsplit(".", 1)[-1] if panel.title == _STAGES_TITLE else _label(name)
            _plot_band(ax, days, band, label, colors[i % len(colors)], panel.percent)
        _mark_scenario(ax, panel, scenario)
        ax.set_title(panel.title, loc="left", fontsize=10)
        ax.set_ylabel(f"{panel.ylabel} ({currency})" if panel.money and currency else panel.ylabel)
        ax.grid(alpha=0.3)
        if panel.percent:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        if panel.money:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        if len(ax.get_legend_handles_labels()[0]) > 1:
            ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel("day")
    fig.suptitle(
        f"{title}: mean, 95% CI of the mean (dark), 2.5-97.5% of {result.replications} runs (light)", fontsize=10
    )
    fig.tight_layout()
    return fig


def _format_number(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e5:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    if magnitude >= 1:
        return f"{value:.3f}"
    return f"{value:.4f}"


_TIME_UNITS = (("s", 1.0 / 3600.0), ("min", 1.0 / 60.0), ("h", 1.0), ("d", 24.0))


def time_unit(hours: float) -> tuple[str, float]:
    """The unit a duration of ``hours`` reads best in (seconds to days) and its length in hours."""
    magnitude = abs(hours) if math.isfinite(hours) else 1.0
    if magnitude < 1.0 / 60.0:
        return _TIME_UNITS[0]
    if magnitude < 1.0:
        return _TIME_UNITS[1]
    if magnitude < 48.0:
        return _TIME_UNITS[2]
    return _TIME_UNITS[3]


_MONEY = ("total_cost", "labor_cost", "vendor_fees", "hiring_cost", "training_cost", "cost_per_accepted_label")


def summary_rows(result: MonteCarloResult, currency: str | None = None) -> list[tuple[str, str, str, str]]:
    """Rows of (metric, mean, 95% CI, n finite) formatted for reading; durations (``*_hours``) are shown
    in the unit their mean reads best in, costs with ``currency``, each unit after the number."""
    rows = []
    for name, estimate in result.summary.items():
        label, scale, suffix = name, 1.0, ""
        if currency and name in _MONEY:
            suffix = f" {currency}"
        elif name.endswith("_hours"):
            unit, scale = time_unit(estimate.mean)
            label, suffix = name.removesuffix("_hours"), f" {unit}"
        mean, low, high = estimate.mean / scale, estimate.ci_low / scale, estimate.ci_high / scale
        ci = f"{_format_number(low)} .. {_format_number(high)}{suffix}" if math.isfinite(estimate.half_width) else "-"
        rows.append((label, _format_number(mean) + (suffix if math.isfinite(mean) else ""), ci, str(estimate.n)))
    return rows


def _html(result: MonteCarloResult, title: str, svg: str, currency: str | None) -> str:
    body_rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in summary_rows(result, currency)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin-top: 1rem; }}
td, th {{ padding: 0.25rem 0.75rem; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{result.replications} replications, seed {result.seed}. Bands: 95% confidence interval of the mean (dark) and
the 2.5-97.5 percentiles across replications (light).</p>
{svg}
<table><thead><tr><th>metric</th><th>mean</th><th>95% CI</th><th>n</th></tr></thead>
<tbody>
{body_rows}
</tbody></table>
</body></html>
"""


def render_chart(
    result: MonteCarloResult, path: str | Path, *, title: str = "Forecast", scenario: Scenario | None = None
) -> Path:
    """Write the chart to `path`; the suffix picks the format (.png, .svg, or .html with the summary table).
    With the `scenario`, the chart marks its demand spikes and SLA target and labels costs with its currency."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise ValueError(f"chart path must end in {', '.join(CHART_SUFFIXES)}, got {str(path)!r}")
    fig = _figure(result, title, scenario)
    currency = scenario.currency if scenario is not None else None
    try:
        if suffix == ".html":
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg")
            svg = buffer.getvalue()
            svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: invalid inside HTML
            target.write_text(_html(result, title, svg, currency), encoding="utf-8")
        else:
            fig.savefig(target, dpi=110)
    finally:
        _pyplot().close(fig)
    return target
