"""Expectation suites for the raw contract tables and the marts.

Each suite reads one batch: a SELECT that works unchanged on DuckDB and
PostgreSQL. Some batches add computed columns (a reconciliation residual, a
sign-adjusted movement amount) so that a rule across columns becomes a plain
column expectation that GX can report with example values.

Every expectation carries its severity in ``meta["severity"]`` (and in GX's
own ``severity`` field):

* ``critical``: structural problems in the raw input (a missing required
  column, an empty required table) and every mart invariant. A failure makes
  the runner exit non-zero.
* ``warning``: row-level problems in the raw input. The dbt build moves such
  rows to ``fct_quarantine`` instead of failing, so these are reported and
  counted only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import great_expectations.expectations as gxe

from scripts.validation.contract import ContractTable

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)

# Calendar date, optionally followed by a time of day and a UTC offset:
# 2024-01-31, 2024-01-31 12:00, 2024-01-31T12:00:00.123Z, 2024-01-31 12:00:00+02:00.
ISO_TIMESTAMP_REGEX = (
    r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"(?:[ T](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
DECIMAL_REGEX = r"^-?\d+(?:\.\d+)?$"
# Non-negative number, scientific notation allowed (rates of weak currencies
# are exported as 6.4e-05).
NON_NEGATIVE_NUMBER_REGEX = r"^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
NON_NEGATIVE_INTEGER_REGEX = r"^\d+$"
POSITIVE_INTEGER_REGEX = r"^[1-9]\d*$"
CURRENCY_REGEX = r"^[A-Z]{3}$"
BOOLEAN_REGEX = r"^(?:true|false|TRUE|FALSE|True|False|t|f|1|0)$"

LINE_ITEM_KINDS = ("subscription", "one_time", "trial")
INTERVAL_UNITS = ("day", "week", "month", "year")
TRANSACTION_KINDS = ("payment", "refund")
TRANSACTION_RESULTS = ("successful", "failed")
MOVEMENT_TYPES = (
    "new_business",
    "expansion",
    "contraction",
    "churn",
    "reactivation",
    "fx_adjustment",
    "transfer_in",
    "transfer_out",
)
# Allowed distance from zero for sums of amounts that are each rounded to the cent.
CENT_TOLERANCE = 0.01


@dataclass(frozen=True)
class SuiteSpec:
    """One expectation suite and the batch query it validates.

    ``missing_reason`` is set when the table cannot be validated at all (it
    does not exist). The runner then reports one failed expectation of
    ``missing_severity`` for the suite instead of running GX.
    """

    name: str
    table: str
    query: str
    expectations: list[gxe.Expectation] = field(default_factory=list)
    missing_reason: str | None = None
    missing_severity: str = CRITICAL


def make_expectation(
    severity: str, expectation_class: type[gxe.Expectation], **kwargs
) -> gxe.Expectation:
    """Build an expectation whose meta and GX severity field carry ``severity``."""
    if severity not in SEVERITIES:
        raise ValueError(f"invalid severity {severity!r}; expected one of {SEVERITIES}")
    return expectation_class(meta={"severity": severity}, severity=severity, **kwargs)


def critical(expectation_class: type[gxe.Expectation], **kwargs) -> gxe.Expectation:
    return make_expectation(CRITICAL, expectation_class, **kwargs)


def warning(expectation_class: type[gxe.Expectation], **kwargs) -> gxe.Expectation:
    return make_expectation(WARNING, expectation_class, **kwargs)


def quote_table(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


# ---------------------------------------------------------------------------
# Raw contract tables
# ---------------------------------------------------------------------------

TIMESTAMP_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "customers": ("created_at", "lead_created_at", "trial_started_at"),
    "customer_attributes": ("valid_from",),
    "sales_reps": ("hired_on", "left_on"),
    "line_items": (
        "invoice_date",
        "service_period_start",
        "service_period_end",
        "cancelled_at",
    ),
    "subscriptions": ("start_date", "end_date"),
    "transactions": ("occurred_at",),
    "exchange_rates": ("rate_date",),
}

COLUMN_REGEXES: Mapping[tuple[str, str], str] = {
    ("plans", "interval_count"): POSITIVE_INTEGER_REGEX,
    ("line_items", "currency"): CURRENCY_REGEX,
    ("line_items", "amount"): DECIMAL_REGEX,
    ("line_items", "discount_amount"): DECIMAL_REGEX,
    ("line_items", "tax_amount"): DECIMAL_REGEX,
    ("line_items", "quantity"): NON_NEGATIVE_INTEGER_REGEX,
    ("line_items", "prorated"): BOOLEAN_REGEX,
    ("subscriptions", "currency"): CURRENCY_REGEX,
    ("subscriptions", "amount"): DECIMAL_REGEX,
    ("subscriptions", "quantity"): NON_NEGATIVE_INTEGER_REGEX,
    ("subscriptions", "is_trial"): BOOLEAN_REGEX,
    ("transactions", "amount"): DECIMAL_REGEX,
    ("exchange_rates", "currency"): CURRENCY_REGEX,
    ("exchange_rates", "rate_to_base"): NON_NEGATIVE_NUMBER_REGEX,
}

COLUMN_VALUE_SETS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("plans", "interval_unit"): INTERVAL_UNITS,
    ("line_items", "kind"): LINE_ITEM_KINDS,
    ("transactions", "kind"): TRANSACTION_KINDS,
    ("transactions", "result"): TRANSACTION_RESULTS,
}

# Columns that must not be null beyond the key columns.
NOT_NULL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "line_items": ("customer_id", "kind", "currency", "amount"),
    "subscriptions": ("customer_id", "plan_id", "currency", "amount"),
    "plans": ("interval_unit", "interval_count"),
    "exchange_rates": ("rate_to_base",),
}

# (table, column) -> name of the reference set that must contain its values.
REFERENCES: Mapping[tuple[str, str], str] = {
    ("customer_attributes", "customer_id"): "customer_id",
    ("line_items", "customer_id"): "customer_id",
    ("subscriptions", "customer_id"): "customer_id",
    ("line_items", "plan_id"): "plan_id",
    ("subscriptions", "plan_id"): "plan_id",
}

# (table, later column, earlier column). The contract rejects an end before
# the start, and equal values pass because one-time lines carry a service
# period that starts and ends on the same day. The comparison is on the raw
# text, which orders ISO 8601 values correctly when both columns use the same
# format.
DATE_ORDERS: Sequence[tuple[str, str, str]] = (
    ("line_items", "service_period_end", "service_period_start"),
    ("subscriptions", "end_date", "start_date"),
    ("sales_reps", "left_on", "hired_on"),
)

# A negative amount is allowed only on a prorated credit line.
NEGATIVE_UNPRORATED_AMOUNT = "negative_amount_not_prorated"
_NEGATIVE_UNPRORATED_SQL = (
    "case when trim(amount) like '-%' and lower(trim(coalesce(prorated, 'false'))) "
    "not in ('true', 't', '1') then trim(amount) end"
)


def raw_reference_queries(raw_schema: str) -> dict[str, tuple[str, str]]:
    """Return, per reference set, the table it comes from and the query that reads it."""
    return {
        key: (
            table,
            f"select distinct {key} from {quote_table(raw_schema, table)} "
            f"where nullif(trim({key}), '') is not null order by {key}",
        )
        for key, table in (("customer_id", "customers"), ("plan_id", "plans"))
    }


def build_raw_suites(
    contract: Sequence[ContractTable],
    raw_schema: str,
    table_columns: Mapping[str, Sequence[str] | None],
    reference_sets: Mapping[str, Sequence[str]],
) -> list[SuiteSpec]:
    """Build one suite per contract table plus one for the billing-line groups.

    ``table_columns`` maps each contract table to its columns in the
    warehouse, or None when the table does not exist. ``reference_sets`` maps
    a reference name (``customer_id``, ``plan_id``) to the values found in
    the referenced table.
    """
    suites = [
        _raw_table_suite(table, raw_schema, table_columns.get(table.name), reference_sets)
        for table in contract
    ]
    suites.extend(_billing_group_suites(contract, raw_schema, table_columns))
    return suites


def _raw_table_suite(
    table: ContractTable,
    raw_schema: str,
    columns: Sequence[str] | None,
    reference_sets: Mapping[str, Sequence[str]],
) -> SuiteSpec:
    qualified = f"{raw_schema}.{table.name}"
    name = f"raw.{table.name}"
    if columns is None:
        return SuiteSpec(
            name=name,
            table=qualified,
            query="",
            missing_reason=f"table {qualified} not found",
            missing_severity=CRITICAL if table.required else WARNING,
        )

    present = set(columns)
    expectations: list[gxe.Expectation] = []

    if table.required:
        expectations.append(critical(gxe.ExpectTableRowCountToBeBetween, min_value=1))
    for column in table.required_columns:
        expectations.append(critical(gxe.ExpectColumnToExist, column=column))
    optional_columns = [c for c in table.columns if c not in table.required_columns]
    if optional_columns:
        expectations.append(
            warning(gxe.ExpectTableColumnsToMatchSet, column_set=optional_columns, exact_match=False)
        )

    expectations.extend(_key_expectations(table, present))
    expectations.extend(_value_expectations(table.name, present, reference_sets))

    # The loader writes an empty CSV cell as an empty string, so the batch
    # treats an empty or blank value in a contract column as null.
    select_list = [
        f"nullif(trim(cast({column} as varchar)), '') as {column}"
        if column in table.columns
        else column
        for column in columns
    ]
    if table.name == "line_items" and {"amount", "prorated"} <= present:
        select_list.append(f"{_NEGATIVE_UNPRORATED_SQL} as {NEGATIVE_UNPRORATED_AMOUNT}")
        expectations.append(
            warning(gxe.ExpectColumnValuesToBeNull, column=NEGATIVE_UNPRORATED_AMOUNT)
        )
    query = f"select {', '.join(select_list)} from {quote_table(raw_schema, table.name)}"
    return SuiteSpec(name=name, table=qualified, query=query, expectations=expectations)


def _key_expectations(table: ContractTable, present: set[str]) -> list[gxe.Expectation]:
    key = [column for column in table.key if column in present]
    if len(key) != len(table.key) or not key:
        # A missing key column already fails its ExpectColumnToExist.
        return []
    expectations = [warning(gxe.ExpectColumnValuesToNotBeNull, column=column) for column in key]
    if len(key) == 1:
        expectations.append(warning(gxe.ExpectColumnValuesToBeUnique, column=key[0]))
    else:
        expectations.append(warning(gxe.ExpectCompoundColumnsToBeUnique, column_list=key))
    return expectations


def _value_expectations(
    table: str, present: set[str], reference_sets: Mapping[str, Sequence[str]]
) -> list[gxe.Expectation]:
    expectations: list[gxe.Expectation] = []

    for column in NOT_NULL_COLUMNS.get(table, ()):
        if column in present:
            expectations.append(warning(gxe.ExpectColumnValuesToNotBeNull, column=column))

    for (rule_table, column), values in COLUMN_VALUE_SETS.items():
        if rule_table == table and column in present:
            expectations.append(
                warning(gxe.ExpectColumnValuesToBeInSet, column=column, value_set=list(values))
            )

    for (rule_table, column), regex in COLUMN_REGEXES.items():
        if rule_table == table and column in present:
            expectations.append(warning(gxe.ExpectColumnValuesToMatchRegex, column=column, regex=regex))

    for column in TIMESTAMP_COLUMNS.get(table, ()):
        if column in present:
            expectations.append(
                warning(gxe.ExpectColumnValuesToMatchRegex, column=column, regex=ISO_TIMESTAMP_REGEX)
            )

    for (rule_table, column), reference in REFERENCES.items():
        if rule_table == table and column in present:
            expectations.append(
                warning(
                    gxe.ExpectColumnValuesToBeInSet,
                    column=column,
                    value_set=list(reference_sets.get(reference, ())),
                )
            )

    for rule_table, later, earlier in DATE_ORDERS:
        if rule_table == table and {later, earlier} <= present:
            expectations.append(
                warning(
                    gxe.ExpectColumnPairValuesAToBeGreaterThanB,
                    column_A=later,
                    column_B=earlier,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
    return expectations


def _billing_group_suites(
    contract: Sequence[ContractTable],
    raw_schema: str,
    table_columns: Mapping[str, Sequence[str] | None],
) -> list[SuiteSpec]:
    """Check that each group of alternative tables has at least one row.

    The contract requires rows in at least one of `line_items` and
    `subscriptions` (group `billing_lines`).
    """
    groups: dict[str, list[str]] = {}
    for table in contract:
        if table.group:
            groups.setdefault(table.group, []).append(table.name)

    suites = []
    for group, tables in sorted(groups.items()):
        existing = [t for t in tables if table_columns.get(t) is not None]
        name = f"raw.{group}"
        qualified = " + ".join(f"{raw_schema}.{t}" for t in tables)
        if not existing:
            suites.append(
                SuiteSpec(
                    name=name,
                    table=qualified,
                    query="",
                    missing_reason=f"none of the tables {', '.join(tables)} found in schema {raw_schema}",
                )
            )
            continue
        counts = " + ".join(
            f"(select count(*) from {quote_table(raw_schema, t)})" for t in existing
        )
        suites.append(
            SuiteSpec(
                name=name,
                table=qualified,
                query=f"select {counts} as row_count",
                expectations=[
                    critical(gxe.ExpectColumnValuesToBeBetween, column="row_count", min_value=1)
                ],
            )
        )
    return suites


# ---------------------------------------------------------------------------
# Marts
# ---------------------------------------------------------------------------

MART_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "dim_customers": (
        "customer_id", "country_code", "country_name", "region", "channel", "created_at",
        "lead_created_at", "trial_started_at", "first_paid_on", "cohort_month",
        "current_mrr", "is_paying", "sales_rep_id",
    ),
    "dim_sales_reps": (
        "sales_rep_id", "sales_rep_name", "team", "region", "hired_on", "left_on", "is_active",
    ),
    "dim_plans": ("plan_id", "plan_name", "interval_unit", "interval_count", "months_per_interval"),
    "dim_countries": ("country_code", "country_name", "alpha3_code", "numeric_code", "region"),
    "fct_mrr_movements": (
        "customer_id", "movement_date", "movement_month", "movement_type", "mrr_change",
        "mrr_before", "mrr_after", "transfer_segment", "transfer_segment_value",
        "country_code", "region", "channel", "plan_id", "sales_rep_id",
    ),
    "fct_customer_mrr_monthly": (
        "customer_id", "month", "mrr", "arr", "is_paying", "country_code", "region",
        "channel", "plan_id", "sales_rep_id",
    ),
    "fct_segment_metrics_monthly": (
        "month", "segment", "segment_value", "is_complete_month", "mrr_start", "mrr", "arr",
        "customers_start", "customers", "new_customers", "reactivated_customers",
        "churned_customers", "new_business_mrr", "expansion_mrr", "contraction_mrr",
        "churn_mrr", "reactivation_mrr", "fx_adjustment_mrr", "transfer_in_mrr",
        "transfer_out_mrr", "net_new_mrr", "arpa", "asp", "customer_churn_rate",
        "gross_mrr_churn_rate", "net_mrr_churn_rate", "net_revenue_retention",
        "gross_revenue_retention", "quick_ratio", "ltv", "leads", "trials",
        "trials_converted", "trial_conversion_rate",
    ),
    "fct_cohort_retention": (
        "cohort_month", "months_since_start", "month", "segment", "segment_value",
        "cohort_customers", "cohort_mrr", "customers_retained", "mrr_retained",
        "customer_retention", "mrr_retention",
    ),
    "fct_quarantine": (
        "table_name", "row_key", "rule", "severity", "raw_values", "source_row_number",
    ),
}

MART_GRAINS: Mapping[str, tuple[str, ...]] = {
    "dim_customers": ("customer_id",),
    "dim_sales_reps": ("sales_rep_id",),
    "dim_plans": ("plan_id",),
    "dim_countries": ("country_code",),
    # Transfers add one row per segment whose value changed, so the segment
    # is part of the grain (null on other movement types).
    "fct_mrr_movements": ("customer_id", "movement_date", "movement_type", "transfer_segment"),
    "fct_customer_mrr_monthly": ("customer_id", "month"),
    "fct_segment_metrics_monthly": ("month", "segment", "segment_value"),
    "fct_cohort_retention": ("cohort_month", "months_since_start", "segment", "segment_value"),
}

# Grain columns that may be null.
NULLABLE_GRAIN_COLUMNS = {("fct_mrr_movements", "transfer_segment")}

NON_NEGATIVE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "dim_customers": ("current_mrr",),
    "dim_plans": ("interval_count", "months_per_interval"),
    "fct_mrr_movements": ("mrr_before", "mrr_after"),
    "fct_customer_mrr_monthly": ("mrr", "arr"),
    "fct_segment_metrics_monthly": (
        "mrr_start", "mrr", "arr", "customers_start", "customers", "new_customers",
        "reactivated_customers", "churned_customers", "new_business_mrr", "expansion_mrr",
        "reactivation_mrr", "transfer_in_mrr", "leads", "trials", "trials_converted",
    ),
    "fct_cohort_retention": (
        "months_since_start", "cohort_customers", "cohort_mrr", "customers_retained",
        "mrr_retained",
    ),
}

# Movement amounts are signed: churn, contraction and transfer_out are negative.
NON_POSITIVE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "fct_segment_metrics_monthly": ("churn_mrr", "contraction_mrr", "transfer_out_mrr"),
}

# Ratios whose numerator is a subset of their denominator.
UNIT_INTERVAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "fct_segment_metrics_monthly": (
        "customer_churn_rate", "gross_revenue_retention", "trial_conversion_rate",
    ),
    "fct_cohort_retention": ("customer_retention",),
}

RECONCILIATION_RESIDUAL = "reconciliation_residual"
RECONCILED_MOVEMENT_COLUMNS = (
    "new_business_mrr", "expansion_mrr", "contraction_mrr", "churn_mrr", "reactivation_mrr",
    "fx_adjustment_mrr", "transfer_in_mrr", "transfer_out_mrr",
)

MOVEMENT_DIRECTION_CHANGE = "mrr_change_in_movement_direction"
# The computed column is mrr_change with the sign flipped for churn,
# contraction and transfer_out, so a non-negative value means the sign matches
# the type. It is null for fx_adjustment, which can go either way.
_MOVEMENT_DIRECTION_SQL = (
    "case when movement_type in ('churn', 'contraction', 'transfer_out') then -mrr_change "
    "when movement_type in ('new_business', 'expansion', 'reactivation', 'transfer_in') "
    "then mrr_change end"
)


def build_mart_suites(
    marts_schema: str,
    table_columns: Mapping[str, Sequence[str] | None],
    contract_tables: Sequence[str],
) -> list[SuiteSpec]:
    """Build one suite per mart table plus the transfer-total suite.

    ``table_columns`` maps each mart table to its columns in the warehouse,
    or None when the table does not exist. ``contract_tables`` lists the
    names that `fct_quarantine.table_name` may contain.
    """
    suites = [
        _mart_table_suite(table, marts_schema, table_columns.get(table), contract_tables)
        for table in MART_COLUMNS
    ]
    suites.append(
        _segment_transfer_suite(marts_schema, table_columns.get("fct_segment_metrics_monthly"))
    )
    return suites


def _mart_table_suite(
    table: str,
    marts_schema: str,
    columns: Sequence[str] | None,
    contract_tables: Sequence[str],
) -> SuiteSpec:
    qualified = f"{marts_schema}.{table}"
    name = f"marts.{table}"
    if columns is None:
        return SuiteSpec(
            name=name, table=qualified, query="", missing_reason=f"table {qualified} not found"
        )

    present = set(columns)
    expectations: list[gxe.Expectation] = [
        critical(gxe.ExpectTableColumnsToMatchSet, column_set=list(MART_COLUMNS[table]), exact_match=False)
    ]
    expectations.extend(_grain_expectations(table, present))

    for column in NON_NEGATIVE_COLUMNS.get(table, ()):
        if column in present:
            expectations.append(critical(gxe.ExpectColumnValuesToBeBetween, column=column, min_value=0))
    for column in NON_POSITIVE_COLUMNS.get(table, ()):
        if column in present:
            expectations.append(critical(gxe.ExpectColumnValuesToBeBetween, column=column, max_value=0))
    for column in UNIT_INTERVAL_COLUMNS.get(table, ()):
        if column in present:
            expectations.append(
                critical(gxe.ExpectColumnValuesToBeBetween, column=column, min_value=0, max_value=1)
            )
    expectations.extend(_mart_specific_expectations(table, present, contract_tables))

    computed = _computed_mart_columns(table, present)
    for column_name, _sql, expectation in computed:
        expectations.append(expectation)
    select_list = ", ".join(["*"] + [f"{sql} as {column_name}" for column_name, sql, _ in computed])
    query = f"select {select_list} from {quote_table(marts_schema, table)}"
    return SuiteSpec(name=name, table=qualified, query=query, expectations=expectations)


def _grain_expectations(table: str, present: set[str]) -> list[gxe.Expectation]:
    grain = MART_GRAINS.get(table)
    if not grain or not set(grain) <= present:
        return []
    expectations = [
        critical(gxe.ExpectColumnValuesToNotBeNull, column=column)
        for column in grain
        if (table, column) not in NULLABLE_GRAIN_COLUMNS
    ]
    if len(grain) == 1:
        expectations.append(critical(gxe.ExpectColumnValuesToBeUnique, column=grain[0]))
    else:
        expectations.append(
            critical(
                gxe.ExpectCompoundColumnsToBeUnique,
                column_list=list(grain),
                ignore_row_if="never",
            )
        )
    return expectations


def _mart_specific_expectations(
    table: str, present: set[str], contract_tables: Sequence[str]
) -> list[gxe.Expectation]:
    rules: list[tuple[str, Callable[[], gxe.Expectation]]] = []
    if table == "dim_plans":
        rules.append(
            ("interval_unit", lambda: critical(
                gxe.ExpectColumnValuesToBeInSet, column="interval_unit", value_set=list(INTERVAL_UNITS)
            ))
        )
    if table == "fct_mrr_movements":
        rules.append(
            ("movement_type", lambda: critical(
                gxe.ExpectColumnValuesToBeInSet, column="movement_type", value_set=list(MOVEMENT_TYPES)
            ))
        )
        rules.append(
            ("movement_type", lambda: critical(gxe.ExpectColumnValuesToNotBeNull, column="movement_type"))
        )
    if table == "fct_quarantine":
        rules.append(
            ("table_name", lambda: critical(
                gxe.ExpectColumnValuesToBeInSet, column="table_name", value_set=list(contract_tables)
            ))
        )
        rules.append(("table_name", lambda: critical(gxe.ExpectColumnValuesToNotBeNull, column="table_name")))
        rules.append(("rule", lambda: critical(gxe.ExpectColumnValuesToNotBeNull, column="rule")))
    return [build() for column, build in rules if column in present]


def _computed_mart_columns(
    table: str, present: set[str]
) -> list[tuple[str, str, gxe.Expectation]]:
    """Return (column name, SQL expression, expectation) for computed batch columns."""
    computed = []
    if table == "fct_segment_metrics_monthly" and {"mrr", "mrr_start", *RECONCILED_MOVEMENT_COLUMNS} <= present:
        movements = " + ".join(f"coalesce({c}, 0)" for c in ("mrr_start", *RECONCILED_MOVEMENT_COLUMNS))
        computed.append((
            RECONCILIATION_RESIDUAL,
            f"coalesce(mrr, 0) - ({movements})",
            critical(
                gxe.ExpectColumnValuesToBeBetween,
                column=RECONCILIATION_RESIDUAL,
                min_value=-CENT_TOLERANCE,
                max_value=CENT_TOLERANCE,
            ),
        ))
    if table == "fct_mrr_movements" and {"movement_type", "mrr_change"} <= present:
        computed.append((
            MOVEMENT_DIRECTION_CHANGE,
            _MOVEMENT_DIRECTION_SQL,
            critical(gxe.ExpectColumnValuesToBeBetween, column=MOVEMENT_DIRECTION_CHANGE, min_value=0),
        ))
    return computed


def _segment_transfer_suite(marts_schema: str, columns: Sequence[str] | None) -> SuiteSpec:
    """Check that transfers cancel out in segment `all` for every month.

    A transfer moves MRR between values of one segment, so the whole book of
    business (segment `all`) gains and loses the same amount.
    """
    table = "fct_segment_metrics_monthly"
    qualified = f"{marts_schema}.{table}"
    name = "marts.fct_segment_metrics_monthly.transfers"
    needed = {"month", "segment", "transfer_in_mrr", "transfer_out_mrr"}
    if columns is None or not needed <= set(columns):
        return SuiteSpec(
            name=name,
            table=qualified,
            query="",
            missing_reason=f"table {qualified} not found or lacks columns {sorted(needed)}",
        )
    query = (
        "select month, sum(coalesce(transfer_in_mrr, 0) + coalesce(transfer_out_mrr, 0)) "
        f"as net_transfer_mrr from {quote_table(marts_schema, table)} "
        "where segment = 'all' group by month"
    )
    return SuiteSpec(
        name=name,
        table=qualified,
        query=query,
        expectations=[
            critical(
                gxe.ExpectColumnValuesToBeBetween,
                column="net_transfer_mrr",
                min_value=-CENT_TOLERANCE,
                max_value=CENT_TOLERANCE,
            )
        ],
    )
