"""Translate found labels and figures into framework metrics.

The unit's label map (seeds/mappings/label_map.csv) says which framework metric a local
label is and how to convert its unit (thousands of pounds, grams ...). A label that is
not in the map is listed and warned about, never dropped; a figure that cannot be read as
a number is an error naming the cell, the value and the rule. What a readable figure may
be (not negative, a whole count, at most 100%, under the measure's ceiling, once per
force, for one of the unit's own forces) is not checked here: those rules live in the return-values suite
(expectations/return_values.json), which names the same cell. Where the table has
forces (force rows or a Force column), each figure must sit at the level its metric is
reported at (seeds/framework/metrics.csv, reported_by): a force-level figure on the unit's
own row, or a unit-level figure on a force's row, would be counted twice or not at all, so
it is an error, never silently summed or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import polars as pl

from pipelines import reference
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, cell_place
from pipelines.intake.standardise.cells import is_blank, normalise_label, parse_number
from pipelines.intake.standardise.layouts import Found

UNIT_LEVEL_WORDS = frozenset({"regional", "region", "unit", "rocu", "unit total", "regional total"})


@dataclass(frozen=True)
class LabelRule:
    metric_id: str
    multiplier: float
    local_unit: str
    framework_unit: str
    reported_by: str  # 'force' or 'unit': the level the metric is reported at


@dataclass
class Mapped:
    """What mapping produced: rows for the values and unmapped tables, and problems."""

    values: list[dict] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unread_metrics: set[str] = field(default_factory=set)  # measures found whose figure an error kept out
    comments: list[dict] = field(default_factory=list)  # the unit's explanations beside figures (COMMENTS_SCHEMA)


def label_rules(rocu_code: str) -> dict[str, LabelRule]:
    """The unit's labels, keyed the way cells are matched (trimmed, case ignored)."""
    metrics = {r["metric_id"]: r for r in reference.metrics().iter_rows(named=True)}
    rows = reference.label_map().filter(pl.col("rocu_code") == rocu_code)
    return {normalise_label(r["local_label"]): LabelRule(r["metric_id"], float(r["multiplier"]),
                                                          r["local_unit"], metrics[r["metric_id"]]["unit"],
                                                          metrics[r["metric_id"]]["reported_by"])
            for r in rows.iter_rows(named=True)}


@cache
def _force_lookup() -> dict[str, tuple[str, str, str]]:
    """Normalised force name or code -> (force_code, force_name, current rocu_code)."""
    current = reference.current_forces()
    out = {}
    for r in current.iter_rows(named=True):
        entry = (r["force_code"], r["force_name"], r["rocu_code"])
        out[normalise_label(r["force_name"])] = entry
        out[normalise_label(r["force_code"])] = entry
        out[normalise_label(r["force_code"].replace("_", " "))] = entry
    return out


def is_unit_level(text: str | None) -> bool:
    """'Regional', 'Unit (not force attributable)' or no force at all: the unit's own figure."""
    key = normalise_label(text or "")
    return is_blank(text) or key in UNIT_LEVEL_WORDS or key.startswith("unit ") \
        or "not force attributable" in key


def is_known_force(text: str | None) -> bool:
    return text is not None and normalise_label(text) in _force_lookup()


def _where(f: Found, file: str) -> str:
    return cell_place(file, f.sheet, f.row, f.column)


def _error(rule: str, message: str, f: Found, file: str, value: str | None) -> Problem:
    return Problem(severity_of(rule), rule, message, file, f.sheet, f.row, f.column, value)


def map_found(found: list[Found], rocu_code: str, period: str, file: str) -> Mapped:
    """Turn found cells into framework values, unmapped labels and problems."""
    rules = label_rules(rocu_code)
    out = Mapped()
    warned: set[tuple] = set()
    for f in found:
        label = str(f.label)
        rule = rules.get(normalise_label(label))
        if f.comment:
            out.comments.append({"local_label": label.strip(), "metric_id": rule.metric_id if rule else None,
                                 "comment": f.comment, "source_sheet": f.sheet, "source_row": f.row,
                                 "source_column": f.column})
        if rule is None:
            _unmapped(out, f, rocu_code, period, file, warned)
            continue
        if is_blank(f.raw_value):
            continue  # nothing reported for this measure (not the same as zero)
        force_code = _force(out, f, file)
        if force_code is False:
            out.unread_metrics.add(rule.metric_id)
            continue
        if f.by_force and (wrong := _wrong_level(f, rule, force_code, file)):
            out.problems.append(wrong)
            out.unread_metrics.add(rule.metric_id)
            continue
        number = parse_number(f.raw_value)
        if number is None:
            out.problems.append(_error(
                "non_numeric_value",
                f"{_where(f, file)} holds '{f.raw_value}' for '{label.strip()}', which is not a "
                "number. Rule: every figure must be a number (use 0 for none, or leave the cell "
                "empty if the figure is not collected). Correct the cell and upload again.",
                f, file, f.raw_value))
            out.unread_metrics.add(rule.metric_id)
            continue
        value = number * rule.multiplier
        out.values.append({
            "rocu_code": rocu_code, "period": period, "metric_id": rule.metric_id,
            "force_code": force_code, "value": value, "local_label": label,
            "raw_value": f.raw_value, "source_sheet": f.sheet, "source_row": f.row,
            "source_column": f.column,
        })
    return out


def _force(out: Mapped, f: Found, file: str) -> str | None | bool:
    """The force a figure belongs to (None for the unit), or False for a force we do not know."""
    if is_unit_level(f.force_text):
        return None
    match = _force_lookup().get(normalise_label(f.force_text))
    if match is None:
        out.problems.append(_error(
            "unknown_force", f"{_where(f, file)}: '{f.force_text.strip()}' is not a force we "
            "know, so the figure was not loaded. Use the force's name (e.g. 'Greater "
            "Manchester') or 'Regional' for the unit's own figures.", f, file, f.force_text))
        return False
    return match[0]  # a force of another unit is read as it is: force_not_in_unit is the suite's rule


def _wrong_level(f: Found, rule: LabelRule, force_code: str | None, file: str) -> Problem | None:
    """A figure on a row of the wrong level for its metric (force rows against the unit's row)."""
    label = str(f.label).strip()
    if rule.reported_by == "force" and force_code is None:
        row = f"'{f.force_text.strip()}'" if not is_blank(f.force_text) else "a row with no force"
        return _error(
            "force_measure_in_unit_row",
            f"{_where(f, file)} holds {f.raw_value} for '{label}' on the unit's own row ({row}). Rule: "
            f"'{label}' is reported per force, so a figure on the unit's row would be counted twice or "
            "not at all. Put it in the force rows, or leave the cell empty.", f, file, f.raw_value)
    if rule.reported_by == "unit" and force_code is not None:
        return _error(
            "unit_measure_in_force_row",
            f"{_where(f, file)} holds {f.raw_value} for '{label}' on {f.force_text.strip()}'s row. Rule: "
            f"'{label}' is reported for the unit as a whole, not per force, so a figure on a force's row "
            "would be counted twice or not at all. Put the unit's total on its own row ('Unit (not force "
            "attributable)', or 'Regional' in a Force column), or leave the cell empty.", f, file, f.raw_value)
    return None


def _unmapped(out: Mapped, f: Found, rocu_code: str, period: str, file: str,
              warned: set[tuple]) -> None:
    """List an unknown label (once per place it is written) with its figure."""
    label = str(f.label)
    place = (f.sheet, f.label_row, f.label_column)
    if not is_blank(f.raw_value) or place not in warned:
        out.unmapped.append({
            "rocu_code": rocu_code, "period": period, "local_label": label,
            "raw_value": None if is_blank(f.raw_value) else f.raw_value,
            "source_sheet": f.sheet, "source_row": f.row, "source_column": f.column,
            "label_row": f.label_row, "label_column": f.label_column,
        })
    if place in warned:
        return
    warned.add(place)
    sheet = f" of sheet '{f.sheet}'" if f.sheet else ""
    out.problems.append(Problem(
        severity_of("unmapped_label"), "unmapped_label",
        f"The label '{label.strip()}' (row {f.label_row}, column {f.label_column}{sheet} in "
        f"{file}) is not in {rocu_code}'s label map, so its figures are kept but not counted "
        "in any framework measure. If it should count, ask the NOCC to add it to the map.",
        file, f.sheet, f.label_row, f.label_column, label))
