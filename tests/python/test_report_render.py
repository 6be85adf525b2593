"""The assembled HTML report and its command line, run on a sample DuckDB warehouse."""

from __future__ import annotations

import dataclasses
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.report import render
from scripts.report.cli import main
from scripts.report.data import load_report_data
from test_report_data import build_sample_warehouse

# plotly.js 4.x is about 4.8 MB minified and the world map about 0.14 MB.
MAX_REPORT_BYTES = 6_000_000


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("render") / "warehouse.duckdb")
    return render.render_report(load_report_data(warehouse), "EUR")


def test_report_inlines_plotly_once(report_html: str) -> None:
    assert len(re.findall(r"\* plotly\.js v\d+\.\d+\.\d+", report_html)) == 1
    assert "<script src=" not in report_html
    assert "<link" not in report_html


def test_report_preloads_world_map(report_html: str) -> None:
    assert report_html.count("window.PlotlyGeoAssets = {topojson: {") == 1
    assert '"world_110m":{"type":"Topology"' in report_html
    assert report_html.index("window.PlotlyGeoAssets") < report_html.index("Plotly.newPlot")


def test_report_has_every_chart(report_html: str) -> None:
    chart_ids = re.findall(r'<div id="(chart-[a-z-]+)" class="plotly-graph-div"', report_html)

    assert chart_ids == [
        "chart-mrr-by-region",
        "chart-net-new-by-region",
        "chart-waterfall-month",
        "chart-waterfall-year",
        "chart-cohort-customers",
        "chart-cohort-mrr",
        "chart-map-mrr",
        "chart-map-churn",
        "chart-region-kpis",
        "chart-quota-region-range",
        "chart-quota-rep-range",
        "chart-quota-backtest",
    ]


def test_report_states_currency_and_months(report_html: str) -> None:
    assert "All amounts are in <strong>EUR</strong>" in report_html
    assert "Last complete month: <strong>May 2024</strong>" in report_html
    assert "Data runs to June 2024, which is not complete yet" in report_html
    assert "Regions and countries are point-in-time" in report_html


def test_report_headline_numbers(report_html: str) -> None:
    assert "52,630 EUR" in report_html  # company MRR at the end of May 2024
    assert "631,560 EUR" in report_html  # ARR = 12 × MRR
    assert "1,805 EUR" not in report_html  # net new without reactivation would be wrong
    assert "1,910 EUR" in report_html  # net new MRR in May 2024, reactivation included


def test_report_lists_countries_off_map(report_html: str) -> None:
    assert "too small for a world map at this scale:\nSingapore (15,042 EUR)." in report_html


def test_report_quota_tables(report_html: str) -> None:
    assert "Period <strong>2024-Q3</strong>" in report_html
    assert "Total quota: <strong>4,500 EUR</strong>" in report_html
    assert "540 – 1,170" in report_html  # APAC P10 – P90
    assert "Ada Lovelace" in report_html
    assert "Salespeople reached their quota 11 of 16 times (69%)." in report_html
    assert "Regions reached their quota 4 of 4 times (100%)." in report_html


def test_report_escapes_quota_text(report_html: str) -> None:
    assert "APAC &lt;b&gt;needs&lt;/b&gt; more bookings" in report_html
    assert "APAC <b>needs</b>" not in report_html


def test_report_size_is_bounded(report_html: str) -> None:
    assert len(report_html.encode("utf-8")) < MAX_REPORT_BYTES


def test_report_without_quota_explains(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb", with_quota=False)

    html = render.render_report(load_report_data(warehouse), "USD")

    assert "No quota recommendations to show: table marts.quota_recommendations_region is missing" in html
    assert "python -m scripts.quotas" in html
    assert 'id="chart-quota-region-range"' not in html
    assert 'id="chart-map-mrr"' in html


def test_mappable_codes_from_vendored_map() -> None:
    codes = render.mappable_alpha3_codes()

    # 177 shapes, of which 3 have no ISO code (territories such as Kosovo).
    assert len(codes) == 174
    assert {"DEU", "FRA", "NOR", "USA", "JPN", "BRA"} <= codes
    assert "SGP" not in codes


def test_count_format_rounds_up() -> None:
    assert render.format_count(12.0) == "12"
    assert render.format_count(12.2) == "13"
    assert render.format_count(float("nan")) == "—"


def test_cli_writes_report(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    output = tmp_path / "out" / "report.html"

    status = main(["--warehouse", str(warehouse), "--output", str(output), "--base-currency", "GBP"])

    assert status == 0
    assert "All amounts are in <strong>GBP</strong>" in output.read_text(encoding="utf-8")


def test_cli_missing_warehouse(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "missing.duckdb"
    output = tmp_path / "report.html"

    with caplog.at_level(logging.ERROR):
        status = main(["--warehouse", str(missing), "--output", str(output)])

    assert status == 2
    assert f"Warehouse file not found: {missing}" in caplog.text
    assert "dbt build" in caplog.text
    assert not output.exists()


def test_cli_missing_mart(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb", skip=("fct_segment_metrics_monthly",))

    with caplog.at_level(logging.ERROR):
        status = main(["--warehouse", str(warehouse), "--output", str(tmp_path / "report.html")])

    assert status == 2
    assert "marts.fct_segment_metrics_monthly is missing" in caplog.text


def test_cli_rejects_bad_currency(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--warehouse", str(tmp_path / "w.duckdb"), "--base-currency", "dollars"])

    assert raised.value.code == 2


def test_cli_reads_currency_from_dbt_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    (tmp_path / "dbt_project.yml").write_text("name: demo\nvars:\n  base_currency: CHF\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    status = main(["--warehouse", str(warehouse), "--output", "report.html"])

    assert status == 0
    assert "All amounts are in <strong>CHF</strong>" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_company_target(report_html: str) -> None:
    # Net targets are half of each quota: 600 + 1,200 + 450.
    assert "Company net new MRR target, 2024-Q3</div><div class=\"value\">2,250 EUR" in report_html
    assert (
        "set by the default rule: net new MRR of the last 12 complete months ÷ 4 = 1,875 EUR, "
        "× (1 + growth rate 20%) = 2,250 EUR" in report_html
    )
    # Gross need is quota ÷ 1.1 in the sample: 4,500 ÷ 1.1.
    assert "<strong>4,091 EUR</strong> of new business" in report_html
    assert "(1,350 EUR in total)" in report_html  # churn + contraction = 0.3 × 4,500
    assert "(225 EUR)" in report_html  # expansion + reactivation = 0.05 × 4,500
    assert "Over-assignment margin</div><div class=\"value\">10%" in report_html
    assert "Total quota: <strong>4,500 EUR</strong>" in report_html


def test_report_gross_need_floor_note(report_html: str) -> None:
    # Each sample region needs 0.75 × quota before the floor but has a gross need of quota ÷ 1.1.
    assert "so its gross need is those expected bookings: APAC 810 EUR, EMEA 1,080 EUR, North America 2,160 EUR." in report_html


def test_report_realistic_quota_beside_gap(report_html: str) -> None:
    apac_row = re.search(r"<td>APAC <span class=\"flag\">\(provisional\)</span></td>\s*(.*?)</tr>", report_html, re.S)
    assert apac_row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', apac_row.group(1))
    assert cells[:3] == ["900", "800", "100"]
    assert "To close the gap of 100 EUR: about 0.3 more fully ramped salespeople, or 10 more leads, or a target lower by 100 EUR." in report_html
    assert "the quota that the current salespeople and lead funnel reach with a 45–75 % chance" in report_html
    assert "The rest of the quota is the gap, to close by hiring, more leads or a lower target." in report_html


def test_report_defines_net_new_if_booked(report_html: str) -> None:
    assert "Net new MRR if booked<sup>1</sup>" in report_html
    assert (
        "Net new MRR if booked = quota − expected churn − expected contraction + expected expansion + expected reactivation."
        in report_html
    )


def test_report_relates_the_two_bands(report_html: str) -> None:
    assert "45–75 % is the chance of each salesperson (or of a region without salespeople) reaching the quota" in report_html
    assert "55–70 %, in the back-test below, is the share of salespeople who reached their quota" in report_html


def test_report_names_unallocated_region(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    data = dataclasses.replace(load_report_data(warehouse), unallocated=[{"region": "Unknown", "mrr": 51.0}])

    html = render.render_report(data, "USD")

    assert "No quota for the region Unknown (51 USD MRR at the end of May 2024)" in html
    assert "Fix the customers' country" in html


def test_report_without_unallocated_region(report_html: str) -> None:
    assert "No quota for the region" not in report_html


def test_cli_log_format(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    completed = subprocess.run(
        [sys.executable, "-m", "scripts.report", "--warehouse", str(missing), "--output", str(tmp_path / "r.html")],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 2
    lines = completed.stderr.splitlines()
    assert lines[0].startswith("INFO scripts.report: Reading ")
    assert lines[1].startswith(f"ERROR scripts.report: Warehouse file not found: {missing}")
