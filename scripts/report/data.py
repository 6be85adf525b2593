"""Read the marts and the quota tables that the report needs from a DuckDB warehouse.

This module is the report's only access to the warehouse. It opens the file
read-only, checks that every required mart exists, and returns plain pandas
frames so that the chart builders never touch a database.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

logger = logging.getLogger(__name__)

MART_SCHEMA = "marts"

SEGMENT_METRIC_COLUMNS = [
    "month",
    "segment",
    "segment_value",
    "is_complete_month",
    "mrr_start",
    "mrr",
    "customers_start",
    "customers",
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
    "arpa",
    "customer_churn_rate",
    "trials",
    "trials_converted",
    "trial_conversion_rate",
]

COHORT_COLUMNS = [
    "cohort_month",
    "months_since_start",
    "segment",
    "segment_value",
    "cohort_customers",
    "cohort_mrr",
    "customers_retained",
    "mrr_retained",
    "customer_retention",
    "mrr_retention",
]

COUNTRY_COLUMNS = ["country_code", "country_name", "alpha3_code"]

QUOTA_REGION_COLUMNS = [
    "period",
    "period_start",
    "period_end",
    "as_of_month",
    "region",
    "quota_mrr",
    "net_target_mrr",
    "expected_churn_mrr",
    "expected_contraction_mrr",
    "expected_expansion_mrr",
    "expected_reactivation_mrr",
    "churn_burden_mrr",
    "gross_need_mrr",
    "churn_adjusted_net_new_mrr",
    "baseline_mrr",
    "binding_constraint",
    "p10_mrr",
    "p50_mrr",
    "p90_mrr",
    "prob_reach_quota",
    "quota_within_band_mrr",
    "gap_mrr",
    "reps_to_hire",
    "extra_leads_needed",
    "deals_needed",
    "leads_needed",
    "deal_size_mrr",
    "conversion_rate",
    "is_provisional",
    "biggest_driver",
    "explanation",
    "data_quality_flag",
    "notes",
]

# Columns that record the rule behind the company target. Quota tables written
# before these columns existed lack them, and the report then shows the rule as not recorded.
QUOTA_TARGET_COLUMNS = ["target_rule", "target_base_mrr", "target_growth_rate", "target_history_months"]

# Regions that the quota engine leaves out of the allocation (customers whose
# country is unknown); the report lists their MRR next to the quotas.
UNALLOCATED_REGIONS = ("Unknown",)

QUOTA_REP_COLUMNS = [
    "period",
    "region",
    "sales_rep_id",
    "sales_rep_name",
    "tenure_months",
    "ramp_factor",
    "quota_mrr",
    "band_status",
    "p10_mrr",
    "p50_mrr",
    "p90_mrr",
    "prob_reach_quota",
    "deals_needed",
    "leads_needed",
    "churn_burden_mrr",
    "churn_adjusted_net_new_mrr",
    "explanation",
    "data_quality_flag",
    "notes",
]

QUOTA_PHASING_COLUMNS = [
    "period",
    "level",
    "region",
    "sales_rep_id",
    "month",
    "month_number",
    "phase_share",
    "quota_mrr",
]

QUOTA_BACKTEST_COLUMNS = [
    "backtest_quarter",
    "as_of_month",
    "level",
    "region",
    "sales_rep_id",
    "quota_mrr",
    "actual_mrr",
    "attained",
    "quota_error_mrr",
    "quota_error_ratio",
    "prob_reach_quota",
]

REQUIRED_MARTS = {
    "fct_segment_metrics_monthly": SEGMENT_METRIC_COLUMNS,
    "fct_cohort_retention": COHORT_COLUMNS,
    "dim_countries": COUNTRY_COLUMNS,
}

QUOTA_TABLES = {
    "quota_recommendations_region": QUOTA_REGION_COLUMNS,
    "quota_recommendations_rep": QUOTA_REP_COLUMNS,
    "quota_phasing_monthly": QUOTA_PHASING_COLUMNS,
    "quota_backtest": QUOTA_BACKTEST_COLUMNS,
}

BUILD_HINT = "Run `dbt build` in the project root to build the marts."
QUOTA_HINT = "Run `python -m scripts.quotas` to write the quota tables."


class ReportDataError(RuntimeError):
    """A warehouse or mart that the report needs is missing or unreadable."""


@dataclass(frozen=True)
class CompanyTarget:
    """The company-level figures behind the region quotas, summed from quota_recommendations_region.

    `rule` is `trailing_net_new`, `given`, or None when the table predates
    the target columns. `base`, `growth_rate` and `history_months` are None
    unless the rule is `trailing_net_new`.
    """

    net_target: float
    rule: str | None
    base: float | None
    growth_rate: float | None
    history_months: int | None
    expected_churn: float
    expected_contraction: float
    expected_expansion: float
    expected_reactivation: float
    gross_need: float
    # Quota ÷ gross need − 1; None when the gross need is 0.
    over_assignment: float | None
    total_quota: float
    within_band: float
    gap: float


@dataclass(frozen=True)
class QuotaData:
    """The four quota output tables, read as they are, and the company target derived from them."""

    region: pd.DataFrame
    rep: pd.DataFrame
    phasing: pd.DataFrame
    backtest: pd.DataFrame
    target: CompanyTarget | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the report draws, read from one warehouse."""

    as_of_month: dt.date
    last_complete_month: dt.date
    # Segments `all` and `region` of fct_segment_metrics_monthly.
    region_monthly: pd.DataFrame
    # Segment `country`, with alpha3_code and country_name from dim_countries.
    country_monthly: pd.DataFrame
    # Segments `all` and `region` of fct_cohort_retention.
    cohorts: pd.DataFrame
    quota: QuotaData | None
    # Why the quota section is empty, or None when quota is present.
    quota_missing_reason: str | None = None
    # Regions left out of the quota allocation that have MRR at the end of the
    # quota's as-of month: dicts with `region` and `mrr`.
    unallocated: list[dict[str, object]] = field(default_factory=list)


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file read-only, or raise ReportDataError when it does not exist."""
    if not warehouse.is_file():
        raise ReportDataError(
            f"Warehouse file not found: {warehouse}. {BUILD_HINT} "
            "Or pass the path of an existing file with --warehouse."
        )
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ReportDataError(f"Failed to open warehouse {warehouse}: {error}") from error


def list_tables(con: duckdb.DuckDBPyConnection, schema: str = MART_SCHEMA) -> dict[str, set[str]]:
    """Return the tables and views of one schema with their column names."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [schema],
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table_name, column_name in rows:
        tables.setdefault(table_name, set()).add(column_name)
    return tables


def find_missing(
    tables: dict[str, set[str]], required: dict[str, list[str]]
) -> list[str]:
    """Describe each required table that is absent or lacks a required column."""
    problems = []
    for table, columns in required.items():
        if table not in tables:
            problems.append(f"table {MART_SCHEMA}.{table} is missing")
            continue
        absent = [column for column in columns if column not in tables[table]]
        if absent:
            problems.append(f"table {MART_SCHEMA}.{table} lacks columns {', '.join(absent)}")
    return problems


def _select(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], where: str = "") -> pd.DataFrame:
    column_list = ", ".join(columns)
    sql = f"select {column_list} from {MART_SCHEMA}.{table} {where}"
    return con.execute(sql).df()


def _optional_number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def company_target(region: pd.DataFrame) -> CompanyTarget:
    """Sum the region rows into the company target, gross need, margin and total quota.

    The engine splits the company target by weights that sum to 1, so the
    target is the sum of `net_target_mrr`. The margin is total quota ÷ total
    gross need − 1, the over-assignment that the engine applies to every region.
    """
    first = region.iloc[0]
    rule = first["target_rule"] if "target_rule" in region.columns and isinstance(first["target_rule"], str) else None
    trailing = rule == "trailing_net_new"
    gross_need = float(region["gross_need_mrr"].sum())
    total_quota = float(region["quota_mrr"].sum())
    months = first["target_history_months"] if trailing else None
    return CompanyTarget(
        net_target=float(region["net_target_mrr"].sum()),
        rule=rule,
        base=_optional_number(first["target_base_mrr"]) if trailing else None,
        growth_rate=_optional_number(first["target_growth_rate"]) if trailing else None,
        history_months=None if months is None or pd.isna(months) else int(months),
        expected_churn=float(region["expected_churn_mrr"].sum()),
        expected_contraction=float(region["expected_contraction_mrr"].sum()),
        expected_expansion=float(region["expected_expansion_mrr"].sum()),
        expected_reactivation=float(region["expected_reactivation_mrr"].sum()),
        gross_need=gross_need,
        over_assignment=total_quota / gross_need - 1.0 if gross_need > 0 else None,
        total_quota=total_quota,
        within_band=float(region["quota_within_band_mrr"].sum()),
        gap=float(region["gap_mrr"].sum()),
    )


def unallocated_regions(region_monthly: pd.DataFrame, month: dt.date) -> list[dict[str, object]]:
    """Return the regions in UNALLOCATED_REGIONS with MRR at the end of `month`, with that MRR."""
    rows = region_monthly[
        (region_monthly["segment"] == "region")
        & region_monthly["segment_value"].isin(UNALLOCATED_REGIONS)
        & (pd.to_datetime(region_monthly["month"]) == pd.Timestamp(month))
        & (region_monthly["mrr"] > 0)
    ]
    return [{"region": row.segment_value, "mrr": float(row.mrr)} for row in rows.itertuples()]


def read_quota(con: duckdb.DuckDBPyConnection, tables: dict[str, set[str]]) -> tuple[QuotaData | None, str | None]:
    """Read the quota tables, or return the reason they cannot be shown."""
    problems = find_missing(tables, QUOTA_TABLES)
    if problems:
        reason = "; ".join(problems) + f". {QUOTA_HINT}"
        return None, reason
    region_columns = QUOTA_REGION_COLUMNS + [
        column for column in QUOTA_TARGET_COLUMNS if column in tables["quota_recommendations_region"]
    ]
    region = _select(con, "quota_recommendations_region", region_columns, "order by region")
    quota = QuotaData(
        region=region,
        target=company_target(region) if not region.empty else None,
        rep=_select(con, "quota_recommendations_rep", QUOTA_REP_COLUMNS, "order by region, sales_rep_name"),
        phasing=_select(con, "quota_phasing_monthly", QUOTA_PHASING_COLUMNS, "order by level, region, sales_rep_id, month"),
        backtest=_select(con, "quota_backtest", QUOTA_BACKTEST_COLUMNS, "order by backtest_quarter, level, region, sales_rep_id"),
    )
    if quota.region.empty:
        return None, f"Table {MART_SCHEMA}.quota_recommendations_region has no rows. {QUOTA_HINT}"
    return quota, None


def _to_date(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def load_report_data(warehouse: Path) -> ReportData:
    """Read every frame the report needs from the warehouse file.

    Raises ReportDataError naming the missing file, table or column and the
    command that builds it. Missing quota tables are not an error: the report
    shows the reason in the quota section instead.
    """
    con = connect(warehouse)
    try:
        tables = list_tables(con)
        problems = find_missing(tables, REQUIRED_MARTS)
        if problems:
            raise ReportDataError(f"Warehouse {warehouse}: " + "; ".join(problems) + f". {BUILD_HINT}")

        region_monthly = _select(
            con,
            "fct_segment_metrics_monthly",
            SEGMENT_METRIC_COLUMNS,
            "where segment in ('all', 'region') order by segment, segment_value, month",
        )
        company = region_monthly[region_monthly["segment"] == "all"]
        if company.empty:
            raise ReportDataError(
                f"Table {MART_SCHEMA}.fct_segment_metrics_monthly has no rows for segment 'all'. {BUILD_HINT}"
            )
        as_of_month = _to_date(company["month"].max())
        complete = company[company["is_complete_month"].astype(bool)]
        if complete.empty:
            raise ReportDataError(
                f"Table {MART_SCHEMA}.fct_segment_metrics_monthly has no complete month yet; "
                "the report needs at least one."
            )
        last_complete_month = _to_date(complete["month"].max())

        country_columns = ", ".join(f"m.{column}" for column in SEGMENT_METRIC_COLUMNS)
        country_monthly = con.execute(
            f"""
            select {country_columns}, c.alpha3_code, c.country_name
            from {MART_SCHEMA}.fct_segment_metrics_monthly as m
            left join {MART_SCHEMA}.dim_countries as c
                on m.segment_value = c.country_code
            where m.segment = 'country'
            order by m.segment_value, m.month
            """
        ).df()

        cohorts = _select(
            con,
            "fct_cohort_retention",
            COHORT_COLUMNS,
            "where segment in ('all', 'region') order by segment, segment_value, cohort_month, months_since_start",
        )

        quota, quota_missing_reason = read_quota(con, tables)
        if quota is None:
            logger.warning("Quota section left empty: %s", quota_missing_reason)
    except duckdb.Error as error:
        raise ReportDataError(f"Failed to read warehouse {warehouse}: {error}") from error
    finally:
        con.close()

    for frame in (region_monthly, country_monthly):
        frame["month"] = pd.to_datetime(frame["month"])
    cohorts["cohort_month"] = pd.to_datetime(cohorts["cohort_month"])

    unallocated = []
    if quota is not None:
        unallocated = unallocated_regions(region_monthly, _to_date(quota.region["as_of_month"].iloc[0]))

    logger.info(
        "Read %d region rows, %d country rows and %d cohort rows; as-of month %s, last complete month %s",
        len(region_monthly),
        len(country_monthly),
        len(cohorts),
        as_of_month,
        last_complete_month,
    )
    return ReportData(
        as_of_month=as_of_month,
        last_complete_month=last_complete_month,
        region_monthly=region_monthly,
        country_monthly=country_monthly,
        cohorts=cohorts,
        quota=quota,
        quota_missing_reason=quota_missing_reason,
        unallocated=unallocated,
    )
