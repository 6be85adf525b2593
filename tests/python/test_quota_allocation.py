"""Allocation, gross need and realism-band tests on small hand-made cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scripts.quotas import allocation  # noqa: E402

REGIONS = ["east", "west", "south"]


def _series(values) -> pd.Series:
    return pd.Series(values, index=REGIONS, dtype=float)


def _gross_need(churn: list[float]) -> pd.Series:
    weights = allocation.allocation_weights(_series([100, 300, 600]), _series([200, 200, 600]))
    return allocation.gross_need(weights * 1000.0, _series(churn), _series([5, 5, 5]), _series([20, 10, 0]), _series([0, 0, 5]))


def test_allocation_weights_blend_shares():
    weights = allocation.allocation_weights(_series([100, 300, 600]), _series([200, 200, 600]))
    assert list(weights) == pytest.approx([0.15, 0.25, 0.60])
    assert weights.sum() == pytest.approx(1.0)


def test_allocation_weights_equal_when_total_zero():
    weights = allocation.allocation_weights(_series([0, 0, 0]), _series([0, 0, 0]))
    assert list(weights) == pytest.approx([1 / 3] * 3)


def test_gross_need_rule():
    need = _gross_need([50, 40, 30])
    # east: 150 + 50 + 5 − 20 − 0; west: 250 + 40 + 5 − 10; south: 600 + 30 + 5 − 0 − 5
    assert list(need) == pytest.approx([185.0, 285.0, 630.0])


def test_raising_churn_changes_only_that_region():
    before = _gross_need([50, 40, 30])
    after = _gross_need([50, 140, 30])
    assert after["west"] == pytest.approx(before["west"] + 100)
    assert after["east"] == before["east"]
    assert after["south"] == before["south"]


def test_gross_need_floors_at_zero():
    need = allocation.gross_need(_series([10, 10, 10]), _series([0, 0, 0]), _series([0, 0, 0]),
                                 _series([50, 0, 0]), _series([0, 0, 0]))
    assert list(need) == [0.0, 10.0, 10.0]


def test_gross_need_floors_at_baseline():
    need = allocation.gross_need(_series([10, 10, 10]), _series([0, 5, 0]), _series([0, 0, 0]),
                                 _series([50, 0, 0]), _series([0, 0, 0]), floor=_series([7, 12, 20]))
    # east: 10 − 50 is below 0 and below its baseline 7; west: 15 exceeds 12; south: 10 is below 20.
    assert list(need) == [7.0, 15.0, 20.0]


def test_history_baseline_rule():
    assert allocation.history_baseline(9.0, 100.0, [1.0, 1.0, 1.0]) == pytest.approx(2700.0)
    assert allocation.history_baseline(2.5, 80.0, [1.2, 0.9, 0.9]) == pytest.approx(600.0)
    assert allocation.history_baseline(0.0, 80.0, [1.0, 1.0, 1.0]) == 0.0
    assert allocation.history_baseline(3.0, 0.0, [1.0, 1.0, 1.0]) == 0.0


def test_region_quotas_sum_to_need_with_margin():
    need = _gross_need([50, 40, 30])
    quotas = allocation.region_quotas(need, 0.10)
    assert quotas.sum() == pytest.approx(need.sum() * 1.10)
    assert quotas["south"] == pytest.approx(693.0)


def test_ramping_rep_gets_ramped_share():
    # One rep at 50 % ramp all quarter, two fully ramped: ramped rep-months 1.5, 3, 3.
    shares = allocation.ramped_shares(pd.Series([1.5, 3.0, 3.0], index=["new", "a", "b"]))
    assert shares["new"] == pytest.approx(0.2)
    assert 9000.0 * shares["new"] == pytest.approx(1800.0)
    assert shares.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("allocated", "expected"),
    [
        (500.0, (500.0, "within", 0.0)),
        (800.0, (450.0, "lowered", 350.0)),
        (300.0, (450.0, "raised", -150.0)),
        (400.0, (400.0, "within", 0.0)),
        (600.0, (600.0, "within", 0.0)),
    ],
)
def test_apply_band(allocated, expected):
    assert allocation.apply_band(allocated, band_low=400.0, band_high=600.0, target_quota=450.0) == expected


@pytest.mark.parametrize(
    ("capacity", "funnel", "expected"),
    [
        (100.0, 80.0, (80.0, "funnel")),
        (70.0, 80.0, (70.0, "capacity")),
        (None, 80.0, (80.0, "funnel")),
        (70.0, None, (70.0, "capacity")),
        (None, None, (55.0, "history")),
    ],
)
def test_binding_baseline(capacity, funnel, expected):
    assert allocation.binding_baseline(capacity, funnel, 55.0) == expected


def test_gap_expressed_as_reps_and_leads():
    assert allocation.gap_as_reps(3000.0, 500.0, 3) == pytest.approx(2.0)
    assert allocation.gap_as_reps(3000.0, None, 3) is None
    assert allocation.gap_as_leads(3000.0, 100.0, 0.1) == pytest.approx(300.0)
    assert allocation.gap_as_leads(3000.0, 100.0, None) is None


def test_deals_and_leads_needed():
    assert allocation.deals_and_leads_needed(5000.0, 125.0, 0.08) == pytest.approx((40.0, 500.0))
    assert allocation.deals_and_leads_needed(5000.0, 125.0, None) == (40.0, None)


def test_explanation_without_differing_driver():
    same = {"deal size": 2790.0, "churn": 1.0, "stretch": 1.1}
    driver, sentence = allocation.explain("Asia", 500.0, 1000.0, allocation.driver_log_ratios(same, same))
    assert driver is None
    assert sentence == (
        "Asia: quota 50% below the company average per region; no driver differs from the company figure by "
        "0.5 % or more, so the difference comes from the region's share of expected bookings."
    )


def test_explanation_names_biggest_driver():
    ratios = allocation.driver_log_ratios(
        {"leads": 100.0, "conversion": 0.1, "deal size": 150.0, "churn": 1.2, "stretch": 1.1},
        {"leads": 100.0, "conversion": 0.1, "deal size": 100.0, "churn": 1.2, "stretch": 1.1},
    )
    driver, sentence = allocation.explain("west", 1500.0, 1000.0, ratios)
    assert driver == "deal size"
    assert sentence == (
        "west: quota 50% above the company average per region, mainly because deal size is 50% higher "
        "than the company figure."
    )
