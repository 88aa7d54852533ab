"""parse_return: one unit's monthly return file -> framework values, unmapped labels, problems.

The entry point the intake uses. It reads the file (any encoding, delimiter or workbook),
finds the figures for the return's own month using the unit's layout, translates labels
through the unit's label map and reads every figure as a number. It never raises for a bad
file: what it cannot read comes back as Problem values a performance lead can act on. What a
readable figure may be is for the return-values suite (pipelines/intake/check/structure.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import reference
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, column_letter
from pipelines.intake.standardise.layouts import LAYOUT_READERS
from pipelines.intake.standardise.mapping import is_known_force, label_rules, map_found
from pipelines.intake.standardise.notes import notes_sheet_comments
from pipelines.intake.standardise.read_tables import Grid, UnreadableFile, read_grids

VALUES_SCHEMA = {
    "rocu_code": pl.String, "period": pl.String, "metric_id": pl.String,
    "force_code": pl.String, "value": pl.Float64, "local_label": pl.String,
    "raw_value": pl.String, "source_sheet": pl.String, "source_row": pl.Int64,
    "source_column": pl.String,
}
COMMENTS_SCHEMA = {  # an explanation the unit wrote beside a figure (a Comments or Notes column)
    "local_label": pl.String, "metric_id": pl.String, "comment": pl.String,
    "source_sheet": pl.String, "source_row": pl.Int64, "source_column": pl.String,
}
UNMAPPED_SCHEMA = {
    "rocu_code": pl.String, "period": pl.String, "local_label": pl.String,
    "raw_value": pl.String, "source_sheet": pl.String, "source_row": pl.Int64,
    "source_column": pl.String, "label_row": pl.Int64, "label_column": pl.String,
}


@dataclass(frozen=True)
class ParsedReturn:
    """What a return holds for its month, and what is wrong with it."""

    values: pl.DataFrame  # VALUES_SCHEMA; force_code null for unit-level figures
    unmapped: pl.DataFrame  # UNMAPPED_SCHEMA; labels found but not in the label map
    problems: list[Problem] = field(default_factory=list)
    unread_metrics: frozenset[str] = frozenset()  # measures in the file whose figure an error kept out
    comments: pl.DataFrame = field(default_factory=lambda: _empty(COMMENTS_SCHEMA))  # COMMENTS_SCHEMA

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Queries and information: problems that do not block acceptance."""
        return [p for p in self.problems if p.severity != "error"]

    @property
    def verdict(self) -> str:
        """'rejected', 'accepted with queries or information' or 'accepted', as the uploader is told."""
        if self.errors:
            return "rejected"
        return "accepted with queries or information" if self.warnings else "accepted"


def unit_layout(rocu_code: str) -> str:
    """The layout the unit has agreed to send (seeds/mappings/unit_layouts.csv)."""
    layouts = reference.unit_layouts().filter(pl.col("rocu_code") == rocu_code)
    if layouts.is_empty():
        raise ValueError(f"no layout is registered for unit {rocu_code!r}")
    layout = layouts["layout"].item()
    if layout not in LAYOUT_READERS:
        raise ValueError(f"layout {layout!r} of {rocu_code} has no reader")
    return layout


def _hidden_sheet_problems(hidden: list[Grid], rocu_code: str, file: str) -> list[Problem]:
    """Hidden sheets are not read; say so only if one seems to hold the unit's measures."""
    labels = set(label_rules(rocu_code))
    out = []
    for grid in hidden:
        if grid.rows_holding(labels):
            out.append(Problem(
                severity_of("hidden_sheet_ignored"), "hidden_sheet_ignored",
                f"Sheet '{grid.sheet}' in {file} is hidden and appears to hold measures; "
                "hidden sheets are not read. Unhide it or move the figures to the main sheet.",
                file, grid.sheet))
    return out


def _formula_problems(grids: list[Grid], file: str) -> list[Problem]:
    """A formula saved without its result reads as blank: say so, cell by cell, rather than
    lose the figure silently (typically a link to another workbook that was never recalculated)."""
    out = []
    for grid in grids:
        for row, col, formula in grid.formulas_without_value:
            cell = f"{column_letter(col - 1)}{row}"
            out.append(Problem(
                severity_of("formula_without_value"), "formula_without_value",
                f"Cell {cell} on sheet '{grid.sheet}' holds a formula but no saved result (it may link to another "
                "workbook), so its figure cannot be read. Open the workbook in Excel, let it calculate (with any "
                "linked workbooks available), save it and upload it again; or copy the cells and paste them back "
                "as values.", file, grid.sheet, row, column_letter(col - 1), f"={formula}"))
    return out


def _empty(schema: dict) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def parse_return(path: Path | str, rocu_code: str, period: str, display_name: str | None = None) -> ParsedReturn:
    """Read ``path`` as ``rocu_code``'s return for ``period`` ('YYYY-MM').

    ``display_name`` is the file's name as the user sent it (the landing zone stores files
    under their hash); messages use it so the user recognises the file.
    """
    path = Path(path)
    name = display_name or path.name
    layout = unit_layout(rocu_code)
    try:
        grids = read_grids(path)
    except UnreadableFile as exc:
        message = str(exc).replace(path.name, name)
        if exc.rule == "file_unreadable":
            message += " Send the return as .xlsx or .csv."
        problem = Problem(severity_of(exc.rule), exc.rule, message, name, exc.sheet, exc.row)
        return ParsedReturn(_empty(VALUES_SCHEMA), _empty(UNMAPPED_SCHEMA), [problem])
    visible = [g for g in grids if not g.hidden]
    problems = _hidden_sheet_problems([g for g in grids if g.hidden], rocu_code, name)
    problems += _formula_problems(visible, name)
    found, layout_problems = LAYOUT_READERS[layout](visible, period, name, is_known_force)
    mapped = map_found(found, rocu_code, period, name)
    problems = layout_problems + mapped.problems + problems
    if not found and not layout_problems:
        problems.append(Problem(severity_of("no_figures"), "no_figures",
                                f"{name} has the expected header but no figures below it.",
                                name))
    values = pl.DataFrame(mapped.values, schema=VALUES_SCHEMA, orient="row") \
        if mapped.values else _empty(VALUES_SCHEMA)
    unmapped = pl.DataFrame(mapped.unmapped, schema=UNMAPPED_SCHEMA, orient="row") \
        if mapped.unmapped else _empty(UNMAPPED_SCHEMA)
    noted = mapped.comments + notes_sheet_comments(visible, mapped.values)  # a Comments column, a notes sheet
    comments = pl.DataFrame(noted, schema=COMMENTS_SCHEMA, orient="row") if noted else _empty(COMMENTS_SCHEMA)
    return ParsedReturn(values, unmapped, problems, frozenset(mapped.unread_metrics), comments)
