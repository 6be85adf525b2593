"""From the company net target to region and rep quotas.

Pure functions over pandas Series indexed by region (or by rep).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Weight of the baseline (capacity or history) against funnel potential when
# the net target is split between regions.
BASELINE_BLEND = 0.5

DRIVERS = ("leads", "conversion", "deal size", "churn", "stretch")
# A driver whose region figure is within 0.5 % of the company figure (shown
# as 0 %) does not explain a difference, so no driver is named.
NEGLIGIBLE_DRIVER_CHANGE = 0.005


def binding_baseline(capacity: float | None, funnel: float | None, history: float) -> tuple[float, str]:
    """Return the baseline and the constraint that binds it.

    Rule: the smaller of capacity and funnel when both exist, the one that
    exists otherwise, and recent history when neither can be measured (no
    salespeople and no leads).
    """
    available = {name: value for name, value in (("capacity", capacity), ("funnel", funnel)) if value is not None}
    if not available:
        return max(history, 0.0), "history"
    name = min(available, key=lambda key: available[key])
    return max(available[name], 0.0), name


def history_baseline(monthly_deals: float, deal_size: float, season_by_month: list[float]) -> float:
    """Return the history baseline: monthly deal rate × deal size × Σ seasonal factors.

    ``monthly_deals`` is the region's recent mean count of new customers per
    month and ``deal_size`` its credibility-weighted deal size, so the product
    is the region's new-business MRR run-rate per month.
    """
    if monthly_deals <= 0 or deal_size <= 0:
        return 0.0
    return monthly_deals * deal_size * float(sum(season_by_month))


def allocation_weights(
    baseline: pd.Series, funnel_potential: pd.Series, baseline_blend: float = BASELINE_BLEND
) -> pd.Series:
    """Blend each region's share of the baseline with its share of funnel potential.

    Rule: w_r = b × baseline_r / Σ baseline + (1 − b) × potential_r / Σ potential.
    A region without a funnel passes its baseline as potential. When a total is
    0 its share is split equally. The weights sum to 1 and do not depend on
    churn, so churn moves only the region's own gross need.
    """
    def shares(values: pd.Series) -> pd.Series:
        values = values.clip(lower=0).fillna(0.0)
        total = float(values.sum())
        if total <= 0:
            return pd.Series(1.0 / len(values), index=values.index)
        return values / total

    return baseline_blend * shares(baseline) + (1.0 - baseline_blend) * shares(funnel_potential.reindex(baseline.index))


def gross_need(
    net_target: pd.Series,
    churn: pd.Series,
    contraction: pd.Series,
    expansion: pd.Series,
    reactivation: pd.Series,
    floor: pd.Series | None = None,
) -> pd.Series:
    """Return gross new-business MRR needed per region, floored at ``floor`` (else 0).

    Rule: net target + expected churn + expected contraction − expected
    expansion − expected reactivation, all as positive amounts for the period.
    The engine passes each region's baseline as the floor, so when expansion
    covers the net target the need is the bookings the region already makes,
    not 0.
    """
    need = (net_target + churn + contraction - expansion - reactivation).clip(lower=0.0)
    if floor is None:
        return need
    return need.clip(lower=floor.reindex(need.index).fillna(0.0).clip(lower=0.0))


def region_quotas(need: pd.Series, over_assignment: float) -> pd.Series:
    """Return quotas as gross need × (1 + over-assignment); they sum to the total need × (1 + margin)."""
    return need * (1.0 + over_assignment)


def ramped_shares(ramped_rep_months: pd.Series) -> pd.Series:
    """Return each rep's share of the region's ramped rep-months in the period.

    A rep at half ramp for the whole quarter gets half the share of a fully
    ramped colleague. When no rep has ramped months the share is equal.
    """
    total = float(ramped_rep_months.sum())
    if total <= 0:
        return pd.Series(1.0 / len(ramped_rep_months), index=ramped_rep_months.index)
    return ramped_rep_months / total


def apply_band(allocated: float, band_low: float, band_high: float, target_quota: float) -> tuple[float, str, float]:
    """Keep an allocated quota inside the realism band, else move it to the target quota.

    ``band_low`` and ``band_high`` are the quotas reached with probability
    0.75 and 0.45, ``target_quota`` the one reached with the target
    probability. Returns (quota, status, gap). A quota above the band (chance
    below 45 %) is ``lowered``, and the excess is a positive gap. A quota
    below it (chance above 75 %) is ``raised``, and the gap is negative. Moving
    outliers to the target quota, not to the band edge, keeps the mean
    chance of the reps near the target probability.
    """
    if allocated > band_high:
        return target_quota, "lowered", allocated - target_quota
    if allocated < band_low:
        return target_quota, "raised", allocated - target_quota
    return allocated, "within", 0.0


def gap_as_reps(gap: float, productivity_per_rep_month: float | None, months: int) -> float | None:
    """Return fully ramped rep-equivalents that would book ``gap`` in the period."""
    if productivity_per_rep_month is None or productivity_per_rep_month <= 0:
        return None
    return gap / (productivity_per_rep_month * months)


def gap_as_leads(gap: float, deal_size: float | None, conversion: float | None) -> float | None:
    """Return extra leads that would book ``gap``: gap ÷ deal size ÷ conversion."""
    if not deal_size or not conversion or deal_size <= 0 or conversion <= 0:
        return None
    return gap / deal_size / conversion


def deals_and_leads_needed(
    quota: float, deal_size: float | None, conversion: float | None
) -> tuple[float | None, float | None]:
    """Return (deals, leads) needed: quota ÷ deal size, then ÷ conversion."""
    if not deal_size or deal_size <= 0:
        return None, None
    deals = quota / deal_size
    if not conversion or conversion <= 0:
        return deals, None
    return deals, deals / conversion


def driver_log_ratios(region: dict[str, float | None], company: dict[str, float | None]) -> dict[str, float]:
    """Return log(region ÷ company) for each driver that both sides define.

    Keys are the names in DRIVERS. ``churn`` compares gross need ÷ net
    target, ``stretch`` compares quota ÷ baseline, ``leads`` compares expected
    leads with the mean region.
    """
    ratios: dict[str, float] = {}
    for driver in DRIVERS:
        mine, theirs = region.get(driver), company.get(driver)
        if mine is None or theirs is None or mine <= 0 or theirs <= 0:
            continue
        if not (math.isfinite(mine) and math.isfinite(theirs)):
            continue
        ratios[driver] = math.log(mine / theirs)
    return ratios


def biggest_driver(ratios: dict[str, float]) -> str | None:
    """Return the driver with the largest absolute log ratio, or None."""
    if not ratios:
        return None
    return max(ratios, key=lambda key: abs(ratios[key]))


def explain(
    region: str,
    quota: float,
    company_average_quota: float,
    ratios: dict[str, float],
) -> tuple[str | None, str]:
    """Write one sentence on why a region's quota differs from the company average."""
    driver = biggest_driver(ratios)
    if company_average_quota > 0:
        difference = quota / company_average_quota - 1.0
        direction = "above" if difference >= 0 else "below"
        head = f"{region}: quota {abs(difference):.0%} {direction} the company average per region"
    else:
        head = f"{region}: quota {quota:,.0f}"
    if driver is None:
        return None, head + "; no driver could be measured."
    if abs(float(np.expm1(ratios[driver]))) < NEGLIGIBLE_DRIVER_CHANGE:
        return None, (
            head + "; no driver differs from the company figure by 0.5 % or more, so the difference comes "
            "from the region's share of expected bookings."
        )
    change = float(np.expm1(ratios[driver]))
    word = "higher" if change >= 0 else "lower"
    phrases = {
        "leads": "expected leads",
        "conversion": "lead conversion",
        "deal size": "deal size",
        "churn": "churn and contraction to replace (gross need ÷ net target)",
        "stretch": "stretch over baseline (quota ÷ expected bookings)",
    }
    return driver, f"{head}, mainly because {phrases[driver]} is {abs(change):.0%} {word} than the company figure."
