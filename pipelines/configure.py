"""Changing the mapping and the submission window: checked, written as data, audited.

Both live in seeds/ (the warehouse reads them on its next build). An admin changes them
with `rocu mapping set` and `rocu window add`; each change is validated against the
reference data and recorded in the audit trail with what it replaced.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from pipelines import reference
from pipelines.access import AuditLog
from pipelines.settings import SEEDS_DIR


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    reference.reload()  # later reads in this process see the change


def set_mapping(unit: str, label: str, metric_id: str, multiplier: float, local_unit: str, note: str, *,
                actor: str, audit: AuditLog, seeds_dir: Path = SEEDS_DIR) -> dict:
    """Map one of a unit's local labels to a framework metric (adding or replacing the row)."""
    if unit not in set(reference.rocus()["rocu_code"]):
        raise ValueError(f"{unit!r} is not one of the nine units.")
    if metric_id not in set(reference.metrics()["metric_id"]):
        raise ValueError(f"{metric_id!r} is not a metric of the framework (see docs/framework.md).")
    if not label.strip() or multiplier <= 0:
        raise ValueError("The label must not be blank and the multiplier must be above zero.")
    path = seeds_dir / "mappings" / "label_map.csv"
    fields, rows = _rows(path)
    key = (unit, label.strip().lower())
    before = next((r for r in rows if (r["rocu_code"], r["local_label"].strip().lower()) == key), None)
    after = {"rocu_code": unit, "local_label": label.strip(), "metric_id": metric_id, "multiplier": f"{multiplier:g}",
             "local_unit": local_unit, "note": note}
    rows = [r for r in rows if r is not before] + [after]
    _write(path, fields, sorted(rows, key=lambda r: r["rocu_code"]))
    audit.record(actor, "mapping_change", f"{unit}: {label.strip()}", {"before": before, "after": after})
    return after


def add_window(effective_from: date, deadline_working_day: int, approval_required: bool, description: str, *,
               actor: str, audit: AuditLog, four_eyes: bool = True, seeds_dir: Path = SEEDS_DIR) -> dict:
    """A new submission-window rule from a date on (earlier months keep the rule they had).
    `four_eyes`: the person who submitted a version may not sign it off (docs/security.md)."""
    if not 1 <= deadline_working_day <= 20:
        raise ValueError("The deadline must be between the 1st and the 20th working day.")
    path = seeds_dir / "reference" / "submission_windows.csv"
    fields, rows = _rows(path)
    if "four_eyes" not in fields:  # a seed from before the column: its rules keep the default, on
        fields.insert(fields.index("approval_required") + 1, "four_eyes")
        rows = [{**r, "four_eyes": "true"} for r in rows]
    if any(r["effective_from"] == effective_from.isoformat() for r in rows):
        raise ValueError(f"A rule already starts on {effective_from:%d %B %Y}; choose another date.")
    after = {"effective_from": effective_from.isoformat(), "deadline_working_day": str(deadline_working_day),
             "approval_required": str(approval_required).lower(), "four_eyes": str(four_eyes).lower(),
             "description": description}
    _write(path, fields, sorted(rows + [after], key=lambda r: r["effective_from"]))
    audit.record(actor, "window_change", f"from {effective_from.isoformat()}", {"after": after})
    return after
