"""Run one of the project's Dagster jobs in this process, recorded in the persistent instance.

    python -m pipelines.orchestration.run_job build_warehouse

What `dagster job execute -m pipelines.orchestration.definitions -j JOB` does (the run, its events,
materialisations and checks in $DAGSTER_HOME, where the UI shows them), with the event log written
through connections kept open (pipelines/orchestration/event_log.py). A whole build stores about
2,500 events; Dagster's own storage opens an engine and waits for an fsync for each, about 10 s of
`make demo`'s build step (64 s against 73 s, the same job side by side; issue 16, item 6).
"""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job", help="a job of pipelines/orchestration/definitions.py, e.g. build_warehouse")
    args = parser.parse_args(argv)

    from pipelines.orchestration.definitions import build_definitions
    from pipelines.orchestration.event_log import persistent_instance
    from pipelines.settings import Paths

    paths = Paths.from_env()
    job = build_definitions(paths).resolve_job_def(args.job)
    instance = persistent_instance(paths.dagster_home)
    try:
        result = job.execute_in_process(instance=instance, raise_on_error=False,
                                        tags={"rocu/started_by": "run_job"})
    finally:
        instance.dispose()
    if not result.success:
        print(f"The {args.job} run failed; its events are in the Dagster UI (run {result.run_id}).", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
