"""Shared pytest fixtures for the Python test suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pg_fixture import postgres_database, postgres_server  # noqa: F401  (fixtures used by name)
from warehouse_builds import REPO_ROOT, Warehouse, build_warehouse

# The committed demo company's data ends on this date.
DEMO_AS_OF = "2026-09-30"
# RavenStack's data ends on 2024-12-31.
RAVENSTACK_AS_OF = "2025-01-01"


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Warehouse:
    """The demo company built by the whole main job, optional steps included."""
    work_dir = tmp_path_factory.mktemp("demo")
    return build_warehouse(
        REPO_ROOT / "data" / "demo", "duckdb", work_dir, as_of=DEMO_AS_OF, skip_optional_steps=False
    )


@pytest.fixture(scope="session")
def ravenstack_warehouse(tmp_path_factory) -> Warehouse:
    """RavenStack mapped to the contract and built by the whole main job."""
    work_dir = tmp_path_factory.mktemp("ravenstack")
    subprocess.run(
        [
            sys.executable, str(REPO_ROOT / "scripts" / "ravenstack_to_contract.py"),
            "--input", str(REPO_ROOT / "data" / "ravenstack"),
            "--output", str(work_dir / "contract"),
        ],
        check=True, capture_output=True, text=True,
    )
    return build_warehouse(
        work_dir / "contract", "duckdb", work_dir, as_of=RAVENSTACK_AS_OF, skip_optional_steps=False
    )
