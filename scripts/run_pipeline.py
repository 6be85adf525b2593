"""Run the warehouse's main job: load, build, validate, recommend, report.

Steps, each logged with its outcome:
1. load the contract folder into the raw schema (scripts/load_raw.py);
2. `dbt build` (seeds, models and the tests dbt declares);
3. print a summary of the last complete month per region and the quarantine;
4. the optional steps that exist in this checkout and are not skipped:
   Great Expectations validation, quota recommendations and the HTML report.

On DuckDB the job builds into a temporary file next to the warehouse and
moves it into place only when every step passed, so readers never see a
half-built warehouse and a failed run leaves the previous one in place.
On Spark the job builds in the folder $SPARK_WAREHOUSE (see
scripts/spark_session.py) in place, and the optional steps are skipped.

Exit codes: 0 success, 1 a step failed, 2 invalid input or options.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.load_raw import ContractError, load_folder  # noqa: E402
from scripts.summary import format_summary, read_summary  # noqa: E402

LOGGER = logging.getLogger("run_pipeline")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
OPTIONAL_STEPS = {
    "validate": "scripts.validation",
    "quotas": "scripts.quotas",
    "report": "scripts.report",
}


class StepFailed(Exception):
    """A step of the job failed; its output has been shown."""


class InvalidOption(Exception):
    """An option or dbt variable the job cannot run with."""


def known_variables() -> set[str]:
    """Return the names of the dbt variables that dbt_project.yml declares."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return set(project.get("vars", {}))


def check_variable_names(variables: list[tuple[str, str]]) -> None:
    known = known_variables()
    for name, _ in variables:
        if name not in known:
            raise InvalidOption(
                f"unknown variable '{name}': use one of {', '.join(sorted(known))}"
            )


def parse_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"invalid date '{value}': use YYYY-MM-DD, for example 2025-01-31"
        ) from error


def parse_variable(value: str) -> tuple[str, str]:
    name, separator, setting = value.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(
            f"invalid variable '{value}': use NAME=VALUE, for example churn_recognition=cancellation"
        )
    return name, setting


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the revenue warehouse from a folder of contract files and print a "
        "summary of the last complete month."
    )
    parser.add_argument(
        "--data", type=Path, default=PROJECT_ROOT / "data" / "demo",
        help="folder of contract files, CSV or Parquet, one per table (default: data/demo)",
    )
    parser.add_argument(
        "--engine", choices=["duckdb", "postgres", "spark"], default="duckdb",
        help="warehouse engine (default: duckdb; postgres connects with the PG* variables; "
        "spark runs a local Spark session on the folder $SPARK_WAREHOUSE)",
    )
    parser.add_argument(
        "--warehouse", type=Path, default=Path(os.environ.get("WAREHOUSE", "warehouse.duckdb")),
        help="DuckDB file to build (default: $WAREHOUSE or warehouse.duckdb)",
    )
    parser.add_argument(
        "--as-of", type=parse_date, default=None,
        help="date the warehouse is built for, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument(
        "--var", dest="variables", type=parse_variable, action="append", default=[],
        help="dbt variable as NAME=VALUE, repeatable (for example churn_recognition=cancellation)",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=Path("output"),
        help="folder for the report, CSV files and Data Docs (default: output)",
    )
    parser.add_argument(
        "--skip", choices=sorted(OPTIONAL_STEPS), action="append", default=[],
        help="leave out an optional step, repeatable",
    )
    parser.add_argument(
        "--skip-dbt-tests", action="store_true",
        help="run the models without the tests dbt declares (faster; default: run them)",
    )
    return parser.parse_args(argv)


def dbt_variables(arguments: argparse.Namespace) -> str:
    variables = dict(arguments.variables)
    if arguments.as_of:
        variables["as_of_date"] = arguments.as_of
    pairs = ", ".join(f"'{name}': '{value}'" for name, value in sorted(variables.items()))
    return "{" + pairs + "}"


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(arguments: argparse.Namespace, warehouse: Path | None) -> None:
    """Run `dbt build` and raise StepFailed with dbt's errors when it fails."""
    environment = dict(os.environ)
    environment["DBT_TARGET"] = arguments.engine
    if warehouse is not None:
        environment["WAREHOUSE"] = str(warehouse)

    # Unit tests check the models' logic against fixed inputs and default
    # variables, so the test suite runs them and a build on a user's data does not.
    excluded = ["resource_type:unit_test"]
    if arguments.skip_dbt_tests:
        excluded.append("resource_type:test")
    command = [
        dbt_executable(), "--no-use-colors", "build",
        "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT),
        "--vars", dbt_variables(arguments),
        "--exclude", *excluded,
        # Each run keeps dbt's artifacts and logs beside its other outputs, so
        # that jobs for different warehouses never share a target folder.
        "--target-path", str((arguments.output_dir / "dbt" / "target").resolve()),
        "--log-path", str((arguments.output_dir / "dbt" / "logs").resolve()),
    ]

    LOGGER.info("dbt build (%s)", arguments.engine)
    completed = subprocess.run(
        command, env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    for line in completed.stdout.splitlines():
        if "Done. PASS=" in line or "Finished running" in line:
            LOGGER.info("dbt: %s", line.split("  ", 1)[-1].strip())

    if completed.returncode != 0 and "Invalid variable" in completed.stdout:
        message = next(
            line for line in completed.stdout.splitlines() if "Invalid variable" in line
        )
        raise InvalidOption(message.strip())
    if completed.returncode != 0:
        errors = [
            line for line in completed.stdout.splitlines()
            if "ERROR" in line or "Error" in line or "FAIL" in line or line.startswith("  ")
        ]
        raise StepFailed("dbt build failed:\n" + "\n".join(errors[-60:]))


def optional_step_command(
    step: str, arguments: argparse.Namespace, warehouse: Path | None
) -> list[str] | None:
    """Return the command line of an optional step, or None where it cannot run."""
    output_dir = str(arguments.output_dir)
    if arguments.engine == "spark":
        LOGGER.info("%s: reads DuckDB or PostgreSQL warehouses only, skipped on spark", step)
        return None
    if step == "report":
        if arguments.engine != "duckdb":
            LOGGER.info("report: reads DuckDB warehouses only, skipped on %s", arguments.engine)
            return None
        command = ["--warehouse", str(warehouse), "--output", str(arguments.output_dir / "report.html")]
        base_currency = dict(arguments.variables).get("base_currency")
        if base_currency:
            command += ["--base-currency", base_currency]
        return command
    command = ["--output-dir", output_dir]
    if arguments.engine == "postgres":
        return command + ["--engine", "postgres"]
    return command + ["--warehouse", str(warehouse)]


def run_optional_step(step: str, arguments: argparse.Namespace, warehouse: Path | None) -> None:
    module = OPTIONAL_STEPS[step]
    if importlib.util.find_spec(module) is None:
        LOGGER.info("%s: not part of this checkout, skipped", step)
        return
    options = optional_step_command(step, arguments, warehouse)
    if options is None:
        return
    LOGGER.info("%s: python -m %s %s", step, module, " ".join(options))
    completed = subprocess.run([sys.executable, "-m", module, *options], cwd=PROJECT_ROOT, check=False)
    if step == "quotas" and completed.returncode == 2:
        # The engine exits 2 when the history cannot support a recommendation
        # (too little data, for example). The marts are still right, so the
        # job goes on without quotas instead of discarding them.
        LOGGER.warning("quotas: no recommendation for this data (see the message above); "
                       "the warehouse is published without quota tables")
        return
    if completed.returncode != 0:
        raise StepFailed(f"{step} failed with exit code {completed.returncode}")


def run(arguments: argparse.Namespace) -> int:
    warehouse = arguments.warehouse.resolve() if arguments.engine == "duckdb" else None
    building = None
    if warehouse is not None:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        building = warehouse.with_name(warehouse.name + ".building")
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
    arguments.output_dir.mkdir(parents=True, exist_ok=True)

    LOGGER.info("loading %s", arguments.data)
    load_folder(arguments.data, arguments.engine, building, "raw")
    run_dbt(arguments, building)
    print(format_summary(read_summary(arguments.engine, building)))
    for step in OPTIONAL_STEPS:
        if step not in arguments.skip:
            run_optional_step(step, arguments, building)

    if building is not None:
        os.replace(building, warehouse)
        LOGGER.info("published %s", warehouse)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    arguments = parse_arguments(argv)
    try:
        check_variable_names(arguments.variables)
        return run(arguments)
    except (ContractError, InvalidOption) as error:
        LOGGER.error("%s", error)
        return 2
    except StepFailed as error:
        LOGGER.error("%s", error)
        LOGGER.error("the previous warehouse, if any, is left in place")
        return 1
    finally:
        if arguments.engine == "duckdb":
            building = arguments.warehouse.resolve()
            building = building.with_name(building.name + ".building")
            for leftover in (building, building.with_name(building.name + ".wal")):
                leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
