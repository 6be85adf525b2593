"""The main job on the committed demo company: summary figures, outputs and
the dbt unit tests, on a warehouse built exactly as `make run` builds it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from warehouse_builds import REPO_ROOT


@pytest.fixture(scope="module")
def company_rows(demo_warehouse):
    frame = demo_warehouse.query(
        "select * from marts.fct_segment_metrics_monthly "
        "where segment = 'all' and month = date '2026-09-01'"
    )
    assert len(frame) == 1
    return frame.iloc[0]


def test_demo_last_month_company_mrr(company_rows):
    assert float(company_rows["mrr"]) == pytest.approx(200_079.74, abs=0.005)


def test_demo_last_month_paying_customers(company_rows):
    # The generator's own count of customers with a paid line covering
    # 2026-09-30 is 491 as well.
    assert int(company_rows["customers"]) == 491


def test_demo_last_month_movements(company_rows):
    assert float(company_rows["new_business_mrr"]) == pytest.approx(3_423.53, abs=0.005)
    assert float(company_rows["churn_mrr"]) == pytest.approx(-2_569.21, abs=0.005)


def test_demo_balances_match_customer_months(demo_warehouse):
    company = demo_warehouse.query(
        "select month, mrr, customers from marts.fct_segment_metrics_monthly where segment = 'all'"
    ).set_index("month")
    customers = demo_warehouse.query(
        "select month, sum(mrr) as mrr, sum(case when mrr > 0 then 1 else 0 end) as customers "
        "from marts.fct_customer_mrr_monthly group by month"
    ).set_index("month")
    joined = company.merge(
        customers, left_index=True, right_index=True, how="outer", suffixes=("", "_customers")
    ).fillna(0)
    assert (joined["mrr"] - joined["mrr_customers"]).abs().max() < 0.005
    assert (joined["customers"] == joined["customers_customers"]).all()


def test_demo_brazil_churns_most(demo_warehouse):
    rates = demo_warehouse.query(
        "select segment_value, sum(churned_customers) * 1.0 / sum(customers_start) as churn "
        "from marts.fct_segment_metrics_monthly "
        "where segment = 'country' and is_complete_month group by segment_value "
        "having sum(customers_start) > 200"
    ).set_index("segment_value")["churn"]
    assert rates.idxmax() == "BR"


def test_demo_outputs_written(demo_warehouse):
    output = demo_warehouse.duckdb_path.parent / "output"
    for name in [
        "report.html",
        "data_docs/index.html",
        "quota_recommendations_region.csv",
        "quota_recommendations_rep.csv",
    ]:
        assert (output / name).is_file(), name


def test_demo_quarantine_holds_the_planted_rows(demo_warehouse):
    rules = demo_warehouse.query(
        "select rule, count(*) as row_count from marts.fct_quarantine "
        "where severity = 'rejected' group by rule"
    ).set_index("rule")["row_count"].to_dict()
    assert rules == {
        "duplicate_line_item_id": 1,
        "duplicate_subscription_period": 1,
        "invalid_date": 1,
        "invalid_interval_count": 1,
        "negative_amount_not_prorated": 1,
        "unknown_currency": 1,
        "unknown_customer": 1,
        "unknown_plan": 1,
    }


def test_dbt_unit_tests_pass(demo_warehouse, tmp_path):
    environment = dict(os.environ, WAREHOUSE=str(demo_warehouse.duckdb_path), DBT_TARGET="duckdb")
    completed = subprocess.run(
        [
            str(Path(os.sys.executable).with_name("dbt")), "--no-use-colors", "test",
            "--select", "test_type:unit",
            "--profiles-dir", str(REPO_ROOT), "--project-dir", str(REPO_ROOT),
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert "ERROR=0" in completed.stdout


def test_sqlfluff_reports_no_violations(demo_warehouse, tmp_path):
    environment = dict(
        os.environ,
        WAREHOUSE=str(demo_warehouse.duckdb_path),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    completed = subprocess.run(
        [str(Path(os.sys.executable).with_name("sqlfluff")), "lint", "models/", "tests/singular/"],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-5000:]
