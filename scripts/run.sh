#!/usr/bin/env bash
# The main job: build the warehouse from the demo data, then serve the Dagster UI and the
# dashboards on 127.0.0.1 until interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/var/dagster_home}"
DAGSTER_PORT="${DAGSTER_PORT:-3000}"
STREAMLIT_PORT="${STREAMLIT_PORT:-8501}"
bash scripts/build_demo.sh

set -m  # own process groups, so both servers stop with us
.venv/bin/dagster dev -m pipelines.orchestration.definitions -h 127.0.0.1 -p "$DAGSTER_PORT" >var/dagster.log 2>&1 &
DAGSTER_PID=$!
.venv/bin/streamlit run dashboards/app.py --server.address 127.0.0.1 --server.port "$STREAMLIT_PORT" \
    --browser.gatherUsageStats false >var/streamlit.log 2>&1 &
STREAMLIT_PID=$!
trap 'kill -- -$DAGSTER_PID -$STREAMLIT_PID 2>/dev/null || true' EXIT INT TERM

echo
cat var/demo-accounts.txt
echo "Dashboards: http://127.0.0.1:${STREAMLIT_PORT}"
echo "Dagster UI: http://127.0.0.1:${DAGSTER_PORT}"
echo "Logs in var/dagster.log and var/streamlit.log. Press Ctrl+C to stop."
wait
