#!/usr/bin/env bash
# Generate the demo data, submit every demo return through the intake, then run the whole
# Dagster job (raw tables, dbt build with tests, publish). Idempotent: a rerun adds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/var/dagster_home}"
mkdir -p "$DAGSTER_HOME"
cp pipelines/orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
.venv/bin/rocu demo generate
.venv/bin/rocu demo load
.venv/bin/rocu demo accounts >/dev/null
.venv/bin/dagster job execute -m pipelines.orchestration.definitions -j build_warehouse
