"""Tests for the Great Expectations checkpoint runner (scripts/validation).

A fixture builds a small DuckDB warehouse with the duckdb module: the raw
contract tables as text columns and every mart table with its documented
columns. The runner runs as a subprocess, as a user would start it, and the
tests check its exit status and the exact counts it prints.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scripts.validation.contract import load_contract  # noqa: E402

PG_ENV_FILE = Path(os.environ.get("PG_TEST_DIR", "/tmp/revenue-warehouse-pg")) / "env"

# ---------------------------------------------------------------------------
# Fixture data
# ---------------------------------------------------------------------------

# Raw rows by table. Columns not named in a row are null. The line item
# `li5` has an unknown customer and `li6` a negative amount on a line that is
# not prorated: both are row-level problems that the build quarantines, so
# they fail two warning expectations and nothing critical.
RAW_ROWS: dict[str, list[dict[str, str]]] = {
    "customers": [
        {"customer_id": "c1", "name": "Ana", "country": "US", "channel": "ads",
         "created_at": "2023-12-20", "lead_created_at": "2023-12-01"},
        {"customer_id": "c2", "name": "Bo", "country": "DE", "channel": "organic",
         "created_at": "2024-01-10T08:30:00Z"},
        {"customer_id": "c3", "country": "United Kingdom", "created_at": "2024-01-20",
         "trial_started_at": "2024-01-20"},
    ],
    "customer_attributes": [],
    "sales_reps": [
        {"sales_rep_id": "r1", "name": "Rui", "team": "emea", "region": "Europe",
         "hired_on": "2022-03-01"},
    ],
    "plans": [
        {"plan_id": "p_month", "name": "Monthly", "interval_unit": "month", "interval_count": "1"},
        {"plan_id": "p_year", "name": "Yearly", "interval_unit": "year", "interval_count": "1"},
    ],
    "line_items": [
        {"line_item_id": "li1", "invoice_id": "i1", "invoice_date": "2024-01-01",
         "customer_id": "c1", "subscription_id": "s1", "plan_id": "p_month",
         "kind": "subscription", "service_period_start": "2024-01-01",
         "service_period_end": "2024-02-01", "currency": "USD", "amount": "100.00",
         "quantity": "1", "prorated": "false"},
        {"line_item_id": "li2", "invoice_id": "i2", "invoice_date": "2024-01-15",
         "customer_id": "c2", "subscription_id": "s2", "plan_id": "p_year",
         "kind": "subscription", "service_period_start": "2024-01-15",
         "service_period_end": "2025-01-15", "currency": "EUR", "amount": "1200",
         "tax_amount": "228.00", "quantity": "2", "prorated": "false"},
        {"line_item_id": "li3", "invoice_id": "i1", "invoice_date": "2024-01-01",
         "customer_id": "c1", "kind": "one_time", "currency": "USD", "amount": "50"},
        {"line_item_id": "li4", "invoice_id": "i3", "invoice_date": "2024-01-20",
         "customer_id": "c1", "subscription_id": "s1", "plan_id": "p_month",
         "kind": "subscription", "service_period_start": "2024-01-20",
         "service_period_end": "2024-02-01", "currency": "USD", "amount": "-38.71",
         "prorated": "true", "cancelled_at": "2024-01-20 10:00:00"},
        {"line_item_id": "li5", "invoice_id": "i4", "invoice_date": "2024-01-05",
         "customer_id": "c9", "subscription_id": "s9", "plan_id": "p_month",
         "kind": "subscription", "service_period_start": "2024-01-05",
         "service_period_end": "2024-02-05", "currency": "USD", "amount": "10"},
        {"line_item_id": "li6", "invoice_id": "i5", "invoice_date": "2024-01-06",
         "customer_id": "c2", "kind": "one_time", "currency": "EUR", "amount": "-5.00",
         "prorated": "false"},
    ],
    "subscriptions": [],
    "transactions": [
        {"transaction_id": "t1", "invoice_id": "i1", "kind": "payment", "result": "successful",
         "occurred_at": "2024-01-02T09:00:00Z", "amount": "150.00"},
    ],
    "exchange_rates": [
        {"rate_date": "2024-01-01", "currency": "EUR", "rate_to_base": "1.10"},
    ],
}

# Mart tables: (column, SQL type) pairs valid in DuckDB and PostgreSQL, then rows.
MONEY = "numeric(18,2)"
RATIO = "double precision"
MART_TABLES: dict[str, tuple[list[tuple[str, str]], list[tuple]]] = {
    "dim_customers": (
        [("customer_id", "text"), ("country_code", "text"), ("country_name", "text"),
         ("region", "text"), ("channel", "text"), ("created_at", "timestamp"),
         ("lead_created_at", "timestamp"), ("trial_started_at", "timestamp"),
         ("first_paid_on", "date"), ("cohort_month", "date"), ("current_mrr", MONEY),
         ("is_paying", "boolean"), ("sales_rep_id", "text")],
        [
            ("c1", "US", "United States", "North America", "ads", "2023-12-20", "2023-12-01",
             None, "2024-01-01", "2024-01-01", 0, False, None),
            ("c2", "DE", "Germany", "Europe", "organic", "2024-01-10 08:30:00", None, None,
             "2024-01-15", "2024-01-01", 100, True, "r1"),
            ("c3", "GB", "United Kingdom", "Europe", None, "2024-01-20", None, "2024-01-20",
             None, None, 0, False, None),
        ],
    ),
    "dim_sales_reps": (
        [("sales_rep_id", "text"), ("sales_rep_name", "text"), ("team", "text"),
         ("region", "text"), ("hired_on", "date"), ("left_on", "date"), ("is_active", "boolean")],
        [("r1", "Rui", "emea", "Europe", "2022-03-01", None, True)],
    ),
    "dim_plans": (
        [("plan_id", "text"), ("plan_name", "text"), ("interval_unit", "text"),
         ("interval_count", "integer"), ("months_per_interval", RATIO)],
        [("p_month", "Monthly", "month", 1, 1.0), ("p_year", "Yearly", "year", 1, 12.0)],
    ),
    "dim_countries": (
        [("country_code", "text"), ("country_name", "text"), ("alpha3_code", "text"),
         ("numeric_code", "text"), ("region", "text")],
        [("US", "United States", "USA", "840", "North America"),
         ("DE", "Germany", "DEU", "276", "Europe"),
         ("GB", "United Kingdom", "GBR", "826", "Europe"),
         ("XX", "Unknown", None, None, "unassigned")],
    ),
    "fct_mrr_movements": (
        [("customer_id", "text"), ("movement_date", "date"), ("movement_month", "date"),
         ("movement_type", "text"), ("mrr_change", MONEY), ("mrr_before", MONEY),
         ("mrr_after", MONEY), ("transfer_segment", "text"), ("transfer_segment_value", "text"),
         ("country_code", "text"), ("region", "text"), ("channel", "text"),
         ("plan_id", "text"), ("sales_rep_id", "text")],
        [
            ("c1", "2024-01-01", "2024-01-01", "new_business", 100, 0, 100, None, None,
             "US", "North America", "ads", "p_month", None),
            ("c2", "2024-01-15", "2024-01-01", "new_business", 100, 0, 100, None, None,
             "DE", "Europe", "organic", "p_year", None),
            ("c1", "2024-02-01", "2024-02-01", "churn", -100, 100, 0, None, None,
             "US", "North America", "ads", "p_month", None),
            ("c2", "2024-02-10", "2024-02-01", "transfer_out", -100, 100, 0, "sales_rep_id",
             "unassigned", "DE", "Europe", "organic", "p_year", None),
            ("c2", "2024-02-10", "2024-02-01", "transfer_in", 100, 0, 100, "sales_rep_id",
             "r1", "DE", "Europe", "organic", "p_year", "r1"),
        ],
    ),
    "fct_customer_mrr_monthly": (
        [("customer_id", "text"), ("month", "date"), ("mrr", MONEY), ("arr", MONEY),
         ("is_paying", "boolean"), ("country_code", "text"), ("region", "text"),
         ("channel", "text"), ("plan_id", "text"), ("sales_rep_id", "text")],
        [
            ("c1", "2024-01-01", 100, 1200, True, "US", "North America", "ads", "p_month", None),
            ("c1", "2024-02-01", 0, 0, False, "US", "North America", "ads", "p_month", None),
            ("c2", "2024-01-01", 100, 1200, True, "DE", "Europe", "organic", "p_year", None),
            ("c2", "2024-02-01", 100, 1200, True, "DE", "Europe", "organic", "p_year", "r1"),
        ],
    ),
    "fct_segment_metrics_monthly": (
        [("month", "date"), ("segment", "text"), ("segment_value", "text"),
         ("is_complete_month", "boolean"), ("mrr_start", MONEY), ("mrr", MONEY), ("arr", MONEY),
         ("customers_start", "integer"), ("customers", "integer"), ("new_customers", "integer"),
         ("reactivated_customers", "integer"), ("churned_customers", "integer"),
         ("new_business_mrr", MONEY), ("expansion_mrr", MONEY), ("contraction_mrr", MONEY),
         ("churn_mrr", MONEY), ("reactivation_mrr", MONEY), ("fx_adjustment_mrr", MONEY),
         ("transfer_in_mrr", MONEY), ("transfer_out_mrr", MONEY), ("net_new_mrr", MONEY),
         ("arpa", MONEY), ("asp", MONEY), ("customer_churn_rate", RATIO),
         ("gross_mrr_churn_rate", RATIO), ("net_mrr_churn_rate", RATIO),
         ("net_revenue_retention", RATIO), ("gross_revenue_retention", RATIO),
         ("quick_ratio", RATIO), ("ltv", MONEY), ("leads", "integer"), ("trials", "integer"),
         ("trials_converted", "integer"), ("trial_conversion_rate", RATIO)],
        [
            # month, segment, value, complete, start, mrr, arr, cust_start, cust, new, react,
            # churned, new_mrr, exp, contr, churn, react_mrr, fx, t_in, t_out, net_new,
            # arpa, asp, cust_churn, gross_churn, net_churn, nrr, grr, quick, ltv,
            # leads, trials, trials_converted, trial_conversion
            ("2024-01-01", "all", "all", True, 0, 200, 2400, 0, 2, 2, 0, 0,
             200, 0, 0, 0, 0, 0, 0, 0, 200, 100, 100, None, None, None, None, None, None, None,
             0, 1, 0, 0.0),
            ("2024-02-01", "all", "all", True, 200, 100, 1200, 2, 1, 0, 0, 1,
             0, 0, 0, -100, 0, 0, 100, -100, -100, 100, None, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 200,
             0, 0, 0, None),
            ("2024-02-01", "sales_rep_id", "unassigned", True, 200, 0, 0, 2, 0, 0, 0, 1,
             0, 0, 0, -100, 0, 0, 0, -100, -200, None, None, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, None,
             0, 0, 0, None),
            ("2024-02-01", "sales_rep_id", "r1", True, 0, 100, 1200, 0, 1, 0, 0, 0,
             0, 0, 0, 0, 0, 0, 100, 0, 100, 100, None, None, None, None, None, None, None, None,
             0, 0, 0, None),
        ],
    ),
    "fct_cohort_retention": (
        [("cohort_month", "date"), ("months_since_start", "integer"), ("month", "date"),
         ("segment", "text"), ("segment_value", "text"), ("cohort_customers", "integer"),
         ("cohort_mrr", MONEY), ("customers_retained", "integer"), ("mrr_retained", MONEY),
         ("customer_retention", RATIO), ("mrr_retention", RATIO)],
        [
            ("2024-01-01", 0, "2024-01-01", "all", "all", 2, 200, 2, 200, 1.0, 1.0),
            ("2024-01-01", 1, "2024-02-01", "all", "all", 2, 200, 1, 100, 0.5, 0.5),
        ],
    ),
    "fct_quarantine": (
        [("table_name", "text"), ("row_key", "text"), ("rule", "text"), ("severity", "text"),
         ("raw_values", "text"), ("source_row_number", "integer")],
        [
            ("line_items", "li5", "unknown_customer", "error", '{"customer_id": "c9"}', 5),
            ("line_items", "li6", "negative_amount_not_prorated", "error", '{"amount": "-5.00"}', 6),
        ],
    ),
}


def raw_table_definitions() -> dict[str, list[str]]:
    """Return the raw tables' columns in contract order, plus the loader's row number."""
    return {
        table.name: [*table.columns, "_source_row_number"] for table in load_contract()
    }


def fixture_statements() -> list[tuple[str, list[tuple]]]:
    """Return (DDL or insert statement, rows) pairs that build the fixture warehouse.

    Inserts use the `%s` placeholder style of psycopg2; DuckDB callers
    replace it with `?`.
    """
    statements: list[tuple[str, list[tuple]]] = [
        ("create schema raw", []),
        ("create schema marts", []),
    ]
    for table, columns in raw_table_definitions().items():
        column_sql = ", ".join(
            f"{c} integer" if c == "_source_row_number" else f"{c} text" for c in columns
        )
        statements.append((f"create table raw.{table} ({column_sql})", []))
        rows = [
            tuple(row.get(c) for c in columns[:-1]) + (number,)
            for number, row in enumerate(RAW_ROWS[table], start=1)
        ]
        if rows:
            placeholders = ", ".join(["%s"] * len(columns))
            statements.append((f"insert into raw.{table} values ({placeholders})", rows))
    for table, (columns, rows) in MART_TABLES.items():
        column_sql = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
        statements.append((f"create table marts.{table} ({column_sql})", []))
        placeholders = ", ".join(["%s"] * len(columns))
        statements.append((f"insert into marts.{table} values ({placeholders})", rows))
    return statements


def build_duckdb_warehouse(path: Path) -> Path:
    connection = duckdb.connect(str(path))
    for statement, rows in fixture_statements():
        if rows:
            connection.executemany(statement.replace("%s", "?"), rows)
        else:
            connection.execute(statement)
    connection.close()
    return path


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory) -> Path:
    return build_duckdb_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")


@pytest.fixture
def warehouse_copy(clean_warehouse, tmp_path) -> Path:
    """Return a copy of the fixture warehouse that a test may change."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_warehouse, path)
    return path


def run_validation(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts.validation", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


SUITE_LINE = re.compile(
    r"^(?P<suite>(?:raw|marts)\.\S+)\s+critical (?P<cp>\d+) passed / (?P<cf>\d+) failed, "
    r"warning (?P<wp>\d+) passed / (?P<wf>\d+) failed$"
)


def parse_counts(stdout: str) -> dict[str, tuple[int, int, int, int]]:
    """Map each suite to (critical passed, critical failed, warning passed, warning failed)."""
    counts = {}
    for line in stdout.splitlines():
        match = SUITE_LINE.match(line)
        if match:
            counts[match["suite"]] = tuple(int(match[k]) for k in ("cp", "cf", "wp", "wf"))
    return counts


def execute(path: Path, *statements: str) -> None:
    connection = duckdb.connect(str(path))
    for statement in statements:
        connection.execute(statement)
    connection.close()


# Expected counts on the fixture warehouse, per suite:
# (critical passed, critical failed, warning passed, warning failed).
EXPECTED_COUNTS = {
    # row count, customer_id exists, optional columns, key not null + unique,
    # 3 timestamp regexes
    "raw.customers": (2, 0, 6, 0),
    # 4 required columns exist, key not null x3 + compound unique,
    # customer_id in customers, valid_from regex
    "raw.customer_attributes": (4, 0, 6, 0),
    # sales_rep_id exists, optional columns, key not null + unique, 2 date
    # regexes, left_on not before hired_on
    "raw.sales_reps": (1, 0, 6, 0),
    # row count, 3 required columns exist, optional columns, key not null +
    # unique, interval_unit and interval_count not null, interval_unit in set,
    # interval_count regex
    "raw.plans": (4, 0, 7, 0),
    # 7 required columns exist, optional columns, key not null + unique,
    # 4 not null, kind in set, 6 regexes, 4 timestamp regexes, 2 references,
    # date order, negative amount only when prorated. Fails: unknown customer
    # c9 and the negative unprorated amount of li6.
    "raw.line_items": (7, 0, 20, 2),
    # 6 required columns exist, optional columns, key not null x2 + compound
    # unique, 4 not null, 4 regexes, 2 timestamp regexes, 2 references,
    # date order
    "raw.subscriptions": (6, 0, 17, 0),
    # 6 required columns exist, key not null + unique, kind and result in
    # set, amount regex, timestamp regex
    "raw.transactions": (6, 0, 6, 0),
    # 3 required columns exist, key not null x2 + compound unique,
    # rate_to_base not null, 2 regexes, timestamp regex
    "raw.exchange_rates": (3, 0, 7, 0),
    "raw.billing_lines": (1, 0, 0, 0),
    # columns, grain not null + unique, current_mrr >= 0
    "marts.dim_customers": (4, 0, 0, 0),
    "marts.dim_sales_reps": (3, 0, 0, 0),
    # columns, grain (2), interval_count and months_per_interval >= 0,
    # interval_unit in set
    "marts.dim_plans": (6, 0, 0, 0),
    "marts.dim_countries": (3, 0, 0, 0),
    # columns, 3 grain not null + compound unique, mrr_before and mrr_after
    # >= 0, movement_type in set and not null, movement direction
    "marts.fct_mrr_movements": (10, 0, 0, 0),
    # columns, 2 grain not null + compound unique, mrr and arr >= 0
    "marts.fct_customer_mrr_monthly": (6, 0, 0, 0),
    # columns, 3 grain not null + compound unique, 15 non-negative,
    # 3 non-positive, 3 ratios in [0, 1], reconciliation residual
    "marts.fct_segment_metrics_monthly": (27, 0, 0, 0),
    # columns, 4 grain not null + compound unique, 5 non-negative,
    # customer_retention in [0, 1]
    "marts.fct_cohort_retention": (12, 0, 0, 0),
    # columns, table_name in set and not null, rule not null
    "marts.fct_quarantine": (4, 0, 0, 0),
    "marts.fct_segment_metrics_monthly.transfers": (1, 0, 0, 0),
}


# ---------------------------------------------------------------------------
# DuckDB tests
# ---------------------------------------------------------------------------


def test_clean_warehouse_exact_counts(clean_warehouse, tmp_path):
    result = run_validation("--warehouse", str(clean_warehouse), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert parse_counts(result.stdout) == EXPECTED_COUNTS
    assert "Total: critical 110 passed / 0 failed, warning 75 passed / 2 failed" in result.stdout
    assert "Traceback" not in result.stderr


def test_clean_warehouse_reports_warnings(clean_warehouse, tmp_path):
    result = run_validation("--warehouse", str(clean_warehouse), "--output-dir", str(tmp_path / "out"))

    assert "[warning] raw.line_items column customer_id: expect_column_values_to_be_in_set failed: " \
        "1 of 6 rows unexpected, examples: ['c9']" in result.stdout
    assert "[warning] raw.line_items column negative_amount_not_prorated: " \
        "expect_column_values_to_be_null failed: 1 of 6 rows unexpected, examples: ['-5.00']" \
        in result.stdout


def test_clean_warehouse_writes_data_docs(clean_warehouse, tmp_path):
    output_dir = tmp_path / "out"
    run_validation("--warehouse", str(clean_warehouse), "--output-dir", str(output_dir))

    index = output_dir / "data_docs" / "index.html"
    assert index.is_file()
    assert "raw.line_items" in index.read_text(encoding="utf-8")
    assert (output_dir / "gx" / "gx" / "great_expectations.yml").is_file()
    validation_pages = list((output_dir / "data_docs" / "validations").rglob("*.html"))
    assert len(validation_pages) == len(EXPECTED_COUNTS)


def test_rerun_same_output_dir(clean_warehouse, tmp_path):
    output_dir = tmp_path / "out"
    first = run_validation("--warehouse", str(clean_warehouse), "--output-dir", str(output_dir))
    second = run_validation("--warehouse", str(clean_warehouse), "--output-dir", str(output_dir))

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert parse_counts(second.stdout) == EXPECTED_COUNTS


def test_empty_strings_count_as_null(warehouse_copy, tmp_path):
    # The loader writes an empty CSV cell as '', which the checks treat as null.
    execute(
        warehouse_copy,
        "update raw.line_items set plan_id = '', service_period_start = '', "
        "service_period_end = ' ' where line_item_id = 'li3'",
        "update raw.customers set trial_started_at = '' where trial_started_at is null",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert parse_counts(result.stdout) == EXPECTED_COUNTS


def test_duplicate_grain_row_fails(warehouse_copy, tmp_path):
    execute(
        warehouse_copy,
        "insert into marts.fct_customer_mrr_monthly select * from marts.fct_customer_mrr_monthly "
        "where customer_id = 'c2' and month = date '2024-02-01'",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    assert parse_counts(result.stdout)["marts.fct_customer_mrr_monthly"] == (5, 1, 0, 0)
    assert "[critical] marts.fct_customer_mrr_monthly column customer_id, month: " \
        "expect_compound_columns_to_be_unique failed" in result.stdout
    assert "'customer_id': 'c2'" in result.stdout
    assert "validation failed: 1 critical expectation(s) failed and 2 warning(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreconciled_segment_row_fails(warehouse_copy, tmp_path):
    execute(
        warehouse_copy,
        "update marts.fct_segment_metrics_monthly set mrr = 105, arr = 1260 "
        "where segment = 'all' and month = date '2024-02-01'",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    assert parse_counts(result.stdout)["marts.fct_segment_metrics_monthly"] == (26, 1, 0, 0)
    assert "[critical] marts.fct_segment_metrics_monthly column reconciliation_residual: " \
        "expect_column_values_to_be_between failed: 1 of 4 rows unexpected, examples: [5.0]" \
        in result.stdout


def test_transfer_imbalance_in_segment_all_fails(warehouse_copy, tmp_path):
    # Net transfers of 20 in segment `all`, with mrr adjusted so the row still reconciles.
    execute(
        warehouse_copy,
        "update marts.fct_segment_metrics_monthly set transfer_in_mrr = 120, mrr = 120 "
        "where segment = 'all' and month = date '2024-02-01'",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    counts = parse_counts(result.stdout)
    assert counts["marts.fct_segment_metrics_monthly.transfers"] == (0, 1, 0, 0)
    assert counts["marts.fct_segment_metrics_monthly"] == (27, 0, 0, 0)
    assert "column net_transfer_mrr" in result.stdout
    assert "examples: [20.0]" in result.stdout


def test_mart_invariants_fail_as_critical(warehouse_copy, tmp_path):
    execute(
        warehouse_copy,
        "update marts.fct_mrr_movements set movement_type = 'upgrade' "
        "where customer_id = 'c1' and movement_type = 'new_business'",
        "update marts.fct_segment_metrics_monthly set customer_churn_rate = 1.5 "
        "where segment = 'all' and month = date '2024-02-01'",
        "update marts.fct_customer_mrr_monthly set mrr = -1 where customer_id = 'c1' "
        "and month = date '2024-02-01'",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    counts = parse_counts(result.stdout)
    # movement_type in set fails; the movement-direction check ignores unknown types.
    assert counts["marts.fct_mrr_movements"] == (9, 1, 0, 0)
    assert counts["marts.fct_segment_metrics_monthly"] == (26, 1, 0, 0)
    assert counts["marts.fct_customer_mrr_monthly"] == (5, 1, 0, 0)
    assert "column movement_type: expect_column_values_to_be_in_set failed: 1 of 5 rows " \
        "unexpected, examples: ['upgrade']" in result.stdout
    assert "column customer_churn_rate" in result.stdout
    assert "examples: [1.5]" in result.stdout


def test_wrong_movement_sign_fails(warehouse_copy, tmp_path):
    execute(
        warehouse_copy,
        "update marts.fct_mrr_movements set mrr_change = 100 where movement_type = 'churn'",
    )

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    assert parse_counts(result.stdout)["marts.fct_mrr_movements"] == (9, 1, 0, 0)
    assert "column mrr_change_in_movement_direction" in result.stdout


def test_missing_required_column_is_critical(warehouse_copy, tmp_path):
    execute(warehouse_copy, "alter table raw.plans drop column interval_unit")

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    # The checks on interval_unit (not null, in set) are left out, and its
    # expect_column_to_exist fails.
    assert parse_counts(result.stdout)["raw.plans"] == (3, 1, 5, 0)
    assert "[critical] raw.plans column interval_unit: expect_column_to_exist failed" in result.stdout


def test_empty_required_table_is_critical(warehouse_copy, tmp_path):
    execute(warehouse_copy, "delete from raw.customers")

    result = run_validation("--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"))

    assert result.returncode == 1
    assert parse_counts(result.stdout)["raw.customers"] == (1, 1, 6, 0)
    assert "[critical] raw.customers: expect_table_row_count_to_be_between failed: observed value: 0" \
        in result.stdout
    # With no customers every customer reference in line items is unknown.
    assert parse_counts(result.stdout)["raw.line_items"] == (7, 0, 20, 2)
    assert "[warning] raw.line_items column customer_id: expect_column_values_to_be_in_set " \
        "failed: 6 of 6 rows unexpected" in result.stdout


def test_no_billing_lines_is_critical(warehouse_copy, tmp_path):
    execute(warehouse_copy, "delete from raw.line_items")

    result = run_validation(
        "--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"), "--suites", "raw"
    )

    assert result.returncode == 1
    counts = parse_counts(result.stdout)
    assert counts["raw.billing_lines"] == (0, 1, 0, 0)
    assert counts["raw.line_items"] == (7, 0, 22, 0)
    assert not any(name.startswith("marts.") for name in counts)


def test_missing_mart_table_is_critical(warehouse_copy, tmp_path):
    execute(warehouse_copy, "drop table marts.fct_cohort_retention")

    result = run_validation(
        "--warehouse", str(warehouse_copy), "--output-dir", str(tmp_path / "out"), "--suites", "marts"
    )

    assert result.returncode == 1
    assert parse_counts(result.stdout)["marts.fct_cohort_retention"] == (0, 1, 0, 0)
    assert "table marts.fct_cohort_retention not found" in result.stdout


def test_missing_warehouse_file_exits_2(tmp_path):
    result = run_validation("--warehouse", str(tmp_path / "absent.duckdb"), "--output-dir", str(tmp_path))

    assert result.returncode == 2
    assert "warehouse file" in result.stderr
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------
# PostgreSQL tests
# ---------------------------------------------------------------------------


def read_pg_env() -> dict[str, str]:
    """Read the `export NAME=value` lines that scripts/pg_server.sh writes."""
    values = {}
    for line in PG_ENV_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("export "):
            for assignment in shlex.split(line[len("export "):]):
                name, _, value = assignment.partition("=")
                values[name] = value
    return values


# A database of its own, so the fixture never touches schemas that other
# tests build in the server's default database.
PG_FIXTURE_DATABASE = "validation_fixture"


@pytest.fixture(scope="module")
def postgres_env():
    if not PG_ENV_FILE.is_file():
        pytest.skip(
            f"PostgreSQL test server not running: {PG_ENV_FILE} not found; "
            "start it with scripts/pg_server.sh start"
        )
    psycopg2 = pytest.importorskip("psycopg2")
    pg_env = read_pg_env()
    connect_kwargs = {
        "host": pg_env.get("PGHOST"),
        "port": pg_env.get("PGPORT"),
        "user": pg_env.get("PGUSER"),
        "password": pg_env.get("PGPASSWORD") or None,
    }
    admin = psycopg2.connect(dbname=pg_env.get("PGDATABASE"), **connect_kwargs)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"drop database if exists {PG_FIXTURE_DATABASE}")
        cursor.execute(f"create database {PG_FIXTURE_DATABASE}")

    connection = psycopg2.connect(dbname=PG_FIXTURE_DATABASE, **connect_kwargs)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement, rows in fixture_statements():
            if rows:
                cursor.executemany(statement, rows)
            else:
                cursor.execute(statement)

    env = {**os.environ, **pg_env, "PGDATABASE": PG_FIXTURE_DATABASE}
    yield env, connection

    connection.close()
    with admin.cursor() as cursor:
        cursor.execute(f"drop database if exists {PG_FIXTURE_DATABASE}")
    admin.close()


@pytest.mark.postgres
def test_postgres_clean_exact_counts(postgres_env, tmp_path):
    env, _connection = postgres_env

    result = run_validation("--engine", "postgres", "--output-dir", str(tmp_path / "out"), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert parse_counts(result.stdout) == EXPECTED_COUNTS
    assert "examples: ['c9']" in result.stdout
    assert (tmp_path / "out" / "data_docs" / "index.html").is_file()


@pytest.mark.postgres
def test_postgres_broken_marts_fail(postgres_env, tmp_path):
    env, connection = postgres_env
    with connection.cursor() as cursor:
        cursor.execute(
            "insert into marts.fct_customer_mrr_monthly select * from marts.fct_customer_mrr_monthly "
            "where customer_id = 'c2' and month = date '2024-02-01'"
        )
        cursor.execute(
            "update marts.fct_segment_metrics_monthly set mrr = 105 "
            "where segment = 'all' and month = date '2024-02-01'"
        )
    try:
        result = run_validation("--engine", "postgres", "--output-dir", str(tmp_path / "out"), env=env)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "delete from marts.fct_customer_mrr_monthly where ctid in (select max(ctid) "
                "from marts.fct_customer_mrr_monthly where customer_id = 'c2' "
                "and month = date '2024-02-01')"
            )
            cursor.execute(
                "update marts.fct_segment_metrics_monthly set mrr = 100 "
                "where segment = 'all' and month = date '2024-02-01'"
            )

    assert result.returncode == 1
    counts = parse_counts(result.stdout)
    assert counts["marts.fct_customer_mrr_monthly"] == (5, 1, 0, 0)
    assert counts["marts.fct_segment_metrics_monthly"] == (26, 1, 0, 0)
    assert "[critical] marts.fct_segment_metrics_monthly column reconciliation_residual" in result.stdout
    assert "examples: [5.0]" in result.stdout
    assert "Traceback" not in result.stderr
