"""Monte Carlo simulation of new-business bookings in a period.

Deals in a period are Poisson with mean ``expected_deals × M``, where the
multiplier M has mean 1. M carries the uncertainty of the conversion rate
(Beta posterior) or, without a funnel, of the deal rate itself (Gamma fitted
to the region's monthly deal counts). Deal sizes are lognormal with the
region's mean deal size and log-scale standard deviation. Bookings are the
sum of the deal sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Above this many simulated deals in one call, the sum of each simulation's
# lognormal deal sizes is drawn from its normal approximation (central limit
# theorem) to bound memory at about 40 MB.
MAX_EXACT_DEAL_DRAWS = 5_000_000
# Gamma shape for the deal-rate multiplier of a region without leads and
# without any deal in its recent months, so no rate can be fitted: a
# coefficient of variation of 1 / sqrt(20), about 22 %.
NO_FUNNEL_GAMMA_SHAPE = 20.0

BAND_LOW_PROBABILITY = 0.45
BAND_HIGH_PROBABILITY = 0.75


@dataclass(frozen=True)
class BookingSummary:
    """Summary of simulated bookings for one region or rep."""

    mean: float
    p10: float
    p50: float
    p90: float


def beta_multipliers(rng: np.random.Generator, alpha: float, beta: float, size: int) -> np.ndarray:
    """Draw conversion rates from Beta(alpha, beta) and divide by their mean."""
    mean = alpha / (alpha + beta)
    return rng.beta(alpha, beta, size) / mean


def gamma_multipliers(rng: np.random.Generator, shape: float, size: int) -> np.ndarray:
    """Draw Gamma(shape, scale = 1 / shape) multipliers with mean 1 and variance 1 / shape."""
    return rng.gamma(shape, 1.0 / shape, size)


@dataclass(frozen=True)
class DealRate:
    """A region's monthly deal count fitted as a gamma-Poisson (negative binomial).

    ``gamma_shape`` is the shape of the mean-1 Gamma multiplier of the
    period's deal rate, or None when the counts hold no deal.
    """

    monthly_mean: float
    months: int
    total_deals: float
    excess_variance: float
    gamma_shape: float | None


def fit_deal_rate(monthly_counts: np.ndarray | list[float], months_in_period: int = 3) -> DealRate:
    """Fit the deal rate of a period from monthly deal counts.

    The monthly rate is the mean count m over the n months. Its uncertainty
    for the period has two parts, added as squared coefficients of variation:

    - estimation: the Gamma(Σ counts, n) posterior of a Poisson rate under a
      flat prior has CV² = 1 / Σ counts;
    - overdispersion: the sample variance s² (ddof = 1) in excess of the
      Poisson variance m is the variance of the true monthly rate (method of
      moments of the negative binomial). Months of the period are taken as
      independent, so the period's rate has CV² = (s² − m) / (months × m²).

    The multiplier is Gamma with shape 1 / CV² and mean 1. With one month the
    excess is taken as 0.
    """
    counts = np.asarray(monthly_counts, dtype=float)
    months = int(counts.size)
    total = float(counts.sum())
    if months == 0 or total <= 0:
        return DealRate(0.0, months, max(total, 0.0), 0.0, None)
    mean = total / months
    variance = float(np.var(counts, ddof=1)) if months >= 2 else mean
    excess = max(variance - mean, 0.0)
    squared_cv = 1.0 / total + excess / (months_in_period * mean**2)
    return DealRate(mean, months, total, excess, 1.0 / squared_cv)


def simulate_bookings(
    rng: np.random.Generator,
    expected_deals: float,
    multipliers: np.ndarray,
    mean_deal_size: float,
    log_sd: float,
) -> np.ndarray:
    """Simulate total bookings, one value per multiplier.

    Deals ~ Poisson(expected_deals × multiplier); each deal size is lognormal
    with mean ``mean_deal_size`` (so mu = ln(mean) − log_sd² / 2) and log
    standard deviation ``log_sd``. With log_sd = 0 every deal has the mean size.
    """
    size = multipliers.size
    if expected_deals <= 0 or mean_deal_size <= 0:
        return np.zeros(size)
    deals = rng.poisson(expected_deals * multipliers)
    if log_sd <= 0:
        return deals * mean_deal_size

    total_deals = int(deals.sum())
    mu = np.log(mean_deal_size) - log_sd**2 / 2.0
    if total_deals > MAX_EXACT_DEAL_DRAWS:
        variance = (np.exp(log_sd**2) - 1.0) * mean_deal_size**2
        approximate = rng.normal(deals * mean_deal_size, np.sqrt(deals * variance))
        return np.clip(approximate, 0.0, None)
    sizes = rng.lognormal(mu, log_sd, total_deals)
    owners = np.repeat(np.arange(size), deals)
    return np.bincount(owners, weights=sizes, minlength=size)


def summarise(bookings: np.ndarray) -> BookingSummary:
    """Return mean and P10 / P50 / P90 of simulated bookings."""
    p10, p50, p90 = np.quantile(bookings, [0.10, 0.50, 0.90])
    return BookingSummary(float(bookings.mean()), float(p10), float(p50), float(p90))


def probability_of_reaching(bookings: np.ndarray, quota: float) -> float:
    """Return the share of simulations with bookings ≥ quota."""
    return float(np.mean(bookings >= quota - 1e-9))


def quota_reached_with_probability(bookings: np.ndarray, probability: float) -> float:
    """Return the quota that simulated bookings reach with the given probability.

    That is the (1 − probability) quantile, using the lower order statistic
    so the share of simulations at or above it is at least ``probability``.
    """
    return float(np.quantile(bookings, 1.0 - probability, method="lower"))


def realism_band(bookings: np.ndarray) -> tuple[float, float]:
    """Return (low, high) quotas reached with probability 0.75 and 0.45."""
    return (
        quota_reached_with_probability(bookings, BAND_HIGH_PROBABILITY),
        quota_reached_with_probability(bookings, BAND_LOW_PROBABILITY),
    )
