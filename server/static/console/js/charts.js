// Chart.js (the UMD build the page loads as window.Chart) with the console's defaults: no animation, readable
// fonts, colour-blind-safe colours, legends below, and helpers for lines, bars and 95% bands.

const Chart = window.Chart;

// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
export const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"];

if (Chart) {
  Chart.defaults.animation = false; // charts appear at once, and reduced-motion users are not bothered
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#3a4150";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.position = "bottom";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  // Band edges are drawing aids, not series: keep them out of the legend and the tooltip.
  Chart.defaults.plugins.legend.labels.filter = (item, data) => !data.datasets[item.datasetIndex]?.band;
  Chart.defaults.plugins.tooltip.filter = (item) => !item.dataset.band;
  // A line along 100% would be half cut off by the chart area; let it spill over by a few pixels.
  Chart.defaults.datasets.line.clip = 4;
}

/** Colour `hex` with opacity `alpha`, for fills. */
export function fade(hex, alpha) {
  const value = parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

export function line(label, data, color, extra = {}) {
  return {
    type: "line",
    label,
    data,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 2,
    pointRadius: 0,
    pointHitRadius: 6,
    tension: 0.2,
    spanGaps: true,
    fill: false,
    ...extra,
  };
}

export function bar(label, data, color, extra = {}) {
  return { type: "bar", label, data, backgroundColor: fade(color, 0.75), borderColor: color, ...extra };
}

/** Two datasets drawing a shaded band between `low` and `high` (put them before the mean's line). */
export function band(low, high, color, extra = {}) {
  const edge = { type: "line", borderWidth: 0, pointRadius: 0, band: true, tension: 0.2, spanGaps: true, ...extra };
  return [
    { ...edge, label: "low", data: low, fill: false, borderColor: "transparent" },
    { ...edge, label: "high", data: high, fill: "-1", borderColor: "transparent", backgroundColor: fade(color, 0.18) },
  ];
}

/** A horizontal reference line (a target or a budget) over `labels`. */
export function reference(label, value, labels, color = "#7a808c") {
  return line(
    label,
    labels.map(() => value),
    color,
    { borderDash: [6, 4], borderWidth: 1.5, tension: 0 },
  );
}

/** Draw (or redraw) the chart on `canvasId`; an old chart on the canvas is destroyed first. */
export function draw(canvasId, config) {
  const canvas = document.getElementById(canvasId);
  if (!Chart) throw new Error("The chart library did not load: run `labelops assets install` on the server.");
  Chart.getChart(canvas)?.destroy();
  const options = config.options ?? {};
  options.interaction ??= { mode: "index", intersect: false };
  // Level tick labels, thinned out, read better than a slanted row of every day.
  options.scales ??= {};
  options.scales.x ??= {};
  options.scales.x.ticks = { maxRotation: 0, autoSkipPadding: 12, ...options.scales.x.ticks };
  return new Chart(canvas, { ...config, options });
}

/** A y axis in percent, from 0 to 100% unless `min` says otherwise. */
export function percentAxis(extra = {}) {
  return {
    min: 0,
    max: 1,
    ticks: { callback: (value) => `${Math.round(value * 100)}%` },
    ...extra,
  };
}

/** Tooltip label callback showing percentages. */
export function percentTooltip(context) {
  const value = context.parsed.y;
  return `${context.dataset.label}: ${value === null ? "–" : `${(value * 100).toFixed(1)}%`}`;
}
