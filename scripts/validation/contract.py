"""Read the raw data contract from the dbt source definition.

The loader, the DuckDB folder hook and these suites all read the same file,
so a column added to the contract is checked here without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCES_FILE = REPO_ROOT / "models" / "staging" / "_billing__sources.yml"
SOURCE_NAME = "billing"


@dataclass(frozen=True)
class ContractTable:
    """One raw table of the contract: its columns, key and required flags."""

    name: str
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]
    key: tuple[str, ...]
    required: bool
    group: str | None


def load_contract(path: Path = SOURCES_FILE) -> list[ContractTable]:
    """Parse the `billing` source of a dbt sources file into contract tables.

    Raises ValueError when the file has no `billing` source.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for source in document.get("sources", []):
        if source.get("name") == SOURCE_NAME:
            return [_parse_table(table) for table in source.get("tables", [])]
    raise ValueError(f"source {SOURCE_NAME!r} not found in {path}")


def _parse_table(table: dict) -> ContractTable:
    meta = table.get("meta") or {}
    columns = table.get("columns") or []
    names = tuple(column["name"] for column in columns)
    required_columns = tuple(
        column["name"] for column in columns if (column.get("meta") or {}).get("required")
    )
    return ContractTable(
        name=table["name"],
        columns=names,
        required_columns=required_columns,
        key=tuple(meta.get("key") or ()),
        required=bool(meta.get("required")),
        group=meta.get("group"),
    )
