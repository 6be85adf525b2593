"""Tests of the RavenStack to contract mapping and of its month-end figures.

The unit tests read the RavenStack copies in data/ravenstack. The end-to-end
test, marked slow, runs the warehouse's main job on the mapped folder and
compares its marts with ravenstack_reference.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import ravenstack_reference as reference

REPO_ROOT = Path(__file__).resolve().parents[2]
RAVENSTACK_FOLDER = REPO_ROOT / "data" / "ravenstack"
SCRIPT_PATH = REPO_ROOT / "scripts" / "ravenstack_to_contract.py"

MONTH_ENDS = (date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31))


def load_mapping_module():
    spec = importlib.util.spec_from_file_location("ravenstack_to_contract", SCRIPT_PATH)
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


mapping = load_mapping_module()


@pytest.fixture(scope="module")
def raw_data():
    return mapping.read_ravenstack_folder(RAVENSTACK_FOLDER)


@pytest.fixture(scope="module")
def tables(raw_data):
    return mapping.map_to_contract(raw_data)


def rows_by(rows, key):
    return {row[key]: row for row in rows}


# ---------------------------------------------------------------------------
# Value parsing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8/17/2023", date(2023, 8, 17)),
        ("10/16/2024", date(2024, 10, 16)),
        ("1/2/2023", date(2023, 1, 2)),
        ("12/31/2024", date(2024, 12, 31)),
    ],
)
def test_signup_date_month_first(text, expected):
    assert mapping.parse_month_first_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27-10-2024", date(2024, 10, 27)),
        ("05-01-2024", date(2024, 1, 5)),
        ("12-11-2024", date(2024, 11, 12)),
        ("31-12-2024", date(2024, 12, 31)),
    ],
)
def test_churn_date_day_first(text, expected):
    assert mapping.parse_day_first_date(text) == expected


@pytest.mark.parametrize("text", ["17/8/2023", "2023-08-17", "", "8/17/23"])
def test_signup_date_rejects_other_formats(text):
    with pytest.raises(ValueError, match="expected M/D/YYYY"):
        mapping.parse_month_first_date(text)


@pytest.mark.parametrize("text", ["10-27-2024", "2024-10-27", "27/10/2024"])
def test_churn_date_rejects_other_formats(text):
    with pytest.raises(ValueError, match="expected DD-MM-YYYY"):
        mapping.parse_day_first_date(text)


@pytest.mark.parametrize(("text", "expected"), [("TRUE", True), ("FALSE", False), ("True", True), ("False", False)])
def test_bool_accepts_both_spellings(text, expected):
    assert mapping.parse_bool(text) is expected


def test_bool_rejects_yes():
    with pytest.raises(ValueError, match="invalid boolean 'yes'"):
        mapping.parse_bool("yes")


def test_amount_rejects_negative():
    with pytest.raises(ValueError, match="must be a non-negative number"):
        mapping.parse_amount("-4.03")


# ---------------------------------------------------------------------------
# Reading the raw files
# ---------------------------------------------------------------------------

def test_copies_keep_crlf_line_endings():
    for name in (mapping.ACCOUNTS_FILE, mapping.SUBSCRIPTIONS_FILE, mapping.CHURN_EVENTS_FILE):
        content = (RAVENSTACK_FOLDER / name).read_bytes()
        assert content.count(b"\r\n") == content.count(b"\n"), name


def test_crlf_not_left_in_values(raw_data):
    assert all("\r" not in account.account_name for account in raw_data.accounts)
    assert all("\r" not in event.reason_code for event in raw_data.churn_events)
    assert raw_data.accounts[0].is_trial is False


def test_raw_row_counts(raw_data):
    assert len(raw_data.accounts) == 500
    assert len(raw_data.subscriptions) == 5000
    assert len(raw_data.churn_events) == 600


def write_copy_with_replaced_line(tmp_path: Path, file_name: str, line_number: int, old: str, new: str) -> Path:
    folder = tmp_path / "ravenstack"
    folder.mkdir()
    for name in (mapping.ACCOUNTS_FILE, mapping.SUBSCRIPTIONS_FILE, mapping.CHURN_EVENTS_FILE):
        content = (RAVENSTACK_FOLDER / name).read_bytes()
        if name == file_name:
            lines = content.split(b"\r\n")
            assert old.encode() in lines[line_number - 1]
            lines[line_number - 1] = lines[line_number - 1].replace(old.encode(), new.encode())
            content = b"\r\n".join(lines)
        (folder / name).write_bytes(content)
    return folder


def test_bad_signup_date_names_file_line_value(tmp_path):
    # Line 3 of the accounts file is A-43a9e3, signed up 8/17/2023.
    folder = write_copy_with_replaced_line(tmp_path, mapping.ACCOUNTS_FILE, 3, "8/17/2023", "17/8/2023")
    with pytest.raises(mapping.RavenStackDataError) as error:
        mapping.read_ravenstack_folder(folder)
    message = str(error.value)
    assert "ravenstack_accounts.csv line 3" in message
    assert "'signup_date'" in message
    assert "'17/8/2023'" in message


def test_bad_churn_date_names_file_line_value(tmp_path):
    # Line 2 of the churn events file is C-816288 on 27-10-2024.
    folder = write_copy_with_replaced_line(tmp_path, mapping.CHURN_EVENTS_FILE, 2, "27-10-2024", "2024-10-27")
    with pytest.raises(mapping.RavenStackDataError, match=r"ravenstack_churn_events.csv line 2, column 'churn_date': invalid date '2024-10-27'"):
        mapping.read_ravenstack_folder(folder)


def test_missing_column_is_reported(tmp_path):
    folder = write_copy_with_replaced_line(tmp_path, mapping.SUBSCRIPTIONS_FILE, 1, "billing_frequency", "frequency")
    with pytest.raises(mapping.RavenStackDataError, match="missing columns billing_frequency"):
        mapping.read_ravenstack_folder(folder)


# ---------------------------------------------------------------------------
# Mapping
# ---------------------------------------------------------------------------

def test_contract_row_counts(tables):
    assert len(tables.customers) == 500
    assert len(tables.subscriptions) == 5000
    assert len(tables.plans) == 6
    # 500 industry rows plus 599 churn reasons: A-cc102e has two identical
    # pricing churn events on 2024-11-19, which become one row.
    assert len(tables.customer_attributes) == 1099


def test_customer_columns(tables):
    customer = rows_by(tables.customers, "customer_id")["A-43a9e3"]
    assert customer == {
        "customer_id": "A-43a9e3",
        "name": "Company_1",
        "country": "IN",
        "channel": "other",
        "created_at": "2023-08-17",
        "trial_started_at": "",
    }


def test_uk_kept_for_staging(tables):
    countries = [row["country"] for row in tables.customers]
    assert countries.count("UK") == 58
    assert "GB" not in countries
    assert rows_by(tables.customers, "customer_id")["A-956988"]["country"] == "UK"


@pytest.mark.parametrize(
    ("tier", "frequency", "expected"),
    [
        ("Basic", "monthly", "basic_monthly"),
        ("Basic", "annual", "basic_annual"),
        ("Pro", "annual", "pro_annual"),
        ("Enterprise", "monthly", "enterprise_monthly"),
    ],
)
def test_plan_id(tier, frequency, expected):
    assert mapping.plan_id_for(tier, frequency) == expected


def test_plans_table(tables):
    assert tables.plans == [
        {"plan_id": "basic_annual", "name": "Basic (annual)", "interval_unit": "year", "interval_count": "1"},
        {"plan_id": "basic_monthly", "name": "Basic (monthly)", "interval_unit": "month", "interval_count": "1"},
        {"plan_id": "enterprise_annual", "name": "Enterprise (annual)", "interval_unit": "year", "interval_count": "1"},
        {"plan_id": "enterprise_monthly", "name": "Enterprise (monthly)", "interval_unit": "month", "interval_count": "1"},
        {"plan_id": "pro_annual", "name": "Pro (annual)", "interval_unit": "year", "interval_count": "1"},
        {"plan_id": "pro_monthly", "name": "Pro (monthly)", "interval_unit": "month", "interval_count": "1"},
    ]


def test_annual_amount_is_arr(tables):
    # S-dceac6: Enterprise, annual, 4 seats, mrr_amount 796, arr_amount 9552.
    subscription = rows_by(tables.subscriptions, "subscription_id")["S-dceac6"]
    assert subscription["plan_id"] == "enterprise_annual"
    assert subscription["amount"] == "9552"
    assert subscription["quantity"] == "4"
    assert subscription["currency"] == "USD"
    assert subscription["end_date"] == ""


def test_monthly_amount_is_mrr(tables):
    # S-8cec59: Enterprise, monthly, 14 seats, 2786 a month, last day 2024-04-12.
    subscription = rows_by(tables.subscriptions, "subscription_id")["S-8cec59"]
    assert subscription == {
        "subscription_id": "S-8cec59",
        "customer_id": "A-3c1a3f",
        "plan_id": "enterprise_monthly",
        "start_date": "2023-12-23",
        "end_date": "2024-04-13",
        "currency": "USD",
        "amount": "2786",
        "quantity": "14",
        "is_trial": "false",
    }


def test_one_day_subscription_gets_next_day_end(tables):
    # S-4f0027 starts and ends on 2024-12-31, so it serves that one day.
    subscription = rows_by(tables.subscriptions, "subscription_id")["S-4f0027"]
    assert subscription["start_date"] == "2024-12-31"
    assert subscription["end_date"] == "2025-01-01"


def test_trial_subscription_flag(tables):
    # S-51c0d1: Enterprise annual trial with 62 seats and no charge.
    subscription = rows_by(tables.subscriptions, "subscription_id")["S-51c0d1"]
    assert subscription["is_trial"] == "true"
    assert subscription["amount"] == "0"
    assert subscription["quantity"] == "62"


def test_trial_flag_counts(tables):
    flags = [row["is_trial"] for row in tables.subscriptions]
    assert flags.count("true") == 778
    assert flags.count("false") == 4222


def test_trial_started_at_first_subscription(tables):
    customers = rows_by(tables.customers, "customer_id")
    # A-956988 signed up on 2024-11-30 and began with a Pro trial on 2024-12-01.
    assert customers["A-956988"]["created_at"] == "2024-11-30"
    assert customers["A-956988"]["trial_started_at"] == "2024-12-01"
    # A-0354fe started a trial and a paid subscription on 2024-11-03.
    assert customers["A-0354fe"]["trial_started_at"] == ""


def test_trial_started_at_count(tables):
    trials = [row for row in tables.customers if row["trial_started_at"] != ""]
    assert len(trials) == 86


def test_churn_reason_attribute(tables):
    reasons = [
        row for row in tables.customer_attributes
        if row["customer_id"] == "A-c37cab" and row["attribute"] == "last_churn_reason"
    ]
    assert reasons == [
        {"customer_id": "A-c37cab", "attribute": "last_churn_reason", "value": "pricing", "valid_from": "2024-10-27"},
        {"customer_id": "A-c37cab", "attribute": "last_churn_reason", "value": "competitor", "valid_from": "2024-11-16"},
    ]


def test_industry_attribute(tables):
    industries = [
        row for row in tables.customer_attributes
        if row["customer_id"] == "A-2e4581" and row["attribute"] == "industry"
    ]
    assert industries == [
        {"customer_id": "A-2e4581", "attribute": "industry", "value": "EdTech", "valid_from": "2024-10-16"},
    ]


def test_attribute_keys_unique(tables):
    keys = [(row["customer_id"], row["attribute"], row["valid_from"]) for row in tables.customer_attributes]
    assert len(keys) == len(set(keys))


def test_no_duplicate_ids(raw_data):
    assert mapping.find_duplicate_ids(a.account_id for a in raw_data.accounts) == []
    assert mapping.find_duplicate_ids(s.subscription_id for s in raw_data.subscriptions) == []
    assert mapping.find_duplicate_ids(e.churn_event_id for e in raw_data.churn_events) == []


def test_repeated_subscriptions_found(raw_data):
    groups = mapping.find_repeated_subscriptions(raw_data.subscriptions)
    assert sorted(groups) == [
        ["S-0283b5", "S-a2fb62"],
        ["S-0c43c2", "S-71c67c"],
        ["S-1c54b6", "S-e11cde"],
        ["S-526a2c", "S-da164e"],
        ["S-5f1d80", "S-600e05"],
        ["S-92b77f", "S-fa03a5"],
        ["S-a33656", "S-dee62f"],
    ]


# ---------------------------------------------------------------------------
# Command line and written files
# ---------------------------------------------------------------------------

def test_cli_writes_contract_folder(tmp_path):
    output = tmp_path / "contract"
    assert mapping.main(["--input", str(RAVENSTACK_FOLDER), "--output", str(output)]) == 0
    assert sorted(path.name for path in output.iterdir()) == [
        "customer_attributes.csv", "customers.csv", "plans.csv", "subscriptions.csv",
    ]

    content = (output / "subscriptions.csv").read_bytes()
    assert b"\r" not in content
    assert content.splitlines()[0] == b"subscription_id,customer_id,plan_id,start_date,end_date,currency,amount,quantity,is_trial"

    with (output / "customers.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 500


def test_cli_missing_input_fails(tmp_path):
    assert mapping.main(["--input", str(tmp_path / "absent"), "--output", str(tmp_path / "out")]) == 1


# ---------------------------------------------------------------------------
# Reference module
# ---------------------------------------------------------------------------

SMALL_ACCOUNTS = (
    "account_id,account_name,industry,country,signup_date,referral_source,plan_tier,seats,is_trial,churn_flag\r\n"
    "A-1,One,EdTech,UK,1/5/2024,ads,Basic,1,FALSE,FALSE\r\n"
    "A-2,Two,FinTech,US,1/6/2024,,Pro,1,FALSE,FALSE\r\n"
    "A-3,Three,FinTech,US,1/7/2024,event,Pro,1,TRUE,FALSE\r\n"
)
SMALL_SUBSCRIPTIONS = (
    "subscription_id,account_id,start_date,end_date,plan_tier,seats,mrr_amount,arr_amount,is_trial,"
    "upgrade_flag,downgrade_flag,churn_flag,billing_frequency,auto_renew_flag\r\n"
    # Annual 1000 a year: 83.33 a month. Counted twice would give 166.66.
    "S-1,A-1,2024-01-10,,Basic,5,83,1000,False,False,False,False,annual,True\r\n"
    "S-2,A-1,2024-01-10,,Basic,5,83,1000,False,False,False,False,annual,True\r\n"
    # Last day of service is 2024-01-31, so it counts at that month end only.
    "S-3,A-1,2024-01-15,2024-01-31,Pro,2,98,1176,False,False,False,True,monthly,True\r\n"
    "S-4,A-2,2024-01-20,,Pro,1,49,588,False,False,False,False,monthly,True\r\n"
    # Trials are not MRR, so A-3 is not paying.
    "S-5,A-3,2024-01-20,,Pro,9,0,0,True,False,False,False,monthly,False\r\n"
    # Ended before 2024-01-31.
    "S-6,A-3,2024-01-02,2024-01-30,Basic,1,19,228,False,False,False,True,monthly,True\r\n"
)


@pytest.fixture()
def small_folder(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / reference.ACCOUNTS_FILE).write_bytes(SMALL_ACCOUNTS.encode())
    (folder / reference.SUBSCRIPTIONS_FILE).write_bytes(SMALL_SUBSCRIPTIONS.encode())
    return folder


def metric(frame, month, segment, value):
    match = frame[(frame["month"] == month) & (frame["segment"] == segment) & (frame["segment_value"] == value)]
    assert len(match) == 1, (month, segment, value)
    return match.iloc[0]["mrr"], match.iloc[0]["customers"]


def test_reference_small_january(small_folder):
    frame = reference.month_end_metrics(small_folder, [date(2024, 1, 31)])
    january = date(2024, 1, 1)
    assert metric(frame, january, "all", "all") == (Decimal("230.33"), 2)
    assert metric(frame, january, "country", "GB") == (Decimal("181.33"), 1)
    assert metric(frame, january, "country", "US") == (Decimal("49"), 1)
    assert metric(frame, january, "channel", "ads") == (Decimal("181.33"), 1)
    assert metric(frame, january, "channel", "unassigned") == (Decimal("49"), 1)
    assert len(frame) == 5


def test_reference_small_february(small_folder):
    frame = reference.month_end_metrics(small_folder, [date(2024, 2, 29)])
    february = date(2024, 2, 1)
    assert metric(frame, february, "all", "all") == (Decimal("132.33"), 2)
    assert metric(frame, february, "country", "GB") == (Decimal("83.33"), 1)


REFERENCE_TOTALS = {
    date(2023, 12, 1): (Decimal("1262113"), 185),
    date(2024, 6, 1): (Decimal("3832854"), 333),
    date(2024, 12, 1): (Decimal("10248454"), 500),
}


def test_reference_ravenstack_totals():
    frame = reference.month_end_metrics(RAVENSTACK_FOLDER, MONTH_ENDS)
    for month, expected in REFERENCE_TOTALS.items():
        assert metric(frame, month, "all", "all") == expected, month


def test_reference_ravenstack_segments_add_up():
    frame = reference.month_end_metrics(RAVENSTACK_FOLDER, MONTH_ENDS)
    for month, (total_mrr, total_customers) in REFERENCE_TOTALS.items():
        for segment in ("country", "channel"):
            rows = frame[(frame["month"] == month) & (frame["segment"] == segment)]
            assert sum(rows["mrr"], Decimal(0)) == total_mrr, (month, segment)
            assert rows["customers"].sum() == total_customers, (month, segment)
    assert metric(frame, date(2024, 12, 1), "country", "GB") == (Decimal("1059199"), 58)
    assert "UK" not in set(frame["segment_value"])


def contract_month_end_mrr(tables, month_end: date) -> dict[str, Decimal]:
    """Apply the contract's rules to the mapped tables: exclusive end, amount / months per interval."""
    months_per_interval = {
        row["plan_id"]: (12 if row["interval_unit"] == "year" else 1) * int(row["interval_count"])
        for row in tables.plans
    }
    seen_periods = set()
    mrr: dict[str, Decimal] = {}
    for row in tables.subscriptions:
        if row["is_trial"] == "true":
            continue
        period = tuple(value for key, value in row.items() if key != "subscription_id")
        if period in seen_periods:
            continue
        seen_periods.add(period)
        start = date.fromisoformat(row["start_date"])
        end = date.fromisoformat(row["end_date"]) if row["end_date"] else None
        if start <= month_end and (end is None or end > month_end):
            monthly = (Decimal(row["amount"]) / months_per_interval[row["plan_id"]]).quantize(Decimal("0.01"))
            mrr[row["customer_id"]] = mrr.get(row["customer_id"], Decimal(0)) + monthly
    return {customer: amount for customer, amount in mrr.items() if amount > 0}


def test_mapped_tables_match_reference(tables):
    expected = reference.customer_month_end_mrr(RAVENSTACK_FOLDER, MONTH_ENDS)
    for month_end in MONTH_ENDS:
        month_rows = expected[expected["month"] == month_end.replace(day=1)]
        expected_mrr = dict(zip(month_rows["customer_id"], month_rows["mrr"], strict=True))
        assert contract_month_end_mrr(tables, month_end) == expected_mrr, month_end


# ---------------------------------------------------------------------------
# End to end through the warehouse
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_warehouse_matches_reference(ravenstack_warehouse):
    """The warehouse built by the main job (session fixture) matches the reference."""
    duckdb = pytest.importorskip("duckdb")
    warehouse = ravenstack_warehouse.duckdb_path

    months = [month_end.replace(day=1) for month_end in MONTH_ENDS]
    expected = reference.month_end_metrics(RAVENSTACK_FOLDER, MONTH_ENDS)
    expected_customers = reference.customer_month_end_mrr(RAVENSTACK_FOLDER, MONTH_ENDS)

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        segment_rows = connection.execute(
            """
            select month, segment, segment_value, mrr, customers
            from marts.fct_segment_metrics_monthly
            where segment in ('all', 'country', 'channel') and month in (?, ?, ?)
            """,
            months,
        ).fetchall()
        customer_rows = connection.execute(
            """
            select month, customer_id, mrr
            from marts.fct_customer_mrr_monthly
            where month in (?, ?, ?) and is_paying
            """,
            months,
        ).fetchall()

    actual = {(month, segment, value): (mrr, customers) for month, segment, value, mrr, customers in segment_rows}
    for row in expected.itertuples(index=False):
        key = (row.month, row.segment, row.segment_value)
        assert key in actual, f"missing segment row {key}"
        actual_mrr, actual_customers = actual[key]
        assert abs(Decimal(str(actual_mrr)) - row.mrr) <= Decimal("0.01"), (key, actual_mrr, row.mrr)
        assert actual_customers == row.customers, (key, actual_customers, row.customers)

    expected_keys = {(row.month, row.segment, row.segment_value) for row in expected.itertuples(index=False)}
    for key, (actual_mrr, actual_customers) in actual.items():
        if key not in expected_keys:
            assert actual_mrr == 0 and actual_customers == 0, f"unexpected segment row {key}: {actual_mrr}, {actual_customers}"

    actual_by_customer = {(month, customer): Decimal(str(mrr)) for month, customer, mrr in customer_rows}
    expected_by_customer = {
        (row.month, row.customer_id): row.mrr for row in expected_customers.itertuples(index=False)
    }
    assert actual_by_customer.keys() == expected_by_customer.keys()
    for key, amount in expected_by_customer.items():
        assert abs(actual_by_customer[key] - amount) <= Decimal("0.01"), (key, actual_by_customer[key], amount)
