"""The one way pages read the warehouse: short-lived read-only connections to the
published copy, results cached until a new copy is published."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.land.registry import Registry, Submission
from pipelines.settings import Paths


def published_path() -> Path:
    return Paths.from_env().published


def build_stamp() -> dict | None:
    """When the copy being read was published (None if nothing is published yet)."""
    stamp = published_path().with_suffix(".json")
    return json.loads(stamp.read_text()) if stamp.exists() else None


@st.cache_data(show_spinner=False, max_entries=256)
def _query(sql: str, params: tuple, _version: float) -> pd.DataFrame:
    con = duckdb.connect(str(published_path()), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a read-only query against the published warehouse (cached per published build)."""
    path = published_path()
    version = path.stat().st_mtime if path.exists() else 0.0
    return _query(sql, params, version) if version else pd.DataFrame()


# The landing zone is read live, not cached: an upload must show at once, before any rebuild.

def landing_path() -> Path:
    return Paths.from_env().landing


def versions(rocu_code: str, period: str) -> list[Submission]:
    """Every version received for one unit and month, oldest first (empty if nothing has landed)."""
    path = landing_path() / "registry.sqlite"
    if not path.exists():
        return []
    return [s for s in Registry(path).submissions() if s.rocu_code == rocu_code and s.period == period]


def problem_frame(rows: list[dict], submission: Submission) -> pd.DataFrame:
    """Problems as a table, naming the file as the user sent it.

    Messages are written while the stored copy (named by its fingerprint) is read, so they
    may name that copy; people know their file by the name they gave it.
    """
    stored = Path(submission.stored_path).name
    frame = pd.DataFrame(rows, columns=["severity", "sheet", "row", "column", "value", "rule", "message"])
    frame["message"] = frame["message"].str.replace(stored, submission.original_name, regex=False)
    return frame


def problems(submission: Submission) -> pd.DataFrame:
    """The problems found in one version, in the words and places the report gives them."""
    path = landing_path() / "registry.sqlite"
    return problem_frame(Registry(path).problems(submission.submission_id) if path.exists() else [], submission)


def report_file(submission_id: int, suffix: str) -> Path | None:
    """The saved validation report of a version (suffix '.html' or '.json'), if it exists."""
    path = landing_path() / "reports" / f"{submission_id}{suffix}"
    return path if path.exists() else None


def stored_file(sha256: str) -> Path | None:
    """The file a version was sent as, kept in the landing zone under its fingerprint."""
    folder = landing_path() / "files" / sha256[:2]
    return next(iter(sorted(folder.glob(f"{sha256}.*"))), None) if folder.exists() else None
