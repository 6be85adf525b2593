"""Write the quota tables to the warehouse and to CSV files."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from scripts.quotas.inputs import Warehouse

LOGGER = logging.getLogger(__name__)

TABLE_NAMES = (
    "quota_recommendations_region",
    "quota_recommendations_rep",
    "quota_phasing_monthly",
    "quota_backtest",
)

DATE_COLUMNS = {"period_start", "period_end", "as_of_month", "month", "tenure_start"}
BOOLEAN_COLUMNS = {"is_provisional", "attained"}
INTEGER_COLUMNS = {"target_history_months", "sales_reps", "months_of_history", "deals_in_history", "tenure_months", "month_number"}
TEXT_COLUMNS = {
    "period", "region", "binding_constraint", "biggest_driver", "explanation", "data_quality_flag", "notes",
    "sales_rep_id", "sales_rep_name", "band_status", "level", "backtest_quarter", "target_rule",
}


def column_type(column: str) -> str:
    """Return the SQL type of an output column (the same name in DuckDB and PostgreSQL)."""
    if column in DATE_COLUMNS:
        return "date"
    if column in BOOLEAN_COLUMNS:
        return "boolean"
    if column in INTEGER_COLUMNS:
        return "bigint"
    if column in TEXT_COLUMNS:
        return "varchar"
    return "double precision"


# Numeric columns that may hold nulls; they are stored as double so that an
# all-null column still gets a numeric type in the warehouse.
NULLABLE_NUMBERS = {
    "reps_to_hire", "extra_leads_needed", "deals_needed", "leads_needed", "conversion_rate",
    "conversion_rate_raw", "churn_rate_raw_monthly", "z_productivity", "mean_rep_prob_reach",
    "stretch_ratio", "quota_error_ratio", "ramp_factor", "productivity_mrr", "productivity_raw_mrr",
    "deal_size_raw_mrr", "target_growth_rate",
}


def round_money(frame: pd.DataFrame) -> pd.DataFrame:
    """Round every ``*_mrr`` column to the cent and store nullable numbers as float."""
    rounded = frame.copy()
    for column in rounded.columns:
        if column.endswith("_mrr"):
            rounded[column] = pd.to_numeric(rounded[column], errors="coerce").astype(float).round(2)
        elif column in NULLABLE_NUMBERS:
            rounded[column] = pd.to_numeric(rounded[column], errors="coerce").astype(float)
    return rounded


def write_csv(tables: dict[str, pd.DataFrame], output_dir: Path) -> list[Path]:
    """Write each table as ``<name>.csv`` in ``output_dir``, creating the folder."""
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = output_dir / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def _plain_value(value: object) -> object:
    """Convert NaN to None and numpy scalars to Python values for psycopg2."""
    if pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_warehouse(warehouse: Warehouse, tables: dict[str, pd.DataFrame]) -> None:
    """Replace each table in the warehouse schema with the frame's rows."""
    schema = warehouse.schema
    if warehouse.engine == "duckdb":
        connection = warehouse.connection
        connection.execute(f"create schema if not exists {schema}")
        for name, frame in tables.items():
            columns = ", ".join(f'"{column}" {column_type(column)}' for column in frame.columns)
            casts = ", ".join(f'cast("{column}" as {column_type(column)})' for column in frame.columns)
            connection.execute(f"create or replace table {schema}.{name} ({columns})")
            connection.register("quota_frame", frame)
            connection.execute(f"insert into {schema}.{name} select {casts} from quota_frame")
            connection.unregister("quota_frame")
        return

    from psycopg2.extras import execute_values

    connection = warehouse.connection
    with connection.cursor() as cursor:
        cursor.execute(f'create schema if not exists "{schema}"')
        for name, frame in tables.items():
            columns = ", ".join(f'"{column}" {column_type(column)}' for column in frame.columns)
            cursor.execute(f'drop table if exists "{schema}"."{name}"')
            cursor.execute(f'create table "{schema}"."{name}" ({columns})')
            records = [tuple(_plain_value(value) for value in row) for row in frame.itertuples(index=False, name=None)]
            if records:
                execute_values(cursor, f'insert into "{schema}"."{name}" values %s', records)
    connection.commit()


def write_all(warehouse: Warehouse | None, tables: dict[str, pd.DataFrame], output_dir: Path) -> None:
    """Round money columns, then write CSV files and, when given, warehouse tables."""
    rounded = {name: round_money(frame) for name, frame in tables.items()}
    for path in write_csv(rounded, output_dir):
        LOGGER.info("wrote %s", path)
    if warehouse is not None:
        write_warehouse(warehouse, rounded)
        LOGGER.info("wrote %d tables to schema %s of %s", len(rounded), warehouse.schema, warehouse.label)
