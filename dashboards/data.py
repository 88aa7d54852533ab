"""The one way pages read the warehouse: one read-only connection per published copy,
shared by every session of the server, and results cached per published build.

Each published copy carries its build row inside it (meta.build_info, written before the
copy is swapped in). A page run is pinned to one build: every result is cached under that
build's id, and a result read from the file is read through the connection of the copy
whose build row is the pin. So a page never shows one build's figures under another's name;
when a new copy is swapped in, the page reruns on it. An open page looks for one every
`BUILD_WATCH_SECONDS` (dashboards/app.py), so it moves to a new build without being clicked.

Opening a copy reads its whole catalogue (about 30 ms of CPU); a page sends a dozen queries,
so each copy is opened once per server (`_copy`) and each query runs on a cursor of its own.
"""

from __future__ import annotations

from datetime import datetime, UTC
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.serving.build_info import BuildInfo, read_build_info
from pipelines.serving.reads import attach_published, sent, use_published
from pipelines.intake.api import Registry, Submission
from pipelines.settings import Paths

_PIN = "rocu_build_pin"  # session state: (file key, BuildInfo) of the build this session's page shows
_UNRECORDED = "unrecorded-"  # id given to a copy published before builds carried their own row
MOVED_TO = "rocu_moved_to_build"  # session state: the build the page has just moved to, for its notice
# An open page looks this often for a newly published build (a stat of the file) and moves to it by
# itself: a figure corrected upstream reaches the person looking at it without a click. Twice a second:
# 0.25 s sooner on average than once, with navigation's 95th percentile unchanged side by side
# (scripts/bench_pages.py --runs 1 --rounds 5, two alternating pairs: 0.44 and 0.49 s against 0.41 and 0.50 s).
BUILD_WATCH_SECONDS = 0.5


class BuildChanged(Exception):
    """The published copy is no longer the build a page run is pinned to."""


def published_path() -> Path:
    return Paths.from_env().published


def _file_key(path: Path) -> tuple[int, int, int] | None:
    """What changes whenever a new copy is swapped in: inode, modification time, size."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@st.cache_resource(show_spinner=False, max_entries=2)
def _copy(path: str, ino: int, mtime_ns: int, size: int) -> tuple[duckdb.DuckDBPyConnection, BuildInfo]:
    """The copy with this file key, opened once, and its build row. Two are kept: the one published and
    the one before, which pages still drawing from it finish with. A copy dropped from the cache is
    closed when the last query on it ends (its cursors keep it open until then), so the publish can
    write the next build into its file (pipelines/serving/publish.py)."""
    con = attach_published(Path(path))
    info = read_build_info(con)
    if info is None:
        published = datetime.fromtimestamp(mtime_ns / 1e9, UTC).isoformat(timespec="seconds")
        info = BuildInfo(f"{_UNRECORDED}{ino}-{mtime_ns}-{size}", published, "", 0, "", "")
    return con, info


def current_build() -> BuildInfo | None:
    """The build this page run shows (None if nothing is published yet).

    If a new copy has been swapped in since the session's pin, the page reruns from the
    top on the new build, so no page draws figures of two builds.
    """
    path = published_path()
    key = _file_key(path)
    pinned = st.session_state.get(_PIN)
    if key is None:
        st.session_state.pop(_PIN, None)
        return None
    if pinned is not None and pinned[0] == key:
        return pinned[1]
    _, build = _copy(str(path), *key)
    st.session_state[_PIN] = (key, build)
    if pinned is not None and pinned[1].build_id != build.build_id:
        st.session_state[MOVED_TO] = build
        st.rerun()  # a new build was published: draw the whole page again from it
    return build


def moved_to_build() -> BuildInfo | None:
    """The build this page has just moved to from the one it showed (once; then None)."""
    return st.session_state.pop(MOVED_TO, None)


@st.cache_data(show_spinner=False, max_entries=256)
def _query(sql: str, params: tuple, build_id: str) -> pd.DataFrame:
    """One query of one build, on the copy whose build row is that build."""
    path = published_path()
    key = _file_key(path)
    if key is None:
        raise BuildChanged(build_id)
    con, info = _copy(str(path), *key)
    if info.build_id != build_id:
        raise BuildChanged(build_id)
    cursor = use_published(con.cursor())  # a connection is not shared between threads; cursors are cheap
    try:
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a read-only query against the published build this page shows (cached per build)."""
    sent(sql)
    build = current_build()
    if build is None:
        return pd.DataFrame()
    try:
        return _query(sql, tuple(params), build.build_id)
    except BuildChanged:
        st.session_state.pop(_PIN, None)  # swapped since the pin: start the page again on the new build
        st.rerun()


# The landing zone is read live, not cached: an upload must show at once, before any rebuild.

def landing_path() -> Path:
    return Paths.from_env().landing


def versions(rocu_code: str, period: str, kind: str = "monthly") -> list[Submission]:
    """Every version of one kind of return (monthly, or resources for a quarter) received for one unit and
    period, oldest first (empty if nothing has landed)."""
    path = landing_path() / "registry.sqlite"
    if not path.exists():
        return []
    return Registry(path).submissions(kind, rocu_code, period)


def sign_offs() -> dict[int, dict]:
    """Who signed off which version and when, by submission id (empty if nothing has landed)."""
    path = landing_path() / "registry.sqlite"
    return {a["submission_id"]: a for a in Registry(path).approvals()} if path.exists() else {}


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
