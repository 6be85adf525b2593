"""Run the expectation suites through GX checkpoints and collect the outcomes.

DuckDB tables are validated as pandas batches read with the duckdb module
(GX pandas datasource, one dataframe asset per suite). PostgreSQL tables are
validated in the database through GX's PostgreSQL datasource, one query asset
per suite, so the checks run as SQL there.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

from scripts.validation.suites import CRITICAL, SEVERITIES, WARNING, SuiteSpec
from scripts.validation.warehouse import DuckDBWarehouse, PostgresWarehouse, WarehouseError

logger = logging.getLogger(__name__)

DATASOURCE_NAME = "warehouse"
DATA_DOCS_SITE = "validation_site"
PARTIAL_UNEXPECTED_COUNT = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, reduced to what the report prints."""

    expectation_type: str
    severity: str
    success: bool
    columns: tuple[str, ...]
    detail: str


@dataclass
class SuiteOutcome:
    """The outcomes of one suite against the table it reads."""

    name: str
    table: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    def count(self, severity: str, success: bool) -> int:
        return sum(1 for o in self.outcomes if o.severity == severity and o.success == success)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def open_context(output_dir: Path) -> gx.data_context.FileDataContext:
    """Open (or create) the file GX project under ``output_dir/gx``.

    Data Docs go to ``output_dir/data_docs`` instead of GX's default folder.
    """
    context = gx.get_context(mode="file", project_root_dir=output_dir / "gx")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()

    site_config = {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str((output_dir / "data_docs").resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    site_names = context.get_site_names()
    for name in site_names:
        if name != DATA_DOCS_SITE:
            context.delete_data_docs_site(name)
    if DATA_DOCS_SITE in site_names:
        context.update_data_docs_site(DATA_DOCS_SITE, site_config)
    else:
        context.add_data_docs_site(DATA_DOCS_SITE, site_config)
    return context


def _add_datasource(context, warehouse: DuckDBWarehouse | PostgresWarehouse):
    if DATASOURCE_NAME in context.data_sources.all():
        context.data_sources.delete(DATASOURCE_NAME)
    if isinstance(warehouse, PostgresWarehouse):
        return context.data_sources.add_postgres(
            DATASOURCE_NAME, connection_string=warehouse.connection_string
        )
    return context.data_sources.add_pandas(DATASOURCE_NAME)


def run_suites(
    warehouse: DuckDBWarehouse | PostgresWarehouse,
    suites: Sequence[SuiteSpec],
    output_dir: Path,
) -> list[SuiteOutcome]:
    """Run every suite through its own checkpoint and build the Data Docs site."""
    output_dir.mkdir(parents=True, exist_ok=True)
    context = open_context(output_dir)
    datasource = _add_datasource(context, warehouse)

    results = []
    for spec in suites:
        if spec.missing_reason:
            results.append(_missing_table_outcome(spec))
            continue
        logger.info("validating %s (%d expectations)", spec.name, len(spec.expectations))
        try:
            results.append(_run_suite(context, datasource, warehouse, spec))
        except WarehouseError as error:
            results.append(_unreadable_table_outcome(spec, str(error)))

    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    return results


def _run_suite(context, datasource, warehouse, spec: SuiteSpec) -> SuiteOutcome:
    if isinstance(warehouse, DuckDBWarehouse):
        frame = warehouse.read_frame(spec.query)
        asset = datasource.add_dataframe_asset(name=spec.name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_dataframe")
        batch_parameters = {"dataframe": frame}
    else:
        asset = datasource.add_query_asset(name=spec.name, query=spec.query)
        batch_definition = asset.add_batch_definition_whole_table("whole_table")
        batch_parameters = None

    suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=spec.name, expectations=list(spec.expectations))
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"validate {spec.name}",
            validation_definitions=[validation],
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
            },
        )
    )
    checkpoint_result = checkpoint.run(batch_parameters=batch_parameters)

    outcome = SuiteOutcome(name=spec.name, table=spec.table)
    for validation_result in checkpoint_result.run_results.values():
        for result in validation_result.results:
            outcome.outcomes.append(_reduce_result(result))
    return outcome


def _reduce_result(result) -> ExpectationOutcome:
    config = result.expectation_config
    meta = config.meta or {}
    severity = meta.get("severity", CRITICAL)
    kwargs = config.kwargs
    if "column" in kwargs:
        columns = (kwargs["column"],)
    elif "column_list" in kwargs:
        columns = tuple(kwargs["column_list"])
    elif "column_A" in kwargs:
        columns = (kwargs["column_A"], kwargs["column_B"])
    else:
        columns = ()
    return ExpectationOutcome(
        expectation_type=config.type,
        severity=severity,
        success=bool(result.success),
        columns=columns,
        detail="" if result.success else describe_failure(result),
    )


def describe_failure(result) -> str:
    """Describe a failed expectation result in one line with example values."""
    exception_message = _exception_message(result.exception_info)
    if exception_message:
        return f"could not be evaluated: {exception_message}"

    details = result.result or {}
    if "unexpected_count" in details:
        examples = [_plain(value) for value in details.get("partial_unexpected_list") or []]
        return (
            f"{details['unexpected_count']} of {details.get('element_count')} rows unexpected, "
            f"examples: {examples}"
        )
    mismatched = (details.get("details") or {}).get("mismatched") or {}
    if mismatched.get("missing"):
        return f"missing columns: {sorted(mismatched['missing'])}"
    if "observed_value" in details:
        return f"observed value: {_plain(details['observed_value'])}"
    return "failed"


def _exception_message(exception_info) -> str | None:
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        infos = [exception_info]
    else:
        # Keyed by metric when a metric computation raised.
        infos = list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "an exception was raised"
    return None


def _plain(value):
    """Convert numpy, Decimal and NaN values into plain Python values for printing."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if value.__class__.__name__ == "Decimal":
        return float(value)
    return value


def _missing_table_outcome(spec: SuiteSpec) -> SuiteOutcome:
    outcome = SuiteOutcome(name=spec.name, table=spec.table)
    outcome.outcomes.append(
        ExpectationOutcome(
            expectation_type="table_exists",
            severity=spec.missing_severity,
            success=False,
            columns=(),
            detail=spec.missing_reason or "table not found",
        )
    )
    return outcome


def _unreadable_table_outcome(spec: SuiteSpec, message: str) -> SuiteOutcome:
    outcome = SuiteOutcome(name=spec.name, table=spec.table)
    outcome.outcomes.append(
        ExpectationOutcome(
            expectation_type="batch_readable",
            severity=CRITICAL,
            success=False,
            columns=(),
            detail=message,
        )
    )
    return outcome


def format_report(outcomes: Sequence[SuiteOutcome]) -> str:
    """Format the per-suite counts by severity and one line per failed expectation."""
    lines = []
    width = max((len(o.name) for o in outcomes), default=10)
    for outcome in outcomes:
        counts = ", ".join(
            f"{severity} {outcome.count(severity, True)} passed / {outcome.count(severity, False)} failed"
            for severity in SEVERITIES
        )
        lines.append(f"{outcome.name:<{width}}  {counts}")

    failures = [(o, f) for o in outcomes for f in o.failures]
    if failures:
        lines.append("")
        lines.append("Failed expectations:")
    for severity in SEVERITIES:
        for outcome, failure in failures:
            if failure.severity != severity:
                continue
            column_text = f" column {', '.join(failure.columns)}" if failure.columns else ""
            lines.append(
                f"  [{severity}] {outcome.table}{column_text}: "
                f"{failure.expectation_type} failed: {failure.detail}"
            )

    totals = Counter()
    for outcome in outcomes:
        for item in outcome.outcomes:
            totals[(item.severity, item.success)] += 1
    lines.append("")
    lines.append(
        "Total: "
        + ", ".join(
            f"{severity} {totals[(severity, True)]} passed / {totals[(severity, False)]} failed"
            for severity in SEVERITIES
        )
    )
    return "\n".join(lines)


def critical_failures(outcomes: Sequence[SuiteOutcome]) -> int:
    return sum(1 for o in outcomes for f in o.failures if f.severity == CRITICAL)


def warning_failures(outcomes: Sequence[SuiteOutcome]) -> int:
    return sum(1 for o in outcomes for f in o.failures if f.severity == WARNING)
