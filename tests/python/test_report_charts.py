"""Chart builders of the report, checked on constructed frames with exact values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scripts.report import charts
from test_report_data import (
    LAST_COMPLETE_MONTH,
    cohort_retention,
    country_rows,
    dim_countries,
    quota_backtest,
    quota_region,
    segment_metrics,
)


def company_frame() -> pd.DataFrame:
    frame = segment_metrics()
    frame = frame[frame["segment"] == "all"].copy()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def region_frame() -> pd.DataFrame:
    frame = segment_metrics()
    frame = frame[frame["segment"].isin(["all", "region"])].copy()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def country_frame() -> pd.DataFrame:
    frame = country_rows().merge(
        dim_countries()[["country_code", "alpha3_code", "country_name"]],
        left_on="segment_value",
        right_on="country_code",
        how="left",
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def steps_of(totals: pd.DataFrame) -> dict[str, float]:
    return dict(zip(totals["step"], totals["amount"]))


def test_movement_totals_last_month() -> None:
    totals = charts.movement_totals(company_frame(), LAST_COMPLETE_MONTH, LAST_COMPLETE_MONTH)

    assert list(totals["step"]) == [
        "Start MRR",
        "New business",
        "Expansion",
        "Reactivation",
        "Contraction",
        "Churn",
        "Exchange-rate effect",
        "End MRR",
    ]
    assert steps_of(totals) == {
        "Start MRR": 50720.0,
        "New business": 2100.0,
        "Expansion": 210.0,
        "Reactivation": 105.0,
        "Contraction": -84.0,
        "Churn": -420.0,
        "Exchange-rate effect": -1.0,
        "End MRR": 52630.0,
    }
    assert list(totals["measure"]) == ["absolute"] + ["relative"] * 6 + ["total"]


def test_movement_totals_trailing_year() -> None:
    totals = charts.movement_totals(company_frame(), dt.date(2023, 6, 1), LAST_COMPLETE_MONTH)

    assert steps_of(totals) == {
        "Start MRR": 30340.0,
        "New business": 25200.0,
        "Expansion": 2520.0,
        "Reactivation": 630.0,
        "Contraction": -1008.0,
        "Churn": -5040.0,
        "Exchange-rate effect": -12.0,
        "End MRR": 52630.0,
    }


def test_movement_totals_accept_positive_decreases() -> None:
    company = company_frame()
    company["churn_mrr"] = company["churn_mrr"].abs()
    company["contraction_mrr"] = company["contraction_mrr"].abs()

    totals = steps_of(charts.movement_totals(company, LAST_COMPLETE_MONTH, LAST_COMPLETE_MONTH))

    assert totals["Churn"] == -420.0
    assert totals["Contraction"] == -84.0
    assert "Not explained by movements" not in totals


def test_movement_totals_show_unexplained_gap() -> None:
    company = company_frame()
    company.loc[company["month"] == pd.Timestamp(LAST_COMPLETE_MONTH), "mrr"] += 7.5

    totals = steps_of(charts.movement_totals(company, LAST_COMPLETE_MONTH, LAST_COMPLETE_MONTH))

    assert totals["Not explained by movements"] == 7.5
    assert totals["End MRR"] == 52637.5


def test_movement_totals_show_transfers() -> None:
    company = company_frame()
    last = company["month"] == pd.Timestamp(LAST_COMPLETE_MONTH)
    company.loc[last, "transfer_in_mrr"] = 40.0
    company.loc[last, "transfer_out_mrr"] = -15.0
    company.loc[last, "mrr"] += 25.0

    totals = steps_of(charts.movement_totals(company, LAST_COMPLETE_MONTH, LAST_COMPLETE_MONTH))

    assert totals["Transfers between segments"] == 25.0
    assert "Not explained by movements" not in totals


def test_waterfall_bars_equal_movement_sums() -> None:
    totals = charts.movement_totals(company_frame(), dt.date(2023, 6, 1), LAST_COMPLETE_MONTH)

    figure = charts.movement_waterfall_figure(totals, "Trailing year", "USD")

    trace = figure.data[0]
    assert trace.type == "waterfall"
    assert list(trace.x) == list(totals["step"])
    assert list(trace.y) == [30340.0, 25200.0, 2520.0, 630.0, -1008.0, -5040.0, -12.0, 52630.0]
    assert list(trace.measure) == ["absolute"] + ["relative"] * 6 + ["total"]
    assert trace.text[1] == "+25,200"
    assert trace.text[-1] == "52,630"


def test_waterfall_axis_starts_above_zero() -> None:
    totals = charts.movement_totals(company_frame(), LAST_COMPLETE_MONTH, LAST_COMPLETE_MONTH)

    low, high = charts.waterfall_axis_range(totals)

    # Running totals span 50,720 to 53,135 (start plus the three increases).
    # That span is under 5 % of 53,135, so the padding uses 5 % instead.
    span = 0.05 * 53135
    assert low == pytest.approx(50720 - 0.6 * span)
    assert high == pytest.approx(53135 + 0.25 * span)


def test_country_metrics_exact_values() -> None:
    metrics = charts.country_metrics(country_frame(), LAST_COMPLETE_MONTH).set_index("alpha3_code")

    assert metrics["mrr"].to_dict() == {
        "SGP": 15042.0,
        "JPN": 12484.0,
        "CAN": 10028.0,
        "USA": 7521.0,
        "FRA": 5014.0,
        "DEU": 2541.0,
    }
    # Twelve churned customers over the trailing year per country, divided by
    # the summed month-start customers 120k + 126(k − 1) of country index k.
    assert metrics.at["DEU", "customer_churn_rate"] == pytest.approx(12 / 120)
    assert metrics.at["FRA", "customer_churn_rate"] == pytest.approx(12 / 366)
    assert metrics.at["SGP", "customer_churn_rate"] == pytest.approx(12 / 1350)


def test_map_values_per_alpha3_code() -> None:
    metrics = charts.country_metrics(country_frame(), LAST_COMPLETE_MONTH)

    figure = charts.country_map_figure(metrics, "mrr", "MRR", "USD", ",.0f", "Blues")

    trace = figure.data[0]
    assert trace.type == "choropleth"
    assert trace.locationmode == "ISO-3"
    assert dict(zip(trace.locations, trace.z)) == {
        "SGP": 15042.0,
        "JPN": 12484.0,
        "CAN": 10028.0,
        "USA": 7521.0,
        "FRA": 5014.0,
        "DEU": 2541.0,
    }
    assert figure.layout.geo.resolution == 110


def test_map_leaves_out_unknown_country() -> None:
    frame = country_frame()
    unknown = frame[frame["segment_value"] == "DE"].copy()
    unknown["segment_value"] = "XX"
    unknown["country_code"] = "XX"
    unknown["alpha3_code"] = None
    unknown["country_name"] = "Unknown"
    metrics = charts.country_metrics(pd.concat([frame, unknown]), LAST_COMPLETE_MONTH)

    figure = charts.country_map_figure(metrics, "mrr", "MRR", "USD", ",.0f", "Blues")

    assert "XX" in set(metrics["country_code"])
    assert len(figure.data[0].locations) == 6
    assert None not in list(figure.data[0].locations)


def test_region_kpis_exact_values() -> None:
    kpis = charts.region_kpis(region_frame(), LAST_COMPLETE_MONTH).set_index("segment_value")

    assert kpis.at["all", "arpa"] == pytest.approx(52630 / 465)
    assert kpis.at["EMEA", "arpa"] == pytest.approx(7555 / 47)
    assert kpis.at["all", "customer_churn_rate"] == pytest.approx(72 / 4410)
    assert kpis.at["EMEA", "customer_churn_rate"] == pytest.approx(24 / 486)
    assert kpis.at["all", "trial_conversion_rate"] == pytest.approx(0.5)


def test_region_kpi_figure_marks_company() -> None:
    region_monthly = region_frame()
    kpis = charts.region_kpis(region_monthly, LAST_COMPLETE_MONTH)

    figure = charts.region_kpi_figure(kpis, charts.ordered_regions(region_monthly), "USD")

    arpa_bars = figure.data[0]
    assert list(arpa_bars.x) == ["APAC", "North America", "EMEA"]
    assert list(arpa_bars.y) == pytest.approx([27526 / 263, 17549 / 155, 7555 / 47])
    company_lines = [shape.y0 for shape in figure.layout.shapes]
    assert company_lines == pytest.approx([52630 / 465, 72 / 4410, 0.5])


def test_mrr_by_region_traces() -> None:
    figure = charts.mrr_by_region_figure(region_frame(), "USD")

    assert [trace.name for trace in figure.data] == ["APAC", "North America", "EMEA", "Company total"]
    assert figure.data[0].y[0] == 11998.0
    assert figure.data[3].y[-1] == 54435.0


def test_net_new_by_region_traces() -> None:
    figure = charts.net_new_mrr_by_region_figure(region_frame(), "USD")

    emea = figure.data[2]
    assert emea.name == "EMEA"
    # EMEA is Germany (k = 1, fx +2) and France (k = 2): 86 × 3 + 2, plus 15 reactivation in even months.
    assert list(emea.y[:2]) == [275.0, 260.0]


def test_cohort_heatmap_menu_per_region() -> None:
    cohorts = cohort_retention()
    cohorts["cohort_month"] = pd.to_datetime(cohorts["cohort_month"])

    figure = charts.cohort_heatmap_figure(cohorts, "customer_retention", "Customers")

    assert [trace.name for trace in figure.data] == ["All regions", "APAC", "EMEA", "North America"]
    assert [trace.visible for trace in figure.data] == [True, False, False, False]
    first = figure.data[0]
    assert first.y[0] == "2023-01"
    assert first.z[0][2] == pytest.approx(0.9)
    buttons = figure.layout.updatemenus[0].buttons
    assert [button.label for button in buttons] == ["All regions", "APAC", "EMEA", "North America"]
    assert buttons[2].args[0]["visible"] == [False, False, True, False]


def test_attainment_by_quarter_shares() -> None:
    summary, level = charts.attainment_by_quarter(quota_backtest())

    assert level == "rep"
    assert summary["backtest_quarter"].tolist() == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]
    assert summary["attained"].tolist() == [3, 2, 2, 4]
    assert summary["share_attained"].tolist() == [0.75, 0.5, 0.5, 1.0]


def test_attainment_falls_back_to_regions() -> None:
    backtest = quota_backtest()
    regions_only = backtest[backtest["level"] == "region"]

    summary, level = charts.attainment_by_quarter(regions_only)

    assert level == "region"
    assert summary["share_attained"].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_attainment_figure_healthy_band() -> None:
    figure = charts.attainment_figure(quota_backtest())

    band = figure.layout.shapes[0]
    assert band.type == "rect"
    assert (band.y0, band.y1) == (0.55, 0.70)
    assert (band.xref, band.yref) == ("x domain", "y")
    assert [(shape.y0, shape.y1) for shape in figure.layout.shapes[1:3]] == [(0.55, 0.55), (0.70, 0.70)]
    assert "healthy range 55–70 %" in [annotation.text for annotation in figure.layout.annotations]
    assert list(figure.data[0].y) == [0.75, 0.5, 0.5, 1.0]
    assert sorted(figure.data[1].x) == [0.8] * 5 + [1.2] * 11


def test_attainment_histogram_caps_outliers() -> None:
    backtest = quota_backtest()
    backtest.loc[0, "actual_mrr"] = 5000.0  # ten times the quota of 500

    figure = charts.attainment_figure(backtest)

    assert max(figure.data[1].x) == 3.0


def test_quota_range_figure_values() -> None:
    region = quota_region()

    figure = charts.quota_range_figure(region, "region", "Quota", "USD")

    ranges, quotas = figure.data
    assert list(ranges.y) == ["EMEA", "North America", "APAC"]
    assert list(ranges.x) == pytest.approx([1140.0, 2280.0, 855.0])
    assert list(ranges.error_x.array) == pytest.approx([420.0, 840.0, 315.0])
    assert list(ranges.error_x.arrayminus) == pytest.approx([420.0, 840.0, 315.0])
    assert list(quotas.x) == [1200.0, 2400.0, 900.0]
    assert list(quotas.customdata) == [0.6, 0.6, 0.6]


def test_attainment_skips_zero_quotas() -> None:
    backtest = quota_backtest()
    # R1 in 2023-Q3: a quota of 0 with nothing booked is stored as attained.
    backtest.loc[0, ["quota_mrr", "actual_mrr", "attained"]] = [0.0, 0.0, True]

    summary, _ = charts.attainment_by_quarter(backtest)

    assert summary["quotas"].tolist() == [3, 4, 4, 4]
    assert summary["attained"].tolist() == [2, 2, 2, 4]


def test_attainment_by_quarter_for_regions() -> None:
    summary, level = charts.attainment_by_quarter(quota_backtest(), "region")

    assert level == "region"
    assert summary["quotas"].tolist() == [1, 1, 1, 1]
    assert summary["attained"].tolist() == [1, 1, 1, 1]


def test_attainment_figure_adds_region_bars() -> None:
    figure = charts.attainment_figure(quota_backtest())

    regions = figure.data[2]
    assert regions.name == "Regions"
    assert list(regions.y) == [1.0, 1.0, 1.0, 1.0]
    assert figure.data[0].name == "Salespeople"
    assert figure.layout.barmode == "group"
