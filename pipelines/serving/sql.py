"""Quoting for the few SQL statements that cannot take parameters (ATTACH a file, name a table)."""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path) -> str:
    """`value` as a single-quoted SQL string."""
    return "'" + str(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
