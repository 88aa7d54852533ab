"""Explanations a unit writes on a notes sheet of its workbook, attached to the figures they explain.

Some units keep their explanations on a sheet of their own rather than in a column beside each
figure: a table with a column naming the measure, as the unit names it on its return, and a column
of notes, and no column of figures (whatever the sheet is called: units name it Notes, Comments,
Explanations or their own way). Each note is attached to every figure of the return whose
local label is that measure, at the figure's own place, exactly as a note in a Comments column on
the figure's row is (so it answers the queries on those figures in the same way).
"""

from __future__ import annotations

from pipelines.intake.standardise.cells import is_blank, normalise_label
from pipelines.intake.standardise.grid import Grid
from pipelines.intake.standardise.layouts import COMMENT_HEADERS, LABEL_HEADERS, VALUE_HEADERS


def notes_sheet_comments(grids: list[Grid], values: list[dict]) -> list[dict]:
    """The notes on the workbook's notes sheets, one per figure they explain (COMMENTS_SCHEMA rows).

    `values` are the return's mapped figures (VALUES_SCHEMA rows). A note whose measure names no
    figure of the return is not attached (there is nothing for it to explain)."""
    by_label: dict[str, list[dict]] = {}
    for value in values:
        by_label.setdefault(normalise_label(value["local_label"]), []).append(value)
    out = []
    for grid in grids:
        header = _notes_header(grid)
        if header is None:
            continue
        first, label_col, note_col = header
        for r in range(first + 1, len(grid.cells)):
            label, note = grid.cell(r, label_col), grid.cell(r, note_col)
            if is_blank(label) or is_blank(note):
                continue
            for figure in by_label.get(normalise_label(str(label)), []):
                out.append({"local_label": figure["local_label"], "metric_id": figure["metric_id"],
                            "comment": " ".join(str(note).split()), "source_sheet": figure["source_sheet"],
                            "source_row": figure["source_row"], "source_column": figure["source_column"]})
    return out


def _notes_header(grid: Grid) -> tuple[int, int, int] | None:
    """(row, measure column, notes column), 0-based, of the sheet's notes table: the first row naming
    a measure column and a notes column and no figures column (a figures table's notes are read
    with it)."""
    for r in sorted(set(grid.rows_holding(LABEL_HEADERS)) & set(grid.rows_holding(COMMENT_HEADERS))):
        heads = {normalise_label(str(grid.cell(r, c))): c for c in range(len(grid.cells[r]))
                 if not is_blank(grid.cell(r, c))}
        label_col = next((c for h, c in heads.items() if h in LABEL_HEADERS), None)
        note_col = next((c for h, c in heads.items() if h in COMMENT_HEADERS), None)
        if label_col is not None and note_col is not None and not VALUE_HEADERS & heads.keys():
            return r, label_col, note_col
    return None
