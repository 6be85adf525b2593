"""Read table metadata and batches from a DuckDB file or a PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

_COLUMNS_QUERY = (
    "select column_name from information_schema.columns "
    "where table_schema = {schema} and table_name = {table} order by ordinal_position"
)


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or a query against it failed."""


class DuckDBWarehouse:
    """A built DuckDB warehouse file, opened read-only."""

    engine = "duckdb"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise WarehouseError(
                f"warehouse file {path} not found; build it first or pass --warehouse PATH"
            )
        try:
            self._connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise WarehouseError(f"cannot open warehouse file {path}: {error}") from error

    def table_columns(self, schema: str, table: str) -> list[str] | None:
        """Return the table's columns in order, or None when it does not exist."""
        rows = self._connection.execute(
            _COLUMNS_QUERY.format(schema="?", table="?"), [schema, table]
        ).fetchall()
        return [row[0] for row in rows] or None

    def first_column_values(self, query: str) -> list[str]:
        try:
            rows = self._connection.execute(query).fetchall()
        except duckdb.Error as error:
            raise WarehouseError(f"query failed: {error}\n{query}") from error
        return [row[0] for row in rows]

    def read_frame(self, query: str) -> pd.DataFrame:
        try:
            return self._connection.execute(query).df()
        except duckdb.Error as error:
            raise WarehouseError(f"query failed: {error}\n{query}") from error

    def close(self) -> None:
        self._connection.close()


def postgres_url(hide_password: bool = True) -> str:
    """Build a SQLAlchemy URL for psycopg2 from the libpq PG* variables.

    Defaults follow libpq: host localhost, port 5432, user and database from
    the login name. With ``hide_password`` the password is written as
    ``${PGPASSWORD}``, which GX substitutes from the environment when it
    connects, so the password never lands in the GX project files.
    """
    import sqlalchemy

    user = os.environ.get("PGUSER") or os.environ.get("USER") or "postgres"
    host = os.environ.get("PGHOST", "localhost")
    query = {}
    if host.startswith("/"):
        # A socket directory goes into the query string, as psycopg2 expects.
        query["host"] = host
        host = None
    password = os.environ.get("PGPASSWORD") or None
    if password is not None and hide_password:
        password = "${PGPASSWORD}"
    url = sqlalchemy.URL.create(
        "postgresql+psycopg2",
        username=user,
        password=password,
        host=host,
        port=int(os.environ.get("PGPORT", "5432")),
        database=os.environ.get("PGDATABASE", user),
        query=query,
    )
    rendered = url.render_as_string(hide_password=False)
    # URL quoting escapes the placeholder's characters, so restore them.
    return rendered.replace("%24%7BPGPASSWORD%7D", "${PGPASSWORD}")


class PostgresWarehouse:
    """A PostgreSQL warehouse reached through the PG* environment variables."""

    engine = "postgres"

    def __init__(self) -> None:
        import sqlalchemy

        self._sqlalchemy = sqlalchemy
        self.connection_string = postgres_url(hide_password=True)
        self._engine = sqlalchemy.create_engine(postgres_url(hide_password=False))
        try:
            self._connection = self._engine.connect()
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise WarehouseError(
                f"cannot connect to PostgreSQL at {self._engine.url!r}: {error.orig or error}; "
                "check PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD"
            ) from error

    def table_columns(self, schema: str, table: str) -> list[str] | None:
        """Return the table's columns in order, or None when it does not exist."""
        statement = self._sqlalchemy.text(_COLUMNS_QUERY.format(schema=":schema", table=":table"))
        rows = self._connection.execute(statement, {"schema": schema, "table": table}).fetchall()
        return [row[0] for row in rows] or None

    def first_column_values(self, query: str) -> list[str]:
        try:
            rows = self._connection.execute(self._sqlalchemy.text(query)).fetchall()
        except self._sqlalchemy.exc.SQLAlchemyError as error:
            self._connection.rollback()
            raise WarehouseError(f"query failed: {error}") from error
        return [row[0] for row in rows]

    def close(self) -> None:
        self._connection.close()
        self._engine.dispose()


def read_table_columns(
    warehouse: DuckDBWarehouse | PostgresWarehouse, schema: str, tables: Sequence[str]
) -> dict[str, list[str] | None]:
    return {table: warehouse.table_columns(schema, table) for table in tables}
