"""Command line for the HTML report.

Exit status: 0 when the report was written, 2 when the warehouse or a
required mart is missing or the arguments are invalid, 1 on any other failure.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

import yaml

from scripts.report.data import ReportDataError, load_report_data
from scripts.report.render import render_report, write_report

logger = logging.getLogger("scripts.report")

DEFAULT_CURRENCY = "USD"


def currency_from_dbt_project(project_file: Path) -> str | None:
    """Return `vars.base_currency` from a dbt_project.yml, or None when the file or the variable is absent."""
    if not project_file.is_file():
        return None
    try:
        project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        logger.warning("Ignoring %s, which is not valid YAML: %s", project_file, error)
        return None
    variables = project.get("vars") or {}
    value = variables.get("base_currency")
    return str(value) if value else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.report",
        description=(
            "Render the revenue and quota report for a sales leader as one self-contained HTML file "
            "that opens offline. Reads the marts and, when present, the quota tables from a DuckDB warehouse."
        ),
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path("warehouse.duckdb"),
        help="DuckDB warehouse file built by `dbt build` (default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("output/report.html"),
        help="HTML file to write; its folder is created (default: %(default)s)",
    )
    parser.add_argument(
        "--base-currency",
        default=None,
        help=(
            "ISO 4217 code of the warehouse's base currency, used in labels only "
            f"(default: vars.base_currency of ./dbt_project.yml, else {DEFAULT_CURRENCY})"
        ),
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.base_currency is not None and not re.fullmatch(r"[A-Z]{3}", args.base_currency):
        parser.error(f"invalid --base-currency {args.base_currency!r}: expected a three-letter ISO 4217 code such as USD")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The same format as the quota engine and run_pipeline.py, so the lines of one pipeline run read alike.
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")

    # NOTE: the marts do not store the base currency. A warehouse built with
    # `--vars base_currency: ...` on the dbt command line gets the wrong label
    # unless the same code is passed as --base-currency.
    currency = args.base_currency or currency_from_dbt_project(Path("dbt_project.yml")) or DEFAULT_CURRENCY
    logger.info("Reading %s (base currency %s)", args.warehouse, currency)
    try:
        data = load_report_data(args.warehouse)
    except ReportDataError as error:
        logger.error("%s", error)
        return 2

    try:
        html = render_report(data, currency)
        write_report(html, args.output)
    except OSError as error:
        logger.error("Failed to write the report to %s: %s", args.output, error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
