"""Forecast charts: PNG and self-contained HTML with bands for backlog, headcount and SLA attainment."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from simulator.charts import chart_panels, render_chart, summary_rows
from simulator.montecarlo import MonteCarloResult, Replication, aggregate


def _result() -> MonteCarloResult:
    rng = np.random.default_rng(4)
    days = 30
    replications = [
        Replication(
            summary={"sla_attainment": float(rng.uniform(0.8, 1.0)), "total_cost": float(rng.normal(1e6, 1e4))},
            daily={
                "backlog": np.cumsum(rng.normal(10, 5, days)),
                "headcount.production": np.arange(days) / 2.0 + 20.0,
                "headcount.training": np.full(days, 2.0),
                "headcount_by_vendor.acme": np.full(days, 20.0),
                "headcount_by_vendor.globex": np.arange(days) / 2.0,
                "sla_attainment": rng.uniform(0.7, 1.0, days),
                "arrivals": rng.poisson(100, days).astype(float),
            },
        )
        for _ in range(12)
    ]
    return aggregate(replications, seed=3)


def test_panels_pick_backlog_headcount_and_sla() -> None:
    panels = chart_panels(list(_result().daily))
    assert [p.title for p in panels] == ["Backlog", "Headcount by stage", "Productive headcount", "SLA attainment"]
    assert panels[1].series == ("headcount.training", "headcount.production")
    assert panels[2].series == ("headcount.production", "headcount_by_vendor.acme", "headcount_by_vendor.globex")
    assert panels[3].percent


def test_png_chart_is_an_image(tmp_path: Path) -> None:
    path = render_chart(_result(), tmp_path / "forecast.png", title="demo")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = matplotlib.image.imread(path).shape
    assert width > 600 and height > 600  # three stacked panels


def test_html_chart_is_self_contained(tmp_path: Path) -> None:
    path = render_chart(_result(), tmp_path / "forecast.html", title="Launch <spike>")
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 1
    assert "Launch &lt;spike&gt;" in page
    # Nothing is fetched: no scripts, stylesheets or images from elsewhere.
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "<td>sla_attainment</td>" in page and "<td>total_cost</td>" in page


def test_summary_rows_show_mean_and_interval() -> None:
    result = _result()
    rows = {row[0]: row for row in summary_rows(result)}
    estimate = result.summary["sla_attainment"]
    assert rows["sla_attainment"][1] == f"{estimate.mean:.4f}"
    assert rows["sla_attainment"][2] == f"{estimate.ci_low:.4f} .. {estimate.ci_high:.4f}"
    assert rows["total_cost"][3] == "12"


def test_unknown_suffix_and_empty_result_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"chart path must end in \.png, \.html, \.svg, got '.*chart\.jpg'"):
        render_chart(_result(), tmp_path / "chart.jpg")
    bare = aggregate([Replication({"x": 1.0}, {"arrivals": np.ones(3)})], seed=0)
    with pytest.raises(ValueError, match=r"no backlog, headcount or SLA series to chart, got series \['arrivals'\]"):
        render_chart(bare, tmp_path / "chart.png")


def test_durations_are_shown_in_a_unit_that_reads_well() -> None:
    from simulator.charts import time_unit

    assert time_unit(0.0021) == ("s", 1.0 / 3600.0)  # 7.56 s, not "0.0021 h"
    assert time_unit(0.25)[0] == "min" and time_unit(5.0)[0] == "h" and time_unit(72.0)[0] == "d"
    result = aggregate(
        [Replication({"mean_wait_hours": w, "turnaround_p90_hours": 3.0 * w}, {}) for w in (0.002, 0.0022)], seed=0
    )
    rows = {row[0]: row for row in summary_rows(result)}
    assert rows["mean_wait"][1] == "7.560 s"
    assert rows["mean_wait"][2].endswith(" s") and rows["turnaround_p90"][1] == "22.680 s"


def test_chart_marks_spikes_the_sla_target_and_the_currency() -> None:
    import matplotlib.pyplot as plt

    from simulator.charts import _figure
    from simulator.scenario import SLA, Demand, Scenario, Spike

    scenario = Scenario(
        horizon_days=30,
        currency="EUR",
        demand=Demand(spikes=(Spike(start_day=10.0, duration_days=5.0, multiplier=2.0),)),
        sla=SLA(required_attainment=0.9),
    )
    base = _result()
    result = aggregate(
        [
            Replication(
                summary={"total_cost": 1.0},
                daily={**{k: b.mean for k, b in base.daily.items()}, "cumulative_cost": np.arange(30.0)},
            )
        ]
        * 3,
        seed=1,
    )
    fig = _figure(result, "t", scenario)
    try:
        axes = {ax.get_title(loc="left"): ax for ax in fig.axes}
        sla = axes["SLA attainment"]
        assert any(list(line.get_ydata()) == [0.9, 0.9] for line in sla.get_lines())
        assert "target 90% within 48 h" in sla.get_legend_handles_labels()[1]
        assert "spike x2" in axes["Backlog"].get_legend_handles_labels()[1]
        assert all(ax.patches for ax in fig.axes)  # the spike's span on every panel
        assert axes["Cumulative cost"].get_ylabel() == "cost (EUR)"
    finally:
        plt.close(fig)
    rows = {row[0]: row for row in summary_rows(result, "EUR")}
    assert rows["total_cost"][1].endswith(" EUR")
