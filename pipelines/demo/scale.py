"""Grow a built warehouse's raw tables to N times the demo's volume, for the scale benchmarks.

    from pipelines.demo.scale import grow_raw; grow_raw(warehouse_path, 1000)

(`grow_zone` grows a landing zone's returns the same way, for the benchmark that refreshes from it.)

Distinct records, so the marts grow with them rather than collapsing copies back into the demo:

- each disruption claim becomes N claims, copy k with its own reference and its own OCG
  (``<ref>-k``), so de-duplication still pairs a force's claim with the unit's claim only within a
  copy, and N times as many disruptions are counted (fct_disruptions, fct_disruption_claims and the
  counted metrics grow N times). The OCG register is left as it is: 161 thousand rows already, and
  the copies' groups are not in it (the ledger marts do not grow);
- each accepted monthly return becomes N versions of its unit-month, all but the newest superseded,
  each signed off (fct_metric_versions and fct_return_value_provenance grow N times, the current
  figures stay the demo's).

Nine units and the reference calendar bound the rest: a unit-month's current figures do not grow.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from pathlib import Path

import duckdb

# Problems, and what the unit wrote about its figures, belong to the newest copy of a version.
NEWEST_COPY_TABLES = ("submission_problems", "query_answers", "return_comments", "unmapped_labels")


def grow_raw(warehouse: Path, factor: int) -> dict[str, int]:
    """Multiply the raw monthly returns (as versions) and disruption claims (as distinct claims) by
    `factor`, in place, in one transaction; returns the rows of each grown table."""
    if factor < 1:
        raise ValueError(f"a scale factor is a whole number of copies, at least 1, not {factor}")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin")
        if factor > 1:
            _grow_returns(con, factor)
            grow_disruptions(con, factor)
        con.execute("commit")
        return {t: con.sql(f"select count(*) from raw.{t}").fetchone()[0]
                for t in ("submissions", "return_values", "disruptions")}
    finally:
        con.close()


def _grow_returns(con: duckdb.DuckDBPyConnection, factor: int) -> None:
    # Copy k of submission s is submission s * factor + k, version (v - 1) * factor + k + 1: copies
    # of one version sit between it and the next, and the last copy keeps the version's state.
    con.execute(f"""
        create or replace table raw.submissions as
        with copies as (select * from raw.submissions, range({factor}) as r(k))
        select * exclude (k, submission_id, version, state, superseded_by),
            submission_id * {factor} + k as submission_id,
            (version - 1) * {factor} + k + 1 as version,
            case when k < {factor} - 1 and state in ('accepted', 'accepted_with_queries_or_information')
                 then 'superseded' else state end as state,
            null::bigint as superseded_by
        from copies""")
    for table in ("return_values", "approvals"):
        con.execute(f"""
            create or replace table raw.{table} as
            select * exclude (k, submission_id), submission_id * {factor} + k as submission_id
            from raw.{table}, range({factor}) as r(k)""")
    for table in NEWEST_COPY_TABLES:
        con.execute(f"update raw.{table} set submission_id = submission_id * {factor} + {factor} - 1")


def grow_disruptions(con: duckdb.DuckDBPyConnection, factor: int) -> None:
    """Each disruption claim as `factor` distinct claims (see the module's docstring)."""
    con.execute(f"""
        create or replace table raw.disruptions as
        select * exclude (k, disruption_ref, ocg_ref, source_row),
            case when k = 0 then disruption_ref else disruption_ref || '-' || k end as disruption_ref,
            case when k = 0 or ocg_ref is null or ocg_ref = '' then ocg_ref else ocg_ref || '-' || k end as ocg_ref,
            source_row * {factor} + k as source_row
        from raw.disruptions, range({factor}) as r(k)""")


def resubmit_month(warehouse: Path, unit: str, month: str, add: float) -> int:
    """What a refresh's raw load leaves after a unit sends a new version of a month and its approver
    signs it off: the current version superseded, a new one accepted and signed off, its values the
    old ones plus `add`, loaded now. For the scale benchmarks and tests, which refresh without the
    landing zone. Returns the new submission's id."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin")
        old = current_submission(con, unit, month)
        new, version = con.execute("select max(submission_id) + 1, max(version) filter (where rocu_code = ? and "
                                   "period = ?) + 1 from raw.submissions", [unit, month]).fetchone()
        con.execute("update raw.submissions set state = 'superseded' where submission_id = ?", [old])
        con.execute("insert into raw.submissions select * replace ($new as submission_id, $version as version, "
                    "'accepted' as state) from raw.submissions where submission_id = $old",
                    {"new": new, "version": version, "old": old})
        con.execute("insert into raw.approvals select * replace ($new as submission_id) from raw.approvals "
                    "where submission_id = $old", {"new": new, "old": old})
        con.execute("insert into raw.return_values select * replace ($new as submission_id, value + $add as value, "
                    "now() as loaded_at) from raw.return_values where submission_id = $old",
                    {"new": new, "old": old, "add": add})
        con.execute("commit")
        return new
    finally:
        con.close()


def current_submission(con: duckdb.DuckDBPyConnection, unit: str, month: str) -> int:
    """The raw registry's newest accepted version of a unit-month (accepted, with or without queries)."""
    return con.execute("select submission_id from raw.submissions where rocu_code = ? and period = ? and state in "
                       "('accepted', 'accepted_with_queries_or_information') order by version desc limit 1",
                       [unit, month]).fetchone()[0]


def grow_zone(zone_root: Path, factor: int) -> int:
    """Grow a landing zone's monthly returns as `grow_raw` grows the warehouse's, for the upload
    benchmark at scale (a refresh reloads its raw tables from the zone, not from the warehouse).

    Each accepted (or superseded) version becomes `factor` versions of its unit-month: `factor - 1`
    copies numbered below it, superseded by it and signed off as it is, each with its standardised
    values saved under its own id; the original stays the newest, with its problems, answers,
    comments and unmapped labels. Version v becomes v * factor. In place, the registry in one
    transaction; returns the monthly versions registered."""
    import sqlite3

    import polars as pl

    if factor < 1:
        raise ValueError(f"a scale factor is a whole number of copies, at least 1, not {factor}")
    con = sqlite3.connect(zone_root / "registry.sqlite", isolation_level=None)
    try:
        if factor > 1:
            con.execute("begin immediate")
            columns = [r[1] for r in con.execute("pragma table_info(submissions)")]
            copied = [c for c in columns if c not in ("submission_id", "version", "state", "superseded_by")]
            originals = [r[0] for r in con.execute(
                "select submission_id from submissions where return_kind = 'monthly' and state in "
                "('accepted', 'accepted_with_queries_or_information', 'superseded') order by submission_id")]
            first = con.execute("select max(submission_id) + 1 from submissions").fetchone()[0]
            # copy k (0 .. factor - 2) of the i-th original: id first + i * (factor - 1) + k, version (v - 1) * factor + k + 1
            con.execute("create temp table copies (original integer, copy integer, k integer)")
            con.executemany("insert into copies values (?, ?, ?)",
                            [(o, first + i * (factor - 1) + k, k) for i, o in enumerate(originals)
                             for k in range(factor - 1)])
            con.execute(f"""
                insert into submissions (submission_id, version, state, superseded_by, {', '.join(copied)})
                select c.copy, (s.version - 1) * {factor} + c.k + 1, 'superseded', s.submission_id,
                       {', '.join('s.' + c for c in copied)}
                from copies c join submissions s on s.submission_id = c.original""")
            con.execute(f"update submissions set version = version * {factor} where return_kind = 'monthly' and "
                        f"submission_id < {first}")
            con.execute("insert into approvals (submission_id, approved_by, approved_at) select c.copy, a.approved_by,"
                        " a.approved_at from copies c join approvals a on a.submission_id = c.original")
            copies = con.execute("select original, copy from copies order by original, k").fetchall()
            stored = zone_root / "standardised"
            for original, its_copies in groupby(copies, key=itemgetter(0)):  # each copy's values, under its own id
                values = pl.read_parquet(stored / f"{original}.values.parquet")
                for _, copy in its_copies:
                    values.with_columns(submission_id=pl.lit(copy, pl.Int64)).write_parquet(
                        stored / f"{copy}.values.parquet", statistics=False)
            con.execute("commit")
        return con.execute("select count(*) from submissions where return_kind = 'monthly'").fetchone()[0]
    finally:
        con.close()
