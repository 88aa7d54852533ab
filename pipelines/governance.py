"""Updating the inspection tracker: a recommendation's status and evidence for a unit or the network,
checked, recorded in the configuration store (pipelines/config_store.py) and audited.

A board member updates their own unit's rows; NOCC analysts and admins any unit's, and the network's
rows of the recommendations tracked for the network as a whole (seeds/governance/recommendations.csv,
`tracked_for`). For a recommendation tracked per unit, the network's status is derived from the units'
in the warehouse (fct_recommendation_tracker), so it is never typed in. The seed is never rewritten:
each update is appended with who made it, when, and the row it replaced; the warehouse shows it
after its next refresh (the raw_config asset loads the store).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime

from pipelines.access import AuditLog, PermissionDenied, require
from pipelines.access.permissions import Subject
from pipelines.config_store import ConfigStore
from pipelines.settings import SEEDS_DIR

NETWORK = "NETWORK"  # the rocu_code of the network's own rows
PERMISSION = "update_recommendations"
EVIDENCE_LIMIT = 2000  # characters of evidence text kept (a board minute's summary, not the minute itself)


def _seed(relative: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / relative).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def tracked_items() -> dict[str, dict[str, str]]:
    """The seven recommendations and the areas for improvement, by reference (R1, AFI1, ...)."""
    return {r["item_ref"]: r for r in _seed("governance/recommendations.csv")}


def statuses() -> dict[str, str]:
    """status -> its name, in display order."""
    rows = sorted(_seed("governance/recommendation_statuses.csv"), key=lambda r: int(r["sort_order"]))
    return {r["status"]: r["status_name"] for r in rows}


def units() -> list[str]:
    return [r["rocu_code"] for r in _seed("reference/rocus.csv")]


def may_update(who: Subject, rocu_code: str) -> bool:
    """Whether `who` may update rows for `rocu_code` (a unit, or NETWORK, which needs the 'all' scope)."""
    try:
        _require(who, rocu_code)
    except PermissionDenied:
        return False
    return True


def _require(who: Subject, rocu_code: str) -> None:
    # The network's rows are no unit's: an own-unit grant never covers them.
    require(who, PERMISSION, unit="the network" if rocu_code == NETWORK else rocu_code)


def set_status(item_ref: str, rocu_code: str, status: str, evidence: str, evidence_link: str, *,
               who: Subject, actor: str, audit: AuditLog, store: ConfigStore | None = None,
               now: datetime | None = None) -> dict[str, str]:
    """Record `status` and its evidence for one recommendation and one unit (or NETWORK).

    Raises PermissionDenied when `who` may not update that unit's rows, ValueError (a sentence for
    the person) when the row cannot be recorded; nothing is written then.
    """
    _require(who, rocu_code)
    items = tracked_items()
    if item_ref not in items:
        raise ValueError(f"{item_ref!r} is not one of the inspection's recommendations or areas for improvement.")
    if rocu_code != NETWORK and rocu_code not in units():
        raise ValueError(f"{rocu_code!r} is not one of the nine units.")
    tracked_for = items[item_ref]["tracked_for"]
    if tracked_for == "network" and rocu_code != NETWORK:
        raise ValueError(f"{item_ref} is tracked for the network as a whole, not for each unit.")
    if tracked_for == "unit" and rocu_code == NETWORK:
        raise ValueError(f"{item_ref} is tracked per unit: the network's status comes from the units' statuses.")
    if status not in statuses():
        raise ValueError(f"{status!r} is not a status; choose one of {', '.join(statuses().values())}.")
    link = evidence_link.strip()
    if link and not link.lower().startswith(("https://", "http://")):
        raise ValueError("The evidence link must be a web address starting https:// (or http://).")
    if len(evidence) > EVIDENCE_LIMIT:
        raise ValueError(f"The evidence text is {len(evidence):,} characters; keep it to {EVIDENCE_LIMIT:,} "
                         "and link to the full document.")
    at = now or datetime.now(UTC)
    after = {"item_ref": item_ref, "rocu_code": rocu_code, "status": status, "evidence": evidence.strip(),
             "evidence_link": link, "updated_by": actor, "as_at": at.date().isoformat()}
    (store or ConfigStore.at()).change("recommendation_status", lambda _: after, actor=actor, audit=audit,
                                       action="recommendation_update", target=f"{item_ref}: {rocu_code}", now=now)
    return after
