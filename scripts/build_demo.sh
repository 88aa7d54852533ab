#!/usr/bin/env bash
# Generate the demo data, submit every demo return through the intake, then run the whole
# Dagster job (raw tables, dbt build with tests, publish). Idempotent: a rerun adds nothing.
# Each step's own output goes to a log under the var folder; the console gets one line a step,
# and the end of the log of a step that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="${ROCU_VAR_DIR:-$PWD/var}"
export DAGSTER_HOME="${DAGSTER_HOME:-$VAR/dagster_home}"
mkdir -p "$DAGSTER_HOME" "$VAR"
cp pipelines/orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
LOG="$VAR/build.log"
: >"$LOG"

step() {  # step "what it does" command...
    local what=$1; shift
    printf '%s ... ' "$what"
    local started=$SECONDS
    if "$@" >>"$LOG" 2>&1; then
        echo "done ($((SECONDS - started)) s)"
    else
        echo "failed. The end of $LOG:"
        tail -n 40 "$LOG"
        exit 1
    fi
}

step "Generating the demo returns and extracts" .venv/bin/rocu demo generate
step "Submitting them through the intake checks" .venv/bin/rocu demo load
step "Making the demo accounts" .venv/bin/rocu demo accounts
step "Building, testing and publishing the warehouse (Dagster job build_warehouse)" \
    .venv/bin/python -m pipelines.orchestration.run_job build_warehouse
