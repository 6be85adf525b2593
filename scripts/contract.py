"""Read the raw data contract from the dbt sources file.

The sources file is the single definition of the contract: which tables
exist, which columns each has, which of them are required, and which tables
form a group of which at least one must be present.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES_FILE = PROJECT_ROOT / "models" / "staging" / "_billing__sources.yml"


@dataclass(frozen=True)
class ContractTable:
    """One table of the raw data contract."""

    name: str
    columns: tuple[str, ...]
    required_columns: frozenset[str]
    is_required: bool
    group: str | None


def read_contract(sources_file: Path = SOURCES_FILE) -> list[ContractTable]:
    """Return the contract tables in the order the sources file lists them."""
    document = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
    source = next(s for s in document["sources"] if s["name"] == "billing")
    tables = []
    for table in source["tables"]:
        meta = table.get("meta", {})
        columns = tuple(column["name"] for column in table["columns"])
        required = frozenset(
            column["name"]
            for column in table["columns"]
            if column.get("meta", {}).get("required", False)
        )
        tables.append(
            ContractTable(
                name=table["name"],
                columns=columns,
                required_columns=required,
                is_required=bool(meta.get("required", False)),
                group=meta.get("group"),
            )
        )
    return tables
