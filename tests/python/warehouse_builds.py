"""Build real warehouses for tests and read their marts.

A build runs the main job (scripts/run_pipeline.py) in a subprocess, exactly
as a user does, on DuckDB or on the PostgreSQL test server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
PIPELINE = REPO_ROOT / "scripts" / "run_pipeline.py"
TEST_AS_OF = "2026-12-31"


@dataclass(frozen=True)
class Warehouse:
    """A built warehouse: a DuckDB file, or a PostgreSQL database."""

    engine: str
    duckdb_path: Path | None = None
    environment: dict[str, str] | None = None

    def query(self, sql: str) -> pd.DataFrame:
        """Return the result of a query as a data frame."""
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
) -> Warehouse:
    """Run the main job on a contract folder and return the built warehouse."""
    work_dir.mkdir(parents=True, exist_ok=True)
    duckdb_path = work_dir / "warehouse.duckdb"
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
    run_environment = dict(environment or os.environ)
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
    )
