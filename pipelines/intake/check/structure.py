"""Checks of a return's content beyond single cells: is it this unit's, is it complete,
does it pass the return-values suite, and is any figure implausible against the unit's
own history?"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from pipelines import reference
from pipelines.intake.check.expectations import validate
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem
from pipelines.intake.standardise.grid import Grid

TITLE_ROWS = 6  # units name themselves in the title rows above the header
# A count five times (or a fifth of) its recent median is queried; money and weights vary
# far more month to month, so only a slip of units (pounds for thousands, grams for
# kilograms: a factor near 1,000) is queried for them. Small counts are never queried.
JUMP_FACTORS = {"count": 5.0, "gbp": 100.0, "kg": 100.0}
JUMP_MIN_BASE = 10.0
HISTORY_MONTHS = 6
# What a query asks of the unit (the sign-off waits for it).
ANSWER = ("This is a query: add or correct the figure and upload again, or, if the file is right, explain why "
          "(in a Comments column beside the figure, or in the answer box on the upload page) before sign-off.")


@cache
def _unit_names() -> dict[str, re.Pattern]:
    """Distinctive names of each unit (code, brand, former names), as whole words."""
    names: dict[str, re.Pattern] = {}
    for row in reference.rocus().iter_rows(named=True):
        words = {row["rocu_code"], row["brand"], *(row["former_names"] or "").split(";")} - {""}
        names[row["rocu_code"]] = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b", re.I)
    return names


def check_unit_named(grids: list[Grid], rocu_code: str, file: str) -> list[Problem]:
    """The file's title names another unit and not the uploader's: it is someone else's return."""
    for grid in grids:
        for r, row in enumerate(grid.cells[:TITLE_ROWS]):
            text = " ".join(str(c) for c in row if c)
            others = [code for code, pattern in _unit_names().items() if code != rocu_code and pattern.search(text)]
            if others and not _unit_names()[rocu_code].search(text):
                return [Problem(severity_of("unit_mismatch"), "unit_mismatch",
                                f"The file says it is the return of {others[0]}, but it was submitted for "
                                f"{rocu_code}. Check you chose the right unit and the right file.",
                                file=file, sheet=grid.sheet, row=r + 1, column="A", value=text[:80])]
    return []


def check_required_sheets(grids: list[Grid], rocu_code: str, file: str) -> list[Problem]:
    """A workbook without a sheet its unit's layout needs is rejected, naming the sheet."""
    layout = reference.unit_layouts().filter(pl.col("rocu_code") == rocu_code)
    required = (layout["required_sheets"].item() or "") if layout.height else ""
    present = {(g.sheet or "").strip().lower() for g in grids if not g.hidden}
    return [
        Problem(severity_of("missing_sheet"), "missing_sheet",
                f"The workbook has no visible sheet called '{sheet}'. This unit's return needs it: use the "
                "template, or rename the sheet back if it was renamed.", file=file, sheet=sheet)
        for sheet in filter(None, required.split(";")) if sheet.strip().lower() not in present
    ] if any(g.sheet for g in grids) else []


def check_missing_metrics(values: pl.DataFrame, rocu_code: str, file: str,
                          unread: frozenset[str] = frozenset()) -> list[Problem]:
    """Measures the unit's layout normally carries but this file does not: a query each. A measure
    whose figure is in the file but was kept out by an error (`unread`) is that error's business."""
    expected = reference.label_map().filter(pl.col("rocu_code") == rocu_code)
    present = [*values["metric_id"].unique().to_list(), *unread]
    missing = expected.filter(~pl.col("metric_id").is_in(pl.Series(present, dtype=pl.String).implode()))
    return [
        Problem(severity_of("missing_metric"), "missing_metric",
                f"'{label}' ({metric_id}) is usually in this unit's return but is not in this file. "
                f"{ANSWER}",
                file=file, value=label)
        for label, metric_id in missing.select("local_label", "metric_id").unique("metric_id")
        .sort("metric_id").iter_rows()
    ]


def check_suite(values: pl.DataFrame, file: str) -> list[Problem]:
    """The Great Expectations suite for standardised return values (expectations/return_values.json),
    the one home of every rule about what a figure may be."""
    return validate("return_values", suite_frame(values), file=file)


def suite_frame(values: pl.DataFrame) -> pl.DataFrame:
    """The values with what the suite's rules compare against, without deciding anything: each
    metric's unit and ceiling (seeds/framework/metrics.csv); each force's name and unit
    (seeds/reference/forces.csv, its membership in the month the figure is for); a force key
    that is never null (so the unit's own row is one key) and its name in words; and the figure
    rounded down (a count equal to it is whole)."""
    units = reference.metrics().select("metric_id", "unit", pl.col("plausible_max").cast(pl.Float64))
    forces = reference.force_membership(values["period"].unique().to_list()).select(
        "force_code", "force_name", period="month", force_rocu_code="rocu_code")
    return values.join(units, on="metric_id", how="left").join(
        forces, on=["force_code", "period"], how="left").with_columns(
        pl.col("force_code").fill_null("").alias("force_key"), pl.col("value").floor().alias("whole_value"),
        pl.col("force_code").fill_null("the unit as a whole").alias("reported_for"))


def check_jumps(values: pl.DataFrame, history: pl.DataFrame, file: str) -> list[Problem]:
    """Query a figure far from the unit's own recent median (likely a typo or a unit slip)."""
    if history.is_empty() or values.is_empty():
        return []
    keys = ["metric_id", "force_code"]
    factors = reference.metrics().select(
        "metric_id", pl.col("unit").replace_strict(JUMP_FACTORS, default=None, return_dtype=pl.Float64).alias("k"))
    medians = history.group_by(keys).agg(pl.col("value").median().alias("median"))
    joined = values.join(medians, on=keys, how="inner", nulls_equal=True).join(factors, on="metric_id").filter(
        pl.col("k").is_not_null()
        & (pl.max_horizontal("value", "median") >= JUMP_MIN_BASE)
        & ((pl.col("value") > pl.col("median") * pl.col("k")) | (pl.col("value") * pl.col("k") < pl.col("median")))
    )
    return [
        Problem(severity_of("implausible_jump"), "implausible_jump",
                f"{row['local_label'].strip()} is {row['value']:,.6g} this month against a median of "
                f"{row['median']:,.6g} over the unit's last {HISTORY_MONTHS} returns. Check the figure and its "
                f"units (for example pounds against thousands of pounds). {ANSWER}",
                file=file, sheet=row["source_sheet"], row=row["source_row"], column=row["source_column"],
                value=row["raw_value"])
        for row in joined.iter_rows(named=True)
    ]


MAX_PER_RULE = 50  # enough to fix a file; 100,000 identical messages help nobody


def dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per place and kind, at most MAX_PER_RULE of each kind, then one line saying
    how many more."""
    seen, out, per_rule = set(), [], {}
    for p in problems:
        rule = p.rule
        key = (rule, p.sheet, p.row, p.column)
        if key in seen:
            continue
        seen.add(key)
        per_rule[rule] = per_rule.get(rule, 0) + 1
        if per_rule[rule] <= MAX_PER_RULE:
            out.append(p)
    for rule, count in per_rule.items():
        if count > MAX_PER_RULE:
            first = next(p for p in out if p.rule == rule)
            out.append(Problem(first.severity, first.rule, f"... and {count - MAX_PER_RULE:,} more problems like "
                               "this one in the same file.", file=first.file))
    return out
