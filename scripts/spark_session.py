"""Settings and sessions of the local Spark warehouse.

The Spark target of profiles.yml (dbt-spark `session` method) runs Spark
inside the dbt process. Everything it keeps lives in one folder,
$SPARK_WAREHOUSE (default /tmp/revenue-warehouse-spark):

- `tables/`: the files of the tables dbt builds (`spark.sql.warehouse.dir`);
- `metastore_db/`: the Hive metastore, an embedded Derby database that one
  process at a time can open;
- `raw_files/<schema>/<table>/`: the Parquet files that scripts/load_raw.py
  writes and that the `register_raw_files` hook turns into tables.

`open_session` starts a session with the settings of profiles.yml, so a
script that runs after dbt has finished reads the tables dbt built. The two
lists of settings must stay the same.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FOLDER = "/tmp/revenue-warehouse-spark"
RAW_FILES = "raw_files"


def warehouse_folder() -> Path:
    """Return the folder of the Spark warehouse ($SPARK_WAREHOUSE)."""
    return Path(os.environ.get("SPARK_WAREHOUSE", DEFAULT_FOLDER))


def raw_table_folder(schema: str, table: str) -> Path:
    """Return the folder of a raw table's Parquet files."""
    return warehouse_folder() / RAW_FILES / schema / table


def session_settings(folder: Path) -> dict[str, str]:
    """Return the Spark settings that the spark target of profiles.yml uses."""
    return {
        "spark.sql.warehouse.dir": f"{folder}/tables",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={folder}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
        "spark.driver.memory": "2g",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.legacy.createHiveTableByDefault": "false",
    }


def open_session(folder: Path | None = None):
    """Start (or return the running) Spark session on the warehouse's metastore.

    Only one process at a time can open the metastore, so call this when no
    dbt run on the same folder is active.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("revenue-warehouse").enableHiveSupport()
    for name, value in session_settings(folder or warehouse_folder()).items():
        builder = builder.config(name, value)
    return builder.getOrCreate()
