"""Monthly seasonal factors of company new-business MRR."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_MONTHS_FOR_SEASONALITY = 24


@dataclass(frozen=True)
class SeasonalFactors:
    """Factor per calendar month (1–12), mean 1, and the model that produced it."""

    by_calendar_month: dict[int, float]
    method: str

    def factor(self, month_number: int) -> float:
        return self.by_calendar_month.get(month_number, 1.0)


def flat_factors(method: str = "none") -> SeasonalFactors:
    """Return factors of 1 for every calendar month."""
    return SeasonalFactors({month: 1.0 for month in range(1, 13)}, method)


def seasonal_factors(monthly_mrr: pd.Series) -> SeasonalFactors:
    """Estimate seasonal factors with Holt-Winters exponential smoothing.

    ``monthly_mrr`` is company new-business MRR indexed by month start,
    complete months only. With fewer than 24 months every factor is 1. With
    24 or more, statsmodels ``ExponentialSmoothing`` with an additive trend
    and a 12-month season is fitted: multiplicative season when every month
    is positive, additive otherwise (then each factor is (level + season) ÷
    level). The last 12 fitted seasonal terms give the factor of each
    calendar month, rescaled to mean 1 and floored at 0.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    series = monthly_mrr.sort_index().astype(float)
    if len(series) < MIN_MONTHS_FOR_SEASONALITY or not np.isfinite(series).all():
        return flat_factors()
    if float(series.abs().sum()) == 0.0:
        return flat_factors()

    multiplicative = bool((series > 0).all())
    values = series.to_numpy()
    with warnings.catch_warnings():
        # statsmodels warns on slow convergence; the factors are still usable.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            values,
            trend="add",
            seasonal="mul" if multiplicative else "add",
            seasonal_periods=12,
            initialization_method="estimated",
        )
        fit = model.fit()

    season = np.asarray(fit.season)[-12:]
    if multiplicative:
        raw = season
    else:
        level = float(np.mean(np.asarray(fit.level)[-12:]))
        if level <= 0:
            return flat_factors("none (non-positive level)")
        raw = (level + season) / level
    raw = np.clip(raw, 0.0, None)
    if raw.mean() <= 0:
        return flat_factors("none (no positive season)")
    normalised = raw / raw.mean()

    calendar_months = [pd.Timestamp(month).month for month in series.index[-12:]]
    factors = {month: float(value) for month, value in zip(calendar_months, normalised)}
    return SeasonalFactors(factors, "holt_winters_multiplicative" if multiplicative else "holt_winters_additive")
