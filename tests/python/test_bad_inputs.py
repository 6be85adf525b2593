"""Every malformed input in tests/bad_inputs, run through the main job.

Each case folder contains a small contract folder and `expected.yml`
(tests/bad_inputs/README.md describes its keys). The test runs
scripts/run_pipeline.py in a subprocess, as a user does, on a fresh DuckDB
file and checks the exit code, the message, the exact rows of
marts.fct_quarantine, optional values of the marts, and that no raw row was
lost on the way.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from scripts.contract import read_contract

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT / "tests" / "bad_inputs"
PIPELINE = REPO_ROOT / "scripts" / "run_pipeline.py"
AS_OF = "2026-12-31"
CONTRACT_TABLES = [table.name for table in read_contract()]
QUARANTINE_FIELDS = ("table_name", "row_key", "rule", "severity")
# Text that only appears when a step failed in a way the product did not handle:
# a Python traceback or a dbt/DuckDB error class.
UNHANDLED_ERROR_MARKERS = (
    "Traceback",
    "Runtime Error",
    "Database Error",
    "Compilation Error",
    "Binder Error",
    "Conversion Error",
    "Catalog Error",
    "Parser Error",
    "Out of Range Error",
)


@dataclass(frozen=True)
class BadInputCase:
    """One folder of the corpus and its parsed expected.yml."""

    name: str
    folder: Path
    expected: dict


def load_corpus() -> list[BadInputCase]:
    cases = []
    for folder in sorted(path for path in CORPUS.iterdir() if path.is_dir()):
        expected = yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8"))
        cases.append(BadInputCase(name=folder.name, folder=folder, expected=expected))
    return cases


CASES = load_corpus()


def case_params():
    params = []
    for case in CASES:
        marks = []
        if "xfail" in case.expected:
            marks.append(pytest.mark.xfail(strict=True, reason=case.expected["xfail"]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


def write_parquet(csv_path: Path, parquet_path: Path, options: dict) -> None:
    """Write a CSV file as Parquet with the column types pyarrow infers.

    `timestamp_columns` are read as local times in `timezone` and stored as
    timezone-aware timestamps, as an export from a zoned database does.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = pa_csv.read_csv(csv_path)
    for column in options.get("timestamp_columns", []):
        index = table.schema.get_field_index(column)
        zoned = pc.assume_timezone(table[column], timezone=options["timezone"])
        table = table.set_column(index, column, zoned)
    pq.write_table(table, parquet_path)


def prepare_input(case: BadInputCase, work_dir: Path) -> Path:
    """Return the folder to load: the case folder, or a copy with Parquet files."""
    parquet_tables = case.expected.get("parquet")
    if not parquet_tables:
        return case.folder
    data_dir = work_dir / "input"
    data_dir.mkdir()
    for path in case.folder.iterdir():
        if path.suffix == ".csv":
            shutil.copy(path, data_dir / path.name)
    for table_name, options in parquet_tables.items():
        csv_path = data_dir / f"{table_name}.csv"
        write_parquet(csv_path, data_dir / f"{table_name}.parquet", options or {})
        csv_path.unlink()
    return data_dir


def run_main_job(data_dir: Path, warehouse: Path, output_dir: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable, str(PIPELINE),
        "--data", str(data_dir),
        "--warehouse", str(warehouse),
        "--as-of", AS_OF,
        "--skip", "validate",
        "--skip", "quotas",
        "--skip", "report",
        "--output-dir", str(output_dir),
    ]
    return subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=300
    )


def count_file_rows(data_dir: Path, table_name: str, overrides: dict) -> int | None:
    """Return the data rows of a table's file: its lines after the header.

    A file whose quoted fields contain line breaks has fewer rows than lines,
    so its case gives the row count in `file_rows` instead.
    """
    if table_name in overrides:
        return overrides[table_name]
    csv_path = data_dir / f"{table_name}.csv"
    parquet_path = data_dir / f"{table_name}.parquet"
    if csv_path.exists():
        lines = csv_path.read_bytes().splitlines()
        return sum(1 for line in lines[1:] if line.strip())
    if parquet_path.exists():
        import pyarrow.parquet as pq

        return pq.ParquetFile(parquet_path).metadata.num_rows
    return None


def values_match(actual, expected) -> bool:
    """Compare a database value with a YAML value: numbers to the cent, the rest as text."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return abs(float(actual) - float(expected)) < 0.005
    return str(actual) == str(expected)


def rows_match(actual_rows: list[tuple], expected_rows: list[list]) -> bool:
    if len(actual_rows) != len(expected_rows):
        return False
    return all(
        len(actual) == len(expected)
        and all(values_match(a, e) for a, e in zip(actual, expected))
        for actual, expected in zip(actual_rows, expected_rows)
    )


def check_invalid_input(case: BadInputCase, output: str, warehouse: Path) -> None:
    for part in case.expected["message_contains"]:
        assert part in output, f"{case.name}: the message lacks {part!r}:\n{output[-3000:]}"
    for part in case.expected.get("message_excludes", []):
        assert part not in output, f"{case.name}: the message contains {part!r}:\n{output[-3000:]}"
    assert not warehouse.exists(), f"{case.name}: a rejected folder still published {warehouse}"


def check_quarantine(case: BadInputCase, connection) -> None:
    rows = connection.execute(
        "select table_name, row_key, rule, severity, source_row_number from marts.fct_quarantine"
    ).fetchall()
    actual = collections.Counter(tuple(row[:4]) for row in rows)
    expected_rows = case.expected.get("quarantine") or []
    expected = collections.Counter(
        tuple(str(entry[field]) for field in QUARANTINE_FIELDS) for entry in expected_rows
    )
    assert actual == expected, (
        f"{case.name}: fct_quarantine differs.\n"
        f"  unexpected rows: {sorted((actual - expected).elements())}\n"
        f"  missing rows: {sorted((expected - actual).elements())}"
    )
    for entry in expected_rows:
        if "source_row_number" not in entry:
            continue
        key = tuple(str(entry[field]) for field in QUARANTINE_FIELDS)
        numbers = sorted(row[4] for row in rows if tuple(row[:4]) == key)
        assert entry["source_row_number"] in numbers, (
            f"{case.name}: {key} has source_row_number {numbers}, "
            f"expected {entry['source_row_number']}"
        )


def check_nothing_lost(case: BadInputCase, connection, data_dir: Path) -> None:
    """Every file row is a raw row or a load reject, and every raw row is accepted or rejected."""
    load_rejects = connection.execute(
        "select table_name, source_row_number from raw._load_rejects"
    ).fetchall()
    for table_name in CONTRACT_TABLES:
        raw_rows = connection.execute(f"select count(*) from raw.{table_name}").fetchone()[0]
        accepted_rows = connection.execute(
            f"select count(*) from staging.stg_billing__{table_name} where quarantine_rule is null"
        ).fetchone()[0]
        rejected_rows = connection.execute(
            "select count(*) from marts.fct_quarantine where table_name = ? "
            "and severity = 'rejected' and rule <> 'wrong_field_count'",
            [table_name],
        ).fetchone()[0]
        assert raw_rows == accepted_rows + rejected_rows, (
            f"{case.name}: raw.{table_name} has {raw_rows} rows, but staging accepts "
            f"{accepted_rows} and fct_quarantine rejects {rejected_rows}"
        )

        file_rows = count_file_rows(data_dir, table_name, case.expected.get("file_rows", {}))
        if file_rows is not None:
            table_rejects = sum(1 for name, _ in load_rejects if name == table_name)
            assert raw_rows + table_rejects == file_rows, (
                f"{case.name}: {table_name} has {file_rows} rows in its file, but "
                f"raw.{table_name} has {raw_rows} and raw._load_rejects {table_rejects}"
            )

    for table_name, source_row_number in load_rejects:
        found = connection.execute(
            "select count(*) from marts.fct_quarantine where table_name = ? "
            "and row_key = ? and rule = 'wrong_field_count' and severity = 'rejected' "
            "and source_row_number = ?",
            [table_name, f"row {source_row_number}", int(source_row_number)],
        ).fetchone()[0]
        assert found == 1, (
            f"{case.name}: load reject {table_name} row {source_row_number} is "
            f"{found} times in fct_quarantine, expected once"
        )


def check_mrr(case: BadInputCase, connection) -> None:
    expectation = case.expected.get("mrr")
    if not expectation:
        return
    month = f"{expectation['month']}-01"
    rows = connection.execute(
        "select mrr from marts.fct_segment_metrics_monthly "
        "where segment = 'all' and segment_value = 'all' and month = cast(? as date)",
        [month],
    ).fetchall()
    assert len(rows) == 1, f"{case.name}: {len(rows)} company rows for {month}, expected 1"
    assert values_match(rows[0][0], expectation["value"]), (
        f"{case.name}: company MRR for {expectation['month']} is {rows[0][0]}, "
        f"expected {expectation['value']}"
    )


def check_queries(case: BadInputCase, connection) -> None:
    for check in case.expected.get("checks", []):
        actual_rows = connection.execute(check["sql"]).fetchall()
        assert rows_match(actual_rows, check["rows"]), (
            f"{case.name}: `{check['sql']}` returned {actual_rows}, expected {check['rows']}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("case", case_params())
def test_bad_input_through_main_job(case: BadInputCase, tmp_path: Path) -> None:
    data_dir = prepare_input(case, tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    completed = run_main_job(data_dir, warehouse, tmp_path / "output")
    output = completed.stdout + completed.stderr

    for marker in UNHANDLED_ERROR_MARKERS:
        assert marker not in output, f"{case.name}: the output contains {marker!r}:\n{output[-4000:]}"
    assert completed.returncode == case.expected["exit_code"], (
        f"{case.name}: exit code {completed.returncode}, expected "
        f"{case.expected['exit_code']}:\n{output[-4000:]}"
    )

    if case.expected["exit_code"] != 0:
        check_invalid_input(case, output, warehouse)
        return

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        check_quarantine(case, connection)
        check_nothing_lost(case, connection, data_dir)
        check_mrr(case, connection)
        check_queries(case, connection)


def test_corpus_case_files_complete() -> None:
    """Each case folder has an expected.yml with a valid exit code and its required keys."""
    assert len(CASES) >= 40
    for case in CASES:
        assert case.expected["exit_code"] in (0, 2), case.name
        assert case.expected.get("description"), f"{case.name}: no description"
        if case.expected["exit_code"] == 2:
            assert case.expected.get("message_contains"), f"{case.name}: no message_contains"
        else:
            assert "quarantine" in case.expected, f"{case.name}: no quarantine list"
