"""Great Expectations validation of the raw contract tables and the marts.

Run ``python -m scripts.validation --help`` from the repository root. The
suites live in :mod:`scripts.validation.suites`, the checkpoint runner in
:mod:`scripts.validation.runner` and the command line in
:mod:`scripts.validation.cli`.
"""
