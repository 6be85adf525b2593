"""Every metric case, built into a real warehouse on DuckDB, PostgreSQL and
Spark, matches its expected rows within 0.01."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import pandas as pd
import pytest

from case_fixtures import CASE_ATTRIBUTE, Case, load_cases, plan_groups, write_merged_input
from warehouse_builds import Warehouse, build_warehouse

TOLERANCE = 0.01
CASES = {case.name: case for case in load_cases()}
SEGMENT_COLUMNS = {
    "country": "country_code",
    "region": "region",
    "channel": "channel",
    "plan": "plan_id",
    "sales_rep_id": "sales_rep_id",
}


def variant_variables(variant: str) -> dict[str, str]:
    if not variant:
        return {}
    name, value = variant.split("=", 1)
    return {name: value}


def plan_builds() -> dict[tuple[str, str], tuple[str, list[Case]]]:
    """Map (variant, case name) to the build that contains the case."""
    builds = {}
    variants = sorted({variant for case in CASES.values() for variant, _ in case.expectations})
    for variant in variants:
        members = [
            case for case in CASES.values()
            if any(key[0] == variant for key in case.expectations)
        ]
        for index, group in enumerate(plan_groups(members)):
            build_id = f"{variant or 'default'}-{index}"
            for case in group:
                builds[(variant, case.name)] = (build_id, group)
    return builds


BUILDS = plan_builds()


def expectation_params():
    params = []
    for case in CASES.values():
        for variant, kind in case.expectations:
            params.append(pytest.param(case.name, variant, kind, id=f"{case.name}-{variant or 'default'}-{kind}"))
        if ("", "quarantine") not in case.expectations:
            params.append(pytest.param(case.name, "", "no_quarantine", id=f"{case.name}-default-no_quarantine"))
    return params


@pytest.fixture(scope="session")
def case_warehouse(tmp_path_factory, request):
    built: dict[tuple[str, str], Warehouse] = {}

    def get(engine: str, variant: str, case_name: str) -> Warehouse:
        build_id, group = BUILDS[(variant, case_name)]
        if (engine, build_id) not in built:
            work_dir = tmp_path_factory.mktemp(f"cases-{engine}-{build_id}")
            write_merged_input(group, work_dir / "input")
            environment = None
            if engine == "spark":
                for module in ("pyspark", "dbt.adapters.spark"):
                    pytest.importorskip(
                        module, reason='Spark builds need: pip install "dbt-spark[session]" pyspark'
                    )
            if engine == "postgres":
                server = request.getfixturevalue("postgres_server")
                worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
                database = f"cases_{worker}_{build_id.replace('=', '_').replace('-', '_')}"
                connection = server.connect()
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute(f'drop database if exists "{database}" with (force)')
                    cursor.execute(f'create database "{database}"')
                connection.close()
                environment = server.environ()
                environment["PGDATABASE"] = database
            # NOTE: Spark builds leave out dbt's data tests, which take about
            # two thirds of a Spark build. They run on DuckDB and PostgreSQL.
            built[(engine, build_id)] = build_warehouse(
                work_dir / "input", engine, work_dir,
                variables=variant_variables(variant), environment=environment,
                skip_dbt_tests=engine == "spark",
            )
        return built[(engine, build_id)]

    return get


def month_start(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def quoted(values) -> str:
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in sorted(values))


def close(actual, expected: str) -> bool:
    if expected == "":
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return False
    return abs(float(actual) - float(expected)) <= TOLERANCE


def compare_rows(expected: dict, actual: dict, label: str = "") -> list[str]:
    """List the keys missing from or added to `actual`, and the amounts off by more than a cent."""
    problems = [f"{label}missing {key}" for key in sorted(expected.keys() - actual.keys())]
    problems += [
        f"{label}unexpected {key}: {actual[key]}" for key in sorted(actual.keys() - expected.keys())
    ]
    problems += [
        f"{label}{key}: {actual[key]} != {value}"
        for key, value in expected.items()
        if key in actual and not close(actual[key], value)
    ]
    return problems


def check_customer_mrr(warehouse: Warehouse, case: Case, rows) -> list[str]:
    customers = {row["customer_id"] for row in rows}
    frame = warehouse.query(
        "select customer_id, month, mrr from marts.fct_customer_mrr_monthly "
        f"where customer_id in ({quoted(customers)})"
    )
    actual = {(row.customer_id, as_date(row.month)): row.mrr for row in frame.itertuples()}
    problems = []
    for row in rows:
        key = (row["customer_id"], month_start(row["month"]))
        if key not in actual:
            problems.append(f"no month-end row for {key}")
        elif not close(actual[key], row["mrr"]):
            problems.append(f"{key}: mrr {actual[key]} != {row['mrr']}")
    return problems


def keyed_movements(rows, owner: str) -> dict:
    """Map (owner, date, movement type) of expected rows to their mrr_change."""
    return {
        (row[owner], dt.date.fromisoformat(row["movement_date"]), row["movement_type"]):
            row["mrr_change"]
        for row in rows
    }


def keyed_frame(frame: pd.DataFrame, owner: str) -> dict:
    """Map (owner, date, movement type) of queried rows to their mrr_change."""
    return {
        (getattr(row, owner), as_date(row.movement_date), row.movement_type): row.mrr_change
        for row in frame.itertuples()
    }


def check_movements(warehouse: Warehouse, case: Case, rows) -> list[str]:
    customers = {row["customer_id"] for row in rows}
    frame = warehouse.query(
        "select customer_id, movement_date, movement_type, mrr_change from marts.fct_mrr_movements "
        f"where customer_id in ({quoted(customers)}) and transfer_segment is null"
    )
    return compare_rows(keyed_movements(rows, "customer_id"), keyed_frame(frame, "customer_id"))


def check_segment_movements(warehouse: Warehouse, case: Case, rows) -> list[str]:
    problems = []
    for segment in sorted({row["segment"] for row in rows}):
        column = SEGMENT_COLUMNS[segment]
        values = {row["segment_value"] for row in rows if row["segment"] == segment}
        frame = warehouse.query(
            f"select {column} as segment_value, movement_date, movement_type, "
            "sum(mrr_change) as mrr_change from marts.fct_mrr_movements "
            f"where {column} in ({quoted(values)}) "
            f"and customer_id in ({quoted(case.customer_ids)}) "
            f"and (transfer_segment is null or transfer_segment = '{segment}') "
            f"group by {column}, movement_date, movement_type"
        )
        expected = keyed_movements(
            [row for row in rows if row["segment"] == segment], "segment_value"
        )
        problems += compare_rows(expected, keyed_frame(frame, "segment_value"), f"{segment}: ")
    return problems


def segment_of(case: Case, segment: str, value: str) -> tuple[str, str]:
    return (CASE_ATTRIBUTE, case.name) if segment == "all" else (segment, value)


def check_metrics(warehouse: Warehouse, case: Case, rows) -> list[str]:
    problems = []
    for row in rows:
        segment, value = segment_of(case, row["segment"], row["segment_value"])
        frame = warehouse.query(
            f"select {row['metric']} as metric_value from marts.fct_segment_metrics_monthly "
            f"where month = cast('{month_start(row['month'])}' as date) "
            f"and segment = '{segment}' and segment_value = '{value}'"
        )
        label = f"{row['month']} {row['segment']}={row['segment_value']} {row['metric']}"
        if len(frame) != 1:
            problems.append(f"{label}: {len(frame)} rows instead of 1")
        elif not close(frame.iloc[0]["metric_value"], row["value"]):
            problems.append(f"{label}: {frame.iloc[0]['metric_value']} != {row['value'] or 'null'}")
    return problems


def check_cohorts(warehouse: Warehouse, case: Case, rows) -> list[str]:
    frame = warehouse.query(
        "select * from marts.fct_cohort_retention "
        f"where segment = '{CASE_ATTRIBUTE}' and segment_value = '{case.name}'"
    )
    actual = {(as_date(row["cohort_month"]), int(row["months_since_start"])): row for _, row in frame.iterrows()}
    problems = []
    for row in rows:
        key = (month_start(row["cohort_month"]), int(row["months_since_start"]))
        if key not in actual:
            problems.append(f"no cohort row for {key}")
            continue
        for column, value in row.items():
            if column in ("cohort_month", "months_since_start"):
                continue
            if not close(actual[key][column], value):
                problems.append(f"{key} {column}: {actual[key][column]} != {value}")
    return problems


def rejected_rows(warehouse: Warehouse, case: Case) -> set[tuple[str, str, str]]:
    frame = warehouse.query(
        "select table_name, row_key, rule from marts.fct_quarantine where severity = 'rejected'"
    )
    return {
        (row.table_name, row.row_key, row.rule)
        for row in frame.itertuples()
        if row.table_name in case.tables and row.row_key in case.row_keys(row.table_name)
    }


def check_quarantine(warehouse: Warehouse, case: Case, rows) -> list[str]:
    expected = {(row["table_name"], row["row_key"], row["rule"]) for row in rows}
    actual = rejected_rows(warehouse, case)
    return [f"missing {key}" for key in sorted(expected - actual)] + [
        f"unexpected {key}" for key in sorted(actual - expected)
    ]


def check_no_quarantine(warehouse: Warehouse, case: Case, rows) -> list[str]:
    return [f"unexpected {key}" for key in sorted(rejected_rows(warehouse, case))]


CHECKS = {
    "customer_mrr": check_customer_mrr,
    "movements": check_movements,
    "segment_movements": check_segment_movements,
    "metrics": check_metrics,
    "cohorts": check_cohorts,
    "quarantine": check_quarantine,
    "no_quarantine": check_no_quarantine,
}


@pytest.mark.parametrize(
    "engine",
    [
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow]),
    ],
)
@pytest.mark.parametrize(("case_name", "variant", "kind"), expectation_params())
def test_case_expectation(case_warehouse, engine, case_name, variant, kind):
    case = CASES[case_name]
    warehouse = case_warehouse(engine, variant, case_name)
    rows = case.expectations.get((variant, kind), [])
    problems = CHECKS[kind](warehouse, case, rows)
    assert problems == [], f"{case_name} ({variant or 'defaults'}, {engine}): " + "; ".join(problems)


def test_cases_share_few_builds():
    build_ids = {build_id for build_id, _ in BUILDS.values()}
    assert len(build_ids) <= 10, sorted(build_ids)
