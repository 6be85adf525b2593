"""Pytest fixtures for a throwaway PostgreSQL server on 127.0.0.1.

The server comes from ``scripts/pg_server.sh``. When a server from an earlier
``scripts/pg_server.sh start`` (for example from ``make test``) is running,
the fixtures reuse it and leave it running. Otherwise they start one and stop
it when the test session ends. A server that cannot start fails the tests
that need it, with the script's output in the message. Deselect those tests
with ``-m "not postgres"`` on a machine without PostgreSQL.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_SERVER_SCRIPT = REPO_ROOT / "scripts" / "pg_server.sh"
PG_ENV_NAMES = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD")


@dataclass(frozen=True)
class PostgresServer:
    """Connection settings of the test server."""

    host: str
    port: int
    user: str
    database: str
    password: str

    def environ(self) -> dict[str, str]:
        """Return a copy of ``os.environ`` with the libpq variables set to this server."""
        env = dict(os.environ)
        env.update(
            PGHOST=self.host,
            PGPORT=str(self.port),
            PGUSER=self.user,
            PGDATABASE=self.database,
            PGPASSWORD=self.password,
        )
        return env

    def connect(self, **kwargs) -> psycopg2.extensions.connection:
        """Open a psycopg2 connection to the test database."""
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=self.database,
            password=self.password,
            **kwargs,
        )


def parse_env_file(path: Path) -> dict[str, str]:
    """Parse the ``export NAME=value ...`` lines that pg_server.sh writes."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "export":
            words = words[1:]
        for word in words:
            name, separator, value = word.partition("=")
            if separator:
                values[name] = value
    return values


def _run_script(command: str, pg_test_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(PG_SERVER_SCRIPT), command],
        env={**os.environ, "PG_TEST_DIR": str(pg_test_dir)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Yield the settings of a running test server, starting one if needed."""
    pg_test_dir = Path(os.environ.get("PG_TEST_DIR", "/tmp/revenue-warehouse-pg"))
    already_running = _run_script("status", pg_test_dir).returncode == 0

    started = _run_script("start", pg_test_dir)
    if started.returncode != 0:
        pytest.fail(
            f"scripts/pg_server.sh start failed with exit code {started.returncode}:\n"
            f"{started.stderr}{started.stdout}",
            pytrace=False,
        )

    values = parse_env_file(pg_test_dir / "env")
    missing = [name for name in PG_ENV_NAMES if name not in values]
    if missing:
        pytest.fail(f"{pg_test_dir / 'env'} is missing {', '.join(missing)}", pytrace=False)

    yield PostgresServer(
        host=values["PGHOST"],
        port=int(values["PGPORT"]),
        user=values["PGUSER"],
        database=values["PGDATABASE"],
        password=values["PGPASSWORD"],
    )

    if not already_running:
        _run_script("stop", pg_test_dir)


def _execute(server: PostgresServer, statement: str) -> None:
    connection = server.connect()
    # create database and drop database cannot run inside a transaction.
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@pytest.fixture()
def postgres_database(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """Create an empty database with a unique name and yield its settings.

    The dbt project writes to fixed schemas (raw, reference, staging,
    intermediate, marts), so tests isolate their runs by database. The
    database is dropped afterwards, together with any open connections to it.
    """
    database = f"test_{uuid.uuid4().hex[:12]}"
    _execute(postgres_server, f'create database "{database}"')
    yield replace(postgres_server, database=database)
    _execute(postgres_server, f'drop database if exists "{database}" with (force)')
