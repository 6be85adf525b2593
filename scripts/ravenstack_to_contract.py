#!/usr/bin/env python3
"""Convert the RavenStack sample dataset into a raw data contract folder.

RavenStack is a synthetic B2B SaaS dataset (accounts, subscriptions and churn
events). This script reads its three CSV files and writes the contract tables
`customers`, `customer_attributes`, `plans` and `subscriptions` as CSV files
that the warehouse loads with `make run DATA=<folder>`.

Every decision behind the mapping, with the reason for it, is written up in
docs/ravenstack_mapping.md. The functions that map rows are pure and do no
file I/O, so the tests call them directly.

Example:
    python scripts/ravenstack_to_contract.py \
        --input data/ravenstack --output output/ravenstack_contract
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

LOGGER = logging.getLogger("ravenstack_to_contract")

ACCOUNTS_FILE = "ravenstack_accounts.csv"
SUBSCRIPTIONS_FILE = "ravenstack_subscriptions.csv"
CHURN_EVENTS_FILE = "ravenstack_churn_events.csv"

# RavenStack bills in US dollars only, so the contract folder has no
# exchange_rates table.
CURRENCY = "USD"

# billing_frequency value -> (plan id suffix, contract interval_unit, interval_count)
BILLING_INTERVALS: dict[str, tuple[str, str, int]] = {
    "monthly": ("monthly", "month", 1),
    "annual": ("annual", "year", 1),
}

ACCOUNT_COLUMNS = (
    "account_id", "account_name", "industry", "country", "signup_date",
    "referral_source", "plan_tier", "seats", "is_trial", "churn_flag",
)
SUBSCRIPTION_COLUMNS = (
    "subscription_id", "account_id", "start_date", "end_date", "plan_tier",
    "seats", "mrr_amount", "arr_amount", "is_trial", "billing_frequency",
)
CHURN_EVENT_COLUMNS = (
    "churn_event_id", "account_id", "churn_date", "reason_code", "refund_amount_usd",
)

CUSTOMER_HEADER = ("customer_id", "name", "country", "channel", "created_at", "trial_started_at")
ATTRIBUTE_HEADER = ("customer_id", "attribute", "value", "valid_from")
PLAN_HEADER = ("plan_id", "name", "interval_unit", "interval_count")
SUBSCRIPTION_HEADER = (
    "subscription_id", "customer_id", "plan_id", "start_date", "end_date",
    "currency", "amount", "quantity", "is_trial",
)

ContractRow = dict[str, str]
T = TypeVar("T")


class RavenStackDataError(ValueError):
    """A RavenStack value that cannot be parsed, with its file, row and column."""


@dataclass(frozen=True)
class SourceLocation:
    """Position of a raw value: the CSV file name and the 1-based line number."""

    file_name: str
    line_number: int


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str
    industry: str
    country: str
    signup_date: date
    referral_source: str
    is_trial: bool


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    account_id: str
    start_date: date
    # Last day of service, inclusive (see last_service_day_to_exclusive_end).
    end_date: date | None
    plan_tier: str
    seats: int
    mrr_amount: Decimal
    arr_amount: Decimal
    is_trial: bool
    billing_frequency: str


@dataclass(frozen=True)
class ChurnEvent:
    churn_event_id: str
    account_id: str
    churn_date: date
    reason_code: str
    refund_amount_usd: Decimal


@dataclass(frozen=True)
class RavenStackData:
    accounts: list[Account]
    subscriptions: list[Subscription]
    churn_events: list[ChurnEvent]


@dataclass(frozen=True)
class ContractTables:
    customers: list[ContractRow]
    customer_attributes: list[ContractRow]
    plans: list[ContractRow]
    subscriptions: list[ContractRow]


# ---------------------------------------------------------------------------
# Parsing of single values. Each function raises ValueError that names the
# expected format, and parse_field adds the file, line and column.
# ---------------------------------------------------------------------------

def parse_month_first_date(value: str) -> date:
    """Parse an account signup date written M/D/YYYY, such as 8/17/2023."""
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").date()
    except ValueError:
        raise ValueError(f"invalid date {value!r}: expected M/D/YYYY") from None


def parse_day_first_date(value: str) -> date:
    """Parse a churn date written DD-MM-YYYY, such as 27-10-2024."""
    try:
        return datetime.strptime(value.strip(), "%d-%m-%Y").date()
    except ValueError:
        raise ValueError(f"invalid date {value!r}: expected DD-MM-YYYY") from None


def parse_iso_date(value: str) -> date:
    """Parse a subscription date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def parse_optional_iso_date(value: str) -> date | None:
    """Parse a YYYY-MM-DD date, where an empty value means no date."""
    if value.strip() == "":
        return None
    return parse_iso_date(value)


def parse_bool(value: str) -> bool:
    """Parse a RavenStack flag: TRUE/FALSE in accounts, True/False elsewhere."""
    normalised = value.strip().lower()
    if normalised == "true":
        return True
    if normalised == "false":
        return False
    raise ValueError(f"invalid boolean {value!r}: expected TRUE or FALSE")


def parse_count(value: str) -> int:
    """Parse a non-negative whole number such as a seat count."""
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"invalid whole number {value!r}") from None
    if number < 0:
        raise ValueError(f"invalid whole number {value!r}: must not be negative")
    return number


def parse_amount(value: str) -> Decimal:
    """Parse a non-negative USD amount in major units (12.50 means 12.50)."""
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"invalid amount {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"invalid amount {value!r}: must be a non-negative number")
    return amount


def parse_billing_frequency(value: str) -> str:
    frequency = value.strip().lower()
    if frequency not in BILLING_INTERVALS:
        expected = ", ".join(sorted(BILLING_INTERVALS))
        raise ValueError(f"invalid billing frequency {value!r}: expected one of {expected}")
    return frequency


def parse_required_text(value: str) -> str:
    text = value.strip()
    if text == "":
        raise ValueError("missing value")
    return text


def parse_field(
    row: Mapping[str, str], column: str, parser: Callable[[str], T], location: SourceLocation
) -> T:
    """Apply parser to one column of a raw row, naming file, line and column on failure."""
    raw_value = row.get(column)
    if raw_value is None:
        raise RavenStackDataError(
            f"{location.file_name} line {location.line_number}: column {column!r} is missing"
        )
    try:
        return parser(raw_value)
    except ValueError as error:
        raise RavenStackDataError(
            f"{location.file_name} line {location.line_number}, column {column!r}: {error}"
        ) from None


# ---------------------------------------------------------------------------
# Parsing of whole rows
# ---------------------------------------------------------------------------

def parse_account(row: Mapping[str, str], location: SourceLocation) -> Account:
    return Account(
        account_id=parse_field(row, "account_id", parse_required_text, location),
        account_name=row.get("account_name", "").strip(),
        industry=row.get("industry", "").strip(),
        country=row.get("country", "").strip(),
        signup_date=parse_field(row, "signup_date", parse_month_first_date, location),
        referral_source=row.get("referral_source", "").strip(),
        is_trial=parse_field(row, "is_trial", parse_bool, location),
    )


def parse_subscription(row: Mapping[str, str], location: SourceLocation) -> Subscription:
    return Subscription(
        subscription_id=parse_field(row, "subscription_id", parse_required_text, location),
        account_id=parse_field(row, "account_id", parse_required_text, location),
        start_date=parse_field(row, "start_date", parse_iso_date, location),
        end_date=parse_field(row, "end_date", parse_optional_iso_date, location),
        plan_tier=parse_field(row, "plan_tier", parse_required_text, location),
        seats=parse_field(row, "seats", parse_count, location),
        mrr_amount=parse_field(row, "mrr_amount", parse_amount, location),
        arr_amount=parse_field(row, "arr_amount", parse_amount, location),
        is_trial=parse_field(row, "is_trial", parse_bool, location),
        billing_frequency=parse_field(row, "billing_frequency", parse_billing_frequency, location),
    )


def parse_churn_event(row: Mapping[str, str], location: SourceLocation) -> ChurnEvent:
    return ChurnEvent(
        churn_event_id=parse_field(row, "churn_event_id", parse_required_text, location),
        account_id=parse_field(row, "account_id", parse_required_text, location),
        churn_date=parse_field(row, "churn_date", parse_day_first_date, location),
        reason_code=parse_field(row, "reason_code", parse_required_text, location),
        refund_amount_usd=parse_field(row, "refund_amount_usd", parse_amount, location),
    )


# ---------------------------------------------------------------------------
# Mapping to contract rows (pure functions)
# ---------------------------------------------------------------------------

def format_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def plan_id_for(plan_tier: str, billing_frequency: str) -> str:
    """Return the contract plan id of a tier and billing frequency, e.g. basic_annual."""
    suffix, _, _ = BILLING_INTERVALS[billing_frequency]
    return f"{plan_tier.strip().lower()}_{suffix}"


def last_service_day_to_exclusive_end(end_date: date | None) -> date | None:
    """Turn RavenStack's end_date (last day of service) into the contract's exclusive end.

    Thirteen paid RavenStack subscriptions end on the day they start. Read as
    an exclusive end they would be periods without a single day of service,
    so end_date is read as the last day served and the contract end is the
    following day.
    """
    if end_date is None:
        return None
    return end_date + timedelta(days=1)


def interval_amount(subscription: Subscription) -> Decimal:
    """Return the price of one billing interval for all seats of a subscription.

    Monthly subscriptions are billed mrr_amount a month and annual ones
    arr_amount a year. Both columns already cover every seat.
    """
    if subscription.billing_frequency == "annual":
        return subscription.arr_amount
    return subscription.mrr_amount


def trial_start_dates(subscriptions: Iterable[Subscription]) -> dict[str, date]:
    """Return the trial start of each account whose subscriptions begin with a free trial.

    An account begins with a trial when every subscription that starts on its
    earliest start date is a trial. An account that also starts a paid
    subscription that day pays from the first day and gets no trial date.
    Trial subscriptions that start later are trials of another tier by an
    existing customer and are not the customer's acquisition trial.
    """
    earliest_by_account: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        current = earliest_by_account.get(subscription.account_id)
        if current is None or subscription.start_date < current[0].start_date:
            earliest_by_account[subscription.account_id] = [subscription]
        elif subscription.start_date == current[0].start_date:
            current.append(subscription)

    return {
        account_id: first_day[0].start_date
        for account_id, first_day in earliest_by_account.items()
        if all(subscription.is_trial for subscription in first_day)
    }


def map_customers(
    accounts: Sequence[Account], subscriptions: Sequence[Subscription]
) -> list[ContractRow]:
    """Map accounts to contract customers.

    The country is copied unchanged, so `UK` reaches the warehouse, whose
    staging maps it to the ISO code GB.
    """
    trial_started = trial_start_dates(subscriptions)
    return [
        {
            "customer_id": account.account_id,
            "name": account.account_name,
            "country": account.country,
            "channel": account.referral_source,
            "created_at": format_date(account.signup_date),
            "trial_started_at": format_date(trial_started.get(account.account_id)),
        }
        for account in accounts
    ]


def map_customer_attributes(
    accounts: Sequence[Account], churn_events: Sequence[ChurnEvent]
) -> list[ContractRow]:
    """Map industries and churn reasons to contract customer attributes.

    `industry` is valid from the signup date. Each churn event sets
    `last_churn_reason` from its churn date. Churn events repeated for one
    account, date and reason become a single row. Conflicting reasons on one
    day are both written, so the warehouse quarantines them as a duplicate key
    instead of this script choosing one.
    """
    rows: list[ContractRow] = [
        {
            "customer_id": account.account_id,
            "attribute": "industry",
            "value": account.industry,
            "valid_from": format_date(account.signup_date),
        }
        for account in accounts
        if account.industry != ""
    ]

    seen: set[tuple[str, date, str]] = set()
    for event in churn_events:
        key = (event.account_id, event.churn_date, event.reason_code)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "customer_id": event.account_id,
                "attribute": "last_churn_reason",
                "value": event.reason_code,
                "valid_from": format_date(event.churn_date),
            }
        )
    return rows


def map_plans(subscriptions: Sequence[Subscription]) -> list[ContractRow]:
    """Return one contract plan per plan tier and billing frequency found in the data."""
    plans: dict[str, ContractRow] = {}
    for subscription in subscriptions:
        plan_id = plan_id_for(subscription.plan_tier, subscription.billing_frequency)
        if plan_id in plans:
            continue
        _, interval_unit, interval_count = BILLING_INTERVALS[subscription.billing_frequency]
        plans[plan_id] = {
            "plan_id": plan_id,
            "name": f"{subscription.plan_tier} ({subscription.billing_frequency})",
            "interval_unit": interval_unit,
            "interval_count": str(interval_count),
        }
    return [plans[plan_id] for plan_id in sorted(plans)]


def map_subscriptions(subscriptions: Sequence[Subscription]) -> list[ContractRow]:
    """Map RavenStack subscriptions to contract subscription periods, one row each."""
    return [
        {
            "subscription_id": subscription.subscription_id,
            "customer_id": subscription.account_id,
            "plan_id": plan_id_for(subscription.plan_tier, subscription.billing_frequency),
            "start_date": format_date(subscription.start_date),
            "end_date": format_date(last_service_day_to_exclusive_end(subscription.end_date)),
            "currency": CURRENCY,
            "amount": str(interval_amount(subscription)),
            "quantity": str(subscription.seats),
            "is_trial": format_bool(subscription.is_trial),
        }
        for subscription in subscriptions
    ]


def map_to_contract(data: RavenStackData) -> ContractTables:
    return ContractTables(
        customers=map_customers(data.accounts, data.subscriptions),
        customer_attributes=map_customer_attributes(data.accounts, data.churn_events),
        plans=map_plans(data.subscriptions),
        subscriptions=map_subscriptions(data.subscriptions),
    )


# ---------------------------------------------------------------------------
# Data checks that log what the warehouse will see. They change no rows,
# because the warehouse's staging quarantines bad rows and can only do so when
# every raw row reaches it.
# ---------------------------------------------------------------------------

def find_duplicate_ids(ids: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(ids).items() if count > 1)


def find_repeated_subscriptions(subscriptions: Sequence[Subscription]) -> list[list[str]]:
    """Return groups of subscription ids with the same account, plan, dates, seats and amounts.

    The contract treats such rows as one subscription billed twice under
    another id, so all but one row of each group belong in the quarantine.
    """
    groups: dict[tuple, list[str]] = defaultdict(list)
    for subscription in subscriptions:
        key = (
            subscription.account_id,
            subscription.plan_tier,
            subscription.billing_frequency,
            subscription.start_date,
            subscription.end_date,
            subscription.seats,
            subscription.mrr_amount,
            subscription.arr_amount,
            subscription.is_trial,
        )
        groups[key].append(subscription.subscription_id)
    return [sorted(ids) for ids in groups.values() if len(ids) > 1]


def log_data_checks(data: RavenStackData) -> None:
    for name, ids in (
        ("account_id", [account.account_id for account in data.accounts]),
        ("subscription_id", [subscription.subscription_id for subscription in data.subscriptions]),
        ("churn_event_id", [event.churn_event_id for event in data.churn_events]),
    ):
        duplicates = find_duplicate_ids(ids)
        if duplicates:
            LOGGER.warning(
                "%d duplicate %s values, written unchanged for the warehouse to quarantine: %s",
                len(duplicates), name, ", ".join(duplicates),
            )

    known_accounts = {account.account_id for account in data.accounts}
    unknown = sorted(
        {subscription.account_id for subscription in data.subscriptions} - known_accounts
    )
    if unknown:
        LOGGER.warning(
            "%d subscription account ids are not in %s, written unchanged: %s",
            len(unknown), ACCOUNTS_FILE, ", ".join(unknown),
        )

    for group in find_repeated_subscriptions(data.subscriptions):
        LOGGER.warning(
            "subscriptions %s have the same account, plan, dates, seats and amount, "
            "which the contract treats as one subscription billed twice",
            ", ".join(group),
        )

    inconsistent = [
        subscription.subscription_id
        for subscription in data.subscriptions
        if subscription.arr_amount != 12 * subscription.mrr_amount
    ]
    if inconsistent:
        LOGGER.warning(
            "%d subscriptions have arr_amount different from 12 x mrr_amount; "
            "annual plans use arr_amount: %s",
            len(inconsistent), ", ".join(inconsistent),
        )

    refunded = [event for event in data.churn_events if event.refund_amount_usd > 0]
    LOGGER.info(
        "%d churn events carry refunds totalling %s USD; they are not written "
        "as transactions (see docs/ravenstack_mapping.md)",
        len(refunded), sum((event.refund_amount_usd for event in refunded), Decimal(0)),
    )


# ---------------------------------------------------------------------------
# File I/O
# ---------------------------------------------------------------------------

def read_csv_rows(path: Path, required_columns: Sequence[str]) -> list[tuple[SourceLocation, dict[str, str]]]:
    """Read a CSV file with any line endings and return each row with its location."""
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")

    # newline="" lets the csv module handle the CRLF endings of the RavenStack files.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in required_columns if column not in header]
        if missing:
            raise RavenStackDataError(
                f"{path.name}: missing columns {', '.join(missing)}. The header is {', '.join(header)}"
            )
        rows = []
        for row in reader:
            # reader.line_num is the physical line of the row just read (the header is line 1).
            rows.append((SourceLocation(path.name, reader.line_num), row))
    return rows


def read_ravenstack_folder(folder: Path) -> RavenStackData:
    accounts = [
        parse_account(row, location)
        for location, row in read_csv_rows(folder / ACCOUNTS_FILE, ACCOUNT_COLUMNS)
    ]
    subscriptions = [
        parse_subscription(row, location)
        for location, row in read_csv_rows(folder / SUBSCRIPTIONS_FILE, SUBSCRIPTION_COLUMNS)
    ]
    churn_events = [
        parse_churn_event(row, location)
        for location, row in read_csv_rows(folder / CHURN_EVENTS_FILE, CHURN_EVENT_COLUMNS)
    ]
    LOGGER.info(
        "read %d accounts, %d subscriptions and %d churn events from %s",
        len(accounts), len(subscriptions), len(churn_events), folder,
    )
    return RavenStackData(accounts, subscriptions, churn_events)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[ContractRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    LOGGER.info("wrote %d rows to %s", len(rows), path)


def write_contract_folder(tables: ContractTables, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "customers.csv", CUSTOMER_HEADER, tables.customers)
    write_csv(folder / "customer_attributes.csv", ATTRIBUTE_HEADER, tables.customer_attributes)
    write_csv(folder / "plans.csv", PLAN_HEADER, tables.plans)
    write_csv(folder / "subscriptions.csv", SUBSCRIPTION_HEADER, tables.subscriptions)


def convert(input_folder: Path, output_folder: Path) -> ContractTables:
    """Read the RavenStack files from input_folder and write the contract tables to output_folder."""
    data = read_ravenstack_folder(input_folder)
    log_data_checks(data)
    tables = map_to_contract(data)
    write_contract_folder(tables, output_folder)
    return tables


def build_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Convert the RavenStack CSV files (accounts, subscriptions, churn events) "
            "into a raw data contract folder for the warehouse."
        )
    )
    parser.add_argument(
        "--input", type=Path, default=Path("data/ravenstack"),
        help="folder with the three ravenstack_*.csv files (default: data/ravenstack)",
    )
    parser.add_argument(
        "--output", type=Path, required=True,
        help="folder to write the contract CSV files to; created if missing, "
             "existing contract files in it are overwritten",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default: INFO)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_argument_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        convert(args.input, args.output)
    except (FileNotFoundError, RavenStackDataError) as error:
        LOGGER.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
