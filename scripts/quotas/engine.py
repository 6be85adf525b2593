"""Quota recommendation for one period: every step from marts to output rows.

Pure: takes data frames already read from the marts and returns data frames.
Reading and writing live in ``inputs.py`` and ``outputs.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scripts.quotas import allocation, credibility, ramp, seasonality, simulation
from scripts.quotas.statistics import (
    PROVISIONAL_MONTHS,
    Period,
    add_months,
    fit_log_sd,
    history_window,
    month_start,
    months_between,
    safe_ratio,
)

LOGGER = logging.getLogger(__name__)

# Months at the end of the window whose means give the expected monthly
# leads and the monthly deal rate (history baseline and its Gamma fit).
RECENT_MONTHS = 6
FEW_DEALS = 10
MONTHS_IN_PERIOD = 3

SEGMENT_COLUMNS = (
    "month", "segment", "segment_value", "is_complete_month", "mrr_start", "mrr", "new_customers",
    "new_business_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr", "reactivation_mrr",
    "net_new_mrr", "leads",
)
MOVEMENT_COLUMNS = ("new_business_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr", "reactivation_mrr")

# Regions that get no quota. `Unknown` contains the customers whose country is
# unknown, because dim_countries maps country `XX` and countries without a
# region to it. Their MRR stays in the company metrics and in the default
# target. No sales team covers a region without a country, so the target is
# split between the named regions until the country is fixed.
# NOTE: dim_sales_reps also files a rep with an empty region under `Unknown`,
# so such a rep gets no quota row until the region is filled in.
UNALLOCATED_REGIONS = frozenset({"Unknown"})


class InsufficientDataError(ValueError):
    """The marts hold too little history to recommend quotas."""


@dataclass
class QuotaInputs:
    """Mart extracts the engine needs.

    - ``segment_monthly``: rows of fct_segment_metrics_monthly for segments
      ``all``, ``region`` and ``sales_rep_id`` with SEGMENT_COLUMNS.
    - ``sales_reps``: dim_sales_reps (sales_rep_id, sales_rep_name, region,
      hired_on, left_on).
    - ``deals``: new_business rows of fct_mrr_movements (movement_month,
      region, sales_rep_id, mrr_change); each row is one deal.
    """

    segment_monthly: pd.DataFrame
    sales_reps: pd.DataFrame
    deals: pd.DataFrame


@dataclass(frozen=True)
class QuotaParameters:
    """Run parameters, with the command-line defaults."""

    period: Period
    as_of_month: date
    net_new_target: float | None = None
    growth_rate: float = 0.20
    target_probability: float = 0.6
    over_assignment: float = 0.10
    seed: int = 42
    simulations: int = 10_000


class RunFacts(dict):
    """Run facts as a dict that prints as readable ``name=value`` pairs in log lines."""

    def __str__(self) -> str:
        return " ".join(f"{name}={_fact_text(value)}" for name, value in self.items())


def _fact_text(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_fact_text(item) for item in value) + ")"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class QuotaResult:
    """Output tables of one run (columns as in docs/quota_tables.md) and run facts."""

    regions: pd.DataFrame
    reps: pd.DataFrame
    phasing: pd.DataFrame
    net_new_target: float
    facts: dict[str, object] = field(default_factory=dict)


def prepare_inputs(inputs: QuotaInputs) -> QuotaInputs:
    """Normalise types: months to ``date``, movement amounts to positive numbers."""
    segments = inputs.segment_monthly.copy()
    segments["month"] = [month_start(value) for value in segments["month"]]
    for column in ("mrr_start", "mrr", "new_customers", "leads", "net_new_mrr", *MOVEMENT_COLUMNS):
        segments[column] = pd.to_numeric(segments[column], errors="coerce").fillna(0.0).astype(float)
    # Churn and contraction are signed negative in the marts; the engine works with sizes.
    for column in MOVEMENT_COLUMNS:
        segments[column] = segments[column].abs()
    segments["segment_value"] = segments["segment_value"].astype(str)
    segments["is_complete_month"] = segments["is_complete_month"].astype(bool)

    reps = inputs.sales_reps.copy()
    for column in ("hired_on", "left_on"):
        reps[column] = [None if pd.isna(value) else pd.Timestamp(value).date() for value in reps[column]]
    reps["sales_rep_id"] = reps["sales_rep_id"].astype(str)
    reps["region"] = reps["region"].fillna("unassigned").astype(str)

    deals = inputs.deals.copy()
    deals["movement_month"] = [month_start(value) for value in deals["movement_month"]]
    deals["mrr_change"] = pd.to_numeric(deals["mrr_change"], errors="coerce").fillna(0.0).astype(float)
    deals["region"] = deals["region"].fillna("unassigned").astype(str)
    deals["sales_rep_id"] = deals["sales_rep_id"].astype("string")
    return QuotaInputs(segments, reps, deals)


def last_complete_month(inputs: QuotaInputs) -> date | None:
    """Return the last complete month of the company (segment ``all``) rows."""
    company = inputs.segment_monthly
    complete = company[(company["segment"] == "all") & company["is_complete_month"]]
    if complete.empty:
        return None
    return month_start(max(complete["month"]))


def trailing_quarterly_net_new(company: pd.DataFrame, as_of_month: date) -> tuple[float, int]:
    """Return (monthly mean net new MRR of the last 12 complete months × 3, months averaged).

    With 12 months this is their net new MRR ÷ 4. With fewer, the mean of
    those available is used; with none, (0.0, 0).
    """
    recent = company[company["month"] <= as_of_month].sort_values("month").tail(12)
    if recent.empty:
        return 0.0, 0
    return float(recent["net_new_mrr"].mean()) * MONTHS_IN_PERIOD, len(recent)


def default_net_new_target(company: pd.DataFrame, as_of_month: date, growth_rate: float) -> float:
    """Return the default quarterly net new MRR target.

    Rule: net new MRR of the last 12 complete months ÷ 4 × (1 + growth rate).
    With fewer than 12 months, the monthly mean of those available × 3.
    """
    quarterly, _ = trailing_quarterly_net_new(company, as_of_month)
    return quarterly * (1.0 + growth_rate)


@dataclass
class _RepTenure:
    start: date | None
    flag: str | None


def rep_tenure_starts(reps: pd.DataFrame, deals: pd.DataFrame) -> dict[str, _RepTenure]:
    """Return each rep's tenure start: ``hired_on``, else the first booking month."""
    first_booking = deals.dropna(subset=["sales_rep_id"]).groupby("sales_rep_id")["movement_month"].min()
    tenures: dict[str, _RepTenure] = {}
    for row in reps.itertuples(index=False):
        if row.hired_on is not None:
            tenures[row.sales_rep_id] = _RepTenure(month_start(row.hired_on), None)
        elif row.sales_rep_id in first_booking.index:
            tenures[row.sales_rep_id] = _RepTenure(first_booking[row.sales_rep_id], "hire_date_missing")
        else:
            tenures[row.sales_rep_id] = _RepTenure(None, "no_bookings_history")
    return tenures


def _rep_history(
    reps: pd.DataFrame, tenures: dict[str, _RepTenure], rep_rows: pd.DataFrame, window: list[date]
) -> pd.DataFrame:
    """Build one row per rep and employed month in the window with its bookings."""
    bookings = rep_rows.set_index(["segment_value", "month"])["new_business_mrr"]
    rows = []
    for rep in reps.itertuples(index=False):
        start = tenures[rep.sales_rep_id].start
        if start is None:
            continue
        for month in window:
            if month < start or (rep.left_on is not None and month >= month_start(rep.left_on)):
                continue
            rows.append(
                {
                    "sales_rep_id": rep.sales_rep_id,
                    "region": rep.region,
                    "month": month,
                    "tenure_months": months_between(start, month),
                    "new_business_mrr": float(bookings.get((rep.sales_rep_id, month), 0.0)),
                }
            )
    columns = ["sales_rep_id", "region", "month", "tenure_months", "new_business_mrr"]
    return pd.DataFrame(rows, columns=columns)


def _recent_deal_counts(rows: pd.DataFrame, activity: pd.DataFrame, recent_months: list[date]) -> list[float]:
    """Return the region's new-customer count in each recent month from its first active month on.

    Months before the region's first month with MRR, bookings or leads are
    left out, so a young region's rate is not diluted by months it did not
    exist. A month without a row counts 0 deals.
    """
    if activity.empty:
        return []
    first_active = min(activity["month"])
    counts = rows.set_index("month")["new_customers"]
    return [float(counts.get(month, 0.0)) for month in recent_months if month >= first_active]


def _history_note(deal_rate: simulation.DealRate, deal_size: float) -> str:
    return (
        f"No salespeople and no leads: the baseline is {deal_rate.monthly_mean:.1f} new customers a month "
        f"over the last {deal_rate.months} months × deal size {deal_size:,.0f} × the seasonal factors, "
        "and the simulated deal rate varies as those monthly counts did."
    )


def _floor_note(row: pd.Series) -> str:
    baseline = f"the {row['binding_constraint']} baseline of {float(row['baseline_mrr']):,.0f}"
    need = float(row["need_before_floor_mrr"])
    if need <= 0:
        return (
            "Expected expansion and reactivation exceed the net target plus expected churn and contraction, "
            f"so the gross need is {baseline} (the bookings expected anyway) instead of 0."
        )
    return (
        f"The net target needs only {need:,.0f} of new business, less than the bookings expected anyway, "
        f"so the gross need is {baseline}."
    )


def _flags_text(flags: list[str]) -> str:
    return ";".join(dict.fromkeys(flags)) if flags else "ok"


FLAG_NOTES = {
    "provisional_history": "Fewer than 6 months of history: the quota is provisional.",
    "no_sales_reps": "No active salespeople: region-level quota only, capacity not measured.",
    "single_rep": "One salesperson carries the whole region quota.",
    "no_leads": "No leads recorded: funnel and conversion not measured.",
    "zero_churn": "No churn in the window: expected churn comes from the credibility-weighted company rate.",
    "few_deals": "Fewer than 10 deals in the window: deal size leans on the company figure.",
    "hire_date_missing": "No hire date: tenure counted from the first booking month.",
    "no_bookings_history": "No hire date and no bookings: treated as hired at the period start.",
    "gap_to_target": "The target does not fit the realism band; see the Gap column.",
    "outside_band": "Allocated quota was outside the 45-75 % band and moved to the target-probability quota.",
}


def _notes(flags: list[str], extra: list[str]) -> str:
    return " ".join([FLAG_NOTES[flag] for flag in dict.fromkeys(flags)] + extra)


def recommend(inputs: QuotaInputs, parameters: QuotaParameters) -> QuotaResult:
    """Recommend region and rep quotas for one period (method steps 1 to 10)."""
    rng = np.random.default_rng(parameters.seed)
    history = _read_history(inputs, parameters)
    estimates = _estimate_figures(history)

    region_records = []
    region_sims: dict[str, np.ndarray] = {}
    region_multipliers: dict[str, np.ndarray] = {}
    for region in history.regions:
        record, bookings, multipliers = _region_record(region, history, estimates, parameters, rng)
        region_records.append(record)
        region_sims[region] = bookings
        region_multipliers[region] = multipliers
    table = pd.DataFrame(region_records).set_index("region")

    _allocate(table, history.target, parameters)
    rep_records, phasing_records = _rep_quotas(history, table, region_sims, region_multipliers, parameters, rng)
    output_rows = _region_rows(history, estimates, table, region_sims, parameters)

    prior = estimates.prior
    facts = RunFacts({
        "window_start": history.window[0],
        "window_months": len(history.window),
        "ramp_factors": history.curve.factors,
        "ramp_fitted": history.curve.fitted,
        "seasonality": history.season.method,
        "conversion_prior": None if prior is None else (prior.alpha, prior.beta, prior.method),
        "k_productivity": estimates.productivity.k,
        "k_deal_size": estimates.deal_size.k,
        "k_churn": estimates.rates["churn_mrr"].k,
        "unallocated_regions": ",".join(history.unallocated) or "none",
    })
    LOGGER.info(
        "quotas for %s as of %s: net target %.2f, %d regions, %d reps",
        parameters.period.label, parameters.as_of_month, history.target, len(history.regions), len(rep_records),
    )
    return QuotaResult(
        regions=pd.DataFrame(output_rows),
        reps=pd.DataFrame(rep_records, columns=REP_COLUMNS),
        phasing=pd.DataFrame(phasing_records, columns=PHASING_COLUMNS),
        net_new_target=history.target,
        facts=facts,
    )


@dataclass
class _History:
    """History window, target, seasonality, ramp and active reps (steps 1, 3 and 4)."""

    segments: pd.DataFrame
    window: list[date]
    region_rows: pd.DataFrame
    company_window: pd.DataFrame
    recent_months: list[date]
    deals_window: pd.DataFrame
    target: float
    season: seasonality.SeasonalFactors
    season_by_month: list[float]
    rep_history: pd.DataFrame
    curve: ramp.RampCurve
    active: pd.DataFrame
    regions: list[str]
    # Regions with activity that UNALLOCATED_REGIONS keeps out of `regions`.
    unallocated: list[str]
    # Rule behind the target: `trailing_net_new` (default rule) or `given`.
    target_rule: str
    # Trailing quarterly net new MRR and months averaged (see trailing_quarterly_net_new).
    target_base: float
    target_months: int


def _read_history(data: QuotaInputs, parameters: QuotaParameters) -> _History:
    """Select the history window and fit the target, seasonal factors and ramp (steps 1, 3 and 4)."""
    as_of = parameters.as_of_month
    period = parameters.period

    segments = data.segment_monthly
    complete = segments[segments["is_complete_month"] & (segments["month"] <= as_of)]
    company = complete[complete["segment"] == "all"].sort_values("month")

    # Step 1: history window.
    window = history_window(sorted(set(company["month"])), as_of)
    if not window:
        raise InsufficientDataError(f"no complete month on or before {as_of:%Y-%m} in the marts")
    in_window = complete[complete["month"].isin(window)]
    region_rows = in_window[in_window["segment"] == "region"]
    rep_rows = in_window[in_window["segment"] == "sales_rep_id"]
    company_window = company[company["month"].isin(window)]
    recent_months = window[-RECENT_MONTHS:]
    deals_window = data.deals[data.deals["movement_month"].isin(window)]

    target_base, target_months = trailing_quarterly_net_new(company, as_of)
    target = parameters.net_new_target
    target_rule = "given"
    if target is None:
        target = default_net_new_target(company, as_of, parameters.growth_rate)
        target_rule = "trailing_net_new"

    # Step 4: seasonality from all complete company months.
    company_series = company.set_index("month")["new_business_mrr"]
    season = seasonality.seasonal_factors(company_series)
    season_by_month = [season.factor(month.month) for month in period.months]

    # Step 3: ramp from rep history.
    tenures = rep_tenure_starts(data.sales_reps, data.deals)
    rep_history = _rep_history(data.sales_reps, tenures, rep_rows, window)
    curve = ramp.fit_ramp(rep_history)
    if not rep_history.empty:
        rep_history["ramp"] = [ramp.ramp_factor(t, curve.factors) for t in rep_history["tenure_months"]]
    else:
        rep_history["ramp"] = pd.Series(dtype=float)

    active = _active_reps(data.sales_reps, tenures, curve, period)

    with_activity = sorted(
        set(region_rows.loc[(region_rows["mrr"] > 0) | (region_rows["new_business_mrr"] > 0)
                            | (region_rows["leads"] > 0), "segment_value"])
        | set(active["region"])
    )
    regions = [region for region in with_activity if region not in UNALLOCATED_REGIONS]
    unallocated = [region for region in with_activity if region in UNALLOCATED_REGIONS]
    if unallocated:
        # DEBUG because every back-test rerun repeats it; the run's facts line names these regions too.
        LOGGER.debug(
            "no quota for region(s) %s as of %s: their customers have no known country, so their MRR counts "
            "in the company metrics only", ", ".join(unallocated), as_of,
        )
    if not regions:
        raise InsufficientDataError(
            f"no region other than {', '.join(sorted(UNALLOCATED_REGIONS))} has MRR, bookings or leads in the "
            f"history window {window[0]:%Y-%m} to {as_of:%Y-%m}"
        )
    return _History(
        segments, window, region_rows, company_window, recent_months, deals_window, target, season,
        season_by_month, rep_history, curve, active, regions, unallocated, target_rule, target_base, target_months,
    )


def _active_reps(
    sales_reps: pd.DataFrame, tenures: dict[str, _RepTenure], curve: ramp.RampCurve, period: Period
) -> pd.DataFrame:
    """Return the reps active in the period with their ramp factor in each of its months."""
    active_reps = []
    for rep in sales_reps.itertuples(index=False):
        if rep.left_on is not None and rep.left_on <= period.start:
            continue
        if rep.hired_on is not None and month_start(rep.hired_on) > period.months[-1]:
            continue
        tenure = tenures[rep.sales_rep_id]
        start = tenure.start if tenure.start is not None else period.start
        factors = [ramp.rep_month_factor(month, start, rep.left_on, curve.factors) for month in period.months]
        active_reps.append(
            {
                "sales_rep_id": rep.sales_rep_id,
                "sales_rep_name": rep.sales_rep_name,
                "region": rep.region,
                "hired_on": rep.hired_on,
                "tenure_start": start,
                "tenure_months": months_between(start, period.start),
                "month_factors": factors,
                "flag": tenure.flag,
            }
        )
    return pd.DataFrame(
        active_reps,
        columns=["sales_rep_id", "sales_rep_name", "region", "hired_on", "tenure_start", "tenure_months",
                 "month_factors", "flag"],
    )


@dataclass
class _Estimates:
    """Credibility-weighted figures across regions (step 2)."""

    productivity: credibility.CredibilityResult
    positive_deals: pd.DataFrame
    deal_size: credibility.CredibilityResult
    company_log_sd: float
    rates: dict[str, credibility.CredibilityResult]
    lead_totals: pd.DataFrame
    prior: credibility.BetaPrior | None
    company_conversion: float | None
    company_asp: float | None


def _estimate_figures(history: _History) -> _Estimates:
    """Estimate productivity, deal size, movement rates and conversion across regions (step 2)."""
    rep_history, region_rows, deals_window = history.rep_history, history.region_rows, history.deals_window
    company_window = history.company_window

    # Step 2a: productivity per ramped rep-month (Bühlmann–Straub over region-months).
    ramped_by_region_month = rep_history.groupby(["region", "month"])["ramp"].sum() if not rep_history.empty else pd.Series(dtype=float)
    bookings_by_region_month = region_rows.set_index(["segment_value", "month"])["new_business_mrr"]
    productivity_obs = []
    for (region, month), ramped in ramped_by_region_month.items():
        if ramped > 0:
            booked = float(bookings_by_region_month.get((region, month), 0.0))
            productivity_obs.append((region, booked / ramped, ramped))
    productivity_frame = pd.DataFrame(productivity_obs, columns=["region", "x", "w"])
    productivity = credibility.buhlmann_straub(productivity_frame["x"], productivity_frame["w"], productivity_frame["region"])

    # Step 2b: deal size (each deal one observation).
    positive_deals = deals_window[deals_window["mrr_change"] > 0]
    deal_size = credibility.buhlmann_straub(
        positive_deals["mrr_change"], np.ones(len(positive_deals)), positive_deals["region"]
    )
    company_log_sd = fit_log_sd(positive_deals["mrr_change"].to_numpy()) or 0.0

    # Step 2c: movement rates per month of MRR at month start.
    rates: dict[str, credibility.CredibilityResult] = {}
    with_start = region_rows[region_rows["mrr_start"] > 0]
    for column in ("churn_mrr", "contraction_mrr", "expansion_mrr", "reactivation_mrr"):
        rates[column] = credibility.buhlmann_straub(
            with_start[column] / with_start["mrr_start"], with_start["mrr_start"], with_start["segment_value"]
        )

    # Step 2d: conversion, beta-binomial prior across regions.
    lead_totals = region_rows.groupby("segment_value")[["leads", "new_customers"]].sum()
    with_leads = lead_totals[lead_totals["leads"] > 0]
    prior = None
    if not with_leads.empty:
        prior = credibility.fit_beta_binomial(
            np.minimum(with_leads["new_customers"], with_leads["leads"]).to_numpy(), with_leads["leads"].to_numpy()
        )
    company_conversion = None
    if float(company_window["leads"].sum()) > 0:
        company_conversion = min(float(company_window["new_customers"].sum()) / float(company_window["leads"].sum()), 1.0)

    company_asp = safe_ratio(float(positive_deals["mrr_change"].sum()), len(positive_deals))
    if company_asp is None:
        company_asp = safe_ratio(float(company_window["new_business_mrr"].sum()), float(company_window["new_customers"].sum()))
    return _Estimates(
        productivity, positive_deals, deal_size, company_log_sd, rates, lead_totals, prior, company_conversion,
        company_asp,
    )


def _region_record(
    region: str, history: _History, estimates: _Estimates, parameters: QuotaParameters, rng: np.random.Generator
) -> tuple[dict[str, object], np.ndarray, np.ndarray]:
    """Measure one region: deal size, capacity, funnel, baseline, movements and its simulation (steps 5 and 6)."""
    region_rows, active, recent_months = history.region_rows, history.active, history.recent_months
    season_by_month = history.season_by_month
    positive_deals, deal_size, company_asp = estimates.positive_deals, estimates.deal_size, estimates.company_asp
    company_log_sd, productivity, rates = estimates.company_log_sd, estimates.productivity, estimates.rates
    lead_totals, prior = estimates.lead_totals, estimates.prior
    as_of, sims = parameters.as_of_month, parameters.simulations

    rows = region_rows[region_rows["segment_value"] == region].sort_values("month")
    flags: list[str] = []
    extra: list[str] = []
    activity = rows[(rows["mrr"] > 0) | (rows["new_business_mrr"] > 0) | (rows["leads"] > 0) | (rows["mrr_start"] > 0)]
    months_of_history = int(activity["month"].nunique())
    if months_of_history < PROVISIONAL_MONTHS:
        flags.append("provisional_history")

    region_deals = positive_deals[positive_deals["region"] == region]["mrr_change"]
    deals_count = int(region_deals.size)
    if deals_count < FEW_DEALS:
        flags.append("few_deals")

    # Deal size and dispersion.
    asp = float(deal_size.blended.get(region, deal_size.collective_mean if np.isfinite(deal_size.collective_mean) else (company_asp or 0.0)))
    z_asp = float(deal_size.z.get(region, 0.0))
    raw_asp = float(region_deals.mean()) if deals_count else None
    region_log_sd = fit_log_sd(region_deals.to_numpy())
    log_sd = company_log_sd if region_log_sd is None else z_asp * region_log_sd + (1 - z_asp) * company_log_sd

    # Productivity and capacity.
    region_reps = active[active["region"] == region]
    rep_count = len(region_reps)
    ramped_by_month = [float(sum(f[i] for f in region_reps["month_factors"])) for i in range(MONTHS_IN_PERIOD)]
    if rep_count == 0:
        flags.append("no_sales_reps")
    elif rep_count == 1:
        flags.append("single_rep")
    productivity_value = None
    productivity_raw = None
    z_productivity = None
    if rep_count > 0:
        if region in productivity.blended.index:
            productivity_value = float(productivity.blended[region])
            productivity_raw = float(productivity.group_mean[region])
            z_productivity = float(productivity.z[region])
        elif np.isfinite(productivity.collective_mean):
            productivity_value = productivity.collective_mean
            z_productivity = 0.0
            extra.append("No ramped history for these reps: company productivity used.")
    capacity = None
    if productivity_value is not None:
        capacity = float(sum(r * productivity_value * s for r, s in zip(ramped_by_month, season_by_month)))

    # Conversion and funnel.
    leads_total = float(lead_totals["leads"].get(region, 0.0))
    conversion = conversion_raw = None
    posterior = None
    expected_leads = 0.0
    if leads_total > 0 and prior is not None:
        successes = min(float(lead_totals["new_customers"].get(region, 0.0)), leads_total)
        conversion_raw = successes / leads_total
        post_alpha, post_beta, conversion = credibility.posterior_conversion(prior, successes, leads_total)
        posterior = (post_alpha, post_beta)
        recent_leads = rows[rows["month"].isin(recent_months)]["leads"]
        monthly_leads = float(recent_leads.sum()) / len(recent_months)
        expected_leads = float(sum(monthly_leads * s for s in season_by_month))
    else:
        flags.append("no_leads")
    funnel = None
    if conversion is not None and asp > 0:
        funnel = expected_leads * conversion * asp

    # History: the recent deal rate × deal size, the baseline when neither capacity nor funnel exists.
    deal_rate = simulation.fit_deal_rate(_recent_deal_counts(rows, activity, recent_months), MONTHS_IN_PERIOD)
    history = allocation.history_baseline(deal_rate.monthly_mean, asp, season_by_month)
    baseline, binding = allocation.binding_baseline(capacity, funnel, history)

    # Expected movements over the period from the as-of MRR.
    last = rows[rows["month"] == as_of]
    mrr_as_of = float(last["mrr"].iloc[0]) if not last.empty else 0.0
    expected = {}
    rate_values = {}
    for column, result in rates.items():
        rate = float(result.blended.get(region, result.collective_mean if np.isfinite(result.collective_mean) else 0.0))
        rate_values[column] = rate
        expected[column] = mrr_as_of * rate * MONTHS_IN_PERIOD
    if float(rows["churn_mrr"].sum()) == 0.0:
        flags.append("zero_churn")
    churn_result = rates["churn_mrr"]
    churn_raw = float(churn_result.group_mean[region]) if region in churn_result.group_mean.index else None

    # Step 6: region simulation.
    if posterior is not None:
        multipliers = simulation.beta_multipliers(rng, posterior[0], posterior[1], sims)
    else:
        shape = deal_rate.gamma_shape if deal_rate.gamma_shape is not None else simulation.NO_FUNNEL_GAMMA_SHAPE
        multipliers = simulation.gamma_multipliers(rng, shape, sims)
    expected_deals = baseline / asp if asp > 0 else 0.0
    bookings = simulation.simulate_bookings(rng, expected_deals, multipliers, asp, log_sd)

    record = (
        {
            "region": region,
            "flags": flags,
            "extra": extra,
            "months_of_history": months_of_history,
            "deals_in_history": deals_count,
            "deal_size_mrr": asp,
            "deal_size_raw_mrr": raw_asp,
            "deal_size_log_sd": log_sd,
            "z_deal_size": z_asp,
            "productivity_mrr": productivity_value,
            "productivity_raw_mrr": productivity_raw,
            "z_productivity": z_productivity,
            "sales_reps": rep_count,
            "ramped_by_month": ramped_by_month,
            "ramped_rep_equivalents": float(np.mean(ramped_by_month)),
            "capacity_mrr": capacity,
            "conversion_rate": conversion,
            "conversion_rate_raw": conversion_raw,
            "expected_leads": expected_leads,
            "funnel_mrr": funnel,
            "baseline_mrr": baseline,
            "binding_constraint": binding,
            "mrr_as_of": mrr_as_of,
            "expected_churn_mrr": expected["churn_mrr"],
            "expected_contraction_mrr": expected["contraction_mrr"],
            "expected_expansion_mrr": expected["expansion_mrr"],
            "expected_reactivation_mrr": expected["reactivation_mrr"],
            "rates": rate_values,
            "churn_rate_monthly": rate_values["churn_mrr"],
            "churn_rate_raw_monthly": churn_raw,
            "z_churn": float(churn_result.z.get(region, 0.0)),
            "expected_deals": expected_deals,
            "deal_rate": deal_rate,
            "is_provisional": months_of_history < PROVISIONAL_MONTHS,
        }
    )
    return record, bookings, multipliers


def _allocate(table: pd.DataFrame, target: float, parameters: QuotaParameters) -> None:
    """Add weights, net targets, gross needs and quotas to the region table (steps 7 and 8)."""
    potential = table["funnel_mrr"].astype(float).where(table["funnel_mrr"].notna(), table["baseline_mrr"])
    weights = allocation.allocation_weights(table["baseline_mrr"].astype(float), potential.astype(float))
    table["allocation_weight"] = weights
    table["net_target_mrr"] = weights * target
    table["gross_need_mrr"] = allocation.gross_need(
        table["net_target_mrr"],
        table["expected_churn_mrr"],
        table["expected_contraction_mrr"],
        table["expected_expansion_mrr"],
        table["expected_reactivation_mrr"],
        floor=table["baseline_mrr"].astype(float),
    )
    table["need_before_floor_mrr"] = allocation.gross_need(
        table["net_target_mrr"],
        table["expected_churn_mrr"],
        table["expected_contraction_mrr"],
        table["expected_expansion_mrr"],
        table["expected_reactivation_mrr"],
    )
    table["quota_mrr"] = allocation.region_quotas(table["gross_need_mrr"], parameters.over_assignment)
    table["churn_burden_mrr"] = table["expected_churn_mrr"] + table["expected_contraction_mrr"]
    table["churn_adjusted_net_new_mrr"] = (
        table["quota_mrr"] - table["churn_burden_mrr"] + table["expected_expansion_mrr"] + table["expected_reactivation_mrr"]
    )


def _rep_quotas(
    history: _History,
    table: pd.DataFrame,
    region_sims: dict[str, np.ndarray],
    region_multipliers: dict[str, np.ndarray],
    parameters: QuotaParameters,
    rng: np.random.Generator,
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Return rep rows and phasing rows, and add each region's band figures to the table (step 9)."""
    regions, active, segments = history.regions, history.active, history.segments
    season_by_month = history.season_by_month
    as_of, period = parameters.as_of_month, parameters.period

    band_high_p = max(simulation.BAND_HIGH_PROBABILITY, parameters.target_probability)
    band_low_p = min(simulation.BAND_LOW_PROBABILITY, parameters.target_probability)

    # Step 9: reps, realism band and gaps.
    rep_records = []
    phasing_records = []
    for region in regions:
        row = table.loc[region]
        region_reps = active[active["region"] == region]
        bookings = region_sims[region]
        quota = float(row["quota_mrr"])
        if region_reps.empty:
            target_quota = simulation.quota_reached_with_probability(bookings, parameters.target_probability)
            band_high = simulation.quota_reached_with_probability(bookings, band_low_p)
            within = quota if quota <= band_high else min(target_quota, quota)
            table.loc[region, "quota_within_band_mrr"] = within
            table.loc[region, "mean_rep_prob_reach"] = np.nan
        else:
            rep_months = pd.Series([sum(f) for f in region_reps["month_factors"]], index=region_reps["sales_rep_id"].to_numpy())
            shares = allocation.ramped_shares(rep_months)
            rep_quotas = []
            rep_probabilities = []
            for rep in region_reps.itertuples(index=False):
                share = float(shares[rep.sales_rep_id])
                allocated = quota * share
                rep_bookings = simulation.simulate_bookings(
                    rng, float(row["expected_deals"]) * share, region_multipliers[region],
                    float(row["deal_size_mrr"]), float(row["deal_size_log_sd"]),
                )
                band_low = simulation.quota_reached_with_probability(rep_bookings, band_high_p)
                band_high = simulation.quota_reached_with_probability(rep_bookings, band_low_p)
                target_quota = simulation.quota_reached_with_probability(rep_bookings, parameters.target_probability)
                rep_quota, status, gap = allocation.apply_band(allocated, band_low, band_high, target_quota)
                summary = simulation.summarise(rep_bookings)
                probability = simulation.probability_of_reaching(rep_bookings, rep_quota)
                rep_quotas.append(rep_quota)
                rep_probabilities.append(probability)

                flags = [rep.flag] if isinstance(rep.flag, str) else []
                if status != "within":
                    flags.append("outside_band")
                rep_mrr = _rep_mrr_as_of(segments, rep.sales_rep_id, as_of)
                rates_row = row["rates"]
                burden = rep_mrr * (rates_row["churn_mrr"] + rates_row["contraction_mrr"]) * MONTHS_IN_PERIOD
                lift = rep_mrr * (rates_row["expansion_mrr"] + rates_row["reactivation_mrr"]) * MONTHS_IN_PERIOD
                deals_needed, leads_needed = allocation.deals_and_leads_needed(
                    rep_quota, float(row["deal_size_mrr"]), row["conversion_rate"]
                )
                mean_factor = float(np.mean(rep.month_factors))
                explanation = (
                    f"Ramp {mean_factor:.0%} at {rep.tenure_months} months of tenure gives "
                    f"{share:.0%} of {region}'s ramped capacity"
                )
                if status == "lowered":
                    explanation += f"; lowered by {gap:,.0f} to stay reachable"
                elif status == "raised":
                    explanation += f"; raised by {-gap:,.0f} because the allocated share was too easy"
                explanation += "."
                rep_records.append(
                    {
                        "period": period.label,
                        "period_start": period.start,
                        "as_of_month": as_of,
                        "region": region,
                        "sales_rep_id": rep.sales_rep_id,
                        "sales_rep_name": rep.sales_rep_name,
                        "tenure_start": rep.tenure_start,
                        "tenure_months": int(rep.tenure_months),
                        "ramp_factor": mean_factor,
                        "ramped_share": share,
                        "allocated_quota_mrr": allocated,
                        "quota_mrr": rep_quota,
                        "band_low_mrr": band_low,
                        "band_high_mrr": band_high,
                        "band_status": status,
                        "gap_mrr": gap,
                        "expected_mrr": summary.mean,
                        "p10_mrr": summary.p10,
                        "p50_mrr": summary.p50,
                        "p90_mrr": summary.p90,
                        "prob_reach_quota": probability,
                        "deals_needed": deals_needed,
                        "leads_needed": leads_needed,
                        "mrr_as_of": rep_mrr,
                        "churn_burden_mrr": burden,
                        "churn_adjusted_net_new_mrr": rep_quota - burden + lift,
                        "explanation": explanation,
                        "data_quality_flag": _flags_text(flags),
                        "notes": _notes(flags, []),
                    }
                )
                profile = [f * s for f, s in zip(rep.month_factors, season_by_month)]
                phasing_records.extend(
                    _phasing_rows(period, "rep", region, rep.sales_rep_id, season_by_month, list(rep.month_factors), profile, rep_quota)
                )
            table.loc[region, "quota_within_band_mrr"] = float(sum(rep_quotas))
            table.loc[region, "mean_rep_prob_reach"] = float(np.mean(rep_probabilities))

        # Region phasing follows its binding constraint.
        if row["binding_constraint"] == "capacity":
            profile = [r * s for r, s in zip(row["ramped_by_month"], season_by_month)]
        else:
            profile = list(season_by_month)
        ramp_levels = (
            [r / row["sales_reps"] for r in row["ramped_by_month"]] if row["sales_reps"] else [None] * MONTHS_IN_PERIOD
        )
        phasing_records.extend(_phasing_rows(period, "region", region, None, season_by_month, ramp_levels, profile, quota))
    return rep_records, phasing_records


def _region_rows(
    history: _History,
    estimates: _Estimates,
    table: pd.DataFrame,
    region_sims: dict[str, np.ndarray],
    parameters: QuotaParameters,
) -> list[dict[str, object]]:
    """Return the output row of each region with its gap, needs, summary and explanation (step 10)."""
    regions = history.regions
    company_conversion, company_asp = estimates.company_conversion, estimates.company_asp
    as_of, period = parameters.as_of_month, parameters.period

    # Step 10: gaps, needs, summary and explanation per region.
    company_average_quota = float(table["quota_mrr"].mean())
    company_drivers = {
        "leads": float(table.loc[table["expected_leads"] > 0, "expected_leads"].mean()) if (table["expected_leads"] > 0).any() else None,
        "conversion": company_conversion,
        "deal size": company_asp,
        "churn": safe_ratio(float(table["gross_need_mrr"].sum()), float(table["net_target_mrr"].sum())),
        "stretch": safe_ratio(float(table["quota_mrr"].sum()), float(table["baseline_mrr"].sum())),
    }
    output_rows = []
    for region in regions:
        row = table.loc[region]
        flags = list(row["flags"])
        quota = float(row["quota_mrr"])
        bookings = region_sims[region]
        summary = simulation.summarise(bookings)
        gap = max(quota - float(row["quota_within_band_mrr"]), 0.0)
        if gap > 0.005:
            flags.append("gap_to_target")
        deals_needed, leads_needed = allocation.deals_and_leads_needed(quota, float(row["deal_size_mrr"]), row["conversion_rate"])
        drivers = {
            "leads": row["expected_leads"] if row["expected_leads"] > 0 else None,
            "conversion": row["conversion_rate"],
            "deal size": row["deal_size_mrr"],
            "churn": safe_ratio(float(row["gross_need_mrr"]), float(row["net_target_mrr"])),
            "stretch": safe_ratio(quota, float(row["baseline_mrr"])),
        }
        driver, explanation = allocation.explain(
            region, quota, company_average_quota, allocation.driver_log_ratios(drivers, company_drivers)
        )
        extra = list(row["extra"])
        if row["binding_constraint"] == "history":
            extra.append(_history_note(row["deal_rate"], float(row["deal_size_mrr"])))
        if float(row["need_before_floor_mrr"]) < float(row["gross_need_mrr"]):
            extra.append(_floor_note(row))
        output_rows.append(
            {
                "period": period.label,
                "period_start": period.start,
                "period_end": period.end,
                "as_of_month": as_of,
                "region": region,
                "quota_mrr": quota,
                "net_target_mrr": float(row["net_target_mrr"]),
                "target_rule": history.target_rule,
                "target_base_mrr": history.target_base if history.target_rule == "trailing_net_new" else None,
                "target_growth_rate": parameters.growth_rate if history.target_rule == "trailing_net_new" else None,
                "target_history_months": history.target_months,
                "expected_churn_mrr": float(row["expected_churn_mrr"]),
                "expected_contraction_mrr": float(row["expected_contraction_mrr"]),
                "expected_expansion_mrr": float(row["expected_expansion_mrr"]),
                "expected_reactivation_mrr": float(row["expected_reactivation_mrr"]),
                "churn_burden_mrr": float(row["churn_burden_mrr"]),
                "gross_need_mrr": float(row["gross_need_mrr"]),
                "churn_adjusted_net_new_mrr": float(row["churn_adjusted_net_new_mrr"]),
                "allocation_weight": float(row["allocation_weight"]),
                "baseline_mrr": float(row["baseline_mrr"]),
                "capacity_mrr": _optional(row["capacity_mrr"]),
                "funnel_mrr": _optional(row["funnel_mrr"]),
                "binding_constraint": row["binding_constraint"],
                "stretch_ratio": safe_ratio(quota, float(row["baseline_mrr"])),
                "p10_mrr": summary.p10,
                "p50_mrr": summary.p50,
                "p90_mrr": summary.p90,
                "prob_reach_quota": simulation.probability_of_reaching(bookings, quota),
                "quota_within_band_mrr": float(row["quota_within_band_mrr"]),
                "gap_mrr": gap,
                "reps_to_hire": allocation.gap_as_reps(gap, _optional(row["productivity_mrr"]), MONTHS_IN_PERIOD),
                "extra_leads_needed": allocation.gap_as_leads(gap, float(row["deal_size_mrr"]), _optional(row["conversion_rate"])),
                "deals_needed": deals_needed,
                "leads_needed": leads_needed,
                "expected_leads": float(row["expected_leads"]),
                "expected_deals": float(row["expected_deals"]),
                "deal_size_mrr": float(row["deal_size_mrr"]),
                "deal_size_raw_mrr": _optional(row["deal_size_raw_mrr"]),
                "deal_size_log_sd": float(row["deal_size_log_sd"]),
                "conversion_rate": _optional(row["conversion_rate"]),
                "conversion_rate_raw": _optional(row["conversion_rate_raw"]),
                "churn_rate_monthly": float(row["churn_rate_monthly"]),
                "churn_rate_raw_monthly": _optional(row["churn_rate_raw_monthly"]),
                "productivity_mrr": _optional(row["productivity_mrr"]),
                "productivity_raw_mrr": _optional(row["productivity_raw_mrr"]),
                "z_productivity": _optional(row["z_productivity"]),
                "z_deal_size": float(row["z_deal_size"]),
                "z_churn": float(row["z_churn"]),
                "mrr_as_of": float(row["mrr_as_of"]),
                "sales_reps": int(row["sales_reps"]),
                "ramped_rep_equivalents": float(row["ramped_rep_equivalents"]),
                "months_of_history": int(row["months_of_history"]),
                "deals_in_history": int(row["deals_in_history"]),
                "is_provisional": bool(row["is_provisional"]),
                "mean_rep_prob_reach": _optional(row["mean_rep_prob_reach"]),
                "biggest_driver": driver,
                "explanation": explanation,
                "data_quality_flag": _flags_text(flags),
                "notes": _notes(flags, extra),
            }
        )
    return output_rows


REP_COLUMNS = [
    "period", "period_start", "as_of_month", "region", "sales_rep_id", "sales_rep_name", "tenure_start",
    "tenure_months", "ramp_factor", "ramped_share", "allocated_quota_mrr", "quota_mrr", "band_low_mrr",
    "band_high_mrr", "band_status", "gap_mrr", "expected_mrr", "p10_mrr", "p50_mrr", "p90_mrr",
    "prob_reach_quota", "deals_needed", "leads_needed", "mrr_as_of", "churn_burden_mrr",
    "churn_adjusted_net_new_mrr", "explanation", "data_quality_flag", "notes",
]
PHASING_COLUMNS = [
    "period", "level", "region", "sales_rep_id", "month", "month_number", "seasonal_factor", "ramp_factor",
    "phase_share", "quota_mrr",
]


def _optional(value: object) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)


def _rep_mrr_as_of(segments: pd.DataFrame, sales_rep_id: str, as_of: date) -> float:
    match = segments[
        (segments["segment"] == "sales_rep_id") & (segments["segment_value"] == sales_rep_id) & (segments["month"] == as_of)
    ]
    return float(match["mrr"].iloc[0]) if not match.empty else 0.0


def _phasing_rows(
    period: Period,
    level: str,
    region: str,
    sales_rep_id: str | None,
    season_by_month: list[float],
    ramp_by_month: list[float | None],
    profile: list[float],
    quota: float,
) -> list[dict[str, object]]:
    """Split a quarterly quota over its months in proportion to ``profile``."""
    total = float(sum(profile))
    shares = [p / total for p in profile] if total > 0 else [1.0 / len(profile)] * len(profile)
    return [
        {
            "period": period.label,
            "level": level,
            "region": region,
            "sales_rep_id": sales_rep_id,
            "month": month,
            "month_number": index + 1,
            "seasonal_factor": season_by_month[index],
            "ramp_factor": ramp_by_month[index],
            "phase_share": shares[index],
            "quota_mrr": quota * shares[index],
        }
        for index, month in enumerate(period.months)
    ]
