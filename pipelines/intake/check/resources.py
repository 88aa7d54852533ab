"""Checks of a resources return across its rows, after the resources suite has judged each row.

The suite (expectations/resources.json) knows one row at a time; these rules need the table:
the sections a return must have, one row per item and detail, a detail where the item needs
one, and staff counted by role and by contract adding up to the same people.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from pipelines.intake.check.expectations import validate
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem
from pipelines.settings import SEEDS_DIR

REQUIRED_SECTIONS = ("budget", "spend", "staff_role", "staff_contract")  # leavers may be none at all


@cache
def _items() -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / "resources" / "resource_items.csv", infer_schema=False)


def check_resources(rows: pl.DataFrame, name: str) -> list[Problem]:
    """Every content rule of a resources return: the suite, then the rules across rows."""
    problems = validate("resources", rows, name)
    if rows.is_empty():
        return problems + [Problem(severity_of("no_figures"), "no_figures", "The resources return has no rows of figures. Fill in "
                                   "the template (0 where there is none) and upload it again.", file=name)]
    problems += _missing_sections(rows, name) + _missing_details(rows, name) + _duplicates(rows, name)
    if not any(p.severity == "error" for p in problems):
        problems += _staff_totals(rows, name)
    return problems


def _missing_sections(rows: pl.DataFrame, name: str) -> list[Problem]:
    present = set(rows["section"].drop_nulls())
    return [Problem(severity_of("missing_section"), "missing_section", f"{name} has no rows for the section '{section}'. Rule: a "
                    "resources return gives its budget by funding source, its spend in the quarter and its staff "
                    "in post by role and by contract. Add the rows (0 where there is none) and upload again.",
                    file=name, column="section", value=section)
            for section in REQUIRED_SECTIONS if section not in present]


def _missing_details(rows: pl.DataFrame, name: str) -> list[Problem]:
    needed = set(_items().filter(pl.col("detail_rule") == "required")["section_item"])
    lacking = rows.filter(pl.col("section_item").is_in(sorted(needed)) & pl.col("detail").is_null())
    return [Problem(severity_of("missing_detail"), "missing_detail",
                    f"Row {r['source_row']} of {('sheet ' + repr(r['source_sheet']) + ' in ') if r['source_sheet'] else ''}"
                    f"{name}, column {r['detail_column']}: the detail is blank for {r['section']} {r['item']}. "
                    "Rule: partner-agency embeds name their agency, and staff by contract name the funding source "
                    "the posts depend on. Fill in the detail and upload again.",
                    file=name, sheet=r["source_sheet"], row=r["source_row"], column=r["detail_column"])
            for r in lacking.iter_rows(named=True)]


def _duplicates(rows: pl.DataFrame, name: str) -> list[Problem]:
    keys = ["section", "item", "detail"]
    twice = rows.filter(pl.struct(keys).is_duplicated()).filter(pl.struct(keys).is_first_distinct().not_())
    return [Problem(severity_of("duplicate_row"), "duplicate_row",
                    f"Row {r['source_row']} of {name} repeats {r['section']} {r['item']}"
                    f"{' ' + r['detail'] if r['detail'] else ''}, given on an earlier row. Rule: one row per "
                    "section, item and detail. Add the figures together on one row and upload again.",
                    file=name, sheet=r["source_sheet"], row=r["source_row"], column=r["item_column"],
                    value=r["raw_item"])
            for r in twice.iter_rows(named=True)]


def _staff_totals(rows: pl.DataFrame, name: str) -> list[Problem]:
    """Staff by role and by contract are two splits of the same people in post: totals must match."""
    total = {s: rows.filter(pl.col("section") == s)["value"].sum() for s in ("staff_role", "staff_contract")}
    if abs(total["staff_role"] - total["staff_contract"]) < 0.5:
        return []
    return [Problem(severity_of("staff_totals_differ"), "staff_totals_differ",
                    f"In {name}, staff in post by role add up to {total['staff_role']:,.0f} but staff in post by "
                    f"contract add up to {total['staff_contract']:,.0f}. Rule: both count the same people in post at "
                    "the end of the quarter, so they must add up to the same number. Correct the rows and upload "
                    "again.", file=name, column="value",
                    value=f"{total['staff_role']:,.0f} by role, {total['staff_contract']:,.0f} by contract")]
