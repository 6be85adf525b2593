"""Ramp of a salesperson's capacity with tenure.

A ramp curve has four factors, for tenure quarters 1, 2, 3 and 4+ (tenure
months 0–2, 3–5, 6–8 and 9 and later). Ramped-rep equivalents of a region in
a month are the sum of its reps' factors in that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scripts.quotas.statistics import months_between

DEFAULT_RAMP = (0.25, 0.50, 0.75, 1.00)
MIN_RAMPED_REPS_TO_FIT = 3
# Tenure from which a rep counts as fully ramped (the fourth tenure quarter).
RAMPED_TENURE_MONTHS = 9
# Floor of a fitted factor, so a rep in the first quarter never carries a zero
# share of the region quota.
MIN_RAMP_FACTOR = 0.05


@dataclass(frozen=True)
class RampCurve:
    """Ramp factors by tenure quarter and whether they were fitted from history."""

    factors: tuple[float, float, float, float]
    fitted: bool
    ramped_reps: int


def ramp_factor(tenure_months: int, curve: tuple[float, ...] = DEFAULT_RAMP) -> float:
    """Return the ramp factor at a tenure in whole months (0 before the start)."""
    if tenure_months < 0:
        return 0.0
    return float(curve[min(tenure_months // 3, len(curve) - 1)])


def rep_month_factor(
    month: date,
    tenure_start: date | None,
    left_on: date | None,
    curve: tuple[float, ...],
) -> float:
    """Return a rep's ramp factor in a month, 0 outside employment.

    A rep counts in a month from the month of ``tenure_start`` and stops in
    the month of ``left_on``, which counts no more.
    """
    if tenure_start is None:
        return 0.0
    if left_on is not None and month >= date(left_on.year, left_on.month, 1):
        return 0.0
    return ramp_factor(months_between(tenure_start, month), curve)


def fit_ramp(rep_months: pd.DataFrame, min_ramped_reps: int = MIN_RAMPED_REPS_TO_FIT) -> RampCurve:
    """Fit the ramp from bookings by tenure, or fall back to 25/50/75/100 %.

    ``rep_months`` has one row per rep and month of employment with columns
    ``sales_rep_id``, ``tenure_months`` and ``new_business_mrr``. When at
    least ``min_ramped_reps`` reps have months at tenure ≥ 9, the factor of
    tenure quarter q is the mean bookings per rep-month in that quarter ÷ the
    mean at tenure ≥ 9. A quarter without observations keeps its default.
    The factors are clipped to [0.05, 1] and made non-decreasing (a later
    quarter never ramps below an earlier one).
    """
    ramped = rep_months[rep_months["tenure_months"] >= RAMPED_TENURE_MONTHS]
    ramped_reps = int(ramped["sales_rep_id"].nunique())
    ramped_mean = float(ramped["new_business_mrr"].mean()) if not ramped.empty else 0.0
    if ramped_reps < min_ramped_reps or ramped_mean <= 0:
        return RampCurve(DEFAULT_RAMP, False, ramped_reps)

    quarter = rep_months["tenure_months"] // 3
    factors = list(DEFAULT_RAMP)
    for index in range(3):
        observed = rep_months.loc[(quarter == index) & (rep_months["tenure_months"] >= 0), "new_business_mrr"]
        if not observed.empty:
            factors[index] = float(observed.mean()) / ramped_mean
    clipped = np.clip(np.array(factors), MIN_RAMP_FACTOR, 1.0)
    clipped[3] = 1.0
    monotone = np.maximum.accumulate(clipped)
    return RampCurve(tuple(float(value) for value in monotone), True, ramped_reps)
