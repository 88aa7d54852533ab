"""The intake's public interface: what the command line, the Upload page, the inbox and the
assets may call. Anything not named here is the intake's own business and may change."""

from pipelines.intake.check.arrival import MAX_BYTES
from pipelines.intake.check.reasons import Justification, ReasonRequired, deadline_at
from pipelines.intake.check.expectations import (suite_holds_per_part_when_whole_passes, validate,
                                                 warm_up as warm_up_checks)
from pipelines.intake.check.report import VERDICT_WORDS
from pipelines.intake.check.request import InvalidRequest, ReturnRequest, validate_request
from pipelines.intake.inbox import take_in_inbox, waiting_in_inbox
from pipelines.intake.land.registry import ACCEPTED_STATES, Registry, Submission
from pipelines.intake.land.zone import LandingZone, read_offered_file
from pipelines.intake.nocc_queries import (NoccQuery, QueryRefused, answer_nocc_query, close_query, days_to_answer,
                                           last_person_event, queries_of, raise_from_reconciliation, raise_query,
                                           registry_rows, visible_queries, working_days_between)
from pipelines.intake.queries import (ANSWERED_SCHEMA, OpenQueries, Query, answer_query, answered_queries,
                                      open_queries, queries)
from pipelines.intake.service import Verdict, approve, close_abandoned, load_report, submit_return
from pipelines.intake.standardise.resources import RESOURCES_SCHEMA
from pipelines.intake.standardise.returns import COMMENTS_SCHEMA, UNMAPPED_SCHEMA, VALUES_SCHEMA, unit_layout
from pipelines.intake.types import Problem, counts
from pipelines.intake.unmapped import UnmappedLabel, unmapped_labels
from pipelines.intake.workflow import CheckResult, awaiting_sign_off, check_return, reasons_needed, submit

__all__ = [
    "COMMENTS_SCHEMA", "MAX_BYTES", "RESOURCES_SCHEMA", "UNMAPPED_SCHEMA", "VALUES_SCHEMA", "VERDICT_WORDS", "InvalidRequest", "LandingZone", "Problem",
    "Registry", "ReturnRequest", "Submission", "Verdict", "approve", "close_abandoned", "load_report",
    "read_offered_file", "submit_return", "take_in_inbox", "unit_layout", "validate", "validate_request",
    "waiting_in_inbox", "CheckResult", "Justification", "ReasonRequired", "awaiting_sign_off", "check_return",
    "deadline_at", "reasons_needed", "submit", "warm_up_checks", "OpenQueries", "Query", "answer_query",
    "open_queries", "queries", "counts", "ACCEPTED_STATES", "ANSWERED_SCHEMA", "answered_queries",
    "NoccQuery", "QueryRefused", "answer_nocc_query", "close_query", "days_to_answer", "last_person_event", "queries_of",
    "raise_from_reconciliation", "raise_query", "registry_rows", "visible_queries", "working_days_between",
    "UnmappedLabel", "unmapped_labels", "suite_holds_per_part_when_whole_passes",
]
