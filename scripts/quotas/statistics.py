"""Calendar helpers and small estimators shared by the quota steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

MIN_WINDOW_MONTHS = 12
MAX_WINDOW_MONTHS = 24
PROVISIONAL_MONTHS = 6

_QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A calendar quarter: its label and the first day of each of its months."""

    label: str
    months: tuple[date, date, date]

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """Last day of the quarter."""
        return (pd.Timestamp(self.months[-1]) + pd.offsets.MonthEnd(0)).date()


def month_start(value: date | pd.Timestamp | str) -> date:
    """Return the first day of the month that contains ``value``."""
    stamp = pd.Timestamp(value)
    return date(stamp.year, stamp.month, 1)


def add_months(month: date, count: int) -> date:
    """Return the first day of the month ``count`` months after ``month``."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Return whole calendar months from the month of ``start`` to the month of ``end``."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def quarter_of(month: date) -> Period:
    """Return the quarter that contains ``month``."""
    quarter = (month.month - 1) // 3 + 1
    first = date(month.year, 3 * (quarter - 1) + 1, 1)
    return Period(f"{month.year}-Q{quarter}", (first, add_months(first, 1), add_months(first, 2)))


def parse_period(text: str, as_of_month: date) -> Period:
    """Parse ``next-quarter`` or ``YYYY-Qn`` into a period.

    ``next-quarter`` is the first whole quarter that starts after the as-of
    month. Raises ``ValueError`` on any other text.
    """
    if text == "next-quarter":
        candidate = quarter_of(add_months(as_of_month, 1))
        if candidate.start <= as_of_month:
            candidate = quarter_of(add_months(candidate.start, 3))
        return candidate
    match = _QUARTER_PATTERN.match(text)
    if match is None:
        raise ValueError(text)
    year, quarter = int(match.group(1)), int(match.group(2))
    return quarter_of(date(year, 3 * (quarter - 1) + 1, 1))


def history_window(complete_months: list[date], as_of_month: date) -> list[date]:
    """Select the history window: the last complete months up to the as-of month.

    Rule: at most 24 months ending at the as-of month. When fewer than 12
    exist, all of them are used and the caller marks the result provisional.
    """
    eligible = sorted(m for m in complete_months if m <= as_of_month)
    return eligible[-MAX_WINDOW_MONTHS:]


def fit_log_sd(deal_sizes: np.ndarray) -> float | None:
    """Estimate the standard deviation of log deal size (lognormal dispersion).

    Uses the sample standard deviation (ddof=1) of the logs of the positive
    sizes. Returns None with fewer than 2 positive sizes.
    """
    positive = np.asarray(deal_sizes, dtype=float)
    positive = positive[positive > 0]
    if positive.size < 2:
        return None
    return float(np.std(np.log(positive), ddof=1))


def safe_ratio(numerator: float, denominator: float) -> float | None:
    """Return numerator ÷ denominator, or None when the denominator is not positive."""
    if denominator is None or not np.isfinite(denominator) or denominator <= 0:
        return None
    return float(numerator) / float(denominator)
