"""Load a folder of contract files into the warehouse's raw schema.

Every contract table becomes a table of text columns, one per contract
column, plus `_source_row_number` (the 1-based data row of the file), so
that the dbt staging models decide how to parse each value and quarantine
what they cannot parse. Missing optional tables and columns become empty
tables and null columns, which switches the matching features off. Lines
that cannot be split into the file's columns go to `_load_rejects` instead
of being dropped, and `_load_manifest` records how many rows each file had.

Problems that make a file unreadable (missing required file or column,
empty file, wrong delimiter, bytes that are not UTF-8) raise ContractError
with a message naming the file, the value and the fix.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scripts.contract import ContractTable, read_contract

LOGGER = logging.getLogger("load_raw")

REJECTS_TABLE = "_load_rejects"
MANIFEST_TABLE = "_load_manifest"
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


class ContractError(Exception):
    """An input folder that does not follow the raw data contract."""


@dataclass
class LoadedTable:
    """The text rows of one contract table, ready to be written."""

    table: ContractTable
    file_name: str | None
    rows: list[list[str | None]] = field(default_factory=list)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.table.columns)


def find_table_file(folder: Path, table_name: str) -> Path | None:
    """Return the CSV or Parquet file of a table, or None when there is none."""
    candidates = [
        path
        for path in folder.iterdir()
        if path.is_file() and path.name.lower() in {f"{table_name}.csv", f"{table_name}.parquet"}
    ]
    if len(candidates) > 1:
        names = ", ".join(sorted(path.name for path in candidates))
        raise ContractError(
            f"{folder}: table '{table_name}' is given twice ({names}). Keep one file per table."
        )
    return candidates[0] if candidates else None


def decode_csv_bytes(path: Path, data: bytes) -> str:
    """Decode a CSV file as UTF-8, dropping a byte-order mark."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise ContractError(
            f"{path.name}: byte 0x{byte} on line {line} is not valid UTF-8. "
            "Export the file as UTF-8 and load it again."
        ) from error


def normalise_header(path: Path, header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    if len(names) == 1:
        for delimiter, label in OTHER_DELIMITERS.items():
            if delimiter in names[0]:
                raise ContractError(
                    f"{path.name}: the header '{header[0]}' is separated by {label}s. "
                    "The contract needs comma-separated values: export the file with commas."
                )
    duplicates = sorted({name for name in names if names.count(name) > 1 and name})
    if duplicates:
        raise ContractError(
            f"{path.name}: column {', '.join(repr(name) for name in duplicates)} appears more "
            "than once in the header. Keep one column per name."
        )
    return names


def read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the normalised header and the data rows with their row numbers."""
    data = path.read_bytes()
    if not data.strip():
        raise ContractError(
            f"{path.name}: the file is empty. It needs at least a header row with the "
            "contract's columns."
        )
    text = decode_csv_bytes(path, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = normalise_header(path, next(reader))
        rows = [(number, row) for number, row in enumerate(reader, start=1) if row]
    except csv.Error as error:
        raise ContractError(
            f"{path.name}: line {reader.line_num} cannot be read as CSV ({error}). "
            "Check its quoting: a field that starts with a double quote must end with one."
        ) from error
    return header, rows


def read_parquet_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and the rows of a Parquet file as text."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise ContractError(
            f"{path.name}: the file cannot be read as Parquet ({error}). Export it again."
        ) from error
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit, "UTC"))
        columns.append(pc.cast(column, pa.string()).to_pylist())
    header = normalise_header(path, table.column_names)
    rows = [
        (number, ["" if value is None else value for value in values])
        for number, values in enumerate(zip(*columns), start=1)
    ]
    return header, rows


def suggest_column(missing: str, found: list[str], contract_columns: tuple[str, ...]) -> str:
    """Return a hint for a missing column: add it, or rename a look-alike."""
    candidates = [name for name in found if name not in contract_columns]
    close = difflib.get_close_matches(missing, candidates, n=1)
    if close:
        return f" Rename the column '{close[0]}' to '{missing}' if it holds that value."
    return f" Add the column '{missing}' to the file."


def load_table(folder: Path, table: ContractTable) -> LoadedTable:
    """Read one contract table from the folder and check its columns."""
    path = find_table_file(folder, table.name)
    if path is None:
        if table.is_required:
            raise ContractError(
                f"{folder}: the required table '{table.name}' is missing. "
                f"Add {table.name}.csv or {table.name}.parquet."
            )
        return LoadedTable(table=table, file_name=None)

    if not table.is_required and not path.read_bytes().strip():
        LOGGER.warning(
            "%s: the file is empty, so the optional table '%s' is loaded empty", path.name, table.name
        )
        return LoadedTable(table=table, file_name=path.name)

    if path.suffix.lower() == ".parquet":
        header, rows = read_parquet_rows(path)
    else:
        header, rows = read_csv_rows(path)

    for column in sorted(table.required_columns):
        if column not in header:
            raise ContractError(
                f"{path.name}: the required column '{column}' is missing "
                f"(columns found: {', '.join(header)}).{suggest_column(column, header, table.columns)}"
            )
    extra = [name for name in header if name not in table.columns]
    if extra:
        LOGGER.info("%s: ignoring columns outside the contract: %s", path.name, ", ".join(extra))

    positions = [header.index(column) if column in header else None for column in table.columns]
    loaded = LoadedTable(table=table, file_name=path.name)
    for number, values in rows:
        if len(values) != len(header):
            loaded.rejects.append(
                (number, "wrong_field_count", f"{len(values)} fields, header has {len(header)}: "
                 + ",".join(values)[:1000])
            )
            continue
        loaded.rows.append(
            [None if position is None else values[position] for position in positions]
            + [number]
        )
    if loaded.rejects:
        LOGGER.warning(
            "%s: %d rows do not have the header's %d fields; they are in %s",
            path.name, len(loaded.rejects), len(header), REJECTS_TABLE,
        )
    if table.is_required and not rows:
        raise ContractError(
            f"{path.name}: the file has a header but no rows. The table '{table.name}' is "
            "required: export it with its data."
        )
    return loaded


def read_folder(folder: Path, contract: list[ContractTable] | None = None) -> list[LoadedTable]:
    """Read every contract table of a folder, checking the contract's rules."""
    if not folder.is_dir():
        raise ContractError(f"{folder}: no such folder. Pass a folder of contract files.")
    tables = [load_table(folder, table) for table in (contract or read_contract())]

    groups: dict[str, list[LoadedTable]] = {}
    for loaded in tables:
        if loaded.table.group:
            groups.setdefault(loaded.table.group, []).append(loaded)
    for members in groups.values():
        if not any(loaded.rows or loaded.rejects for loaded in members):
            states = ", ".join(
                f"{loaded.file_name} has no rows" if loaded.file_name
                else f"{loaded.table.name}.csv is missing"
                for loaded in members
            )
            names = " or ".join(f"{loaded.table.name}.csv" for loaded in members)
            raise ContractError(
                f"{folder}: no billing data ({states}). Export {names} (Parquet works too) "
                "with at least one row."
            )
    return tables


class DuckDBWriter:
    """Write raw tables into a DuckDB file."""

    def __init__(self, path: Path) -> None:
        import duckdb

        self.connection = duckdb.connect(str(path))

    def replace_table(self, schema: str, name: str, columns: list[str], rows: list[list]) -> None:
        import pyarrow as pa

        column_types = [pa.string()] * (len(columns) - 1) + [pa.int64()]
        arrays = [
            pa.array([row[index] for row in rows], type=column_type)
            for index, column_type in enumerate(column_types)
        ]
        incoming = pa.Table.from_arrays(arrays, names=columns)
        definitions = ", ".join(
            f'"{column}" {"bigint" if index == len(columns) - 1 else "varchar"}'
            for index, column in enumerate(columns)
        )
        self.connection.execute(f'create schema if not exists "{schema}"')
        self.connection.execute(f'drop table if exists "{schema}"."{name}"')
        self.connection.execute(f'create table "{schema}"."{name}" ({definitions})')
        self.connection.register("incoming_rows", incoming)
        self.connection.execute(f'insert into "{schema}"."{name}" select * from incoming_rows')
        self.connection.unregister("incoming_rows")

    def close(self) -> None:
        self.connection.close()


class PostgresWriter:
    """Write raw tables into PostgreSQL, connecting with the PG* variables."""

    def __init__(self) -> None:
        import psycopg2

        self.connection = psycopg2.connect(
            host=os.environ.get("PGHOST", "127.0.0.1"),
            port=os.environ.get("PGPORT", "5432"),
            user=os.environ.get("PGUSER", "postgres"),
            password=os.environ.get("PGPASSWORD", ""),
            dbname=os.environ.get("PGDATABASE", "warehouse"),
        )

    def replace_table(self, schema: str, name: str, columns: list[str], rows: list[list]) -> None:
        definitions = ", ".join(
            f'"{column}" {"bigint" if index == len(columns) - 1 else "text"}'
            for index, column in enumerate(columns)
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["\\N" if value is None else value for value in row])
        buffer.seek(0)
        with self.connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            # Staging views depend on the raw tables; dbt creates them again.
            cursor.execute(f'drop table if exists "{schema}"."{name}" cascade')
            cursor.execute(f'create table "{schema}"."{name}" ({definitions})')
            cursor.copy_expert(
                f'copy "{schema}"."{name}" from stdin with (format csv, null \'\\N\')', buffer
            )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


class SparkWriter:
    """Write raw tables as Parquet files for the Spark target.

    Every table becomes one Parquet file in
    $SPARK_WAREHOUSE/raw_files/<schema>/<table>/. The dbt hook
    `register_raw_files` registers those folders as Spark tables at the start
    of each dbt run. The loader stays a plain Python process: it cannot open
    the Hive metastore itself, because its embedded Derby database admits one
    process at a time and the dbt run needs it next.
    """

    def replace_table(self, schema: str, name: str, columns: list[str], rows: list[list]) -> None:
        import shutil

        import pyarrow as pa
        import pyarrow.parquet as pq

        from scripts.spark_session import raw_table_folder

        column_types = [pa.string()] * (len(columns) - 1) + [pa.int64()]
        arrays = [
            pa.array([row[index] for row in rows], type=column_type)
            for index, column_type in enumerate(column_types)
        ]
        folder = raw_table_folder(schema, name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_arrays(arrays, names=columns), folder / "part-00000.parquet")

    def close(self) -> None:
        pass


def make_writer(engine: str, warehouse: Path | None):
    if engine == "duckdb":
        return DuckDBWriter(warehouse)
    if engine == "spark":
        return SparkWriter()
    return PostgresWriter()


def write_tables(writer, schema: str, tables: list[LoadedTable]) -> None:
    """Write the loaded tables, the rejected lines and the manifest."""
    rejects = []
    manifest = []
    for loaded in tables:
        columns = loaded.columns + ["_source_row_number"]
        writer.replace_table(schema, loaded.table.name, columns, loaded.rows)
        for number, rule, raw in loaded.rejects:
            rejects.append([loaded.table.name, rule, raw, number])
        manifest.append(
            [
                loaded.table.name,
                loaded.file_name,
                str(len(loaded.rows) + len(loaded.rejects)),
                str(len(loaded.rows)),
                str(len(loaded.rejects)),
                len(manifest) + 1,
            ]
        )
        if loaded.file_name:
            LOGGER.info("%s: %d rows loaded from %s", loaded.table.name, len(loaded.rows), loaded.file_name)
        else:
            LOGGER.info("%s: no file, loaded as an empty table", loaded.table.name)
    writer.replace_table(
        schema, REJECTS_TABLE, ["table_name", "rule", "raw_values", "source_row_number"], rejects
    )
    writer.replace_table(
        schema,
        MANIFEST_TABLE,
        ["table_name", "file_name", "rows_read", "rows_loaded", "rows_rejected", "_source_row_number"],
        manifest,
    )


def load_folder(folder: Path, engine: str, warehouse: Path | None, schema: str) -> list[LoadedTable]:
    """Read a contract folder and write it into the raw schema of the warehouse."""
    tables = read_folder(folder)
    writer = make_writer(engine, warehouse)
    try:
        write_tables(writer, schema, tables)
    finally:
        writer.close()
    return tables


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load a folder of contract files (CSV or Parquet, one per table) into the "
        "warehouse's raw schema."
    )
    parser.add_argument("--data", type=Path, required=True, help="folder of contract files")
    parser.add_argument(
        "--engine", choices=["duckdb", "postgres", "spark"], default="duckdb",
        help="warehouse engine (default: duckdb; postgres connects with the PG* variables; "
        "spark writes Parquet files under $SPARK_WAREHOUSE for the next dbt run)",
    )
    parser.add_argument(
        "--warehouse", type=Path, default=Path("warehouse.duckdb"),
        help="DuckDB file to load into (default: warehouse.duckdb)",
    )
    parser.add_argument("--raw-schema", default="raw", help="schema of the raw tables (default: raw)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    arguments = parse_arguments(argv)
    try:
        load_folder(arguments.data, arguments.engine, arguments.warehouse, arguments.raw_schema)
    except ContractError as error:
        LOGGER.error("%s", error)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
