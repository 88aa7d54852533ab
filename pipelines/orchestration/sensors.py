"""Sensors only notice and ask: files waiting in the inbox become a `take_in_inbox` run; new
verdicts, sign-offs and answers to queries become `refresh_returns` runs (when no refresh worker
runs: with one, each of them rings it directly, so the refresh sensors only move their cursors on).
The work itself (parsing, Great Expectations, moving files) happens in those runs, never inside a
tick, so a tick stays a directory listing and a registry query."""

import hashlib

from dagster import (DefaultSensorStatus, RunFailureSensorContext, RunRequest, SensorEvaluationContext, SensorResult,
                     SkipReason, run_failure_sensor, sensor)

from pipelines.intake.api import last_person_event, waiting_in_inbox
from pipelines.orchestration.jobs import rebuilt_everything, refresh_returns, returns_slice
from pipelines.orchestration.resources import LandingResource
from pipelines.refresh_request import STARTED_BY, ask_for_refresh, worker_running

LEFT_TO_WORKER = "the refresh worker refreshes on each verdict, sign-off and answer itself"


@sensor(job_name="take_in_inbox", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Asks for a take_in_inbox run when files wait in the inbox")
def inbox_sensor(context: SensorEvaluationContext, landing: LandingResource):
    zone = landing.zone()
    waiting = waiting_in_inbox(zone)
    if not waiting:
        return SkipReason("the inbox is empty")
    # The same files still waiting (the run is queued) ask for the same run: Dagster starts a key once.
    listing = "\n".join(f"{p.relative_to(zone.root)}|{p.lstat().st_size}|{p.lstat().st_mtime_ns}" for p in waiting)
    return RunRequest(run_key=f"inbox-{hashlib.sha256(listing.encode()).hexdigest()[:16]}",
                      tags={"rocu/inbox_files": str(len(waiting))})


@sensor(job_name="refresh_returns", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Asks for a warehouse refresh of each unit-month whose submission got a verdict, was signed "
                    "off or had a query on its figures answered since the last evaluation")
def returns_sensor(context: SensorEvaluationContext, landing: LandingResource):
    registry = landing.zone().registry
    # The cursor is "<last version seen>:<last sign-off seen>:<last answer seen>" (an older cursor has
    # fewer parts; its sign-off part, a count, is the same number as the seq). On its first evaluation
    # the sensor starts from what is already there (the last full build loaded it), so switching it on
    # does not queue a run for every month ever submitted. Only what came after the cursor is read: an
    # evaluation costs the same whatever the history.
    seen, signed_seen, answered_seen = [*(context.cursor or "").split(":"), "", ""][:3]
    last_seen = int(seen) if seen else registry.last_id()
    signed_seen = int(signed_seen) if signed_seen else registry.last_sign_off()
    answered_seen = int(answered_seen) if answered_seen else registry.last_answer()
    landed = registry.since(last_seen)
    signed = dict(registry.sign_offs_since(signed_seen))
    answered = dict(registry.answers_since(answered_seen))
    # What each version is asked for, naming the event: a verdict read again (below) asks by the same key.
    # The latest event names it, so a sign-off or an answer is never folded into a key already used.
    why = {s.submission_id: f"verdict {s.submission_id}" for s in landed if s.state != "received"}
    why |= {i: f"sign-off {seq}" for seq, i in signed.items()}  # a version is signed off once
    why |= {i: f"answer {answer}" for answer, i in answered.items()}  # an answer comes after its verdict
    # Checks end out of order (a large file takes longer): the cursor stops short of a version still
    # being checked, so its verdict is seen when it comes. Until then the verdicts after it are read
    # again and ask for runs by the same keys, which Dagster starts once.
    checking = [s.submission_id for s in landed if s.state == "received"]
    cursor = (f"{min(checking) - 1 if checking else max([last_seen, *(s.submission_id for s in landed)])}"
              f":{max([signed_seen, *signed])}:{max([answered_seen, *answered])}")
    if not why:
        return SensorResult(skip_reason=SkipReason("no new verdicts, sign-offs or answers"), cursor=cursor)
    if worker_running(landing.zone().root.parent):
        return SensorResult(skip_reason=SkipReason(LEFT_TO_WORKER), cursor=cursor)
    versions = [*(s for s in landed if s.submission_id in why),
                *(registry.get(i) for i in sorted(why.keys() - {s.submission_id for s in landed}))]
    events: dict[tuple[str, str], list[str]] = {}  # a unit-month's run key names every event it is for
    for s in versions:
        if s.return_kind == "monthly":
            events.setdefault((s.rocu_code, s.period), []).append(why[s.submission_id])
    requests = {
        (unit, month): RunRequest(
            run_key=f"{unit}|{month}|{'+'.join(sorted(named))}",
            run_config={"ops": {"raw_returns": {"config": {"unit": unit, "month": month}}}},
            tags={"rocu/unit": unit, "rocu/month": month},
        )
        for (unit, month), named in events.items()
    }
    # Resources returns are reloaded whole by every raw_returns run: a monthly refresh brings them
    # too; without one, a single whole reload (no month slice) serves every new resources verdict.
    if any(s.return_kind == "resources" for s in versions) and not requests:
        requests[("resources", "")] = RunRequest(run_key=f"resources|{cursor}", tags={"rocu/return_kind": "resources"})
    return SensorResult(run_requests=list(requests.values()), cursor=cursor)


@sensor(job_name="refresh_returns", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Asks for a warehouse refresh when someone answers, closes or raises a NOCC query, so the "
                    "answer reaches the pages")
def queries_sensor(context: SensorEvaluationContext, landing: LandingResource):
    # Only people's actions count: the queries reconciliation raises come from a build, and asking
    # for a build then would build forever. A first evaluation starts from what is there.
    last = last_person_event(landing.zone().registry.path)
    seen = int(context.cursor) if context.cursor else last
    if last <= seen:
        return SensorResult(skip_reason=SkipReason("no query answered, closed or raised"), cursor=str(seen))
    if worker_running(landing.zone().root.parent):
        return SensorResult(skip_reason=SkipReason(LEFT_TO_WORKER), cursor=str(last))
    return SensorResult(run_requests=[RunRequest(run_key=f"queries|{last}", tags={"rocu/nocc_queries": str(last)})],
                        cursor=str(last))


@run_failure_sensor(monitored_jobs=[refresh_returns], request_job=refresh_returns, minimum_interval_seconds=30,
                    default_status=DefaultSensorStatus.RUNNING,
                    description="Asks for a refresh of every return when a sensor's refresh of one unit-month failed")
def failed_refresh_sensor(context: RunFailureSensorContext, landing: LandingResource):
    # What the failed run left half done is rebuilt by a whole run, as the refresh worker does after
    # one of its own fails. A whole run that fails is not asked for again: it would fail the same way
    # until someone mends the cause, and the next change or build runs it anyway.
    run = context.dagster_run
    if run.tags.get("rocu/started_by") == STARTED_BY:
        return SkipReason("the refresh worker rebuilds everything after a run of its own fails")
    if rebuilt_everything(run):
        return SkipReason("a refresh of every return failed: it is not asked for again")
    unit, month = returns_slice(run)
    why = f"after the failed run {run.run_id} ({unit or 'every return'} {month})"
    if worker_running(var := landing.zone().root.parent):
        ask_for_refresh(var, why)  # its next run rebuilds everything, as after a failed run of its own
        return SkipReason(f"{LEFT_TO_WORKER}: asked it to refresh everything")
    return RunRequest(run_key=f"after-failed-{run.run_id}",
                      tags={"rocu/unit": "all", "rocu/month": "all", "rocu/after_failed": why})
