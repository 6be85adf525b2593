"""Command line of the quota engine: ``python -m scripts.quotas``."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from scripts.quotas import backtest, engine, inputs, outputs
from scripts.quotas.statistics import month_start, parse_period

LOGGER = logging.getLogger("scripts.quotas")
USAGE_ERROR = 2


class UsageError(Exception):
    """A bad option value; the message names the value and the fix."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.quotas",
        description=(
            "Recommend new-business MRR quotas per region and salesperson for one quarter, "
            "phased by month, from the warehouse marts. Money is MRR in the warehouse base currency."
        ),
    )
    parser.add_argument("--engine", choices=("duckdb", "postgres"), default="duckdb",
                        help="warehouse engine (default: duckdb); postgres reads PGHOST, PGPORT, PGUSER, "
                             "PGPASSWORD and PGDATABASE")
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse.duckdb"),
                        help="DuckDB warehouse file, read and written (default: warehouse.duckdb)")
    parser.add_argument("--schema", default="marts",
                        help="schema that contains the marts and receives the quota tables (default: marts)")
    parser.add_argument("--output-dir", type=Path, default=Path("output"),
                        help="folder for the CSV files (default: output)")
    parser.add_argument("--period", default="next-quarter",
                        help="quarter to plan: next-quarter (the first quarter after --as-of) or YYYY-Qn "
                             "(default: next-quarter)")
    parser.add_argument("--as-of", dest="as_of",
                        help="last month of history, YYYY-MM (default: the last complete month in the warehouse)")
    parser.add_argument("--net-new-target", type=float,
                        help="company net new MRR target for the period, in base currency (default: net new MRR "
                             "of the last 12 complete months ÷ 4 × (1 + growth rate))")
    parser.add_argument("--growth-rate", type=float, default=0.20,
                        help="growth over the trailing quarterly average used by the default target, as a "
                             "fraction (default: 0.20)")
    parser.add_argument("--target-probability", type=float, default=0.6,
                        help="target chance that a rep reaches quota, between 0 and 1 (default: 0.6)")
    parser.add_argument("--over-assignment", type=float, default=0.10,
                        help="margin of region quotas over the gross need, as a fraction (default: 0.10)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the simulation (default: 42)")
    parser.add_argument("--simulations", type=int, default=10_000,
                        help="Monte Carlo draws per region and rep (default: 10000)")
    parser.add_argument("--no-backtest", action="store_true", help="skip the back-test over past quarters")
    parser.add_argument("--no-warehouse-write", action="store_true",
                        help="write only the CSV files, not the warehouse tables")
    return parser


def validate(arguments: argparse.Namespace) -> None:
    """Raise UsageError for option values the engine cannot use."""
    if not 0.0 < arguments.target_probability < 1.0:
        raise UsageError(
            f"invalid --target-probability {arguments.target_probability}: use a value strictly between 0 and 1, "
            "for example 0.6"
        )
    if arguments.over_assignment < 0:
        raise UsageError(
            f"invalid --over-assignment {arguments.over_assignment}: the margin cannot be negative; use 0 or more, "
            "for example 0.10"
        )
    if arguments.growth_rate <= -1:
        raise UsageError(f"invalid --growth-rate {arguments.growth_rate}: use a fraction above -1, for example 0.20")
    if arguments.simulations < 100:
        raise UsageError(f"invalid --simulations {arguments.simulations}: use at least 100, for example 10000")
    if arguments.period != "next-quarter" and not _looks_like_quarter(arguments.period):
        raise UsageError(f"invalid --period {arguments.period!r}: use next-quarter or YYYY-Qn, for example 2025-Q3")
    if arguments.as_of is not None:
        _parse_as_of(arguments.as_of)
    if arguments.engine == "duckdb" and not arguments.warehouse.is_file():
        raise UsageError(
            f"warehouse file not found: {arguments.warehouse}; build it with `dbt build` or pass --warehouse PATH"
        )


def _looks_like_quarter(text: str) -> bool:
    try:
        parse_period(text, date(2000, 1, 1))
    except ValueError:
        return False
    return True


def _parse_as_of(text: str) -> date:
    try:
        year, month = text.split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError:
        raise UsageError(f"invalid --as-of {text!r}: use YYYY-MM, for example 2025-06") from None


def run(arguments: argparse.Namespace) -> int:
    validate(arguments)
    warehouse = inputs.connect(arguments.engine, arguments.warehouse, arguments.schema)
    try:
        data = engine.prepare_inputs(inputs.load_inputs(warehouse))
        last_month = engine.last_complete_month(data)
        if last_month is None:
            raise UsageError("the marts have no complete month; load more data and rebuild the marts")
        as_of = last_month if arguments.as_of is None else _parse_as_of(arguments.as_of)
        if as_of > last_month:
            raise UsageError(
                f"invalid --as-of {arguments.as_of}: the last complete month in the warehouse is "
                f"{last_month:%Y-%m}; use that month or an earlier one"
            )
        period = parse_period(arguments.period, as_of)
        if period.start <= as_of:
            raise UsageError(
                f"invalid --period {arguments.period}: it starts on {period.start}, not after the as-of month "
                f"{as_of:%Y-%m}; choose a later quarter or an earlier --as-of"
            )
        parameters = engine.QuotaParameters(
            period=period,
            as_of_month=month_start(as_of),
            net_new_target=arguments.net_new_target,
            growth_rate=arguments.growth_rate,
            target_probability=arguments.target_probability,
            over_assignment=arguments.over_assignment,
            seed=arguments.seed,
            simulations=arguments.simulations,
        )
        result = engine.recommend(data, parameters)
        LOGGER.info("net new target %.2f for %s; facts: %s", result.net_new_target, period.label, result.facts)

        if arguments.no_backtest:
            history = backtest.pd.DataFrame(columns=backtest.BACKTEST_COLUMNS)
        else:
            segments = data.segment_monthly
            complete = sorted(set(segments.loc[(segments["segment"] == "all") & segments["is_complete_month"], "month"]))
            history = backtest.run_backtest(data, parameters, complete)
            share = backtest.share_attained(history)
            if share is not None:
                LOGGER.info("back-test: %.0f%% of rep-quarters reached quota", 100 * share)

        tables = {
            "quota_recommendations_region": result.regions,
            "quota_recommendations_rep": result.reps,
            "quota_phasing_monthly": result.phasing,
            "quota_backtest": history,
        }
        outputs.write_all(None if arguments.no_warehouse_write else warehouse, tables, arguments.output_dir)
    finally:
        warehouse.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    arguments = build_parser().parse_args(argv)
    try:
        return run(arguments)
    except engine.InsufficientDataError as error:
        print(f"error: {error}; load more history and rebuild the marts, or pass an earlier --as-of", file=sys.stderr)
        return USAGE_ERROR
    except (UsageError, inputs.WarehouseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
