"""The assembled HTML report and its command line, run on a sample DuckDB warehouse."""

from __future__ import annotations

import logging
import re
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
    assert "11 of 16 salespeople quotas (69%)" in report_html


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
