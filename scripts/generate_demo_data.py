#!/usr/bin/env python3
"""Generate the seeded demo company: a raw billing export in contract v1 shape.

The demo company sells a multi-channel messaging product (WhatsApp, SMS and
email campaigns) per seat in 20 countries. The script writes one CSV per raw
table (customers, customer_attributes, sales_reps, plans, line_items,
transactions, exchange_rates) and streams rows to the files, so memory stays
bounded by the number of customers times a few numbers, not by the row count.

All randomness comes from numpy Generators derived from `--seed`, so the same
seed and options give byte-identical files. Each table family draws from its
own child generator, so changing `--customers` leaves the sales reps and the
exchange rates unchanged.

About ten rows break the contract on purpose (see `write_contract_breaking_rows`)
so that the warehouse's quarantine has something to catch.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

import numpy as np

LOGGER = logging.getLogger("generate_demo_data")

DEFAULT_SEED = 7
DEFAULT_CUSTOMERS = 4000
DEFAULT_START = date(2023, 10, 1)
DEFAULT_MONTHS = 36
DEFAULT_OUTPUT = Path("data/demo")
# The first leads always pay, so that the contract-breaking rows have lines to
# copy and the country values below carry revenue at any --customers.
ALWAYS_PAYING_LEADS = 4
# Lead index -> (market the lead is simulated in, country value written to customers.csv).
# Contract-breaking on purpose: two common aliases and one unknown value.
COUNTRY_VALUE_OVERRIDES = {1: ("GB", "UK"), 2: ("BR", "Brasil"), 3: ("US", "Atlantis")}
MIN_CUSTOMERS = 20

# Column order of each raw table, as listed in models/staging/_billing__sources.yml.
COLUMNS: dict[str, list[str]] = {
    "customers": [
        "customer_id", "name", "email", "country", "state", "city", "channel",
        "created_at", "lead_created_at", "trial_started_at",
    ],
    "customer_attributes": ["customer_id", "attribute", "value", "valid_from"],
    "sales_reps": ["sales_rep_id", "name", "team", "region", "hired_on", "left_on"],
    "plans": ["plan_id", "name", "interval_unit", "interval_count"],
    "line_items": [
        "line_item_id", "invoice_id", "invoice_date", "customer_id", "subscription_id",
        "plan_id", "kind", "service_period_start", "service_period_end", "currency",
        "amount", "discount_amount", "tax_amount", "quantity", "prorated", "cancelled_at",
    ],
    "transactions": ["transaction_id", "invoice_id", "kind", "result", "occurred_at", "amount"],
    "exchange_rates": ["rate_date", "currency", "rate_to_base"],
}

# ---------------------------------------------------------------------------
# The company's markets
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """Commercial behaviour of one sales region."""

    name: str
    price_factor: float  # multiplies the USD list price per seat (regional price list)
    trial_conversion: float  # probability that a finished trial becomes paying
    lead_growth: float  # extra lead share gained per year of the span


@dataclass(frozen=True)
class Country:
    """One market: billing currency, VAT-like tax, lead weight and locations."""

    code: str
    region: str
    currency: str
    tax_rate: float  # fraction of the net amount, billed in tax_amount
    lead_weight: float  # relative lead volume
    locations: tuple[tuple[str, str], ...]  # (state, city) pairs, with an empty state where none is used
    churn_factor: float = 1.0  # multiplies the base monthly churn hazard


# Deal size differs by up to 25 % between regions (1.00 / 0.80).
REGIONS: dict[str, Region] = {
    "Europe": Region("Europe", price_factor=0.95, trial_conversion=0.30, lead_growth=0.10),
    "LatAm": Region("LatAm", price_factor=0.80, trial_conversion=0.24, lead_growth=0.35),
    "Asia": Region("Asia", price_factor=0.85, trial_conversion=0.20, lead_growth=0.25),
    "North America": Region("North America", price_factor=1.00, trial_conversion=0.33, lead_growth=0.05),
}

COUNTRIES: tuple[Country, ...] = (
    Country("DE", "Europe", "EUR", 0.19, 9, (("BE", "Berlin"), ("BY", "Munich"), ("HH", "Hamburg"))),
    Country("FR", "Europe", "EUR", 0.20, 6, (("", "Paris"), ("", "Lyon"), ("", "Nantes"))),
    Country("ES", "Europe", "EUR", 0.21, 5, (("", "Madrid"), ("", "Barcelona"), ("", "Valencia"))),
    Country("IT", "Europe", "EUR", 0.22, 4, (("", "Milan"), ("", "Rome"), ("", "Turin"))),
    Country("NL", "Europe", "EUR", 0.21, 3, (("", "Amsterdam"), ("", "Rotterdam"), ("", "Utrecht"))),
    Country("GB", "Europe", "GBP", 0.20, 7, (("ENG", "London"), ("ENG", "Manchester"), ("SCT", "Edinburgh"))),
    Country("PL", "Europe", "PLN", 0.23, 3, (("", "Warsaw"), ("", "Kraków"), ("", "Wrocław"))),
    Country("SE", "Europe", "SEK", 0.25, 2, (("", "Stockholm"), ("", "Gothenburg"), ("", "Malmö"))),
    Country("BR", "LatAm", "BRL", 0.14, 10,
            (("SP", "São Paulo"), ("RJ", "Rio de Janeiro"), ("MG", "Belo Horizonte")), churn_factor=3.0),
    Country("MX", "LatAm", "MXN", 0.16, 6, (("CMX", "Mexico City"), ("JAL", "Guadalajara"), ("NLE", "Monterrey"))),
    Country("AR", "LatAm", "USD", 0.21, 3, (("C", "Buenos Aires"), ("X", "Córdoba"), ("S", "Rosario"))),
    Country("CO", "LatAm", "COP", 0.19, 3, (("DC", "Bogotá"), ("ANT", "Medellín"), ("VAC", "Cali"))),
    Country("CL", "LatAm", "CLP", 0.19, 2, (("RM", "Santiago"), ("VS", "Valparaíso"), ("BI", "Concepción"))),
    Country("IN", "Asia", "INR", 0.18, 8, (("KA", "Bengaluru"), ("MH", "Mumbai"), ("DL", "New Delhi"))),
    Country("SG", "Asia", "SGD", 0.09, 2, (("", "Singapore"),)),
    Country("JP", "Asia", "JPY", 0.10, 3, (("13", "Tokyo"), ("27", "Osaka"), ("14", "Yokohama"))),
    Country("ID", "Asia", "IDR", 0.11, 3, (("JK", "Jakarta"), ("JI", "Surabaya"), ("JB", "Bandung"))),
    Country("PH", "Asia", "USD", 0.12, 2, (("", "Manila"), ("", "Cebu City"), ("", "Davao City"))),
    Country("US", "North America", "USD", 0.0, 14, (("CA", "San Francisco"), ("NY", "New York"), ("TX", "Austin"),
                                                    ("WA", "Seattle"), ("IL", "Chicago"))),
    Country("CA", "North America", "CAD", 0.05, 4, (("ON", "Toronto"), ("BC", "Vancouver"), ("QC", "Montréal"))),
)
COUNTRY_BY_CODE: dict[str, Country] = {country.code: country for country in COUNTRIES}

# US dollars per unit around late 2023. The random walk starts at these levels and reverts to them.
BASE_RATES: dict[str, float] = {
    "EUR": 1.07, "GBP": 1.23, "PLN": 0.24, "SEK": 0.092, "BRL": 0.20, "MXN": 0.057,
    "COP": 0.00025, "CLP": 0.0011, "INR": 0.012, "SGD": 0.73, "JPY": 0.0067,
    "IDR": 0.000064, "CAD": 0.73,
}
# Daily standard deviation of the log rate (emerging-market currencies move more).
RATE_VOLATILITY: dict[str, float] = {
    "EUR": 0.004, "GBP": 0.005, "PLN": 0.006, "SEK": 0.006, "BRL": 0.010, "MXN": 0.009,
    "COP": 0.009, "CLP": 0.009, "INR": 0.003, "SGD": 0.003, "JPY": 0.006,
    "IDR": 0.004, "CAD": 0.004,
}
# Fraction of the gap to the base level that the log rate closes each day.
RATE_MEAN_REVERSION = 0.004
# Days of rates before the span starts, so every early invoice has a rate.
RATE_LEAD_DAYS = 31

# Relative lead volume by calendar month: weak August and December, strong Q1 and September.
LEAD_SEASONALITY = (1.20, 1.15, 1.15, 1.00, 1.00, 0.95, 0.85, 0.60, 1.25, 1.05, 1.00, 0.65)
# Trial conversion by calendar month of the trial start, relative to the region's rate.
CONVERSION_SEASONALITY = (1.10, 1.05, 1.05, 1.00, 1.00, 0.95, 0.90, 0.75, 1.10, 1.00, 1.00, 0.80)
# Overall growth of lead volume per month of the span.
LEAD_GROWTH_PER_MONTH = 0.02

CHANNELS = ("ads", "partner", "organic", "outbound", "referral")
CHANNEL_WEIGHTS: dict[str, tuple[float, ...]] = {
    "Europe": (0.25, 0.10, 0.30, 0.25, 0.10),
    "LatAm": (0.30, 0.25, 0.20, 0.15, 0.10),
    "Asia": (0.30, 0.20, 0.25, 0.15, 0.10),
    "North America": (0.25, 0.05, 0.40, 0.20, 0.10),
}
# Per channel: probability of a free trial, of buying without a trial, and a
# factor on the trial conversion rate.
TRIAL_PROBABILITY = {"ads": 0.60, "partner": 0.35, "organic": 0.65, "outbound": 0.25, "referral": 0.50}
DIRECT_PURCHASE_PROBABILITY = {"ads": 0.03, "partner": 0.15, "organic": 0.03, "outbound": 0.12, "referral": 0.08}
CHANNEL_CONVERSION_FACTOR = {"ads": 0.80, "partner": 1.10, "organic": 1.00, "outbound": 1.05, "referral": 1.30}
TRIAL_DAYS = 14
# Share of converting trialists who pay weeks after the trial expired.
LATE_CONVERSION_PROBABILITY = 0.15

COMPANY_SIZES = ("1-10", "11-50", "51-200", "201+")
COMPANY_SIZE_WEIGHTS = (0.45, 0.33, 0.16, 0.06)
SEAT_RANGE = {"1-10": (1, 5), "11-50": (3, 15), "51-200": (10, 40), "201+": (25, 120)}
INDUSTRIES = ("retail", "e-commerce", "education", "healthcare", "financial services",
              "travel", "media", "logistics", "real estate", "software")


@dataclass(frozen=True)
class Tier:
    """A product tier with its USD list price per seat and month."""

    key: str
    name: str
    usd_cents_per_seat_month: int


TIERS: tuple[Tier, ...] = (
    Tier("starter", "Starter", 1500),
    Tier("growth", "Growth", 2900),
    Tier("scale", "Scale", 4900),
)
# Tier choice by company size: starter, growth, scale.
TIER_WEIGHTS = {
    "1-10": (0.70, 0.25, 0.05),
    "11-50": (0.45, 0.40, 0.15),
    "51-200": (0.20, 0.50, 0.30),
    "201+": (0.05, 0.40, 0.55),
}


@dataclass(frozen=True)
class BillingInterval:
    """A billing interval: contract unit and count, its length in months and its price factor."""

    key: str
    label: str
    interval_unit: str
    interval_count: int
    months: int
    price_factor: float  # price of one interval relative to `months` monthly prices


INTERVALS: tuple[BillingInterval, ...] = (
    BillingInterval("monthly", "monthly", "month", 1, 1, 1.00),
    BillingInterval("quarterly", "quarterly", "month", 3, 3, 0.95),
    BillingInterval("yearly", "yearly", "year", 1, 12, 0.85),
)
INTERVAL_WEIGHTS = (0.60, 0.15, 0.25)

# Monthly churn hazard before the country and tier factors. Yearly payers churn less.
BASE_MONTHLY_CHURN = {"monthly": 0.025, "quarterly": 0.020, "yearly": 0.012}
TIER_CHURN_FACTOR = {"starter": 1.2, "growth": 1.0, "scale": 0.7}
# Monthly probability of a mid-cycle upgrade (seats or tier) and of a downgrade.
MONTHLY_UPGRADE_PROBABILITY = 0.025
MONTHLY_DOWNGRADE_PROBABILITY = 0.010
# Probability that a churned customer comes back with a new subscription.
REACTIVATION_PROBABILITY = 0.15
MAX_SUBSCRIPTIONS_PER_CUSTOMER = 3
# Share of sales-led (outbound or partner) first purchases that carry a setup fee.
SETUP_FEE_PROBABILITY = 0.20
SETUP_FEE_USD_CENTS = 50000
DISCOUNT_PROBABILITY = 0.30
DISCOUNT_RATES = (0.10, 0.15, 0.20)

FAILED_PAYMENT_PROBABILITY = 0.03
FAILED_PAYMENT_RETRY_PROBABILITY = 0.85
REFUND_PROBABILITY = 0.007

FIRST_NAMES = ("Ana", "Lukas", "Sofia", "Mateo", "Priya", "Kenji", "Emma", "Lucas", "Chloe", "Diego",
               "Aisha", "Jonas", "Marta", "Rafael", "Mei", "Olivia", "Noah", "Camila", "Arjun", "Hana",
               "Elena", "Tomás", "Julia", "Rohan", "Sara", "Felipe", "Nina", "Daniel", "Yuki", "Laura")
LAST_NAMES = ("Silva", "Müller", "García", "Rossi", "Kowalski", "Tanaka", "Smith", "Dubois", "Santos",
              "Jansen", "Patel", "Andersson", "López", "Nguyen", "Brown", "Schmidt", "Fernández", "Costa",
              "Sato", "Reyes", "Martin", "Kumar", "Wilson", "Novak", "Moreau", "Lim", "Gómez", "Weber")
COMPANY_WORDS = ("Blue", "North", "Bright", "Cedar", "Harbor", "Summit", "Lumen", "Nova", "Orchid",
                 "Pioneer", "Quartz", "River", "Solar", "Terra", "Urban", "Vista", "Willow", "Zenith",
                 "Atlas", "Coral", "Delta", "Ember", "Fjord", "Granite", "Horizon", "Iris", "Juniper")
COMPANY_NOUNS = ("Foods", "Travel", "Clinic", "Academy", "Retail", "Logistics", "Media", "Homes",
                 "Fashion", "Labs", "Motors", "Bank", "Studio", "Market", "Pharma", "Sports")

# The sales team: region, team and hire and leave dates as fractions of the
# span (negative: hired before it starts). Three people leave during the span
# and each region keeps at least one person hired before the span.
REP_ROSTER: tuple[tuple[str, str, float, float | None], ...] = (
    ("Europe", "Mid-Market", -1.5, None),
    ("Europe", "SMB", -0.8, 0.45),
    ("Europe", "SMB", -0.3, None),
    ("Europe", "Mid-Market", 0.40, None),
    ("LatAm", "SMB", -1.0, None),
    ("LatAm", "Mid-Market", -0.5, 0.62),
    ("LatAm", "SMB", 0.30, None),
    ("Asia", "SMB", -0.9, None),
    ("Asia", "Mid-Market", 0.10, 0.80),
    ("Asia", "SMB", 0.55, None),
    ("North America", "Mid-Market", -1.2, None),
    ("North America", "SMB", 0.20, None),
)

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping the day to the last day of the target month."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def format_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_money(cents: int) -> str:
    """Format integer minor units as a decimal string in major units (-1250 -> '-12.50')."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def scale_cents(cents: int, numerator: int, denominator: int) -> int:
    """Return cents * numerator / denominator rounded half away from zero, in integers."""
    product = abs(cents) * numerator
    rounded = (2 * product + denominator) // (2 * denominator)
    return -rounded if cents < 0 else rounded


def round_to_two_significant(value: float) -> float:
    """Round a price to two significant digits, the way regional price lists read."""
    if value <= 0:
        raise ValueError(f"price must be positive, got {value}")
    magnitude = 10 ** (math.floor(math.log10(value)) - 1)
    return round(value / magnitude) * magnitude


def local_price_cents(usd_cents: int, country: Country) -> int:
    """Convert a USD list price into the country's list price, in minor units of its currency."""
    region = REGIONS[country.region]
    usd = usd_cents / 100 * region.price_factor
    rate = 1.0 if country.currency == "USD" else BASE_RATES[country.currency]
    return int(round(round_to_two_significant(usd / rate) * 100))


def interval_price_cents(tier: Tier, interval: BillingInterval, country: Country) -> int:
    """Price of one seat for one billing interval, in minor units of the country's currency."""
    per_month = local_price_cents(tier.usd_cents_per_seat_month, country)
    return int(round(per_month * interval.months * interval.price_factor))


def plan_id(tier: Tier, interval: BillingInterval) -> str:
    return f"{tier.key}-{interval.key}"


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


class CsvSink:
    """Open CSV writers for every raw table, writing rows as they come and counting them."""

    def __init__(self, output: Path) -> None:
        output.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, csv.DictWriter[str]] = {}
        self.counts: dict[str, int] = {}
        for table, columns in COLUMNS.items():
            handle = open(output / f"{table}.csv", "w", encoding="utf-8", newline="")
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n", restval="")
            writer.writeheader()
            self._files[table] = handle
            self._writers[table] = writer
            self.counts[table] = 0

    def write(self, table: str, row: dict[str, str]) -> None:
        self._writers[table].writerow(row)
        self.counts[table] += 1

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()


@dataclass
class IdCounters:
    """Running counters behind the generated ids."""

    invoice: int = 0
    line_item: int = 0
    subscription: int = 0
    transaction: int = 0

    def next_invoice(self) -> str:
        self.invoice += 1
        return f"in_{self.invoice:07d}"

    def next_line_item(self) -> str:
        self.line_item += 1
        return f"li_{self.line_item:08d}"

    def next_subscription(self) -> str:
        self.subscription += 1
        return f"sub_{self.subscription:06d}"

    def next_transaction(self) -> str:
        self.transaction += 1
        return f"txn_{self.transaction:08d}"


# ---------------------------------------------------------------------------
# Static tables: plans, sales reps, exchange rates
# ---------------------------------------------------------------------------

BROKEN_PLAN_ID = "growth-monthly-legacy"


def plan_rows() -> list[dict[str, str]]:
    """Return the plan table: three tiers times three intervals, plus one plan with interval_count 0."""
    rows = [
        {
            "plan_id": plan_id(tier, interval),
            "name": f"{tier.name} ({interval.label})",
            "interval_unit": interval.interval_unit,
            "interval_count": str(interval.interval_count),
        }
        for tier in TIERS
        for interval in INTERVALS
    ]
    # Contract-breaking on purpose: interval_count must be at least 1.
    rows.append({"plan_id": BROKEN_PLAN_ID, "name": "Growth (legacy monthly)",
                 "interval_unit": "month", "interval_count": "0"})
    return rows


@dataclass(frozen=True)
class SalesRep:
    sales_rep_id: str
    name: str
    team: str
    region: str
    hired_on: date
    left_on: date | None

    def is_active(self, day: date) -> bool:
        return self.hired_on <= day and (self.left_on is None or day < self.left_on)


def build_sales_reps(rng: np.random.Generator, start: date, end: date) -> list[SalesRep]:
    """Build the sales team from REP_ROSTER with seeded names and day offsets."""
    span_days = (end - start).days
    reps = []
    for index, (region, team, hire_fraction, leave_fraction) in enumerate(REP_ROSTER, start=1):
        name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
        hired_on = start + timedelta(days=int(hire_fraction * span_days) + int(rng.integers(0, 20)))
        left_on = None
        if leave_fraction is not None:
            left_on = start + timedelta(days=int(leave_fraction * span_days) + int(rng.integers(0, 20)))
        reps.append(SalesRep(f"rep_{index:02d}", name, team, region, hired_on, left_on))
    return reps


def sales_rep_row(rep: SalesRep) -> dict[str, str]:
    return {
        "sales_rep_id": rep.sales_rep_id,
        "name": rep.name,
        "team": rep.team,
        "region": rep.region,
        "hired_on": rep.hired_on.isoformat(),
        "left_on": rep.left_on.isoformat() if rep.left_on else "",
    }


def exchange_rate_rows(rng: np.random.Generator, first_day: date, last_day: date) -> Iterator[dict[str, str]]:
    """Yield one rate per day and non-USD currency: a mean-reverting random walk of the log rate."""
    currencies = sorted(BASE_RATES)
    targets = np.log(np.array([BASE_RATES[code] for code in currencies]))
    volatility = np.array([RATE_VOLATILITY[code] for code in currencies])
    log_rates = targets.copy()
    day = first_day
    while day <= last_day:
        for code, log_rate in zip(currencies, log_rates):
            yield {"rate_date": day.isoformat(), "currency": code, "rate_to_base": f"{math.exp(log_rate):.6g}"}
        shocks = rng.normal(0.0, 1.0, len(currencies)) * volatility
        log_rates = log_rates + RATE_MEAN_REVERSION * (targets - log_rates) + shocks
        day += timedelta(days=1)


# ---------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------


def sample_lead_times(rng: np.random.Generator, count: int, start: date, months: int) -> np.ndarray:
    """Return sorted lead creation times in seconds since `start`, shaped by growth and seasonality."""
    month_starts = [add_months(start, offset) for offset in range(months + 1)]
    weights = np.array([
        LEAD_SEASONALITY[month_starts[offset].month - 1] * (1 + LEAD_GROWTH_PER_MONTH) ** offset
        for offset in range(months)
    ])
    chosen = rng.choice(months, size=count, p=weights / weights.sum())
    offsets_days = np.array([(day - start).days for day in month_starts])
    month_seconds = (offsets_days[chosen + 1] - offsets_days[chosen]) * 86400
    seconds = offsets_days[chosen] * 86400 + np.floor(rng.random(count) * month_seconds)
    return np.sort(seconds.astype(np.int64))


def country_weights(progress: float) -> np.ndarray:
    """Return country choice weights at `progress` (0 to 1 through the span): growing regions gain share."""
    weights = np.array([
        country.lead_weight * (1 + REGIONS[country.region].lead_growth * 3 * progress) for country in COUNTRIES
    ])
    return weights / weights.sum()


# ---------------------------------------------------------------------------
# One customer's life
# ---------------------------------------------------------------------------


@dataclass
class Invoice:
    """One invoice: its id, issue time and lines (rows ready to write)."""

    invoice_id: str
    issued_at: datetime
    lines: list[dict[str, str]] = field(default_factory=list)
    total_cents: int = 0  # amount plus tax over all lines


@dataclass
class Customer:
    customer_id: str
    index: int
    country: Country
    channel: str
    company_size: str
    lead_created_at: datetime
    created_at: datetime
    trial_started_at: datetime | None
    sales_rep: SalesRep | None
    discount_rate: float


@dataclass
class SubscriptionState:
    """The billed state of one subscription: plan, seats and the current interval."""

    subscription_id: str
    tier_index: int
    interval: BillingInterval
    seats: int
    anchor: date


class CompanySimulator:
    """Simulate leads one at a time and stream their rows to a CsvSink."""

    def __init__(self, rng: np.random.Generator, sink: CsvSink, reps: Sequence[SalesRep],
                 start: date, end: date, customer_count: int) -> None:
        self.rng = rng
        self.sink = sink
        self.reps = list(reps)
        self.start = start
        self.end = end
        self.start_moment = datetime.combine(start, datetime.min.time())
        self.end_moment = datetime.combine(end, datetime.min.time())
        self.span_seconds = (end - start).days * 86400
        self.ids = IdCounters()
        self.id_width = max(6, len(str(customer_count)))
        # Kept for the contract-breaking rows written after all customers.
        self.sample_subscription_lines: list[dict[str, str]] = []
        self.first_customer: Customer | None = None

    # -- choices -----------------------------------------------------------

    def choose(self, options: Sequence[str], weights: Sequence[float]) -> str:
        probabilities = np.asarray(weights, dtype=float)
        return options[int(self.rng.choice(len(options), p=probabilities / probabilities.sum()))]

    def random_moment(self, first: datetime, last: datetime) -> datetime:
        seconds = max(1, int((last - first).total_seconds()))
        return first + timedelta(seconds=int(self.rng.integers(0, seconds)))

    def pick_sales_rep(self, region: str, day: date) -> SalesRep:
        candidates = [rep for rep in self.reps if rep.region == region and rep.is_active(day)]
        if not candidates:
            candidates = [rep for rep in self.reps if rep.is_active(day)]
        if not candidates:
            raise ValueError(f"no sales rep is active on {day}: add one to REP_ROSTER that covers this date")
        # A rep in the first 90 days after hiring gets half the share while ramping up.
        weights = [0.5 if (day - rep.hired_on).days < 90 else 1.0 for rep in candidates]
        total = sum(weights)
        return candidates[int(self.rng.choice(len(candidates), p=[w / total for w in weights]))]

    # -- customers ---------------------------------------------------------

    def make_customer(self, index: int, lead_seconds: int) -> Customer:
        lead_created_at = self.start_moment + timedelta(seconds=int(lead_seconds))
        progress = lead_seconds / self.span_seconds
        if index in COUNTRY_VALUE_OVERRIDES:
            country = COUNTRY_BY_CODE[COUNTRY_VALUE_OVERRIDES[index][0]]
        else:
            country = COUNTRIES[int(self.rng.choice(len(COUNTRIES), p=country_weights(progress)))]
        channel = self.choose(CHANNELS, CHANNEL_WEIGHTS[country.region])
        company_size = self.choose(COMPANY_SIZES, COMPANY_SIZE_WEIGHTS)
        created_at = lead_created_at
        if channel == "outbound":
            # Outbound prospects exist in the CRM before they qualify as leads.
            created_at = lead_created_at - timedelta(days=int(self.rng.integers(5, 60)))
        trial_started_at = None
        if self.rng.random() < TRIAL_PROBABILITY[channel]:
            trial_started_at = lead_created_at + timedelta(seconds=int(self.rng.integers(600, 7 * 86400)))
            if trial_started_at >= self.end_moment:
                trial_started_at = None
        sales_rep = None if channel == "organic" else self.pick_sales_rep(country.region, created_at.date())
        discount_rate = 0.0
        if self.rng.random() < DISCOUNT_PROBABILITY:
            discount_rate = DISCOUNT_RATES[int(self.rng.integers(len(DISCOUNT_RATES)))]
        customer_id = f"cus_{index + 1:0{self.id_width}d}"
        return Customer(customer_id, index, country, channel, company_size, lead_created_at, created_at,
                        trial_started_at, sales_rep, discount_rate)

    def first_paid_moment(self, customer: Customer) -> datetime | None:
        """Return when the customer first pays, or None for a lead that never converts."""
        forced = customer.index < ALWAYS_PAYING_LEADS
        region = REGIONS[customer.country.region]
        if customer.trial_started_at is not None:
            rate = (region.trial_conversion * CHANNEL_CONVERSION_FACTOR[customer.channel]
                    * CONVERSION_SEASONALITY[customer.trial_started_at.month - 1])
            if not forced and self.rng.random() >= rate:
                return None
            paid_at = customer.trial_started_at + timedelta(days=TRIAL_DAYS)
            if self.rng.random() < LATE_CONVERSION_PROBABILITY:
                paid_at += timedelta(days=int(self.rng.integers(15, 90)))
            return paid_at
        if not forced and self.rng.random() >= DIRECT_PURCHASE_PROBABILITY[customer.channel]:
            return None
        # A sales cycle between lead and first invoice.
        return customer.lead_created_at + timedelta(days=int(self.rng.integers(3, 60)),
                                                    seconds=int(self.rng.integers(0, 86400)))

    def customer_row(self, customer: Customer) -> dict[str, str]:
        words = self.rng.choice(len(COMPANY_WORDS), size=2, replace=False)
        noun = COMPANY_NOUNS[self.rng.integers(len(COMPANY_NOUNS))]
        company = f"{COMPANY_WORDS[words[0]]} {COMPANY_WORDS[words[1]]} {noun}"
        first = FIRST_NAMES[self.rng.integers(len(FIRST_NAMES))]
        last = LAST_NAMES[self.rng.integers(len(LAST_NAMES))]
        slug = company.lower().replace(" ", "")
        state, city = customer.country.locations[int(self.rng.integers(len(customer.country.locations)))]
        country_value = COUNTRY_VALUE_OVERRIDES.get(customer.index, (customer.country.code, customer.country.code))[1]
        return {
            "customer_id": customer.customer_id,
            "name": company,
            "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{ascii_slug(slug)}.example",
            "country": country_value,
            "state": state,
            "city": city,
            "channel": customer.channel,
            "created_at": format_timestamp(customer.created_at),
            "lead_created_at": format_timestamp(customer.lead_created_at),
            "trial_started_at": format_timestamp(customer.trial_started_at) if customer.trial_started_at else "",
        }

    def write_attributes(self, customer: Customer) -> None:
        valid_from = format_timestamp(customer.created_at)
        industry = INDUSTRIES[int(self.rng.integers(len(INDUSTRIES)))]
        for attribute, value in (("company_size", customer.company_size), ("industry", industry)):
            self.sink.write("customer_attributes", {"customer_id": customer.customer_id, "attribute": attribute,
                                                    "value": value, "valid_from": valid_from})
        rep = customer.sales_rep
        if rep is None:
            return
        self.sink.write("customer_attributes", {"customer_id": customer.customer_id, "attribute": "sales_rep_id",
                                                "value": rep.sales_rep_id, "valid_from": valid_from})
        if rep.left_on is not None and rep.left_on < self.end:
            successor = self.pick_sales_rep(rep.region, rep.left_on)
            self.sink.write("customer_attributes", {
                "customer_id": customer.customer_id, "attribute": "sales_rep_id", "value": successor.sales_rep_id,
                "valid_from": format_timestamp(datetime.combine(rep.left_on, datetime.min.time())),
            })

    # -- billing -----------------------------------------------------------

    def new_subscription(self, customer: Customer, anchor: date) -> SubscriptionState:
        low, high = SEAT_RANGE[customer.company_size]
        seats = int(self.rng.integers(low, high + 1))
        tier_index = int(self.rng.choice(len(TIERS), p=TIER_WEIGHTS[customer.company_size]))
        interval = INTERVALS[int(self.rng.choice(len(INTERVALS), p=INTERVAL_WEIGHTS))]
        return SubscriptionState(self.ids.next_subscription(), tier_index, interval, seats, anchor)

    def full_period_cents(self, customer: Customer, state: SubscriptionState) -> tuple[int, int]:
        """Return (amount after discount, discount) for one full interval of the subscription."""
        list_cents = interval_price_cents(TIERS[state.tier_index], state.interval, customer.country) * state.seats
        discount = int(round(list_cents * customer.discount_rate))
        return list_cents - discount, discount

    def line(self, invoice: Invoice, customer: Customer, *, kind: str, period_start: date, period_end: date,
             amount: int, discount: int, quantity: int, prorated: bool,
             state: SubscriptionState | None) -> dict[str, str]:
        """Add one line to the invoice, with the country's tax on its amount, and return the row."""
        tax = int(round(amount * customer.country.tax_rate))
        row = {
            "line_item_id": self.ids.next_line_item(),
            "invoice_id": invoice.invoice_id,
            "invoice_date": invoice.issued_at.date().isoformat(),
            "customer_id": customer.customer_id,
            "subscription_id": state.subscription_id if state else "",
            "plan_id": plan_id(TIERS[state.tier_index], state.interval) if state else "",
            "kind": kind,
            "service_period_start": period_start.isoformat(),
            "service_period_end": period_end.isoformat(),
            "currency": customer.country.currency,
            "amount": format_money(amount),
            "discount_amount": format_money(discount),
            "tax_amount": format_money(tax),
            "quantity": str(quantity),
            "prorated": "true" if prorated else "false",
            "cancelled_at": "",
        }
        invoice.lines.append(row)
        invoice.total_cents += amount + tax
        return row

    def new_invoice(self, issued_at: datetime) -> Invoice:
        return Invoice(self.ids.next_invoice(), issued_at)

    def trial_invoice(self, customer: Customer, state: SubscriptionState) -> Invoice:
        assert customer.trial_started_at is not None
        invoice = self.new_invoice(customer.trial_started_at)
        start = customer.trial_started_at.date()
        self.line(invoice, customer, kind="trial", period_start=start, period_end=start + timedelta(days=TRIAL_DAYS),
                  amount=0, discount=0, quantity=state.seats, prorated=False, state=state)
        return invoice

    def setup_fee_line(self, invoice: Invoice, customer: Customer) -> None:
        fee = local_price_cents(SETUP_FEE_USD_CENTS, customer.country)
        day = invoice.issued_at.date()
        self.line(invoice, customer, kind="one_time", period_start=day, period_end=day, amount=fee, discount=0,
                  quantity=1, prorated=False, state=None)

    def monthly_churn_hazard(self, customer: Customer, state: SubscriptionState) -> float:
        return (BASE_MONTHLY_CHURN[state.interval.key] * customer.country.churn_factor
                * TIER_CHURN_FACTOR[TIERS[state.tier_index].key])

    def changed_state(self, state: SubscriptionState, upgrade: bool) -> SubscriptionState | None:
        """Return the subscription after a seat or tier change, or None for a downgrade of one Starter seat."""
        tier_index, seats = state.tier_index, state.seats
        if upgrade:
            if tier_index < len(TIERS) - 1 and self.rng.random() < 0.3:
                tier_index += 1
            else:
                seats += max(1, int(math.ceil(seats * self.rng.uniform(0.1, 0.5))))
        elif tier_index > 0 and (seats == 1 or self.rng.random() < 0.3):
            tier_index -= 1
        elif seats > 1:
            seats -= max(1, int(seats * self.rng.uniform(0.1, 0.3)))
        else:
            return None
        return SubscriptionState(state.subscription_id, tier_index, state.interval, seats, state.anchor)

    def change_invoice(self, customer: Customer, old: SubscriptionState, new: SubscriptionState,
                       changed_on: date, period_start: date, period_end: date) -> Invoice:
        """Bill a mid-cycle change: credit the unused time of the old price, charge the new price for it."""
        total_days = (period_end - period_start).days
        remaining_days = (period_end - changed_on).days
        issued_at = datetime.combine(changed_on, datetime.min.time()) + timedelta(
            seconds=int(self.rng.integers(8 * 3600, 18 * 3600)))
        invoice = self.new_invoice(issued_at)
        old_amount, old_discount = self.full_period_cents(customer, old)
        new_amount, new_discount = self.full_period_cents(customer, new)
        self.line(invoice, customer, kind="subscription", period_start=changed_on, period_end=period_end,
                  amount=-scale_cents(old_amount, remaining_days, total_days),
                  discount=-scale_cents(old_discount, remaining_days, total_days),
                  quantity=old.seats, prorated=True, state=old)
        self.line(invoice, customer, kind="subscription", period_start=changed_on, period_end=period_end,
                  amount=scale_cents(new_amount, remaining_days, total_days),
                  discount=scale_cents(new_discount, remaining_days, total_days),
                  quantity=new.seats, prorated=True, state=new)
        return invoice

    def draw_period_event(self, customer: Customer, state: SubscriptionState) -> str:
        """Draw what happens during one billing interval: cancel, upgrade, downgrade or none."""
        months = state.interval.months
        cancel_probability = 1 - (1 - self.monthly_churn_hazard(customer, state)) ** months
        upgrade_probability = 1 - (1 - MONTHLY_UPGRADE_PROBABILITY) ** months
        downgrade_probability = 1 - (1 - MONTHLY_DOWNGRADE_PROBABILITY) ** months
        draw = self.rng.random()
        if draw < cancel_probability:
            return "cancel"
        if draw < cancel_probability + upgrade_probability:
            return "upgrade"
        if draw < cancel_probability + upgrade_probability + downgrade_probability:
            return "downgrade"
        return "none"

    def cancellation_moment(self, period_start: date, period_end: date) -> datetime | None:
        """Return a cancellation time inside the interval, or None when it falls after the span."""
        cancelled_at = self.random_moment(datetime.combine(period_start, datetime.min.time()),
                                          datetime.combine(period_end, datetime.min.time()))
        return cancelled_at if cancelled_at < self.end_moment else None

    def mid_cycle_change(self, customer: Customer, state: SubscriptionState, upgrade: bool, period_start: date,
                         period_end: date) -> tuple[SubscriptionState, Invoice] | None:
        """Return the changed subscription and its prorated invoice, or None when nothing changes in the span."""
        period_days = (period_end - period_start).days
        changed_on = period_start + timedelta(days=int(self.rng.integers(1, period_days)))
        if changed_on >= self.end:
            return None
        new_state = self.changed_state(state, upgrade)
        if new_state is None:
            return None
        return new_state, self.change_invoice(customer, state, new_state, changed_on, period_start, period_end)

    def renewal_invoice(self, period_start: date) -> Invoice:
        issued_at = datetime.combine(period_start, datetime.min.time()) + timedelta(
            seconds=int(self.rng.integers(0, 6 * 3600)))
        return self.new_invoice(issued_at)

    def bill_subscription(self, customer: Customer, state: SubscriptionState, first_invoice: Invoice,
                          with_setup_fee: bool) -> Iterator[Invoice]:
        """Yield the invoices of one subscription from its anchor until it churns or the span ends.

        The generator's return value (StopIteration.value) is the service end date
        after a cancellation, or None while the subscription is still active.
        A line is written when its invoice is yielded, so `cancelled_at` is set before.
        """
        period_index = 0
        period_start = state.anchor
        while period_start < self.end:
            period_end = add_months(state.anchor, (period_index + 1) * state.interval.months)
            invoice = first_invoice if period_index == 0 else self.renewal_invoice(period_start)
            amount, discount = self.full_period_cents(customer, state)
            renewal = self.line(invoice, customer, kind="subscription", period_start=period_start,
                                period_end=period_end, amount=amount, discount=discount, quantity=state.seats,
                                prorated=False, state=state)
            if len(self.sample_subscription_lines) < 2:
                self.sample_subscription_lines.append(renewal)
            if with_setup_fee and period_index == 0:
                self.setup_fee_line(invoice, customer)

            event = self.draw_period_event(customer, state)
            cancelled_at = self.cancellation_moment(period_start, period_end) if event == "cancel" else None
            if cancelled_at is not None:
                renewal["cancelled_at"] = format_timestamp(cancelled_at)
            yield invoice
            if cancelled_at is not None:
                return period_end

            if event in ("upgrade", "downgrade"):
                change = self.mid_cycle_change(customer, state, event == "upgrade", period_start, period_end)
                if change is not None:
                    state, change_invoice = change
                    yield change_invoice
            period_start = period_end
            period_index += 1
        return None

    def customer_invoices(self, customer: Customer, paid_at: datetime | None) -> Iterator[Invoice]:
        """Yield every invoice of one customer: the trial, each subscription and any comeback."""
        state = None
        if customer.trial_started_at is not None:
            state = self.new_subscription(customer, customer.trial_started_at.date())
            yield self.trial_invoice(customer, state)
        if paid_at is None or paid_at >= self.end_moment:
            return
        if state is None:
            state = self.new_subscription(customer, paid_at.date())
        state.anchor = paid_at.date()
        with_setup_fee = customer.channel in ("outbound", "partner") and self.rng.random() < SETUP_FEE_PROBABILITY
        first_invoice = self.new_invoice(paid_at)
        for number in range(MAX_SUBSCRIPTIONS_PER_CUSTOMER):
            service_end = yield from self.bill_subscription(customer, state, first_invoice, with_setup_fee)
            if service_end is None or self.rng.random() >= REACTIVATION_PROBABILITY:
                return
            comeback = datetime.combine(service_end, datetime.min.time()) + timedelta(
                days=int(self.rng.integers(30, 300)), seconds=int(self.rng.integers(0, 86400)))
            if comeback >= self.end_moment or number == MAX_SUBSCRIPTIONS_PER_CUSTOMER - 1:
                return
            state = self.new_subscription(customer, comeback.date())
            first_invoice = self.new_invoice(comeback)
            with_setup_fee = False

    # -- payments ----------------------------------------------------------

    def write_transactions(self, invoice: Invoice) -> None:
        """Write the payment attempts for an invoice that is owed money, and the occasional refund."""
        if invoice.total_cents <= 0:
            return  # trials cost nothing, and a net credit stays on the account
        amount = format_money(invoice.total_cents)
        attempt_at = invoice.issued_at + timedelta(seconds=int(self.rng.integers(60, 3600)))
        if self.rng.random() < FAILED_PAYMENT_PROBABILITY:
            self.transaction(invoice, "payment", "failed", attempt_at, amount)
            if self.rng.random() >= FAILED_PAYMENT_RETRY_PROBABILITY:
                return
            attempt_at += timedelta(days=int(self.rng.integers(2, 6)))
            if attempt_at >= self.end_moment:
                return
        self.transaction(invoice, "payment", "successful", attempt_at, amount)
        if self.rng.random() < REFUND_PROBABILITY:
            refund_cents = int(round(invoice.total_cents * self.rng.uniform(0.1, 0.5)))
            refunded_at = attempt_at + timedelta(days=int(self.rng.integers(1, 21)))
            if refunded_at < self.end_moment and refund_cents > 0:
                self.transaction(invoice, "refund", "successful", refunded_at, format_money(refund_cents))

    def transaction(self, invoice: Invoice, kind: str, result: str, occurred_at: datetime, amount: str) -> None:
        self.sink.write("transactions", {
            "transaction_id": self.ids.next_transaction(), "invoice_id": invoice.invoice_id, "kind": kind,
            "result": result, "occurred_at": format_timestamp(occurred_at), "amount": amount,
        })

    # -- driver ------------------------------------------------------------

    def simulate(self, index: int, lead_seconds: int) -> None:
        customer = self.make_customer(index, lead_seconds)
        if self.first_customer is None:
            self.first_customer = customer
        paid_at = self.first_paid_moment(customer)
        self.sink.write("customers", self.customer_row(customer))
        self.write_attributes(customer)
        for invoice in self.customer_invoices(customer, paid_at):
            for row in invoice.lines:
                self.sink.write("line_items", row)
            self.write_transactions(invoice)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for synthetic e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


# ---------------------------------------------------------------------------
# Rows that break the contract on purpose
# ---------------------------------------------------------------------------


def write_contract_breaking_rows(simulator: CompanySimulator) -> None:
    """Append the seven line items that break the contract on purpose.

    The customers with country `UK`, `Brasil` and `Atlantis` and the plan with
    interval_count 0 are written with their own tables. data/demo/README.md lists them all.
    """
    customer = simulator.first_customer
    samples = simulator.sample_subscription_lines
    if customer is None or len(samples) < 2:
        raise RuntimeError("the first customers produced fewer than two subscription lines, so the "
                           "contract-breaking rows cannot be written: use a larger --months")
    ids = simulator.ids
    day = simulator.start + timedelta(days=45)
    month_later = add_months(day, 1).isoformat()

    def new_line(**overrides: str) -> dict[str, str]:
        row = {
            "line_item_id": ids.next_line_item(), "invoice_id": ids.next_invoice(),
            "invoice_date": day.isoformat(), "customer_id": customer.customer_id, "subscription_id": "",
            "plan_id": "", "kind": "one_time", "service_period_start": day.isoformat(),
            "service_period_end": day.isoformat(), "currency": customer.country.currency, "amount": "120.00",
            "discount_amount": "0.00", "tax_amount": "0.00", "quantity": "1", "prorated": "false",
            "cancelled_at": "",
        }
        row.update(overrides)
        return row

    rows = [
        new_line(customer_id="cus_unknown"),
        # An exact copy of an earlier line, so its line_item_id appears twice.
        dict(samples[1]),
        # The same subscription and service period billed again under new line and invoice ids.
        {**samples[0], "line_item_id": ids.next_line_item(), "invoice_id": ids.next_invoice()},
        new_line(kind="subscription", subscription_id=ids.next_subscription(), plan_id="starter-monthly",
                 service_period_end=month_later, amount="-49.00"),
        new_line(currency="XYZ"),
        new_line(invoice_date="2024-02-30", service_period_start="2024-02-30", service_period_end="2024-02-30"),
        new_line(kind="subscription", subscription_id=ids.next_subscription(), plan_id=BROKEN_PLAN_ID,
                 service_period_end=month_later, amount="29.00"),
    ]
    for row in rows:
        simulator.sink.write("line_items", row)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_start(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid start date {value!r}: use YYYY-MM-DD, e.g. 2023-10-01") from error


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write a seeded synthetic billing export (raw data contract v1) of a demo messaging "
                    "SaaS company: one CSV per raw table. The same seed and options give byte-identical files.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of the random generators (integer, default %(default)s)")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                        help="number of customer rows, i.e. leads, of which only some pay "
                             f"(count, at least {MIN_CUSTOMERS}, default %(default)s, about 3 MB of CSV)")
    parser.add_argument("--start", type=parse_start, default=DEFAULT_START,
                        help="first day of the simulated span (YYYY-MM-DD, default %(default)s)")
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS,
                        help="length of the span in calendar months (count, default %(default)s), "
                             "and nothing is invoiced on or after start + months")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the CSV files, created if missing (default %(default)s)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="logging level (default %(default)s)")
    args = parser.parse_args(argv)
    if args.customers < MIN_CUSTOMERS:
        parser.error(f"--customers must be at least {MIN_CUSTOMERS}, got {args.customers}")
    if args.months < 1:
        parser.error(f"--months must be at least 1, got {args.months}")
    return args


def generate(output: Path, seed: int, customers: int, start: date, months: int) -> dict[str, int]:
    """Write all raw tables into `output` and return the number of data rows per table."""
    end = add_months(start, months)
    rep_rng, rate_rng, lead_rng, customer_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(4))
    sink = CsvSink(output)
    try:
        for row in plan_rows():
            sink.write("plans", row)
        reps = build_sales_reps(rep_rng, start, end)
        for rep in reps:
            sink.write("sales_reps", sales_rep_row(rep))
        for row in exchange_rate_rows(rate_rng, start - timedelta(days=RATE_LEAD_DAYS), end):
            sink.write("exchange_rates", row)

        simulator = CompanySimulator(customer_rng, sink, reps, start, end, customers)
        lead_times = sample_lead_times(lead_rng, customers, start, months)
        progress_step = max(1, customers // 10)
        for index, lead_seconds in enumerate(lead_times):
            simulator.simulate(index, int(lead_seconds))
            if (index + 1) % progress_step == 0:
                LOGGER.info("simulated %d of %d customers", index + 1, customers)
        write_contract_breaking_rows(simulator)
    finally:
        sink.close()
    return sink.counts


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    LOGGER.info("generating %d customers from %s for %d months (seed %d) into %s",
                args.customers, args.start, args.months, args.seed, args.output)
    counts = generate(args.output, args.seed, args.customers, args.start, args.months)
    for table, count in counts.items():
        LOGGER.info("wrote %s.csv: %d rows", table, count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
