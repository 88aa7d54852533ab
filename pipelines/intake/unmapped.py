"""The local labels units have written that the label map does not know yet, for the admin to map.

Read from what the intake already records: every checked version's problems are kept in the
registry, and an unknown label is the `unmapped_label` problem whose value is the label as
written (pipelines/intake/standardise/mapping.py). Reading the registry, not a mart, lets
an admin map a label the moment a return is checked, without waiting for a warehouse build;
what is listed is words and places (unit, label, month, file, cell), no figure. A label the
effective label map now knows (trimmed, case ignored, as returns are matched) is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines import reference
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.standardise.cells import normalise_label


@dataclass(frozen=True)
class UnmappedLabel:
    """A unit's label as last seen: in which month's return, which file, which cell."""

    rocu_code: str
    local_label: str
    period: str
    original_name: str
    place: str  # "sheet 'Data', row 14, column B"


def unmapped_labels(zone: LandingZone) -> list[UnmappedLabel]:
    """Each unit's labels the label map does not know, the newest sighting of each, by unit and label."""
    mapped = {(r["rocu_code"], normalise_label(r["local_label"])) for r in reference.label_map().iter_rows(named=True)}
    subs = {s.submission_id: s for s in zone.registry.submissions()}
    newest: dict[tuple[str, str], UnmappedLabel] = {}
    for problem in zone.registry.problems():
        sub = subs.get(problem["submission_id"])
        if problem["rule"] != "unmapped_label" or sub is None or not (problem["value"] or "").strip():
            continue
        key = (sub.rocu_code, normalise_label(problem["value"]))
        if key in mapped or (key in newest and newest[key].period > sub.period):
            continue
        sheet = f"sheet '{problem['sheet']}', " if problem["sheet"] else ""
        newest[key] = UnmappedLabel(sub.rocu_code, problem["value"].strip(), sub.period, sub.original_name,
                                    f"{sheet}row {problem['row']}, column {problem['column']}")
    return sorted(newest.values(), key=lambda u: (u.rocu_code, u.local_label.casefold()))
