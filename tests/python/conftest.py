"""Shared pytest fixtures for the Python test suite."""

from pg_fixture import postgres_database, postgres_server  # noqa: F401  (fixtures used by name)
