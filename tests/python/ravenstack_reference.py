"""Month-end MRR and paying customers of RavenStack, computed from the raw files.

This module is the reference that the warehouse's marts are checked against.
It reads the three RavenStack CSV files itself with pandas and shares no code
with scripts/ravenstack_to_contract.py or with the dbt models, so a mistake in
either shows up as a difference.

Rules applied:
- A subscription counts at a month end when start_date <= that day and its
  end_date is empty or on or after that day. RavenStack's end_date is the last
  day of service, so the exclusive contract end is the day after it.
- Trial subscriptions and subscriptions with a zero amount are not MRR.
- MRR of a monthly subscription is mrr_amount. MRR of an annual subscription is
  arr_amount / 12 rounded half up to the cent.
- Subscriptions with the same account, tier, billing frequency, dates, seats,
  amounts and trial flag are one subscription billed twice, so each such
  group counts once.
- A customer is paying when its summed MRR is above zero. Country `UK` is
  reported as the ISO code GB, and an empty channel as `unassigned`.

Run it as a script to print the figures:
    python tests/python/ravenstack_reference.py data/ravenstack 2023-12-31 2024-12-31
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

ACCOUNTS_FILE = "ravenstack_accounts.csv"
SUBSCRIPTIONS_FILE = "ravenstack_subscriptions.csv"

COUNTRY_ALIASES = {"UK": "GB"}
UNASSIGNED = "unassigned"
CENT = Decimal("0.01")

# Columns that identify one subscription billed twice under different ids.
REPEATED_SUBSCRIPTION_KEY = [
    "account_id", "plan_tier", "billing_frequency", "start_date", "end_date",
    "seats", "mrr_amount", "arr_amount", "is_trial",
]

DEFAULT_MONTH_ENDS = (date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31))


def read_raw_csv(path: Path) -> pd.DataFrame:
    """Read a RavenStack file with every value as text and empty cells as ''."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_accounts(folder: Path) -> pd.DataFrame:
    """Return one row per account with customer_id, country_code and channel."""
    accounts = read_raw_csv(folder / ACCOUNTS_FILE)
    country = accounts["country"].str.strip().str.upper()
    channel = accounts["referral_source"].str.strip()
    return pd.DataFrame(
        {
            "customer_id": accounts["account_id"].str.strip(),
            "country_code": country.replace(COUNTRY_ALIASES),
            "channel": channel.where(channel != "", UNASSIGNED),
        }
    )


def monthly_amount(billing_frequency: str, mrr_amount: str, arr_amount: str) -> Decimal:
    if billing_frequency == "annual":
        return (Decimal(arr_amount) / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    if billing_frequency == "monthly":
        return Decimal(mrr_amount).quantize(CENT, rounding=ROUND_HALF_UP)
    raise ValueError(f"invalid billing_frequency {billing_frequency!r}: expected monthly or annual")


def load_paid_subscriptions(folder: Path) -> pd.DataFrame:
    """Return the paid subscriptions with start, last service day and MRR per row."""
    subscriptions = read_raw_csv(folder / SUBSCRIPTIONS_FILE)
    subscriptions = subscriptions.drop_duplicates(subset=REPEATED_SUBSCRIPTION_KEY)

    is_trial = subscriptions["is_trial"].str.strip().str.lower() == "true"
    subscriptions = subscriptions[~is_trial].copy()

    subscriptions["mrr"] = [
        monthly_amount(frequency.strip().lower(), mrr_amount, arr_amount)
        for frequency, mrr_amount, arr_amount in zip(
            subscriptions["billing_frequency"],
            subscriptions["mrr_amount"],
            subscriptions["arr_amount"],
            strict=True,
        )
    ]
    subscriptions = subscriptions[subscriptions["mrr"] > 0]

    subscriptions["start"] = pd.to_datetime(subscriptions["start_date"], format="%Y-%m-%d")
    subscriptions["last_service_day"] = pd.to_datetime(
        subscriptions["end_date"].replace("", None), format="%Y-%m-%d"
    )
    return subscriptions[["subscription_id", "account_id", "start", "last_service_day", "mrr"]]


def customer_mrr_at(
    paid_subscriptions: pd.DataFrame, accounts: pd.DataFrame, month_end: date
) -> pd.DataFrame:
    """Return customer_id, country_code, channel and mrr of each paying customer at month_end."""
    day = pd.Timestamp(month_end)
    in_force = (paid_subscriptions["start"] <= day) & (
        paid_subscriptions["last_service_day"].isna()
        | (paid_subscriptions["last_service_day"] >= day)
    )
    counted = paid_subscriptions[in_force]

    per_customer = (
        counted.groupby("account_id")["mrr"]
        .apply(lambda amounts: sum(amounts, Decimal(0)))
        .rename("mrr")
        .reset_index()
        .rename(columns={"account_id": "customer_id"})
    )
    per_customer = per_customer[per_customer["mrr"] > 0]
    return per_customer.merge(accounts, on="customer_id", how="left", validate="one_to_one")


def segment_totals(customers: pd.DataFrame, segment: str, column: str | None) -> list[dict]:
    if column is None:
        groups: Iterable[tuple[str, pd.DataFrame]] = [("all", customers)]
    else:
        groups = customers.groupby(column, sort=True)
    return [
        {
            "segment": segment,
            "segment_value": value,
            "mrr": sum(group["mrr"], Decimal(0)),
            "customers": len(group),
        }
        for value, group in groups
    ]


def month_end_metrics(folder: Path, month_ends: Iterable[date] = DEFAULT_MONTH_ENDS) -> pd.DataFrame:
    """Return month-end MRR and paying customers in total, by country and by channel.

    One row per month, segment and segment value, with the columns month
    (first day of the month), segment (`all`, `country` or `channel`),
    segment_value, mrr (Decimal, USD) and customers. Segment values without
    paying customers at that month end have no row.
    """
    accounts = load_accounts(folder)
    paid_subscriptions = load_paid_subscriptions(folder)

    rows: list[dict] = []
    for month_end in month_ends:
        customers = customer_mrr_at(paid_subscriptions, accounts, month_end)
        month = month_end.replace(day=1)
        for segment, column in (("all", None), ("country", "country_code"), ("channel", "channel")):
            for row in segment_totals(customers, segment, column):
                rows.append({"month": month, **row})
    return pd.DataFrame(rows, columns=["month", "segment", "segment_value", "mrr", "customers"])


def customer_month_end_mrr(folder: Path, month_ends: Iterable[date] = DEFAULT_MONTH_ENDS) -> pd.DataFrame:
    """Return month, customer_id and mrr of every paying customer at each month end."""
    accounts = load_accounts(folder)
    paid_subscriptions = load_paid_subscriptions(folder)
    frames = []
    for month_end in month_ends:
        customers = customer_mrr_at(paid_subscriptions, accounts, month_end)
        frames.append(customers.assign(month=month_end.replace(day=1))[["month", "customer_id", "mrr"]])
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(
            "usage: ravenstack_reference.py RAVENSTACK_FOLDER [MONTH_END ...] "
            "(month ends as YYYY-MM-DD; default 2023-12-31 2024-06-30 2024-12-31)",
            file=sys.stderr,
        )
        return 2
    folder = Path(argv[0])
    month_ends = [date.fromisoformat(value) for value in argv[1:]] or list(DEFAULT_MONTH_ENDS)
    metrics = month_end_metrics(folder, month_ends)
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(metrics.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
