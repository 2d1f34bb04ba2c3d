"""Calibration: fitting a scenario's parameters from recorded labeling history given as plain arrays.

No database here: :mod:`server.services.history` reads the records and hands them over as a
:class:`HistoryData`. The steps (:mod:`~simulator.planning.calibrate.assemble`) each return typed records; every fitted
figure carries a 95% confidence interval and the number of observations behind it (:mod:`~.result`):

- demand (:mod:`~.demand`): base per day, weekly seasonality and linear trend;
- speed (:mod:`~.learning`): the learning curve ``T(t) = T_inf + (T0 - T_inf)·exp(-t/tau)``, tenure from the
  PRODUCTION stage event, each labeler's own speed removed; the same fitter draws the dashboard's curves;
- review: share reviewed and thumbs-down (rework) rate as Wilson intervals, rework and review time;
- people (:mod:`~.people`): each vendor's headcount by stage, hours per working day and working days per week
  read from work sessions, shifts, speed, tenures, attrition (a constant weekly hazard) and onboarding;
- reviewers: a review pool with their headcount, hours and hourly pay.
"""

from __future__ import annotations

from simulator.planning.calibrate.assemble import Calibration, calibrate, learning_cv
from simulator.planning.calibrate.demand import DemandFit, demand_forecast, fit_demand
from simulator.planning.calibrate.fits import (
    AttritionFit,
    Estimate,
    LognormalFit,
    Proportion,
    fit_attrition,
    fit_duration,
    fit_lognormal,
    mean_estimate,
    proportion,
)
from simulator.planning.calibrate.learning import CurveFit, CurveStatus, LearningFit, fit_curves, fit_learning_curve
from simulator.planning.calibrate.people import SESSION_GAP_SECONDS, WorkingTime, working_time
from simulator.planning.calibrate.records import HistoryData, PersonHistory, PoolHistory
from simulator.planning.calibrate.result import (
    CalibrationFit,
    LearningCurveFit,
    PipelinePerson,
    PoolFit,
    ReviewPoolFit,
    ShiftPoolFit,
    WorkingWeekFit,
)
from simulator.planning.worktime import CalendarFit, fit_calendar

__all__ = [
    "SESSION_GAP_SECONDS",
    "AttritionFit",
    "CalendarFit",
    "Calibration",
    "CalibrationFit",
    "CurveFit",
    "CurveStatus",
    "DemandFit",
    "Estimate",
    "HistoryData",
    "LearningCurveFit",
    "LearningFit",
    "LognormalFit",
    "PersonHistory",
    "PipelinePerson",
    "PoolFit",
    "PoolHistory",
    "Proportion",
    "ReviewPoolFit",
    "ShiftPoolFit",
    "WorkingTime",
    "WorkingWeekFit",
    "calibrate",
    "demand_forecast",
    "fit_attrition",
    "fit_calendar",
    "fit_curves",
    "fit_demand",
    "fit_duration",
    "fit_learning_curve",
    "fit_lognormal",
    "learning_cv",
    "mean_estimate",
    "proportion",
    "working_time",
]
