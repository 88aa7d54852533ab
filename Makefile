# The front door. `make demo` runs the whole product on the demo data; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/var/dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
TEST_WORKERS ?= 2  # pytest-xdist workers for `make test`; TEST_WORKERS=0 runs the suite in one process

.PHONY: demo serve test lint install bytecode browser build bench clean docs manifest suites

demo: install bytecode manifest  ## install, generate demo data, build the warehouse, serve Dagster and Streamlit on 127.0.0.1
	bash scripts/run.sh

serve: install bytecode manifest  ## serve the warehouse already built (after `make build` or `make demo`), without rebuilding
	bash scripts/run.sh --serve-only

test: install bytecode browser lint manifest  ## the whole test suite (installs the venv and Debian's chromium if missing)
	time $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=30

lint: install  ## ruff, the import contracts that keep the layers apart (pyproject.toml), sqlfluff on the dbt SQL (.sqlfluff)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/sqlfluff lint dbt_project

install: $(VENV)/.installed

# pip compiles the libraries it installs, not this project's own modules (installed editable); where
# Python is told not to write bytecode as it imports (PYTHONDONTWRITEBYTECODE), every new `rocu`
# process would compile about 60 of them again (0.06-0.1 s each command). Up-to-date files are skipped.
bytecode: install  ## compile the project's Python modules once, for every process started after
	$(PY) -m compileall -q pipelines dashboards scripts >/dev/null

manifest: install  ## dbt parse into dbt_project/target: the Dagster definitions only read it, runs reuse its parse
	$(PY) -m pipelines.orchestration.manifest

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

browser:  ## Debian's chromium (browser tests, PDF printing) and poppler-utils (PDF text and page images)
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }

build: install bytecode manifest  ## generate demo data and build the warehouse, without serving
	bash scripts/build_demo.sh

suites: install  ## write each rule's severity and message (expectations/rules.yml) into the Great Expectations suites
	$(PY) -m pipelines.intake.check.rules

docs: install  ## regenerate docs/framework.md from the catalogue
	$(PY) -m pipelines.framework_docs

bench: build  ## benchmarks: intake verdict times, cold CLI and page verdicts, the GX check now vs one full result, hostile files read or refused within limits, dbt's cost a table and a view model with the one-statement materializations against dbt-duckdb's, a refresh run's dbt parse, warehouse build against its floor and a one-unit-month refresh at demo and 100x scale, upload to a running dashboard page against its floor, page navigation in a browser, make demo to both servers answering (prints figures and ratios)
	$(PY) scripts/bench.py intake
	$(PY) scripts/bench_verdict.py
	$(PY) scripts/bench.py checks
	$(PY) scripts/bench.py hostile
	$(PY) scripts/bench.py materialize
	$(PY) scripts/bench.py refresh
	$(PY) scripts/bench.py warehouse --scale 100
	$(PY) scripts/bench_upload.py --repeat 3
	$(PY) scripts/bench_pages.py --var var
	$(PY) scripts/bench_demo.py

clean:
	rm -rf var dbt_project/target dbt_project/logs
