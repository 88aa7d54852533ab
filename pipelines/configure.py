"""Changing the mapping and the submission window: checked, recorded in the configuration store, audited.

An admin changes them with `rocu mapping set` and `rocu window add` or on the Admin page;
both call `change_mapping` and `change_window`, which check the person's permission here, on
the server, before anything is written. Each change is validated against the reference data as it now stands and appended to the
deployment's configuration store (pipelines/config_store.py) with what it replaced; the
tracked seed files stay the shipped defaults. Running services see the change on their next
read, and the warehouse on its next build (the raw_config asset).
"""

from __future__ import annotations

from datetime import date

from typing import Protocol

import polars as pl

from pipelines import reference
from pipelines.access import AuditLog, require
from pipelines.config_store import ConfigStore, Effective
from pipelines.settings import Paths


class Acting(Protocol):
    """Who makes a change: a signed-in Session (page or command line)."""

    username: str
    role: str
    rocu_code: str | None


def change_mapping(by: Acting, unit: str, label: str, metric_id: str, multiplier: float = 1.0,
                   local_unit: str | None = None, note: str = "", *, paths: Paths | None = None) -> dict:
    """`set_mapping` for a person who must hold manage_mappings (PermissionDenied otherwise).
    The local unit defaults to the metric's own unit (a multiplier of 1 then converts nothing)."""
    require(by, "manage_mappings")
    if local_unit is None:
        found = reference.metrics().filter(pl.col("metric_id") == metric_id)["unit"].to_list()
        local_unit = found[0] if found else "count"
    return set_mapping(unit, label, metric_id, multiplier, local_unit, note, actor=by.username,
                       audit=AuditLog.at(paths), store=ConfigStore.at(paths))


def change_window(by: Acting, effective_from: date, deadline_working_day: int, approval_required: bool = True,
                  description: str = "", *, four_eyes: bool = True, paths: Paths | None = None) -> dict:
    """`add_window` for a person who must hold manage_windows (PermissionDenied otherwise)."""
    require(by, "manage_windows")
    return add_window(effective_from, deadline_working_day, approval_required, description, actor=by.username,
                      audit=AuditLog.at(paths), four_eyes=four_eyes, store=ConfigStore.at(paths))


def set_mapping(unit: str, label: str, metric_id: str, multiplier: float, local_unit: str, note: str, *,
                actor: str, audit: AuditLog, store: ConfigStore | None = None) -> dict:
    """Map one of a unit's local labels to a framework metric (adding or replacing the row)."""
    if unit not in set(reference.rocus()["rocu_code"]):
        raise ValueError(f"{unit!r} is not one of the nine units.")
    if metric_id not in set(reference.metrics()["metric_id"]):
        raise ValueError(f"{metric_id!r} is not a metric of the framework (see docs/framework.md).")
    if not label.strip() or multiplier <= 0:
        raise ValueError("The label must not be blank and the multiplier must be above zero.")
    after = {"rocu_code": unit, "local_label": label.strip(), "metric_id": metric_id, "multiplier": f"{multiplier:g}",
             "local_unit": local_unit, "note": note}
    store = store or ConfigStore.at()
    store.change("label_map", lambda _: after, actor=actor, audit=audit, action="mapping_change",
                 target=f"{unit}: {label.strip()}")
    return after


def add_window(effective_from: date, deadline_working_day: int, approval_required: bool, description: str, *,
               actor: str, audit: AuditLog, four_eyes: bool = True, store: ConfigStore | None = None) -> dict:
    """A new submission-window rule from a date on (earlier months keep the rule they had).
    `four_eyes`: the person who submitted a version may not sign it off (docs/security.md)."""
    if not 1 <= deadline_working_day <= 20:
        raise ValueError("The deadline must be between the 1st and the 20th working day.")
    after = {"effective_from": effective_from.isoformat(), "deadline_working_day": str(deadline_working_day),
             "approval_required": str(approval_required).lower(), "four_eyes": str(four_eyes).lower(),
             "description": description}

    def new_rule(current: Effective) -> dict:
        if any(r["effective_from"] == after["effective_from"] for r in current.rows):
            raise ValueError(f"A rule already starts on {effective_from:%d %B %Y}; choose another date.")
        return after

    store = store or ConfigStore.at()
    store.change("submission_windows", new_rule, actor=actor, audit=audit, action="window_change",
                 target=f"from {effective_from.isoformat()}")
    return after
