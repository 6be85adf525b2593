"""Command line for the validation checkpoint runner.

Exit status: 0 when no critical expectation failed (warnings may have
failed), 1 when at least one critical expectation failed, 2 when the
warehouse cannot be opened, the key sets for the referential checks cannot
be read or the arguments are invalid.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

# GX sends usage statistics unless GX_ANALYTICS_ENABLED is false, and it reads
# the variable on import.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from scripts.validation.contract import load_contract  # noqa: E402
from scripts.validation.runner import (  # noqa: E402
    critical_failures,
    format_report,
    run_suites,
    warning_failures,
)
from scripts.validation.suites import (  # noqa: E402
    MART_COLUMNS,
    build_mart_suites,
    build_raw_suites,
    raw_reference_queries,
)
from scripts.validation.warehouse import (  # noqa: E402
    DuckDBWarehouse,
    PostgresWarehouse,
    WarehouseError,
    read_table_columns,
)

logger = logging.getLogger("scripts.validation")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.validation",
        description=(
            "Validate the raw contract tables and the marts of a built warehouse with "
            "Great Expectations, write Data Docs and exit 1 when a critical expectation fails."
        ),
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="warehouse engine (default: duckdb). postgres connects with the PG* "
        "environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD).",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path("warehouse.duckdb"),
        help="DuckDB warehouse file (default: warehouse.duckdb); ignored for postgres",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("output"),
        help="folder for the GX project (OUTPUT/gx) and the Data Docs site "
        "(OUTPUT/data_docs/index.html); default: output",
    )
    parser.add_argument("--raw-schema", default="raw", help="schema of the raw tables (default: raw)")
    parser.add_argument("--marts-schema", default="marts", help="schema of the marts (default: marts)")
    parser.add_argument(
        "--suites",
        choices=("all", "raw", "marts"),
        default="all",
        help="which suites to run (default: all)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each suite as it runs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # GX logs expected conditions (for example a missing column) as warnings
    # of its own; the report below already states them.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    try:
        if args.engine == "postgres":
            warehouse = PostgresWarehouse()
        else:
            warehouse = DuckDBWarehouse(args.warehouse)
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    try:
        suites = []
        contract = load_contract()
        if args.suites in ("all", "raw"):
            raw_columns = read_table_columns(warehouse, args.raw_schema, [t.name for t in contract])
            reference_sets = {}
            for name, (source_table, query) in raw_reference_queries(args.raw_schema).items():
                # An absent table or key column fails its own structural check.
                has_key = name in (raw_columns.get(source_table) or [])
                reference_sets[name] = warehouse.first_column_values(query) if has_key else []
            suites += build_raw_suites(contract, args.raw_schema, raw_columns, reference_sets)
        if args.suites in ("all", "marts"):
            mart_columns = read_table_columns(warehouse, args.marts_schema, list(MART_COLUMNS))
            suites += build_mart_suites(args.marts_schema, mart_columns, [t.name for t in contract])

        outcomes = run_suites(warehouse, suites, args.output_dir)
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        warehouse.close()

    print(format_report(outcomes))
    docs_index = (args.output_dir / "data_docs" / "index.html").resolve()
    print(f"Data Docs: {docs_index}")

    critical_count = critical_failures(outcomes)
    if critical_count:
        print(
            f"validation failed: {critical_count} critical expectation(s) failed "
            f"and {warning_failures(outcomes)} warning(s); see 'Failed expectations' above",
            file=sys.stderr,
        )
        return 1
    return 0
