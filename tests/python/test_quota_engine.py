"""End-to-end tests of the quota engine on a synthetic company built in DuckDB.

The synthetic marts hold four regions chosen to hit the edge cases: one with
three reps (one still ramping), one with a single rep, a high-churn region
and a young region without reps, leads or churn.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scripts.quotas import engine  # noqa: E402
from scripts.quotas.statistics import add_months, parse_period  # noqa: E402

FIRST_MONTH = date(2023, 1, 1)
LAST_COMPLETE_MONTH = date(2024, 12, 1)

# region: (leads per month, conversion, mean deal size, monthly churn rate, reps, first month)
REGIONS = {
    "Europe": (200, 0.10, 100.0, 0.02, ("E1", "E2", "E3"), FIRST_MONTH),
    "North America": (150, 0.12, 125.0, 0.015, ("N1",), FIRST_MONTH),
    "Latin America": (100, 0.08, 80.0, 0.06, ("L1", "L2"), FIRST_MONTH),
    "Asia Pacific": (0, 0.0, 90.0, 0.0, (), date(2024, 9, 1)),
}
HIRED_ON = {
    "E1": date(2021, 3, 1), "E2": date(2021, 6, 15), "E3": date(2024, 8, 1),
    "N1": date(2020, 1, 1), "L1": date(2022, 1, 10), "L2": None,
}


def build_synthetic_marts(seed: int = 7) -> engine.QuotaInputs:
    """Simulate 25 months (the last incomplete) of the four-region company."""
    rng = np.random.default_rng(seed)
    months = [add_months(FIRST_MONTH, i) for i in range(25)]
    segment_rows: list[dict] = []
    deal_rows: list[dict] = []
    rep_first_booking: dict[str, date] = {}
    for region, (leads, conversion, deal_size, churn, reps, first) in REGIONS.items():
        mrr = 0.0
        rep_mrr = {rep: 0.0 for rep in reps}
        for month in months:
            if month < first:
                continue
            season = 1.0 + 0.25 * np.sin(2 * np.pi * (month.month - 1) / 12)
            month_leads = int(rng.poisson(leads * season)) if leads else 0
            deals = int(rng.binomial(month_leads, conversion)) if leads else int(rng.poisson(6))
            sizes = rng.lognormal(np.log(deal_size) - 0.125, 0.5, deals).round(2)
            owners = []
            if reps:
                weights = np.array([_ramp(rep, month) for rep in reps])
                weights = weights / weights.sum() if weights.sum() > 0 else np.ones(len(reps)) / len(reps)
                owners = list(rng.choice(reps, size=deals, p=weights))
            for index, size in enumerate(sizes):
                owner = owners[index] if owners else None
                deal_rows.append({"movement_month": month, "region": region, "sales_rep_id": owner, "mrr_change": float(size)})
                if owner is not None:
                    rep_first_booking.setdefault(owner, month)
            churned = round(mrr * churn, 2)
            expansion = round(mrr * 0.01, 2)
            contraction = round(mrr * 0.005, 2)
            new_business = float(sizes.sum())
            start = mrr
            mrr = start + new_business + expansion - churned - contraction
            segment_rows.append(_segment_row(month, "region", region, start, mrr, deals, new_business, expansion,
                                             contraction, churned, month_leads))
            for rep in reps:
                booked = float(sum(s for s, o in zip(sizes, owners) if o == rep))
                count = sum(1 for o in owners if o == rep)
                rep_start = rep_mrr[rep]
                rep_mrr[rep] = rep_start * (1 + 0.01 - churn - 0.005) + booked
                segment_rows.append(_segment_row(month, "sales_rep_id", rep, rep_start, rep_mrr[rep], count, booked,
                                                 rep_start * 0.01, rep_start * 0.005, rep_start * churn, 0))
    segments = pd.DataFrame(segment_rows)
    company = (
        segments[segments["segment"] == "region"]
        .groupby("month", as_index=False)[["mrr_start", "mrr", "new_customers", "new_business_mrr", "expansion_mrr",
                                           "contraction_mrr", "churn_mrr", "reactivation_mrr", "net_new_mrr", "leads"]]
        .sum()
    )
    company["segment"] = "all"
    company["segment_value"] = "all"
    segments = pd.concat([segments, company], ignore_index=True)
    segments["is_complete_month"] = segments["month"] <= LAST_COMPLETE_MONTH
    reps = pd.DataFrame(
        [
            {"sales_rep_id": rep, "sales_rep_name": f"Rep {rep}", "team": "Sales", "region": region,
             "hired_on": HIRED_ON[rep], "left_on": None, "is_active": True}
            for region, spec in REGIONS.items()
            for rep in spec[4]
        ]
    )
    deals = pd.DataFrame(deal_rows)
    return engine.QuotaInputs(segments, reps, deals)


def _ramp(rep: str, month: date) -> float:
    hired = HIRED_ON[rep] or date(2022, 6, 1)
    tenure = (month.year - hired.year) * 12 + month.month - hired.month
    if tenure < 0:
        return 0.0
    return (0.25, 0.5, 0.75, 1.0)[min(tenure // 3, 3)]


def _segment_row(month, segment, value, start, mrr, deals, new_business, expansion, contraction, churn, leads) -> dict:
    return {
        "month": month, "segment": segment, "segment_value": value, "mrr_start": round(start, 2),
        "mrr": round(mrr, 2), "new_customers": deals, "new_business_mrr": round(new_business, 2),
        "expansion_mrr": round(expansion, 2), "contraction_mrr": -round(contraction, 2),
        "churn_mrr": -round(churn, 2), "reactivation_mrr": 0.0,
        "net_new_mrr": round(new_business + expansion - contraction - churn, 2), "leads": leads,
    }


def write_warehouse(path: Path, marts: engine.QuotaInputs) -> None:
    """Write the synthetic marts into schema ``marts`` of a DuckDB file."""
    connection = duckdb.connect(str(path))
    connection.execute("create schema marts")
    segments = marts.segment_monthly.copy()
    movements = marts.deals.copy()
    movements["movement_type"] = "new_business"
    for name, frame in (("fct_segment_metrics_monthly", segments), ("dim_sales_reps", marts.sales_reps),
                        ("fct_mrr_movements", movements)):
        connection.register("frame", frame)
        connection.execute(f"create table marts.{name} as select * from frame")
        connection.unregister("frame")
    connection.close()


def documented_columns() -> dict[str, list[str]]:
    """Parse the column names of each table from docs/quota_tables.md."""
    tables: dict[str, list[str]] = {}
    current = None
    for line in (REPO_ROOT / "docs" / "quota_tables.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            current = name if name.startswith("quota_") else None
            if current:
                tables[current] = []
        elif current and line.startswith("| ") and not line.startswith("| column") and not line.startswith("|---"):
            tables[current].append(line.split("|")[1].strip())
    return tables


def run_cli(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.quotas", *arguments],
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory) -> dict:
    """Build the synthetic warehouse once, run the command, read the four tables back."""
    folder = tmp_path_factory.mktemp("quota_run")
    warehouse = folder / "warehouse.duckdb"
    write_warehouse(warehouse, build_synthetic_marts())
    completed = run_cli("--warehouse", str(warehouse), "--output-dir", str(folder / "output"), cwd=folder)
    assert completed.returncode == 0, completed.stderr
    connection = duckdb.connect(str(warehouse), read_only=True)
    tables = {
        name: connection.execute(f"select * from marts.{name}").df()
        for name in documented_columns()
    }
    connection.close()
    return {"folder": folder, "warehouse": warehouse, "tables": tables, "stderr": completed.stderr}


def test_tables_have_documented_columns(synthetic_run):
    for name, columns in documented_columns().items():
        assert list(synthetic_run["tables"][name].columns) == columns, name


DUCKDB_TYPES = {"varchar": "VARCHAR", "double": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN", "integer": "BIGINT"}


def test_tables_have_documented_types(synthetic_run):
    documented = {}
    current = None
    for line in (REPO_ROOT / "docs" / "quota_tables.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif current and current.startswith("quota_") and line.startswith("| ") and not line.startswith("| column"):
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            documented[(current, cells[0])] = DUCKDB_TYPES[cells[1]]
    connection = duckdb.connect(str(synthetic_run["warehouse"]), read_only=True)
    actual = {
        (table, column): data_type
        for table, column, data_type in connection.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name like 'quota%'"
        ).fetchall()
    }
    connection.close()
    assert actual == documented


def test_csv_files_match_tables(synthetic_run):
    for name, frame in synthetic_run["tables"].items():
        csv = pd.read_csv(synthetic_run["folder"] / "output" / f"{name}.csv")
        assert list(csv.columns) == list(frame.columns), name
        assert len(csv) == len(frame), name


def test_region_quotas_sum_to_gross_need_with_margin(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"]
    assert regions["quota_mrr"].sum() == pytest.approx(regions["gross_need_mrr"].sum() * 1.10, abs=0.05)
    assert (regions["quota_mrr"] > 0).all()
    assert regions["allocation_weight"].sum() == pytest.approx(1.0, abs=1e-9)


def test_default_period_follows_last_complete_month(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"]
    assert set(regions["period"]) == {"2025-Q1"}
    assert set(pd.to_datetime(regions["as_of_month"]).dt.date) == {LAST_COMPLETE_MONTH}


def test_edge_case_flags(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"].set_index("region")
    young = regions.loc["Asia Pacific"]
    assert young["binding_constraint"] == "history"
    assert bool(young["is_provisional"])
    for flag in ("provisional_history", "no_sales_reps", "no_leads", "zero_churn"):
        assert flag in young["data_quality_flag"]
    assert pd.isna(young["conversion_rate"])
    assert young["expected_churn_mrr"] == 0.0
    assert "single_rep" in regions.loc["North America", "data_quality_flag"]
    reps = synthetic_run["tables"]["quota_recommendations_rep"]
    assert "Asia Pacific" not in set(reps["region"])
    assert "hire_date_missing" in reps.set_index("sales_rep_id").loc["L2", "data_quality_flag"]


def test_high_churn_region_needs_more_gross(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"].set_index("region")
    burden = regions["churn_burden_mrr"] / regions["gross_need_mrr"]
    assert burden.idxmax() == "Latin America"
    assert regions.loc["Latin America", "churn_rate_monthly"] == pytest.approx(0.06, abs=0.002)


def test_ramping_rep_allocated_ramped_share(synthetic_run):
    tables = synthetic_run["tables"]
    reps = tables["quota_recommendations_rep"].set_index("sales_rep_id")
    phasing = tables["quota_phasing_monthly"]
    europe_quota = tables["quota_recommendations_region"].set_index("region").loc["Europe", "quota_mrr"]
    europe = phasing[(phasing["level"] == "rep") & (phasing["region"] == "Europe")]
    ramped_months = europe.groupby("sales_rep_id")["ramp_factor"].sum()
    assert ramped_months["E3"] < ramped_months["E1"]
    share = ramped_months["E3"] / ramped_months.sum()
    assert reps.loc["E3", "ramped_share"] == pytest.approx(share, rel=1e-6)
    assert reps.loc["E3", "allocated_quota_mrr"] == pytest.approx(europe_quota * share, abs=0.02)


def test_rep_quotas_inside_band(synthetic_run):
    reps = synthetic_run["tables"]["quota_recommendations_rep"]
    assert (reps["quota_mrr"] >= reps["band_low_mrr"] - 0.01).all()
    assert (reps["quota_mrr"] <= reps["band_high_mrr"] + 0.01).all()
    assert reps["prob_reach_quota"].between(0.45, 0.75).all()


def test_region_gap_is_reported(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"]
    assert (regions["gap_mrr"] >= 0).all()
    expected = (regions["quota_mrr"] - regions["quota_within_band_mrr"]).clip(lower=0)
    # Each column is rounded to the cent on its own, so the difference can be off by a cent.
    assert ((regions["gap_mrr"] - expected).abs() <= 0.011).all()
    gapped = regions[regions["gap_mrr"] > 0]
    assert gapped["data_quality_flag"].str.contains("gap_to_target").all()


def test_phasing_sums_to_quota(synthetic_run):
    tables = synthetic_run["tables"]
    phasing = tables["quota_phasing_monthly"]
    regions = tables["quota_recommendations_region"].set_index("region")["quota_mrr"]
    summed = phasing[phasing["level"] == "region"].groupby("region")["quota_mrr"].sum()
    for region, quota in regions.items():
        assert summed[region] == pytest.approx(quota, abs=0.05)
    reps = tables["quota_recommendations_rep"].set_index("sales_rep_id")["quota_mrr"]
    rep_sums = phasing[phasing["level"] == "rep"].groupby("sales_rep_id")["quota_mrr"].sum()
    for rep, quota in reps.items():
        assert rep_sums[rep] == pytest.approx(quota, abs=0.05)


def test_backtest_rows(synthetic_run):
    history = synthetic_run["tables"]["quota_backtest"]
    quarters = sorted(set(history["backtest_quarter"]))
    assert quarters == ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    rep_rows = history[history["level"] == "rep"]
    assert (rep_rows["attained"] == (rep_rows["actual_mrr"] >= rep_rows["quota_mrr"] - 0.005)).all()
    assert (history["quota_error_mrr"] - (history["actual_mrr"] - history["quota_mrr"])).abs().max() < 0.02


def test_explanations_name_a_driver(synthetic_run):
    regions = synthetic_run["tables"]["quota_recommendations_region"]
    assert regions["biggest_driver"].isin(["leads", "conversion", "deal size", "churn", "stretch"]).all()
    assert regions["explanation"].str.contains("company average").all()


def test_same_seed_same_quotas(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, build_synthetic_marts())
    frames = []
    for run in ("first", "second"):
        completed = run_cli("--warehouse", str(warehouse), "--output-dir", str(tmp_path / run), "--no-backtest",
                            "--simulations", "2000", cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        frames.append(pd.read_csv(tmp_path / run / "quota_recommendations_rep.csv"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_explicit_target_and_margin(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, build_synthetic_marts())
    completed = run_cli("--warehouse", str(warehouse), "--output-dir", str(tmp_path / "out"), "--no-backtest",
                        "--net-new-target", "9000", "--over-assignment", "0.2", "--period", "2025-Q2",
                        "--simulations", "2000", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    regions = pd.read_csv(tmp_path / "out" / "quota_recommendations_region.csv")
    assert regions["net_target_mrr"].sum() == pytest.approx(9000.0, abs=0.05)
    assert regions["quota_mrr"].sum() == pytest.approx(regions["gross_need_mrr"].sum() * 1.2, abs=0.05)
    assert set(regions["period"]) == {"2025-Q2"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target-probability", "1.5"], "invalid --target-probability 1.5"),
        (["--target-probability", "0"], "invalid --target-probability 0.0"),
        (["--over-assignment", "-0.1"], "invalid --over-assignment -0.1"),
        (["--period", "2025Q1"], "invalid --period '2025Q1'"),
        (["--period", "2024-Q4"], "invalid --period 2024-Q4"),
        (["--as-of", "2030-01"], "invalid --as-of 2030-01"),
        (["--as-of", "June"], "invalid --as-of 'June'"),
    ],
)
def test_bad_options_exit_2(tmp_path, arguments, message):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, build_synthetic_marts())
    completed = run_cli("--warehouse", str(warehouse), "--output-dir", str(tmp_path / "out"), *arguments, cwd=tmp_path)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_warehouse_exits_2(tmp_path):
    completed = run_cli("--warehouse", str(tmp_path / "absent.duckdb"), cwd=tmp_path)
    assert completed.returncode == 2
    assert "warehouse file not found" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_marts_exit_2(tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    completed = run_cli("--warehouse", str(warehouse), cwd=tmp_path)
    assert completed.returncode == 2
    assert "missing mart tables in schema marts" in completed.stderr
    assert "fct_segment_metrics_monthly" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.postgres
def test_postgres_engine(postgres_database, tmp_path):
    from psycopg2.extras import execute_values

    marts = build_synthetic_marts()
    movements = marts.deals.assign(movement_type="new_business")
    postgres_schema = "marts"
    connection = postgres_database.connect()
    with connection.cursor() as cursor:
        cursor.execute("create schema marts")
        cursor.execute(f"""create table "{postgres_schema}".fct_segment_metrics_monthly (
            month date, segment text, segment_value text, is_complete_month boolean, mrr_start numeric,
            mrr numeric, new_customers integer, new_business_mrr numeric, expansion_mrr numeric,
            contraction_mrr numeric, churn_mrr numeric, reactivation_mrr numeric, net_new_mrr numeric,
            leads integer)""")
        columns = list(engine.SEGMENT_COLUMNS)
        execute_values(cursor, f'insert into "{postgres_schema}".fct_segment_metrics_monthly ({", ".join(columns)}) values %s',
                       [tuple(_plain(value) for value in row) for row in marts.segment_monthly[columns].itertuples(index=False)])
        cursor.execute(f"""create table "{postgres_schema}".dim_sales_reps (sales_rep_id text, sales_rep_name text,
            team text, region text, hired_on date, left_on date, is_active boolean)""")
        execute_values(cursor, f'insert into "{postgres_schema}".dim_sales_reps values %s',
                       [tuple(_plain(value) for value in row) for row in marts.sales_reps.itertuples(index=False)])
        cursor.execute(f"""create table "{postgres_schema}".fct_mrr_movements (movement_month date, region text,
            sales_rep_id text, mrr_change numeric, movement_type text)""")
        execute_values(cursor, f'insert into "{postgres_schema}".fct_mrr_movements values %s',
                       [tuple(_plain(value) for value in row) for row in movements.itertuples(index=False)])
    connection.commit()
    connection.close()

    completed = subprocess.run(
        [sys.executable, "-m", "scripts.quotas", "--engine", "postgres",
         "--output-dir", str(tmp_path / "out"), "--no-backtest", "--simulations", "2000"],
        cwd=REPO_ROOT, env={**postgres_database.environ(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr

    connection = postgres_database.connect()
    with connection.cursor() as cursor:
        for name, expected in documented_columns().items():
            cursor.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                "order by ordinal_position", (postgres_schema, name))
            assert [row[0] for row in cursor.fetchall()] == expected, name
        cursor.execute(f'select sum(quota_mrr), sum(gross_need_mrr) from "{postgres_schema}".quota_recommendations_region')
        quota, need = cursor.fetchone()
    connection.close()
    assert quota == pytest.approx(need * 1.10, abs=0.05)
    csv = pd.read_csv(tmp_path / "out" / "quota_recommendations_region.csv")
    assert csv["quota_mrr"].sum() == pytest.approx(quota, abs=0.01)


def _plain(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


# Companies without salespeople or without leads: 12 complete months of 2024
# (too few for seasonality, so every seasonal factor is 1) and an incomplete
# January 2025. Every deal is worth exactly 100 and nothing churns, contracts
# or expands, so baselines, deal counts and bookings have exact values.

SMALL_FIRST_MONTH = date(2024, 1, 1)
SMALL_AS_OF = date(2024, 12, 1)
DEAL_SIZE = 100.0


def build_small_company(regions: dict[str, dict]) -> engine.QuotaInputs:
    """Build marts for regions given as {name: {"counts": 12 monthly deal counts, "leads": per month, "reps": ids}}.

    A region's months before its first deal are absent, as in the marts of a
    region that did not exist yet. Reps are hired in 2020, so all are fully
    ramped, and take the region's deals in turn.
    """
    months = [add_months(SMALL_FIRST_MONTH, index) for index in range(13)]
    segment_rows: list[dict] = []
    deal_rows: list[dict] = []
    reps_rows: list[dict] = []
    for region, spec in regions.items():
        reps = spec.get("reps", ())
        counts = list(spec["counts"]) + [0]
        first = next(index for index, count in enumerate(counts) if count > 0)
        mrr = 0.0
        rep_mrr = {rep: 0.0 for rep in reps}
        for index, month in enumerate(months):
            if index < first:
                continue
            count = counts[index]
            leads = spec.get("leads", 0) if index < 12 else 0
            owners = [reps[deal % len(reps)] if reps else None for deal in range(count)]
            for owner in owners:
                deal_rows.append({"movement_month": month, "region": region, "sales_rep_id": owner, "mrr_change": DEAL_SIZE})
            start, mrr = mrr, mrr + count * DEAL_SIZE
            segment_rows.append(_segment_row(month, "region", region, start, mrr, count, count * DEAL_SIZE, 0, 0, 0, leads))
            for rep in reps:
                booked = owners.count(rep) * DEAL_SIZE
                rep_start, rep_mrr[rep] = rep_mrr[rep], rep_mrr[rep] + booked
                segment_rows.append(_segment_row(month, "sales_rep_id", rep, rep_start, rep_mrr[rep], owners.count(rep),
                                                 booked, 0, 0, 0, 0))
        reps_rows.extend(
            {"sales_rep_id": rep, "sales_rep_name": f"Rep {rep}", "team": "Sales", "region": region,
             "hired_on": date(2020, 1, 1), "left_on": None, "is_active": True}
            for rep in reps
        )
    segments = pd.DataFrame(segment_rows)
    company = segments[segments["segment"] == "region"].groupby("month", as_index=False).sum(numeric_only=True)
    company["segment"] = "all"
    company["segment_value"] = "all"
    segments = pd.concat([segments, company], ignore_index=True)
    segments["is_complete_month"] = segments["month"] <= SMALL_AS_OF
    reps_frame = pd.DataFrame(
        reps_rows, columns=["sales_rep_id", "sales_rep_name", "team", "region", "hired_on", "left_on", "is_active"]
    )
    deals = pd.DataFrame(deal_rows, columns=["movement_month", "region", "sales_rep_id", "mrr_change"])
    return engine.QuotaInputs(segments, reps_frame, deals)


def recommend_small(regions: dict[str, dict], net_new_target: float) -> engine.QuotaResult:
    parameters = engine.QuotaParameters(
        period=parse_period("next-quarter", SMALL_AS_OF), as_of_month=SMALL_AS_OF, net_new_target=net_new_target
    )
    return engine.recommend(engine.prepare_inputs(build_small_company(regions)), parameters)


# "main" books 9 deals a month over its last 6 months ([4, 6, ..., 14]);
# "young" started in November and booked 6 and 8.
NO_REPS_NO_LEADS = {
    "main": {"counts": [3, 3, 3, 3, 3, 3, 4, 6, 8, 10, 12, 14]},
    "young": {"counts": [0] * 10 + [6, 8]},
}


def test_history_baseline_without_reps_or_leads():
    regions = recommend_small(NO_REPS_NO_LEADS, 6000.0).regions.set_index("region")
    assert list(regions["binding_constraint"]) == ["history", "history"]
    # 9 deals a month × 100 × 3 months; the young region counts only its own 2 months.
    assert regions.loc["main", "baseline_mrr"] == pytest.approx(2700.0)
    assert regions.loc["young", "baseline_mrr"] == pytest.approx(2100.0)
    assert regions.loc["main", "expected_deals"] == pytest.approx(27.0)
    assert regions.loc["young", "expected_deals"] == pytest.approx(21.0)
    assert regions["capacity_mrr"].isna().all()
    assert regions["funnel_mrr"].isna().all()
    assert regions["productivity_mrr"].isna().all()


def test_history_quotas_split_target_by_baseline():
    regions = recommend_small(NO_REPS_NO_LEADS, 6000.0).regions.set_index("region")
    # Weights are the baseline shares 2700 / 4800 and 2100 / 4800; nothing churns or expands.
    assert regions.loc["main", "gross_need_mrr"] == pytest.approx(3375.0)
    assert regions.loc["young", "gross_need_mrr"] == pytest.approx(2625.0)
    assert regions.loc["main", "quota_mrr"] == pytest.approx(3712.5)
    assert regions.loc["young", "quota_mrr"] == pytest.approx(2887.5)
    assert regions["quota_mrr"].sum() == pytest.approx(regions["gross_need_mrr"].sum() * 1.10)


def test_history_simulation_matches_negative_binomial():
    regions = recommend_small(NO_REPS_NO_LEADS, 6000.0).regions.set_index("region")
    # main: Poisson(27 × Gamma) with shape 243 / 9.5 (fit_deal_rate of [4, 6, ..., 14]);
    # young: counts [6, 8] show no overdispersion, so the shape is their total, 14.
    for region, shape, mean in (("main", 243 / 9.5, 27.0), ("young", 14.0, 21.0)):
        row = regions.loc[region]
        deals = stats.nbinom(shape, shape / (shape + mean))
        deals_needed = np.ceil(row["quota_mrr"] / DEAL_SIZE - 1e-9)
        # 10,000 draws: the standard error of a probability is at most 0.005.
        assert row["prob_reach_quota"] == pytest.approx(deals.sf(deals_needed - 1), abs=0.02), region
        for column, quantile in (("p10_mrr", 0.1), ("p50_mrr", 0.5), ("p90_mrr", 0.9)):
            assert row[column] == pytest.approx(deals.ppf(quantile) * DEAL_SIZE, abs=DEAL_SIZE), (region, column)


def test_history_rows_explain_missing_reps_and_leads():
    regions = recommend_small(NO_REPS_NO_LEADS, 6000.0).regions.set_index("region")
    for region in regions.index:
        flags = regions.loc[region, "data_quality_flag"].split(";")
        assert "no_sales_reps" in flags
        assert "no_leads" in flags
    assert "9.0 new customers a month over the last 6 months" in regions.loc["main", "notes"]
    assert "7.0 new customers a month over the last 2 months" in regions.loc["young", "notes"]


def test_gross_need_floored_at_baseline():
    regions = recommend_small(NO_REPS_NO_LEADS, 1000.0).regions.set_index("region")
    # The net target alone needs 562.5 and 437.5, below the baselines of 2,700 and 2,100.
    assert regions.loc["main", "gross_need_mrr"] == pytest.approx(2700.0)
    assert regions.loc["young", "gross_need_mrr"] == pytest.approx(2100.0)
    assert regions["quota_mrr"].sum() == pytest.approx(4800.0 * 1.10)
    assert "needs only 562 of new business" in regions.loc["main", "notes"]


def test_reps_without_leads_bind_capacity():
    result = recommend_small(
        {"east": {"counts": [4] * 12, "reps": ("E1", "E2")}, "west": {"counts": [3] * 12, "reps": ("W1",)}}, 3000.0
    )
    regions = result.regions.set_index("region")
    assert list(regions["binding_constraint"]) == ["capacity", "capacity"]
    # Productivity per ramped rep-month: 400 / 2 in east, 300 / 1 in west, with no noise (Z = 1).
    assert regions.loc["east", "productivity_mrr"] == pytest.approx(200.0)
    assert regions.loc["west", "productivity_mrr"] == pytest.approx(300.0)
    assert regions.loc["east", "capacity_mrr"] == pytest.approx(1200.0)
    assert regions.loc["west", "capacity_mrr"] == pytest.approx(900.0)
    assert regions["funnel_mrr"].isna().all()
    assert regions["data_quality_flag"].str.contains("no_leads").all()
    assert not regions["data_quality_flag"].str.contains("no_sales_reps").any()
    assert (regions["quota_mrr"] > 0).all()
    assert regions["quota_mrr"].sum() == pytest.approx(regions["gross_need_mrr"].sum() * 1.10)
    assert sorted(result.reps["sales_rep_id"]) == ["E1", "E2", "W1"]
    assert (result.reps["quota_mrr"] > 0).all()


def test_leads_without_reps_bind_funnel():
    result = recommend_small(
        {"east": {"counts": [5] * 12, "leads": 50}, "west": {"counts": [2] * 12, "leads": 40}}, 3000.0
    )
    regions = result.regions.set_index("region")
    assert list(regions["binding_constraint"]) == ["funnel", "funnel"]
    # Two regions with leads: the prior is the pooled rate 84 / 1080 with the weight of 100 leads.
    pooled = 84 / 1080
    east_conversion = (100 * pooled + 60) / (100 + 600)
    assert regions.loc["east", "conversion_rate"] == pytest.approx(east_conversion)
    assert regions.loc["east", "funnel_mrr"] == pytest.approx(150 * east_conversion * DEAL_SIZE)
    assert regions["capacity_mrr"].isna().all()
    assert regions["data_quality_flag"].str.contains("no_sales_reps").all()
    assert not regions["data_quality_flag"].str.contains("no_leads").any()
    assert (regions["quota_mrr"] > 0).all()
    assert regions["quota_mrr"].sum() == pytest.approx(regions["gross_need_mrr"].sum() * 1.10)
    assert result.reps.empty


def test_history_baseline_written_by_cli(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, build_small_company(NO_REPS_NO_LEADS))
    completed = run_cli("--warehouse", str(warehouse), "--output-dir", str(tmp_path / "out"), "--no-backtest",
                        "--net-new-target", "6000", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select region, baseline_mrr, binding_constraint, quota_mrr from marts.quota_recommendations_region "
            "order by region"
        ).fetchall()
    assert rows == [("main", 2700.0, "history", 3712.5), ("young", 2100.0, "history", 2887.5)]


# Region "Unknown" contains the customers without a known country; it books one deal a month.
WITH_UNKNOWN = {**NO_REPS_NO_LEADS, "Unknown": {"counts": [1] * 12}}


def test_unknown_region_gets_no_quota():
    result = recommend_small(WITH_UNKNOWN, 6000.0)
    regions = result.regions.set_index("region")
    assert list(regions.index) == ["main", "young"]
    # The whole target goes to the named regions, as if Unknown did not exist.
    assert regions.loc["main", "quota_mrr"] == pytest.approx(3712.5)
    assert regions.loc["young", "quota_mrr"] == pytest.approx(2887.5)
    assert regions["net_target_mrr"].sum() == pytest.approx(6000.0)
    assert set(result.phasing["region"]) == {"main", "young"}
    assert result.facts["unallocated_regions"] == "Unknown"


def test_unknown_region_counts_in_default_target():
    regions = recommend_small(WITH_UNKNOWN, None).regions
    # Net new MRR of 2024: 86 deals in main and young plus 12 in Unknown, × 100.
    assert regions["target_base_mrr"].tolist() == pytest.approx([9800.0 / 4] * 2)
    assert regions["target_growth_rate"].tolist() == pytest.approx([0.20] * 2)
    assert regions["target_history_months"].tolist() == [12, 12]
    assert regions["target_rule"].tolist() == ["trailing_net_new"] * 2
    assert regions["net_target_mrr"].sum() == pytest.approx(9800.0 / 4 * 1.20)


def test_given_target_has_no_base():
    regions = recommend_small(NO_REPS_NO_LEADS, 6000.0).regions
    assert regions["target_rule"].tolist() == ["given", "given"]
    assert regions["target_base_mrr"].isna().all()
    assert regions["target_growth_rate"].isna().all()


def test_only_unknown_region_is_insufficient():
    with pytest.raises(engine.InsufficientDataError, match="no region other than Unknown"):
        recommend_small({"Unknown": {"counts": [2] * 12}}, 1000.0)


def test_facts_print_as_name_value_pairs():
    facts = str(recommend_small(WITH_UNKNOWN, 6000.0).facts)
    assert facts.startswith("window_start=2024-01-01 window_months=12 ")
    assert "unallocated_regions=Unknown" in facts
    assert "ramp_factors=(0.25,0.5,0.75,1)" in facts
    assert "datetime" not in facts
    assert "{" not in facts


def test_gap_note_names_report_column():
    regions = recommend_small(NO_REPS_NO_LEADS, 60000.0).regions.set_index("region")
    assert "gap_to_target" in regions.loc["main", "data_quality_flag"]
    assert "see the Gap column" in regions.loc["main", "notes"]
    assert "gap_mrr" not in regions.loc["main", "notes"]
