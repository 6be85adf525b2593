"""Credibility weighting of regional rates toward the company figure.

Each regional figure (productivity per ramped rep-month, deal size, churn and
the other movement rates) is blended with the company figure as
``Z × region + (1 − Z) × company`` with ``Z = n / (n + k)``, where ``n`` is the
region's exposure (ramped rep-months, deals or MRR at month start) and ``k``
comes from the Bühlmann–Straub model: ``k`` = expected within-region variance
÷ variance of the true regional means. A region whose own figure is noisy or
thinly measured moves toward the company figure, while a gap between regions
that is large compared with the noise keeps a high ``Z`` and survives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Used when the between/within split cannot be estimated (fewer than two
# groups with data, or no group with two observations). With this k a group
# needs as much exposure as 12 observations of weight 1 to get Z = 0.5.
FALLBACK_K = 12.0


@dataclass(frozen=True)
class CredibilityResult:
    """Bühlmann–Straub estimates for one rate across groups."""

    k: float
    within_variance: float | None
    between_variance: float | None
    collective_mean: float
    exposure: pd.Series
    group_mean: pd.Series
    z: pd.Series
    blended: pd.Series


def credibility_weight(exposure: float | np.ndarray, k: float) -> float | np.ndarray:
    """Return Z = n / (n + k); Z is 1 when k is 0 and 0 when k is infinite."""
    exposure = np.asarray(exposure, dtype=float)
    if np.isinf(k):
        return np.zeros_like(exposure) if exposure.ndim else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(exposure + k > 0, exposure / (exposure + k), 0.0)
    return z if z.ndim else float(z)


def blend(group_value: float, collective_value: float, z: float) -> float:
    """Return the credibility estimate Z × group value + (1 − Z) × collective value."""
    return z * group_value + (1.0 - z) * collective_value


def buhlmann_straub(
    values: np.ndarray | pd.Series,
    weights: np.ndarray | pd.Series,
    groups: np.ndarray | pd.Series,
    fallback_k: float = FALLBACK_K,
) -> CredibilityResult:
    """Estimate k, Z and blended group means with the Bühlmann–Straub model.

    ``values`` are observations x_ij (for example a region's monthly churn
    rate), ``weights`` their exposures w_ij (MRR at month start) and
    ``groups`` the region of each observation. Observations with weight ≤ 0
    are ignored. Estimators (unbiased, Bühlmann and Gisler 2005, ch. 4):

    - group mean X_i = Σ_j w_ij x_ij / w_i, collective mean X = Σ w_i X_i / w
    - within variance s² = Σ_i Σ_j w_ij (x_ij − X_i)² / Σ_i (n_i − 1)
    - between variance a = (Σ_i w_i (X_i − X)² − (r − 1) s²) / (w − Σ w_i² / w)
    - k = s² / a and Z_i = w_i / (w_i + k)

    When a ≤ 0 the groups differ no more than noise explains, so k is
    infinite and every Z is 0. When s² = 0 and a > 0, k is 0 and Z is 1. When
    the split cannot be estimated, ``fallback_k`` is used.
    """
    frame = pd.DataFrame(
        {
            "x": np.asarray(values, dtype=float),
            "w": np.asarray(weights, dtype=float),
            "g": np.asarray(groups),
        }
    )
    frame = frame[(frame["w"] > 0) & np.isfinite(frame["x"])]
    if frame.empty:
        empty = pd.Series(dtype=float)
        return CredibilityResult(fallback_k, None, None, float("nan"), empty, empty, empty, empty)

    frame["wx"] = frame["w"] * frame["x"]
    per_group = frame.groupby("g", sort=True).agg(w=("w", "sum"), wx=("wx", "sum"), n=("x", "size"))
    group_mean = per_group["wx"] / per_group["w"]
    total_weight = float(per_group["w"].sum())
    collective = float((per_group["w"] * group_mean).sum() / total_weight)

    frame["deviation"] = frame["x"] - frame["g"].map(group_mean)
    degrees = float((per_group["n"] - 1).sum())
    group_count = len(per_group)

    within: float | None = None
    between: float | None = None
    if degrees > 0:
        within = float((frame["w"] * frame["deviation"] ** 2).sum() / degrees)
    if within is not None and group_count >= 2:
        spread = float((per_group["w"] * (group_mean - collective) ** 2).sum())
        scale = total_weight - float((per_group["w"] ** 2).sum()) / total_weight
        if scale > 0:
            between = (spread - (group_count - 1) * within) / scale

    if within is None or between is None:
        k = fallback_k
    elif between <= 0:
        k = float("inf")
    elif within == 0:
        k = 0.0
    else:
        k = within / between

    z = pd.Series(credibility_weight(per_group["w"].to_numpy(), k), index=per_group.index)
    blended = z * group_mean + (1.0 - z) * collective
    return CredibilityResult(k, within, between, collective, per_group["w"], group_mean, z, blended)


# Conversion rates: beta-binomial prior across regions.

# Prior strength (pseudo-leads) used when fewer than MIN_REGIONS_FOR_PRIOR
# regions have leads, so the spread between regions cannot be estimated.
FALLBACK_PRIOR_LEADS = 100.0
MIN_REGIONS_FOR_PRIOR = 3
# Upper bound on alpha + beta: at this size the prior is a point mass on the
# pooled rate, which is where the maximum likelihood goes when the regions
# show no extra-binomial spread.
MAX_PRIOR_STRENGTH = 1e7


@dataclass(frozen=True)
class BetaPrior:
    """Beta(alpha, beta) prior for a conversion rate and how it was obtained."""

    alpha: float
    beta: float
    method: str

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def beta_binomial_moments(successes: np.ndarray, trials: np.ndarray) -> tuple[float, float]:
    """Estimate (alpha, beta) of a beta-binomial by the method of moments.

    Uses the trial-weighted pooled rate p and the between-group variance of
    the observed rates, corrected for binomial noise. Returns a strong prior
    on p when the observed spread is no larger than binomial noise.
    """
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    pooled = successes.sum() / trials.sum()
    rates = successes / trials
    observed_variance = float(np.average((rates - pooled) ** 2, weights=trials))
    binomial_variance = pooled * (1 - pooled) * float(np.mean(1.0 / trials))
    excess = observed_variance - binomial_variance
    if pooled <= 0 or pooled >= 1 or excess <= 0:
        strength = MAX_PRIOR_STRENGTH
    else:
        strength = max(pooled * (1 - pooled) / excess - 1.0, 1e-3)
    return pooled * strength, (1 - pooled) * strength


def fit_beta_binomial(successes: np.ndarray, trials: np.ndarray) -> BetaPrior:
    """Fit a Beta prior to per-group conversions by maximum likelihood.

    The likelihood of group i is the beta-binomial
    C(n_i, k_i) B(k_i + alpha, n_i − k_i + beta) / B(alpha, beta). scipy's
    L-BFGS-B maximises it over (log alpha, log beta), starting from the
    method-of-moments estimate. With fewer than three groups with trials the
    spread cannot be estimated, so the prior is the pooled rate with the
    weight of FALLBACK_PRIOR_LEADS leads.
    """
    from scipy import optimize, special

    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    keep = trials > 0
    successes, trials = np.minimum(successes[keep], trials[keep]), trials[keep]
    if trials.size == 0:
        raise ValueError("no group has any trials")

    pooled = float(successes.sum() / trials.sum())
    if trials.size < MIN_REGIONS_FOR_PRIOR or pooled in (0.0, 1.0):
        pooled = min(max(pooled, 0.5 / trials.sum()), 1 - 0.5 / trials.sum())
        return BetaPrior(pooled * FALLBACK_PRIOR_LEADS, (1 - pooled) * FALLBACK_PRIOR_LEADS, "pooled")

    start_alpha, start_beta = beta_binomial_moments(successes, trials)
    limit = np.log(MAX_PRIOR_STRENGTH)

    def negative_log_likelihood(parameters: np.ndarray) -> float:
        alpha, beta = np.exp(parameters)
        value = special.betaln(successes + alpha, trials - successes + beta) - special.betaln(alpha, beta)
        return -float(value.sum())

    start = np.log([start_alpha, start_beta])
    result = optimize.minimize(
        negative_log_likelihood,
        np.clip(start, -limit, limit),
        method="L-BFGS-B",
        bounds=[(-10.0, limit), (-10.0, limit)],
    )
    if not result.success:
        return BetaPrior(start_alpha, start_beta, "moments")
    alpha, beta = np.exp(result.x)
    return BetaPrior(float(alpha), float(beta), "maximum_likelihood")


def posterior_conversion(prior: BetaPrior, successes: float, trials: float) -> tuple[float, float, float]:
    """Return the Beta posterior (alpha, beta) and its mean for one group.

    Rule: alpha' = alpha + deals, beta' = beta + leads − deals, mean
    alpha' ÷ (alpha' + beta'). Deals above the lead count are capped at it.
    """
    successes = min(successes, trials)
    alpha = prior.alpha + successes
    beta = prior.beta + trials - successes
    return alpha, beta, alpha / (alpha + beta)
