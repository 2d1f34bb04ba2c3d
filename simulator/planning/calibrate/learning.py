"""The one learning-curve fitter, used by calibration and by the dashboard's per-labeler curves.

``T(t) = T_inf + (T0 - T_inf)·exp(-t/tau)`` with t the tenure since the labeler entered PRODUCTION. Points are
mean seconds per label of a (labeler, tenure day) cell, weighted by their label counts (a mean of n labels has
variance sigma²/n). Once tau is fixed the curve is linear in ``T_inf`` and ``T0 - T_inf``, so tau is found by a
one-dimensional search over log(tau) (variable projection), each candidate an exact weighted linear fit; every
candidate of every series is one vectorised evaluation. Standard errors come from the weighted Jacobian at the
optimum. A fit says how it went (:class:`CurveStatus`) instead of passing a search bound off as a number.

:func:`fit_learning_curve` fits one curve for a whole workforce: each labeler's own speed (a time factor) is
removed and the pooled cells refitted, so fast or slow individuals do not bend the curve.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.planning.calibrate.fits import T95

__all__ = ["CurveFit", "CurveStatus", "LearningFit", "Series", "fit_curves", "fit_learning_curve"]

MIN_POINTS = 4
MIN_DISTINCT_TENURES = 3
# The search for log(tau): a coarse grid over [min_tau, span x max_tau_spans], then zooms into the best cell's
# neighbours; five zooms narrow the first bracket below 1e-8.
_GRID_POINTS = 48
_ZOOM_POINTS = 33
_ZOOMS = 5


class CurveStatus(enum.StrEnum):
    OK = "OK"
    #: Fewer than 4 points or 3 distinct tenures: nothing to fit.
    TOO_FEW_POINTS = "TOO_FEW_POINTS"
    #: The best tau sits on a search bound: the data do not pin tau down (all plateau, or all steep start).
    AT_BOUND = "AT_BOUND"
    #: The curve extrapolates to t = 0 beyond five times the slowest point (only the tail was observed), or
    #: gives negative times.
    IMPLAUSIBLE = "IMPLAUSIBLE"


@dataclass(frozen=True)
class CurveFit:
    """A fitted curve in the tenure unit of its input; values are nan unless the status is OK or AT_BOUND."""

    status: CurveStatus
    t0: float
    t_inf: float
    tau: float
    t0_se: float
    t_inf_se: float
    tau_se: float
    points: int
    labels: float

    @property
    def usable(self) -> bool:
        return self.status is CurveStatus.OK


Series = tuple[
    Sequence[float] | np.ndarray, Sequence[float] | np.ndarray, Sequence[float] | np.ndarray
]  # tenures, mean seconds, labels per point


def _nothing(status: CurveStatus, points: int, labels: float) -> CurveFit:
    nan = math.nan
    return CurveFit(status, nan, nan, nan, nan, nan, nan, points, labels)


def _linear_fits(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, taus: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each tau candidate the exact weighted fit of (T_inf, span); shapes t, y, w (series, points) padded
    with zero weights, taus (series, candidates). Returns T_inf, span and the weighted SSE, each (series,
    candidates)."""
    x = np.exp(-t[:, :, None] / taus[:, None, :])
    weights = w[:, :, None]
    total = w.sum(axis=1)[:, None]
    x_mean = (weights * x).sum(axis=1) / total
    y_mean = (w * y).sum(axis=1)[:, None] / total
    dx = x - x_mean[:, None, :]
    sxx = (weights * dx**2).sum(axis=1)
    sxy = (weights * dx * (y[:, :, None] - y_mean[:, :, None])).sum(axis=1)
    flat = sxx <= 0.0
    slope = np.where(flat, 0.0, sxy / np.where(flat, 1.0, sxx))
    plateau = y_mean - slope * x_mean
    residual = y[:, :, None] - (plateau[:, None, :] + slope[:, None, :] * x)
    return plateau, slope, (weights * residual**2).sum(axis=1)


def _standard_errors(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, plateau: float, span: float, tau: float
) -> tuple[float, float, float]:
    """Standard errors of (T0, T_inf, tau) from the weighted Jacobian; nan when they cannot be had."""
    keep = w > 0
    t, y, w = t[keep], y[keep], w[keep]
    if t.size <= 3:
        return math.nan, math.nan, math.nan
    x = np.exp(-t / tau)
    residual = y - (plateau + span * x)
    variance = float(np.sum(w * residual**2)) / (t.size - 3)  # per label
    jacobian = np.column_stack([np.ones_like(t), x, span * x * t / tau**2])
    try:
        covariance = variance * np.linalg.inv(jacobian.T @ (w[:, None] * jacobian))
    except np.linalg.LinAlgError:
        return math.nan, math.nan, math.nan
    var_t0 = covariance[0, 0] + covariance[1, 1] + 2.0 * covariance[0, 1]
    return tuple(math.sqrt(v) if v >= 0 else math.nan for v in (var_t0, covariance[0, 0], covariance[2, 2]))  # type: ignore[return-value]


def fit_curves(series: Sequence[Series], *, min_tau: float, max_tau_spans: float = 10.0) -> list[CurveFit]:
    """One weighted least-squares fit per series; tau is searched in [min_tau, max_tau_spans x the tenure span]."""
    fits: list[CurveFit] = []
    arrays = []
    for tenures, seconds, labels in series:
        t = np.asarray(tenures, dtype=float)
        y = np.asarray(seconds, dtype=float)
        w = np.asarray(labels, dtype=float)
        keep = np.isfinite(t) & np.isfinite(y) & (w > 0) & (t >= 0)
        arrays.append((t[keep], y[keep], w[keep]))
    fitted = [
        i for i, (t, _, _) in enumerate(arrays) if t.size >= MIN_POINTS and np.unique(t).size >= MIN_DISTINCT_TENURES
    ]
    results: dict[int, CurveFit] = {}
    if fitted:
        width = max(arrays[i][0].size for i in fitted)
        t, y, w = (np.zeros((len(fitted), width)) for _ in range(3))
        spans = np.empty(len(fitted))
        for row, i in enumerate(fitted):
            ti, yi, wi = arrays[i]
            t[row, : ti.size], y[row, : ti.size], w[row, : ti.size] = ti, yi, wi
            spans[row] = max(float(ti.max() - ti.min()), min_tau)
        low_bound = np.full(len(fitted), math.log(min_tau))
        high_bound = np.log(max_tau_spans * spans)
        grid = np.linspace(low_bound, high_bound, _GRID_POINTS, axis=1)
        rows = np.arange(len(fitted))
        best_log_tau = low_bound
        for _ in range(_ZOOMS + 1):
            best = np.argmin(_linear_fits(t, y, w, np.exp(grid))[2], axis=1)
            best_log_tau = grid[rows, best]
            low = grid[rows, np.maximum(best - 1, 0)]
            high = grid[rows, np.minimum(best + 1, grid.shape[1] - 1)]
            grid = np.linspace(low, high, _ZOOM_POINTS, axis=1)
        taus = np.exp(best_log_tau)
        plateaus, spans_fit, _ = _linear_fits(t, y, w, taus[:, None])
        for row, i in enumerate(fitted):
            tau, plateau, span = float(taus[row]), float(plateaus[row, 0]), float(spans_fit[row, 0])
            ti, yi, wi = arrays[i]
            initial = plateau + span
            weight = float(wi.sum())
            at_bound = min(abs(best_log_tau[row] - low_bound[row]), abs(best_log_tau[row] - high_bound[row])) < 1e-6
            if not all(math.isfinite(v) for v in (initial, plateau, tau)) or initial < 0 or plateau < 0:
                results[i] = _nothing(CurveStatus.IMPLAUSIBLE, int(ti.size), weight)
                continue
            if initial > 5.0 * float(yi.max()):
                results[i] = _nothing(CurveStatus.IMPLAUSIBLE, int(ti.size), weight)
                continue
            t0_se, t_inf_se, tau_se = _standard_errors(t[row], y[row], w[row], plateau, span, tau)
            status = CurveStatus.AT_BOUND if at_bound else CurveStatus.OK
            results[i] = CurveFit(status, initial, plateau, tau, t0_se, t_inf_se, tau_se, int(ti.size), weight)
    for i, (t_arr, _, w_arr) in enumerate(arrays):
        fits.append(results.get(i) or _nothing(CurveStatus.TOO_FEW_POINTS, int(t_arr.size), float(w_arr.sum())))
    return fits


@dataclass(frozen=True)
class LearningFit:
    """A workforce's learning curve in seconds per label (arithmetic means): novice ``t0``, plateau ``t_inf``,
    time constant ``tau_weeks``, with ``status`` and standard errors.

    ``sigma`` is the spread of log seconds around each labeler's curve (so the service-time cv is
    ``sqrt(exp(sigma²) - 1)``); ``speed_factors`` are each labeler's time factors (1: as the curve, 1.2: 20%
    slower), label-weighted to a geometric mean of 1.
    """

    t0: float
    t_inf: float
    tau_weeks: float
    sigma: float
    ci: dict[str, tuple[float, float]]
    n: int
    status: CurveStatus = CurveStatus.OK
    se: dict[str, float] = field(default_factory=dict)
    speed_factors: Mapping[int, float] = field(default_factory=dict)
    points: int = 0

    @property
    def plateau_share(self) -> float:
        return self.t_inf / self.t0

    def seconds(self, tenure_weeks: np.ndarray | float) -> np.ndarray:
        t = np.maximum(np.asarray(tenure_weeks, dtype=float), 0.0)
        return self.t_inf + (self.t0 - self.t_inf) * np.exp(-t / self.tau_weeks)


def _cells(days: np.ndarray, seconds: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, ...]:
    """(group, tenure day) cells: their tenure (mean, days), mean seconds and label counts, and each label's
    cell."""
    day = np.floor(days).astype(np.int64)
    keys = np.stack([groups, day], axis=1)
    _, cell, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    cell = cell.reshape(-1)
    mean_t = np.bincount(cell, days) / counts
    mean_y = np.bincount(cell, seconds) / counts
    return mean_t, mean_y, counts.astype(float), cell


def fit_learning_curve(
    tenure_weeks: Sequence[float] | np.ndarray,
    seconds: Sequence[float] | np.ndarray,
    groups: Sequence[int] | np.ndarray | None = None,
    *,
    iterations: int = 3,
) -> LearningFit:
    """Fit one curve to (tenure, seconds) labels, removing each group's (labeler's) own speed.

    Raises ``ValueError`` with fewer than 10 labels of known tenure. When no curve can be fitted the result is
    flat at the mean time, with the status saying why.
    """
    t = np.asarray(tenure_weeks, dtype=float)
    y = np.asarray(seconds, dtype=float)
    g = np.zeros(t.size, dtype=np.int64) if groups is None else np.asarray(groups).astype(np.int64)
    keep = np.isfinite(t) & np.isfinite(y) & (y > 0) & (t >= 0)
    t, y, g = t[keep], y[keep], g[keep]
    if t.size < 10:
        raise ValueError(f"need at least 10 labels with a known tenure, got {t.size}")
    days = t * 7.0
    codes, person = np.unique(g, return_inverse=True)
    factor = np.ones(codes.size)
    fit: CurveFit | None = None
    for _ in range(max(1, iterations if groups is not None else 1)):
        mean_t, mean_y, counts, _ = _cells(days, y / factor[person], g)
        fit = fit_curves([(mean_t, mean_y, counts)], min_tau=0.5)[0]
        if fit.status not in (CurveStatus.OK, CurveStatus.AT_BOUND) or groups is None:
            break
        curve = fit.t_inf + (fit.t0 - fit.t_inf) * np.exp(-days / fit.tau)
        log_ratio = np.log(y / np.maximum(curve, 1e-9))
        per_person = np.bincount(person, log_ratio, minlength=codes.size) / np.bincount(person, minlength=codes.size)
        per_person -= np.average(per_person, weights=np.bincount(person, minlength=codes.size))
        factor = np.exp(per_person)
    assert fit is not None
    if fit.status not in (CurveStatus.OK, CurveStatus.AT_BOUND):
        # No curve: a flat one at the mean time, saying so; tau then has no effect.
        mean = float(np.mean(y / factor[person]))
        fit = CurveFit(fit.status, mean, mean, 7.0, math.nan, math.nan, math.nan, fit.points, fit.labels)
    curve = fit.t_inf + (fit.t0 - fit.t_inf) * np.exp(-days / fit.tau)
    log_residual = np.log(y / factor[person]) - np.log(np.maximum(curve, 1e-9))
    log_residual -= log_residual.mean()
    sigma = float(log_residual.std(ddof=3))
    tau_weeks = fit.tau / 7.0
    share = fit.t_inf / fit.t0
    # The share's interval by the delta method on T_inf / T0, treating the two errors as independent.
    share_se = share * math.hypot(fit.t_inf_se / fit.t_inf if fit.t_inf else math.nan, fit.t0_se / fit.t0)
    ci = {
        "t0": (fit.t0 - T95 * fit.t0_se, fit.t0 + T95 * fit.t0_se),
        "t_inf": (fit.t_inf - T95 * fit.t_inf_se, fit.t_inf + T95 * fit.t_inf_se),
        "plateau_share": (share - T95 * share_se, share + T95 * share_se),
        "tau_weeks": (tau_weeks - T95 * fit.tau_se / 7.0, tau_weeks + T95 * fit.tau_se / 7.0),
    }
    se = {"t0": fit.t0_se, "t_inf": fit.t_inf_se, "plateau_share": share_se, "tau_weeks": fit.tau_se / 7.0}
    return LearningFit(
        t0=fit.t0,
        t_inf=fit.t_inf,
        tau_weeks=tau_weeks,
        sigma=sigma,
        ci=ci,
        n=int(t.size),
        status=fit.status,
        se=se,
        speed_factors={int(c): float(f) for c, f in zip(codes, factor, strict=True)},
        points=fit.points,
    )
