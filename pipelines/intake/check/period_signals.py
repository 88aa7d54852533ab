"""Is the file for the month it was submitted for? Every place a file states its month.

Four layouts (a force grid, one sheet per strand, a hand-typed text file) carry no
period column, so their figures are read as whatever month the uploader chose: October's
workbook sent as September would be accepted without a word. A file nearly always says
its month somewhere, so these places are compared with the submitted month:

1. the file name ("EMSOU_return_2025-10.xlsx", "Oct 2025 return.xlsx");
2. the names of the visible sheets;
3. each sheet's title: its first non-blank row above the header row;
4. a cell above the header row that holds nothing but a month ("Oct-25");
5. for layouts whose table holds no months, the header row's cells (a date heading);
6. anywhere, a month introduced by period words ("Period: Oct-25", "Return for
   2025-10", "reporting month: October 2025"), also when the words are in the cell
   to its left.

Never a signal: a date stamped "as at", "prepared on", "updated" and the like; the first
month of a range ("April 2025 to October 2025" states October, the month it runs to); a
financial year ("2025/26"); a month mentioned in passing in a note or comment; and the
month rows or columns of the layouts whose table carries months (a period column, months
across or down the page), where the reader's own ``period_not_found`` check decides.

A disagreement is an error naming where the other month was written; a file of a
period-less layout that states no month anywhere gets information (period_not_stated).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, column_letter
from pipelines.intake.standardise.layouts import FORCE_HEADERS, LABEL_HEADERS, PERIOD_HEADERS, VALUE_HEADERS
from pipelines.intake.standardise.grid import Grid

# Layouts whose table itself says which month each figure is for; their reader decides.
TABLE_MONTH_LAYOUTS = frozenset({"long_csv", "wide_months_xlsx", "months_as_rows_csv"})
TITLE_ROWS = 6  # a sheet without a header row: only its first rows are read for a title
HEADER_WORDS = LABEL_HEADERS | FORCE_HEADERS | PERIOD_HEADERS | VALUE_HEADERS
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_MISMATCHES = 50  # as many as a report lists of one kind (structure.MAX_PER_RULE)
STAMP_REACH = 40  # characters before a date searched for 'as at', 'prepared on' ...

_NAMES = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
_NAMES |= {name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name}
_NAMES |= {"sept": 9}
_NAME_ALT = "|".join(sorted(_NAMES, key=len, reverse=True))
# "October 2025", "Oct-25", "Sept '25", "25 October 2025"; not "Oct 20, 2025" (a US day).
_BY_NAME = re.compile(
    rf"(?<![A-Za-z])(?P<name>{_NAME_ALT})\.?[\s\-_/'’.,]*(?P<year>\d{{4}}|\d{{2}})(?!\d|,?\s*\d{{4}})",
    re.IGNORECASE)
_ISO = re.compile(r"(?<![\d/.])(?P<year>\d{4})[-_](?P<mon>\d{1,2})(?:[-_](?P<day>\d{1,2}))?(?![\d/])")
_DAY_MONTH_YEAR = re.compile(r"(?<![\d/.])(?P<day>\d{1,2})[/.\-](?P<mon>\d{1,2})[/.\-](?P<year>\d{4})(?![\d/])")
_MONTH_YEAR = re.compile(r"(?<![\d/.])(?P<mon>\d{1,2})/(?P<year>\d{4})(?![\d/])")
_RANGE_JOIN = re.compile(r"\s*(?:to|until|till|through|thru|-|–|—)\s*", re.IGNORECASE)
# Words that make a date a stamp (when the file was made), not the month it reports.
_STAMP = re.compile(r"\b(as\s+at|as\s+of|prepared|produced|generated|printed|updated|submitted|sent|"
                    r"signed|run\s+on|extracted|compiled|dated|(?<!to\s)date|deadline|due|saved|created|"
                    r"modified|revised|received)\b", re.IGNORECASE)
# Words that say the next month is the return's period.
_PERIOD_WORDS = re.compile(r"\b(period|month|return|reporting\s+period|reporting\s+month)"
                           r"(\s+(ending|ended|end|of|for|to|is))?\s*[:=\-–—]?\s*$", re.IGNORECASE)

_DIGIT = re.compile(r"\d")
_PERIOD_WORD = re.compile(r"period|month|return", re.IGNORECASE)  # a cheap test before the full one
# Looser than _PERIOD_WORD (it also takes 'ponth'), but about three times faster on a row without
# any: the engine can scan for its first letter. Rows it finds are tested again with the exact one.
_PERIOD_WORD_OR_LIKE = re.compile(r"[pPmMrR](?i:eriod|onth|eturn)")


@dataclass(frozen=True)
class MonthMention:
    """A month written inside some text: where it is and which month it names."""

    month: str  # 'YYYY-MM'
    text: str  # as written, e.g. 'Oct-25'
    start: int
    end: int


def _month(year: int, mon: int) -> str | None:
    return f"{year:04d}-{mon:02d}" if 1 <= mon <= 12 and MIN_YEAR <= year <= MAX_YEAR else None


def find_months(text: str) -> list[MonthMention]:
    """Every month named in free text, in order: month names with a 2- or 4-digit year,
    YYYY-MM (or a full ISO date), MM/YYYY and dd/mm/yyyy. Financial years such as
    '2025/26' or '2025-26' and bare month names without a year are not months."""
    found: list[MonthMention] = []
    for pattern in (_DAY_MONTH_YEAR, _ISO, _BY_NAME, _MONTH_YEAR):
        for m in pattern.finditer(text):
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            parts = m.groupdict()
            if parts.get("day") is not None and not 1 <= int(parts["day"]) <= 31:
                continue
            year = int(parts["year"]) + (2000 if len(parts["year"]) == 2 else 0)
            mon = _NAMES[parts["name"].casefold()] if parts.get("name") else int(parts["mon"])
            if month := _month(year, mon):
                found.append(MonthMention(month, m.group(0).strip(" ,"), m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def stated_months(text: str, before: str = "", keyed_only: bool = False) -> list[MonthMention]:
    """The months ``text`` states as a period: stamps ('as at 03/11/2025') and the starts of
    ranges dropped. With ``keyed_only``, only months introduced by period words count;
    ``before`` is text to the left (the neighbouring cell), read when the month opens the text."""
    mentions = find_months(text)
    out = []
    opened = None  # index of the first month of a range, whose words lead the range's end
    for i, mention in enumerate(mentions):
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if nxt and _RANGE_JOIN.fullmatch(text[mention.end:nxt.start]):
            opened = i if opened is None else opened
            continue  # 'April 2025 to October 2025': the range states its end
        first, opened = (i if opened is None else opened), None
        lead = text[mentions[first - 1].end if first else 0:mentions[first].start]
        if not lead.strip() and not first:
            lead = before
        keyed = bool(_PERIOD_WORDS.search(lead))
        if keyed or not (keyed_only or _STAMP.search(lead[-STAMP_REACH:])):
            out.append(mention)
    return out


@dataclass(frozen=True)
class _Signal:
    month: str
    text: str  # the text the month was found in
    sheet: str | None = None
    row: int | None = None  # 1-based
    column: str | None = None


def _header_row(grid: Grid) -> int | None:
    """0-based row of the table's header: the first row with a known heading word."""
    rows = grid.rows_holding(HEADER_WORDS)
    return rows[0] if rows else None


def _is_only_a_month(text: str) -> bool:
    mentions = find_months(text)
    return len(mentions) == 1 and mentions[0].text.strip() == text.strip()


def _grid_signals(grid: Grid, table_months: bool) -> Iterator[_Signal]:
    header = _header_row(grid)
    top = header if header is not None else min(TITLE_ROWS, len(grid.cells))
    title = next((r for r in range(top) if any(c and c.strip() for c in grid.cells[r])), None)
    # The body: only months after period words count, so only rows with a period word and a digit
    # are read cell by cell (one joined text a row: a notes sheet's thousands of rows cost little).
    body = [r for r, joined in enumerate(" ".join(filter(None, row)) for row in grid.cells)
            if r >= top and r != header and _PERIOD_WORD_OR_LIKE.search(joined) and _PERIOD_WORD.search(joined)
            and _DIGIT.search(joined)]
    for r in sorted({*range(top), *([header] if header is not None else []), *body}):
        row = grid.cells[r]
        left = ""
        for c, text in enumerate(row):
            if text is None or not text.strip():
                continue
            if _DIGIT.search(text):  # every way of writing a month has digits in it
                anywhere = r == title or (r < top and _is_only_a_month(text)) \
                    or (r == header and not table_months)
                if anywhere or _PERIOD_WORD.search(left) or _PERIOD_WORD.search(text):
                    for m in stated_months(text, left, keyed_only=not anywhere):
                        yield _Signal(m.month, text, grid.sheet, r + 1, column_letter(c))
            left = text


def _signals(grids: list[Grid], file: str, table_months: bool) -> Iterator[_Signal]:
    """Every month the file states, in reading order: file name, then each sheet."""
    yield from (_Signal(m.month, file) for m in stated_months(Path(file).stem))
    for grid in grids:
        if grid.sheet:
            yield from (_Signal(m.month, grid.sheet, grid.sheet) for m in stated_months(grid.sheet))
        yield from _grid_signals(grid, table_months)


def _label(month: str) -> str:
    year, mon = month.split("-")
    return f"{calendar.month_name[int(mon)]} {year}"


def _mismatch(s: _Signal, file: str, period: str) -> Problem:
    other, wanted = _label(s.month), _label(period)
    if s.sheet is None and s.row is None:
        where, fix = f"The file name '{file}' says {other}", "the file name"
    elif s.row is None:
        where, fix = f"The sheet name '{s.sheet}' in {file} says {other}", "the sheet name"
    else:
        sheet = f" of sheet '{s.sheet}'" if s.sheet else ""
        where = f"Row {s.row}, column {s.column}{sheet} in {file} says '{_clip(s.text)}' ({other})"
        fix = "that cell"
    return Problem(
        severity_of("period_mismatch"), "period_mismatch",
        f"{where}, but the file was submitted as the return for {wanted}. Rule: the file must state the "
        f"month it is submitted for. If this is the return for {other}, submit it for {other}; if it is "
        f"the return for {wanted}, correct {fix} (or send {wanted}'s file) and upload it again.",
        file, s.sheet, s.row, s.column, _clip(s.text))


def check_period_signals(grids: list[Grid], file: str, period: str, layout: str) -> list[Problem]:
    """Compare every month the file states with ``period``, the month it was submitted for.

    ``grids`` are the visible sheets (or the text file), ``file`` the name as sent and
    ``layout`` the unit's layout name (seeds/mappings/unit_layouts.csv).
    """
    table_months = layout in TABLE_MONTH_LAYOUTS
    problems: list[Problem] = []
    stated = False
    for signal in _signals(grids, file, table_months):
        stated = True
        if signal.month != period:
            problems.append(_mismatch(signal, file, period))
            if len(problems) >= MAX_MISMATCHES:
                break
    if not stated and not table_months:
        problems.append(Problem(
            severity_of("period_not_stated"), "period_not_stated",
            f"Neither the file name nor the titles of {file} say which month it is for, so we could "
            f"not check it is the return for {_label(period)}. Check it is, and next time write the "
            "month in the title row (for example 'Return for October 2025') or in the file name.", file))
    return problems


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
