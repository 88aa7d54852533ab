"""The one way pages read the warehouse: short-lived read-only connections to the
published copy, results cached until a new copy is published."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

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
