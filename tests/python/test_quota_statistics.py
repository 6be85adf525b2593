"""Known-answer tests of the quota engine's statistical steps."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scripts.quotas import credibility, ramp, seasonality, simulation  # noqa: E402
from scripts.quotas.statistics import history_window, parse_period  # noqa: E402


# Credibility weighting.

def test_credibility_weight_formula():
    assert credibility.credibility_weight(10.0, 5.0) == pytest.approx(2.0 / 3.0)
    assert credibility.credibility_weight(10.0, 0.0) == 1.0
    assert credibility.credibility_weight(10.0, float("inf")) == 0.0


def test_buhlmann_straub_constructed_groups():
    # A: 1, 3 and B: 5, 7, 9, each with weight 1. By hand: group means 2 and 7,
    # collective mean 5, within variance (2 + 8) / 3 = 10/3, between variance
    # (30 − 10/3) / (5 − 13/5) = 100/9, so k = 0.3, Z_A = 2/2.3, Z_B = 3/3.3.
    result = credibility.buhlmann_straub([1, 3, 5, 7, 9], [1, 1, 1, 1, 1], ["A", "A", "B", "B", "B"])
    assert result.within_variance == pytest.approx(10 / 3)
    assert result.between_variance == pytest.approx(100 / 9)
    assert result.k == pytest.approx(0.3)
    assert result.collective_mean == pytest.approx(5.0)
    assert result.z["A"] == pytest.approx(2 / 2.3)
    assert result.z["B"] == pytest.approx(3 / 3.3)
    assert result.blended["A"] == pytest.approx(2 + 0.9 / 2.3)
    assert result.blended["B"] == pytest.approx(7 - 0.6 / 3.3)


def test_buhlmann_straub_uses_weights():
    # Same values with weight 2 on every observation: within variance and the
    # spread double, the scale doubles, so k doubles to 0.6 while exposures
    # double too, which leaves Z unchanged.
    result = credibility.buhlmann_straub([1, 3, 5, 7, 9], [2, 2, 2, 2, 2], ["A", "A", "B", "B", "B"])
    assert result.k == pytest.approx(0.6)
    assert result.z["A"] == pytest.approx(4 / 4.6)


def test_buhlmann_straub_noise_only_pools_fully():
    # Both groups have mean 2: no between variance, so Z is 0 and both blend to 2.
    result = credibility.buhlmann_straub([1, 3, 0, 4], [1, 1, 1, 1], ["A", "A", "B", "B"])
    assert np.isinf(result.k)
    assert result.z["A"] == 0.0
    assert result.blended["B"] == pytest.approx(2.0)


def test_buhlmann_straub_single_group_fallback():
    result = credibility.buhlmann_straub([1.0, 3.0], [1, 1], ["A", "A"])
    assert result.k == credibility.FALLBACK_K
    assert result.z["A"] == pytest.approx(2 / (2 + credibility.FALLBACK_K))


def test_large_measured_gap_survives_blending():
    # A high-churn region measured over many months keeps its own rate.
    rng = np.random.default_rng(3)
    groups = np.repeat(["low", "high"], 24)
    values = np.where(groups == "high", 0.06, 0.02) + rng.normal(0, 0.002, 48)
    result = credibility.buhlmann_straub(values, np.full(48, 10_000.0), groups)
    assert result.z["high"] > 0.99
    assert result.blended["high"] == pytest.approx(0.06, abs=0.002)


# Conversion prior.

def test_beta_binomial_recovers_parameters():
    # 3,000 regions of 200 leads each with true Beta(4, 16) conversion: the
    # maximum-likelihood fit recovers alpha and beta within 10 %.
    rng = np.random.default_rng(11)
    trials = np.full(3000, 200)
    successes = rng.binomial(trials, rng.beta(4.0, 16.0, trials.size))
    prior = credibility.fit_beta_binomial(successes, trials)
    assert prior.method == "maximum_likelihood"
    assert prior.alpha == pytest.approx(4.0, rel=0.10)
    assert prior.beta == pytest.approx(16.0, rel=0.10)
    assert prior.mean == pytest.approx(0.2, abs=0.005)


def test_beta_binomial_moments_start():
    rng = np.random.default_rng(12)
    trials = np.full(3000, 200)
    successes = rng.binomial(trials, rng.beta(4.0, 16.0, trials.size))
    alpha, beta = credibility.beta_binomial_moments(successes, trials)
    assert alpha == pytest.approx(4.0, rel=0.15)
    assert beta == pytest.approx(16.0, rel=0.15)


def test_beta_binomial_two_regions_use_pooled_prior():
    prior = credibility.fit_beta_binomial(np.array([10, 30]), np.array([100, 100]))
    assert prior.method == "pooled"
    assert prior.mean == pytest.approx(0.2)
    assert prior.alpha + prior.beta == pytest.approx(credibility.FALLBACK_PRIOR_LEADS)


def test_posterior_conversion_mean():
    prior = credibility.BetaPrior(2.0, 8.0, "test")
    alpha, beta, mean = credibility.posterior_conversion(prior, successes=3, trials=10)
    assert (alpha, beta) == (5.0, 15.0)
    assert mean == pytest.approx(0.25)


# Simulation.

def test_simulated_attainment_matches_negative_binomial():
    # Deals ~ Poisson(20 × Gamma(5, 1/5)) is negative binomial with r = 5 and
    # p = 5 / 25. With every deal worth 100, reaching 2,500 needs 25 deals.
    rng = np.random.default_rng(5)
    draws = 200_000
    bookings = simulation.simulate_bookings(rng, 20.0, simulation.gamma_multipliers(rng, 5.0, draws), 100.0, 0.0)
    analytic = stats.nbinom.sf(24, 5, 5 / 25)
    # Standard error at 200,000 draws is below 0.0012; 0.005 is four of them.
    assert simulation.probability_of_reaching(bookings, 2500.0) == pytest.approx(analytic, abs=0.005)


def test_simulated_lognormal_deal_sizes_keep_mean():
    rng = np.random.default_rng(6)
    bookings = simulation.simulate_bookings(rng, 30.0, np.ones(50_000), 120.0, 0.8)
    assert bookings.mean() == pytest.approx(30 * 120.0, rel=0.01)


def test_beta_multipliers_have_mean_one():
    rng = np.random.default_rng(8)
    multipliers = simulation.beta_multipliers(rng, 20.0, 180.0, 200_000)
    assert multipliers.mean() == pytest.approx(1.0, abs=0.005)


def test_deal_rate_fit_known_answer():
    rate = simulation.fit_deal_rate([4, 6, 8, 10, 12, 14])
    assert rate.monthly_mean == pytest.approx(9.0)
    assert rate.months == 6
    assert rate.total_deals == 54.0
    # Sample variance 14 exceeds the Poisson variance 9 by 5.
    assert rate.excess_variance == pytest.approx(5.0)
    # CV² = 1 / 54 + 5 / (3 × 81) = 9.5 / 243.
    assert rate.gamma_shape == pytest.approx(243 / 9.5)


def test_deal_rate_without_overdispersion():
    # Counts steadier than Poisson keep only the estimation uncertainty: shape = total deals.
    assert simulation.fit_deal_rate([9, 9, 10, 9]).gamma_shape == pytest.approx(37.0)
    assert simulation.fit_deal_rate([5, 5, 5]).excess_variance == 0.0
    single = simulation.fit_deal_rate([7])
    assert single.monthly_mean == 7.0
    assert single.gamma_shape == pytest.approx(7.0)


def test_deal_rate_without_deals():
    for counts in ([], [0, 0, 0]):
        rate = simulation.fit_deal_rate(counts)
        assert rate.monthly_mean == 0.0
        assert rate.gamma_shape is None


def test_quota_reached_with_probability():
    bookings = np.arange(1.0, 101.0)
    quota = simulation.quota_reached_with_probability(bookings, 0.6)
    assert quota == 40.0
    assert simulation.probability_of_reaching(bookings, quota) == pytest.approx(0.61)
    assert simulation.realism_band(bookings) == (25.0, 55.0)


# Ramp.

def test_ramp_default_by_tenure_quarter():
    assert [ramp.ramp_factor(t) for t in (-1, 0, 2, 3, 6, 9, 40)] == [0.0, 0.25, 0.25, 0.5, 0.75, 1.0, 1.0]


def test_ramp_month_factor_stops_at_leaving():
    factor = ramp.rep_month_factor(date(2024, 5, 1), date(2024, 1, 1), date(2024, 5, 20), ramp.DEFAULT_RAMP)
    assert factor == 0.0
    assert ramp.rep_month_factor(date(2024, 4, 1), date(2024, 1, 1), None, ramp.DEFAULT_RAMP) == 0.5


def _rep_months(bookings_by_quarter: dict[int, float], reps: list[str]) -> pd.DataFrame:
    rows = []
    for rep in reps:
        for tenure in range(15):
            rows.append({"sales_rep_id": rep, "tenure_months": tenure,
                         "new_business_mrr": bookings_by_quarter[min(tenure // 3, 3)]})
    return pd.DataFrame(rows)


def test_ramp_fit_from_history():
    history = _rep_months({0: 100.0, 1: 400.0, 2: 800.0, 3: 1000.0}, ["a", "b", "c"])
    curve = ramp.fit_ramp(history)
    assert curve.fitted
    assert curve.factors == pytest.approx((0.1, 0.4, 0.8, 1.0))


def test_ramp_fit_needs_three_ramped_reps():
    history = _rep_months({0: 100.0, 1: 400.0, 2: 800.0, 3: 1000.0}, ["a", "b"])
    curve = ramp.fit_ramp(history)
    assert not curve.fitted
    assert curve.factors == ramp.DEFAULT_RAMP


def test_ramp_fit_is_monotone():
    history = _rep_months({0: 600.0, 1: 300.0, 2: 1200.0, 3: 1000.0}, ["a", "b", "c"])
    assert ramp.fit_ramp(history).factors == pytest.approx((0.6, 0.6, 1.0, 1.0))


# Seasonality.

def test_seasonality_recovers_multiplicative_pattern():
    pattern = np.array([0.8, 0.9, 1.2, 1.0, 1.0, 1.1, 0.9, 0.8, 1.0, 1.1, 1.0, 1.2])
    pattern = pattern / pattern.mean()
    months = pd.date_range("2021-01-01", periods=36, freq="MS")
    values = [(1000 + 10 * i) * pattern[i % 12] for i in range(36)]
    factors = seasonality.seasonal_factors(pd.Series(values, index=months))
    assert factors.method == "holt_winters_multiplicative"
    for month in range(1, 13):
        assert factors.factor(month) == pytest.approx(pattern[month - 1], abs=0.02)


def test_seasonality_needs_24_months():
    months = pd.date_range("2021-01-01", periods=23, freq="MS")
    factors = seasonality.seasonal_factors(pd.Series(np.linspace(100, 200, 23), index=months))
    assert factors.method == "none"
    assert set(factors.by_calendar_month.values()) == {1.0}


# Calendar.

def test_parse_period_next_quarter():
    assert parse_period("next-quarter", date(2024, 12, 1)).label == "2025-Q1"
    assert parse_period("next-quarter", date(2024, 11, 1)).label == "2025-Q1"
    assert parse_period("next-quarter", date(2024, 9, 1)).label == "2024-Q4"
    assert parse_period("2025-Q3", date(2024, 12, 1)).months == (date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1))


def test_parse_period_rejects_other_text():
    with pytest.raises(ValueError):
        parse_period("2025Q3", date(2024, 12, 1))


def test_history_window_caps_at_24_months():
    months = [date(2020 + (i // 12), i % 12 + 1, 1) for i in range(40)]
    window = history_window(months, date(2022, 12, 1))
    assert len(window) == 24
    assert window[0] == date(2021, 1, 1)
    assert window[-1] == date(2022, 12, 1)
