"""Measure the main job on a generated company of any size.

Generates a seeded company with scripts/generate_demo_data.py, then times
the load and `dbt build` (models and data tests) on DuckDB, and prints the
figures with the rows of the largest tables and the peak memory of the
child processes. Targets are printed next to the figures; nothing fails.
"""

from __future__ import annotations

import argparse
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOGGER = logging.getLogger("benchmark")
# Targets for a 2-core machine: the nightly job on 100,000 leads within
# 10 minutes and 8 GiB of memory.
TARGET_SECONDS = 600
TARGET_MEMORY_GIB = 8


def run_timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description="Time the main job on a generated company.")
    parser.add_argument(
        "--customers", type=int, default=100_000,
        help="leads to generate, each a customer row (default: 100000)",
    )
    parser.add_argument("--months", type=int, default=36, help="months of history (default: 36)")
    parser.add_argument("--seed", type=int, default=11, help="generator seed (default: 11)")
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="revenue-benchmark-") as folder:
        work = Path(folder)
        data = work / "data"
        warehouse = work / "benchmark.duckdb"
        generate_seconds = run_timed([
            sys.executable, "scripts/generate_demo_data.py", "--output", str(data),
            "--customers", str(arguments.customers), "--months", str(arguments.months),
            "--seed", str(arguments.seed), "--start", "2023-10-01",
        ])
        csv_megabytes = sum(path.stat().st_size for path in data.glob("*.csv")) / 2**20
        job_seconds = run_timed([
            sys.executable, "scripts/run_pipeline.py", "--data", str(data),
            "--warehouse", str(warehouse), "--output-dir", str(work / "output"),
            "--as-of", "2026-09-30", "--skip", "validate", "--skip", "quotas", "--skip", "report",
        ])
        peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            counts = {
                table: connection.execute(f"select count(*) from {table}").fetchone()[0]
                for table in (
                    "raw.line_items",
                    "marts.fct_mrr_movements",
                    "marts.fct_customer_mrr_monthly",
                    "marts.fct_segment_metrics_monthly",
                    "marts.fct_cohort_retention",
                )
            }
        warehouse_megabytes = warehouse.stat().st_size / 2**20

    print(f"customers (leads)          {arguments.customers:>12,}")
    print(f"input CSV                  {csv_megabytes:>12,.1f} MB")
    print(f"generation                 {generate_seconds:>12,.1f} s")
    print(f"load + dbt build + tests   {job_seconds:>12,.1f} s   (target {TARGET_SECONDS} s)")
    print(f"peak memory of a step      {peak_gib:>12,.2f} GiB (target {TARGET_MEMORY_GIB} GiB)")
    print(f"warehouse file             {warehouse_megabytes:>12,.1f} MB")
    for table, count in counts.items():
        print(f"{table:<27}{count:>12,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
