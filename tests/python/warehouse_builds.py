"""Build real warehouses for tests and read their marts.

A build runs the main job (scripts/run_pipeline.py) in a subprocess, exactly
as a user does, on DuckDB, on the PostgreSQL test server or on a local Spark
session. Spark builds need pytest to run in a Python environment with
`dbt-spark[session]` and pyspark installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
PIPELINE = REPO_ROOT / "scripts" / "run_pipeline.py"
TEST_AS_OF = "2026-12-31"

# One Spark session per test process reads the marts of every Spark build.
# The build's Hive metastore stays closed (its embedded Derby database admits
# one process at a time), so the session keeps an in-memory catalog and
# registers the Parquet folders of the marts that Spark wrote. It reads one
# build at a time and registers again when a query targets another build.
SPARK_READER: dict[str, object] = {"session": None, "folder": None}


def spark_session_for(folder: Path):
    """Return the test process's Spark session with the marts of `folder` registered."""
    from pyspark.sql import SparkSession

    session = SPARK_READER["session"]
    if session is None:
        session = (
            SparkSession.builder.appName("revenue-warehouse-tests")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="spark-test-catalog-"))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        session.sql("create database if not exists marts")
        SPARK_READER["session"] = session
    if SPARK_READER["folder"] != folder:
        for table_folder in sorted((folder / "tables" / "marts.db").iterdir()):
            # The tables are external, so dropping one leaves its files alone.
            session.sql(f"drop table if exists marts.{table_folder.name}")
            session.sql(
                f"create table marts.{table_folder.name} using parquet location '{table_folder}'"
            )
        SPARK_READER["folder"] = folder
    return session


@dataclass(frozen=True)
class Warehouse:
    """A built warehouse: a DuckDB file, a PostgreSQL database or a Spark folder."""

    engine: str
    duckdb_path: Path | None = None
    environment: dict[str, str] | None = None
    spark_folder: Path | None = None

    def query(self, sql: str) -> pd.DataFrame:
        """Return the result of a query as a data frame."""
        if self.engine == "spark":
            return spark_session_for(self.spark_folder).sql(sql).toPandas()
        if self.engine == "duckdb":
            import duckdb

            with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
                return connection.sql(sql).df()
        import psycopg2

        environment = self.environment or {}
        with psycopg2.connect(
            host=environment["PGHOST"],
            port=environment["PGPORT"],
            user=environment["PGUSER"],
            password=environment.get("PGPASSWORD", ""),
            dbname=environment["PGDATABASE"],
        ) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            names = [column.name for column in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)


def build_warehouse(
    data_dir: Path,
    engine: str,
    work_dir: Path,
    *,
    variables: dict[str, str] | None = None,
    as_of: str = TEST_AS_OF,
    environment: dict[str, str] | None = None,
    skip_optional_steps: bool = True,
    skip_dbt_tests: bool = False,
) -> Warehouse:
    """Run the main job on a contract folder and return the built warehouse."""
    work_dir.mkdir(parents=True, exist_ok=True)
    duckdb_path = work_dir / "warehouse.duckdb"
    spark_folder = work_dir / "spark"
    command = [
        sys.executable, str(PIPELINE),
        "--data", str(data_dir),
        "--engine", engine,
        "--warehouse", str(duckdb_path),
        "--output-dir", str(work_dir / "output"),
        "--as-of", as_of,
    ]
    for name, value in (variables or {}).items():
        command += ["--var", f"{name}={value}"]
    if skip_optional_steps:
        command += ["--skip", "validate", "--skip", "quotas", "--skip", "report"]
    if skip_dbt_tests:
        command.append("--skip-dbt-tests")
    run_environment = dict(environment or os.environ)
    if engine == "spark":
        run_environment["SPARK_WAREHOUSE"] = str(spark_folder)
    completed = subprocess.run(
        command, cwd=REPO_ROOT, env=run_environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"the main job failed on {data_dir} ({engine}) with exit code "
            f"{completed.returncode}:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    return Warehouse(
        engine=engine,
        duckdb_path=duckdb_path if engine == "duckdb" else None,
        environment=run_environment if engine == "postgres" else None,
        spark_folder=spark_folder if engine == "spark" else None,
    )
