"""Generate the synthetic demo data: returns in nine layouts, extracts, manifest and truth.

    python -m pipelines.demo.generate [--out DIR] [--months 24] [--end-month 2026-10] [--seed N]

Deterministic for a given seed. Everything is synthetic: no real people or operations.
Scenarios are placed relative to the end month E so they exist whatever --months is
(an offset larger than the run is pulled in to the first month): SEROCU E-3 is late,
TARIAN E-8 is missing, ROCUWM E-5 is a broken file. truth/ holds what a correct parser
and warehouse must find, for tests.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime, time
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from pipelines.demo import capacity, disruptions, escalations, ocg_history, ocg_register, operations, resources
from pipelines.months import (add_months, financial_year_start, month_end, month_range, month_start,
                                     months_between, parse_month, submission_deadline,
                                     working_day)
from pipelines.demo.returns import write_return
from pipelines.demo.volumes import regions, return_entries
from pipelines.settings import Paths

DEFAULT_SEED = 20210201  # the inspection's month, as a memorable constant
DEFAULT_MONTHS = 24
DEFAULT_END_MONTH = "2026-10"
SCENARIOS = {("SEROCU", 3): "late", ("TARIAN", 8): "missing", ("ROCUWM", 5): "broken"}
LATE_WORKING_DAY = 14
MANIFEST_COLUMNS = ["rocu_code", "period", "path", "submitted_at", "scenario"]
TRUTH_COLUMNS = ["rocu_code", "period", "metric_id", "force_code", "value"]
OUTPUT_PARTS = ("returns", "resources", "extracts", "truth", "manifest.csv", "resources_manifest.csv", "README.md")
RESOURCES_MANIFEST_COLUMNS = ["rocu_code", "period", "path", "submitted_at"]


def scenario_for(months: list[str]) -> dict[tuple[str, str], str]:
    """(rocu_code, period) -> scenario for the special cases inside this run."""
    return {(code, months[-1 - min(k, len(months) - 1)]): name
            for (code, k), name in SCENARIOS.items()}


def submitted_at(rng: np.random.Generator, period: str, scenario: str) -> str:
    """Normal returns arrive on working days 2-8 of the next month; late ones on day 14."""
    day_number = LATE_WORKING_DAY if scenario == "late" else int(rng.integers(2, 9))
    day = working_day(add_months(period, 1), day_number)
    moment = time(int(rng.integers(8, 18)), int(rng.integers(0, 60)))
    stamp = datetime.combine(day, moment)
    assert (scenario == "late") == (day > submission_deadline(period))
    return stamp.isoformat()


def write_returns(out: Path, months: list[str], seed: int, progress: bool) -> pl.DataFrame:
    """Every unit's return for every month; returns the manifest and writes the truth."""
    regs = regions()
    # Year-to-date layouts show earlier months of the financial year as context.
    all_months = months_between(financial_year_start(months[0]), months[-1])
    entries = return_entries(np.random.default_rng([seed, 1]), all_months)
    rng = np.random.default_rng([seed, 5])
    special = scenario_for(months)
    manifest, truth = [], []
    jobs = [(code, period) for period in months for code in regs]
    for code, period in tqdm(jobs, desc="returns", disable=not progress, file=sys.stderr):
        scenario = special.get((code, period), "normal")
        if scenario == "missing":
            manifest.append([code, period, None, None, scenario])
            continue
        relative = write_return(out, regs[code], period, entries, broken=scenario == "broken")
        manifest.append([code, period, relative.as_posix(), submitted_at(rng, period, scenario),
                         scenario])
        if scenario != "broken":
            truth += [[code, period, e.metric_id, e.force_code, e.framework_value]
                      for e in entries[(code, period)] if e.metric_id is not None]
    schema = {c: pl.String for c in TRUTH_COLUMNS} | {"value": pl.Float64}
    (pl.DataFrame(truth, schema=schema, orient="row")
     .sort("rocu_code", "period", "metric_id", "force_code", nulls_last=False)
     .write_csv(out / "truth" / "expected_values.csv"))
    return pl.DataFrame(manifest, schema=MANIFEST_COLUMNS, orient="row")


def write_extracts(out: Path, months: list[str], seed: int, progress: bool) -> None:
    """Operations, then month by month disruptions, capacity and tasking, then the OCG register as at each month end.

    The register's groups are drawn first (disruptions are claimed against them); their history
    (re-scoring, owners, archive reasons) follows the disruptions against them.
    """
    regs = regions()
    register = ocg_register.ocg_register(np.random.default_rng([seed, 2]), regs, months[0], months[-1])
    groups = ocg_register.active_groups(register)
    claims: list[pl.DataFrame] = []
    rng_d = np.random.default_rng([seed, 3])
    rng_c = np.random.default_rng([seed, 4])
    rng_details = np.random.default_rng([seed, 7])
    staffing = capacity.CapacityModel(rng_c, regs)
    acceptance = {c: float(rng_c.uniform(0.55, 0.9)) for c in regs}
    used: set[tuple] = set()
    pairs: list[tuple[str, str]] = []
    number = 1
    rng_t = np.random.default_rng([seed, 7])
    ops = operations.operations(rng_t, regs, groups, months)
    partners = operations.partner_codes()
    for folder in ("disruptions", "capacity", "tasking", "operations", "escalations"):
        (out / "extracts" / folder).mkdir(parents=True, exist_ok=True)
    for month in tqdm(months, desc="extracts", disable=not progress, file=sys.stderr):
        recent = month in months[-2:]
        table, twins = disruptions.month_extract(rng_d, regs, month, groups, used, recent, number,
                                                 rng_details, month_end(months[-1]))
        number += table.height
        pairs += twins
        table.write_csv(out / "extracts" / "disruptions" / f"disruptions_{month}.csv")
        claims.append(table.filter(pl.col("ocg_ref").is_not_null() & (pl.col("validation_status") == "validated")))
        staffing.month(month).write_csv(out / "extracts" / "capacity" / f"capacity_{month}.csv")
        tasking = out / "extracts" / "tasking"
        meetings = capacity.tasking_meetings(rng_c, regs, month)
        operations.with_attendance(rng_t, regs, meetings, ops, partners).write_csv(
            tasking / f"tasking_meetings_{month}.csv")
        capacity.gateway_requests(rng_c, regs, month, acceptance).write_csv(
            tasking / f"gateway_requests_{month}.csv")
    ops.write_csv(out / "extracts" / "operations" / f"operations_{months[-1]}.csv")
    escalations.escalations(np.random.default_rng([seed, 8]), groups, months).write_csv(
        out / "extracts" / "escalations" / f"escalations_{months[-1]}.csv")
    write_twins(out, pairs)
    write_register(out, months, seed, register, pl.concat(claims))


def write_register(out: Path, months: list[str], seed: int, register: pl.DataFrame,
                   claims: pl.DataFrame) -> None:
    """One register extract per month, network-wide, as at the month end."""
    folder = out / "extracts" / "ocg_register"
    folder.mkdir(parents=True, exist_ok=True)
    history = ocg_history.histories(np.random.default_rng([seed, 6]), regions(), register, claims,
                                    month_start(months[0]), month_end(months[-1]))
    for month in months:
        ocg_history.month_extract(history, month).write_csv(folder / f"ocg_register_{month}.csv")


def write_twins(out: Path, pairs: list[tuple[str, str]]) -> None:
    """The true twin pairs, with the four things the matching rule compares."""
    frames = [pl.read_csv(p, infer_schema=False)
              for p in sorted((out / "extracts" / "disruptions").glob("disruptions_*.csv"))]
    records = pl.concat(frames) if frames else pl.DataFrame()
    twins = pl.DataFrame(pairs, schema=["rocu_disruption_ref", "force_disruption_ref"],
                         orient="row")
    keys = ["rocu_code", "ocg_ref", "disruption_date", "threat_area_code", "strand"]
    if records.height:
        twins = twins.join(records.select(["disruption_ref", *keys]),
                           left_on="rocu_disruption_ref", right_on="disruption_ref", how="left")
    twins.sort("rocu_disruption_ref").write_csv(out / "truth" / "disruption_twins.csv")


README = """# Demo data (synthetic)

Generated by `python -m pipelines.demo.generate` (seed {seed}, {months} months to {end}).
Nothing here describes real people, groups or operations.

- `returns/<ROCU>/`: one monthly return per unit per month in the unit's own layout
  (see seeds/mappings/unit_layouts.csv; labels in seeds/mappings/label_map.csv).
- `manifest.csv`: every expected return, its file (empty if missing), when it was
  submitted and its scenario (normal, late, missing, broken). The deadline is the 10th
  working day of the following month; normal returns arrive on working days 2 to 8.
- `resources/<ROCU>/` and `resources_manifest.csv`: one quarterly resources return per unit
  per whole financial-year quarter of the run (budget by funding source, spend, staff by
  role and contract, leavers), in the template of docs/templates/resources-return.md; the
  units' shapes are in pipelines/demo/resource_profiles.csv.
- `extracts/disruptions/`: APMIS-style disruption records, one file per month. Some
  ROCU-led disruptions are also claimed by a force, the NCA, HMRC or Border Force
  (claiming_agency): same OCG, date, threat area and strand (listed in
  `truth/disruption_twins.csv`); count each once. A few unit-led disruptions are also recorded by
  another unit that supported them (its extract names the leading unit as lead): each unit counts
  it, the network once. Each record says what it was against
  (against_type; an OCG exactly when ocg_ref is given), its claim_date and, once validated or
  rejected, its validation_date.
- `extracts/ocg_register/ocg_register_<month>.csv`: the whole OCG register as at each month
  end (archived groups included, with date and reason), network-wide. MoRiLE score is an
  integer 1-99; band high = {high} and over, medium = {medium} to {high_1}, low = under {medium}
  (seeds/reference/morile_bands.csv). Groups are re-scored at reviews about every six months,
  some change owner, some are archived (dismantled, inactive or merged).
- `extracts/capacity/`, `extracts/tasking/`: staffing, tasking meetings (with the forces and
  partners represented, whether the unit attended the national tasking group, and the operations
  discussed), Gateway requests.
- `extracts/operations/operations_<month>.csv`: every operation the units led that was open
  in the run, as at the last month end (a snapshot: only the newest file is loaded): reference,
  lead unit, tasked by, threat area, OCGs targeted (";"-separated), start, end, status. Effort
  follows each unit's regional priorities (seeds/priorities/); SWROCU's depart from the national ones.
- `extracts/escalations/escalations_<month>.csv`: every OCG a force escalated to its unit in the
  run, with the unit's decision as at the last month end (a snapshot): accepted, declined with a
  reason (seeds/reference/escalation_decline_reasons.csv) or pending. SWROCU declines more; in
  NWROCU's region forces escalate few of their groups.
- `truth/expected_values.csv`: every figure of every non-broken return for its own
  period, in the framework unit (after the label map's multiplier).
"""


def generate(out: Path, months: int = DEFAULT_MONTHS, end_month: str = DEFAULT_END_MONTH,
             seed: int = DEFAULT_SEED, progress: bool = True) -> Path:
    """Write the whole demo folder under ``out`` (replacing an earlier demo there)."""
    parse_month(end_month)
    if months < 1:
        raise ValueError("months must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    for part in OUTPUT_PARTS:
        target = out / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    (out / "truth").mkdir(parents=True)
    run = month_range(end_month, months)
    manifest = write_returns(out, run, seed, progress)
    manifest.write_csv(out / "manifest.csv")
    pl.DataFrame(resources.write_resources(out, run, seed), schema=RESOURCES_MANIFEST_COLUMNS,
                 orient="row").write_csv(out / "resources_manifest.csv")
    write_extracts(out, run, seed, progress)
    (out / "README.md").write_text(README.format(
        seed=seed, months=months, end=end_month, high=ocg_register.MORILE_HIGH,
        medium=ocg_register.MORILE_MEDIUM, high_1=ocg_register.MORILE_HIGH - 1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Paths.from_env().demo)
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS)
    parser.add_argument("--end-month", default=DEFAULT_END_MONTH)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    out = generate(args.out, args.months, args.end_month, args.seed, progress=not args.quiet)
    print(f"Demo data written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
