"""Sample warehouse for the report tests, and tests of the report's data layer.

`build_sample_warehouse` writes a small DuckDB file with the marts and quota
tables the report reads, filled with constructed numbers whose totals the
tests check exactly. The other report test modules import it from here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scripts.report.data import (
    QUOTA_TARGET_COLUMNS,
    ReportDataError,
    company_target,
    load_report_data,
    unallocated_regions,
)

FIRST_MONTH = dt.date(2023, 1, 1)
MONTHS = 18  # 2023-01 to 2024-06
AS_OF_MONTH = dt.date(2024, 6, 1)  # incomplete
LAST_COMPLETE_MONTH = dt.date(2024, 5, 1)

# country code, alpha-3 code, name, region, index driving the constructed numbers
COUNTRIES = [
    ("DE", "DEU", "Germany", "EMEA", 1),
    ("FR", "FRA", "France", "EMEA", 2),
    ("US", "USA", "United States", "North America", 3),
    ("CA", "CAN", "Canada", "North America", 4),
    ("JP", "JPN", "Japan", "APAC", 5),
    # Singapore has no shape at 1:110m, so the report lists it under the map.
    ("SG", "SGP", "Singapore", "APAC", 6),
]
REGIONS = ["EMEA", "North America", "APAC"]


def month_at(offset: int) -> dt.date:
    return (pd.Timestamp(FIRST_MONTH) + pd.DateOffset(months=offset)).date()


def country_rows() -> pd.DataFrame:
    """Build the `country` segment rows: each country's movements are fixed multiples of its index k.

    Per month: new business 100k, expansion 10k, reactivation 5k in even
    months, contraction −4k, churn −20k, fx +2 for Germany and −3 for Japan.
    MRR starts at 1000k. Customers start at 10k, k new and 1 churned per month.
    Trials 4k, of which 2k converted. Decreases are stored as negative amounts.
    """
    rows = []
    for code, _, _, _, k in COUNTRIES:
        mrr = 1000.0 * k
        customers = 10 * k
        for offset in range(MONTHS):
            month = month_at(offset)
            reactivation = 5.0 * k if offset % 2 == 0 else 0.0
            fx = {"DE": 2.0, "JP": -3.0}.get(code, 0.0)
            movements = {
                "new_business_mrr": 100.0 * k,
                "expansion_mrr": 10.0 * k,
                "contraction_mrr": -4.0 * k,
                "churn_mrr": -20.0 * k,
                "reactivation_mrr": reactivation,
                "fx_adjustment_mrr": fx,
                "transfer_in_mrr": 0.0,
                "transfer_out_mrr": 0.0,
            }
            net_new = sum(movements.values())
            new_customers = k
            churned = 1
            row = {
                "month": month,
                "segment": "country",
                "segment_value": code,
                "is_complete_month": month != AS_OF_MONTH,
                "mrr_start": mrr,
                "mrr": mrr + net_new,
                "customers_start": customers,
                "customers": customers + new_customers - churned,
                "new_customers": new_customers,
                "churned_customers": churned,
                "net_new_mrr": net_new,
                "trials": 4 * k,
                "trials_converted": 2 * k,
                **movements,
            }
            rows.append(row)
            mrr += net_new
            customers += new_customers - churned
    return pd.DataFrame(rows)


ADDITIVE = [
    "mrr_start",
    "mrr",
    "customers_start",
    "customers",
    "new_customers",
    "churned_customers",
    "new_business_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churn_mrr",
    "reactivation_mrr",
    "fx_adjustment_mrr",
    "transfer_in_mrr",
    "transfer_out_mrr",
    "net_new_mrr",
    "trials",
    "trials_converted",
]


def with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the ratio columns of fct_segment_metrics_monthly computed from the summed parts."""
    frame = frame.copy()
    frame["arr"] = 12 * frame["mrr"]
    frame["arpa"] = frame["mrr"] / frame["customers"]
    frame["asp"] = frame["new_business_mrr"] / frame["new_customers"]
    frame["customer_churn_rate"] = frame["churned_customers"] / frame["customers_start"]
    frame["trial_conversion_rate"] = frame["trials_converted"] / frame["trials"]
    return frame


def segment_metrics() -> pd.DataFrame:
    countries = country_rows()
    region_of = {code: region for code, _, _, region, _ in COUNTRIES}
    regions = (
        countries.assign(segment="region", segment_value=countries["segment_value"].map(region_of))
        .groupby(["month", "segment", "segment_value", "is_complete_month"], as_index=False)[ADDITIVE]
        .sum()
    )
    company = (
        countries.assign(segment="all", segment_value="all")
        .groupby(["month", "segment", "segment_value", "is_complete_month"], as_index=False)[ADDITIVE]
        .sum()
    )
    return with_ratios(pd.concat([company, regions, countries], ignore_index=True))


def cohort_retention() -> pd.DataFrame:
    """Build cohorts per region and for `all`: customer retention falls 5 points a month, MRR retention 3."""
    rows = []
    values = [("all", "all", 30)] + [("region", region, 10 * (index + 1)) for index, region in enumerate(REGIONS)]
    for segment, value, size in values:
        for cohort_offset in range(MONTHS):
            cohort_month = month_at(cohort_offset)
            for since in range(MONTHS - cohort_offset):
                customer_retention = max(0.0, 1 - 0.05 * since)
                mrr_retention = max(0.0, 1 - 0.03 * since)
                rows.append(
                    {
                        "cohort_month": cohort_month,
                        "months_since_start": since,
                        "month": month_at(cohort_offset + since),
                        "segment": segment,
                        "segment_value": value,
                        "cohort_customers": size,
                        "cohort_mrr": 100.0 * size,
                        "customers_retained": round(size * customer_retention),
                        "mrr_retained": 100.0 * size * mrr_retention,
                        "customer_retention": customer_retention,
                        "mrr_retention": mrr_retention,
                    }
                )
    return pd.DataFrame(rows)


def dim_countries() -> pd.DataFrame:
    rows = [(code, name, alpha3, None, region) for code, alpha3, name, region, _ in COUNTRIES]
    rows.append(("XX", "Unknown", None, None, "unassigned"))
    return pd.DataFrame(rows, columns=["country_code", "country_name", "alpha3_code", "numeric_code", "region"])


PERIOD = "2024-Q3"
REGION_QUOTAS = {"EMEA": 1200.0, "North America": 2400.0, "APAC": 900.0}
REPS = [
    ("R1", "Ada Lovelace", "EMEA"),
    ("R2", "Grace Hopper", "EMEA"),
    ("R3", "Alan Turing", "North America"),
    ("R4", "Edsger Dijkstra", "North America"),
]
# Back-test: which of R1..R4 reached quota in each quarter.
BACKTEST_ATTAINED = {
    "2023-Q3": [True, True, False, True],
    "2023-Q4": [True, False, False, True],
    "2024-Q1": [False, True, True, False],
    "2024-Q2": [True, True, True, True],
}


def quota_region() -> pd.DataFrame:
    rows = []
    for region, quota in REGION_QUOTAS.items():
        rows.append(
            {
                "period": PERIOD,
                "period_start": dt.date(2024, 7, 1),
                "period_end": dt.date(2024, 9, 30),
                "as_of_month": LAST_COMPLETE_MONTH,
                "region": region,
                "quota_mrr": quota,
                "net_target_mrr": quota * 0.5,
                "target_rule": "trailing_net_new",
                "target_base_mrr": 1875.0,
                "target_growth_rate": 0.20,
                "target_history_months": 12,
                "expected_churn_mrr": quota * 0.2,
                "expected_contraction_mrr": quota * 0.1,
                "expected_expansion_mrr": quota * 0.05,
                "expected_reactivation_mrr": 0.0,
                "churn_burden_mrr": quota * 0.3,
                "gross_need_mrr": quota / 1.1,
                "churn_adjusted_net_new_mrr": quota * 0.75,
                "baseline_mrr": quota * 0.9,
                "binding_constraint": "funnel" if region == "APAC" else "capacity",
                "p10_mrr": quota * 0.6,
                "p50_mrr": quota * 0.95,
                "p90_mrr": quota * 1.3,
                "prob_reach_quota": 0.6,
                "quota_within_band_mrr": quota - 100.0 if region == "APAC" else quota,
                "gap_mrr": 100.0 if region == "APAC" else 0.0,
                "reps_to_hire": 0.3 if region == "APAC" else 0.0,
                "extra_leads_needed": 10.0 if region == "APAC" else 0.0,
                "deals_needed": quota / 100.0,
                "leads_needed": quota / 10.0,
                "deal_size_mrr": 100.0,
                "conversion_rate": 0.1,
                "is_provisional": region == "APAC",
                "biggest_driver": "churn",
                "explanation": f"{region} <b>needs</b> more bookings because churn is higher.",
                "data_quality_flag": "no_sales_reps" if region == "APAC" else "ok",
                "notes": "APAC has no salespeople, so its quota is set for the region only." if region == "APAC" else "",
            }
        )
    return pd.DataFrame(rows)


def quota_rep() -> pd.DataFrame:
    rows = []
    for rep_id, name, region in REPS:
        quota = REGION_QUOTAS[region] / 2
        rows.append(
            {
                "period": PERIOD,
                "region": region,
                "sales_rep_id": rep_id,
                "sales_rep_name": name,
                "tenure_months": 14,
                "ramp_factor": 1.0,
                "quota_mrr": quota,
                "band_status": "within",
                "p10_mrr": quota * 0.6,
                "p50_mrr": quota * 0.95,
                "p90_mrr": quota * 1.3,
                "prob_reach_quota": 0.6,
                "deals_needed": quota / 100.0,
                "leads_needed": quota / 10.0,
                "churn_burden_mrr": quota * 0.3,
                "churn_adjusted_net_new_mrr": quota * 0.75,
                "explanation": f"{name} is fully ramped.",
                "data_quality_flag": "ok",
                "notes": "",
            }
        )
    return pd.DataFrame(rows)


def quota_phasing() -> pd.DataFrame:
    rows = []
    for region, quota in REGION_QUOTAS.items():
        for number, share in enumerate([0.3, 0.3, 0.4], start=1):
            rows.append(
                {
                    "period": PERIOD,
                    "level": "region",
                    "region": region,
                    "sales_rep_id": None,
                    "month": dt.date(2024, 6 + number, 1),
                    "month_number": number,
                    "seasonal_factor": 1.0,
                    "ramp_factor": None,
                    "phase_share": share,
                    "quota_mrr": quota * share,
                }
            )
    return pd.DataFrame(rows)


def quota_backtest() -> pd.DataFrame:
    rows = []
    for quarter, attained in BACKTEST_ATTAINED.items():
        for (rep_id, _, region), reached in zip(REPS, attained):
            quota = 500.0
            actual = 600.0 if reached else 400.0
            rows.append(
                {
                    "backtest_quarter": quarter,
                    "as_of_month": LAST_COMPLETE_MONTH,
                    "level": "rep",
                    "region": region,
                    "sales_rep_id": rep_id,
                    "quota_mrr": quota,
                    "actual_mrr": actual,
                    "attained": reached,
                    "quota_error_mrr": actual - quota,
                    "quota_error_ratio": (actual - quota) / quota,
                    "prob_reach_quota": 0.6,
                }
            )
        rows.append(
            {
                "backtest_quarter": quarter,
                "as_of_month": LAST_COMPLETE_MONTH,
                "level": "region",
                "region": "EMEA",
                "sales_rep_id": None,
                "quota_mrr": 1000.0,
                "actual_mrr": 1100.0,
                "attained": True,
                "quota_error_mrr": 100.0,
                "quota_error_ratio": 0.1,
                "prob_reach_quota": 0.6,
            }
        )
    return pd.DataFrame(rows)


def build_sample_warehouse(path: Path, with_quota: bool = True, skip: tuple[str, ...] = ()) -> Path:
    """Write the sample marts (and quota tables) to a new DuckDB file, leaving out the tables named in `skip`."""
    tables = {
        "fct_segment_metrics_monthly": segment_metrics(),
        "fct_cohort_retention": cohort_retention(),
        "dim_countries": dim_countries(),
    }
    if with_quota:
        tables.update(
            {
                "quota_recommendations_region": quota_region(),
                "quota_recommendations_rep": quota_rep(),
                "quota_phasing_monthly": quota_phasing(),
                "quota_backtest": quota_backtest(),
            }
        )
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        for name, frame in tables.items():
            if name in skip:
                continue
            con.register("source_frame", frame)
            con.execute(f"create table marts.{name} as select * from source_frame")
            con.unregister("source_frame")
    finally:
        con.close()
    return path


@pytest.fixture()
def sample_warehouse(tmp_path: Path) -> Path:
    return build_sample_warehouse(tmp_path / "warehouse.duckdb")


def test_load_reads_months_and_segments(sample_warehouse: Path) -> None:
    data = load_report_data(sample_warehouse)

    assert data.as_of_month == AS_OF_MONTH
    assert data.last_complete_month == LAST_COMPLETE_MONTH
    assert set(data.region_monthly["segment"]) == {"all", "region"}
    assert len(data.region_monthly) == MONTHS * (1 + len(REGIONS))
    assert len(data.country_monthly) == MONTHS * len(COUNTRIES)
    assert set(data.cohorts["segment"]) == {"all", "region"}
    assert data.quota is not None
    assert data.quota_missing_reason is None


def test_load_joins_alpha3_codes(sample_warehouse: Path) -> None:
    data = load_report_data(sample_warehouse)

    codes = data.country_monthly.drop_duplicates("segment_value").set_index("segment_value")["alpha3_code"]
    assert codes.to_dict() == {code: alpha3 for code, alpha3, _, _, _ in COUNTRIES}


def test_load_missing_warehouse_names_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"

    with pytest.raises(ReportDataError) as raised:
        load_report_data(missing)

    assert str(missing) in str(raised.value)
    assert "dbt build" in str(raised.value)
    assert not missing.exists()


def test_load_missing_mart_names_table(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb", skip=("fct_cohort_retention",))

    with pytest.raises(ReportDataError) as raised:
        load_report_data(warehouse)

    assert "marts.fct_cohort_retention is missing" in str(raised.value)
    assert "dbt build" in str(raised.value)


def test_load_missing_column_names_it(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("alter table marts.dim_countries drop column alpha3_code")
    con.close()

    with pytest.raises(ReportDataError) as raised:
        load_report_data(warehouse)

    assert "marts.dim_countries lacks columns alpha3_code" in str(raised.value)


def test_load_without_quota_tables(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb", with_quota=False)

    data = load_report_data(warehouse)

    assert data.quota is None
    assert "marts.quota_recommendations_region is missing" in data.quota_missing_reason
    assert "python -m scripts.quotas" in data.quota_missing_reason


def test_company_target_from_region_rows(tmp_path: Path) -> None:
    data = load_report_data(build_sample_warehouse(tmp_path / "warehouse.duckdb"))
    target = data.quota.target

    assert target.net_target == pytest.approx(2250.0)
    assert target.rule == "trailing_net_new"
    assert target.base == pytest.approx(1875.0)
    assert target.growth_rate == pytest.approx(0.20)
    assert target.history_months == 12
    assert target.expected_churn == pytest.approx(900.0)
    assert target.expected_contraction == pytest.approx(450.0)
    assert target.expected_expansion == pytest.approx(225.0)
    assert target.expected_reactivation == 0.0
    assert target.gross_need == pytest.approx(4500.0 / 1.1)
    assert target.over_assignment == pytest.approx(0.10)
    assert target.total_quota == pytest.approx(4500.0)
    assert target.within_band == pytest.approx(4400.0)
    assert target.gap == pytest.approx(100.0)


def test_company_target_without_rule_columns() -> None:
    region = quota_region().drop(columns=QUOTA_TARGET_COLUMNS)

    target = company_target(region)

    assert target.rule is None
    assert target.base is None
    assert target.net_target == pytest.approx(2250.0)


def test_quota_tables_without_rule_columns_load(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        for column in QUOTA_TARGET_COLUMNS:
            con.execute(f"alter table marts.quota_recommendations_region drop column {column}")

    data = load_report_data(warehouse)

    assert data.quota is not None
    assert data.quota.target.rule is None


def test_unallocated_regions_with_mrr() -> None:
    region_monthly = pd.DataFrame(
        [
            {"segment": "region", "segment_value": "Unknown", "month": pd.Timestamp("2024-05-01"), "mrr": 51.0},
            {"segment": "region", "segment_value": "Unknown", "month": pd.Timestamp("2024-04-01"), "mrr": 40.0},
            {"segment": "region", "segment_value": "EMEA", "month": pd.Timestamp("2024-05-01"), "mrr": 900.0},
        ]
    )

    assert unallocated_regions(region_monthly, dt.date(2024, 5, 1)) == [{"region": "Unknown", "mrr": 51.0}]
    assert unallocated_regions(region_monthly, dt.date(2024, 6, 1)) == []


def test_sample_has_no_unallocated_region(tmp_path: Path) -> None:
    data = load_report_data(build_sample_warehouse(tmp_path / "warehouse.duckdb"))

    assert data.unallocated == []
