"""Accepted returns, from the landing-zone registry into the warehouse's raw tables.

Monthly returns fill raw.submissions, raw.return_values, raw.unmapped_labels,
raw.return_comments (what the unit wrote beside a figure, in a Comments or Notes column or a
notes sheet) and raw.query_answers (the units' answers to the queries on their figures); quarterly
resources returns (the second kind of return the intake takes) fill raw.resource_submissions
and raw.resource_values, always reloaded whole (nine units, four quarters a year).

Only accepted content is loaded: the standardised values of each accepted (or since
superseded) version were saved beside the registry when its verdict was given. A run
reloads either everything or one unit's month (run config ``unit`` and ``month``, as the
sensor asks), always by replacing rows inside one transaction: a rerun never duplicates
and a run killed half way changes nothing.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import polars as pl
from dagster import (AssetCheckKey, AssetCheckResult, AssetCheckSpec, AssetExecutionContext, AssetKey, AssetSpec, Config,
                     MaterializeResult, ResourceParam, multi_asset)

from pipelines.intake.api import ANSWERED_SCHEMA, LandingZone, Problem, Submission, answered_queries, close_abandoned
from pipelines.orchestration.resources import LandingResource, Supersession, WarehouseResource
from pipelines.intake.api import COMMENTS_SCHEMA, RESOURCES_SCHEMA, UNMAPPED_SCHEMA, VALUES_SCHEMA
from pipelines.orchestration.warehouse import replace_in, writing

TABLES = ("submissions", "approvals", "submission_problems", "return_values", "unmapped_labels",
          "resource_submissions", "resource_values", "query_answers", "return_comments")
LOADED_STATES = ("accepted", "accepted_with_queries_or_information", "superseded")
# Requests a run takes in while it loads (then loading again); later ones wait for the next run, so
# that a stream of them cannot keep one run loading.
JOINS = 2
# On each table of values: a run that reloads only one of them still checks what it loaded.
ONLY_ACCEPTED = {t: AssetCheckKey(AssetKey(["raw", t]), "only_accepted_content")
                 for t in ("return_values", "resource_values")}
# Empty registries still need typed tables for dbt to build against. The column lists come
# from where the rows are made (the Problem value, the parser's schemas), keyed by submission.
SUBMISSION = {"submission_id": pl.Int64}
SCHEMAS = {
    "approvals": {**SUBMISSION, "approved_by": pl.Utf8, "approved_at": pl.Utf8},
    "submission_problems": {**SUBMISSION, **{f.name: pl.Int64 if f.name == "row" else pl.Utf8
                                             for f in fields(Problem)}},
    "return_values": {**SUBMISSION, **VALUES_SCHEMA},
    "query_answers": {k: pl.Int64 if t is int else pl.Utf8 for k, t in ANSWERED_SCHEMA.items()},
    "return_comments": {**SUBMISSION, **COMMENTS_SCHEMA},
    # where the unmapped label itself sits (label_row/label_column) stays in the report only
    "unmapped_labels": {**SUBMISSION, **{k: t for k, t in UNMAPPED_SCHEMA.items()
                                         if k not in ("label_row", "label_column")}},
    # the parser's working columns (codes to check, where each cell sits) stay in the report
    "resource_values": {**SUBMISSION, **{k: t for k, t in RESOURCES_SCHEMA.items()
                                         if k not in ("section_item", "funding_source", "post_funding_source",
                                                      "partner_agency", "money_value", "people_value", "raw_item",
                                                      "raw_detail", "item_column", "detail_column", "date_column")}},
}


class ReturnsSlice(Config):
    """Reload one unit's month only; leave both empty to reload every return."""

    unit: str = ""
    month: str = ""


def _typed(rows: list[dict] | pl.DataFrame, table: str) -> pl.DataFrame:
    schema = SCHEMAS[table]
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=schema)
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                         for c, t in schema.items()])


def _stored(zone_root: Path, table: str, kind: str, submission_ids: list[int]) -> pl.DataFrame:
    """The standardised values (unmapped labels, comments) saved with each loaded submission."""
    paths = [p for i in submission_ids if (p := zone_root / "standardised" / f"{i}.{kind}.parquet").exists()]
    if not paths:
        return _typed([], table)
    try:  # one read of them all, in parallel: a thousand versions' files in a quarter of a second, not one
        return pl.scan_parquet(paths, schema=SCHEMAS[table], missing_columns="insert", extra_columns="ignore").collect()
    except pl.exceptions.PolarsError:  # a file of other types (an earlier release's): each read and cast alone
        return pl.concat([_typed(pl.read_parquet(p), table) for p in paths])


def _registry_frame(subs: list[Submission]) -> pl.DataFrame:
    """Registry versions as a typed table (typed even when there are none, for dbt to build against)."""
    schema = {f.name: pl.Int64 if f.type in ("int", "int | None") else pl.Utf8 for f in fields(Submission)}
    return pl.DataFrame({name: [getattr(s, name) for s in subs] for name in schema}, schema=schema)


@dataclass(frozen=True)
class TableRead:
    """A raw table's rows as the landing zone stands (read only when the table is loaded), and which of
    the table's rows they replace: a SQL condition, or None for all of them."""

    rows: Callable[[], pl.DataFrame]
    replaces: str | None = None


def slice_filter(config: ReturnsSlice) -> str | None:
    """SQL selecting the rows a sliced reload replaces (values are validated, not user text)."""
    if not config.unit and not config.month:
        return None
    if not (re.fullmatch(r"[A-Z]{4,8}", config.unit) and re.fullmatch(r"\d{4}-\d{2}", config.month)):
        raise ValueError(f"a slice needs a unit code and a YYYY-MM month, got {config.unit!r} {config.month!r}")
    return f"rocu_code = '{config.unit}' and period = '{config.month}'"


@multi_asset(
    # A run may reload only some tables (the refresh worker's run for a NOCC query or a resources
    # return leaves the monthly tables, and everything built from them, alone).
    specs=[AssetSpec(AssetKey(["raw", t]), group_name="ingest", kinds={"duckdb"}, skippable=True) for t in TABLES],
    check_specs=[AssetCheckSpec(key.name, asset=key.asset_key,
                                description="Every loaded value comes from an accepted (or superseded) version")
                 for key in ONLY_ACCEPTED.values()],
    can_subset=True,
    description="Submission registry, problems and standardised values of accepted returns",
)
def raw_returns(context: AssetExecutionContext, config: ReturnsSlice, landing: LandingResource,
                warehouse: WarehouseResource, superseded: ResourceParam[Supersession]):
    selected = {key.path[-1] for key in context.selected_asset_keys}
    joined: list[str] = []

    def join() -> bool:
        """Take in the waiting requests this load covers (a sign-off landing during its verdict's run)."""
        if len(joined) >= JOINS or not (why := superseded.join_waiting(selected)):
            return False
        joined.append(why)
        context.instance.add_run_tags(context.run_id, {"rocu/joined": "; ".join(joined)[:200]})
        context.log.info(f"Taken into this run: the request waiting ({why}). This run loads what it was made for "
                         "from the landing zone now, and rebuilds and publishes all its run would have.")
        return True

    if not join() and (newer := superseded.newer_request()):
        # Nothing loaded, so nothing downstream runs: the waiting request's run loads all this one would.
        context.log.info(f"Not loaded in this run: a request waiting ({newer}) covers it, and its run loads, "
                         "rebuilds and publishes all this one would.")
        return
    zone = landing.zone()
    close_abandoned(zone)  # a check that died with its process still ends in a final state
    where = slice_filter(config)
    rows: dict[str, int] = {}  # each table written, and its rows

    def load() -> tuple[list[Submission], list[Submission], dict[str, pl.DataFrame], str | None]:
        """(the registry's versions as last read, the frames last loaded, why loading stopped part way)."""
        nonlocal where
        with writing(Path(warehouse.path)) as con:
            if where and (unfit := tables_unfit_for_a_slice(con, selected)):
                context.log.info(f"Reloading every return, not {config.unit} {config.month} alone: {unfit}.")
                where = None
            while True:  # once, and again from the registry for each request joining part way (at most JOINS)
                subs, resource_subs, reads = table_reads(zone, config, where)
                frames, stopped = {}, None
                for table in (t for t in reads if t in selected):
                    if frames and (join() or (stopped := superseded.newer_request())):
                        break
                    frames[table] = frame = reads[table].rows()
                    rows[table] = replace_in(con, table, frame, where=reads[table].replaces)
                    context.log.info(f"raw.{table}: {rows[table]} rows" + (f" for {config.unit} {config.month}"
                                                                             if where else ""))
                if stopped or (len(frames) == len(selected & reads.keys()) and not join()):
                    return subs, resource_subs, frames, stopped

    def written() -> Iterator[MaterializeResult]:
        # Each table once, however often it was loaded: Dagster takes one materialisation an asset a step.
        for table, count in rows.items():
            yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={"rows": count})

    try:
        subs, resource_subs, frames, stopped = load()
    except Exception:
        yield from written()  # loading failed part way: what was written stays written, and is recorded
        raise
    yield from written()
    if stopped:
        # Asked before each table: a request covering this run landing during the load (0.5 s) need not
        # wait for the rest of it. The tables left are reloaded by the waiting request's run.
        context.log.info(f"Loading stopped after raw.{', raw.'.join(rows)}: a request waiting ({stopped}) "
                         "covers the rest, and its run loads, rebuilds and publishes it all.")
        return
    states = {s.submission_id: s.state for s in subs + resource_subs}
    for table, key in ONLY_ACCEPTED.items():
        if key in context.selected_asset_check_keys and table in frames:
            loaded_ids = frames[table]["submission_id"].unique().to_list()
            yield AssetCheckResult(check_name=key.name, asset_key=key.asset_key,
                                   passed=all(states.get(i) in LOADED_STATES for i in loaded_ids),
                                   metadata={"submissions_loaded": len(loaded_ids)})


def sliced_columns(table: str) -> set[str]:
    """The columns a sliced load writes into a monthly table (what `table_reads` makes, and loaded_at)."""
    made = [f.name for f in fields(Submission)] if table == "submissions" else list(SCHEMAS[table])
    return {*made, "loaded_at"}


def tables_unfit_for_a_slice(con: duckdb.DuckDBPyConnection, tables: set[str]) -> str | None:
    """Why a load of one unit-month cannot be written into these raw tables, or None when it can.

    A slice replaces its rows and keeps the others, so each table must be there already, with the
    columns the slice brings: a warehouse not loaded yet, or written by a release with other columns,
    is reloaded whole (every return), never given one month's rows alone or left failing."""
    found: dict[str, set[str]] = {}
    for table, column in con.execute("select table_name, column_name from information_schema.columns"
                                     " where table_schema = 'raw'").fetchall():
        found.setdefault(table, set()).add(column)
    for table in sorted(tables - {"resource_submissions", "resource_values"}):  # those are always whole
        if table not in found:
            return f"raw.{table} is not in the warehouse yet"
        if found[table] != (wanted := sliced_columns(table)):
            changed = sorted(found[table] ^ wanted)
            return f"raw.{table}'s columns differ from the ones this release loads ({', '.join(changed)})"
    return None


def table_reads(zone: LandingZone, config: ReturnsSlice,
                where: str | None) -> tuple[list[Submission], list[Submission], dict[str, TableRead]]:
    """(monthly versions, resources versions, each table's read), from the registry as it stands now.

    A run of one unit-month reads and replaces that unit-month's rows of every monthly table, the
    registry's mirror included, and no others: every change to the registry rings a run of its own
    unit-month (a verdict, a check closed as abandoned, a sign-off, an answer), so the rest are
    current already, and the load's cost does not grow with history. Resources tables (nine units,
    four quarters a year) are reloaded whole."""
    unit, month = (config.unit, config.month) if where else (None, None)
    subs = zone.registry.submissions("monthly", unit, month)
    resource_subs = zone.registry.submissions(kind="resources")
    monthly = {s.submission_id for s in subs}
    resources = {s.submission_id for s in resource_subs}
    loaded = [s.submission_id for s in subs if s.state in LOADED_STATES]
    # rows kept by version: the slice's versions' (whole numbers from the registry, never user text)
    of_versions = None if where is None else f"submission_id in ({', '.join(map(str, sorted(monthly))) or 'null'})"
    return subs, resource_subs, {
        "submissions": TableRead(lambda: _registry_frame(subs), where),
        # approvals and problems of monthly returns here; a resources return's sign-off rides on its row
        "approvals": TableRead(lambda: _typed([a for a in zone.registry.approvals(unit, month)
                                               if a["submission_id"] in monthly], "approvals"), of_versions),
        "submission_problems": TableRead(lambda: _typed([p for p in zone.registry.problems(None, unit, month)
                                                         if p["submission_id"] in monthly], "submission_problems"),
                                         of_versions),
        "return_values": TableRead(lambda: _stored(zone.root, "return_values", "values", loaded), where),
        "query_answers": TableRead(lambda: _typed([a for a in answered_queries(zone, unit, month)
                                                   if a["submission_id"] in monthly], "query_answers"), of_versions),
        "unmapped_labels": TableRead(lambda: _stored(zone.root, "unmapped_labels", "unmapped", loaded), where),
        "return_comments": TableRead(lambda: _stored(zone.root, "return_comments", "comments", loaded), of_versions),
        "resource_submissions": TableRead(lambda: _registry_frame(resource_subs).join(
            _typed([a for a in zone.registry.approvals() if a["submission_id"] in resources], "approvals"),
            on="submission_id", how="left")),
        "resource_values": TableRead(lambda: _stored(zone.root, "resource_values", "resources",
                                                     [s.submission_id for s in resource_subs
                                                      if s.state in LOADED_STATES])),
    }
