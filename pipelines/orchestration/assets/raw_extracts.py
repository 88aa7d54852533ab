"""APMIS-style record extracts, each loaded as its own raw table.

Extracts arrive as CSV files in one folder per kind. Monthly extracts are all loaded (the
OCG register too: one file per month, each the register as at that month end, from which
dbt derives each group's history); a snapshot kind is loaded from its newest file only. Values stay as text
here: staging models cast them, so a bad value is visible rather than lost.
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext, AssetKey,
                     AssetsDefinition, MaterializeResult, asset)

from pipelines.intake.api import suite_holds_per_part_when_whole_passes, validate

from pipelines.orchestration.resources import LandingResource, WarehouseResource
from pipelines.orchestration.warehouse import replace_table


@dataclass(frozen=True)
class ExtractSpec:
    table: str
    pattern: str  # glob under the extracts folder
    snapshot: bool = False  # only the newest file counts
    description: str = ""
    # False where the suite's rules hold per file but never across files, so checking all files at once
    # would always fail and cost one check more (see files_pass_together).
    checked_together: bool = True


EXTRACTS = (
    ExtractSpec("disruptions", "disruptions/disruptions_*.csv", description="APMIS disruption claims"),
    # Each file is the whole register as at its month end: a group's ocg_ref is in every month's file,
    # so the suite's uniqueness rule holds within a file only.
    ExtractSpec("ocg_register", "ocg_register/ocg_register_*.csv", checked_together=False,
                description="OCG register as at each month end, with MoRiLE scores (every month kept)"),
    ExtractSpec("capacity", "capacity/capacity_*.csv", description="Establishment, in post, fixed-term, leavers"),
    ExtractSpec("tasking_meetings", "tasking/tasking_meetings_*.csv",
                description="Regional tasking meetings held, with attendance and the operations discussed"),
    ExtractSpec("gateway_requests", "tasking/gateway_requests_*.csv", description="Gateway requests from forces"),
    ExtractSpec("operations", "operations/operations_*.csv", snapshot=True,
                description="Operations and taskings the units led, as at the newest extract (a snapshot)"),
    ExtractSpec("escalations", "escalations/escalations_*.csv", snapshot=True,
                description="OCGs forces escalated to their unit and the unit's decisions, as at the newest "
                            "extract (a snapshot)"),
)


def read_extract_file(path: Path) -> pl.DataFrame:
    """One extract file as text columns, with the file and row each record came from."""
    return pl.read_csv(path, infer_schema=False).with_columns(
        pl.lit(path.name).alias("source_file"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("source_row"),  # row 1 is the header
    )


def files_pass_together(spec: ExtractSpec, frames: list[pl.DataFrame]) -> bool:
    """Whether one check of all files at once shows that no file has an error.

    Great Expectations costs about 0.1-0.3 s a call whatever the frame's size (building the suite's
    metric graph), so checking a kind's 24 monthly files one by one took 2-7 s where one check of
    them together takes 0.05-0.3 s. Only a pass is taken from it: on any error each file is
    checked alone, as before, so a rejected file is named with its own problems. Files with
    different columns are never checked together (the missing columns would be filled with nulls).
    """
    if len(frames) < 2 or not spec.checked_together or len({tuple(sorted(f.columns)) for f in frames}) > 1 \
            or not suite_holds_per_part_when_whole_passes(spec.table):
        return False
    together = pl.concat(frames, how="diagonal_relaxed")
    return not any(p.severity == "error" for p in validate(spec.table, together))


def read_extract(folder: Path, spec: ExtractSpec) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """Every file of one kind that passes its suite, and the problems of each file that did not.

    A file with an error is left out whole (its records never reach the warehouse); warnings
    do not stop a file.
    """
    files = sorted(folder.glob(spec.pattern))
    if spec.snapshot:
        files = files[-1:]
    frames = [read_extract_file(path) for path in files]
    if files_pass_together(spec, frames):
        return pl.concat(frames, how="diagonal_relaxed"), {}
    kept, rejected = [], {}
    for path, frame in zip(files, frames, strict=True):
        errors = [p for p in validate(spec.table, frame, file=path.name) if p.severity == "error"]
        if errors:
            rejected[path.name] = [p.as_text() for p in errors]
        else:
            kept.append(frame)
    return (pl.concat(kept, how="diagonal_relaxed") if kept else pl.DataFrame()), rejected


def build_extract_asset(spec: ExtractSpec) -> AssetsDefinition:
    key = AssetKey(["raw", spec.table])

    @asset(key=key, group_name="ingest", description=spec.description, kinds={"duckdb", "polars"},
           check_specs=[AssetCheckSpec("expectations_suite", asset=key,
                                       description=f"Great Expectations suite expectations/{spec.table}.json")])
    def _extract(context: AssetExecutionContext, landing: LandingResource,
                 warehouse: WarehouseResource) -> MaterializeResult:
        frame, rejected = read_extract(Path(landing.extracts_dir), spec)
        if frame.is_empty():
            raise FileNotFoundError(f"no valid {spec.table} extract files matching {spec.pattern} in "
                                    f"{landing.extracts_dir}; rejected: {rejected}")
        rows = replace_table(Path(warehouse.path), spec.table, frame)
        for name, problems in rejected.items():
            context.log.error(f"{name} rejected, not loaded:\n" + "\n".join(problems[:20]))
        context.log.info(f"loaded {rows} {spec.table} records")
        check = AssetCheckResult(
            check_name="expectations_suite", passed=not rejected, severity=AssetCheckSeverity.ERROR,
            metadata={"files_loaded": frame["source_file"].n_unique(), "files_rejected": len(rejected),
                      "rejected": "\n".join(f"{n}: {p[0]}" for n, p in rejected.items()) or "none"},
        )
        return MaterializeResult(metadata={"rows": rows, "files": frame["source_file"].n_unique()},
                                 check_results=[check])

    return _extract


extract_assets = [build_extract_asset(spec) for spec in EXTRACTS]
