# Entry points. `make run` builds the warehouse from the demo company and
# prints a summary; `make test` runs the whole test suite. Both create the
# virtual environment from the pinned requirements on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data/demo
WAREHOUSE ?= warehouse.duckdb
OUTPUT ?= output
AS_OF ?=
# The committed demo company's data ends on this date, so `make run` builds
# it as of then; other folders are built as of today unless AS_OF is set.
DEMO_AS_OF := 2026-09-30
PYTEST_ARGS ?=
PG_TEST_DIR ?= /tmp/revenue-warehouse-pg

# dbt variables as NAME=VALUE words, and optional steps to leave out, e.g.
#   make run VARS="churn_recognition=cancellation" SKIP="quotas report"
VARS ?=
SKIP ?=
JOB_OPTIONS = $(foreach variable,$(VARS),--var $(variable)) $(foreach step,$(SKIP),--skip $(step))

AS_OF_OPTION := $(if $(AS_OF),--as-of $(AS_OF),$(if $(filter data/demo data/demo/,$(DATA)),--as-of $(DEMO_AS_OF),))

.PHONY: setup run run-ravenstack demo-data test test-spark lint browser benchmark clean

$(BIN)/.installed: requirements.lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock.txt
	touch $@

setup: $(BIN)/.installed

## Build the warehouse from DATA (default: the demo company) into WAREHOUSE.
run: setup
	$(BIN)/python scripts/run_pipeline.py --data $(DATA) --warehouse $(WAREHOUSE) \
		--output-dir $(OUTPUT) $(AS_OF_OPTION) $(JOB_OPTIONS)

## Map the RavenStack dataset to the contract and build it (data ends in 2024).
run-ravenstack: setup
	$(BIN)/python scripts/ravenstack_to_contract.py --input data/ravenstack \
		--output $(OUTPUT)/ravenstack_contract
	$(BIN)/python scripts/run_pipeline.py --data $(OUTPUT)/ravenstack_contract \
		--warehouse $(if $(filter warehouse.duckdb,$(WAREHOUSE)),ravenstack.duckdb,$(WAREHOUSE)) \
		--output-dir $(OUTPUT)/ravenstack --as-of $(or $(AS_OF),2025-01-01) $(JOB_OPTIONS)

## Regenerate the committed demo company (seeded, so the files stay the same).
demo-data: setup
	$(BIN)/python scripts/generate_demo_data.py --output data/demo

## Headless Chromium for the report's browser test (Debian package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: run 'sudo apt-get install chromium' for the report test"; \
		fi; }

## The whole test suite on DuckDB and on a throwaway local PostgreSQL server.
test: setup browser
	scripts/pg_server.sh start
	. $(PG_TEST_DIR)/env && $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); \
		status=$$?; scripts/pg_server.sh stop; exit $$status

## Every metric case on a local Spark session (needs Java 17; about 20 minutes).
test-spark: setup
	$(BIN)/pip install --quiet -r requirements-spark.txt
	$(BIN)/python -m pytest -m spark tests/python/test_cases.py $(PYTEST_ARGS)

lint: setup
	$(BIN)/sqlfluff lint models/ analyses/ tests/

benchmark: setup
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf target logs $(OUTPUT) warehouse.duckdb ravenstack.duckdb
