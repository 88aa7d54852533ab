"""`python -m pipelines.orchestration.run_job JOB` (make demo's build step) runs the job as `dagster job
execute` would: a run in the persistent instance, read back whole by Dagster's own storage, which
the UI and the daemon use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, RunsFilter

ROOT = Path(__file__).resolve().parents[1]


def run_job(var: Path, job: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home")}
    return subprocess.run([sys.executable, "-m", "pipelines.orchestration.run_job", job], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_job_run_is_recorded_in_the_persistent_instance(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "dagster_home").mkdir(parents=True)
    shutil.copy(ROOT / "pipelines" / "orchestration" / "dagster.yaml", var / "dagster_home" / "dagster.yaml")
    done = run_job(var, "take_in_inbox")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    instance = DagsterInstance.from_config(str(var / "dagster_home"))
    try:
        [run] = instance.get_runs(RunsFilter(job_name="take_in_inbox"))
        assert run.is_success and run.tags["rocu/started_by"] == "run_job"
        kinds = [e.dagster_event_type for e in instance.all_logs(run.run_id) if e.is_dagster_event]
        assert DagsterEventType.STEP_SUCCESS in kinds and kinds[-1] == DagsterEventType.RUN_SUCCESS
    finally:
        instance.dispose()

    unknown = run_job(var, "no_such_job")
    assert unknown.returncode != 0 and "no_such_job" in unknown.stderr
