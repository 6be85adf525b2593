"""Read the marts the quota engine needs, from DuckDB or PostgreSQL.

The only module that opens a warehouse connection. PostgreSQL settings come
from the libpq environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scripts.quotas.engine import SEGMENT_COLUMNS, QuotaInputs

REQUIRED_MARTS = ("fct_segment_metrics_monthly", "dim_sales_reps", "fct_mrr_movements")


class WarehouseError(Exception):
    """A user-fixable problem with the warehouse: missing file, schema or mart."""


@dataclass
class Warehouse:
    """An open warehouse connection and its engine (``duckdb`` or ``postgres``)."""

    engine: str
    connection: Any
    schema: str
    label: str

    def close(self) -> None:
        self.connection.close()


def connect(engine: str, warehouse_path: Path | None, schema: str) -> Warehouse:
    """Open the warehouse read-write (the outputs go back into it)."""
    if engine == "duckdb":
        import duckdb

        if warehouse_path is None or not warehouse_path.is_file():
            raise WarehouseError(
                f"warehouse file not found: {warehouse_path}; build it with `dbt build` "
                "or pass the path with --warehouse"
            )
        try:
            connection = duckdb.connect(str(warehouse_path))
        except duckdb.Error as error:
            raise WarehouseError(f"cannot open warehouse {warehouse_path}: {error}") from error
        return Warehouse("duckdb", connection, schema, str(warehouse_path))

    import psycopg2

    try:
        connection = psycopg2.connect("")
    except psycopg2.OperationalError as error:
        target = f"{os.environ.get('PGHOST', 'localhost')}:{os.environ.get('PGPORT', '5432')}/{os.environ.get('PGDATABASE', '')}"
        raise WarehouseError(
            f"cannot connect to PostgreSQL at {target}: {str(error).strip()}; "
            "set PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE"
        ) from error
    return Warehouse("postgres", connection, schema, f"PostgreSQL database {connection.info.dbname}")


def _query(warehouse: Warehouse, sql: str, parameters: tuple = ()) -> pd.DataFrame:
    if warehouse.engine == "duckdb":
        return warehouse.connection.execute(sql.replace("%s", "?"), list(parameters)).df()
    with warehouse.connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        columns = [item[0] for item in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)


def check_marts(warehouse: Warehouse) -> None:
    """Raise WarehouseError naming each required mart that is missing."""
    found = _query(
        warehouse,
        "select table_name from information_schema.tables where table_schema = %s",
        (warehouse.schema,),
    )
    missing = [name for name in REQUIRED_MARTS if name not in set(found["table_name"])]
    if missing:
        raise WarehouseError(
            f"missing mart tables in schema {warehouse.schema} of {warehouse.label}: "
            f"{', '.join(missing)}; build the marts first (`dbt build`)"
        )


def load_inputs(warehouse: Warehouse) -> QuotaInputs:
    """Read segment metrics, sales reps and new-business deals from the marts."""
    check_marts(warehouse)
    schema = warehouse.schema
    segment_monthly = _query(
        warehouse,
        f"select {', '.join(SEGMENT_COLUMNS)} from {schema}.fct_segment_metrics_monthly "
        "where segment in ('all', 'region', 'sales_rep_id')",
    )
    sales_reps = _query(
        warehouse,
        f"select cast(sales_rep_id as varchar) as sales_rep_id, sales_rep_name, region, hired_on, left_on "
        f"from {schema}.dim_sales_reps",
    )
    deals = _query(
        warehouse,
        f"select movement_month, region, cast(sales_rep_id as varchar) as sales_rep_id, mrr_change "
        f"from {schema}.fct_mrr_movements where movement_type = 'new_business'",
    )
    return QuotaInputs(segment_monthly, sales_reps, deals)
