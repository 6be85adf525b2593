"""Read the metric cases (tests/cases, tests/scenarios) and merge them into builds.

Several cases share one warehouse when their inputs cannot disturb each
other: no id is used twice, no plan or exchange rate differs, and no case
checks a segment value (a country, a sales rep) that another case's
customers also have. Every customer gets the custom attribute `test_case`,
so a case's company totals are the `test_case` segment's rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

CASE_DIRS = (
    Path(__file__).resolve().parents[1] / "cases",
    Path(__file__).resolve().parents[1] / "scenarios",
)
CASE_ATTRIBUTE = "test_case"
CASE_ATTRIBUTE_START = "1990-01-01"

# Contract tables and the columns that identify one of their rows.
TABLE_KEYS = {
    "customers": ("customer_id",),
    "plans": ("plan_id",),
    "line_items": ("line_item_id",),
    "subscriptions": ("subscription_id", "start_date"),
    "transactions": ("transaction_id",),
    "exchange_rates": ("currency", "rate_date"),
    "customer_attributes": ("customer_id", "attribute", "valid_from"),
    "sales_reps": ("sales_rep_id",),
}
SHARED_TABLES = {"plans", "exchange_rates"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Case:
    """One case: its input tables and its expectation files."""

    name: str
    tables: dict[str, list[dict[str, str]]]
    expectations: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)

    @property
    def customer_ids(self) -> set[str]:
        return {row["customer_id"] for row in self.tables.get("customers", [])}

    def row_keys(self, table: str) -> set[str]:
        rows = self.tables.get(table, [])
        return {"@".join(row[column] for column in TABLE_KEYS[table]) for row in rows}

    def claimed_segment_values(self) -> set[tuple[str, str]]:
        """Segment values other than `all` that an expectation checks."""
        claimed = set()
        for (_, kind), rows in self.expectations.items():
            for row in rows:
                segment = row.get("segment")
                if segment and segment != "all":
                    claimed.add((segment, row["segment_value"]))
        return claimed

    def used_segment_values(self) -> set[tuple[str, str]]:
        used = set()
        for row in self.tables.get("customers", []):
            used.add(("country", row.get("country", "")))
            used.add(("channel", row.get("channel", "")))
        for row in self.tables.get("customer_attributes", []):
            used.add((row["attribute"], row["value"]))
        return used


def load_case(folder: Path) -> Case:
    tables = {path.stem: read_csv(path) for path in sorted((folder / "input").glob("*.csv"))}
    case = Case(name=folder.name, tables=tables)
    for path in sorted((folder / "expected").rglob("*.csv")):
        variant = path.parent.name if path.parent.name != "expected" else ""
        case.expectations[(variant, path.stem)] = read_csv(path)
    return case


def load_cases() -> list[Case]:
    return [
        load_case(folder)
        for cases_dir in CASE_DIRS
        for folder in sorted(cases_dir.iterdir())
        if folder.is_dir()
    ]


def can_join(group: list[Case], candidate: Case) -> bool:
    """Return whether a case can share a warehouse with a group of cases."""
    for member in group:
        for table in TABLE_KEYS:
            if table in SHARED_TABLES:
                mine = {tuple(sorted(row.items())) for row in member.tables.get(table, [])}
                theirs = {tuple(sorted(row.items())) for row in candidate.tables.get(table, [])}
                keys_mine = member.row_keys(table)
                keys_theirs = candidate.row_keys(table)
                if len(keys_mine | keys_theirs) != len(mine | theirs):
                    return False
            elif member.row_keys(table) & candidate.row_keys(table):
                return False
        if member.claimed_segment_values() & candidate.used_segment_values():
            return False
        if candidate.claimed_segment_values() & member.used_segment_values():
            return False
    return True


def plan_groups(cases: list[Case]) -> list[list[Case]]:
    """Pack the cases greedily into as few shared warehouses as possible."""
    groups: list[list[Case]] = []
    for case in cases:
        for group in groups:
            if can_join(group, case):
                group.append(case)
                break
        else:
            groups.append([case])
    return groups


def write_merged_input(cases: list[Case], folder: Path) -> None:
    """Write the cases' inputs as one contract folder with the case attribute."""
    folder.mkdir(parents=True, exist_ok=True)
    merged: dict[str, list[dict[str, str]]] = {}
    for case in cases:
        for table, rows in case.tables.items():
            target = merged.setdefault(table, [])
            for row in rows:
                if table not in SHARED_TABLES or row not in target:
                    target.append(row)
        attributes = merged.setdefault("customer_attributes", [])
        for customer_id in sorted(case.customer_ids):
            attributes.append(
                {
                    "customer_id": customer_id,
                    "attribute": CASE_ATTRIBUTE,
                    "value": case.name,
                    "valid_from": CASE_ATTRIBUTE_START,
                }
            )
    for table, rows in merged.items():
        columns: list[str] = []
        for row in rows:
            columns += [name for name in row if name not in columns]
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
