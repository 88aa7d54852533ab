"""Sensors: new files in the inbox are taken in; new verdicts become warehouse runs."""


from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from pipelines.intake.api import take_in_inbox
from pipelines.orchestration.resources import LandingResource

@sensor(job_name="refresh_returns", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Takes in files dropped in the inbox, then asks for a warehouse refresh of each unit-month "
                    "whose submission got a verdict since the last evaluation")
def returns_sensor(context: SensorEvaluationContext, landing: LandingResource):
    registry = landing.zone().registry
    # On its first evaluation the sensor starts from what is already there (the last full build
    # loaded it), so switching it on does not queue a run for every month ever submitted.
    last_seen = int(context.cursor) if context.cursor else max((s.submission_id for s in registry.submissions()),
                                                               default=0)
    taken = take_in_inbox(landing.zone())
    new = [s for s in registry.submissions() if s.submission_id > last_seen and s.state != "received"]
    if not new:
        return SensorResult(skip_reason=SkipReason(f"no new verdicts ({taken} inbox files taken in)"),
                            cursor=str(last_seen))
    requests = {
        (s.rocu_code, s.period): RunRequest(
            run_key=f"{s.rocu_code}|{s.period}|{s.submission_id}",
            run_config={"ops": {"raw_returns": {"config": {"unit": s.rocu_code, "month": s.period}}}},
            tags={"rocu/unit": s.rocu_code, "rocu/month": s.period},
        )
        for s in new
    }
    return SensorResult(run_requests=list(requests.values()), cursor=str(max(s.submission_id for s in new)))
