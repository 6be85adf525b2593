"""Tests for scripts/generate_demo_data.py, run as a user runs it: the command line writing real CSV files."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "generate_demo_data.py"
SOURCES_FILE = REPO_ROOT / "models" / "staging" / "_billing__sources.yml"
TABLES = ("customers", "customer_attributes", "sales_reps", "plans", "line_items", "transactions", "exchange_rates")
# A small run: 300 leads over one year.
SMALL_RUN = ["--customers", "300", "--months", "12", "--start", "2024-01-01", "--seed", "7"]
UNPARSEABLE_DATE = "2024-02-30"


def run_generator(output: Path, options: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(output), "--log-level", "WARNING", *options],
        capture_output=True, text=True, check=False,
    )


def read_table(folder: Path, table: str) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_script_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_demo_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # The dataclass decorator looks the module up in sys.modules while it builds each class.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("small_run")
    result = run_generator(output, SMALL_RUN)
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def tables(small_run: Path) -> dict[str, list[dict[str, str]]]:
    return {table: read_table(small_run, table) for table in TABLES}


@pytest.fixture(scope="module")
def generator_module() -> ModuleType:
    return load_script_module()


# -- determinism and shape ----------------------------------------------------


def test_same_seed_gives_identical_bytes(small_run: Path, tmp_path: Path) -> None:
    result = run_generator(tmp_path, SMALL_RUN)
    assert result.returncode == 0, result.stderr
    for table in TABLES:
        first = (small_run / f"{table}.csv").read_bytes()
        second = (tmp_path / f"{table}.csv").read_bytes()
        assert first == second, f"{table}.csv differs between two runs with the same seed"


def test_other_seed_gives_other_lines(small_run: Path, tmp_path: Path) -> None:
    options = [*SMALL_RUN[:-1], "8"]
    result = run_generator(tmp_path, options)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "line_items.csv").read_bytes() != (small_run / "line_items.csv").read_bytes()


def test_headers_match_contract_columns(small_run: Path) -> None:
    sources = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    contract = {table["name"]: [column["name"] for column in table["columns"]]
                for table in sources["sources"][0]["tables"]}
    for table in TABLES:
        with open(small_run / f"{table}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == contract[table], f"{table}.csv header"


def test_every_row_has_every_column(tables: dict[str, list[dict[str, str]]]) -> None:
    for table, rows in tables.items():
        for row in rows:
            assert None not in row, f"{table} row has extra values: {row}"
            assert all(value is not None for value in row.values()), f"{table} row is short: {row}"


# -- exact counts of the small seeded run ---------------------------------------


def test_small_run_row_counts(tables: dict[str, list[dict[str, str]]]) -> None:
    counts = {table: len(rows) for table, rows in tables.items()}
    assert counts == {
        "customers": 300,
        "customer_attributes": 863,
        "sales_reps": 12,
        "plans": 10,
        "line_items": 382,
        "transactions": 229,
        "exchange_rates": 5174,
    }


def test_small_run_line_kinds(tables: dict[str, list[dict[str, str]]]) -> None:
    lines = tables["line_items"]
    assert Counter(line["kind"] for line in lines) == {"subscription": 226, "trial": 151, "one_time": 5}
    assert sum(line["prorated"] == "true" for line in lines) == 8
    assert sum(line["cancelled_at"] != "" for line in lines) == 11


def test_small_run_paying_customers(tables: dict[str, list[dict[str, str]]]) -> None:
    paying_lines = [line for line in tables["line_items"]
                    if line["kind"] == "subscription" and float(line["amount"]) > 0]
    assert len({line["customer_id"] for line in paying_lines}) == 64
    month_end = "2024-12-31"
    paying_at_month_end = {line["customer_id"] for line in paying_lines
                           if line["service_period_start"] <= month_end < line["service_period_end"]}
    assert len(paying_at_month_end) == 55


def test_small_run_transactions(tables: dict[str, list[dict[str, str]]]) -> None:
    outcomes = Counter((row["kind"], row["result"]) for row in tables["transactions"])
    assert outcomes == {("payment", "successful"): 216, ("payment", "failed"): 9, ("refund", "successful"): 4}


def test_small_run_trials_and_attributes(tables: dict[str, list[dict[str, str]]]) -> None:
    assert sum(row["trial_started_at"] != "" for row in tables["customers"]) == 151
    attributes = Counter(row["attribute"] for row in tables["customer_attributes"])
    assert attributes == {"company_size": 300, "industry": 300, "sales_rep_id": 263}


# -- referential facts ------------------------------------------------------------


def test_line_customers_exist_except_one(tables: dict[str, list[dict[str, str]]]) -> None:
    customer_ids = {row["customer_id"] for row in tables["customers"]}
    unknown = [line["customer_id"] for line in tables["line_items"] if line["customer_id"] not in customer_ids]
    assert unknown == ["cus_unknown"]


def test_line_plans_exist(tables: dict[str, list[dict[str, str]]]) -> None:
    plan_ids = {row["plan_id"] for row in tables["plans"]}
    for line in tables["line_items"]:
        if line["kind"] == "one_time":
            assert line["plan_id"] == ""
        else:
            assert line["plan_id"] in plan_ids, line


def test_transactions_reference_invoices(tables: dict[str, list[dict[str, str]]]) -> None:
    invoice_ids = {line["invoice_id"] for line in tables["line_items"]}
    for row in tables["transactions"]:
        assert row["invoice_id"] in invoice_ids, row


def test_customer_ids_are_unique(tables: dict[str, list[dict[str, str]]]) -> None:
    customer_ids = [row["customer_id"] for row in tables["customers"]]
    assert len(customer_ids) == len(set(customer_ids))


def test_exchange_rates_cover_invoice_dates(tables: dict[str, list[dict[str, str]]]) -> None:
    rates = {(row["rate_date"], row["currency"]) for row in tables["exchange_rates"]}
    checked = 0
    for line in tables["line_items"]:
        if line["currency"] in ("USD", "XYZ") or line["invoice_date"] == UNPARSEABLE_DATE:
            continue
        assert (line["invoice_date"], line["currency"]) in rates, line
        assert (line["service_period_start"], line["currency"]) in rates, line
        checked += 1
    assert checked > 100


def test_exchange_rates_one_row_per_day(tables: dict[str, list[dict[str, str]]]) -> None:
    days_by_currency: dict[str, list[str]] = {}
    for row in tables["exchange_rates"]:
        days_by_currency.setdefault(row["currency"], []).append(row["rate_date"])
        assert float(row["rate_to_base"]) > 0
    assert "USD" not in days_by_currency
    assert {"EUR", "BRL", "MXN", "INR", "GBP"} <= set(days_by_currency)
    first_day, last_day = date(2023, 12, 1), date(2025, 1, 1)
    expected = [(first_day + timedelta(days=offset)).isoformat() for offset in range((last_day - first_day).days + 1)]
    for currency, days in days_by_currency.items():
        assert days == expected, currency


# -- billing rules ------------------------------------------------------------------


def test_negative_amounts_only_on_prorated_lines(tables: dict[str, list[dict[str, str]]]) -> None:
    negative_unprorated = [line for line in tables["line_items"]
                           if float(line["amount"]) < 0 and line["prorated"] == "false"]
    assert [line["amount"] for line in negative_unprorated] == ["-49.00"]


def test_prorated_lines_come_in_credit_charge_pairs(tables: dict[str, list[dict[str, str]]]) -> None:
    by_invoice: dict[str, list[dict[str, str]]] = {}
    for line in tables["line_items"]:
        if line["prorated"] == "true":
            by_invoice.setdefault(line["invoice_id"], []).append(line)
    assert by_invoice
    for invoice_id, lines in by_invoice.items():
        assert len(lines) == 2, invoice_id
        credit, charge = lines
        assert float(credit["amount"]) < 0 < float(charge["amount"]), invoice_id
        assert credit["service_period_start"] == charge["service_period_start"], invoice_id
        assert credit["service_period_end"] == charge["service_period_end"], invoice_id
        assert (credit["plan_id"], credit["quantity"]) != (charge["plan_id"], charge["quantity"]), invoice_id


def test_trial_lines_cost_nothing(tables: dict[str, list[dict[str, str]]]) -> None:
    for line in tables["line_items"]:
        if line["kind"] == "trial":
            assert line["amount"] == "0.00", line
            assert (date.fromisoformat(line["service_period_end"])
                    - date.fromisoformat(line["service_period_start"])).days == 14


def test_one_time_lines_have_one_day(tables: dict[str, list[dict[str, str]]]) -> None:
    for line in tables["line_items"]:
        if line["kind"] == "one_time":
            assert line["service_period_start"] == line["service_period_end"] == line["invoice_date"], line


def test_reassigned_accounts_move_on_leave_date(tables: dict[str, list[dict[str, str]]]) -> None:
    reps = {row["sales_rep_id"]: row for row in tables["sales_reps"]}
    assert sum(row["left_on"] != "" for row in reps.values()) == 3
    history: dict[str, list[dict[str, str]]] = {}
    for row in tables["customer_attributes"]:
        if row["attribute"] == "sales_rep_id":
            history.setdefault(row["customer_id"], []).append(row)
    reassigned = [rows for rows in history.values() if len(rows) == 2]
    assert reassigned
    for old, new in reassigned:
        left_on = reps[old["value"]]["left_on"]
        assert new["valid_from"] == f"{left_on} 00:00:00"
        assert reps[new["value"]]["hired_on"] <= left_on
        successor_left_on = reps[new["value"]]["left_on"]
        assert successor_left_on == "" or successor_left_on > left_on
    assert all(len(rows) <= 2 for rows in history.values())


def test_organic_customers_have_no_sales_rep(tables: dict[str, list[dict[str, str]]]) -> None:
    with_rep = {row["customer_id"] for row in tables["customer_attributes"] if row["attribute"] == "sales_rep_id"}
    for customer in tables["customers"]:
        assert (customer["customer_id"] in with_rep) == (customer["channel"] != "organic"), customer


# -- rows that break the contract on purpose -----------------------------------------


def test_contract_breaking_rows_present(tables: dict[str, list[dict[str, str]]]) -> None:
    lines = tables["line_items"]
    line_id_counts = Counter(line["line_item_id"] for line in lines)
    assert sum(count > 1 for count in line_id_counts.values()) == 1
    periods = Counter((line["subscription_id"], line["service_period_start"])
                      for line in lines if line["kind"] == "subscription" and line["prorated"] == "false")
    assert sum(count > 1 for count in periods.values()) == 2  # the exact copy and the second billing
    assert [line["currency"] for line in lines].count("XYZ") == 1
    assert [line["invoice_date"] for line in lines].count(UNPARSEABLE_DATE) == 1
    countries = Counter(row["country"] for row in tables["customers"])
    assert (countries["UK"], countries["Brasil"], countries["Atlantis"]) == (1, 1, 1)
    broken_plans = [row["plan_id"] for row in tables["plans"] if row["interval_count"] == "0"]
    assert len(broken_plans) == 1
    assert sum(line["plan_id"] == broken_plans[0] for line in lines) == 1


# -- command line and helpers ------------------------------------------------------------


def test_too_few_customers_rejected(tmp_path: Path) -> None:
    result = run_generator(tmp_path, ["--customers", "5"])
    assert result.returncode == 2
    assert "--customers must be at least 20, got 5" in result.stderr


def test_invalid_start_rejected(tmp_path: Path) -> None:
    result = run_generator(tmp_path, ["--start", "2023-13-01"])
    assert result.returncode == 2
    assert "invalid start date '2023-13-01'" in result.stderr


def test_add_months_clamps_day(generator_module: ModuleType) -> None:
    add_months = generator_module.add_months
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 3) == date(2024, 4, 30)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


def test_money_helpers(generator_module: ModuleType) -> None:
    assert generator_module.format_money(-1250) == "-12.50"
    assert generator_module.format_money(5) == "0.05"
    assert generator_module.format_money(0) == "0.00"
    # 1000 cents for 15 of 31 days: 483.87..., rounded half away from zero in both signs.
    assert generator_module.scale_cents(1000, 15, 31) == 484
    assert generator_module.scale_cents(-1000, 15, 31) == -484
    assert generator_module.scale_cents(50, 1, 4) == 13
