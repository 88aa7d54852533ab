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
mkdir -p "$VAR" "$DAGSTER_HOME"
cp pipelines/orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
DAGSTER_PID="" STREAMLIT_PID="" WORKER_PID="" REFRESH_PID=""

stop() {
    trap - EXIT INT TERM
    local groups=()
    for pid in "$DAGSTER_PID" "$STREAMLIT_PID" "$WORKER_PID" "$REFRESH_PID"; do
        if [[ -n "$pid" ]]; then groups+=("-$pid"); fi
    done
    if (( ${#groups[@]} )); then
        # dagster dev shuts its webserver, daemon and code servers down on SIGINT; anything still
        # there after a grace period is killed.
        for group in "${groups[@]}"; do
            if [[ "$group" == "-$DAGSTER_PID" ]]; then
                kill -INT -- "$group" 2>/dev/null || true
            else
                kill -TERM -- "$group" 2>/dev/null || true
            fi
        done
        for _ in $(seq 50); do
            alive=0
            for group in "${groups[@]}"; do
                if kill -0 -- "$group" 2>/dev/null; then alive=1; fi
            done
            (( alive )) || break
            sleep 0.2
        done
        kill -KILL -- "${groups[@]}" 2>/dev/null || true
    fi
    printf '\nStopped.\n'  # on a line of its own, also when a build step's line was left open
}
trap stop EXIT
trap 'exit 130' INT TERM

# Each server in a session (and process group) of its own, so one signal reaches all its processes.
# The dashboards and the intake worker start first: they read nothing the build writes until a
# person asks (a page says when no warehouse is published yet), and their start-up uses the core
# the build's single-threaded steps leave idle.
setsid .venv/bin/streamlit run dashboards/app.py --server.address 127.0.0.1 --server.port "$STREAMLIT_PORT" \
    --browser.gatherUsageStats false >"$VAR/streamlit.log" 2>&1 &
STREAMLIT_PID=$!
# The intake worker keeps Great Expectations loaded for every verdict (pipelines/intake/check/worker.py).
ROCU_VAR_DIR="$VAR" setsid .venv/bin/python -m pipelines.intake.check.worker >"$VAR/intake-worker.log" 2>&1 &
WORKER_PID=$!

if [[ "${1:-}" != "--serve-only" ]]; then
    bash scripts/build_demo.sh
fi

# Dagster's sensors and the refresh worker start only after the build: both would refresh the
# warehouse for each verdict the demo load makes, while the build writes it.
setsid .venv/bin/dagster dev -m pipelines.orchestration.definitions -h 127.0.0.1 -p "$DAGSTER_PORT" \
    >"$VAR/dagster.log" 2>&1 &
DAGSTER_PID=$!
# The refresh worker keeps Dagster loaded: each verdict, sign-off and answer starts its refresh run
# at once, recorded in the same Dagster instance the UI reads (pipelines/orchestration/refresh_worker.py).
ROCU_VAR_DIR="$VAR" setsid .venv/bin/python -m pipelines.orchestration.refresh_worker >"$VAR/refresh-worker.log" 2>&1 &
REFRESH_PID=$!

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
