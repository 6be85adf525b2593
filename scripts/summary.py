"""Summarise a built warehouse: the last complete month per region and the
quarantine counts per rule."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

REGION_QUERY = """
    select
        month,
        segment_value as region,
        mrr,
        customers,
        arpa,
        net_new_mrr,
        customer_churn_rate
    from marts.fct_segment_metrics_monthly
    where segment in ('region', 'all')
        and month = (
            select max(month) from marts.fct_segment_metrics_monthly where is_complete_month
        )
    order by case when segment = 'all' then 1 else 0 end, mrr desc, segment_value
"""

QUARANTINE_QUERY = """
    select table_name, rule, severity, count(*) as row_count
    from marts.fct_quarantine
    group by table_name, rule, severity
    order by severity, table_name, rule
"""


def read_frames(engine: str, warehouse: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if engine == "duckdb":
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.sql(REGION_QUERY).df(), connection.sql(QUARANTINE_QUERY).df()

    if engine == "spark":
        from scripts.spark_session import open_session

        session = open_session()
        return (
            session.sql(REGION_QUERY).toPandas(),
            session.sql(QUARANTINE_QUERY).toPandas(),
        )

    import psycopg2

    with psycopg2.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD", ""),
        dbname=os.environ.get("PGDATABASE", "warehouse"),
    ) as connection:
        frames = []
        for query in (REGION_QUERY, QUARANTINE_QUERY):
            with connection.cursor() as cursor:
                cursor.execute(query)
                names = [column.name for column in cursor.description]
                frames.append(pd.DataFrame(cursor.fetchall(), columns=names))
        return frames[0], frames[1]


def read_summary(engine: str, warehouse: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the region rows of the last complete month and the quarantine counts."""
    return read_frames(engine, warehouse)


def format_money(value) -> str:
    return "" if pd.isna(value) else f"{float(value):,.2f}"


def format_rate(value) -> str:
    return "" if pd.isna(value) else f"{float(value) * 100:.1f} %"


def format_summary(frames: tuple[pd.DataFrame, pd.DataFrame]) -> str:
    """Render the summary as plain-text tables."""
    regions, quarantine = frames
    lines = []
    if regions.empty:
        lines.append(
            "No paying customer in any complete month: nothing to summarise per region. "
            "If billing lines were expected, see the quarantine below."
        )
    else:
        lines += format_regions(regions)
    if quarantine.empty:
        lines.append("Quarantine: no rows broke a contract rule.")
    else:
        lines.append(
            "Quarantine (rows per rule; rejected rows are in no fact). The rows are in "
            "marts.fct_quarantine, and docs/data_quality.md says how to fix each rule:"
        )
        lines.append(quarantine.to_string(index=False))
    return "\n".join(lines)


def format_regions(regions: pd.DataFrame) -> list[str]:
    month = pd.Timestamp(regions["month"].iloc[0]).strftime("%Y-%m")
    table = pd.DataFrame(
        {
            "region": regions["region"].replace({"all": "All regions"}),
            "MRR": regions["mrr"].map(format_money),
            "customers": regions["customers"].astype(int),
            "ARPA": regions["arpa"].map(format_money),
            "net new MRR": regions["net_new_mrr"].map(format_money),
            "customer churn (month)": regions["customer_churn_rate"].map(format_rate),
        }
    )
    return [
        f"Last complete month: {month} (base currency, segments as of each month end)",
        table.to_string(index=False),
    ]
