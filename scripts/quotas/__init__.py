"""Quota recommendation engine.

Reads the marts of the revenue warehouse, recommends a new-business MRR quota
per region and per salesperson for the next quarter, and writes the result
back to the warehouse and to CSV files. ``python -m scripts.quotas --help``
lists the options; ``docs/quota_method.md`` describes the method and
``docs/quota_tables.md`` the output columns.
"""
