#!/usr/bin/env bash
# The main job: build the warehouse from the demo data, then serve the Dagster UI and the
# dashboards on 127.0.0.1 until interrupted. `--serve-only` serves the warehouse already built.
# Ctrl+C (or SIGTERM) stops both servers and every process they started.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="${ROCU_VAR_DIR:-$PWD/var}"
export DAGSTER_HOME="${DAGSTER_HOME:-$VAR/dagster_home}"
DAGSTER_PORT="${DAGSTER_PORT:-3000}"
STREAMLIT_PORT="${STREAMLIT_PORT:-8501}"
if [[ "${1:-}" != "--serve-only" ]]; then
    bash scripts/build_demo.sh
fi
mkdir -p "$DAGSTER_HOME"
cp pipelines/orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"

# Each server in a session (and process group) of its own, so one signal reaches all its processes.
setsid .venv/bin/dagster dev -m pipelines.orchestration.definitions -h 127.0.0.1 -p "$DAGSTER_PORT" \
    >"$VAR/dagster.log" 2>&1 &
DAGSTER_PID=$!
setsid .venv/bin/streamlit run dashboards/app.py --server.address 127.0.0.1 --server.port "$STREAMLIT_PORT" \
    --browser.gatherUsageStats false >"$VAR/streamlit.log" 2>&1 &
STREAMLIT_PID=$!
# The intake worker keeps Great Expectations loaded for every verdict (pipelines/intake/check/worker.py).
ROCU_VAR_DIR="$VAR" setsid .venv/bin/python -m pipelines.intake.check.worker >"$VAR/intake-worker.log" 2>&1 &
WORKER_PID=$!
# The refresh worker keeps Dagster loaded: each verdict, sign-off and answer starts its refresh run
# at once, recorded in the same Dagster instance the UI reads (pipelines/orchestration/refresh_worker.py).
ROCU_VAR_DIR="$VAR" setsid .venv/bin/python -m pipelines.orchestration.refresh_worker >"$VAR/refresh-worker.log" 2>&1 &
REFRESH_PID=$!

stop() {
    trap - EXIT INT TERM
    # dagster dev shuts its webserver, daemon and code servers down on SIGINT; anything still
    # there after a grace period is killed.
    kill -INT -- -"$DAGSTER_PID" 2>/dev/null || true
    kill -TERM -- -"$STREAMLIT_PID" 2>/dev/null || true
    kill -TERM -- -"$WORKER_PID" 2>/dev/null || true
    kill -TERM -- -"$REFRESH_PID" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 -- -"$DAGSTER_PID" 2>/dev/null || kill -0 -- -"$STREAMLIT_PID" 2>/dev/null \
            || kill -0 -- -"$WORKER_PID" 2>/dev/null || kill -0 -- -"$REFRESH_PID" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- -"$DAGSTER_PID" -"$STREAMLIT_PID" -"$WORKER_PID" -"$REFRESH_PID" 2>/dev/null || true
    echo "Stopped."
}
trap stop EXIT
trap 'exit 130' INT TERM

echo
if [[ -f "$VAR/demo-accounts.txt" ]]; then
    cat "$VAR/demo-accounts.txt"
else
    echo "No demo accounts in $VAR yet: make them with .venv/bin/rocu demo accounts"
fi
echo "Logs: $VAR/build.log, $VAR/dagster.log, $VAR/streamlit.log, $VAR/intake-worker.log, $VAR/refresh-worker.log."
echo "Dagster UI: http://127.0.0.1:${DAGSTER_PORT}"
echo "Dashboards: http://127.0.0.1:${STREAMLIT_PORT}"
echo "Press Ctrl+C to stop."
wait
