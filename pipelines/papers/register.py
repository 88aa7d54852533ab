"""The register of issued board papers: who made which paper, for which board, when, from which
build, and the file's hash, with the figures the paper's build held.

Append-only SQLite, in the audit trail's manner (pipelines/access/audit.py): triggers refuse
UPDATE and DELETE, writers serialise on BEGIN IMMEDIATE. Each entry keeps the framework figures
(fct_metric_monthly, every unit, months to the paper's quarter end) exactly as the paper read
them, because the published warehouse is replaced at every build: the next paper to the same
board compares its own figures with these to list what changed since (revisions_since).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from pipelines.settings import Paths

FIGURE_KEY = ["rocu_code", "month", "metric_id"]

_SCHEMA = """
create table if not exists issued_papers (
    issue_id integer primary key,
    issued_at text not null,
    issued_by text not null,
    board text not null,
    quarter text not null,
    format text not null,
    file_name text not null,
    file_sha256 text not null,
    build_id text not null,
    build_published_at text not null,
    figures_sha256 text not null
);
create table if not exists issued_figures (
    issue_id integer not null references issued_papers (issue_id),
    rocu_code text not null,
    month text not null,
    metric_id text not null,
    value real,
    primary key (issue_id, rocu_code, month, metric_id)
);
create trigger if not exists issued_papers_no_update before update on issued_papers
begin select raise(abort, 'The register of issued papers is append-only: entries cannot be changed.'); end;
create trigger if not exists issued_papers_no_delete before delete on issued_papers
begin select raise(abort, 'The register of issued papers is append-only: entries cannot be deleted.'); end;
create trigger if not exists issued_figures_no_update before update on issued_figures
begin select raise(abort, 'The register of issued papers is append-only: entries cannot be changed.'); end;
create trigger if not exists issued_figures_no_delete before delete on issued_figures
begin select raise(abort, 'The register of issued papers is append-only: entries cannot be deleted.'); end;
"""


@dataclass(frozen=True)
class IssuedPaper:
    """One entry of the register."""

    issue_id: int
    issued_at: str  # UTC, ISO 8601 to the second
    issued_by: str
    board: str  # the unit whose board the paper is for, or NETWORK
    quarter: str
    format: str
    file_name: str
    file_sha256: str
    build_id: str
    build_published_at: str
    figures_sha256: str


class PaperRegister:
    """The register in one SQLite file; every method opens and closes its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("pragma journal_mode=wal")
            db.executescript(_SCHEMA)

    @classmethod
    def at(cls, paths: Paths | None = None) -> PaperRegister:
        """The deployment's register: var/papers/register.sqlite."""
        return cls((paths or Paths.from_env()).var / "papers" / "register.sqlite")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("pragma busy_timeout = 60000")
        return db

    def issue(self, *, issued_by: str, board: str, quarter: str, fmt: str, file_name: str, file_sha256: str,
              build_id: str, build_published_at: str, figures_sha256: str, figures: pd.DataFrame,
              now: datetime | None = None) -> IssuedPaper:
        """Append one issued paper and the figures its build held (columns FIGURE_KEY and value)."""
        issued_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        rows = [(r.rocu_code, r.month, r.metric_id, None if pd.isna(r.value) else float(r.value))
                for r in figures[[*FIGURE_KEY, "value"]].itertuples(index=False)]
        with closing(self._connect()) as db:
            db.execute("begin immediate")
            try:
                cur = db.execute(
                    "insert into issued_papers (issued_at, issued_by, board, quarter, format, file_name, file_sha256,"
                    " build_id, build_published_at, figures_sha256) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (issued_at, issued_by, board, quarter, fmt, file_name, file_sha256, build_id,
                     build_published_at, figures_sha256))
                issue_id = cur.lastrowid
                db.executemany("insert into issued_figures values (?, ?, ?, ?, ?)",
                               [(issue_id, *row) for row in rows])
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
        return IssuedPaper(issue_id, issued_at, issued_by, board, quarter, fmt, file_name, file_sha256, build_id,
                           build_published_at, figures_sha256)

    def papers(self, board: str | None = None) -> list[IssuedPaper]:
        """Every entry (for one board, if given), oldest first."""
        sql = "select * from issued_papers" + (" where board = ?" if board else "") + " order by issue_id"
        with closing(self._connect()) as db:
            return [IssuedPaper(*row) for row in db.execute(sql, (board,) if board else ())]

    def last_issued(self, board: str, other_than_build: str) -> IssuedPaper | None:
        """The paper last issued to `board` from a build other than `other_than_build`.

        A paper made again from the same build holds the same figures as the one before it, so
        it lists the revisions since the paper before that build, not an empty list.
        """
        earlier = [p for p in self.papers(board) if p.build_id != other_than_build]
        return earlier[-1] if earlier else None

    def figures(self, issue_id: int) -> pd.DataFrame:
        """The figures an issued paper's build held (FIGURE_KEY and value)."""
        with closing(self._connect()) as db:
            rows = db.execute("select rocu_code, month, metric_id, value from issued_figures where issue_id = ? "
                              "order by rocu_code, month, metric_id", (issue_id,)).fetchall()
        return pd.DataFrame(rows, columns=[*FIGURE_KEY, "value"])


def revisions_since(then: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """The figures of `now` that differ from `then`: a value changed, a figure added for a month
    `then` already covered, or a figure withdrawn. Both frames have FIGURE_KEY and value; the
    result has FIGURE_KEY, value_then and value_now (empty where the figure was not held), with
    `now`'s other columns (metric name, unit) beside them. Nothing is computed from the figures:
    this only selects those that are not the same."""
    covered = then["month"].max() if not then.empty else None
    both = then.rename(columns={"value": "value_then"}).merge(
        now.rename(columns={"value": "value_now"}), on=FIGURE_KEY, how="outer", indicator=True)
    same = (both["value_then"] == both["value_now"]) | (both["value_then"].isna() & both["value_now"].isna())
    new_month = (both["_merge"] == "right_only") & (both["month"] > covered if covered else True)
    changed = both[~same & ~new_month].drop(columns="_merge")
    return changed.sort_values(FIGURE_KEY, kind="stable").reset_index(drop=True)
