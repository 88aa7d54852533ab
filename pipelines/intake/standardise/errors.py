"""The one exception a reader raises for a file it will not turn into grids."""

from __future__ import annotations


class UnreadableFile(Exception):
    """The file cannot be (or must not be) read as a table; the message is for the person who sent it.

    ``rule`` names why, for the verdict (file_unreadable, sheet_too_large, ...); ``sheet`` and
    ``row`` say where, when the reason has a place.
    """

    def __init__(self, message: str, rule: str = "file_unreadable", sheet: str | None = None,
                 row: int | None = None) -> None:
        super().__init__(message)
        self.rule, self.sheet, self.row = rule, sheet, row

    def as_dict(self) -> dict:
        return {"message": str(self), "rule": self.rule, "sheet": self.sheet, "row": self.row}
