"""A grid: one sheet (or a whole text file) as text cells, each where a person sees it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import chain, compress
from operator import is_not

from pipelines.intake.standardise.cells import normalise_label

Cell = str | None


@dataclass(frozen=True)
class Grid:
    """cells[r][c] is row r+1, column c+1; formulas_without_value lists (row, column, formula),
    1-based, of formula cells saved without their result (read as blank)."""

    sheet: str | None
    cells: list[list[Cell]]
    hidden: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    formulas_without_value: tuple[tuple[int, int, str], ...] = ()

    def cell(self, row: int, col: int) -> Cell:
        """0-based access that treats anything outside the grid as empty."""
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.cells[row][col]
        return None

    @cached_property  # asked once per row while searching for the header: compute once
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    @cached_property
    def _labels(self) -> tuple[list[int], list[str]]:
        """Every filled cell's row (0-based) and its text as labels are matched (normalise_label), in
        reading order. Made once, the first time a reader looks for a header row: a sheet of tens of
        thousands of rows (a unit's notes) is then searched without a Python step per cell. Two flat
        lists, not a dictionary of rows per label: that took twice as long to build for such a sheet."""
        rows = [r for r, row in enumerate(self.cells) for text in row if text is not None]
        labels = list(map(normalise_label, filter(partial(is_not, None), chain.from_iterable(self.cells))))
        return rows, labels

    def rows_holding(self, labels: Collection[str]) -> list[int]:
        """The 0-based rows, in order, with a cell whose normalised text is one of `labels`."""
        rows, texts = self._labels
        wanted = labels if isinstance(labels, (set, frozenset)) else frozenset(labels)
        return sorted(set(compress(rows, map(wanted.__contains__, texts))))

    def as_dict(self) -> dict:
        """Plain data, to come back from the reading child process as JSON."""
        return {"sheet": self.sheet, "cells": self.cells, "hidden": self.hidden, "encoding": self.encoding,
                "delimiter": self.delimiter, "formulas_without_value": self.formulas_without_value}

    @classmethod
    def from_dict(cls, data: dict) -> Grid:
        return cls(data["sheet"], data["cells"], bool(data["hidden"]), data["encoding"], data["delimiter"],
                   tuple((int(r), int(c), str(f)) for r, c, f in data["formulas_without_value"]))
