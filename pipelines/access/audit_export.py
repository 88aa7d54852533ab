"""Export the audit trail for an inspector or a board: CSV for spreadsheets, JSON for tools.

CSV cells that a spreadsheet would run as a formula (starting = + - @, tab or carriage
return) are prefixed with an apostrophe: actors and targets come from users (a typed
username), so the file must be safe to open in Excel.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Literal

from pipelines.access.audit import AuditLog, canonical_json

FORMATS = ("csv", "json")
COLUMNS = ("seq", "at", "actor", "action", "target", "detail", "prev_hash", "hash")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet will show as text, never evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export(path: Path | str, fmt: Literal["csv", "json"] = "csv", *, log: AuditLog | None = None,
           actor: str | None = None) -> int:
    """Write every record to `path`; returns how many. With `actor`, the export itself is audited."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}")
    log = log or AuditLog.at()
    records = log.records()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        out.write_text(json.dumps([r.as_dict() for r in records], indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    else:
        with out.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads UTF-8
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for r in records:
                row = r.as_dict() | {"detail": canonical_json(r.detail)}
                writer.writerow([safe_cell(row[c]) for c in COLUMNS])
    if actor:
        log.record(actor, "export", str(out), {"what": "audit trail", "format": fmt, "records": len(records)})
    return len(records)
