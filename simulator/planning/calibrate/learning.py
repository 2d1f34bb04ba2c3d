"""The one learning-curve fitter, used by calibration and by the dashboard's per-labeler curves.

``T(t) = T_inf + (T0 - T_inf)·exp(-t/tau)`` with t the tenure since the labeler entered PRODUCTION. Points are
mean seconds per label of a (labeler, tenure day) cell, weighted by their label counts (a mean of n labels has
variance sigma²/n). Once tau is fixed the curve is linear in ``T_inf`` and ``T0 - T_inf``, so tau is found by a
one-dimensional search over log(tau) (variable projection), each candidate an exact weighted linear fit; the
candidates of every series of similar length are one vectorised evaluation, each from the weighted sums around the
means (one exponential per point and candidate; the last zooms sum residuals, see `_sse`). Standard errors come
from the weighted Jacobian at the optimum. A fit says how it went (:class:`CurveStatus`) instead of passing a
search bound off as a number.

:func:`fit_learning_curve` fits one curve for a whole workforce: each labeler's own speed (a time factor) is
removed and the pooled cells refitted, so fast or slow individuals do not bend the curve.
"""

from __future__ import annotations

import contextlib
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.planning.calibrate.fits import T95

__all__ = [
    "STRAY_TIME_FACTOR",
    "CurveFit",
    "CurveStatus",
    "LearningFit",
    "Series",
    "fit_curves",
    "fit_learning_curve",
    "stray_times",
]

#: A label timed at more than this many times the median label is left out of the fit. Lognormal label times
#: with a spread of 1 (wider than any history seen here) pass it once in 20,000 labels.
STRAY_TIME_FACTOR = 50.0

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


# Series are fitted in batches of similar length, so that a short series is not padded to the longest one's
# points: every candidate tau costs (series x points) exponentials. A batch's width is its longest series rounded
# up to a multiple of this; batches are cut where the next width would pad the batch by more than a third.
_WIDTH_STEP = 8


def _sse(t: np.ndarray, y: np.ndarray, w: np.ndarray, taus: np.ndarray, *, residuals: bool) -> np.ndarray:
    """The weighted SSE of the exact linear fit of (T_inf, span) for each tau candidate; shapes t, y, w (series,
    points) padded with zero weights, taus (series, candidates); returns (series, candidates).

    From the weighted sums around the means, SSE = Syy - Sxy²/Sxx: one exponential and three products per point
    and candidate. That difference loses the digits the last zooms compare (their candidates' SSEs differ in the
    14th digit), so those sum the residuals themselves (`residuals`), as a direct fit would."""
    x = np.exp(-t[:, :, None] / taus[:, None, :])
    total = w.sum(axis=1)
    y_centred = y - ((w * y).sum(axis=1) / total)[:, None]
    wy = w * y_centred
    x_mean = np.matmul(w[:, None, :], x)[:, 0, :] / total[:, None]
    x -= x_mean[:, None, :]
    sxy = np.matmul(wy[:, None, :], x)[:, 0, :]
    if residuals:
        sxx = np.matmul(w[:, None, :], x * x)[:, 0, :]
        flat = sxx <= 0.0
        slope = np.where(flat, 0.0, sxy / np.where(flat, 1.0, sxx))
        x *= slope[:, None, :]
        np.subtract(y_centred[:, :, None], x, out=x)
        x *= x
        return np.matmul(w[:, None, :], x)[:, 0, :]
    x *= x
    sxx = np.matmul(w[:, None, :], x)[:, 0, :]
    syy = (wy * y_centred).sum(axis=1)[:, None]
    flat = sxx <= 0.0
    return np.where(flat, syy, syy - sxy * sxy / np.where(flat, 1.0, sxx))


def _linear_fits(t: np.ndarray, y: np.ndarray, w: np.ndarray, taus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each series' one tau the exact weighted fit: T_inf and span, each (series,)."""
    x = np.exp(-t / taus[:, None])
    total = w.sum(axis=1)
    x_mean = (w * x).sum(axis=1) / total
    y_mean = (w * y).sum(axis=1) / total
    dx = x - x_mean[:, None]
    sxx = (w * dx**2).sum(axis=1)
    sxy = (w * dx * (y - y_mean[:, None])).sum(axis=1)
    flat = sxx <= 0.0
    slope = np.where(flat, 0.0, sxy / np.where(flat, 1.0, sxx))
    return y_mean - slope * x_mean, slope


def _standard_errors(
    t: np.ndarray, y: np.ndarray, w: np.ndarray, plateau: np.ndarray, span: np.ndarray, tau: np.ndarray
) -> np.ndarray:
    """Standard errors of (T0, T_inf, tau) per series from the weighted Jacobian, (series, 3); nan where they
    cannot be had (three points or fewer, a singular Jacobian)."""
    points = (w > 0).sum(axis=1)
    x = np.exp(-t / tau[:, None])
    residual = y - (plateau[:, None] + span[:, None] * x)
    variance = (w * residual**2).sum(axis=1) / np.maximum(points - 3, 1)  # per label
    jacobian = np.stack([np.ones_like(t), x, span[:, None] * x * t / (tau**2)[:, None]], axis=2)
    information = np.einsum("spi,sp,spj->sij", jacobian, w, jacobian)
    try:
        inverse = np.linalg.inv(information)
    except np.linalg.LinAlgError:  # one singular matrix fails the stack: invert one by one
        inverse = np.full_like(information, np.nan)
        for row, matrix in enumerate(information):
            with contextlib.suppress(np.linalg.LinAlgError):
                inverse[row] = np.linalg.inv(matrix)
    covariance = variance[:, None, None] * inverse
    variances = np.stack(
        [
            covariance[:, 0, 0] + covariance[:, 1, 1] + 2.0 * covariance[:, 0, 1],
            covariance[:, 0, 0],
            covariance[:, 2, 2],
        ],
        axis=1,
    )
    with np.errstate(invalid="ignore"):
        errors = np.where(variances >= 0, np.sqrt(np.abs(variances)), np.nan)
    errors[points <= 3] = np.nan
    return errors


def _width(points: int) -> int:
    """A batch's padded width for its longest series of `points`."""
    return -(-points // _WIDTH_STEP) * _WIDTH_STEP


def _batches(sizes: np.ndarray) -> list[np.ndarray]:
    """Indices of `sizes` in batches of similar size, shortest first: a batch ends before the series whose width
    would pad its shortest member by more than a third (and a `_WIDTH_STEP`)."""
    order = np.argsort(sizes, kind="stable")
    batches: list[np.ndarray] = []
    first = 0
    for end in range(1, order.size):
        if _width(int(sizes[order[end]])) > (4 * int(sizes[order[first]])) // 3 + _WIDTH_STEP:
            batches.append(order[first:end])
            first = end
    if order.size:
        batches.append(order[first:])
    return batches


def _search_log_tau(t: np.ndarray, y: np.ndarray, w: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The best log(tau) of each series in [low, high]: a coarse grid, then zooms into the best cell's neighbours."""
    grid = np.linspace(low, high, _GRID_POINTS, axis=1)
    rows = np.arange(t.shape[0])
    best_log_tau = low
    for zoom in range(_ZOOMS + 1):
        best = np.argmin(_sse(t, y, w, np.exp(grid), residuals=zoom >= _ZOOMS - 1), axis=1)
        best_log_tau = grid[rows, best]
        below = grid[rows, np.maximum(best - 1, 0)]
        above = grid[rows, np.minimum(best + 1, grid.shape[1] - 1)]
        grid = np.linspace(below, above, _ZOOM_POINTS, axis=1)
    return best_log_tau


def fit_curves(series: Sequence[Series], *, min_tau: float, max_tau_spans: float = 10.0) -> list[CurveFit]:
    """One weighted least-squares fit per series; tau is searched in [min_tau, max_tau_spans x the tenure span]."""
    arrays = []
    for tenures, seconds, labels in series:
        t = np.asarray(tenures, dtype=float)
        y = np.asarray(seconds, dtype=float)
        w = np.asarray(labels, dtype=float)
        keep = np.isfinite(t) & np.isfinite(y) & (w > 0) & (t >= 0)
        arrays.append((t[keep], y[keep], w[keep]))
    # Series too short to be informative are not searched; they still say why and how many points they had.
    fitted = np.array(
        [
            i
            for i, (t, _, _) in enumerate(arrays)
            if t.size >= MIN_POINTS and len(set(t.tolist())) >= MIN_DISTINCT_TENURES
        ],
        dtype=np.int64,
    )
    results: dict[int, CurveFit] = {}
    sizes = np.array([arrays[i][0].size for i in fitted], dtype=np.int64)
    for batch in _batches(sizes):
        members = fitted[batch]
        width = _width(int(sizes[batch].max()))
        t, y, w = (np.zeros((members.size, width)) for _ in range(3))
        for row, i in enumerate(members):
            ti, yi, wi = arrays[i]
            t[row, : ti.size], y[row, : ti.size], w[row, : ti.size] = ti, yi, wi
        present = w > 0
        spans = np.maximum(
            np.where(present, t, -np.inf).max(axis=1) - np.where(present, t, np.inf).min(axis=1), min_tau
        )
        low_bound = np.full(members.size, math.log(min_tau))
        high_bound = np.log(max_tau_spans * spans)
        best_log_tau = _search_log_tau(t, y, w, low_bound, high_bound)
        taus = np.exp(best_log_tau)
        plateaus, slopes = _linear_fits(t, y, w, taus)
        initials = plateaus + slopes
        at_bound = np.minimum(np.abs(best_log_tau - low_bound), np.abs(best_log_tau - high_bound)) < 1e-6
        errors = _standard_errors(t, y, w, plateaus, slopes, taus)
        for row, i in enumerate(members):
            tau, plateau, initial = float(taus[row]), float(plateaus[row]), float(initials[row])
            points, weight = int(arrays[i][0].size), float(arrays[i][2].sum())
            plausible = all(math.isfinite(v) for v in (initial, plateau, tau)) and initial >= 0 and plateau >= 0
            if not plausible or initial > 5.0 * float(arrays[i][1].max()):
                results[int(i)] = _nothing(CurveStatus.IMPLAUSIBLE, points, weight)
                continue
            t0_se, t_inf_se, tau_se = (float(value) for value in errors[row])
            status = CurveStatus.AT_BOUND if at_bound[row] else CurveStatus.OK
            results[int(i)] = CurveFit(status, initial, plateau, tau, t0_se, t_inf_se, tau_se, points, weight)
    return [
        results.get(i) or _nothing(CurveStatus.TOO_FEW_POINTS, int(t_arr.size), float(w_arr.sum()))
        for i, (t_arr, _, w_arr) in enumerate(arrays)
    ]


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
    #: Labels left out for a time over :data:`STRAY_TIME_FACTOR` times the median (a timer left running).
    stray: int = 0

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


def stray_times(seconds: np.ndarray) -> np.ndarray:
    """Which of ``seconds`` (label times, all timed) are over :data:`STRAY_TIME_FACTOR` times their median."""
    if not seconds.size:
        return np.zeros(0, dtype=bool)
    return np.asarray(seconds > STRAY_TIME_FACTOR * np.median(seconds), dtype=bool)


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
    timed = np.isfinite(y) & (y > 0)
    tenured = np.isfinite(t) & (t >= 0)
    keep = timed & tenured
    # A label timed at many times the typical one is a timer left running (a night, a weekend), not work: one
    # such label among hundreds set the flat level, and with it every planning answer, tens of times too slow.
    stray = np.zeros_like(keep)
    stray[keep] = stray_times(y[keep])
    keep &= ~stray
    t, y, g = t[keep], y[keep], g[keep]
    if t.size < 10:
        # Say which of the two is missing: a history imported without times reads very unlike one whose labelers
        # reached production after these labels.
        raise ValueError(
            f"need at least 10 labels with a recorded time and a known tenure, got {t.size} of {keep.size}: "
            f"{int((~timed).sum())} without a time over 0 seconds, {int((~tenured).sum())} made before their "
            "labeler's PRODUCTION stage or without one"
        )
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
        stray=int(stray.sum()),
    )
