"""Back-test: rerun the method as of earlier quarters and compare with actuals."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from scripts.quotas.engine import InsufficientDataError, QuotaInputs, QuotaParameters, recommend
from scripts.quotas.statistics import add_months, quarter_of

LOGGER = logging.getLogger(__name__)

MIN_BACKTEST_QUARTERS = 4
MAX_BACKTEST_QUARTERS = 6
# A rerun needs this many complete months before the quarter it predicts.
MIN_MONTHS_BEFORE = 6

BACKTEST_COLUMNS = [
    "backtest_quarter", "as_of_month", "level", "region", "sales_rep_id", "quota_mrr", "actual_mrr",
    "attained", "quota_error_mrr", "quota_error_ratio", "prob_reach_quota",
]


def backtest_quarters(complete_months: list[date], as_of_month: date, count: int = MAX_BACKTEST_QUARTERS) -> list:
    """Return up to ``count`` whole quarters ending on or before the as-of month, oldest first.

    Only quarters with at least MIN_MONTHS_BEFORE complete months before
    them qualify, so each rerun has history to work from.
    """
    months = sorted(m for m in complete_months if m <= as_of_month)
    if not months:
        return []
    available = set(months)
    quarters = []
    quarter = quarter_of(as_of_month)
    if quarter.months[-1] > as_of_month:
        quarter = quarter_of(add_months(quarter.start, -3))
    while len(quarters) < count:
        before = [m for m in months if m < quarter.start]
        if len(before) < MIN_MONTHS_BEFORE or not all(m in available for m in quarter.months):
            break
        quarters.append(quarter)
        quarter = quarter_of(add_months(quarter.start, -3))
    return list(reversed(quarters))


def quota_error_ratio(actual: float, quota: float) -> float | None:
    """Return (actual − quota) ÷ quota, or None when the quota is 0."""
    return (actual - quota) / quota if quota > 0 else None


def run_backtest(inputs: QuotaInputs, parameters: QuotaParameters, complete_months: list[date]) -> pd.DataFrame:
    """Rerun the method as of the month before each back-test quarter.

    Each rerun uses the default target rule with the run's growth rate
    (no target was recorded for past quarters) and the run's other
    parameters. Actual bookings come from the region and sales_rep_id
    segments of the same marts.
    """
    quarters = backtest_quarters(complete_months, parameters.as_of_month)
    segments = inputs.segment_monthly
    rows = []
    for quarter in quarters:
        as_of = add_months(quarter.start, -1)
        try:
            rerun = recommend(inputs, replace(parameters, period=quarter, as_of_month=as_of, net_new_target=None))
        except InsufficientDataError as error:
            LOGGER.warning("back-test skips %s: %s", quarter.label, error)
            continue
        in_quarter = segments[segments["month"].isin(quarter.months)]
        actual_region = in_quarter[in_quarter["segment"] == "region"].groupby("segment_value")["new_business_mrr"].sum()
        actual_rep = in_quarter[in_quarter["segment"] == "sales_rep_id"].groupby("segment_value")["new_business_mrr"].sum()
        for level, frame, key, actuals in (
            ("region", rerun.regions, "region", actual_region),
            ("rep", rerun.reps, "sales_rep_id", actual_rep),
        ):
            for record in frame.to_dict("records"):
                actual = float(actuals.get(record[key], 0.0))
                quota = float(record["quota_mrr"])
                rows.append(
                    {
                        "backtest_quarter": quarter.label,
                        "as_of_month": as_of,
                        "level": level,
                        "region": record["region"],
                        "sales_rep_id": record["sales_rep_id"] if level == "rep" else None,
                        "quota_mrr": quota,
                        "actual_mrr": actual,
                        "attained": bool(actual >= quota - 0.005),
                        "quota_error_mrr": actual - quota,
                        "quota_error_ratio": quota_error_ratio(actual, quota),
                        "prob_reach_quota": float(record["prob_reach_quota"]),
                    }
                )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)


def share_attained(backtest: pd.DataFrame, level: str = "rep") -> float | None:
    """Return the share of rows at a level that reached quota, or None without rows."""
    rows = backtest[backtest["level"] == level]
    if rows.empty:
        return None
    return float(np.mean(rows["attained"].astype(bool)))
