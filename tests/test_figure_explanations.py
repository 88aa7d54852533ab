"""What a unit writes beside a figure travels with the figure into the warehouse (issue 14 item 1).

ROCUWM's hand-typed demo returns carry a Notes column; the note on the arrests row
("includes joint operations") answers no query, so before it was read and then dropped. Now it is
loaded (raw.return_comments) and fct_figure_explanations gives it with the arrests figure of every
month held from such a file. Expectations are read from the demo's own files, never pinned.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.settings import Paths

UNIT = "ROCUWM"


def notes_on_the_arrests_row(demo: Path) -> dict[str, str]:
    """Each month's note beside the arrests figure in the unit's demo files (semicolon CSV, cp1252)."""
    notes = {}
    for path in sorted((demo / "returns" / UNIT).glob(f"{UNIT}_*.csv")):
        month = path.stem.rsplit("_", 1)[1]
        for line in path.read_bytes().decode("cp1252").splitlines():
            cells = line.split(";")
            if len(cells) == 3 and cells[0].strip().lower() == "arrests" and cells[2].strip():
                notes[month] = cells[2].strip()
    return notes


def test_a_note_beside_a_figure_travels_with_it_to_the_warehouse(built_demo: Path) -> None:
    notes = notes_on_the_arrests_row(Paths(built_demo).demo)
    assert notes, "the demo's hand-typed returns should carry a note on the arrests row"
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    try:
        rows = con.execute(
            "select e.month, e.version, e.file_comments, e.explanation from marts.fct_figure_explanations e"
            " where e.rocu_code = ? and e.metric_id = 'PUR_ARRESTS' and e.submission_id is not null", [UNIT]
        ).fetchall()
    finally:
        con.close()
    held = {month: (version, comments, explanation) for month, version, comments, explanation in rows}
    noted = sorted(set(held) & set(notes))
    assert len(noted) >= len(notes) - 2, "most months' returns are held (a rejected or missing month is not)"
    for month in noted:
        version, comments, explanation = held[month]
        expected = f'Comment in version {version}: "{notes[month]}".'
        assert comments == expected and expected in explanation, (month, comments, explanation)
    for month in set(held) - set(notes):  # no note, no comment
        assert held[month][1] is None
